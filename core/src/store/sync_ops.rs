//! The sync engine's store side: building and applying sync messages. Every received message
//! is applied in one SQLite transaction (documents, projections, sync state and tombstones
//! together); anything the policy refuses fails the whole message and nothing of it is stored.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, Transaction};

use super::cache::DocCache;
use super::merge::{decode_document, merge_whole, read_checked, Content};
use super::signing_ops;
use super::{Store, Writer};
use crate::doc::{case_doc, plan_doc, schema_of, CASE_SCHEMA, PLAN_SCHEMA};
use crate::error::{Error, Result};
use crate::identity::signing::SignerCheck;
use crate::ids::Id;
use crate::model::{CaseRecord, DocKind, Plan, Role};
use crate::storage::{documents, projections, signatures, sync_state};
use crate::sync::digest;
use crate::sync::expansion;
use crate::sync::patient_edits;
use crate::sync::policy;
use crate::sync::session::{ManifestSent, MAX_HELD_BYTES, MAX_MESSAGES};
use crate::sync::signed::Receiving;
use crate::sync::tombstones;
use crate::sync::wire::{DocKey, Hello, Message, Payload};
use crate::sync::{SyncSession, SyncStep};

/// The documents and tombstones two stores share, as this side sees them.
pub(super) struct Scope {
    pub(super) docs: Vec<(DocKey, Vec<u8>)>,
    tombstones: Vec<(Id, i64)>,
    /// Documents whose heads differ from those last known shared with the peer (or that were
    /// never synced with it).
    pub(super) dirty: HashSet<DocKey>,
    /// Documents the peer held at the end of an earlier session.
    synced_before: HashSet<DocKey>,
}

impl Scope {
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

impl Store {
    pub(super) fn hello(&self) -> Hello {
        Hello {
            store_id: self.info.store_id,
            role: self.info.role,
            person: self.info.person,
        }
    }

    /// Starts a sync session as the side that connects. Returns the session and the first
    /// message to send: a hello and a digest of everything this store holds, so a peer that
    /// already has the same answers at once.
    ///
    /// # Errors
    /// Storage errors.
    pub fn sync_start(&self) -> Result<(SyncSession, Vec<u8>)> {
        let mut s = SyncSession::default();
        let scope = self.read(|conn| scope_of(conn, &self.info, None))?;
        // The count is left out (0): the peer is not known yet, and a patient's phone must not
        // learn how large this caseload is. The digest alone reveals nothing.
        let msg = Message {
            hello: Some(self.hello()),
            digest: scope.digest(),
            ..Message::default()
        };
        s.initiator = true;
        s.sent_hello = true;
        let bytes = encode(&mut s, &msg);
        Ok((s, bytes))
    }

    /// A session for the side that listens: feed it the connecting side's first message.
    pub fn sync_accept(&self) -> SyncSession {
        SyncSession::default()
    }

