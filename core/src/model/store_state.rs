//! What a store knows of its sync state, for apps: the peers it met, the documents it holds,
//! the people with changes a peer has not seen and the people with unresolved conflicts.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{DocKind, Role};
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
    pub bytes: u64,
    /// How many heads the document has: 1 after a linear history, more after concurrent
    /// edits that no later change has joined.
    pub heads: u32,
    /// Incremental change rows stored since the last compaction.
    pub change_rows: u32,
}

/// A person with at least one field devices set concurrently, from the conflict index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConflictedPerson {
    /// The person.
    pub person_id: Id,
    /// How many fields conflict in the plan document.
    pub plan_fields: u32,
    /// How many fields conflict in the case document.
    pub case_fields: u32,
}

/// How to resolve a conflicted field ([`crate::Store::resolve_conflict`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "resolution", content = "value")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConflictResolution {
    /// Keep one of the conflict's values: the text exactly as the conflict lists it
    /// ([`super::ConflictValue::value`]).
    Keep(#[cfg_attr(feature = "uniffi", uniffi(name = "value"))] String),
    /// Set a new value, written as text the way conflicts list values (`YYYY-MM-DD` for dates,
    /// RFC 3339 for instants, `true`/`false`, digits for numbers), of the same type as the
    /// field's current values. Fields that hold maps or lists cannot take a new value: keep one.
    New(#[cfg_attr(feature = "uniffi", uniffi(name = "value"))] String),
}
