//! Measures the peak memory of receiving a decompression bomb (issue 13), one process per
//! measurement so each peak (`VmHWM`) is its own. The figures are in `docs/security.md`.
//!
//!   cargo run -p linkwork-tests --example hostile_memory -- all [MIB]
//!
//! `all` makes a bomb inflating to MIB MiB (default 512: about 510 KB of deflate, the size the
//! review used), then runs this program once per mode and prints each peak:
//! - `baseline`: a store receiving an ordinary plan document by import;
//! - `import`: `Store::import_document` of the bomb (refused before anything is inflated);
//! - `sync`: the bomb as a whole document in a sync message (refused the same way);
//! - `automerge-load`: `automerge::Automerge::load` of the bomb, what linkwork did before
//!   (and the minimal reproduction of `docs/automerge-inflate-limit.md`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/integration/sync_support/mod.rs"]
mod sync_support;

use std::path::Path;
use std::process::Command;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use linkwork_core::model::DocKind;
use sync_support::{add_person, hello_of, Dir, Wire, WireDoc};

/// This process's peak resident memory in KiB (Linux `VmHWM`).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A real plan document with a value of `mib` MiB that deflate shrinks about a thousandfold.
fn make(path: &Path, mib: usize) {
    let dir = Dir::new();
    let s = dir.link_worker("source.db");
    let person = add_person(&s, "Bo");
    let plan = s.export_document(person, DocKind::Plan).unwrap();
    let mut doc = AutoCommit::load(&plan).unwrap();
    doc.put(ROOT, "padding", "a".repeat(mib << 20)).unwrap();
    doc.commit();
    std::fs::write(path, doc.save()).unwrap();
}

fn run(mode: &str, path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let dir = Dir::new();
    let store = dir.link_worker("receiver.db");
    let before = peak_kib();
    let outcome = match mode {
        "baseline" => {
            let source = dir.link_worker("source.db");
            let person = add_person(&source, "Cy");
            let plan = source.export_document(person, DocKind::Plan).unwrap();
            format!("{:?}", store.import_document(&plan).map(|o| o.changed))
        }
        "import" => format!("{:?}", store.import_document(&bytes).map(|o| o.changed)),
        "sync" => {
            let peer = dir.link_worker("peer.db");
            let mut s = store.sync_accept();
            let hello = Wire {
                hello: Some(hello_of(&peer)),
                ..Wire::default()
            };
            store.sync_receive(&mut s, &hello.encode()).unwrap();
            let msg = Wire {
                docs: vec![WireDoc {
                    person: linkwork_core::Id::new(),
                    kind: DocKind::Plan,
                    whole: true,
                    bytes,
                }],
                ..Wire::default()
            };
            format!(
                "{:?}",
                store.sync_receive(&mut s, &msg.encode()).map(|_| ())
            )
        }
        "automerge-load" => format!("{:?}", automerge::Automerge::load(&bytes).map(|_| ())),
        other => panic!("unknown mode {other}"),
    };
    let outcome: String = outcome.chars().take(100).collect();
    println!(
        "{mode:15} peak {:>9} KiB (store open: {:>7} KiB)  {outcome}",
        peak_kib(),
        before
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("all") => {
            let mib: usize = args.get(2).map_or(512, |m| m.parse().unwrap());
            let dir = tempfile::tempdir().unwrap();
            let bomb = dir.path().join("bomb");
            make(&bomb, mib);
            let size = std::fs::metadata(&bomb).unwrap().len();
            println!("bomb: {size} bytes, inflating to {mib} MiB");
            let me = std::env::current_exe().unwrap();
            for mode in ["baseline", "import", "sync", "automerge-load"] {
                let status = Command::new(&me).arg(mode).arg(&bomb).status().unwrap();
                assert!(
                    status.success() || mode == "automerge-load",
                    "{mode}: {status}"
                );
            }
        }
        Some(mode) => run(mode, Path::new(args.get(2).expect("a bomb file"))),
        None => panic!("usage: hostile_memory all [MIB] | MODE FILE"),
    }
}
