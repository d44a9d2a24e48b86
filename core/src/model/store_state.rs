//! What a store knows of its sync state, for apps: the peers it met, the documents it holds,
//! the people with changes a peer has not seen and the people with unresolved conflicts.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{DocKind, FieldValue, Role};
use crate::ids::Id;

/// A peer this store has synced with, as recorded at the end of its latest applied message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KnownPeer {
    /// The peer store's id (what [`crate::Store::unsynced_people`] takes).
    pub store_id: Id,
    /// The peer store's role, as it said (or its certificate proved) in the latest session.
    pub role: Role,
    /// On a patient peer, the person whose plan it holds.
    #[cfg_attr(feature = "uniffi", uniffi(name = "person_id"))]
    pub person: Option<Id>,
    /// When a message from this peer was last applied (this device's clock).
    pub last_sync: DateTime<Utc>,
    /// The display name on the peer's certificate, when it synced on an authenticated channel
    /// with a verified certificate; `None` for an unenrolled peer or an unauthenticated session.
    pub certificate_name: Option<String>,
    /// The certificate's role code (`link-worker`, `team-lead`, `admin` for an administrator's
    /// or the team hub's device, `patient`), when the name is known.
    pub certificate_role: Option<String>,
}

/// One document the store holds, described from its stored row (nothing is loaded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DocumentInfo {
    /// The person the document belongs to.
    pub person_id: Id,
    /// Plan or case.
    pub kind: DocKind,
    /// Stored bytes: the snapshot plus the incremental change rows (what a sync sends to a
    /// peer that lacks the document).
    pub bytes: i64,
    /// How many heads the document has: 1 after a linear history, more after concurrent
    /// edits that no later change has joined.
    pub heads: i32,
    /// Incremental change rows stored since the last compaction.
    pub change_rows: i32,
}

/// A person with at least one field devices set concurrently, from the conflict index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConflictedPerson {
    /// The person.
    pub person_id: Id,
    /// How many fields conflict in the plan document.
    pub plan_fields: i32,
    /// How many fields conflict in the case document.
    pub case_fields: i32,
}

/// How to resolve a conflicted field ([`crate::Store::resolve_conflict`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "resolution", content = "value")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConflictResolution {
    /// Keep one of the conflict's values: equal to one of its [`super::ConflictValue::value`]s
    /// (an [`FieldValue::Object`] or [`FieldValue::Unreadable`] one too).
    Keep(#[cfg_attr(feature = "uniffi", uniffi(name = "value"))] FieldValue),
    /// Set a new value of the field's type ([`super::FieldConflict::field`]): a date for a
    /// date field, a known code of the field's vocabulary for a code field, and so on. Fields
    /// of type [`super::FieldType::Object`] or [`super::FieldType::Other`] cannot take one:
    /// keep one of their values.
    New(#[cfg_attr(feature = "uniffi", uniffi(name = "value"))] FieldValue),
}
