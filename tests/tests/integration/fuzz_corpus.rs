//! Hostile and broken input, on stable in every `cargo test`: every committed fuzz seed
//! (`fuzz/corpus/<target>/`) and every saved reproducer (`fuzz/regressions/<target>/`) goes
//! through the same target functions libFuzzer runs (`fuzz/src/targets.rs`). Each function
//! asserts the guarantees: a typed error and no change for refused input, an intact store that
//! reopens with the same data for accepted input, never a panic.

use crate::targets;

use std::path::Path;

/// Runs every file of the target's corpus and regressions through `f`; returns how many seeds
/// there were.
fn replay(target: &str, f: fn(&[u8])) -> usize {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut seeds = 0;
    for (folder, required) in [("corpus", true), ("regressions", false)] {
        let dir = fuzz.join(folder).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert!(!required, "no seed corpus at {}", dir.display());
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            println!("{}", file.display());
            f(&bytes);
            if required {
                seeds += 1;
            }
        }
    }
    seeds
}

/// The committed seeds of `target`, with their file names (no regressions).
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// The kinds a sync message's flags byte says it is (hello, done, manifest, full manifest,
/// drops; a message with none of them is "data").
const KINDS: [(u8, &str); 5] = [
    (1, "hello"),
    (2, "done"),
    (4, "manifest"),
    (8, "full manifest"),
    (16, "drops"),
];

/// Which of [`KINDS`] a message is, and whether this build's decoder accepts it (past the
/// version check: seeds of an older protocol are all refused there, and fuzz nothing beyond).
fn kinds_accepted(message: &[u8], accepted: &mut Vec<&'static str>) {
    if linkwork_core::sync::check_message(message).is_err() {
        return;
    }
    accepted.push("any");
    if let Some(&flags) = message.get(4) {
        if flags == 0 {
            accepted.push("data"); // documents or automerge sync messages only
        }
        for (bit, kind) in KINDS {
            if flags & bit != 0 {
                accepted.push(kind);
            }
        }
    }
}

#[test]
fn sync_envelope_seeds() {
    assert!(replay("sync_envelope", targets::sync_envelope) >= 5);
    // Every recorded message decodes under this build's protocol, and each kind is there:
    // regenerate the corpus (`cargo run -p linkwork-tests --example fuzz_seeds`) when the wire
    // format changes.
    let mut accepted = Vec::new();
    for (name, bytes) in seeds("sync_envelope") {
        if name.starts_with("message-") {
            let mut one = Vec::new();
            kinds_accepted(&bytes, &mut one);
            assert!(
                one.contains(&"any"),
                "seed {name} is refused by this build: {:?}",
                linkwork_core::sync::check_message(&bytes)
            );
            accepted.extend(one);
        }
    }
    for kind in ["any", "hello", "done", "manifest", "data", "drops"] {
        assert!(accepted.contains(&kind), "no accepted {kind} message seed");
    }
}

#[test]
fn sync_session_seeds() {
    assert!(replay("sync_session", targets::sync_session) >= 5);
    // The frames of every session seed (but the one cut short on purpose) decode under this
    // build's protocol, so the fuzzer starts from messages that reach the store.
    let mut accepted = Vec::new();
    for (name, bytes) in seeds("sync_session") {
        let Some((&side, rest)) = bytes.split_first() else {
            continue;
        };
        let rest = if side % 3 == 1 { &rest[16..] } else { rest };
        let frames: Vec<&[u8]> = targets::frames(rest)
            .into_iter()
            .filter(|f| !f.is_empty())
            .collect();
        assert!(!frames.is_empty(), "seed {name} has no frame");
        for (i, frame) in frames.iter().enumerate() {
            let mut one = Vec::new();
            kinds_accepted(frame, &mut one);
            let cut = name.contains("truncated") && i + 1 == frames.len();
            assert!(
                cut || one.contains(&"any"),
                "frame {i} of seed {name} is refused by this build: {:?}",
                linkwork_core::sync::check_message(frame)
            );
            accepted.extend(one);
        }
    }
    for kind in ["hello", "manifest", "data"] {
        assert!(
            accepted.contains(&kind),
            "no accepted {kind} frame in the session seeds"
        );
    }
}

#[test]
fn import_document_seeds() {
    assert!(replay("import_document", targets::import_document) >= 5);
}

#[test]
fn directory_feed_seeds() {
    assert!(replay("directory_feed", targets::directory_feed) >= 5);
}

#[test]
fn text_input_seeds() {
    assert!(replay("text_inputs", targets::text_inputs) >= 5);
}

/// Oversized input is refused before it is decoded, with nothing stored (the fuzzers'
/// `-max_len` never reaches the limit, so it is checked here).
#[test]
fn oversized_document_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let store = targets::create_store(
        &dir.path().join("big.db"),
        linkwork_core::model::Role::LinkWorker,
        None,
    );
    let before = targets::fingerprint(&store);
    let huge = vec![0u8; 64 * 1024 * 1024 + 1];
    let err = store.import_document(&huge).unwrap_err();
    assert!(
        matches!(
            err,
            linkwork_core::Error::InvalidInput {
                field: "document",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(before, targets::fingerprint(&store));
}

#[test]
fn hub_messages_seeds() {
    assert!(replay("hub_messages", targets::hub_messages) >= 10);
}
