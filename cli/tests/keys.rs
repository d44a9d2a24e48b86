//! Keys on the command line: `key new`, `--key-file` (hex or raw), `--unencrypted`, neither,
//! wrong keys, `rekey`, and `person erase` leaving nothing readable in a plain store's files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::Path;
use std::process::Output;

use common::{bin, run_bare, stderr, stdout, Env, NHS};

/// Runs `linkwork --db db <key args> args`.
fn run_with(db: &Path, key_args: &[&str], args: &[&str]) -> Output {
    bin()
        .arg("--db")
        .arg(db)
        .args(key_args)
        .args(args)
        .output()
        .unwrap()
}

fn key_new(path: &Path) -> Output {
    run_bare(&["key", "new", "--out", path.to_str().unwrap()])
}

fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn key_new_writes_a_private_random_key_and_never_overwrites() {
    let env = Env::empty();
    let a = env.path("a.key");
    let out = key_new(&a);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim_end(), a.to_str().unwrap());
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(text.len(), 65, "64 hex digits and a newline");
    assert!(text.trim_end().bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Another key is another key.
    let b = env.path("b.key");
    assert!(key_new(&b).status.success());
    assert_ne!(std::fs::read(&b).unwrap(), text.as_bytes());
    // An existing file is never overwritten.
    let again = key_new(&a);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&a).unwrap(), text);
    // The key is never printed.
    assert!(!stdout(&out).contains(text.trim_end()));
}

#[test]
fn a_store_needs_a_key_file_or_unencrypted_and_not_both() {
    let env = Env::empty();
    for args in [&["init", "--user", "sam"][..], &["info"][..]] {
        let out = run_with(env.db(), &[], args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("--key-file") && err.contains("--unencrypted"),
            "{err}"
        );
    }
    assert!(!env.db().exists(), "nothing created without a key choice");
    let both = run_with(
        env.db(),
        &["--unencrypted", "--key-file", env.key().to_str().unwrap()],
        &["init", "--user", "sam"],
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(!env.db().exists());
}

#[test]
fn an_encrypted_store_opens_only_with_its_key() {
    let env = Env::new();
    let person = env.person();
    let before = all_files(env.dir.path());
    // Another key, or none.
    let other = env.path("other.key");
    assert!(key_new(&other).status.success());
    let with = |key_args: &[&str]| run_with(env.db(), key_args, &["person", "show", &person]);
    let out = with(&["--key-file", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: wrong key"),
        "{}",
        stderr(&out)
    );
    let out = with(&["--unencrypted"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("wrong key"), "{}", stderr(&out));
    let mut after = all_files(env.dir.path());
    after.retain(|(n, _)| n != "other.key");
    assert_eq!(after, before, "refused opens changed files");
    // The store's key opens it, also given as 32 raw bytes.
    assert!(env.ok(&["person", "show", &person]).contains("Lovelace"));
    let raw = env.path("raw.key");
    std::fs::write(&raw, [0x7eu8; 32]).unwrap();
    let out = run_with(
        env.db(),
        &["--key-file", raw.to_str().unwrap()],
        &["person", "show", &person],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing readable in the files.
    for (name, bytes) in all_files(env.dir.path()) {
        if name.ends_with(".key") {
            continue;
        }
        for needle in ["Lovelace", "9434765919"] {
            assert!(!contains(&bytes, needle), "{needle} in {name}");
        }
    }
}

#[test]
fn bad_key_files_are_clear_errors() {
    let env = Env::empty();
    let cases: [(&str, &[u8], i32); 4] = [
        ("short.key", b"abcdef\n", 2),
        ("nothex.key", &[b'z'; 64], 2),
        ("long.key", &[b'a'; 66], 2),
        ("empty.key", b"", 2),
    ];
    for (name, bytes, code) in cases {
        let path = env.path(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run_with(
            env.db(),
            &["--key-file", path.to_str().unwrap()],
            &["init", "--user", "sam"],
        );
        assert_eq!(out.status.code(), Some(code), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("key file"),
            "{name}: {}",
            stderr(&out)
        );
        assert!(!env.db().exists(), "{name}");
    }
    let missing = run_with(
        env.db(),
        &["--key-file", env.path("missing.key").to_str().unwrap()],
        &["init", "--user", "sam"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("read the key file"));
    // Whitespace around hex digits is fine.
    let spaced = env.path("spaced.key");
    std::fs::write(&spaced, format!("  {}\n\n", "AB".repeat(32))).unwrap();
    let out = run_with(
        env.db(),
        &["--key-file", spaced.to_str().unwrap()],
        &["init", "--user", "sam"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn rekey_moves_the_store_to_the_new_key() {
    let env = Env::new();
    let person = env.person();
    let new = env.path("new.key");
    assert!(key_new(&new).status.success());
    let out = env.run(&["rekey", "--new-key-file", new.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    // The old key no longer opens it; the new one does.
    let old = env.run(&["info"]);
    assert_eq!(old.status.code(), Some(1));
    assert!(stderr(&old).contains("wrong key"));
    let out = run_with(
        env.db(),
        &["--key-file", new.to_str().unwrap()],
        &["--json", "person", "show", &person],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Lovelace"));
    // A plain store cannot be re-keyed in place.
    let plain = env.path("plain.db");
    let init = run_with(&plain, &["--unencrypted"], &["init", "--user", "sam"]);
    assert!(init.status.success(), "{}", stderr(&init));
    let out = run_with(
        &plain,
        &["--unencrypted"],
        &["rekey", "--new-key-file", new.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn person_erase_leaves_no_name_or_nhs_number_in_a_plain_stores_files() {
    let env = Env::empty();
    let db = env.db();
    let run = |args: &[&str]| {
        let out = run_with(db, &["--unencrypted"], args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out).trim_end().to_string()
    };
    run(&["init", "--user", "sam"]);
    let gone = run(&[
        "person",
        "add",
        "--given",
        "Ottoline",
        "--family",
        "Vanderpump",
        "--dob",
        "1950-02-28",
        "--nhs-number",
        NHS,
        "--source",
        "gp",
    ]);
    run(&["note", "add", &gone, "--text", "Afraid of the stairwell"]);
    run(&[
        "person",
        "add",
        "--given",
        "Kept",
        "--family",
        "Person",
        "--dob",
        "1960-01-01",
    ]);
    let needles = ["Ottoline", "Vanderpump", "9434765919", "stairwell"];
    let found = |needle: &str| {
        all_files(env.dir.path())
            .iter()
            .any(|(n, b)| !n.ends_with(".key") && contains(b, needle))
    };
    assert!(found("Vanderpump"), "control: readable before erasure");
    run(&["person", "erase", &gone]);
    for needle in needles {
        assert!(!found(needle), "{needle} still in the files");
    }
    assert!(found("Person"), "the other person is kept");
}

#[path = "keys/identity.rs"]
mod identity;
