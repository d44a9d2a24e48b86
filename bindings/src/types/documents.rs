//! The store itself: its identity and role, its documents, history and storage figures.

use linkwork_core::model as lw;
use linkwork_core::store::ImportOutcome as CoreImportOutcome;

use super::mirror_enum;
use crate::convert::instant;

mirror_enum! {
    /// The role of a store's owner; it decides what the store may hold and change.
    pub enum Role = lw::Role {
        /// A link worker (or the team's hub): holds case and plan documents.
        LinkWorker,
        /// A patient's own device: holds only their own plan document.
        Patient,
    }
}

mirror_enum! {
    /// Which of a person's two documents.
    pub enum DocKind = lw::DocKind {
        /// The plan document (shareable with the person).
        Plan,
        /// The case document (link-worker only).
        Case,
    }
}

/// A store's identity.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct StoreInfo {
    /// A random id of this store (one per device database).
    pub store_id: String,
    /// The acting user whose name stamps every edit.
    pub user: String,
    /// The owner's role.
    pub role: Role,
    /// On a patient store, the person it belongs to.
    pub person_id: Option<String>,
}

impl From<&lw::StoreInfo> for StoreInfo {
    fn from(i: &lw::StoreInfo) -> Self {
        StoreInfo {
            store_id: i.store_id.to_string(),
            user: i.user.clone(),
            role: i.role.into(),
            person_id: i.person.map(|p| p.to_string()),
        }
    }
}

/// One user action in a person's history.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// When the action was committed (the editing device's clock; advisory only).
    pub at: std::time::SystemTime,
    /// The user name the commit message records (a claim; `author` is who is proven).
    pub user: String,
    /// Who is proven to have made the change (ADR 0007).
    pub author: super::authors::Author,
    /// The action, a stable code such as `goal.progress` or `visit.check-in`.
    pub action: String,
    /// The item the action touched, when there is one.
    pub item_id: Option<String>,
    /// Which document changed.
    pub document: DocKind,
    /// The change's hash (hex), unique across devices.
    pub change: String,
}

impl From<lw::HistoryEntry> for HistoryEntry {
    fn from(h: lw::HistoryEntry) -> Self {
        HistoryEntry {
            at: instant(h.at),
            user: h.user,
            author: h.author.into(),
            action: h.action,
            item_id: h.item_id,
            document: h.document.into(),
            change: h.change,
        }
    }
}

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
            kind: o.kind.into(),
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
