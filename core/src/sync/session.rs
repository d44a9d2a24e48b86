//! [`SyncSession`]: what one side remembers during one connection with one peer.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::sync;
use serde::Serialize;

use super::wire::{DocKey, Hello};
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

/// Which manifest this side has sent to the peer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ManifestSent {
    /// None yet.
    #[default]
    None,
    /// The documents changed since the last sync with this peer.
    Changed,
    /// Every shared document (the fallback when differences remain unexplained).
    Full,
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
///
/// Messages this side makes stay under [`SyncSession::max_message_bytes`] (1 MiB unless set):
/// a first sync of a large caseload takes several rounds, and each round's documents are
/// stored when they arrive, so an interrupted session loses nothing it received and the next
/// one does not send those documents again.
#[derive(Debug)]
pub struct SyncSession {
    pub(crate) peer: Option<Hello>,
    /// Who the peer proved to be on an authenticated channel (its verified certificate): its
    /// hello must say the same (`Store::sync_start_authenticated`).
    pub(crate) authenticated: Option<PeerInfo>,
    /// The verified certificate's display name and role code, recorded with the peer
    /// (`Store::peers`).
    pub(crate) certificate: Option<(String, String)>,
    /// The pairing grant and device key of a paired phone met on an authenticated channel, to
    /// record (or refuse, when another phone took the grant up) at its first message.
    pub(crate) pairing: Option<([u8; 16], [u8; 32])>,
    pub(crate) sent_hello: bool,
    /// This side connected (made the first message).
    pub(crate) initiator: bool,
    pub(crate) manifest_sent: ManifestSent,
    /// Erased people the peer mentioned (in a manifest or a payload): their tombstones are
    /// sent, at most [`super::wire::MAX_TOMBSTONES`] per message. Tombstones of people the peer
    /// never mentions are not sent: it has no reason to know them.
    pub(crate) tombstones_owed: BTreeSet<Id>,
    /// Tombstones already sent in this session.
    pub(crate) tombstones_sent: HashSet<Id>,
    /// Tags of documents sent whole in this session: the peer holds exactly those heads, so
    /// they are not offered again (as automerge messages) in later rounds unless they change.
    pub(crate) sent_whole: HashMap<DocKey, [u8; 8]>,
    /// The batch size this side keeps its messages under.
    pub(crate) max_message_bytes: usize,
    /// Messages (either way) that carried documents whole: exempt from [`MAX_MESSAGES`].
    pub(crate) batches: u32,
    /// Documents carried so far, both ways.
    pub(crate) docs_done: u64,
    /// What this side still had to send after its last message: (documents, bytes).
    pub(crate) own_pending: (u64, u64),
    /// What the peer said it still had to send after its last message.
    pub(crate) peer_pending: (u64, u64),
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
    /// Signatures and certificates in flight (ADR 0007, `sync::signed`).
    pub(crate) signing: super::signed::SessionSigning,
}

impl Default for SyncSession {
    fn default() -> Self {
        SyncSession {
            peer: None,
            authenticated: None,
            certificate: None,
            pairing: None,
            sent_hello: false,
            initiator: false,
            manifest_sent: ManifestSent::None,
            tombstones_owed: BTreeSet::new(),
            tombstones_sent: HashSet::new(),
            sent_whole: HashMap::new(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            batches: 0,
            docs_done: 0,
            own_pending: (0, 0),
            peer_pending: (0, 0),
            peer_full_manifest: false,
            peer_tags: None,
            peer_has: HashSet::new(),
            states: HashMap::new(),
            held: HashMap::new(),
            held_bytes: 0,
            generated: HashMap::new(),
            settled_tags: HashMap::new(),
            complete: false,
            changed: BTreeSet::new(),
            stats: SyncStats::default(),
            signing: super::signed::SessionSigning::default(),
        }
    }
}

impl SyncSession {
    /// Sets the size this side keeps each message it makes under (bytes; at least
    /// [`MIN_MAX_MESSAGE_BYTES`], and at most what a receiver accepts). A document larger than
    /// the bound still travels, alone in its message. Either side may set it at any time; it
    /// applies from the next message.
    pub fn set_max_message_bytes(&mut self, bytes: usize) {
        self.max_message_bytes = bytes.clamp(MIN_MAX_MESSAGE_BYTES, super::wire::MAX_MESSAGE_BYTES);
    }

    /// The size this side keeps each message it makes under (see
    /// [`SyncSession::set_max_message_bytes`]).
    pub fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }

    /// Documents and bytes exchanged so far, of the total both sides have announced.
    pub fn progress(&self) -> SyncProgress {
        let bytes_done = self.stats.bytes_sent + self.stats.bytes_received;
        let (pending_docs, pending_bytes) = if self.complete {
            (0, 0)
        } else {
            (
                self.own_pending.0 + self.peer_pending.0,
                self.own_pending.1 + self.peer_pending.1,
            )
        };
        SyncProgress {
            docs_done: self.docs_done,
            docs_total: self.docs_done + pending_docs,
            bytes_done,
            bytes_total: bytes_done + pending_bytes,
        }
    }

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
