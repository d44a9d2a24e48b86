//! The episode state machine through the `Store`: every pair of states is either allowed (and
//! recorded) or refused with no change; discharge needs a reason; SNOMED CT codes are recorded
//! exactly once per episode; closed episodes refuse consultations.

use linkwork_core::model::*;
use linkwork_core::Store;
use linkwork_tests::*;
use EpisodeStatus::*;

/// A way to reach a state from `referred`, and whether it passes through acceptance.
struct Start {
    label: &'static str,
    path: &'static [EpisodeStatus],
    allowed: &'static [EpisodeStatus],
}

/// The documented machine, written out independently of the core's table.
const STARTS: &[Start] = &[
    Start {
        label: "referred",
        path: &[],
        allowed: &[Contacting, Accepted, Declined, Redirected, OnHold],
    },
    Start {
        label: "contacting",
        path: &[Contacting],
        allowed: &[Accepted, Declined, UnableToContact, Redirected, OnHold],
    },
    Start {
        label: "accepted",
        path: &[Accepted],
        allowed: &[OnHold, Discharged],
    },
    Start {
        label: "declined",
        path: &[Declined],
        allowed: &[Contacting, Accepted],
    },
    Start {
        label: "unable to contact",
        path: &[Contacting, UnableToContact],
        allowed: &[Contacting, Accepted],
    },
    Start {
        label: "redirected",
        path: &[Redirected],
        allowed: &[Contacting, Accepted],
    },
    Start {
        label: "on hold, never accepted",
        path: &[OnHold],
        allowed: &[Accepted, Discharged, Contacting, Declined, UnableToContact],
    },
    Start {
        label: "on hold after acceptance",
        path: &[Accepted, OnHold],
        allowed: &[Accepted, Discharged],
    },
    Start {
        label: "discharged",
        path: &[Accepted, Discharged],
        allowed: &[Accepted],
    },
    Start {
        label: "reopened from declined, on hold",
        path: &[Declined, Contacting, OnHold],
        allowed: &[Accepted, Discharged, Contacting, Declined, UnableToContact],
    },
];

fn request(to_status: EpisodeStatus) -> EpisodeTransition {
    if to_status == Discharged {
        EpisodeTransition {
            to: Discharged,
            discharge_reason: Some(DischargeReason::MovedAway),
            decline_reason: None,
            redirect_reason: None,
            consent_to_contact: None,
            reason: Some("moved to Leeds".into()),
        }
    } else {
        EpisodeTransition {
            to: to_status,
            discharge_reason: None,
            decline_reason: None,
            redirect_reason: None,
            consent_to_contact: (to_status == Accepted).then_some(true),
            reason: Some(format!("to {to_status}")),
        }
    }
}

fn started(s: &Store, start: &Start) -> linkwork_core::Id {
    let p = add_person(s, "Test", start.label);
    walk(s, p, start.path);
    p
}

#[test]
fn every_disallowed_pair_is_refused_through_the_store_and_changes_nothing() {
    let (_dir, s) = link_worker_store();
    let mut refused = 0;
    for start in STARTS {
        let p = started(&s, start);
        let from = current(&s, p).status;
        for &target in EpisodeStatus::ALL {
            if start.allowed.contains(&target) {
                continue;
            }
            let err = assert_refused_unchanged(&s, p, || s.transition_episode(p, request(target)));
            assert_illegal(&err, "episode", from.code(), target.code());
            refused += 1;
        }
    }
    // 10 starts x 8 targets, minus the allowed moves.
    let allowed: usize = STARTS.iter().map(|s| s.allowed.len()).sum();
    assert_eq!(refused, STARTS.len() * EpisodeStatus::ALL.len() - allowed);
}

#[test]
fn every_allowed_pair_moves_and_is_recorded() {
    let (_dir, s) = link_worker_store();
    for start in STARTS {
        for &target in start.allowed {
            let p = started(&s, start);
            if target == UnableToContact {
                attempt(&s, p);
            }
            let before = current(&s, p);
            let from = before.status;
            let got = s.transition_episode(p, request(target)).unwrap();
            assert_eq!(got, target, "{} -> {target}", start.label);
            let e = current(&s, p);
            assert_eq!(e.id, before.id, "a transition never opens an episode");
            assert_eq!(e.status, target);
            assert_eq!(e.history.len(), before.history.len() + 1);
            let last = e.history.last().unwrap();
            assert_eq!((last.from, last.to), (from, target));
            assert_eq!(last.by, "sam");
            assert_eq!(
                last.reopened,
                from.is_closed(),
                "{} -> {target}",
                start.label
            );
            assert_eq!(last.reason, request(target).reason);
            assert_eq!(e.status_reason, request(target).reason);
            assert_eq!(
                e.discharge_reason,
                (target == Discharged).then_some(DischargeReason::MovedAway)
            );
            assert_eq!(entry(&s, p).status, Some(target));
            // The recorded history is a chain from `referred` to the current state.
            let mut state = Referred;
            for h in &e.history {
                assert_eq!(h.from, state);
                state = h.to;
            }
            assert_eq!(state, target);
        }
    }
}

