//! The store itself: its identity and role, its documents, history and storage figures.
//!
//! Mirrored here: `ImportOutcome` (core's names the person `person`; apps see `person_id`, and
//! core's type lives in `store/merge.rs`, which another change is rewriting) and
//! `StorageSizes` (no core record: a tuple in core).

use linkwork_core::store::ImportOutcome as CoreImportOutcome;

use super::*;

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ImportOutcome {
    /// The person the document belongs to.
    pub person_id: String,
    /// Which document.
    pub kind: DocKind,
    /// Whether the store learned anything new (false when it already had every change).
    pub changed: bool,
}

impl From<CoreImportOutcome> for ImportOutcome {
    fn from(o: CoreImportOutcome) -> Self {
        ImportOutcome {
            person_id: o.person.to_string(),
            kind: o.kind,
            changed: o.changed,
        }
    }
}

/// Storage figures over all documents, for diagnostics.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct StorageSizes {
    /// Bytes of compacted document snapshots.
    pub snapshot_bytes: i64,
    /// Bytes of incremental changes not yet compacted.
    pub change_bytes: i64,
    /// Number of incremental change rows.
    pub change_rows: i64,
}