    /// Applies one message from the peer and returns the reply to send (if any), the people
    /// whose documents changed, and whether the session is complete. Listeners are told about
    /// the changed people after the store's locks are released.
    ///
    /// After an error the session must be abandoned (start a new one); nothing from the failed
    /// message was stored.
    ///
    /// # Errors
    /// [`Error::Sync`] for malformed, out-of-order or non-converging messages (retryable when a
    /// new session may succeed); [`Error::NotPermitted`] when the peer sends or asks for what
    /// the share policy forbids; [`Error::Schema`] / [`Error::InvalidInput`] for documents that
    /// do not follow the schema; storage errors.
    pub fn sync_receive(&self, s: &mut SyncSession, bytes: &[u8]) -> Result<SyncStep> {
        s.stats.messages_received += 1;
        s.stats.bytes_received += bytes.len() as u64;
        let msg = Message::decode(bytes)?;
        if msg.docs.iter().any(|(_, p)| matches!(p, Payload::Whole(_))) {
            s.batches += 1;
        }
        if s.stats.messages_received + s.stats.messages_sent > MAX_MESSAGES + 2 * s.batches {
            return Err(Error::Sync {
                reason: "the session did not converge".into(),
                retryable: true,
            });
        }
        let peer = match (&s.peer, &msg.hello) {
            (None, Some(h)) => {
                super::identity_ops::check_claim(s.authenticated.as_ref(), h)?;
                policy::check_pairing(&self.info, h)?;
                if let Some((grant, device)) = s.pairing.take() {
                    let w = self.writer();
                    super::identity_ops::redeem(&w.conn, &grant, &device)?;
                }
                s.peer = Some(h.clone());
                h.clone()
            }
            (Some(p), Some(h)) if p != h => {
                return Err(Error::protocol("the peer changed identity"))
            }
            (Some(p), _) => p.clone(),
            // Out of order (a message lost, duplicated or reordered on the way): a new
            // session may succeed.
            (None, None) => {
                return Err(Error::Sync {
                    reason: "the first message must introduce the peer".into(),
                    retryable: true,
                })
            }
        };
        policy::check_tombstones(&peer, msg.tombstones.len())?;
        tombstones::check_dates(&msg.tombstones, Utc::now())?;
        s.signing.receive(&msg)?;
        let trust = self.trust()?;
        let relay_attests = s
            .authenticated
            .as_ref()
            .is_some_and(|p| p.role == Role::LinkWorker);
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
        let (changed, reply) = {
            let mut w = self.writer();
            let Writer { conn, cache } = &mut *w;
            let (changed, prepared) =
                self.apply_message(conn, cache, s, &peer, &msg, check.as_ref())?;
            if s.held.is_empty() {
                // Every change that came is applied: signatures not used by now sign changes
                // this store already had.
                s.signing.waiting.clear();
            }
            let mut reply = self.build_reply(conn, cache, s, &peer, &msg, prepared)?;
            if let Some(out) = &mut reply {
                self.attach_signatures(conn, s, out)?;
            }
            (changed, reply)
        };
        s.changed.extend(changed.iter().copied());
        let changed: Vec<Id> = changed.into_iter().collect();
        self.listeners.notify(&changed);
        let reply = reply.map(|m| encode(s, &m));
        Ok(SyncStep {
            reply,
            changed_people: changed,
            complete: s.complete,
        })
    }

    /// Live mode: when the session has completed and local edits have changed shared
    /// documents since, returns a message carrying them (send it; the peer's reply goes to
    /// [`Store::sync_receive`] as usual). `None` when there is nothing new or a round is in
    /// flight. Cheap enough to call every few hundred milliseconds.
    ///
    /// # Errors
    /// Storage errors.
    pub fn sync_poll(&self, s: &mut SyncSession) -> Result<Option<Vec<u8>>> {
        let Some(peer) = s.peer.clone() else {
            return Ok(None);
        };
        if !s.complete {
            return Ok(None);
        }
        let msg = {
            let mut w = self.writer();
            let Writer { conn, cache } = &mut *w;
            let scope = scope_of(conn, &self.info, Some(&peer))?;
            let tags = scope.tags();
            if tags == s.settled_tags {
                return Ok(None);
            }
            let mut out = Message {
                digest: scope.digest(),
                doc_count: scope.docs.len() as u64,
                ..Message::default()
            };
            for (key, tag) in &tags {
                if s.settled_tags.get(key) == Some(tag) {
                    continue;
                }
                if let Some(p) = self.payload_for(conn, cache, s, &peer, *key)? {
                    out.docs.push((*key, p));
                }
            }
            self.attach_signatures(conn, s, &mut out)?;
            out
        };
        s.complete = false;
        Ok(Some(encode(s, &msg)))
    }

