//! The sync engine: every protocol decision of a session (the digest, manifests and tags, held
//! changes, completion, batching, the share policy, the checks of signatures and tombstones),
//! without I/O. It reads and writes through a small storage trait, [`SyncStorage`], that a
//! store implements over its own database: the phone's SQLite store (`store/sync_ops.rs`) and
//! the team hub's storage run the same code. Bytes come in, bytes go out; the caller owns the
//! transport, and the transaction each step runs in.
//!
//! Each step ([`start`], [`receive`], [`poll`]) is meant to run inside one storage
//! transaction: the caller commits when it returns `Ok` and rolls back otherwise, so a received
//! message is stored whole or not at all, with the per-peer sync state and tombstones it led
//! to.

mod apply;
mod drops;
mod fill;
mod reply;
mod session;

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::sync;
use automerge::Automerge;
use chrono::{DateTime, Utc};

pub use session::SyncSession;

use self::session::{Phase, Side};
use super::digest;
use super::session::PeerInfo;
use super::wire::{Message, Payload};
use crate::doc::received::Content;
use crate::error::{Error, Result};
use crate::identity::signing::SignerCheck;
use crate::identity::{ChangeSignature, PublicKey, Refusal, RevocationList, TrustRoot};
use crate::ids::Id;
use crate::model::{CaseRecord, Plan, StoreInfo};

pub use super::wire::{DocKey, Hello};

/// What the engine needs of a store's storage. Every method runs inside the transaction of the
/// current step (see the module's documentation); writes become visible to the peer's next
/// session only once the caller commits.
///
/// Documents are automerge documents keyed by person and kind; heads are encoded as the
/// concatenation of the sorted 32-byte change hashes. Signatures and certificates are stored
/// as they came (ADR 0007).
pub trait SyncStorage {
    /// Who this store is: its store id, role and (a patient's store) person.
    fn info(&self) -> &StoreInfo;

    /// This store's trust root and revocation list, `None` when it is not enrolled (an
    /// unenrolled store checks signatures that come but cannot check their signers).
    ///
    /// # Errors
    /// Storage errors.
    fn trust(&mut self) -> Result<Option<Trust>>;

    /// Whether this store holds a certificate of its organisation (an enrolled store sends no
    /// tombstone recorded unsigned).
    ///
    /// # Errors
    /// Storage errors.
    fn is_enrolled(&mut self) -> Result<bool>;

    /// Whether the storage's own access rules (a hub's caseloads) let `peer` see and send the
    /// documents of `person`. The share policy by role applies on top, whatever this says.
    /// A device's store has no rules of its own: the default says yes.
    ///
    /// # Errors
    /// Storage errors.
    fn may_share(&mut self, peer: &Hello, person: Id) -> Result<bool> {
        let _ = (peer, person);
        Ok(true)
    }

    /// Whether this storage is a team hub's: a hub sends "drop your copy" requests and takes
    /// devices' acknowledgements; a device's store takes requests from its verified hub only.
    fn is_hub(&self) -> bool {
        false
    }

    /// The people `peer` holds (this storage has sync state with it for them) that its access
    /// no longer covers (moved out of its caseload): each message to it asks it to drop its
    /// copy until it acknowledges ([`SyncStorage::copy_dropped`]). Until then [`may_share`]
    /// must still say yes for them, so that the device's unsynced changes reach this storage
    /// before it drops. A device's store has none.
    ///
    /// [`may_share`]: SyncStorage::may_share
    ///
    /// # Errors
    /// Storage errors.
    fn drops_for(&mut self, peer: &Hello) -> Result<Vec<Id>> {
        let _ = peer;
        Ok(Vec::new())
    }

    /// `peer` acknowledged dropping its copy of `person` (one of [`SyncStorage::drops_for`]):
    /// forget what was shared with it, so the person is neither offered to it nor asked again.
    ///
    /// # Errors
    /// Storage errors.
    fn copy_dropped(&mut self, peer: &Hello, person: Id) -> Result<()> {
        let _ = (peer, person);
        Ok(())
    }

