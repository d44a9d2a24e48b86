//! Onward referrals to directory services: the service id and name kept at referral time,
//! refusals that change nothing, per-service outcomes, the response deadline in the due list,
//! reporting fields and the period report through the `Store`.

use linkwork_core::model::*;
use linkwork_core::reports::period::{Cell, ReportPeriod};
use linkwork_core::Store;
use linkwork_tests::*;

const FEED: &str = include_str!("../../fixtures/directory/services_page.json");
const LUNCH: &str = "b1a6a2f4-6c0e-4c5b-9a53-0f5f7c3e1a10";
const DEBT: &str = "d3e8f4b6-8e2a-4e7d-9c75-2b7b9e5a3c32";

fn with_directory() -> (TestDir, Store) {
    let (dir, s) = link_worker_store();
    s.directory_import(FEED.as_bytes(), "feed.json").unwrap();
    (dir, s)
}

fn onward(s: &Store, person: linkwork_core::Id) -> Vec<OnwardReferral> {
    s.person(person).unwrap().case.unwrap().onward_referrals
}

#[test]
fn a_directory_referral_keeps_the_id_and_the_name_at_referral_time() {
    let (_d, s) = with_directory();
    let p = add_person(&s, "Ada", "Lovelace");
    let r = s
        .add_onward_referral_to_service(p, LUNCH, Some("loneliness"))
        .unwrap();
    let o = onward(&s, p).into_iter().find(|o| o.id == r).unwrap();
    assert_eq!(o.service_id.as_deref(), Some(LUNCH));
    assert_eq!(o.service, "Lunch Club");
    assert_eq!(
        o.organisation.as_deref(),
        Some("Chapeltown Community Centre")
    );
    assert_eq!(o.need.as_deref(), Some("loneliness"));
    assert_eq!(o.status, OnwardStatus::Sent);
    // The directory renames the service: the referral keeps the name it was made under.
    let renamed = FEED.replacen("\"Lunch Club\"", "\"Friday Lunch Club\"", 1);
    s.directory_import(renamed.as_bytes(), "feed2.json")
        .unwrap();
    assert_eq!(
        s.directory_service(LUNCH).unwrap().name,
        "Friday Lunch Club"
    );
    let o = onward(&s, p).into_iter().find(|o| o.id == r).unwrap();
    assert_eq!(o.service, "Lunch Club");
    // Free-text referrals remain possible and carry no id.
    let f = s
        .add_onward_referral(
            p,
            NewOnwardReferral {
                service: "Allotment society".into(),
                organisation: None,
                need: None,
            },
        )
        .unwrap();
    let o = onward(&s, p).into_iter().find(|o| o.id == f).unwrap();
    assert_eq!(o.service_id, None);
}

#[test]
fn an_unknown_service_id_is_refused_and_nothing_changes() {
    let (_d, s) = with_directory();
    let p = add_person(&s, "Ada", "Lovelace");
    let err = assert_refused_unchanged(&s, p, || {
        s.add_onward_referral_to_service(p, "no-such-service", None)
    });
    assert_not_found(&err, "directory service");
    // Before any import every id is unknown.
    let (_d2, empty) = link_worker_store();
    let q = add_person(&empty, "Bo", "Brown");
    let err = assert_refused_unchanged(&empty, q, || {
        empty.add_onward_referral_to_service(q, LUNCH, None)
    });
    assert_not_found(&err, "directory service");
}

#[test]
fn a_patient_store_cannot_refer_or_read_outcomes() {
    let (dir, s) = with_directory();
    let p = add_person(&s, "Ada", "Lovelace");
    let patient = patient_store(&dir, p);
    assert!(matches!(
        patient.add_onward_referral_to_service(p, LUNCH, None),
        Err(linkwork_core::Error::NotPermitted { .. })
    ));
    assert!(matches!(
        patient.service_outcomes(),
        Err(linkwork_core::Error::NotPermitted { .. })
    ));
    assert!(matches!(
        patient.set_referral_response_days(7),
        Err(linkwork_core::Error::NotPermitted { .. })
    ));
}