    /// Applies tombstones and document payloads of one message in one transaction. Returns the
    /// people whose documents changed, and automerge's answers for the documents that came as
    /// sync messages, made while each document was at hand (see [`Prepared`]).
    fn apply_message(
        &self,
        conn: &mut Connection,
        cache: &mut DocCache,
        s: &mut SyncSession,
        peer: &Hello,
        msg: &Message,
        check: Option<&SignerCheck<'_>>,
    ) -> Result<(BTreeSet<Id>, Prepared)> {
        let mut changed = BTreeSet::new();
        let mut erased = BTreeSet::new();
        let mut touched: Vec<DocKey> = Vec::new();
        let mut prepared = Prepared::new();
        let tx = super::begin_write(conn, cache)?;
        let result = (|| {
            for (person, at) in &msg.tombstones {
                if !sync_state::is_erased(&tx, *person)? {
                    // Only people this store knows (see `sync::tombstones`): a tombstone for
                    // anyone else is planted, and refuses the whole message.
                    let known =
                        documents::has_person(&tx, *person)? || self.info.person == Some(*person);
                    if !known {
                        return Err(Error::protocol(
                            "a tombstone names a person this store does not know",
                        ));
                    }
                    // Erasure is a signed, privileged act (ADR 0007).
                    let sig = msg.tombstone_signatures.get(person);
                    let mut stored =
                        |k: &crate::identity::PublicKey| signatures::certificate(&tx, k);
                    let new_cert = Receiving {
                        trust: check,
                        session: &mut s.signing,
                        stored: &mut stored,
                    }
                    .check_tombstone(*person, *at, sig)?;
                    if let Some((device, bytes)) = new_cert {
                        super::identity_ops::redeem_certificate(&tx, &bytes)?;
                        signatures::put_certificate(&tx, &device, &bytes)?;
                    }
                    let at = Utc
                        .timestamp_millis_opt(*at)
                        .single()
                        .ok_or_else(|| Error::protocol("a tombstone has an impossible date"))?;
                    sync_state::erase(&tx, *person, at)?;
                    if let Some(sig) = sig {
                        signatures::set_tombstone_signature(&tx, *person, sig)?;
                    }
                    erased.insert(*person);
                    touched.push((*person, DocKind::Plan));
                    touched.push((*person, DocKind::Case));
                }
            }
            let now = Utc::now();
            // Documents come in person order (plan, then case): a person's projections are
            // refreshed as soon as the message moves on to the next person, from what
            // validating the documents read, so nothing is loaded or read again for them.
            let mut learned = Learned::default();
            for (key, payload) in &msg.docs {
                let (person, kind) = *key;
                if learned.person != Some(person) {
                    let done = std::mem::take(&mut learned);
                    self.refresh_learned(&tx, cache, done, now)?;
                    learned.person = Some(person);
                }
                if sync_state::is_erased(&tx, person)? {
                    continue; // the peer will learn of the erasure from our tombstones
                }
                s.generated.remove(key);
                let have = cache.ensure(&tx, person, kind)?;
                policy::check_receive(&self.info, peer, *key, have)?;
                touched.push(*key);
                // Enrolled, each change is checked against its signer instead (a patient's
                // phone may relay a link worker's edits).
                let before = match (peer.role, kind, check) {
                    (Role::Patient, DocKind::Plan, None) => {
                        cache.get(person, kind).map(plan_doc::read).transpose()?
                    }
                    _ => None,
                };
                let mut indexed = false;
                let content = match payload {
                    Payload::Whole(_) if peer.role == Role::Patient => {
                        // A patient's store only ever sends its changes (the link worker holds
                        // the plan it was given); whole documents would bypass
                        // `patient_edits`.
                        return Err(Error::NotPermitted {
                            action: "send a whole document from a patient store",
                        });
                    }
                    Payload::Whole(bytes) => {
                        let (doc, p, k, content) = decode_document(bytes)?;
                        if (p, k) != *key {
                            return Err(Error::protocol("a document does not match its key"));
                        }
                        if have {
                            let heads = cache
                                .get(person, kind)
                                .map(|d| d.get_heads())
                                .unwrap_or_default();
                            let merged = merge_whole(&tx, cache, person, kind, doc, content)?;
                            if let Some(d) = cache.get(person, kind) {
                                verify_new(&tx, &mut s.signing, check, *key, d, &heads)?;
                            }
                            merged
                        } else {
                            verify_new(&tx, &mut s.signing, check, *key, &doc, &[])?;
                            // New to this store: stored as it came (it was loaded and checked
                            // from exactly these bytes), and not cached: a new device receives
                            // the whole caseload, and nothing here reads it again.
                            documents::insert_saved(&tx, person, kind, bytes, &doc)?;
                            super::sync_view::index_conflicts(&tx, person, kind, &doc)?;
                            indexed = true;
                            Some(content)
                        }
                    }
                    Payload::Sync(bytes) => {
                        apply_sync(&tx, cache, s, peer, *key, bytes, &mut prepared, check)?
                    }
                };
                if let (Some(before), Some(Content::Plan(after))) = (&before, &content) {
                    policy::check_patient_changes(before, after)?;
                }
                s.peer_has.insert(*key);
                if let (Some(_), false, Some(doc)) = (&content, indexed, cache.get(person, kind)) {
                    super::sync_view::index_conflicts(&tx, person, kind, doc)?;
                }
                if let Some(content) = content {
                    changed.insert(person);
                    learned.add(content);
                }
            }
            self.refresh_learned(&tx, cache, learned, now)?;
            for key in touched.iter().filter(|(p, _)| !erased.contains(p)) {
                if let Some(state) = s.states.get(key) {
                    sync_state::save_state(&tx, peer.store_id, key.0, key.1, &state.encode())?;
                }
            }
            sync_state::save_peer(&tx, peer.store_id, peer.role, peer.person, now)?;
            crate::storage::sync_view::save_certificate(
                &tx,
                peer.store_id,
                s.certificate.as_ref(),
            )?;
            Ok(())
        })();
        match result.and_then(|()| Ok(tx.commit()?)) {
            Ok(()) => {
                for p in &erased {
                    cache.evict(*p, DocKind::Plan);
                    cache.evict(*p, DocKind::Case);
                }
                changed.extend(erased);
                Ok((changed, prepared))
            }
            Err(e) => {
                for (p, k) in touched {
                    cache.evict(p, k);
                }
                Err(e)
            }
        }
    }