#[test]
fn discharge_needs_a_reason_and_only_discharge_takes_one() {
    let (_dir, s) = link_worker_store();
    for path in [&[Accepted][..], &[OnHold], &[Accepted, OnHold]] {
        let p = add_person(&s, "No", "Reason");
        walk(&s, p, path);
        let err = assert_refused_unchanged(&s, p, || {
            s.transition_episode(
                p,
                EpisodeTransition {
                    to: Discharged,
                    discharge_reason: None,
                    decline_reason: None,
                    redirect_reason: None,
                    consent_to_contact: None,
                    reason: Some("all done".into()),
                },
            )
        });
        assert_invalid(&err, "discharge_reason");
    }
    let p = add_person(&s, "Wrong", "Reason");
    let err = assert_refused_unchanged(&s, p, || {
        s.transition_episode(
            p,
            EpisodeTransition {
                to: Accepted,
                discharge_reason: Some(DischargeReason::GoalsMet),
                decline_reason: None,
                redirect_reason: None,
                consent_to_contact: Some(true),
                reason: None,
            },
        )
    });
    assert_invalid(&err, "discharge_reason");
    let err = assert_refused_unchanged(&s, p, || {
        s.transition_episode(
            p,
            EpisodeTransition {
                to: Accepted,
                discharge_reason: None,
                decline_reason: None,
                redirect_reason: None,
                consent_to_contact: Some(true),
                reason: Some("x".repeat(text::MAX_TEXT_CHARS + 1)),
            },
        )
    });
    assert_invalid(&err, "reason");
    // Every discharge reason is stored as given.
    for &reason in DischargeReason::ALL {
        let p = add_person(&s, "Reason", reason.code());
        walk(&s, p, &[Accepted]);
        s.transition_episode(
            p,
            EpisodeTransition {
                to: Discharged,
                discharge_reason: Some(reason),
                decline_reason: None,
                redirect_reason: None,
                consent_to_contact: None,
                reason: None,
            },
        )
        .unwrap();
        let e = current(&s, p);
        assert_eq!(e.discharge_reason, Some(reason));
        assert_eq!(e.status_reason, None);
    }
}

fn accept_codes(e: &Episode) -> usize {
    e.gp_codes
        .iter()
        .filter(|c| c.code == REFERRAL_TO_SOCIAL_PRESCRIBING)
        .count()
}

fn decline_codes(e: &Episode) -> usize {
    e.gp_codes
        .iter()
        .filter(|c| c.code == SOCIAL_PRESCRIBING_DECLINED)
        .count()
}

#[test]
fn accept_code_is_recorded_exactly_once_per_episode() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Once", "Only");
    assert!(s.gp_codes(p).unwrap().is_empty());
    walk(&s, p, &[Contacting, OnHold]);
    assert!(
        s.gp_codes(p).unwrap().is_empty(),
        "no code before acceptance"
    );

    walk(&s, p, &[Accepted]);
    let first = current(&s, p);
    assert_eq!(accept_codes(&first), 1);
    let code = &first.gp_codes[0];
    assert_eq!(code.code, "871731000000106");
    assert_eq!(
        code.display,
        "Referral to social prescribing service (procedure)"
    );
    assert_eq!(code.episode_id, first.id);
    assert_eq!(code.recorded_by, "sam");
    let accepted_at = first.accepted_at.unwrap();

    // Accept, on hold, accept again: still one.
    walk(&s, p, &[OnHold, Accepted]);
    let e = current(&s, p);
    assert_eq!(accept_codes(&e), 1);
    assert_eq!(e.gp_codes[0], *code, "the code is not re-recorded");
    assert_eq!(e.accepted_at, Some(accepted_at), "first acceptance is kept");

    // Discharge and reopen: still one for that episode.
    walk(&s, p, &[Discharged, Accepted]);
    let e = current(&s, p);
    assert_eq!(e.id, first.id);
    assert_eq!(accept_codes(&e), 1);
    assert_eq!(e.accepted_at, Some(accepted_at));
    assert_eq!(s.gp_codes(p).unwrap(), vec![code.clone()]);

    // A new episode gets its own code.
    walk(&s, p, &[Discharged]);
    let second = s.open_episode(p, NewReferral::default()).unwrap();
    assert_eq!(accept_codes(&current(&s, p)), 0);
    walk(&s, p, &[Accepted]);
    let codes = s.gp_codes(p).unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(codes[0], *code, "oldest first");
    assert_eq!(codes[1].code, REFERRAL_TO_SOCIAL_PRESCRIBING);
    assert_eq!(codes[1].episode_id, second);
    let c = case(&s, p);
    assert_eq!(accept_codes(&c.episodes[0]), 1);
    assert_eq!(accept_codes(&c.episodes[1]), 1);
}

