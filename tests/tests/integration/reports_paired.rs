//! Paired change through the `Store`: baseline (earliest complete) against the latest complete
//! follow-up, directions per instrument, incomplete and review responses never used, and the
//! patient's own store.

use chrono::{DateTime, TimeZone, Utc};
use linkwork_core::measures::{AdministrationMode, DifferenceConvention, Instrument, Timepoint};
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store};

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, day, 9, 0, 0).unwrap()
}

fn record(
    s: &Store,
    p: Id,
    instrument: Instrument,
    answers: &[Option<i64>],
    timepoint: Timepoint,
    day: u32,
) {
    let labels = if instrument == Instrument::Mycaw {
        answers
            .iter()
            .take(2)
            .flatten()
            .map(|_| "worry".to_string())
            .collect()
    } else {
        Vec::new()
    };
    s.record_measure(
        p,
        NewMeasureResponse {
            instrument,
            answers: answers.to_vec(),
            concern_labels: labels,
            pam: None,
            timepoint,
            mode: AdministrationMode::SelfCompleted,
            recorded_at: Some(at(day)),
        },
    )
    .unwrap();
}

fn all(v: &[i64]) -> Vec<Option<i64>> {
    v.iter().copied().map(Some).collect()
}

fn setup() -> (tempfile::TempDir, Store, Id) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(
        dir.path().join("lw.db"),
        NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    let p = s
        .add_person(NewPerson {
            given_name: "Paired".into(),
            family_name: "Person".into(),
            ..Default::default()
        })
        .unwrap();
    (dir, s, p)
}

#[test]
fn earliest_baseline_against_latest_complete_follow_up() {
    let (_dir, s, p) = setup();
    use Timepoint::*;
    // Baselines: an incomplete one earliest, then two complete ones.
    record(
        &s,
        p,
        Instrument::Ons4,
        &[Some(2), None, Some(2), Some(9)],
        Baseline,
        1,
    );
    record(&s, p, Instrument::Ons4, &all(&[3, 4, 5, 8]), Baseline, 2);
    record(&s, p, Instrument::Ons4, &all(&[9, 9, 9, 0]), Baseline, 3);
    // A later review is never used; the latest follow-up is incomplete, so the one before.
    record(&s, p, Instrument::Ons4, &all(&[10, 10, 10, 0]), Review, 20);
    record(&s, p, Instrument::Ons4, &all(&[6, 4, 3, 2]), FollowUp, 10);
    record(
        &s,
        p,
        Instrument::Ons4,
        &[Some(1), Some(1), None, Some(1)],
        FollowUp,
        25,
    );
    let changes = s.paired_change(p).unwrap();
    let got: Vec<(&str, f64, Option<bool>)> = changes
        .iter()
        .map(|c| (c.quantity.as_str(), c.difference, c.improved))
        .collect();
    assert_eq!(
        got,
        [
            ("life-satisfaction", 3.0, Some(true)),
            ("worthwhile", 0.0, None),
            ("happiness", -2.0, Some(false)),
            ("anxiety", -6.0, Some(true)),
        ]
    );
    assert!(changes
        .iter()
        .all(|c| c.baseline_at == at(2) && c.follow_up_at == at(10)));
}

#[test]
fn mycaw_is_baseline_minus_follow_up_and_ucla_lower_is_better() {
    let (_dir, s, p) = setup();
    record(
        &s,
        p,
        Instrument::Mycaw,
        &all(&[5, 4, 4]),
        Timepoint::Baseline,
        1,
    );
    record(
        &s,
        p,
        Instrument::Mycaw,
        &[Some(2), None, Some(5)],
        Timepoint::FollowUp,
        9,
    );
    record(
        &s,
        p,
        Instrument::Ucla3,
        &all(&[3, 3, 3]),
        Timepoint::Baseline,
        1,
    );
    record(
        &s,
        p,
        Instrument::Ucla3,
        &all(&[1, 1, 2]),
        Timepoint::FollowUp,
        9,
    );
    record(
        &s,
        p,
        Instrument::Swemwbs,
        &all(&[3; 7]),
        Timepoint::Baseline,
        1,
    );
    let changes = s.paired_change(p).unwrap();
    let got: Vec<(String, f64, Option<bool>, DifferenceConvention)> = changes
        .iter()
        .map(|c| {
            (
                format!("{}/{}", c.instrument, c.quantity),
                c.difference,
                c.improved,
                c.convention,
            )
        })
        .collect();
    use DifferenceConvention::*;
    assert_eq!(
        got,
        [
            (
                "ucla3/total".to_string(),
                -5.0,
                Some(true),
                FollowUpMinusBaseline
            ),
            (
                "mycaw/concern-1".to_string(),
                3.0,
                Some(true),
                BaselineMinusFollowUp
            ),
            (
                "mycaw/wellbeing".to_string(),
                -1.0,
                Some(false),
                BaselineMinusFollowUp
            ),
        ],
        "SWEMWBS has no follow-up; MYCaW concern 2 is unpaired"
    );
}

#[test]
fn the_patient_sees_their_own_change_only() {
    let (dir, s, p) = setup();
    record(
        &s,
        p,
        Instrument::Wemwbs,
        &all(&[2; 14]),
        Timepoint::Baseline,
        1,
    );
    record(
        &s,
        p,
        Instrument::Wemwbs,
        &all(&[3; 14]),
        Timepoint::FollowUp,
        9,
    );
    let patient = Store::create(
        dir.path().join("patient.db"),
        NewStore {
            user: "pat".into(),
            role: Role::Patient,
            person: Some(p),
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    let plan = s.export_document(p, DocKind::Plan).unwrap();
    patient.import_document(&plan).unwrap();
    let mine = patient.paired_change(p).unwrap();
    assert_eq!(mine, s.paired_change(p).unwrap());
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].difference, 14.0);
    assert!(matches!(
        patient.paired_change(Id::new()),
        Err(Error::NotPermitted { .. })
    ));
    assert!(matches!(
        s.paired_change(Id::new()),
        Err(Error::NotFound { .. })
    ));
}