    /// Deletes this device's copy of `person` at its hub's request: their documents, changes,
    /// change signatures, sync states and projections, and nothing else (no tombstone: the
    /// record is not erased, this device just stops holding it). Storages that never hold a
    /// copy for a hub refuse.
    ///
    /// # Errors
    /// [`Error::NotPermitted`] by default; storage errors.
    fn drop_copy(&mut self, person: Id) -> Result<()> {
        let _ = person;
        Err(Error::NotPermitted {
            action: "drop a person's copy on this storage",
        })
    }

    /// Every stored document with its encoded heads, ordered by person id, then kind code (a
    /// person's documents are adjacent: batches keep a person whole).
    ///
    /// # Errors
    /// Storage errors.
    fn heads(&mut self) -> Result<Vec<(DocKey, Vec<u8>)>>;

    /// Every tombstone: `(person, erased at in Unix milliseconds)`, ordered by person.
    ///
    /// # Errors
    /// Storage errors.
    fn tombstones(&mut self) -> Result<Vec<(Id, i64)>>;

    /// Whether `person` was erased here.
    ///
    /// # Errors
    /// Storage errors.
    fn is_erased(&mut self, person: Id) -> Result<bool>;

    /// Whether any document of `person` is stored.
    ///
    /// # Errors
    /// Storage errors.
    fn has_person(&mut self, person: Id) -> Result<bool>;

    /// A document's bytes as stored (loadable as one document), `None` when it is not stored.
    ///
    /// # Errors
    /// Storage errors.
    fn saved_bytes(&mut self, key: DocKey) -> Result<Option<Vec<u8>>>;

    /// The stored size in bytes of every document.
    ///
    /// # Errors
    /// Storage errors.
    fn saved_sizes(&mut self) -> Result<HashMap<DocKey, u64>>;

    /// The stored document `key`, loaded (and kept loaded while convenient), `None` when it is
    /// not stored.
    ///
    /// # Errors
    /// Storage errors.
    fn document(&mut self, key: DocKey) -> Result<Option<&Automerge>>;

    /// The stored document `key`, loaded and handed over: the engine gives it back with
    /// [`SyncStorage::store_changes`] or drops it (nothing loaded may run ahead of storage).
    ///
    /// # Errors
    /// Storage errors.
    fn take_document(&mut self, key: DocKey) -> Result<Option<Automerge>>;

    /// Stores a document new to this store as it came (`bytes`, from which `doc` was loaded
    /// and validated), with whatever the storage derives from it.
    ///
    /// # Errors
    /// Storage errors.
    fn insert_document(&mut self, key: DocKey, bytes: &[u8], doc: &Automerge) -> Result<()>;

    /// Appends `changes` (automerge's `save_after` the previous heads) to the stored document
    /// `key`, whose new state is `doc`, with whatever the storage derives from it.
    ///
    /// # Errors
    /// Storage errors.
    fn store_changes(&mut self, key: DocKey, changes: &[u8], doc: Automerge) -> Result<()>;

