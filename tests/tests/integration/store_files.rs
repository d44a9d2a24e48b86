//! Store files: what `Store::open` and `Store::create` do with paths that are missing, not
//! SQLite, SQLite but not linkwork, truncated, encrypted with another key, or already a store;
//! identity across reopening; compaction. Every refused open is a typed error that leaves the
//! files byte-identical.

use std::path::Path;

use linkwork_core::model::*;
use linkwork_core::{Error, Store, StoreKey};
use linkwork_tests::*;

fn files_in(dir: &TestDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[track_caller]
fn assert_not_a_store(path: &Path) {
    let before = std::fs::read(path).ok();
    match Store::open(path, &linkwork_core::StoreKey::unencrypted()) {
        Err(Error::NotAStore { reason }) => assert!(!reason.is_empty()),
        other => panic!("expected NotAStore for {}, got {other:?}", path.display()),
    }
    match Store::open_as(path, &linkwork_core::StoreKey::unencrypted(), Some("kim")) {
        Err(Error::NotAStore { .. }) => {}
        other => panic!("expected NotAStore, got {other:?}"),
    }
    assert_eq!(std::fs::read(path).ok(), before, "the file was changed");
}

#[test]
fn opening_a_missing_path_is_not_a_store_and_creates_nothing() {
    let dir = TestDir::new();
    assert_not_a_store(&dir.path("missing.db"));
    assert_not_a_store(&dir.path("no/such/dir/missing.db"));
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}

#[test]
fn creating_in_a_missing_folder_names_the_path_and_creates_nothing() {
    let dir = TestDir::new();
    let err = Store::create(
        dir.path("no/such/dir/new.db"),
        NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &StoreKey::unencrypted(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { field: "path", .. }),
        "{err:?}"
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}

#[test]
fn opening_a_file_that_is_not_sqlite_leaves_it_byte_identical() {
    let dir = TestDir::new();
    let samples: Vec<(&str, Vec<u8>)> = vec![
        ("notes.txt", b"Dear diary, today I wrote a test.\n".to_vec()),
        ("zeros.bin", vec![0u8; 8192]),
        (
            "random.bin",
            (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect(),
        ),
        // A SQLite header followed by garbage.
        (
            "fake.db",
            [b"SQLite format 3\0".as_slice(), &[0xAB; 4096]].concat(),
        ),
    ];
    for (name, bytes) in &samples {
        let path = dir.path(name);
        std::fs::write(&path, bytes).unwrap();
        assert_not_a_store(&path);
        assert_eq!(&file_bytes(&path), bytes, "{name}");
    }
    let names: Vec<String> = samples.iter().map(|(n, _)| n.to_string()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(files_in(&dir), sorted, "no -wal or -shm files left behind");
}

#[test]
fn opening_a_sqlite_file_that_is_not_linkwork_leaves_it_byte_identical() {
    let dir = TestDir::new();
    let schemas = [
        (
            "other.db",
            "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);",
        ),
        (
            "meta-shaped.db",
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('format', 'someone-else');",
        ),
        (
            "other-meta.db",
            "CREATE TABLE meta (a INTEGER, b TEXT); INSERT INTO meta VALUES (1, 'x');",
        ),
        ("empty-schema.db", "PRAGMA user_version = 7;"),
    ];
    for (name, sql) in schemas {
        let path = dir.path(name);
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(sql).unwrap();
        }
        assert_not_a_store(&path);
        let c = rusqlite::Connection::open(&path).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete", "{name}: journal mode was changed");
    }
    // An empty file is not a store either, and stays empty.
    let empty = dir.path("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert_not_a_store(&empty);
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

#[test]
fn creating_over_an_existing_store_or_file_is_refused() {
    let dir = TestDir::new();
    let s = dir.link_worker("lw.db", "sam");
    let p = add_person(&s, "Already", "Here");
    drop(s);
    let path = dir.path("lw.db");
    let before = file_bytes(&path);
    for role in [Role::LinkWorker, Role::Patient] {
        let err = Store::create(
            &path,
            NewStore {
                user: "kim".into(),
                role,
                person: (role == Role::Patient).then_some(p),
            },
            &linkwork_core::StoreKey::unencrypted(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::AlreadyExists), "{err:?}");
    }
    assert_eq!(file_bytes(&path), before);
    let s = Store::open(&path, &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(s.info().user, "sam");
    assert_eq!(entry(&s, p).family_name.as_deref(), Some("Here"));
    drop(s);
    // Any other non-empty file is refused too, and left as it was.
    let other = dir.path("other.txt");
    std::fs::write(&other, b"keep me").unwrap();
    let err = Store::create(
        &other,
        NewStore {
            user: "kim".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists), "{err:?}");
    assert_eq!(file_bytes(&other), b"keep me");
    // A SQLite database with tables in it is refused.
    let db = dir.path("other.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (a);")
        .unwrap();
    let before = file_bytes(&db);
    let err = Store::create(
        &db,
        NewStore {
            user: "kim".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::AlreadyExists), "{err:?}");
    assert_eq!(file_bytes(&db), before);
}

#[test]
fn a_store_keeps_its_identity_and_records_across_reopening() {
    let dir = TestDir::new();
    let s = dir.link_worker("lw.db", "sam");
    let f = full_person(&s);
    let info = s.info().clone();
    assert_eq!(info.role, Role::LinkWorker);
    assert_eq!(info.person, None);
    assert_eq!(s.path(), dir.path("lw.db"));
    let record = s.person(f.person).unwrap();
    let history = s.history(f.person).unwrap();
    drop(s);
    let s = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(s.info(), &info);
    assert_eq!(s.person(f.person).unwrap(), record);
    assert_eq!(s.history(f.person).unwrap(), history);
    // Another store has another id.
    let t = dir.link_worker("other.db", "sam");
    assert_ne!(t.info().store_id, info.store_id);
    // Opening as a colleague changes only the acting user.
    drop(s);
    let s = Store::open_as(
        dir.path("lw.db"),
        &linkwork_core::StoreKey::unencrypted(),
        Some("kim"),
    )
    .unwrap();
    assert_eq!(s.info().user, "kim");
    assert_eq!(s.info().store_id, info.store_id);
    drop(s);
    assert_eq!(
        Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted())
            .unwrap()
            .info()
            .user,
        "sam"
    );
}

#[test]
fn many_edits_are_compacted_and_reopen_to_the_same_record() {
    let dir = TestDir::new();
    let s = dir.link_worker("lw.db", "sam");
    let f = full_person(&s);
    let mut max_rows = 0;
    for i in 0..60u8 {
        s.record_progress(
            f.goal,
            NewProgress {
                rating: Some((i % 11).into()),
                note: Some(format!("entry {i}")),
            },
        )
        .unwrap();
        s.add_case_note(f.person, &format!("note {i}")).unwrap();
        let (snapshot, change_bytes, rows) = s.storage_sizes().unwrap();
        assert!(snapshot > 0);
        assert!(change_bytes >= 0);
        max_rows = max_rows.max(rows);
    }
    // Change rows never pile up: they are folded into the snapshot as they grow
    // (at most ten rows per document, two documents).
    assert!(max_rows <= 2 * 10, "change rows reached {max_rows}");
    let record = s.person(f.person).unwrap();
    assert_eq!(record.plan.goals[0].progress.len(), 62);
    s.compact().unwrap();
    let (snapshot, change_bytes, rows) = s.storage_sizes().unwrap();
    assert!(snapshot > 0);
    assert_eq!((change_bytes, rows), (0, 0));
    // The pages the folded change rows held are given back: the file has no free pages.
    let free: i64 = rusqlite::Connection::open(dir.path("lw.db"))
        .unwrap()
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    assert_eq!(free, 0, "compaction left free pages in the file");
    assert_eq!(s.person(f.person).unwrap(), record);
    let history = s.history(f.person).unwrap();
    drop(s);
    let s = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(s.person(f.person).unwrap(), record);
    assert_eq!(s.history(f.person).unwrap(), history);
    assert_eq!(s.storage_sizes().unwrap(), (snapshot, 0, 0));
    // Edits after compaction keep working and survive another reopen.
    s.record_progress(
        f.goal,
        NewProgress {
            rating: Some(10),
            note: None,
        },
    )
    .unwrap();
    let (_, change_bytes, rows) = s.storage_sizes().unwrap();
    assert!(
        rows >= 1 && change_bytes > 0,
        "an edit appends a change row"
    );
    drop(s);
    let s = Store::open(dir.path("lw.db"), &linkwork_core::StoreKey::unencrypted()).unwrap();
    assert_eq!(s.plan(f.person).unwrap().goals[0].progress.len(), 63);
}

#[test]
fn the_raw_file_holds_documents_and_projections_in_sqlite() {
    let (dir, s) = link_worker_store();
    let f = full_person(&s);
    s.compact().unwrap();
    drop(s);
    let c = rusqlite::Connection::open(dir.path("lw.db")).unwrap();
    let docs: i64 = c
        .query_row(
            "SELECT count(*) FROM documents WHERE person_id = ?1",
            [f.person.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(docs, 2);
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let people: i64 = c
        .query_row("SELECT count(*) FROM people", [], |r| r.get(0))
        .unwrap();
    assert_eq!(people, 1);
    // Each stored snapshot is a plain automerge document.
    let snapshot: Vec<u8> = c
        .query_row(
            "SELECT snapshot FROM documents WHERE person_id = ?1 AND kind = 'plan'",
            [f.person.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(automerge::AutoCommit::load(&snapshot).is_ok());
}

fn key(byte: u8) -> StoreKey {
    StoreKey::from_bytes(&[byte; 32]).unwrap()
}

/// A closed store with a few people, plain or encrypted.
fn closed_store(dir: &TestDir, name: &str, key: &StoreKey) {
    let s = Store::create(
        dir.path(name),
        NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        },
        key,
    )
    .unwrap();
    for i in 0..40 {
        let p = add_person(&s, "Someone", &format!("Family {i}"));
        s.add_case_note(p, &"a long enough note to fill pages ".repeat(20))
            .unwrap();
    }
    s.compact().unwrap();
}

/// Opens `path` with `key` and expects `NotAStore` or `WrongKey`, with every file in the
/// directory left byte-identical and no file added or removed.
#[track_caller]
fn assert_refused_unchanged(dir: &TestDir, name: &str, key: &StoreKey) -> Error {
    let before = dir.files();
    let err = Store::open(dir.path(name), key).unwrap_err();
    assert!(
        matches!(err, Error::NotAStore { .. } | Error::WrongKey { .. }),
        "{name}: {err:?}"
    );
    let err2 = Store::open_as(dir.path(name), key, Some("kim")).unwrap_err();
    assert_eq!(
        std::mem::discriminant(&err),
        std::mem::discriminant(&err2),
        "{name}"
    );
    assert!(dir.files() == before, "{name}: files changed");
    err
}

#[test]
fn truncated_stores_are_typed_errors_and_left_byte_identical() {
    for (label, k) in [("plain", StoreKey::unencrypted()), ("encrypted", key(9))] {
        let dir = TestDir::new();
        closed_store(&dir, "full.db", &k);
        let full = file_bytes(&dir.path("full.db"));
        assert!(full.len() > 8 * 4096, "{label}: {} bytes", full.len());
        for cut in [
            0usize,
            10,
            100,
            1000,
            4096,
            4096 + 100,
            full.len() / 2,
            full.len() - 1,
        ] {
            let name = format!("cut-{cut}.db");
            std::fs::write(dir.path(&name), &full[..cut]).unwrap();
            let err = assert_refused_unchanged(&dir, &name, &k);
            if cut > 4096 {
                // The first page is whole: the key is right, the file is damaged.
                assert!(
                    matches!(err, Error::NotAStore { .. }),
                    "{label} cut at {cut}: {err:?}"
                );
            }
            std::fs::remove_file(dir.path(&name)).unwrap();
        }
    }
}

#[test]
fn garbage_and_foreign_files_are_typed_errors_with_a_key_too() {
    let dir = TestDir::new();
    std::fs::write(dir.path("text.txt"), b"Dear diary\n").unwrap();
    std::fs::write(
        dir.path("noise.bin"),
        (0..16_384u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    rusqlite::Connection::open(dir.path("foreign.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    for name in ["text.txt", "noise.bin", "foreign.db"] {
        assert_refused_unchanged(&dir, name, &StoreKey::unencrypted());
        // With a key, any of them is "not a store encrypted for this key".
        match assert_refused_unchanged(&dir, name, &key(1)) {
            Error::WrongKey { .. } => {}
            other => panic!("{name}: {other:?}"),
        }
    }
    // A foreign plain SQLite file opened with a key is told apart by its header.
    match Store::open(dir.path("foreign.db"), &key(1)) {
        Err(Error::WrongKey { reason }) => assert!(reason.contains("not encrypted"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_store_encrypted_with_another_key_is_wrong_key_and_left_byte_identical() {
    let dir = TestDir::new();
    closed_store(&dir, "enc.db", &key(3));
    for k in [key(4), StoreKey::unencrypted()] {
        match assert_refused_unchanged(&dir, "enc.db", &k) {
            Error::WrongKey { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    Store::open(dir.path("enc.db"), &key(3)).unwrap();
}
