//! Whole documents: export to a file, import (merge) from a file, and compaction.

use linkwork_core::model::DocKind;
use serde_json::json;

use super::{code, id, write_atomically, Ctx};
use crate::args::{DocCmd, DocExportArgs};
use crate::error::{CliError, CliResult};
use crate::output;

/// `doc export|import`.
///
/// # Errors
/// Unknown person, unreadable or unwritable files, documents the store refuses.
pub fn doc(ctx: &Ctx, cmd: DocCmd) -> CliResult {
    match cmd {
        DocCmd::List => super::state::documents(ctx),
        DocCmd::Export(a) => export(ctx, a),
        DocCmd::Import(a) => {
            let bytes = std::fs::read(&a.file).map_err(|source| CliError::File {
                action: "read the document file",
                source,
            })?;
            let outcome = ctx.store()?.import_document(&bytes)?;
            let text = format!(
                "{} document of person {}: {}",
                outcome.kind,
                outcome.person,
                if outcome.changed {
                    "merged"
                } else {
                    "already up to date"
                }
            );
            ctx.out.done(
                Some(text),
                json!({
                    "person_id": outcome.person,
                    "kind": outcome.kind,
                    "changed": outcome.changed,
                }),
            )
        }
    }
}

/// `doc export`.
fn export(ctx: &Ctx, a: DocExportArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let kind: DocKind = code("kind", &a.kind)?;
    let bytes = ctx.store()?.export_document(person, kind)?;
    write_atomically(&a.out, &bytes).map_err(|source| CliError::File {
        action: "write the document file",
        source,
    })?;
    ctx.out.done(None, json!({ "bytes": bytes.len() }))
}

/// `compact`: one snapshot per document; prints the storage figures afterwards.
///
/// # Errors
/// Storage errors.
pub fn compact(ctx: &Ctx) -> CliResult {
    let store = ctx.store()?;
    store.compact()?;
    let (snapshot_bytes, change_bytes, change_rows) = store.storage_sizes()?;
    let figures = json!({
        "snapshot_bytes": snapshot_bytes,
        "change_bytes": change_bytes,
        "change_rows": change_rows,
    });
    if ctx.out.is_json() {
        ctx.out.json_value(&figures)
    } else {
        output::print_text(&format!(
            "compacted: {snapshot_bytes} snapshot bytes, {change_rows} change rows\n"
        ))
    }
}