#[test]
fn outcomes_per_service_follow_the_referrals() {
    let (_d, s) = with_directory();
    let p = add_person(&s, "Ada", "Lovelace");
    let q = add_person(&s, "Bo", "Brown");
    let a = s.add_onward_referral_to_service(p, LUNCH, None).unwrap();
    let b = s.add_onward_referral_to_service(q, LUNCH, None).unwrap();
    s.add_onward_referral_to_service(q, LUNCH, None).unwrap();
    let c = s.add_onward_referral_to_service(p, DEBT, None).unwrap();
    s.transition_onward_referral(a, OnwardStatus::NoCapacity, None)
        .unwrap();
    s.transition_onward_referral(a, OnwardStatus::Accepted, None)
        .unwrap();
    s.transition_onward_referral(a, OnwardStatus::Attending, None)
        .unwrap();
    s.transition_onward_referral(b, OnwardStatus::NotEligible, None)
        .unwrap();
    s.transition_onward_referral(c, OnwardStatus::Accepted, None)
        .unwrap();
    let lunch = s.outcomes_for_service(LUNCH).unwrap();
    assert_eq!(
        (
            lunch.referrals,
            lunch.accepted,
            lunch.attended,
            lunch.no_capacity,
            lunch.awaiting_response
        ),
        (3, 1, 1, 1, 1)
    );
    let wait = lunch.mean_wait_days.unwrap();
    assert!((0.0..0.01).contains(&wait), "accepted the same day: {wait}");
    let all = s.service_outcomes().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(s.outcomes_for_service(DEBT).unwrap().accepted, 1);
    let never = s.outcomes_for_service("walks").unwrap();
    assert_eq!((never.referrals, never.mean_wait_days), (0, None));
}

#[test]
fn an_unanswered_referral_enters_the_due_list_at_its_deadline() {
    let (_d, s) = with_directory();
    let p = add_person(&s, "Ada", "Lovelace");
    assert_eq!(s.referral_response_days().unwrap(), 14);
    let r = s.add_onward_referral_to_service(p, LUNCH, None).unwrap();
    let deadline = today() + chrono::Duration::days(14);
    let onward_due = |until| {
        s.due(until)
            .unwrap()
            .into_iter()
            .filter(|d| d.kind == DueKind::OnwardResponse)
            .collect::<Vec<_>>()
    };
    assert!(onward_due(deadline - chrono::Duration::days(1)).is_empty());
    let due = onward_due(deadline);
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].item_id, due[0].person_id), (r, p));
    assert_eq!((due[0].due, due[0].text.as_str()), (deadline, "Lunch Club"));
    // A shorter deadline brings it forward.
    s.set_referral_response_days(3).unwrap();
    assert_eq!(s.referral_response_days().unwrap(), 3);
    assert_eq!(onward_due(today() + chrono::Duration::days(3)).len(), 1);
    // Any answer from the service takes it off.
    s.transition_onward_referral(r, OnwardStatus::Acknowledged, None)
        .unwrap();
    assert!(onward_due(date(9999, 1, 1)).is_empty());
}

#[test]
fn a_response_deadline_out_of_bounds_is_refused() {
    let (_d, s) = link_worker_store();
    for bad in [0, 366, u32::MAX] {
        let err = s.set_referral_response_days(bad).unwrap_err();
        assert_invalid(&err, "days");
    }
    assert_eq!(s.referral_response_days().unwrap(), 14, "unchanged");
    s.set_referral_response_days(365).unwrap();
    assert_eq!(s.referral_response_days().unwrap(), 365);
}

