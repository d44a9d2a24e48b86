//! The directory on a real store: import, replacement, refusal without loss, and every search
//! filter against the shared messy fixture feed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::store::test_support::test_store;
use chrono::{Datelike, Duration, Utc, Weekday};
use serde_json::json;

use crate::directory::{DirectoryImportOutcome, DirectoryQuery, FeedError, Near, OpenOn};
use crate::model::Role;
use crate::{Error, Store, StoreKey};

const FIXTURE: &str = include_str!("../../../tests/fixtures/directory/services_page.json");
const LUNCH: &str = "b1a6a2f4-6c0e-4c5b-9a53-0f5f7c3e1a10";

fn store(dir: &tempfile::TempDir) -> Store {
    test_store(dir.path(), "s.db", "sam", Role::LinkWorker)
}

fn imported() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    s.directory_import(FIXTURE.as_bytes(), "services_page.json")
        .unwrap();
    (dir, s)
}

fn names(s: &Store, q: &DirectoryQuery) -> Vec<String> {
    s.directory_search(q)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.name)
        .collect()
}

fn text(t: &str) -> DirectoryQuery {
    DirectoryQuery {
        text: Some(t.into()),
        ..DirectoryQuery::default()
    }
}

#[test]
fn an_import_reports_and_stores_a_version() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir);
    assert_eq!(s.directory_version().unwrap(), None);
    let r = s
        .directory_import(FIXTURE.as_bytes(), "services_page.json")
        .unwrap();
    assert_eq!(r.outcome, DirectoryImportOutcome::Replaced);
    assert_eq!((r.records, r.imported, r.skipped), (11, 6, 5));
    assert!(!r.issues.is_empty());
    assert_eq!(r.version.services, 6);
    assert_eq!(r.version.source, "services_page.json");
    assert_eq!(
        r.version.feed_date.as_deref(),
        Some("2026-11-10T18:00:00.000Z")
    );
    assert_eq!(s.directory_version().unwrap(), Some(r.version.clone()));
    // The same content again changes nothing, not even the import time.
    let again = s
        .directory_import(FIXTURE.as_bytes(), "again.json")
        .unwrap();
    assert_eq!(again.outcome, DirectoryImportOutcome::Unchanged);
    assert_eq!(again.version, r.version);
    // Reference data: it survives reopening and creates no person.
    drop(s);
    let s = Store::open(dir.path().join("s.db"), &StoreKey::unencrypted()).unwrap();
    assert_eq!(s.directory_version().unwrap(), Some(r.version));
    assert!(s
        .caseload(&crate::model::CaseloadQuery::default())
        .unwrap()
        .is_empty());
}

#[test]
fn a_broken_or_older_feed_leaves_the_directory_as_it_was() {
    let (_d, s) = imported();
    let before = s.directory_version().unwrap();
    let all = names(&s, &DirectoryQuery::default());
    for bad in [
        &b"{\"resourceType\":\"Bundle\"}"[..],
        b"not json",
        br#"{"contents":[{"name":"no id"}]}"#,
    ] {
        let e = s.directory_import(bad, "bad.json").unwrap_err();
        assert!(matches!(e, Error::Feed(_)), "{e:?}");
    }
    let older = json!({"contents": [{"id": "old", "name": "Old", "last_modified": "2020-01-01"}]});
    let e = s
        .directory_import(&serde_json::to_vec(&older).unwrap(), "old.json")
        .unwrap_err();
    assert!(matches!(e, Error::Feed(FeedError::Older)), "{e:?}");
    assert_eq!(s.directory_version().unwrap(), before);
    assert_eq!(names(&s, &DirectoryQuery::default()), all);
    assert!(matches!(
        s.directory_import(FIXTURE.as_bytes(), " "),
        Err(Error::InvalidInput {
            field: "source",
            ..
        })
    ));
}

#[test]
fn a_newer_feed_replaces_the_whole_directory() {
    let (_d, s) = imported();
    let newer = json!({"contents": [
        {"id": "new-1", "name": "Lunch Club Reborn", "last_modified": "2026-12-01T00:00:00Z"}
    ]});
    let r = s
        .directory_import(&serde_json::to_vec(&newer).unwrap(), "newer.json")
        .unwrap();
    assert_eq!(r.outcome, DirectoryImportOutcome::Replaced);
    assert_eq!(
        names(&s, &DirectoryQuery::default()),
        vec!["Lunch Club Reborn"]
    );
    assert!(matches!(
        s.directory_service(LUNCH),
        Err(Error::NotFound {
            kind: "directory service",
            ..
        })
    ));
    // Its old words are gone from the index too.
    assert_eq!(names(&s, &text("chapeltown")), Vec::<String>::new());
}

#[test]
fn free_text_is_ranked_and_typo_tolerant() {
    let (_d, s) = imported();
    assert_eq!(names(&s, &text("lunch clb"))[0], "Lunch Club");
    assert_eq!(names(&s, &text("LUNCH"))[0], "Lunch Club");
    // Organisation names and descriptions are searched; a name match ranks first.
    assert_eq!(names(&s, &text("chapeltown")), vec!["Lunch Club"]);
    assert_eq!(
        names(&s, &text("citizens advice")),
        vec!["Money and Debt Advice Drop-in"]
    );
    assert_eq!(
        names(&s, &text("walkign"))[0],
        "Walking for Health: Roundhay Park"
    );
    // Every word must match.
    assert!(names(&s, &text("lunch choir")).is_empty());
    assert!(names(&s, &text("zzzz")).is_empty());
    let hits = s.directory_search(&text("lunch")).unwrap().hits;
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits[0].score > 0.0);
}

