//! The feed reader against a real-shaped, messy ORUK feed (`tests/fixtures/directory/`) and
//! hostile input; every refusal here fails if its check is taken out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::feed::{parse_feed, MAX_DESCRIPTION_CHARS};
use super::*;

/// The shared fixture: a `/services` page with good records and every messy case.
pub(crate) const FIXTURE: &str =
    include_str!("../../../tests/fixtures/directory/services_page.json");

fn issues_of(feed: &ParsedFeed, index: u32) -> Vec<&FeedIssue> {
    feed.issues
        .iter()
        .filter(|i| i.index == Some(crate::model::signed::to_i32(index)))
        .collect()
}

fn has(
    feed: &ParsedFeed,
    index: u32,
    field: &str,
    kind: FeedIssueKind,
    action: FeedIssueAction,
) -> bool {
    issues_of(feed, index)
        .iter()
        .any(|i| i.field == field && i.kind == kind && i.action == action)
}

#[test]
fn the_fixture_imports_good_records_and_reports_each_bad_one() {
    let feed = parse_feed(FIXTURE.as_bytes()).unwrap();
    assert_eq!(feed.records, 11);
    let names: Vec<&str> = feed.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(feed.services.len(), 6, "{names:?}");
    assert_eq!(feed.skipped, 5);
    // Blank name, duplicate id, defunct, not an object, over-long id: skipped, each reported.
    assert!(has(
        &feed,
        3,
        "name",
        FeedIssueKind::Missing,
        FeedIssueAction::Skipped
    ));
    assert!(has(
        &feed,
        4,
        "id",
        FeedIssueKind::DuplicateId,
        FeedIssueAction::Skipped
    ));
    assert!(has(
        &feed,
        6,
        "status",
        FeedIssueKind::Inactive,
        FeedIssueAction::Skipped
    ));
    assert!(has(
        &feed,
        8,
        "",
        FeedIssueKind::NotAnObject,
        FeedIssueAction::Skipped
    ));
    assert!(has(
        &feed,
        10,
        "id",
        FeedIssueKind::TooLong,
        FeedIssueAction::FieldDropped
    ));
    assert!(has(
        &feed,
        10,
        "id",
        FeedIssueKind::Missing,
        FeedIssueAction::Skipped
    ));
    // The first copy of a duplicated id wins.
    let lunch = feed
        .services
        .iter()
        .find(|s| s.name == "Lunch Club")
        .unwrap();
    assert_eq!(lunch.id, "b1a6a2f4-6c0e-4c5b-9a53-0f5f7c3e1a10");
    // A record with only the required fields has no issue at all.
    assert!(issues_of(&feed, 5).is_empty());
}

#[test]
fn a_full_record_keeps_every_section() {
    let feed = parse_feed(FIXTURE.as_bytes()).unwrap();
    let s = feed
        .services
        .iter()
        .find(|s| s.name == "Lunch Club")
        .unwrap();
    assert_eq!(
        s.organization.as_ref().unwrap().name,
        "Chapeltown Community Centre"
    );
    assert_eq!(s.minimum_age, Some(60));
    assert_eq!(s.maximum_age, None);
    assert_eq!(s.locations.len(), 1);
    let l = &s.locations[0];
    assert_eq!((l.latitude, l.longitude), (Some(53.8185), Some(-1.5330)));
    assert_eq!(l.postcode.as_deref(), Some("LS7 3HB"));
    assert_eq!(l.address.as_deref(), Some("6 Reginald Terrace, Leeds"));
    assert_eq!(s.schedules[0].byday.as_deref(), Some("TU,TH"));
    assert_eq!(s.schedules[0].opens_at.as_deref(), Some("12:00"));
    assert_eq!(s.phones[0].number, "0113 496 0001");
    assert_eq!(s.contacts[0].phones.len(), 1);
    assert_eq!(s.taxonomy_terms.len(), 2);
    assert_eq!(s.taxonomy_terms[0].taxonomy.as_deref(), Some("esdNeeds"));
    assert_eq!(s.cost_options[0].amount, Some(3.5));
    assert_eq!(s.last_modified.as_deref(), Some("2026-11-02T09:15:00.000Z"));
}

