//! Sync and erasure: what one received message led to, a session's counts, who the peer is,
//! erased people, and fields that devices set concurrently (conflicts).
//!
//! Mirrored here: core's session records live in `sync/session.rs`, which another change is
//! rewriting; `SyncStats` adds `round_trips` and `SyncProgress` adds `fraction`, computed for
//! the app. Conflicts are core's own types.

use std::time::SystemTime;

use crate::convert::{to_i32, to_i64};

use super::*;

/// What one received sync message led to (see `SyncSession.receive`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncStep {
    /// Bytes to send to the peer, or `null`/`nil` when this side has nothing to send.
    pub reply: Option<Vec<u8>>,
    /// Ids of the people whose documents changed on this store by this message (listeners
    /// were told too); refresh what shows them.
    pub changed_person_ids: Vec<String>,
    /// This side has nothing more to send and believes both sides hold the same shared
    /// documents. The session is finished when `complete` and `reply` is absent; a later
    /// message from the peer (or a local edit in live mode) may reopen it.
    pub complete: bool,
}

impl From<linkwork_core::SyncStep> for SyncStep {
    fn from(s: linkwork_core::SyncStep) -> Self {
        SyncStep {
            reply: s.reply,
            changed_person_ids: s.changed_people.iter().map(ToString::to_string).collect(),
            complete: s.complete,
        }
    }
}

/// Message and byte counts of a sync session, this side's view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncStats {
    /// Messages this side produced.
    pub messages_sent: i32,
    /// Messages this side received.
    pub messages_received: i32,
    /// Bytes this side produced.
    pub bytes_sent: i64,
    /// Bytes this side received.
    pub bytes_received: i64,
    /// Round trips so far: one message each way; an unanswered last message counts as half,
    /// rounded up. Reconnecting with nothing to exchange costs one.
    pub round_trips: i32,
}

impl From<linkwork_core::SyncStats> for SyncStats {
    fn from(s: linkwork_core::SyncStats) -> Self {
        SyncStats {
            messages_sent: to_i32(s.messages_sent),
            messages_received: to_i32(s.messages_received),
            bytes_sent: to_i64(s.bytes_sent),
            bytes_received: to_i64(s.bytes_received),
            round_trips: to_i32(s.round_trips()),
        }
    }
}

/// How far a sync session has got, for a progress bar (see `SyncSession.progress`): documents
/// and bytes exchanged so far, both ways, of the total both sides have announced. Totals grow
/// while the first rounds exchange what each side holds, and equal the done counts once the
/// session completes.
#[derive(Clone, Copy, Debug, Default, PartialEq, uniffi::Record)]
pub struct SyncProgress {
    /// Documents carried so far, both ways.
    pub docs_done: i64,
    /// `docs_done` plus the documents both sides said they still have to send.
    pub docs_total: i64,
    /// Message bytes exchanged so far, both ways.
    pub bytes_done: i64,
    /// `bytes_done` plus the bytes of whole documents both sides still have to send.
    pub bytes_total: i64,
    /// Done from 0.0 to 1.0, by bytes (what takes the time on a slow link).
    pub fraction: f64,
}

impl From<linkwork_core::SyncProgress> for SyncProgress {
    fn from(p: linkwork_core::SyncProgress) -> Self {
        SyncProgress {
            docs_done: to_i64(p.docs_done),
            docs_total: to_i64(p.docs_total),
            bytes_done: to_i64(p.bytes_done),
            bytes_total: to_i64(p.bytes_total),
            fraction: p.fraction(),
        }
    }
}

/// Who the peer of a sync session says it is (from its first message). A claim, not a proof:
/// the transport must authenticate the peer (see `docs/sync.md`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PeerInfo {
    /// The peer store's id.
    pub store_id: String,
    /// The peer's role.
    pub role: Role,
    /// On a patient peer, the person its store belongs to.
    pub person_id: Option<String>,
}

impl From<linkwork_core::PeerInfo> for PeerInfo {
    fn from(p: linkwork_core::PeerInfo) -> Self {
        PeerInfo {
            store_id: p.store_id.to_string(),
            role: p.role,
            person_id: p.person.map(|p| p.to_string()),
        }
    }
}

/// A person erased on this store or by a peer (a tombstone: their documents are gone and are
/// never accepted again).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ErasedPerson {
    /// The erased person's id.
    pub person_id: String,
    /// When they were erased (the erasing device's clock).
    pub erased_at: SystemTime,
}
