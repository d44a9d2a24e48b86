//! Encryption at rest: a store created with a key opens only with that key; a wrong key, an
//! encrypted store opened as unencrypted and a plain store opened with a key are typed errors
//! that change nothing; re-keying; and no name, NHS number or note in the database file, its
//! WAL or any other file beside it.

use std::path::Path;

use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store, StoreKey};
use linkwork_tests::*;

const GIVEN: &str = "Zebulon";
const FAMILY: &str = "Quillfeather";
const NHS_DIGITS: &str = "9434765919";
const NOTE: &str = "Worried about the damp in the back bedroom";

fn key(byte: u8) -> StoreKey {
    StoreKey::from_bytes(&[byte; 32]).unwrap()
}

fn create(dir: &TestDir, name: &str, key: &StoreKey) -> Store {
    Store::create(
        dir.path(name),
        NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        },
        key,
    )
    .unwrap()
}

/// Adds the marked person with a case note, a goal with a progress note and a consultation
/// note: every kind of free text a store holds.
fn add_marked_person(store: &Store) -> Id {
    let p = store
        .add_person(NewPerson {
            given_name: GIVEN.into(),
            family_name: FAMILY.into(),
            nhs_number: Some("943 476 5919".into()),
            date_of_birth: Some(date(1950, 3, 14)),
            ..Default::default()
        })
        .unwrap();
    store.add_case_note(p, NOTE).unwrap();
    let goal = store
        .add_goal(
            p,
            NewGoal {
                text: format!("{NOTE} (goal)"),
                ..Default::default()
            },
        )
        .unwrap();
    store
        .record_progress(
            goal,
            NewProgress {
                rating: Some(4),
                note: Some(format!("{NOTE} (progress)")),
            },
        )
        .unwrap();
    p
}

/// The files (of `dir`) holding any of the marked person's data, with what they hold.
fn leaks(dir: &TestDir) -> Vec<(String, &'static str)> {
    dir.scan(&[
        GIVEN,
        FAMILY,
        NHS_DIGITS,
        "943 476 5919",
        "damp in the back",
    ])
}

#[track_caller]
fn assert_wrong_key(result: Result<Store, Error>) -> String {
    match result {
        Err(Error::WrongKey { reason }) => {
            assert!(!reason.is_empty());
            reason
        }
        other => panic!("expected WrongKey, got {other:?}"),
    }
}

#[test]
fn an_encrypted_store_reopens_with_its_key_and_reads_on_pooled_connections() {
    let dir = TestDir::new();
    let k = key(0x11);
    let s = create(&dir, "enc.db", &k);
    let p = add_marked_person(&s);
    let record = s.person(p).unwrap();
    drop(s);
    let s = Store::open(dir.path("enc.db"), &k).unwrap();
    assert_eq!(s.person(p).unwrap(), record);
    // Several readers at once: each pooled connection is keyed before its first read.
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| {
                for _ in 0..5 {
                    assert_eq!(s.caseload(&CaseloadQuery::default()).unwrap().len(), 1);
                    assert_eq!(s.person(p).unwrap().plan.goals.len(), 1);
                }
            });
        }
    });
    drop(s);
    let kim = Store::open_as(dir.path("enc.db"), &k, Some("kim")).unwrap();
    assert_eq!(kim.info().user, "kim");
    assert_eq!(kim.person(p).unwrap(), record);
}

