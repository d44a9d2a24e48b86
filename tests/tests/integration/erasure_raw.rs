//! Erasure that really erases: after `erase_person` the person's name, NHS number and notes are
//! gone from the raw bytes of the database file, its WAL and every other file beside it (free
//! pages included), not only unlinked. Scanned on unencrypted stores, where the bytes would be
//! readable; the scan is first shown to find them.

use linkwork_core::model::*;
use linkwork_core::{Id, Store, StoreKey};
use linkwork_tests::*;

const ERASED_GIVEN: &str = "Wilhelmina";
const ERASED_FAMILY: &str = "Tarrant-Oyelaran";
const ERASED_OLD_FAMILY: &str = "Fotheringale";
const ERASED_NHS: &str = "9434765919";
const ERASED_NOTE: &str = "Scared of the stairs since the fall";
const KEPT_FAMILY: &str = "Abernethy-Strand";

const ERASED: [&str; 5] = [
    ERASED_GIVEN,
    ERASED_FAMILY,
    ERASED_OLD_FAMILY,
    ERASED_NHS,
    "stairs since the fall",
];

/// A person whose data reaches every table: documents (snapshot and change rows), projections
/// (people, items, due items, onward referrals), with an earlier family name and free text.
fn add_erased_person(s: &Store) -> Id {
    let p = s
        .add_person(NewPerson {
            given_name: ERASED_GIVEN.into(),
            family_name: ERASED_OLD_FAMILY.into(),
            nhs_number: Some("943 476 5919".into()),
            date_of_birth: Some(date(1944, 6, 6)),
            ..Default::default()
        })
        .unwrap();
    s.update_demographics(
        p,
        DemographicsUpdate {
            family_name: Some(ERASED_FAMILY.into()),
            ..Default::default()
        },
    )
    .unwrap();
    s.add_case_note(p, ERASED_NOTE).unwrap();
    let goal = s
        .add_goal(
            p,
            NewGoal {
                text: format!("{ERASED_GIVEN} wants the stairs fixed"),
                target_date: Some(today()),
                ..Default::default()
            },
        )
        .unwrap();
    s.record_progress(
        goal,
        NewProgress {
            rating: Some(3),
            note: Some(ERASED_NOTE.into()),
        },
    )
    .unwrap();
    s.add_step(
        p,
        new_step(
            &format!("Call {ERASED_FAMILY} about the stair lift"),
            StepOwner::LinkWorker,
            Some(today()),
        ),
    )
    .unwrap();
    p
}

#[test]
fn erasure_leaves_no_name_nhs_number_or_note_in_the_file_its_wal_or_free_pages() {
    let dir = TestDir::new();
    let s = dir.link_worker("lw.db", "sam");
    let kept = add_person(&s, "Rowena", KEPT_FAMILY);
    let erased = add_erased_person(&s);
    // Some of the pages move to the main file before the erasure (a checkpoint), some stay
    // in the WAL; more edits of the kept person follow.
    s.compact().unwrap();
    s.add_case_note(erased, "A second note after compaction")
        .unwrap();
    s.add_case_note(kept, "Kept note").unwrap();
    let before = dir.scan(&ERASED);
    for needle in [ERASED_GIVEN, ERASED_FAMILY, ERASED_NHS] {
        assert!(
            before.iter().any(|(_, n)| *n == needle),
            "control: {needle} is not readable before erasure: {before:?}"
        );
    }

    s.erase_person(erased).unwrap();
    assert_eq!(
        dir.scan(&ERASED),
        vec![],
        "found after erasure (store open)"
    );
    // The kept person is untouched and still readable in the file.
    assert_eq!(
        s.person(kept)
            .unwrap()
            .case
            .unwrap()
            .demographics
            .family_name,
        KEPT_FAMILY
    );
    assert!(!dir.scan(&[KEPT_FAMILY]).is_empty());
    drop(s);
    assert_eq!(dir.scan(&ERASED), vec![], "found after closing");

    // Reopening and working on does not bring anything back.
    let s = Store::open(dir.path("lw.db"), &StoreKey::unencrypted()).unwrap();
    add_person(&s, "Another", "Person");
    s.compact().unwrap();
    drop(s);
    assert_eq!(dir.scan(&ERASED), vec![], "found after reopening");
}

#[test]
fn erasure_with_a_reader_pool_in_use_still_wipes_the_wal() {
    let dir = TestDir::new();
    let s = dir.link_worker("lw.db", "sam");
    let erased = add_erased_person(&s);
    add_person(&s, "Rowena", KEPT_FAMILY);
    // Warm several pooled readers (they hold the WAL open, but no snapshot once idle).
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| s.caseload(&CaseloadQuery::default()).unwrap());
        }
    });
    assert!(!dir.scan(&ERASED).is_empty());
    s.erase_person(erased).unwrap();
    assert_eq!(dir.scan(&ERASED), vec![]);
    let wal = dir.path("lw.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the WAL is emptied by the erasure's checkpoint");
}
