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

#[test]
fn sync_envelope_seeds() {
    assert!(replay("sync_envelope", targets::sync_envelope) >= 5);
}

#[test]
fn sync_session_seeds() {
    assert!(replay("sync_session", targets::sync_session) >= 5);
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