    /// Refreshes the projections of the person whose documents `learned` holds the new content
    /// of. When only one of their documents changed, only the projections derived from it are
    /// rewritten and the other document is neither loaded nor read (as for a local edit).
    fn refresh_learned(
        &self,
        tx: &Transaction<'_>,
        cache: &mut DocCache,
        learned: Learned,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let Some(person) = learned.person else {
            return Ok(());
        };
        let (plan, case) = match (learned.plan, learned.case) {
            (None, None) => return Ok(()),
            (Some(plan), Some(case)) => (Some(plan), Some(case)),
            (Some(plan), None) => {
                if projections::refresh_plan(tx, person, &plan, now)? {
                    return Ok(());
                }
                // No caseload row yet (a patient store receiving its plan): every projection.
                cache.ensure(tx, person, DocKind::Case)?;
                let case = cache
                    .get(person, DocKind::Case)
                    .map(case_doc::read)
                    .transpose()?;
                (Some(plan), case)
            }
            (None, Some(case)) => {
                if projections::refresh_case(tx, person, &case, now)? {
                    return Ok(());
                }
                cache.ensure(tx, person, DocKind::Plan)?;
                let plan = cache
                    .get(person, DocKind::Plan)
                    .map(plan_doc::read)
                    .transpose()?;
                (plan, Some(case))
            }
        };
        projections::refresh(tx, person, plan.as_ref(), case.as_ref(), now)
    }