    /// After a message changed documents of `person`: their new content (`None` for a
    /// document the message did not change), for what the storage derives from people (a
    /// phone's projections). Called once per person and message.
    ///
    /// # Errors
    /// Storage errors; schema errors reading the other document.
    fn person_changed(
        &mut self,
        person: Id,
        plan: Option<Plan>,
        case: Option<CaseRecord>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Erases `person` (every document, change, sync state and signature) and records their
    /// tombstone, with its signature when it has one.
    ///
    /// # Errors
    /// Storage errors.
    fn erase(
        &mut self,
        person: Id,
        at: DateTime<Utc>,
        signature: Option<&crate::identity::TombstoneSignature>,
    ) -> Result<()>;

    /// The persisted automerge sync state of `key` with `peer`.
    ///
    /// # Errors
    /// Storage errors.
    fn load_state(&mut self, peer: Id, key: DocKey) -> Result<Option<Vec<u8>>>;

    /// Every persisted sync state with `peer`.
    ///
    /// # Errors
    /// Storage errors.
    fn peer_states(&mut self, peer: Id) -> Result<Vec<(DocKey, Vec<u8>)>>;

    /// Saves the automerge sync state of `key` with `peer`.
    ///
    /// # Errors
    /// Storage errors.
    fn save_state(&mut self, peer: Id, key: DocKey, state: &[u8]) -> Result<()>;

    /// Records that a message from `peer` was applied at `at`, with the display name and role
    /// code of its verified certificate when the session was authenticated.
    ///
    /// # Errors
    /// Storage errors.
    fn record_peer(
        &mut self,
        peer: &Hello,
        certificate: Option<&(String, String)>,
        at: DateTime<Utc>,
    ) -> Result<()>;

    /// A stored certificate by device key.
    ///
    /// # Errors
    /// Storage errors.
    fn certificate(&mut self, device: &PublicKey) -> Result<Option<Vec<u8>>>;

    /// Records that `device` took up the pairing grant `grant` unless a device did already,
    /// and returns the device that holds the grant (`device` itself, or the one recorded
    /// first). Use [`redeem`], which refuses a second device.
    ///
    /// # Errors
    /// Storage errors.
    fn redeem_grant(&mut self, grant: &[u8; 16], device: &[u8; 32]) -> Result<[u8; 32]>;

    /// Keeps a verified certificate.
    ///
    /// # Errors
    /// Storage errors.
    fn put_certificate(&mut self, device: &PublicKey, bytes: &[u8]) -> Result<()>;

    /// Keeps the accepted signature of a change of `key`.
    ///
    /// # Errors
    /// Storage errors.
    fn put_signature(&mut self, key: DocKey, signature: &ChangeSignature) -> Result<()>;

    /// The stored signature of the change with `hash` of the document `key`.
    ///
    /// # Errors
    /// Storage errors.
    fn signature(&mut self, key: DocKey, hash: &[u8; 32]) -> Result<Option<ChangeSignature>>;

    /// The stored signatures of every change of `key`.
    ///
    /// # Errors
    /// Storage errors.
    fn document_signatures(&mut self, key: DocKey) -> Result<Vec<ChangeSignature>>;

    /// How many change signatures of `key` are stored.
    ///
    /// # Errors
    /// Storage errors.
    fn signature_count(&mut self, key: DocKey) -> Result<usize>;

    /// The stored signature of every signed tombstone.
    ///
    /// # Errors
    /// Storage errors.
    fn tombstone_signatures(&mut self) -> Result<HashMap<Id, crate::identity::TombstoneSignature>>;
}

/// A store's trust, for checking received signers: its organisation's root and revocation
/// list.
#[derive(Clone, Debug)]
pub struct Trust {
    root: TrustRoot,
    revoked: Option<RevocationList>,
}

impl Trust {
    /// The trust of a store enrolled under `root`, with the latest revocation list it holds.
    pub fn new(root: TrustRoot, revoked: Option<RevocationList>) -> Self {
        Trust { root, revoked }
    }

    /// The check of signers for a message from a peer whose verified certificate (if any) is
    /// a link worker's (`relay_attests`).
    pub(crate) fn check(&self, relay_attests: bool) -> SignerCheck<'_> {
        SignerCheck {
            root: &self.root,
            revoked: self.revoked.as_ref(),
            now: Utc::now().timestamp(),
            relay_attests,
        }
    }
}

/// What one received message led to, before the caller commits.
#[derive(Debug)]
pub struct Received {
    /// Bytes to send to the peer, if any.
    pub reply: Option<Vec<u8>>,
    /// People whose documents changed (or were erased) by this message.
    pub changed: BTreeSet<Id>,
    /// Whether the session has completed (see [`crate::SyncStep::complete`]).
    pub complete: bool,
    /// The documents whose new changes (or the whole document, new here) this message stored,
    /// in message order: what a hub audits as received.
    pub stored: Vec<DocKey>,
    /// The documents the reply carries (whole or as automerge sync messages), in message
    /// order: what a hub audits as sent.
    pub sent: Vec<DocKey>,
    /// On a device: the people whose copy it dropped at its hub's request. On a hub: the
    /// people the device acknowledged dropping (what a hub audits as `copy-dropped`).
    pub dropped: Vec<Id>,
}