#[test]
fn reporting_fields_round_trip_and_bad_codes_change_nothing() {
    let (_d, s) = link_worker_store();
    let p = add_person(&s, "Ada", "Lovelace");
    let shown = |s: &Store| s.person(p).unwrap().case.unwrap().demographics.reporting;
    assert_eq!(shown(&s), ReportingFields::default());
    let fields = ReportingFields {
        sex: Some(Sex::Female),
        ethnicity: Some(EthnicCategory::BlackAfrican),
        gp_practice: Some("b82005".into()),
        pcn: Some("U12345".into()),
    };
    s.set_reporting_fields(p, fields).unwrap();
    let got = shown(&s);
    assert_eq!(got.gp_practice.as_deref(), Some("B82005"));
    assert_eq!(got.ethnicity, Some(EthnicCategory::BlackAfrican));
    let err = assert_refused_unchanged(&s, p, || {
        s.set_reporting_fields(
            p,
            ReportingFields {
                gp_practice: Some("B82 005".into()),
                ..Default::default()
            },
        )
    });
    assert_invalid(&err, "gp_practice");
    // Absent fields clear.
    s.set_reporting_fields(p, ReportingFields::default())
        .unwrap();
    assert_eq!(shown(&s), ReportingFields::default());
}

#[test]
fn the_period_report_counts_the_store_and_suppresses_small_cells() {
    let (_d, s) = with_directory();
    let t = today();
    let mut people = Vec::new();
    for i in 0..7 {
        let mut np = new_person("P", &format!("N{i}"));
        np.referral.source = Some(ReferralSource::Gp);
        np.referral.received = Some(t);
        let p = s.add_person(np).unwrap();
        s.set_reporting_fields(
            p,
            ReportingFields {
                gp_practice: Some(if i < 6 { "B82005" } else { "B82099" }.into()),
                ..Default::default()
            },
        )
        .unwrap();
        people.push(p);
    }
    for p in &people[..5] {
        let r = s.add_onward_referral_to_service(*p, LUNCH, None).unwrap();
        s.transition_onward_referral(r, OnwardStatus::NoCapacity, None)
            .unwrap();
    }
    s.add_onward_referral(
        people[5],
        NewOnwardReferral {
            service: "Allotments".into(),
            organisation: None,
            need: None,
        },
    )
    .unwrap();
    let period = ReportPeriod::new(t - chrono::Duration::days(30), t).unwrap();
    let r = s.period_report(period, 5).unwrap();
    let cell = |table: &str, label: &str| {
        r.table(table)
            .unwrap()
            .rows
            .iter()
            .find(|x| x.label == label)
            .map(|x| x.cells[0])
    };
    // 6 from one practice, 1 from the other: the 1 is hidden, and the 6 with it, since the
    // total (7) would give it away.
    assert_eq!(
        cell("referrals_by_practice", "B82099"),
        Some(Cell::Suppressed)
    );
    assert_eq!(
        cell("referrals_by_practice", "B82005"),
        Some(Cell::Suppressed)
    );
    assert_eq!(
        r.table("referrals_by_practice").unwrap().totals,
        [Cell::Count(7)]
    );
    assert_eq!(cell("referrals_by_source", "gp"), Some(Cell::Count(7)));
    assert_eq!(
        cell("unmet_need_no_capacity", &format!("Lunch Club [{LUNCH}]")),
        Some(Cell::Count(5))
    );
    assert_eq!(
        cell("onward_by_kind", "directory-service"),
        Some(Cell::Suppressed)
    );
    assert_eq!(cell("onward_by_kind", "free-text"), Some(Cell::Suppressed));
    // The JSON and the CSV carry the same published figures.
    let json: serde_json::Value = serde_json::from_str(&r.json().unwrap()).unwrap();
    let practice = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "referrals_by_practice")
        .unwrap();
    assert_eq!(practice["totals"], serde_json::json!([7]));
    assert!(practice["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|row| row["cells"] == serde_json::json!(["*"])));
    let out = TestDir::new();
    let files = r.write_csv(&out.path("csv")).unwrap();
    let practice_csv = std::fs::read_to_string(out.path("csv/referrals_by_practice.csv")).unwrap();
    assert_eq!(
        practice_csv,
        "practice,referrals\r\nB82005,*\r\nB82099,*\r\ntotal,7\r\n"
    );
    assert_eq!(files.len(), r.tables.len() + 1);
    // A patient store has no caseload to report on.
    assert!(matches!(
        patient_store(&_d, people[0]).period_report(period, 5),
        Err(linkwork_core::Error::NotPermitted { .. })
    ));
}
