//! Outcome measures recorded through the `Store`: raw answers stored with instrument, version,
//! timepoint and mode; scores derived on reading; incomplete stays incomplete; bad answers are
//! refused with a typed error and change nothing.

use linkwork_core::measures::*;
use linkwork_core::model::*;
use linkwork_core::{Error, Id};
use linkwork_tests::*;

fn response(instrument: Instrument, answers: Vec<Option<i64>>) -> NewMeasureResponse {
    NewMeasureResponse {
        instrument,
        answers,
        concern_labels: Vec::new(),
        pam: None,
        timepoint: Timepoint::Baseline,
        mode: AdministrationMode::ReadOut,
        recorded_at: None,
    }
}

fn measure(s: &linkwork_core::Store, person: Id, id: Id) -> MeasureResponse {
    s.plan(person)
        .unwrap()
        .measures
        .into_iter()
        .find(|m| m.id == id)
        .unwrap()
}

#[test]
fn every_instrument_is_stored_raw_and_scored_on_reading() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Measured", "Person");
    let at = chrono::Utc::now() - chrono::Duration::days(30);
    let ons = s
        .record_measure(
            p,
            NewMeasureResponse {
                recorded_at: Some(at),
                timepoint: Timepoint::Baseline,
                mode: AdministrationMode::SelfCompleted,
                ..ons4([9, 5, 0, 6], Timepoint::Baseline)
            },
        )
        .unwrap();
    let m = measure(&s, p, ons);
    assert_eq!(m.instrument, Instrument::Ons4);
    assert_eq!(m.version, Instrument::Ons4.version());
    assert_eq!(m.answers, vec![Some(9), Some(5), Some(0), Some(6)]);
    assert_eq!(m.timepoint, Timepoint::Baseline);
    assert_eq!(m.mode, AdministrationMode::SelfCompleted);
    assert_eq!(m.recorded_at.timestamp_millis(), at.timestamp_millis());
    assert_eq!(m.recorded_by, "sam");
    match m.outcome {
        Some(ScoreOutcome::Scored(Score::Ons4 { items })) => {
            let bands: Vec<Ons4Band> = items.iter().map(|i| i.band).collect();
            assert_eq!(
                bands,
                vec![
                    Ons4Band::VeryHigh,
                    Ons4Band::Medium,
                    Ons4Band::Low,
                    Ons4Band::High
                ]
            );
        }
        other => panic!("unexpected {other:?}"),
    }

    let wem = s
        .record_measure(p, response(Instrument::Wemwbs, vec![Some(3); 14]))
        .unwrap();
    assert_eq!(
        measure(&s, p, wem).outcome,
        Some(ScoreOutcome::Scored(Score::Wemwbs { total: 42 }))
    );
    let swem = s
        .record_measure(p, response(Instrument::Swemwbs, vec![Some(3); 7]))
        .unwrap();
    assert_eq!(
        measure(&s, p, swem).outcome,
        Some(ScoreOutcome::Scored(Score::Swemwbs {
            raw: 21,
            metric: 19.25
        }))
    );
    let ucla = s
        .record_measure(
            p,
            response(Instrument::Ucla3, vec![Some(3), Some(2), Some(1)]),
        )
        .unwrap();
    assert_eq!(
        measure(&s, p, ucla).outcome,
        Some(ScoreOutcome::Scored(Score::Ucla3 { total: 6 }))
    );
    let lonely = s
        .record_measure(p, response(Instrument::LonelinessDirect, vec![Some(5)]))
        .unwrap();
    assert_eq!(
        measure(&s, p, lonely).outcome,
        Some(ScoreOutcome::Scored(Score::LonelinessDirect {
            answer: 5,
            often_or_always: true
        }))
    );
    let mycaw = s
        .record_measure(
            p,
            NewMeasureResponse {
                concern_labels: vec![" Money worries ".into()],
                ..response(Instrument::Mycaw, vec![Some(5), None, Some(4)])
            },
        )
        .unwrap();
    let m = measure(&s, p, mycaw);
    assert_eq!(m.concern_labels, vec!["Money worries"]);
    assert_eq!(
        m.outcome,
        Some(ScoreOutcome::Scored(Score::Mycaw {
            concerns: vec![5],
            wellbeing: 4
        }))
    );
    let pam = s
        .record_measure(
            p,
            NewMeasureResponse {
                pam: Some(PamResult::new(62.5, 3, "PAM-13 v2").unwrap()),
                ..response(Instrument::Pam, vec![])
            },
        )
        .unwrap();
    let m = measure(&s, p, pam);
    assert_eq!(m.pam, Some(PamResult::new(62.5, 3, "PAM-13 v2").unwrap()));
    assert_eq!(m.outcome, None, "PAM is never computed here");
    assert!(m.answers.is_empty());

    // Oldest first: the back-dated ONS4 leads.
    let plan = s.plan(p).unwrap();
    assert_eq!(plan.measures.len(), 7);
    assert_eq!(plan.measures[0].id, ons);
}

