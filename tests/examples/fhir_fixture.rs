//! Writes FHIR R4 bundles of a full record for the independent validator
//! (`tests/fhir/run.sh`):
//!
//! ```text
//! cargo run -p linkwork-tests --example fhir_fixture -- FULL.json MINIMAL.json [BARE.json]
//! ```
//!
//! `FULL.json` is the full record exported with case data, `MINIMAL.json` the same record
//! without; `BARE.json` (optional) a person with almost nothing recorded, with case data. The store lives in a
//! temporary directory that is deleted on exit.
#![allow(clippy::expect_used)]

#[path = "../fhir/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use linkwork_core::model::{NewStore, Role};
use linkwork_core::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (full, minimal, bare) = match args.as_slice() {
        [full, minimal] => (full, minimal, None),
        [full, minimal, bare] => (full, minimal, Some(bare)),
        _ => {
            eprintln!("usage: fhir_fixture FULL.json MINIMAL.json [BARE.json]");
            std::process::exit(2);
        }
    };
    let dir = tempfile::tempdir()?;
    let store = Store::create(
        dir.path().join("fixture.db"),
        NewStore {
            user: "sam.worker".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )?;
    let record = fixture::build(&store)?;
    std::fs::write(full, store.export_fhir_json(record.person, true)?)?;
    std::fs::write(minimal, store.export_fhir_json(record.person, false)?)?;
    if let Some(bare) = bare {
        let person = fixture::build_bare(&store)?;
        std::fs::write(bare, store.export_fhir_json(person, true)?)?;
    }
    println!("wrote the bundles");
    Ok(())
}