/// A message this side makes on its own (live mode, [`poll`]).
#[derive(Debug)]
pub struct Outgoing {
    /// Bytes to send to the peer.
    pub bytes: Vec<u8>,
    /// The documents it carries, in message order.
    pub sent: Vec<DocKey>,
}

/// The documents and tombstones two stores share, as this side sees them.
pub(super) struct Scope {
    docs: Vec<(DocKey, Vec<u8>)>,
    tombstones: Vec<(Id, i64)>,
    /// Documents whose heads differ from those last known shared with the peer (or that were
    /// never synced with it).
    dirty: HashSet<DocKey>,
    /// Documents the peer held at the end of an earlier session.
    synced_before: HashSet<DocKey>,
}

impl Scope {
    /// The shared scope toward `peer` (or, before the peer is known, everything this store
    /// holds).
    fn of(storage: &mut impl SyncStorage, peer: Option<&Hello>) -> Result<Scope> {
        let local = storage.info().clone();
        let mut docs = Vec::new();
        let mut allowed: HashMap<Id, bool> = HashMap::new();
        for (key, heads) in storage.heads()? {
            if let Some(h) = peer {
                if !super::policy::in_scope(&local, h, key)
                    || !may_share(storage, &mut allowed, h, key.0)?
                {
                    continue;
                }
            }
            docs.push((key, heads));
        }
        let mut tombstones = Vec::new();
        for (p, at) in storage.tombstones()? {
            if let Some(h) = peer {
                if !super::policy::tombstone_in_scope(&local, h, p)
                    || !may_share(storage, &mut allowed, h, p)?
                {
                    continue;
                }
            }
            tombstones.push((p, at));
        }
        let mut shared: HashMap<DocKey, Vec<u8>> = HashMap::new();
        if let Some(h) = peer {
            for (key, state) in storage.peer_states(h.store_id)? {
                if let Ok(state) = sync::State::decode(&state) {
                    let mut heads = state.shared_heads;
                    heads.sort();
                    shared.insert(key, heads.iter().flat_map(|h| h.0).collect());
                }
            }
        }
        let dirty = docs
            .iter()
            .filter(|(k, h)| shared.get(k) != Some(h))
            .map(|(k, _)| *k)
            .collect();
        let synced_before = shared.keys().copied().collect();
        Ok(Scope {
            docs,
            tombstones,
            dirty,
            synced_before,
        })
    }

    fn digest(&self) -> [u8; 32] {
        digest::digest(self.docs.iter().map(|(k, h)| (k, h.as_slice())))
    }

    fn tags(&self) -> HashMap<DocKey, [u8; 8]> {
        self.docs
            .iter()
            .map(|(k, h)| (*k, digest::tag(h)))
            .collect()
    }
}

/// [`SyncStorage::may_share`], asked once per person.
fn may_share(
    storage: &mut impl SyncStorage,
    asked: &mut HashMap<Id, bool>,
    peer: &Hello,
    person: Id,
) -> Result<bool> {
    if let Some(answer) = asked.get(&person) {
        return Ok(*answer);
    }
    let answer = storage.may_share(peer, person)?;
    asked.insert(person, answer);
    Ok(answer)
}

/// This store's hello.
fn hello(info: &StoreInfo) -> Hello {
    Hello {
        store_id: info.store_id,
        role: info.role,
        person: info.person,
    }
}