#[test]
fn messy_fields_are_dropped_or_cleaned_and_the_record_kept() {
    let feed = parse_feed(FIXTURE.as_bytes()).unwrap();
    let walk = feed
        .services
        .iter()
        .find(|s| s.name.starts_with("Walking"))
        .unwrap();
    assert_eq!(
        walk.description.as_deref(),
        Some("Gentle walks of about an hour & a cuppa afterwards. Walk leaders are trained volunteers.")
    );
    assert!(has(
        &feed,
        1,
        "description",
        FeedIssueKind::Html,
        FeedIssueAction::Cleaned
    ));

    let debt = feed
        .services
        .iter()
        .find(|s| s.name.starts_with("Money"))
        .unwrap();
    assert_eq!(debt.locations[0].latitude, None, "latitude 100 is dropped");
    assert_eq!(debt.locations[0].postcode.as_deref(), Some("LS1 4AP"));
    assert!(has(
        &feed,
        2,
        "service_at_locations[0].location.latitude",
        FeedIssueKind::InvalidValue,
        FeedIssueAction::FieldDropped
    ));
    assert_eq!(
        debt.taxonomy_terms[0].name, "Money and debt",
        "unknown taxonomy kept"
    );
    assert!(has(
        &feed,
        2,
        "attributes[0].taxonomy_term.taxonomy",
        FeedIssueKind::UnknownTaxonomy,
        FeedIssueAction::Kept
    ));

    let choir = feed
        .services
        .iter()
        .find(|s| s.name == "Community Choir")
        .unwrap();
    assert_eq!(
        choir.description.as_ref().unwrap().chars().count(),
        MAX_DESCRIPTION_CHARS
    );
    assert!(has(
        &feed,
        7,
        "description",
        FeedIssueKind::TooLong,
        FeedIssueAction::Cleaned
    ));
    assert_eq!(choir.minimum_age, None);
    assert!(has(
        &feed,
        7,
        "minimum_age",
        FeedIssueKind::InvalidValue,
        FeedIssueAction::FieldDropped
    ));
    assert_eq!(
        choir.schedules[0].byday, None,
        "'Wednesdays' is not an RRULE day"
    );
    assert!(has(
        &feed,
        7,
        "schedules[0].byday",
        FeedIssueKind::InvalidValue,
        FeedIssueAction::FieldDropped
    ));
    assert_eq!(choir.schedules[1].byday.as_deref(), Some("2SA"));
}

