//! [`SyncSession`]: what one side remembers during one connection with one peer. Its fields
//! belong to the engine (`sync::engine` and its modules); apps and stores see its methods.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::sync;

use crate::ids::Id;
use crate::sync::session::{
    PeerInfo, SyncProgress, SyncStats, DEFAULT_MAX_MESSAGE_BYTES, MIN_MAX_MESSAGE_BYTES,
};
use crate::sync::signed::SessionSigning;
use crate::sync::wire::{DocKey, Hello, MAX_MESSAGE_BYTES};

/// Which side of the connection this session is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Side {
    /// The side that listens: its first reply introduces it.
    #[default]
    Listening,
    /// The side that connected and made the first message (a hello and a digest, without the
    /// count of documents).
    Connecting,
}

/// Where the exchange stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Phase {
    /// Messages are still needed.
    #[default]
    Exchanging,
    /// This side has nothing more to send and believes both sides hold the same shared
    /// documents; a message from the peer or (live mode) a local edit reopens the session.
    Complete,
}

/// Which manifest this side has sent to the peer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ManifestSent {
    /// None yet.
    #[default]
    None,
    /// The documents changed since the last sync with this peer.
    Changed,
    /// Every shared document (the fallback when differences remain unexplained).
    Full,
}

/// The state of one sync connection with one peer. Create it with `Store::sync_start`
/// (the side that connects) or `Store::sync_accept` (the side that listens), then feed every
/// received message to `Store::sync_receive` and send back its reply. A team hub runs the same
/// engine over its own storage ([`crate::sync::engine`]).
///
/// Messages this side makes stay under [`SyncSession::max_message_bytes`] (1 MiB unless set):
/// a first sync of a large caseload takes several rounds, and each round's documents are
/// stored when they arrive, so an interrupted session loses nothing it received and the next
/// one does not send those documents again.
#[derive(Debug)]
pub struct SyncSession {
    pub(super) peer: Option<Hello>,
    /// Who the peer proved to be on an authenticated channel (its verified certificate): its
    /// hello must say the same (`Store::sync_start_authenticated`).
    pub(super) authenticated: Option<PeerInfo>,
    /// The verified certificate's display name and role code, recorded with the peer
    /// (`Store::peers`).
    pub(super) certificate: Option<(String, String)>,
    /// The pairing grant and device key of a paired phone met on an authenticated channel, to
    /// record (or refuse, when another phone took the grant up) at its first message.
    pub(super) pairing: Option<([u8; 16], [u8; 32])>,
    pub(super) side: Side,
    pub(super) phase: Phase,
    pub(super) manifest_sent: ManifestSent,
    /// Erased people the peer mentioned (in a manifest or a payload): their tombstones are
    /// sent, at most [`crate::sync::wire::MAX_TOMBSTONES`] per message. Tombstones of people
    /// the peer never mentions are not sent: it has no reason to know them.
    pub(super) tombstones_owed: BTreeSet<Id>,
    /// Tombstones already sent in this session.
    pub(super) tombstones_sent: HashSet<Id>,
    /// Tags of documents sent whole in this session: the peer holds exactly those heads, so
    /// they are not offered again (as automerge messages) in later rounds unless they change.
    pub(super) sent_whole: HashMap<DocKey, [u8; 8]>,
    /// The batch size this side keeps its messages under.
    pub(super) max_message_bytes: usize,
    /// Messages (either way) that carried documents whole: exempt from
    /// [`crate::sync::session::MAX_MESSAGES`].
    pub(super) batches: u32,
    /// Documents carried so far, both ways.
    pub(super) docs_done: u64,
    /// What this side still had to send after its last message: (documents, bytes).
    pub(super) own_pending: (u64, u64),
    /// What the peer said it still had to send after its last message.
    pub(super) peer_pending: (u64, u64),
    /// The peer sent a full manifest: only it and what was exchanged since say what the peer has.
    pub(super) peer_full_manifest: bool,
    /// The peer's manifest tags, once received.
    pub(super) peer_tags: Option<HashMap<DocKey, [u8; 8]>>,
    /// Documents the peer holds (from persisted sync state, its manifests and what was
    /// exchanged since).
    pub(super) peer_has: HashSet<DocKey>,
    /// automerge sync states of documents being exchanged in this session.
    pub(super) states: HashMap<DocKey, sync::State>,
    /// Changes received for a document that automerge could not apply yet because a
    /// dependency has not arrived (it queues them inside the document), kept as the change
    /// chunks of the sync messages that brought them, for as long as the document's queue is
    /// not empty.
    ///
    /// Why here, and why changes rather than documents: automerge keeps its queue only in the
    /// in-memory document, and a store's document cache is small and shared (64 documents,
    /// least recently used out), so a session exchanging more documents than that evicted the
    /// document with its queue. The peer does not resend what it remembers sending, so the
    /// document asked for the lost change again, received it, queued it and lost it again, and
    /// the session never converged. Holding the exchanged documents themselves for the
    /// session's lifetime would cost a loaded document per exchanged document (thousands with a
    /// large caseload); the changes waiting for a dependency are few and small (a Bloom filter
    /// false positive makes the peer skip a dependency now and then), so the session keeps
    /// only those and feeds them back to the document before applying or answering the next
    /// message for it, whatever the cache did in between. Bounded by
    /// [`crate::sync::session::MAX_HELD_BYTES`].
    pub(super) held: HashMap<DocKey, Vec<Vec<u8>>>,
    /// Total bytes in `held`.
    pub(super) held_bytes: usize,
    /// For each document automerge last answered for (with or without a message), the tag of
    /// its heads then. Removed when the peer sends anything for the document: until then,
    /// at the same heads automerge has nothing to add, so the document is not loaded to ask.
    pub(super) generated: HashMap<DocKey, [u8; 8]>,
    /// Tags of the shared documents when the session last completed (for live polling).
    pub(super) settled_tags: HashMap<DocKey, [u8; 8]>,
    pub(super) changed: BTreeSet<Id>,
    pub(super) stats: SyncStats,
    /// Signatures and certificates in flight (ADR 0007, `sync::signed`).
    pub(super) signing: SessionSigning,
    /// A device: the hub's "drop your copy" requests it honoured (or had nothing to drop for),
    /// acknowledged in its next message (`engine::drops`).
    pub(super) drops_to_ack: BTreeSet<Id>,
    /// A hub: whether it asked again, in a closing message, for drops still pending once both
    /// sides were in sync (asked once per exchange, so a device that cannot drop yet does not
    /// loop).
    pub(super) drops_asked_in_sync: bool,
    /// A hub in live mode: the people whose drop a round it started ([`super::poll`]) asked
    /// for, so that a pending drop starts one round, not one per poll.
    pub(super) drops_polled: BTreeSet<Id>,
}

