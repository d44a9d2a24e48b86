//! [`SyncSession`]: what one side remembers during one connection with one peer.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::sync;
use serde::Serialize;

use super::wire::{DocKey, Hello};
use crate::ids::Id;
use crate::model::Role;

/// The most messages one session may exchange before it is abandoned as not converging.
pub(crate) const MAX_MESSAGES: u32 = 200;

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

/// The state of one sync connection with one peer. Create it with `Store::sync_start`
/// (the side that connects) or `Store::sync_accept` (the side that listens), then feed every
/// received message to `Store::sync_receive` and send back its reply.
#[derive(Debug, Default)]
pub struct SyncSession {
    pub(crate) peer: Option<Hello>,
    /// Who the peer proved to be on an authenticated channel (its verified certificate): its
    /// hello must say the same (`Store::sync_start_authenticated`).
    pub(crate) authenticated: Option<PeerInfo>,
    pub(crate) sent_hello: bool,
    /// This side connected (made the first message).
    pub(crate) initiator: bool,
    /// 0: no manifest sent yet; 1: the changed-since-last-sync manifest; 2: the full one.
    pub(crate) manifest_level: u8,
    pub(crate) sent_tombstones: bool,
    /// The peer sent a full manifest: only it and what was exchanged since say what the peer has.
    pub(crate) peer_full_manifest: bool,
    /// The peer's manifest tags, once received.
    pub(crate) peer_tags: Option<HashMap<DocKey, [u8; 8]>>,
    /// Documents the peer holds (from persisted sync state, its manifests and what was
    /// exchanged since).
    pub(crate) peer_has: HashSet<DocKey>,
    /// automerge sync states of documents being exchanged in this session.
    pub(crate) states: HashMap<DocKey, sync::State>,
    /// Changes received for a document that automerge could not apply yet because a
    /// dependency has not arrived (it queues them inside the document), kept as the change
    /// chunks of the sync messages that brought them, for as long as the document's queue is
    /// not empty.
    ///
    /// Why here, and why changes rather than documents: automerge keeps its queue only in the
    /// in-memory document, and the writer's document cache is small and shared (64 documents,
    /// least recently used out), so a session exchanging more documents than that evicted the
    /// document with its queue. The peer does not resend what it remembers sending, so the
    /// document asked for the lost change again, received it, queued it and lost it again, and
    /// the session never converged. Holding the exchanged documents themselves for the
    /// session's lifetime would cost a loaded document per exchanged document (thousands with a
    /// large caseload); the changes waiting for a dependency are few and small (a Bloom filter
    /// false positive makes the peer skip a dependency now and then), so the session keeps
    /// only those and feeds them back to the document before applying or answering the next
    /// message for it, whatever the cache did in between. Bounded by [`MAX_HELD_BYTES`].
    pub(crate) held: HashMap<DocKey, Vec<Vec<u8>>>,
    /// Total bytes in `held`.
    pub(crate) held_bytes: usize,
    /// For each document automerge last answered for (with or without a message), the tag of
    /// its heads then. Removed when the peer sends anything for the document: until then,
    /// at the same heads automerge has nothing to add, so the document is not loaded to ask.
    pub(crate) generated: HashMap<DocKey, [u8; 8]>,
    /// Tags of the shared documents when the session last completed (for live polling).
    pub(crate) settled_tags: HashMap<DocKey, [u8; 8]>,
    pub(crate) complete: bool,
    pub(crate) changed: BTreeSet<Id>,
    pub(crate) stats: SyncStats,
}

impl SyncSession {
    /// Who the peer is, once its first message arrived.
    pub fn peer(&self) -> Option<PeerInfo> {
        self.peer.as_ref().map(|h| PeerInfo {
            store_id: h.store_id,
            role: h.role,
            person: h.person,
        })
    }

    /// Whether the session has completed (see [`SyncStep::complete`]).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Message and byte counts so far.
    pub fn stats(&self) -> SyncStats {
        self.stats
    }

    /// Every person whose documents changed on this side during the session.
    pub fn changed_people(&self) -> Vec<Id> {
        self.changed.iter().copied().collect()
    }
}
