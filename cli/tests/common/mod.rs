//! Helpers that run the real `linkwork` binary against a temporary store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    dead_code
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// A valid NHS number (the NHS's published example).
pub const NHS: &str = "943 476 5919";

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_linkwork"))
}

/// Runs the binary with `args` and no store.
pub fn run_bare(args: &[&str]) -> Output {
    bin().args(args).output().expect("run linkwork")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A store in a temporary directory, encrypted with the key in `key` (64 hex digits).
pub struct Env {
    pub dir: TempDir,
    pub db: PathBuf,
    pub key: PathBuf,
}

impl Env {
    /// A new link-worker store owned by "sam".
    pub fn new() -> Env {
        let env = Env::empty();
        let out = env.run(&["init", "--user", "sam"]);
        assert!(out.status.success(), "init failed: {}", stderr(&out));
        env
    }

    /// A temporary directory without a store yet.
    pub fn empty() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("store.db");
        let key = dir.path().join("store.key");
        // A fixed test key (each store file is its own); `key new` is tested on its own.
        std::fs::write(&key, format!("{}\n", "7e".repeat(32))).unwrap();
        Env { dir, db, key }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> &Path {
        &self.db
    }

    /// The store's key file.
    pub fn key(&self) -> &Path {
        &self.key
    }

    /// Runs `linkwork --db <store> --key-file <key> args...`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run linkwork")
    }

    /// `linkwork --db <store> --key-file <key> args...`, not started (to run in the background).
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = bin();
        command
            .arg("--db")
            .arg(&self.db)
            .arg("--key-file")
            .arg(&self.key)
            .args(args);
        command
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed ({:?}): {}",
            out.status.code(),
            stderr(&out)
        );
        assert!(stderr(&out).is_empty(), "{args:?} wrote to stderr");
        stdout(&out)
    }

    /// Runs a create command; asserts stdout is the new id alone on one line.
    pub fn id(&self, args: &[&str]) -> String {
        let text = self.ok(args);
        assert!(text.ends_with('\n'), "{args:?}: {text:?}");
        let id = text.trim_end_matches('\n');
        assert!(is_uuid(id), "{args:?} printed more than an id: {text:?}");
        id.to_string()
    }

    /// Runs with `--json` and parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Runs a command that must fail with `code`; asserts one `error:` line on stderr and
    /// nothing on stdout. Returns the stderr line.
    pub fn fail(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: expected exit {code}, stderr: {err}"
        );
        assert!(stdout(&out).is_empty(), "{args:?} wrote to stdout");
        if code != 2 {
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        err.trim_end().to_string()
    }

    /// Adds a person with a referral; returns their id.
    pub fn person(&self) -> String {
        self.id(&[
            "person",
            "add",
            "--given",
            "Ada",
            "--family",
            "Lovelace",
            "--dob",
            "1950-02-28",
            "--nhs-number",
            NHS,
            "--source",
            "gp",
            "--reason",
            "lonely",
            "--consent-to-contact",
            "true",
        ])
    }

    /// The person's whole record as JSON text (to compare before and after a failure).
    pub fn snapshot(&self, person: &str) -> String {
        self.ok(&["--json", "person", "show", person])
    }

    /// The number of history entries of a person.
    pub fn history_len(&self, person: &str) -> usize {
        self.json(&["history", person]).as_array().unwrap().len()
    }
}