#[test]
fn accept_code_is_recorded_on_every_route_into_accepted() {
    let (_dir, s) = link_worker_store();
    for path in [
        &[Accepted][..],
        &[Contacting, Accepted],
        &[OnHold, Accepted],
        &[Declined, Accepted],
        &[Redirected, Accepted],
        &[Contacting, UnableToContact, Accepted],
    ] {
        let p = add_person(&s, "Route", "Accept");
        walk(&s, p, path);
        let e = current(&s, p);
        assert_eq!(accept_codes(&e), 1, "{path:?}");
        assert!(e.accepted_at.is_some());
    }
    // No route that avoids acceptance records the accept code.
    for path in [
        &[Contacting, UnableToContact][..],
        &[Redirected, Contacting, OnHold],
        &[OnHold, Discharged],
    ] {
        let p = add_person(&s, "Route", "None");
        walk(&s, p, path);
        assert_eq!(accept_codes(&current(&s, p)), 0, "{path:?}");
    }
}

#[test]
fn decline_code_is_recorded_once_per_episode() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "No", "Thanks");
    walk(&s, p, &[Contacting, Declined]);
    let e = current(&s, p);
    assert_eq!(decline_codes(&e), 1);
    assert_eq!(accept_codes(&e), 0);
    let code = e.gp_codes[0].clone();
    assert_eq!(code.code, "871711000000103");
    assert_eq!(code.display, "Social prescribing declined (situation)");
    assert_eq!(code.episode_id, e.id);
    // Reopen and decline again: still one.
    walk(&s, p, &[Contacting, Declined]);
    let e = current(&s, p);
    assert_eq!(decline_codes(&e), 1);
    assert_eq!(e.gp_codes, vec![code.clone()]);
    // Declining from on hold records it too; then reopen to accepted adds the accept code.
    let q = add_person(&s, "On", "Hold");
    walk(&s, q, &[OnHold, Declined, Accepted]);
    let e = current(&s, q);
    assert_eq!((decline_codes(&e), accept_codes(&e)), (1, 1));
    let codes = s.gp_codes(q).unwrap();
    assert_eq!(codes[0].code, SOCIAL_PRESCRIBING_DECLINED, "oldest first");
    assert_eq!(codes[1].code, REFERRAL_TO_SOCIAL_PRESCRIBING);
    // A new episode can be declined again.
    walk(&s, p, &[]);
    let second = s.open_episode(p, NewReferral::default()).unwrap();
    walk(&s, p, &[Declined]);
    let codes = s.gp_codes(p).unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(codes[1].episode_id, second);
}

#[test]
fn consultations_are_refused_on_a_closed_episode_until_reopened() {
    let (_dir, s) = link_worker_store();
    for (path, reopen) in [
        (&[Declined][..], Contacting),
        (&[Contacting, UnableToContact], Accepted),
        (&[Redirected], Contacting),
        (&[Accepted, Discharged], Accepted),
    ] {
        let p = add_person(&s, "Closed", "Episode");
        walk(&s, p, path);
        let status = current(&s, p).status;
        assert!(status.is_closed());
        for &mode in ConsultationMode::ALL {
            let err =
                assert_refused_unchanged(&s, p, || s.add_consultation(p, new_consultation(mode)));
            assert_illegal(&err, "episode", status.code(), "consultation");
        }
        walk(&s, p, &[reopen]);
        let id = s
            .add_consultation(p, new_consultation(ConsultationMode::Venue))
            .unwrap();
        let c = case(&s, p);
        assert_eq!(c.consultations.len(), 1);
        assert_eq!(c.consultations[0].id, id);
        assert_eq!(c.consultations[0].episode_id, c.episodes[0].id);
    }
    // Every open state allows them.
    for path in [&[][..], &[Contacting], &[Accepted], &[OnHold]] {
        let p = add_person(&s, "Open", "Episode");
        walk(&s, p, path);
        s.add_consultation(p, new_consultation(ConsultationMode::Phone))
            .unwrap();
    }
}

#[test]
fn consultations_after_a_new_episode_belong_to_it() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    walk(&s, f.person, &[Discharged]);
    let second = s.open_episode(f.person, NewReferral::default()).unwrap();
    let id = s
        .add_consultation(f.person, new_consultation(ConsultationMode::Video))
        .unwrap();
    let c = case(&s, f.person);
    let new = c.consultations.iter().find(|x| x.id == id).unwrap();
    assert_eq!(new.episode_id, second);
    let old = c.consultations.iter().find(|x| x.id == f.call).unwrap();
    assert_eq!(old.episode_id, f.episode);
}

/// Records a contact attempt (no answer) in the current episode: closing as unable to contact
/// needs one.
fn attempt(s: &linkwork_core::Store, p: linkwork_core::Id) {
    s.record_contact_attempt(
        p,
        NewContactAttempt {
            at: None,
            channel: ContactChannel::Phone,
            outcome: ContactOutcome::NoAnswer,
            note: None,
        },
    )
    .unwrap();
}