/// Starts a session as the side that connects: the session and the first message, a hello and
/// a digest of everything this store holds, so a peer that already has the same answers at
/// once.
///
/// # Errors
/// Storage errors.
pub fn start(storage: &mut impl SyncStorage) -> Result<(SyncSession, Vec<u8>)> {
    let mut s = SyncSession {
        side: Side::Connecting,
        ..SyncSession::default()
    };
    let scope = Scope::of(storage, None)?;
    // The count is left out (0): the peer is not known yet, and a patient's phone must not
    // learn how large this caseload is. The digest alone reveals nothing.
    let msg = Message {
        hello: Some(hello(storage.info())),
        digest: scope.digest(),
        ..Message::default()
    };
    let bytes = reply::encode(&mut s, &msg);
    Ok((s, bytes))
}

/// A session for the side that listens: feed it the connecting side's first message.
pub fn accept() -> SyncSession {
    SyncSession::default()
}

/// [`accept`] for a peer met on an authenticated channel: its hello must match its verified
/// certificate (store id, role, person), or the session is refused; the certificate's name and
/// role are recorded with the peer.
///
/// A patient's phone whose pairing grant another phone took up first is refused at its first
/// message, before anything is sent to it ([`Refusal::GrantUsed`]); the first phone seen with
/// a grant is recorded as its holder.
pub fn accept_authenticated(peer: &crate::identity::Peer) -> SyncSession {
    let mut s = accept();
    s.authenticate(peer.peer_info(), certificate_of(peer));
    s.pairing = pairing_of(peer);
    s
}

/// Binds a session started before its peer proved itself ([`start`], on the connecting side of
/// a channel whose responder shows its certificate last: the hub's) to that peer's verified
/// identity, before any of its sync messages is applied; its hello must then match it. For a
/// peer that takes up no pairing grant (a hub; [`pairing_of`] is `None`): a paired peer goes
/// through `Store::sync_start_authenticated`, which records the grant.
pub(crate) fn bind_peer(s: &mut SyncSession, peer: &crate::identity::Peer) {
    s.authenticate(peer.peer_info(), certificate_of(peer));
}

/// The pairing grant a peer's verified certificate takes up, and the peer's device key (a
/// patient's phone paired by a link worker's device).
pub(crate) fn pairing_of(peer: &crate::identity::Peer) -> Option<([u8; 16], [u8; 32])> {
    match peer {
        crate::identity::Peer::Verified(cert) => match &cert.issuer {
            crate::identity::Issuer::Pairing(grant) => {
                Some((grant.grant_id, *cert.device.as_bytes()))
            }
            crate::identity::Issuer::Organisation => None,
        },
        crate::identity::Peer::Unenrolled => None,
    }
}

/// Records `device` as the holder of pairing grant `grant` unless another device took it up
/// first, which is refused: a pairing offer enrols one phone.
///
/// # Errors
/// [`Error::Untrusted`] with [`Refusal::GrantUsed`]; storage errors.
pub fn redeem(storage: &mut impl SyncStorage, grant: &[u8; 16], device: &[u8; 32]) -> Result<()> {
    if storage.redeem_grant(grant, device)? != *device {
        return Err(Refusal::GrantUsed.into());
    }
    Ok(())
}

/// Keeps a verified certificate that travelled with signed changes or a tombstone, recording
/// the grant a paired phone's certificate took up: a second phone of the grant is refused by
/// every store the first one's certificate reached.
///
/// # Errors
/// As [`redeem`]; [`Error::Untrusted`] for bytes that are not a certificate; storage errors.
pub(crate) fn keep_certificate(
    storage: &mut impl SyncStorage,
    device: &PublicKey,
    bytes: &[u8],
) -> Result<()> {
    let cert = crate::identity::Certificate::decode(bytes)?;
    if let crate::identity::Issuer::Pairing(grant) = &cert.issuer {
        redeem(storage, &grant.grant_id, cert.device.as_bytes())?;
    }
    storage.put_certificate(device, bytes)
}

/// The display name and role code of a verified certificate, recorded with the peer.
pub(crate) fn certificate_of(peer: &crate::identity::Peer) -> Option<(String, String)> {
    match peer {
        crate::identity::Peer::Verified(cert) => {
            Some((cert.name.clone(), cert.role.code().to_string()))
        }
        crate::identity::Peer::Unenrolled => None,
    }
}