#[test]
fn needs_ages_and_opening_days_filter() {
    let (_d, s) = imported();
    let need = |n: &str| DirectoryQuery {
        need: Some(n.into()),
        ..DirectoryQuery::default()
    };
    assert_eq!(
        names(&s, &need("Loneliness and isolation")),
        vec!["Lunch Club", "Walking for Health: Roundhay Park"]
    );
    assert_eq!(
        names(&s, &need("money-debt")),
        vec!["Money and Debt Advice Drop-in"]
    );
    assert_eq!(
        names(&s, &need("tt-green")),
        vec!["Young People's Gardening Project"]
    );
    assert_eq!(
        names(&s, &need("garden")),
        vec!["Young People's Gardening Project"]
    );

    let age = |a| DirectoryQuery {
        age: Some(a),
        ..DirectoryQuery::default()
    };
    let at_20 = names(&s, &age(20));
    assert!(at_20.contains(&"Young People's Gardening Project".to_string()));
    assert!(!at_20.contains(&"Lunch Club".to_string()));
    let at_70 = names(&s, &age(70));
    assert!(at_70.contains(&"Lunch Club".to_string()));
    assert!(!at_70.contains(&"Young People's Gardening Project".to_string()));
    // No bounds given: open to every age.
    assert!(names(&s, &age(5)).contains(&"Men's Shed".to_string()));

    let open = |on| DirectoryQuery {
        open_on: Some(on),
        ..DirectoryQuery::default()
    };
    assert_eq!(
        names(&s, &open(OpenOn::Weekday(Weekday::Tue))),
        vec!["Lunch Club"]
    );
    assert_eq!(
        names(&s, &open(OpenOn::Weekday(Weekday::Mon))),
        vec!["Walking for Health: Roundhay Park"]
    );
    // A date: the gardening project meets every other Saturday from 2026-01-03; the choir on
    // the second Saturday of the month.
    let on = |d: &str| open(OpenOn::parse(d).unwrap());
    assert_eq!(names(&s, &on("2026-12-12")), vec!["Community Choir"]);
    assert_eq!(
        names(&s, &on("2026-12-19")),
        vec!["Young People's Gardening Project"]
    );
    assert!(names(&s, &on("2026-12-13")).is_empty());
    let next_tuesday = (0..7)
        .map(|i| Utc::now().date_naive() + Duration::days(i))
        .find(|d| d.weekday() == Weekday::Tue)
        .unwrap();
    assert_eq!(
        names(&s, &open(OpenOn::Date(next_tuesday))),
        vec!["Lunch Club"]
    );
}

#[test]
fn distance_filters_and_orders_by_coordinates_or_a_directory_postcode() {
    let (_d, s) = imported();
    let near = |n: Near, km: Option<f64>| DirectoryQuery {
        near: Some(n),
        within_km: km,
        ..DirectoryQuery::default()
    };
    // From Leeds city centre: all three services with valid coordinates, nearest first.
    let centre = Near::Coordinates {
        latitude: 53.7997,
        longitude: -1.5492,
    };
    let page = s.directory_search(&near(centre.clone(), None)).unwrap();
    assert_eq!(page.total, 3, "the debt advice latitude 100 was dropped");
    let d: Vec<f64> = page.hits.iter().map(|h| h.distance_km.unwrap()).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    assert_eq!(page.hits[0].name, "Lunch Club");
    assert_eq!(
        names(&s, &near(centre, Some(3.0))),
        vec!["Lunch Club", "Young People's Gardening Project"]
    );
    // A postcode the directory's own locations carry with coordinates.
    let pc = near(Near::parse("ls7 3hb").unwrap(), Some(0.5));
    assert_eq!(names(&s, &pc), vec!["Lunch Club"]);
    // A postcode nowhere in the directory, or only on a location without valid coordinates:
    // a clear error, never a guess.
    for p in ["LS2 9JT", "LS1 4AP"] {
        let e = s
            .directory_search(&near(Near::parse(p).unwrap(), Some(5.0)))
            .unwrap_err();
        assert!(
            matches!(e, Error::InvalidInput { field: "near", .. }),
            "{e:?}"
        );
    }
}

#[test]
fn results_are_paged_and_show_returns_the_full_record() {
    let (_d, s) = imported();
    let page = |offset| DirectoryQuery {
        offset,
        limit: 4,
        ..DirectoryQuery::default()
    };
    let first = s.directory_search(&page(0)).unwrap();
    let second = s.directory_search(&page(4)).unwrap();
    assert_eq!(
        (first.total, first.hits.len(), second.hits.len()),
        (6, 4, 2)
    );
    assert!(first
        .hits
        .iter()
        .all(|h| second.hits.iter().all(|g| g.service_id != h.service_id)));
    assert_eq!(
        first.hits[0].name, "Community Choir",
        "by name without text"
    );
    let full = s.directory_service(LUNCH).unwrap();
    assert_eq!(full.name, "Lunch Club");
    assert_eq!(full.cost_options[0].amount, Some(3.5));
    assert_eq!(full.locations[0].postcode.as_deref(), Some("LS7 3HB"));
    assert!(matches!(
        s.directory_service("nope"),
        Err(Error::NotFound {
            kind: "directory service",
            ..
        })
    ));
    assert!(matches!(
        s.directory_search(&DirectoryQuery {
            limit: 0,
            ..DirectoryQuery::default()
        }),
        Err(Error::InvalidInput { field: "limit", .. })
    ));
}