    /// Decides what to send after applying `msg`.
    ///
    /// When the digests differ, the first reply carries a manifest of the documents changed
    /// since the last sync with this peer (every document, the first time); documents either
    /// side changed are then exchanged as automerge sync messages, or whole when the peer lacks
    /// them. If differences remain that no manifest explained (e.g. the peer lost data), a full
    /// manifest follows. When both digests agree the session completes and the shared heads
    /// are remembered, so the next session starts from them.
    fn build_reply(
        &self,
        conn: &mut Connection,
        cache: &mut DocCache,
        s: &mut SyncSession,
        peer: &Hello,
        msg: &Message,
        mut prepared: Prepared,
    ) -> Result<Option<Message>> {
        let scope = scope_of(conn, &self.info, Some(peer))?;
        if !s.peer_full_manifest {
            s.peer_has.extend(scope.synced_before.iter().copied());
        }
        let digest = scope.digest();
        // The connecting side's first message carries no count (see `sync_start`).
        let count_unknown = !s.initiator && s.stats.messages_received == 1;
        let in_sync =
            digest == msg.digest && (count_unknown || scope.docs.len() as u64 == msg.doc_count);
        let mut out = Message {
            digest,
            doc_count: scope.docs.len() as u64,
            ..Message::default()
        };
        if !s.sent_hello {
            out.hello = Some(self.hello());
            s.sent_hello = true;
        }
        let mut sending = false;
        // Tombstones of erased people the peer mentions (or, for a patient's store, its own
        // person) are owed whatever the digests say: the peer holds something erased here.
        if self.info.role == Role::LinkWorker && !scope.tombstones.is_empty() {
            let erased: HashMap<Id, i64> = scope.tombstones.iter().copied().collect();
            let mentioned = msg
                .manifest
                .iter()
                .flatten()
                .map(|((p, _), _)| *p)
                .chain(msg.docs.iter().map(|((p, _), _)| *p))
                .chain(peer.person);
            for person in mentioned {
                if erased.contains_key(&person) && !s.tombstones_sent.contains(&person) {
                    s.tombstones_owed.insert(person);
                }
            }
            out.tombstones = tombstones::next_batch(&mut s.tombstones_owed, &erased);
            if !out.tombstones.is_empty() {
                s.tombstones_sent
                    .extend(out.tombstones.iter().map(|(p, _)| *p));
                sending = true;
            }
        }
        if !in_sync {
            if s.manifest_sent == ManifestSent::None {
                let changed = scope.docs.iter().filter(|(k, _)| scope.dirty.contains(k));
                out.manifest = Some(changed.map(|(k, h)| (*k, digest::tag(h))).collect());
                s.manifest_sent = ManifestSent::Changed;
                sending = true;
            }
            if let Some(peer_tags) = s.peer_tags.clone() {
                let batch = self.fill_batch(
                    conn,
                    cache,
                    s,
                    peer,
                    &scope,
                    &peer_tags,
                    &mut out,
                    &mut prepared,
                )?;
                sending |= batch.sent_any || batch.pending.0 > 0;
                // The peer announced more documents: acknowledge (so it sends the next batch)
                // rather than declare the session complete in between.
                sending |= msg.pending_docs > 0;
                let peer_done = msg.docs.is_empty() && msg.pending_docs == 0;
                if !sending && peer_done && s.manifest_sent < ManifestSent::Full {
                    out.manifest = Some(
                        scope
                            .docs
                            .iter()
                            .map(|(k, h)| (*k, digest::tag(h)))
                            .collect(),
                    );
                    out.full_manifest = true;
                    s.manifest_sent = ManifestSent::Full;
                    sending = true;
                }
            }
        }
        // Answers not sent (the digests agree, or the peer's manifest has not come): automerge's
        // state goes back to before them, as if they had never been made.
        for (key, answer) in prepared {
            s.states.insert(key, answer.before);
        }
        if sending {
            s.complete = false;
            return Ok(Some(out));
        }
        s.complete = true;
        s.own_pending = (0, 0);
        s.settled_tags = scope.tags();
        if in_sync {
            s.peer_has.extend(s.settled_tags.keys().copied());
            s.peer_tags = Some(s.settled_tags.clone());
            remember_shared_heads(conn, peer, &scope)?;
        }
        if msg.done {
            Ok(None)
        } else {
            out.done = true;
            Ok(Some(out))
        }
    }