/// Applies one message from the peer and decides the reply. After an error the session must be
/// abandoned (start a new one) and the caller rolls back: nothing of the message is stored.
///
/// # Errors
/// [`Error::Sync`] for malformed, out-of-order or non-converging messages (retryable when a new
/// session may succeed); [`Error::NotPermitted`] when the peer sends or asks for what the share
/// policy forbids; [`Error::Untrusted`] for a hello that contradicts the proven peer or a
/// change whose signer is not trusted for it; [`Error::Schema`] / [`Error::InvalidInput`] for
/// documents that do not follow the schema; storage errors.
pub fn receive(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    bytes: &[u8],
) -> Result<Received> {
    s.stats.messages_received += 1;
    s.stats.bytes_received += bytes.len() as u64;
    let msg = Message::decode(bytes)?;
    if msg.docs.iter().any(|(_, p)| matches!(p, Payload::Whole(_))) {
        s.batches += 1;
    }
    if s.stats.messages_received + s.stats.messages_sent
        > super::session::MAX_MESSAGES + 2 * s.batches
    {
        return Err(Error::Sync {
            reason: "the session did not converge".into(),
            retryable: true,
        });
    }
    let peer = match (&s.peer, &msg.hello) {
        (None, Some(h)) => {
            check_claim(s.authenticated.as_ref(), h)?;
            super::policy::check_pairing(storage.info(), h)?;
            if let Some((grant, device)) = s.pairing.take() {
                redeem(storage, &grant, &device)?;
            }
            s.peer = Some(h.clone());
            h.clone()
        }
        (Some(p), Some(h)) if p != h => return Err(Error::protocol("the peer changed identity")),
        (Some(p), _) => p.clone(),
        // Out of order (a message lost, duplicated or reordered on the way): a new session may
        // succeed.
        (None, None) => {
            return Err(Error::Sync {
                reason: "the first message must introduce the peer".into(),
                retryable: true,
            })
        }
    };
    super::policy::check_tombstones(&peer, msg.tombstones.len())?;
    super::tombstones::check_dates(&msg.tombstones, Utc::now())?;
    s.signing.receive(&msg)?;
    let trust = storage.trust()?;
    let relay_attests = s
        .authenticated
        .as_ref()
        .is_some_and(|p| p.role == crate::model::Role::LinkWorker);
    let check = trust.as_ref().map(|t| t.check(relay_attests));
    s.peer_pending = (msg.pending_docs, msg.pending_bytes);
    s.docs_done += msg.docs.len() as u64;
    if let Some(m) = &msg.manifest {
        let tags = s.peer_tags.get_or_insert_with(HashMap::new);
        if msg.full_manifest {
            // A full manifest is authoritative: what it lacks, the peer lacks.
            tags.clear();
            s.peer_has.clear();
            s.peer_full_manifest = true;
        }
        tags.extend(m.iter().copied());
        s.peer_has.extend(m.iter().map(|(k, _)| *k));
    }
    let (mut changed, stored, prepared) =
        apply::apply_message(storage, s, &peer, &msg, check.as_ref())?;
    let dropped = drops::receive(storage, s, &peer, &msg)?;
    if !storage.is_hub() {
        changed.extend(dropped.iter().copied());
    }
    if s.held.is_empty() {
        // Every change that came is applied: signatures not used by now sign changes this
        // store already had.
        s.signing.waiting.clear();
    }
    let mut out = reply::build_reply(storage, s, &peer, &msg, prepared)?;
    if let Some(out) = &mut out {
        reply::attach_signatures(storage, s, out)?;
    }
    s.changed.extend(changed.iter().copied());
    let sent = out
        .iter()
        .flat_map(|m| m.docs.iter().map(|(k, _)| *k))
        .collect();
    let reply = out.map(|m| reply::encode(s, &m));
    Ok(Received {
        reply,
        changed,
        complete: s.phase == Phase::Complete,
        stored,
        sent,
        dropped,
    })
}