impl Default for SyncSession {
    fn default() -> Self {
        SyncSession {
            peer: None,
            authenticated: None,
            certificate: None,
            pairing: None,
            side: Side::Listening,
            phase: Phase::Exchanging,
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
            changed: BTreeSet::new(),
            stats: SyncStats::default(),
            signing: SessionSigning::default(),
            drops_to_ack: BTreeSet::new(),
            drops_asked_in_sync: false,
            drops_polled: BTreeSet::new(),
        }
    }
}

impl SyncSession {
    /// Sets the size this side keeps each message it makes under (bytes; at least
    /// [`MIN_MAX_MESSAGE_BYTES`], and at most what a receiver accepts). A document larger than
    /// the bound still travels, alone in its message. Either side may set it at any time; it
    /// applies from the next message.
    pub fn set_max_message_bytes(&mut self, bytes: usize) {
        self.max_message_bytes = bytes.clamp(MIN_MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
    }

    /// The size this side keeps each message it makes under (see
    /// [`SyncSession::set_max_message_bytes`]).
    pub fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }

    /// Documents and bytes exchanged so far, of the total both sides have announced.
    pub fn progress(&self) -> SyncProgress {
        let bytes_done = self.stats.bytes_sent + self.stats.bytes_received;
        let (pending_docs, pending_bytes) = match self.phase {
            Phase::Complete => (0, 0),
            Phase::Exchanging => (
                self.own_pending.0 + self.peer_pending.0,
                self.own_pending.1 + self.peer_pending.1,
            ),
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

    /// Whether the session has completed (see [`crate::SyncStep::complete`]).
    pub fn is_complete(&self) -> bool {
        self.phase == Phase::Complete
    }

    /// The pairing grant (grant id) the peer's verified certificate takes up, while it is
    /// still to be recorded or refused at the peer's first message (a paired phone met on an
    /// authenticated channel, [`super::accept_authenticated`]); `None` otherwise. What a team
    /// hub reads the redemption row of before that message's step.
    pub fn pending_grant(&self) -> Option<[u8; 16]> {
        self.pairing.map(|(grant, _)| grant)
    }

    /// Message and byte counts so far.
    pub fn stats(&self) -> SyncStats {
        self.stats
    }

    /// Every person whose documents changed on this side during the session.
    pub fn changed_people(&self) -> Vec<Id> {
        self.changed.iter().copied().collect()
    }

    /// Binds the session to the peer an authenticated channel proved (its verified
    /// certificate): the peer's hello must say the same. `certificate` is the certificate's
    /// display name and role code, recorded with the peer.
    pub(crate) fn authenticate(
        &mut self,
        proven: Option<PeerInfo>,
        certificate: Option<(String, String)>,
    ) {
        self.authenticated = proven;
        self.certificate = certificate;
    }
}