#[test]
fn incomplete_answers_are_stored_as_incomplete_never_prorated() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Partly", "Answered");
    let mut answers = vec![Some(4); 14];
    answers[2] = None;
    answers[13] = None;
    let id = s
        .record_measure(p, response(Instrument::Wemwbs, answers.clone()))
        .unwrap();
    let m = measure(&s, p, id);
    assert_eq!(m.answers, answers);
    assert_eq!(
        m.outcome,
        Some(ScoreOutcome::Incomplete {
            missing: vec![2, 13]
        })
    );
}

#[test]
fn bad_answers_are_refused_with_typed_errors_and_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(f.person, ons4([5, 11, 5, 5], Timepoint::Review))
    });
    assert!(
        matches!(
            err,
            Error::Measure(MeasureError::OutOfRange {
                instrument: "ons4",
                item: 1,
                min: 0,
                max: 10
            })
        ),
        "{err:?}"
    );
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(f.person, ons4([-1, 5, 5, 5], Timepoint::Review))
    });
    assert!(matches!(
        err,
        Error::Measure(MeasureError::OutOfRange { item: 0, .. })
    ));
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(f.person, response(Instrument::Wemwbs, vec![Some(3); 7]))
    });
    assert!(matches!(
        err,
        Error::Measure(MeasureError::WrongLength {
            expected: 14,
            got: 7,
            ..
        })
    ));
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(f.person, response(Instrument::Ucla3, vec![Some(0); 3]))
    });
    assert!(matches!(
        err,
        Error::Measure(MeasureError::OutOfRange { .. })
    ));
    // PAM: a licensed result is required, answers are refused, the result is checked.
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(f.person, response(Instrument::Pam, vec![]))
    });
    assert_invalid(&err, "pam");
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(
            f.person,
            NewMeasureResponse {
                pam: Some(PamResult::new(50.0, 2, "v").unwrap()),
                ..response(Instrument::Pam, vec![Some(1)])
            },
        )
    });
    assert_invalid(&err, "answers");
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(
            f.person,
            NewMeasureResponse {
                pam: Some(PamResult {
                    score: 101.0,
                    level: 2,
                    version: "v".into(),
                }),
                ..response(Instrument::Pam, vec![])
            },
        )
    });
    assert!(matches!(
        err,
        Error::Measure(MeasureError::InvalidPam { field: "score" })
    ));
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(
            f.person,
            NewMeasureResponse {
                pam: Some(PamResult::new(50.0, 2, "v").unwrap()),
                ..ons4([1, 2, 3, 4], Timepoint::Review)
            },
        )
    });
    assert_invalid(&err, "pam");
    // Concern labels: MYCaW only, one per rated concern, never blank.
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(
            f.person,
            NewMeasureResponse {
                concern_labels: vec!["money".into()],
                ..ons4([1, 2, 3, 4], Timepoint::Review)
            },
        )
    });
    assert_invalid(&err, "concern_labels");
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(
            f.person,
            NewMeasureResponse {
                concern_labels: vec!["money".into()],
                ..response(Instrument::Mycaw, vec![Some(1), Some(2), Some(3)])
            },
        )
    });
    assert_invalid(&err, "concern_labels");
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(
            f.person,
            NewMeasureResponse {
                concern_labels: vec!["  ".into()],
                ..response(Instrument::Mycaw, vec![Some(1), None, Some(3)])
            },
        )
    });
    assert_invalid(&err, "concern_labels");
    let err = assert_refused_unchanged(&s, f.person, || {
        s.record_measure(Id::new(), ons4([1, 2, 3, 4], Timepoint::Review))
    });
    assert_not_found(&err, "person");
}

#[test]
fn baseline_and_follow_up_compare_through_the_stored_scores() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Before", "After");
    let base = s
        .record_measure(
            p,
            response(Instrument::Ucla3, vec![Some(3), Some(3), Some(2)]),
        )
        .unwrap();
    let follow = s
        .record_measure(
            p,
            NewMeasureResponse {
                timepoint: Timepoint::FollowUp,
                ..response(Instrument::Ucla3, vec![Some(1), Some(2), Some(1)])
            },
        )
        .unwrap();
    let b = measure(&s, p, base);
    let f = measure(&s, p, follow);
    assert_eq!(f.timepoint, Timepoint::FollowUp);
    let (Some(ScoreOutcome::Scored(sb)), Some(ScoreOutcome::Scored(sf))) = (b.outcome, f.outcome)
    else {
        panic!("both complete");
    };
    assert_eq!(sb, Score::Ucla3 { total: 8 });
    assert_eq!(sf, Score::Ucla3 { total: 4 });
    let c = change(Instrument::Ucla3, &sb, &sf).unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].name, "total");
    assert_eq!((c[0].baseline, c[0].follow_up), (8.0, 4.0));
    assert!(c[0].lower_is_better);
    assert_eq!(c[0].improved, Some(true), "less lonely is better");
}