    /// The payload that brings the peer's copy of `key` up to date: the whole document when
    /// the peer lacks it, else an automerge sync message (or nothing when automerge has nothing
    /// to say).
    pub(super) fn payload_for(
        &self,
        conn: &Connection,
        cache: &mut DocCache,
        s: &mut SyncSession,
        peer: &Hello,
        key: DocKey,
    ) -> Result<Option<Payload>> {
        if !s.peer_has.contains(&key) {
            // Sent as stored (the snapshot and its change rows load as one document), without
            // loading it; one read transaction, so a compaction cannot come in between.
            let tx = conn.unchecked_transaction()?;
            let bytes = documents::saved_bytes(&tx, key.0, key.1)?;
            tx.finish()?;
            let Some(bytes) = bytes else {
                return Ok(None);
            };
            s.peer_has.insert(key);
            return Ok(Some(Payload::Whole(bytes)));
        }
        if !cache.ensure(conn, key.0, key.1)? {
            return Ok(None);
        }
        let held = s.held.get(&key).filter(|h| !h.is_empty());
        let state = session_state(conn, &mut s.states, peer, key)?;
        let Some(doc) = cache.get(key.0, key.1) else {
            return Ok(None);
        };
        let tag = digest::tag(&documents::encode_heads(doc));
        let payload = match held {
            // With the held changes back in its queue, the document asks the peer for their
            // missing dependencies (without them it would ask for the held changes again).
            Some(held) => {
                let mut with_held = doc.clone();
                let heads = with_held.get_heads();
                for chunk in held {
                    with_held.load_incremental(chunk).map_err(|_| {
                        Error::protocol("the automerge sync message could not be applied")
                    })?;
                }
                if with_held.get_heads() == heads {
                    sync_answer(&with_held, state)
                } else {
                    // The dependencies arrived meanwhile (another session stored them): the
                    // next message applies and stores the held changes; until then speak
                    // for what is stored.
                    sync_answer(doc, state)
                }
            }
            None => sync_answer(doc, state),
        };
        let (payload, hashes) = payload;
        s.signing.answered.insert(key, hashes);
        s.generated.insert(key, tag);
        Ok(payload)
    }
}

/// automerge's answers for documents that came as sync messages in the message being applied,
/// made right after applying each (when the document is at hand, its queue included), so that
/// building the reply does not load them again. Each keeps the document's automerge sync state
/// from before the answer, restored if the reply does not carry it.
pub(super) type Prepared = HashMap<DocKey, PreparedAnswer>;

pub(super) struct PreparedAnswer {
    pub(super) payload: Option<Payload>,
    before: sync::State,
    /// Tag of the document's heads when answered.
    pub(super) tag: [u8; 8],
}

/// What the documents of one person in a received message changed to, for their projections.
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
}

/// Applies one automerge sync message to the document `key` (inside `tx`): checks the
/// signature of every change it brought (`check`: this store's trust, `None` when it is not
/// enrolled), stores them, keeps what must wait for a dependency in the session, and prepares
/// automerge's answer. Returns the document's new content when anything was applied.
#[allow(clippy::too_many_arguments)]
fn apply_sync(
    tx: &Transaction<'_>,
    cache: &mut DocCache,
    s: &mut SyncSession,
    peer: &Hello,
    key: DocKey,
    bytes: &[u8],
    prepared: &mut Prepared,
    check: Option<&SignerCheck<'_>>,
) -> Result<Option<Content>> {
    let (person, kind) = key;
    expansion::check_sync_message(bytes, expansion::MAX_EXPANDED_BYTES)?;
    let message = sync::Message::decode(bytes)
        .map_err(|_| Error::protocol("malformed automerge sync message"))?;
    let chunks: Vec<Vec<u8>> = message.changes.iter().map(<[u8]>::to_vec).collect();
    let held = s.held.remove(&key).unwrap_or_default();
    s.held_bytes -= held_size(&held);
    let state = session_state(tx, &mut s.states, peer, key)?;
    let doc = cache
        .get(person, kind)
        .ok_or_else(|| Error::protocol("sync message for a document this store does not hold"))?;
    let mut candidate = doc.clone();
    let heads = candidate.get_heads();
    // Changes still waiting for a dependency go back into the document's queue first (the
    // cached copy may have been reloaded without them).
    for chunk in &held {
        candidate
            .load_incremental(chunk)
            .map_err(|_| Error::protocol("the automerge sync message could not be applied"))?;
    }
    candidate
        .receive_sync_message(state, message)
        .map_err(|_| Error::protocol("the automerge sync message could not be applied"))?;
    let new = candidate.save_after(&heads);
    if peer.role == Role::Patient && !new.is_empty() {
        match check {
            // Enrolled: each change is checked against its signer below (a patient's phone
            // may relay a link worker's edits); the size bound stays.
            Some(_) if new.len() > patient_edits::MAX_PATIENT_EDIT_BYTES => {
                return Err(Error::NotPermitted {
                    action:
                        "send a plan edit larger than the patient edit limit from a patient store",
                })
            }
            Some(_) => {}
            None => patient_edits::check(&candidate, &heads, new.len())?,
        }
    }
    let content = if new.is_empty() {
        None
    } else {
        check_identity(&candidate, key)?;
        verify_new(tx, &mut s.signing, check, key, &candidate, &heads)?;
        let content = read_checked(&candidate, kind)?;
        documents::append(tx, person, kind, &new, &candidate)?;
        Some(content)
    };
    let before = state.clone();
    let (payload, hashes) = sync_answer(&candidate, state);
    s.signing.answered.insert(key, hashes);
    prepared.insert(
        key,
        PreparedAnswer {
            payload,
            before,
            tag: digest::tag(&documents::encode_heads(&candidate)),
        },
    );
    if !candidate.get_missing_deps(&[]).is_empty() {
        // automerge queued changes whose dependencies come later: the session keeps them
        // (see `SyncSession::held`). Chunks already applied are harmless to feed again and go
        // when the queue empties.
        hold(s, key, held.into_iter().chain(chunks).collect())?;
    }
    if content.is_some() {
        cache.insert(person, kind, candidate);
    }
    Ok(content)
}