#[test]
fn a_wrong_key_or_no_key_is_wrong_key_and_changes_nothing() {
    let dir = TestDir::new();
    let s = create(&dir, "enc.db", &key(0x22));
    add_marked_person(&s);
    drop(s);
    let before = dir.files();
    assert_eq!(before.keys().collect::<Vec<_>>(), ["enc.db"]);
    assert_wrong_key(Store::open(dir.path("enc.db"), &key(0x23)));
    assert_wrong_key(Store::open_as(dir.path("enc.db"), &key(0x23), Some("kim")));
    let reason = assert_wrong_key(Store::open(dir.path("enc.db"), &StoreKey::unencrypted()));
    assert!(reason.contains("key"), "{reason}");
    assert_eq!(dir.files(), before, "a refused open changed or left files");
    // The right key still opens it.
    assert_eq!(
        Store::open(dir.path("enc.db"), &key(0x22))
            .unwrap()
            .caseload(&CaseloadQuery::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_plain_store_opened_with_a_key_is_wrong_key_and_changes_nothing() {
    let dir = TestDir::new();
    let s = create(&dir, "plain.db", &StoreKey::unencrypted());
    add_marked_person(&s);
    drop(s);
    let before = dir.files();
    let reason = assert_wrong_key(Store::open(dir.path("plain.db"), &key(0x33)));
    assert!(reason.contains("not encrypted"), "{reason}");
    assert_eq!(dir.files(), before);
    Store::open(dir.path("plain.db"), &StoreKey::unencrypted()).unwrap();
}

#[test]
fn creating_over_an_encrypted_store_is_refused_whatever_the_key() {
    let dir = TestDir::new();
    drop(create(&dir, "enc.db", &key(0x44)));
    let before = dir.files();
    for k in [key(0x44), key(0x45), StoreKey::unencrypted()] {
        let err = Store::create(
            dir.path("enc.db"),
            NewStore {
                user: "kim".into(),
                role: Role::LinkWorker,
                person: None,
            },
            &k,
        )
        .unwrap_err();
        assert!(matches!(err, Error::AlreadyExists), "{err:?}");
    }
    assert_eq!(dir.files(), before);
}

#[test]
fn rekey_keeps_the_data_and_only_the_new_key_opens_the_store() {
    let dir = TestDir::new();
    let (old, new) = (key(0x55), key(0x56));
    let s = create(&dir, "enc.db", &old);
    let p = add_marked_person(&s);
    // Many pages in the main file (after a checkpoint), newer ones still in the WAL.
    for i in 0..30 {
        let q = add_person(&s, "Someone", &format!("Else {i}"));
        s.add_case_note(q, &"filler text for more pages ".repeat(40))
            .unwrap();
    }
    s.compact().unwrap();
    s.add_case_note(p, "still in the WAL").unwrap();
    // Warm the reader pool with connections keyed with the old key.
    s.person(p).unwrap();
    s.rekey(&new).unwrap();
    // The same handle keeps reading (new pooled connections) and writing.
    let goal = s
        .add_goal(
            p,
            NewGoal {
                text: "After the re-key".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let record = s.person(p).unwrap();
    assert_eq!(record.plan.goals.len(), 2);
    assert!(record.plan.goals.iter().any(|g| g.id == goal));
    drop(s);
    // Every page of the file now decrypts (and authenticates) with the new key.
    let raw = rusqlite::Connection::open(dir.path("enc.db")).unwrap();
    raw.execute_batch(&format!("PRAGMA key = \"x'{}'\"", "56".repeat(32)))
        .unwrap();
    let check: String = raw
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(raw);
    assert_wrong_key(Store::open(dir.path("enc.db"), &old));
    let s = Store::open(dir.path("enc.db"), &new).unwrap();
    assert_eq!(s.person(p).unwrap(), record);
    assert_eq!(s.caseload(&CaseloadQuery::default()).unwrap().len(), 31);
    assert!(leaks(&dir).is_empty(), "{:?}", leaks(&dir));
}

#[test]
fn rekey_refuses_plain_stores_and_plain_keys_and_changes_nothing() {
    let dir = TestDir::new();
    let plain = create(&dir, "plain.db", &StoreKey::unencrypted());
    match plain.rekey(&key(0x66)) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "key"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    add_person(&plain, "Still", "Plain");
    drop(plain);
    Store::open(dir.path("plain.db"), &StoreKey::unencrypted()).unwrap();

    let enc = create(&dir, "enc.db", &key(0x67));
    match enc.rekey(&StoreKey::unencrypted()) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "key"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    add_person(&enc, "Still", "Encrypted");
    drop(enc);
    assert_wrong_key(Store::open(dir.path("enc.db"), &StoreKey::unencrypted()));
    Store::open(dir.path("enc.db"), &key(0x67)).unwrap();
}

#[test]
fn an_encrypted_store_never_holds_names_numbers_or_notes_in_plain_text() {
    // Control: the same steps on a plain store leave the data readable in its files, so the
    // scan below would find it.
    let plain_dir = TestDir::new();
    let plain = create(&plain_dir, "plain.db", &StoreKey::unencrypted());
    add_marked_person(&plain);
    let found = leaks(&plain_dir);
    for needle in [GIVEN, FAMILY, NHS_DIGITS] {
        assert!(
            found.iter().any(|(_, n)| *n == needle),
            "control: {needle} not found in a plain store: {found:?}"
        );
    }
    drop(plain);

    let dir = TestDir::new();
    let s = create(&dir, "enc.db", &key(0x77));
    let p = add_marked_person(&s);
    // While open: the database file, its WAL and shared memory, anything else.
    let names: Vec<String> = dir.files().into_keys().collect();
    assert!(names.iter().any(|n| n.ends_with("-wal")), "{names:?}");
    assert!(leaks(&dir).is_empty(), "{:?}", leaks(&dir));
    // After searching (temporary sorting), compaction, a checkpoint and closing.
    let hits = s
        .caseload(&CaseloadQuery {
            text: Some(FAMILY.into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(hits.len(), 1);
    s.compact().unwrap();
    assert!(leaks(&dir).is_empty(), "{:?}", leaks(&dir));
    drop(s);
    assert!(leaks(&dir).is_empty(), "{:?}", leaks(&dir));
    // And after erasure.
    let s = Store::open(dir.path("enc.db"), &key(0x77)).unwrap();
    s.erase_person(p).unwrap();
    assert!(leaks(&dir).is_empty(), "{:?}", leaks(&dir));
}

#[test]
fn store_keys_are_32_bytes_and_never_shown() {
    for len in [0, 16, 31, 33, 64] {
        match StoreKey::from_bytes(&vec![1u8; len]) {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "key");
                assert!(!reason.contains("0101"));
            }
            other => panic!("expected InvalidInput for {len} bytes, got {other:?}"),
        }
    }
    let k = StoreKey::from_bytes(&[0x5a; 32]).unwrap();
    let shown = format!("{k:?}");
    assert!(!shown.contains("5a") && !shown.contains("5A") && !shown.contains("90"));
    assert!(k.is_encrypted());
    assert!(!StoreKey::unencrypted().is_encrypted());
}

#[test]
fn an_unencrypted_store_is_a_plain_sqlite_file() {
    let dir = TestDir::new();
    drop(create(&dir, "plain.db", &StoreKey::unencrypted()));
    let header = &std::fs::read(dir.path("plain.db")).unwrap()[..16];
    assert_eq!(header, b"SQLite format 3\0");
    drop(create(&dir, "enc.db", &key(0x88)));
    let header = &std::fs::read(dir.path("enc.db")).unwrap()[..16];
    assert_ne!(header, b"SQLite format 3\0");
    assert!(Path::new(&dir.path("enc.db")).exists());
}
