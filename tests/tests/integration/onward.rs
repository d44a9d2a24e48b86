//! Onward referrals to community services: their own state machine, checked pair by pair
//! through the `Store`, with history, "no capacity" recorded explicitly, and the open-referral
//! projection.

use linkwork_core::model::*;
use linkwork_core::{Id, Store};
use linkwork_tests::*;
use OnwardStatus::*;

/// The documented machine, written out independently of the core's table:
/// `(from, how to get there from sent, allowed next states)`.
const MACHINE: &[(OnwardStatus, &[OnwardStatus], &[OnwardStatus])] = &[
    (
        Sent,
        &[],
        &[
            Acknowledged,
            Accepted,
            NoCapacity,
            NotEligible,
            CouldNotContact,
            NoLongerInterested,
        ],
    ),
    (
        Acknowledged,
        &[Acknowledged],
        &[
            Accepted,
            NoCapacity,
            NotEligible,
            CouldNotContact,
            NoLongerInterested,
        ],
    ),
    (
        NoCapacity,
        &[NoCapacity],
        &[Accepted, NoLongerInterested, CouldNotContact],
    ),
    (
        Accepted,
        &[Accepted],
        &[Attending, CouldNotContact, NoLongerInterested],
    ),
    (
        Attending,
        &[Accepted, Attending],
        &[GotHelp, CouldNotGetHelp, LeftEarly],
    ),
    (NotEligible, &[NotEligible], &[]),
    (CouldNotContact, &[CouldNotContact], &[]),
    (GotHelp, &[Accepted, Attending, GotHelp], &[]),
    (
        CouldNotGetHelp,
        &[Accepted, Attending, CouldNotGetHelp],
        &[],
    ),
    (LeftEarly, &[Accepted, Attending, LeftEarly], &[]),
    (NoLongerInterested, &[NoLongerInterested], &[]),
];

fn refer(s: &Store, person: Id, service: &str) -> Id {
    s.add_onward_referral(
        person,
        NewOnwardReferral {
            service: service.into(),
            organisation: None,
            need: None,
        },
    )
    .unwrap()
}

fn referral(s: &Store, person: Id, id: Id) -> OnwardReferral {
    case(s, person)
        .onward_referrals
        .into_iter()
        .find(|o| o.id == id)
        .unwrap()
}

fn reach(s: &Store, person: Id, path: &[OnwardStatus]) -> Id {
    let r = refer(s, person, "Befriending");
    for &st in path {
        s.transition_onward_referral(r, st, None).unwrap();
    }
    r
}

#[test]
fn every_state_of_the_machine_is_covered() {
    assert_eq!(MACHINE.len(), OnwardStatus::ALL.len());
    for &s in OnwardStatus::ALL {
        assert!(MACHINE.iter().any(|(f, _, _)| *f == s), "{s}");
    }
}

#[test]
fn every_disallowed_pair_is_refused_and_changes_nothing() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Onward", "Bound");
    let mut refused = 0;
    for (from, path, allowed) in MACHINE {
        let r = reach(&s, p, path);
        assert_eq!(referral(&s, p, r).status, *from);
        for &target in OnwardStatus::ALL {
            if allowed.contains(&target) {
                continue;
            }
            let err = assert_refused_unchanged(&s, p, || {
                s.transition_onward_referral(r, target, Some("try"))
            });
            assert_illegal(&err, "onward referral", from.code(), target.code());
            refused += 1;
        }
    }
    let allowed: usize = MACHINE.iter().map(|m| m.2.len()).sum();
    assert_eq!(refused, 11 * 11 - allowed);
}

#[test]
fn every_allowed_pair_moves_and_is_recorded() {
    let dir = TestDir::new();
    let s = dir.link_worker("lw.db", "sam");
    let p = add_person(&s, "Onward", "Moves");
    for (from, path, allowed) in MACHINE {
        for &target in *allowed {
            let r = reach(&s, p, path);
            let before = referral(&s, p, r);
            s.transition_onward_referral(r, target, Some(&format!(" {from} to {target} ")))
                .unwrap();
            let after = referral(&s, p, r);
            assert_eq!(after.status, target);
            assert_eq!(after.history.len(), before.history.len() + 1);
            let h = after.history.last().unwrap();
            assert_eq!((h.from, h.to), (*from, target));
            assert_eq!(
                h.note.as_deref(),
                Some(format!("{from} to {target}").as_str())
            );
            assert_eq!(h.by, "sam");
            let mut state = Sent;
            for h in &after.history {
                assert_eq!(h.from, state);
                state = h.to;
            }
            let open: Vec<Id> = s
                .open_onward_referrals()
                .unwrap()
                .iter()
                .map(|o| o.referral_id)
                .collect();
            assert_eq!(open.contains(&r), !target.is_final(), "{from} -> {target}");
        }
    }
}

#[test]
fn referrals_store_their_fields_and_no_capacity_is_explicit() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let r = s
        .add_onward_referral(
            f.person,
            NewOnwardReferral {
                service: " Men's Shed ".into(),
                organisation: Some("  ".into()),
                need: Some("loneliness".into()),
            },
        )
        .unwrap();
    let o = referral(&s, f.person, r);
    assert_eq!(o.service, "Men's Shed");
    assert_eq!(o.organisation, None);
    assert_eq!(o.need.as_deref(), Some("loneliness"));
    assert_eq!(o.status, Sent);
    assert!(o.history.is_empty());
    assert_eq!(o.by, "sam");
    s.transition_onward_referral(r, NoCapacity, Some("waitlist of 6 weeks"))
        .unwrap();
    let open = s.open_onward_referrals().unwrap();
    let row = open.iter().find(|x| x.referral_id == r).unwrap();
    assert_eq!(row.status, NoCapacity);
    assert_eq!(row.person_id, f.person);
    assert_eq!(row.service, "Men's Shed");
    assert_eq!(row.sent_at.timestamp_millis(), o.sent_at.timestamp_millis());
    assert_eq!(entry(&s, f.person).open_onward_referrals, 2);
    // Through to a final state: it leaves the open list and the count.
    for st in [Accepted, Attending, GotHelp] {
        s.transition_onward_referral(r, st, None).unwrap();
    }
    assert!(s
        .open_onward_referrals()
        .unwrap()
        .iter()
        .all(|x| x.referral_id != r));
    assert_eq!(entry(&s, f.person).open_onward_referrals, 1);
    let statuses: Vec<OnwardStatus> = referral(&s, f.person, r)
        .history
        .iter()
        .map(|h| h.to)
        .collect();
    assert_eq!(statuses, vec![NoCapacity, Accepted, Attending, GotHelp]);
}

#[test]
fn onward_bad_inputs_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    for service in ["", "  "] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.add_onward_referral(
                f.person,
                NewOnwardReferral {
                    service: service.into(),
                    organisation: Some("Org".into()),
                    need: None,
                },
            )
        });
        assert_invalid(&err, "service");
    }
    for unknown in [Id::new(), f.goal, f.consent, f.person] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.transition_onward_referral(unknown, Accepted, None)
        });
        assert_not_found(&err, "onward-referral");
    }
    let err = assert_refused_unchanged(&s, f.person, || {
        s.transition_onward_referral(
            f.onward,
            Accepted,
            Some(&"n".repeat(text::MAX_TEXT_CHARS + 1)),
        )
    });
    assert_invalid(&err, "note");
}