/// Live mode: when the session has completed and local edits have changed shared documents
/// since, a message carrying them (the peer's reply goes to [`receive`] as usual); on a hub,
/// also when a person was moved out of the peer's caseload since ("drop your copy" requests
/// not yet made in this session, `engine::drops`). `None` when there is nothing new or a
/// round is in flight. Writes nothing.
///
/// # Errors
/// Storage errors.
pub fn poll(storage: &mut impl SyncStorage, s: &mut SyncSession) -> Result<Option<Outgoing>> {
    let Some(peer) = s.peer.clone() else {
        return Ok(None);
    };
    if s.phase != Phase::Complete {
        return Ok(None);
    }
    let scope = Scope::of(storage, Some(&peer))?;
    let tags = scope.tags();
    // A hub also starts a round to ask for copies to be dropped (a caseload move since the
    // last round), once per person and session: a device that cannot drop yet (its changes
    // have not reached the hub) is asked again in every round that follows.
    let drops = if storage.is_hub() {
        drops::outgoing(storage, s, &peer)?
    } else {
        Vec::new()
    };
    s.drops_polled.retain(|p| drops.contains(p));
    let new_drops = drops.iter().any(|p| !s.drops_polled.contains(p));
    if tags == s.settled_tags && !new_drops {
        return Ok(None);
    }
    s.drops_polled.extend(drops.iter().copied());
    let mut out = Message {
        digest: scope.digest(),
        doc_count: scope.docs.len() as u64,
        drops,
        ..Message::default()
    };
    for (key, tag) in &tags {
        if s.settled_tags.get(key) == Some(tag) {
            continue;
        }
        if let Some(p) = reply::payload_for(storage, s, &peer, *key)? {
            out.docs.push((*key, p));
        }
    }
    reply::attach_signatures(storage, s, &mut out)?;
    s.phase = Phase::Exchanging;
    let sent = out.docs.iter().map(|(k, _)| *k).collect();
    Ok(Some(Outgoing {
        bytes: reply::encode(s, &out),
        sent,
    }))
}

/// The people with a document in the scope shared with `peer` whose heads differ from those
/// last known shared with it (or that it never received), by person id: what the next session
/// with `peer` would start by offering.
///
/// # Errors
/// Storage errors.
pub fn unseen_by(storage: &mut impl SyncStorage, peer: &Hello) -> Result<Vec<Id>> {
    let people: BTreeSet<Id> = Scope::of(storage, Some(peer))?
        .dirty
        .into_iter()
        .map(|(person, _)| person)
        .collect();
    Ok(people.into_iter().collect())
}

/// Refuses a hello that claims another identity than the peer proved on the channel.
pub(crate) fn check_claim(proven: Option<&PeerInfo>, hello: &Hello) -> Result<()> {
    let Some(p) = proven else {
        return Ok(());
    };
    if hello.store_id != p.store_id {
        return Err(Refusal::OtherDevice.into());
    }
    if hello.role != p.role {
        return Err(Refusal::RoleMismatch.into());
    }
    if hello.person != p.person {
        return Err(Refusal::PersonMismatch.into());
    }
    Ok(())
}

/// What validating a received document's new state read, per person, for
/// [`SyncStorage::person_changed`].
#[derive(Default)]
struct Learned {
    person: Option<Id>,
    plan: Option<Plan>,
    case: Option<CaseRecord>,
}

impl Learned {
    fn add(&mut self, content: Content) {
        match content {
            Content::Plan(p) => self.plan = Some(p),
            Content::Case(c) => self.case = Some(*c),
        }
    }

    fn flush(self, storage: &mut impl SyncStorage, now: DateTime<Utc>) -> Result<()> {
        match self.person {
            Some(person) if self.plan.is_some() || self.case.is_some() => {
                storage.person_changed(person, self.plan, self.case, now)
            }
            _ => Ok(()),
        }
    }
}
