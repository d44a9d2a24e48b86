//! Concurrent edits of the same field, surfaced rather than hidden.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{DocKind, FieldType, FieldValue};

/// One of the values two or more devices set concurrently.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConflictValue {
    /// The value, typed like its field ([`FieldConflict::field`]); [`FieldValue::Unreadable`]
    /// when it does not read as that type.
    pub value: FieldValue,
    /// The user whose edit set it.
    pub set_by: String,
    /// When that edit was committed (the editing device's clock).
    pub set_at: DateTime<Utc>,
    /// Whether this is the value readers currently see (automerge's deterministic winner).
    pub shown: bool,
}

/// A field that devices set concurrently. Any new edit of the field resolves it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FieldConflict {
    /// Which document.
    pub document: DocKind,
    /// The path from the document root, e.g. `["goals", "<goal id>", "status"]`.
    pub path: Vec<String>,
    /// What the field holds (from the schema's field table): the type of its values and of a
    /// new value that resolves it; [`FieldType::Other`] for a key this build does not know.
    pub field: FieldType,
    /// Every concurrent value, the shown one first.
    pub values: Vec<ConflictValue>,
}
