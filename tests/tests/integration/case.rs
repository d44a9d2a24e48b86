//! Case records through the `Store`: consultations with lone-working check-in and check-out,
//! risk and safeguarding flags (resolved once), and case notes.

use linkwork_core::model::*;
use linkwork_core::Id;
use linkwork_tests::*;

#[test]
fn consultations_store_every_field() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let start = chrono::Utc::now() - chrono::Duration::hours(3);
    let id = s
        .add_consultation(
            f.person,
            NewConsultation {
                mode: ConsultationMode::Venue,
                start: Some(start),
                duration_minutes: Some(1440),
                attendees: vec![" carer ".into(), "interpreter".into()],
                notes: Some("  met at the library ".into()),
            },
        )
        .unwrap();
    let c = case(&s, f.person);
    let x = c.consultations.iter().find(|x| x.id == id).unwrap();
    assert_eq!(x.episode_id, f.episode);
    assert_eq!(x.mode, ConsultationMode::Venue);
    assert_eq!(x.start.timestamp_millis(), start.timestamp_millis());
    assert_eq!(x.duration_minutes, Some(1440));
    assert_eq!(x.attendees, vec!["carer", "interpreter"]);
    assert_eq!(x.notes, "met at the library");
    assert_eq!((x.checked_in_at, x.checked_out_at), (None, None));
    assert_eq!(x.by, "sam");
    // Oldest first by start time: the back-dated one comes first.
    assert_eq!(c.consultations[0].id, id);

    let bare = s
        .add_consultation(
            f.person,
            NewConsultation {
                mode: ConsultationMode::Video,
                start: None,
                duration_minutes: None,
                attendees: vec![],
                notes: None,
            },
        )
        .unwrap();
    let c = case(&s, f.person);
    let x = c.consultations.iter().find(|x| x.id == bare).unwrap();
    assert_eq!((x.duration_minutes, x.notes.as_str()), (None, ""));
    assert!(x.attendees.is_empty());

    s.set_consultation_notes(bare, "follow up next week")
        .unwrap();
    s.set_consultation_notes(bare, "follow up in two weeks")
        .unwrap();
    let c = case(&s, f.person);
    let x = c.consultations.iter().find(|x| x.id == bare).unwrap();
    assert_eq!(x.notes, "follow up in two weeks");
}

#[test]
fn consultation_bad_inputs_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    for minutes in [0, 1441, -1, i32::MAX, i32::MIN] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.add_consultation(
                f.person,
                NewConsultation {
                    duration_minutes: Some(minutes),
                    ..new_consultation(ConsultationMode::Phone)
                },
            )
        });
        assert_invalid(&err, "duration_minutes");
    }
    let err = assert_refused_unchanged(&s, f.person, || {
        s.add_consultation(
            f.person,
            NewConsultation {
                attendees: vec!["son".into(), "  ".into()],
                ..new_consultation(ConsultationMode::Phone)
            },
        )
    });
    assert_invalid(&err, "attendees");
    let err = assert_refused_unchanged(&s, f.person, || {
        s.set_consultation_notes(f.call, &"n".repeat(text::MAX_TEXT_CHARS + 1))
    });
    assert_invalid(&err, "notes");
    for unknown in [Id::new(), f.note] {
        let err = assert_refused_unchanged(&s, f.person, || s.set_consultation_notes(unknown, "x"));
        assert_not_found(&err, "consultation");
    }
}

#[test]
fn home_visits_check_in_then_out_once() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Home", "Visit");
    walk(&s, p, &[EpisodeStatus::Accepted]);
    let v = s
        .add_consultation(p, new_consultation(ConsultationMode::HomeVisit))
        .unwrap();
    // Check-out before check-in.
    let err = assert_refused_unchanged(&s, p, || s.check_out(v));
    assert_illegal(&err, "home visit", "not checked in", "checked out");
    s.check_in(v).unwrap();
    let x = case(&s, p).consultations[0].clone();
    let checked_in = x.checked_in_at.unwrap();
    assert_eq!(x.checked_out_at, None);
    let err = assert_refused_unchanged(&s, p, || s.check_in(v));
    assert_illegal(&err, "home visit", "checked in", "checked in");
    s.check_out(v).unwrap();
    let x = case(&s, p).consultations[0].clone();
    assert_eq!(x.checked_in_at, Some(checked_in));
    assert!(x.checked_out_at.unwrap() > checked_in);
    let err = assert_refused_unchanged(&s, p, || s.check_out(v));
    assert_illegal(&err, "home visit", "checked out", "checked out");
    let err = assert_refused_unchanged(&s, p, || s.check_in(v));
    assert_illegal(&err, "home visit", "checked out", "checked in");
}