/// automerge's sync message for one document, if it has anything to say, and the hashes of
/// the changes it carries (whose signatures go with it: automerge adds them to the state's
/// `sent_hashes` as it sends them).
fn sync_answer(doc: &Automerge, state: &mut sync::State) -> (Option<Payload>, Vec<ChangeHash>) {
    // Changes the peer still needs although we sent them (a peer that lost its session, or an
    // older version that lost queued changes) are sent again.
    if let Some(need) = state.their_need.clone() {
        for hash in &need {
            state.sent_hashes.remove(hash);
        }
    }
    let sent_before = state.sent_hashes.clone();
    let payload = doc
        .generate_sync_message(state)
        .map(|m| Payload::Sync(m.encode()));
    let carried = match payload {
        Some(_) => state
            .sent_hashes
            .difference(&sent_before)
            .copied()
            .collect(),
        None => Vec::new(),
    };
    (payload, carried)
}

/// Checks the signature of every change of `doc` not in the history of `before` (the changes
/// a received payload brought) and stores what the checks accepted (see `sync::signed`).
fn verify_new(
    tx: &Transaction<'_>,
    signing: &mut crate::sync::signed::SessionSigning,
    check: Option<&SignerCheck<'_>>,
    key: DocKey,
    doc: &Automerge,
    before: &[ChangeHash],
) -> Result<()> {
    let mut stored = |k: &crate::identity::PublicKey| signatures::certificate(tx, k);
    let mut receiving = Receiving {
        trust: check,
        session: signing,
        stored: &mut stored,
    };
    for meta in doc.get_changes_meta(before) {
        if let Some(accepted) = receiving.check_change(key, doc, meta.hash, &meta.deps)? {
            signing_ops::store_accepted(tx, key.0, key.1, &accepted)?;
        }
    }
    Ok(())
}

/// Keeps `chunks` as the changes of `key` waiting for a dependency, within the session's bound.
fn hold(s: &mut SyncSession, key: DocKey, chunks: Vec<Vec<u8>>) -> Result<()> {
    s.held_bytes += held_size(&chunks);
    s.held.insert(key, chunks);
    if s.held_bytes > MAX_HELD_BYTES {
        return Err(Error::Sync {
            reason: "too many changes are waiting for their dependencies".into(),
            retryable: true,
        });
    }
    Ok(())
}

fn held_size(chunks: &[Vec<u8>]) -> usize {
    chunks.iter().map(Vec::len).sum()
}

/// The session's automerge sync state for `key` (from `states`, the session's), loaded from
/// the persisted state on first use.
fn session_state<'s>(
    conn: &Connection,
    states: &'s mut HashMap<DocKey, sync::State>,
    peer: &Hello,
    key: DocKey,
) -> Result<&'s mut sync::State> {
    match states.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::hash_map::Entry::Vacant(e) => {
            let state = match sync_state::load_state(conn, peer.store_id, key.0, key.1)? {
                Some(bytes) => sync::State::decode(&bytes).unwrap_or_default(),
                None => sync::State::new(),
            };
            Ok(e.insert(state))
        }
    }
}

