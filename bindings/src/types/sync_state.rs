//! Sync state for apps and paging: known peers, stored documents, people with conflicts, how
//! to resolve a conflict, and pages of the caseload, due and history lists.

use std::time::SystemTime;

use linkwork_core::model as lw;

use super::{CaseloadEntry, DocKind, DueItem, HistoryEntry, Role};
use crate::convert::{instant, list};

/// A peer this store has synced with (see `LinkWorkStore.peers`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct KnownPeer {
    /// The peer store's id: what `unsyncedPeople` takes.
    pub store_id: String,
    /// The peer's role as it said (or its certificate proved) in the latest session.
    pub role: Role,
    /// On a patient's phone, the person whose plan it holds.
    pub person_id: Option<String>,
    /// When a message from this peer was last applied (this device's clock).
    pub last_sync: SystemTime,
    /// The display name on the peer's verified certificate; absent for an unenrolled peer.
    pub certificate_name: Option<String>,
    /// The certificate's role code (`link-worker`, `team-lead`, `admin` for an
    /// administrator's or the team hub's device, `patient`), when the name is known.
    pub certificate_role: Option<String>,
}

impl From<lw::KnownPeer> for KnownPeer {
    fn from(p: lw::KnownPeer) -> Self {
        KnownPeer {
            store_id: p.store_id.to_string(),
            role: p.role.into(),
            person_id: p.person.map(|x| x.to_string()),
            last_sync: instant(p.last_sync),
            certificate_name: p.certificate_name,
            certificate_role: p.certificate_role,
        }
    }
}

/// One document the store holds, from its stored row (see `LinkWorkStore.documents`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DocumentInfo {
    /// The person the document belongs to.
    pub person_id: String,
    /// Plan or case.
    pub kind: DocKind,
    /// Stored bytes (snapshot plus change rows: what a sync sends to a peer that lacks it).
    pub bytes: u64,
    /// Heads: 1 after a linear history, more after concurrent edits not yet joined.
    pub heads: u32,
    /// Change rows stored since the last compaction.
    pub change_rows: u32,
}

impl From<lw::DocumentInfo> for DocumentInfo {
    fn from(d: lw::DocumentInfo) -> Self {
        DocumentInfo {
            person_id: d.person_id.to_string(),
            kind: d.kind.into(),
            bytes: d.bytes,
            heads: d.heads,
            change_rows: d.change_rows,
        }
    }
}

/// A person with conflicted fields, from the conflict index (see
/// `LinkWorkStore.conflictedPeople`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ConflictedPerson {
    /// The person.
    pub person_id: String,
    /// Conflicted fields in the plan document.
    pub plan_fields: u32,
    /// Conflicted fields in the case document.
    pub case_fields: u32,
}

impl From<lw::ConflictedPerson> for ConflictedPerson {
    fn from(c: lw::ConflictedPerson) -> Self {
        ConflictedPerson {
            person_id: c.person_id.to_string(),
            plan_fields: c.plan_fields,
            case_fields: c.case_fields,
        }
    }
}

/// How to resolve a conflicted field (see `LinkWorkStore.resolveConflict`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ConflictResolution {
    /// Keep one of the conflict's values, exactly as `ConflictValue.value` gives it.
    Keep {
        /// The value to keep.
        value: String,
    },
    /// Set a new value of the field's type, written as conflicts list values (`YYYY-MM-DD`,
    /// a code, text, `true`/`false`, digits).
    New {
        /// The new value.
        value: String,
    },
}

impl From<ConflictResolution> for lw::ConflictResolution {
    fn from(r: ConflictResolution) -> Self {
        match r {
            ConflictResolution::Keep { value } => lw::ConflictResolution::Keep(value),
            ConflictResolution::New { value } => lw::ConflictResolution::New(value),
        }
    }
}

/// Which page of a list to return.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PageRequest {
    /// At most this many rows (1 to 1000).
    pub limit: u32,
    /// The previous page's `next`; absent for the first page.
    #[uniffi(default)]
    pub after: Option<String>,
}

impl From<PageRequest> for lw::PageRequest {
    fn from(p: PageRequest) -> Self {
        lw::PageRequest {
            limit: p.limit,
            after: p.after,
        }
    }
}

/// Declares a page record of `$item` rows converting from the core's `Page`.
macro_rules! page_record {
    ($(#[$meta:meta])* $name:ident of $item:ty) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, uniffi::Record)]
        pub struct $name {
            /// The rows, in the list's order.
            pub items: Vec<$item>,
            /// Where the next page starts (pass as `PageRequest.after`); absent on the last
            /// page. Opaque; it holds the last row's sort key, so keep it as private as the list.
            pub next: Option<String>,
        }

        impl<T> From<lw::Page<T>> for $name
        where
            $item: From<T>,
        {
            fn from(p: lw::Page<T>) -> Self {
                $name {
                    items: list(p.items),
                    next: p.next,
                }
            }
        }
    };
}

page_record!(
    /// A page of the caseload list.
    CaseloadPage of CaseloadEntry
);
page_record!(
    /// A page of the due list.
    DuePage of DueItem
);
page_record!(
    /// A page of a person's history.
    HistoryPage of HistoryEntry
);