#[test]
fn check_in_applies_to_home_visits_only() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    for mode in [
        ConsultationMode::Phone,
        ConsultationMode::Video,
        ConsultationMode::Venue,
    ] {
        let c = s
            .add_consultation(f.person, new_consultation(mode))
            .unwrap();
        let err = assert_refused_unchanged(&s, f.person, || s.check_in(c));
        assert_invalid(&err, "consultation");
        let err = assert_refused_unchanged(&s, f.person, || s.check_out(c));
        assert_invalid(&err, "consultation");
    }
    for unknown in [Id::new(), f.goal, f.flag] {
        let err = assert_refused_unchanged(&s, f.person, || s.check_in(unknown));
        assert_not_found(&err, "consultation");
        let err = assert_refused_unchanged(&s, f.person, || s.check_out(unknown));
        assert_not_found(&err, "consultation");
    }
    // The fixture's visit is checked in; checking out works.
    s.check_out(f.visit).unwrap();
}

#[test]
fn flags_are_raised_and_resolved_once() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let g = s
        .raise_flag(
            f.person,
            FlagKind::Safeguarding,
            "  Concern about a neighbour ",
        )
        .unwrap();
    let c = case(&s, f.person);
    assert_eq!(c.flags.len(), 2);
    let flag = c.flags.iter().find(|x| x.id == g).unwrap();
    assert_eq!(flag.kind, FlagKind::Safeguarding);
    assert_eq!(flag.description, "Concern about a neighbour");
    assert_eq!(flag.raised_by, "sam");
    assert_eq!(
        (flag.resolved_at, flag.resolved_by.as_deref()),
        (None, None)
    );
    s.resolve_flag(g).unwrap();
    let c = case(&s, f.person);
    let flag = c.flags.iter().find(|x| x.id == g).unwrap().clone();
    assert!(flag.resolved_at.unwrap() >= flag.raised_at);
    assert_eq!(flag.resolved_by.as_deref(), Some("sam"));
    // Resolved twice: refused, first resolution kept.
    let err = assert_refused_unchanged(&s, f.person, || s.resolve_flag(g));
    assert_illegal(&err, "flag", "resolved", "resolved");
    let again = case(&s, f.person);
    assert_eq!(again.flags.iter().find(|x| x.id == g).unwrap(), &flag);
    // The other flag is untouched.
    assert_eq!(
        again
            .flags
            .iter()
            .find(|x| x.id == f.flag)
            .unwrap()
            .resolved_at,
        None
    );
    for desc in ["", "   "] {
        let err = assert_refused_unchanged(&s, f.person, || {
            s.raise_flag(f.person, FlagKind::Risk, desc)
        });
        assert_invalid(&err, "description");
    }
    for unknown in [Id::new(), f.note] {
        let err = assert_refused_unchanged(&s, f.person, || s.resolve_flag(unknown));
        assert_not_found(&err, "flag");
    }
}

#[test]
fn case_notes_are_added_and_edited() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let n = s.add_case_note(f.person, " Second note ").unwrap();
    let c = case(&s, f.person);
    let ids: Vec<Id> = c.notes.iter().map(|n| n.id).collect();
    assert_eq!(ids, vec![f.note, n], "oldest first");
    assert_eq!(c.notes[1].text, "Second note");
    assert_eq!(c.notes[1].by, "sam");
    s.edit_case_note(n, "Second note, edited").unwrap();
    let c = case(&s, f.person);
    assert_eq!(c.notes[1].text, "Second note, edited");
    assert_eq!(c.notes[0].text, "Prefers morning visits");
    for text in ["", " \n "] {
        let err = assert_refused_unchanged(&s, f.person, || s.add_case_note(f.person, text));
        assert_invalid(&err, "text");
        let err = assert_refused_unchanged(&s, f.person, || s.edit_case_note(n, text));
        assert_invalid(&err, "text");
    }
    for unknown in [Id::new(), f.flag] {
        let err = assert_refused_unchanged(&s, f.person, || s.edit_case_note(unknown, "x"));
        assert_not_found(&err, "case-note");
    }
}