/// Refuses a merged document whose root says it is another person's or kind.
fn check_identity(doc: &automerge::Automerge, key: DocKey) -> Result<()> {
    let (schema, _, person) = schema_of(doc)?;
    let kind = match schema.as_str() {
        PLAN_SCHEMA => DocKind::Plan,
        CASE_SCHEMA => DocKind::Case,
        _ => return Err(Error::schema("unknown document schema")),
    };
    if (person, kind) != key {
        return Err(Error::protocol("a document does not match its key"));
    }
    Ok(())
}

/// The shared scope toward `peer` (or, before the peer is known, everything this store holds).
fn scope_of(
    conn: &Connection,
    local: &crate::model::StoreInfo,
    peer: Option<&Hello>,
) -> Result<Scope> {
    let docs: Vec<(DocKey, Vec<u8>)> = documents::all_heads(conn)?
        .into_iter()
        .filter(|(p, k, _)| peer.is_none_or(|h| policy::in_scope(local, h, (*p, *k))))
        .map(|(p, k, h)| ((p, k), h))
        .collect();
    let tombstones = sync_state::tombstones(conn)?
        .into_iter()
        .filter(|(p, _)| peer.is_none_or(|h| policy::tombstone_in_scope(local, h, *p)))
        .map(|(p, at)| (p, at.timestamp_millis()))
        .collect();
    let mut shared: HashMap<DocKey, Vec<u8>> = HashMap::new();
    if let Some(h) = peer {
        for (p, k, state) in sync_state::states_for_peer(conn, h.store_id)? {
            if let Ok(state) = sync::State::decode(&state) {
                let mut heads = state.shared_heads;
                heads.sort();
                shared.insert((p, k), heads.iter().flat_map(|h| h.0).collect());
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

/// The people with a document in the scope shared with `peer` whose heads differ from those
/// last known shared with it (or that it never received), by person id.
pub(super) fn unseen_by(
    conn: &Connection,
    local: &crate::model::StoreInfo,
    peer: &Hello,
) -> Result<Vec<Id>> {
    let people: BTreeSet<Id> = scope_of(conn, local, Some(peer))?
        .dirty
        .into_iter()
        .map(|(person, _)| person)
        .collect();
    Ok(people.into_iter().collect())
}

/// Records, for every shared document, that the peer holds exactly our current heads.
fn remember_shared_heads(conn: &mut Connection, peer: &Hello, scope: &Scope) -> Result<()> {
    if scope.dirty.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (key, heads) in scope.docs.iter().filter(|(k, _)| scope.dirty.contains(k)) {
        let state = sync::State {
            shared_heads: heads
                .chunks(32)
                .filter_map(|c| ChangeHash::try_from(c).ok())
                .collect(),
            ..sync::State::new()
        };
        sync_state::save_state(&tx, peer.store_id, key.0, key.1, &state.encode())?;
    }
    tx.commit()?;
    Ok(())
}

fn encode(s: &mut SyncSession, msg: &Message) -> Vec<u8> {
    let bytes = msg.encode();
    s.docs_done += msg.docs.len() as u64;
    if msg.docs.iter().any(|(_, p)| matches!(p, Payload::Whole(_))) {
        s.batches += 1;
    }
    s.stats.messages_sent += 1;
    s.stats.bytes_sent += bytes.len() as u64;
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_changes_are_bounded_and_counted() {
        let mut s = SyncSession::default();
        let a: DocKey = (Id::new(), DocKind::Plan);
        let b: DocKey = (Id::new(), DocKind::Case);
        hold(&mut s, a, vec![vec![0; 1000], vec![0; 24]]).unwrap();
        assert_eq!(s.held_bytes, 1024);
        // A document's held changes are replaced as a whole (apply_sync takes them out first).
        let taken = s.held.remove(&a).unwrap();
        s.held_bytes -= held_size(&taken);
        assert_eq!(s.held_bytes, 0);
        hold(&mut s, a, vec![vec![0; MAX_HELD_BYTES / 2]]).unwrap();
        let err = hold(&mut s, b, vec![vec![0; MAX_HELD_BYTES / 2 + 1]]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Sync {
                    retryable: true,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