#[test]
fn whole_feeds_that_are_not_open_referral_are_refused() {
    assert_eq!(parse_feed(b"not json"), Err(FeedError::NotJson));
    assert_eq!(parse_feed(&[0xff, 0xfe]), Err(FeedError::NotJson));
    assert!(matches!(
        parse_feed(br#"{"resourceType":"Bundle"}"#),
        Err(FeedError::NotOpenReferral { .. })
    ));
    assert!(matches!(
        parse_feed(b"42"),
        Err(FeedError::NotOpenReferral { .. })
    ));
    assert!(matches!(
        parse_feed(br#"{"contents":"x"}"#),
        Err(FeedError::NotOpenReferral { .. })
    ));
    assert_eq!(
        parse_feed(br#"{"contents":[1, {"name":"no id"}]}"#),
        Err(FeedError::NoValidService { records: 2 })
    );
    assert_eq!(
        parse_feed(b"[]"),
        Err(FeedError::NoValidService { records: 0 })
    );
}

#[test]
fn size_and_record_count_are_bounded() {
    let big = vec![b' '; MAX_FEED_BYTES + 1];
    assert_eq!(
        parse_feed(&big),
        Err(FeedError::TooLarge {
            limit: MAX_FEED_BYTES
        })
    );
    let many: Vec<_> = (0..=MAX_RECORDS)
        .map(|i| json!({"id": i, "name": "s"}))
        .collect();
    let bytes = serde_json::to_vec(&many).unwrap();
    assert_eq!(
        parse_feed(&bytes),
        Err(FeedError::TooManyRecords { limit: MAX_RECORDS })
    );
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(parse_feed(deep.as_bytes()), Err(FeedError::NotJson));
}

#[test]
fn other_feed_shapes_are_read() {
    let one = json!({"id": "s1", "name": "Single record"});
    assert_eq!(
        parse_feed(&serde_json::to_vec(&one).unwrap())
            .unwrap()
            .services
            .len(),
        1
    );
    let pages = json!([
        {"contents": [{"id": "s1", "name": "One"}], "total_pages": 2, "page_number": 1},
        {"contents": [{"id": "s2", "name": "Two"}], "total_pages": 2, "page_number": 2}
    ]);
    let feed = parse_feed(&serde_json::to_vec(&pages).unwrap()).unwrap();
    assert_eq!(feed.services.len(), 2);
    let part =
        json!({"contents": [{"id": "s1", "name": "One"}], "total_pages": 3, "last_page": false});
    let feed = parse_feed(&serde_json::to_vec(&part).unwrap()).unwrap();
    assert!(feed
        .issues
        .iter()
        .any(|i| i.kind == FeedIssueKind::Feed && i.index.is_none()));
}

#[test]
fn wrong_types_and_bad_values_drop_only_their_field() {
    let rec = json!({
        "id": 17, "name": "Typed oddly", "description": ["not", "text"],
        "minimum_age": 70, "maximum_age": 30,
        "service_at_locations": {"not": "a list"},
        "schedules": [{"freq": "DAILY", "byday": "MO", "valid_from": "2026-05-01",
                       "valid_to": "2026-01-01", "opens_at": "25:00", "interval": 0}],
        "phones": [{"type": "voice"}],
        "cost_options": [{"amount": -4, "currency": "pounds"}],
        "last_modified": "yesterday",
        "organization": {"description": "no name"}
    });
    let feed = parse_feed(&serde_json::to_vec(&rec).unwrap()).unwrap();
    let s = &feed.services[0];
    assert_eq!(s.id, "17");
    assert_eq!(s.description, None);
    assert_eq!((s.minimum_age, s.maximum_age), (Some(70), None));
    assert!(s.locations.is_empty());
    let r = &s.schedules[0];
    assert_eq!((r.freq.as_deref(), r.byday.as_deref()), (None, Some("MO")));
    assert_eq!(
        (r.valid_to, r.opens_at.as_deref(), r.interval),
        (None, None, None)
    );
    assert!(s.phones.is_empty());
    assert_eq!(
        (
            s.cost_options[0].amount,
            s.cost_options[0].currency.as_deref()
        ),
        (None, None)
    );
    assert_eq!(s.last_modified, None);
    assert_eq!(s.organization, None);
    let fields: Vec<&str> = feed.issues.iter().map(|i| i.field.as_str()).collect();
    for f in [
        "description",
        "maximum_age",
        "service_at_locations",
        "schedules[0].freq",
        "schedules[0].valid_to",
        "schedules[0].opens_at",
        "schedules[0].interval",
        "phones[0].number",
        "cost_options[0].amount",
        "cost_options[0].currency",
        "last_modified",
        "organization.name",
    ] {
        assert!(fields.contains(&f), "{f} not reported: {fields:?}");
    }
    assert!(feed
        .issues
        .iter()
        .all(|i| i.action != FeedIssueAction::Skipped));
}

#[test]
fn the_report_is_bounded() {
    let many: Vec<_> = (0..3_000)
        .map(|i| json!({"id": format!("s{i}"), "name": "<b>x</b>"}))
        .collect();
    let feed = parse_feed(&serde_json::to_vec(&many).unwrap()).unwrap();
    assert_eq!(feed.issues.len(), MAX_REPORT_ENTRIES);
    assert_eq!(feed.issues_not_listed as usize, 3_000 - MAX_REPORT_ENTRIES);
}

#[test]
fn the_content_hash_ignores_feed_order() {
    let a = json!([{"id": "s1", "name": "One"}, {"id": "s2", "name": "Two"}]);
    let b = json!([{"id": "s2", "name": "Two"}, {"id": "s1", "name": "One"}]);
    let c = json!([{"id": "s2", "name": "Two!"}, {"id": "s1", "name": "One"}]);
    let hash = |v: &serde_json::Value| {
        parse_feed(&serde_json::to_vec(v).unwrap())
            .unwrap()
            .content_hash()
    };
    assert_eq!(hash(&a), hash(&b));
    assert_ne!(hash(&a), hash(&c));
    assert_eq!(hash(&a).len(), 64);
}
