//! Who changed what, when: read from the documents' change history.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::code_enum;

code_enum! {
    /// Which of a person's two documents a change touched.
    pub enum DocKind {
        /// The plan document (shareable with the person).
        Plan => "plan",
        /// The case document (link-worker only).
        Case => "case",
    }
}

/// One user action in a person's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// When the action was committed (the device's clock; advisory only).
    pub at: DateTime<Utc>,
    /// The acting user.
    pub user: String,
    /// The action, a stable code such as `goal.progress`.
    pub action: String,
    /// The item the action touched, when there is one.
    pub item_id: Option<String>,
    /// Which document.
    pub document: DocKind,
    /// The automerge change hash (hex).
    pub change: String,
}
