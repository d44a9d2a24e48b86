//! What an app sees of a sync session: its counts, progress, peer and steps, and the bounds
//! every session keeps. [`SyncSession`] itself is the engine's (`sync::engine`).

use serde::Serialize;

pub use super::engine::SyncSession;
use crate::ids::Id;
use crate::model::Role;

/// The most messages one session may exchange before it is abandoned as not converging, not
/// counting messages that brought documents new to their receiver (a first sync in batches of
/// [`DEFAULT_MAX_MESSAGE_BYTES`] takes one round per batch, and each document travels whole at
/// most once per session, so those rounds are finite).
pub(crate) const MAX_MESSAGES: u32 = 200;

/// The size a sender keeps each message under by default: 1 MiB. Documents beyond it wait for
/// the next round; one document larger than the bound travels alone.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// The smallest batch size a session accepts (smaller settings are raised to it).
pub const MIN_MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// The most bytes of held changes (see [`SyncSession`]'s `held`) one session keeps before it is
/// abandoned (retryable): a peer cannot make a session grow without bound by sending changes
/// whose dependencies never come.
pub(crate) const MAX_HELD_BYTES: usize = 32 * 1024 * 1024;

/// Byte and message counts of a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncStats {
    /// Messages this side produced.
    pub messages_sent: u32,
    /// Messages this side received.
    pub messages_received: u32,
    /// Bytes this side produced.
    pub bytes_sent: u64,
    /// Bytes this side received.
    pub bytes_received: u64,
}

impl SyncStats {
    /// Round trips so far (a round trip is one message each way; an unanswered last message
    /// counts as half, rounded up).
    pub fn round_trips(&self) -> u32 {
        (self.messages_sent + self.messages_received).div_ceil(2)
    }
}

/// How far a session has got, for a progress bar: documents and bytes exchanged so far, of the
/// total both sides have announced. Totals grow when a side learns of more to send (the first
/// rounds exchange manifests) and equal the done counts once the session completes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncProgress {
    /// Documents carried so far, both ways (a document sent whole or as an automerge message).
    pub docs_done: u64,
    /// `docs_done` plus the documents both sides said they still have to send.
    pub docs_total: u64,
    /// Message bytes exchanged so far, both ways.
    pub bytes_done: u64,
    /// `bytes_done` plus the bytes of whole documents both sides still have to send (automerge
    /// sync messages are counted once made, so this can grow by a little near the end).
    pub bytes_total: u64,
}

impl SyncProgress {
    /// Fraction done from 0.0 to 1.0 (by bytes, which dominate the time on a slow link).
    pub fn fraction(&self) -> f64 {
        if self.bytes_total == 0 {
            return 1.0;
        }
        (self.bytes_done as f64 / self.bytes_total as f64).min(1.0)
    }
}

/// Who the peer said it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeerInfo {
    /// The peer store's id.
    pub store_id: Id,
    /// The peer's role.
    pub role: Role,
    /// On a patient peer, its person.
    pub person: Option<Id>,
}

/// What one received message led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStep {
    /// Bytes to send to the peer, if any.
    pub reply: Option<Vec<u8>>,
    /// People whose documents changed on this store by this message.
    pub changed_people: Vec<Id>,
    /// Whether this side has nothing more to send and believes both sides hold the same
    /// shared documents. A later message from the peer (or a local edit in live mode) may
    /// reopen the session.
    pub complete: bool,
}
