//! The store's side of sync: each step opens a transaction, runs the sync engine
//! (`sync::engine`) over the store's SQLite storage ([`StoreSync`]) and commits. Every received
//! message is applied in one SQLite transaction (documents, projections, sync state and
//! tombstones together); anything the policy refuses fails the whole message and nothing of it
//! is stored.

use std::collections::HashMap;

use automerge::{ActorId, Automerge};
use chrono::{DateTime, Utc};

use super::cache::DocCache;
use super::Store;
use crate::doc::{case_doc, plan_doc};
use crate::error::Result;
use crate::identity::{ChangeSignature, PublicKey, TombstoneSignature};
use crate::ids::Id;
use crate::model::{CaseRecord, DocKind, Plan, StoreInfo};
use crate::storage::{documents, identity, projections, signatures, sync_state, WriteTx};
use crate::sync::engine::{self, DocKey, Hello, SyncStorage, Trust};
use crate::sync::{SyncSession, SyncStep};

impl Store {
    /// Starts a sync session as the side that connects. Returns the session and the first
    /// message to send: a hello and a digest of everything this store holds, so a peer that
    /// already has the same answers at once.
    ///
    /// # Errors
    /// Storage errors.
    pub fn sync_start(&self) -> Result<(SyncSession, Vec<u8>)> {
        self.db.read_tx(|tx| {
            let mut cache = DocCache::new(ActorId::random());
            let mut storage = StoreSync::new(tx, &mut cache, &self.info, None);
            engine::start(&mut storage)
        })
    }

    /// A session for the side that listens: feed it the connecting side's first message.
    pub fn sync_accept(&self) -> SyncSession {
        engine::accept()
    }

    /// Applies one message from the peer and returns the reply to send (if any), the people
    /// whose documents changed, and whether the session is complete. Listeners are told about
    /// the changed people after the store's locks are released, and, on the step that completes
    /// the session (or a live round), that a sync completed
    /// ([`crate::ChangeListener::sync_completed`]), also when it changed nobody.
    ///
    /// After an error the session must be abandoned (start a new one); nothing from the failed
    /// message was stored.
    ///
    /// # Errors
    /// [`crate::Error::Sync`] for malformed, out-of-order or non-converging messages (retryable
    /// when a new session may succeed); [`crate::Error::NotPermitted`] when the peer sends or
    /// asks for what the share policy forbids; [`crate::Error::Schema`] /
    /// [`crate::Error::InvalidInput`] for documents that do not follow the schema; storage
    /// errors.
    pub fn sync_receive(&self, s: &mut SyncSession, bytes: &[u8]) -> Result<SyncStep> {
        let trust = self.trust()?;
        let received = self.db.write(|tx, cache| {
            let mut storage = StoreSync::new(tx, cache, &self.info, trust);
            let result = engine::receive(&mut storage, s, bytes);
            let written = std::mem::take(&mut storage.written);
            if result.is_err() {
                // Nothing loaded may run ahead of the database (the transaction rolls back; a
                // failed commit clears the whole cache).
                for (p, k) in written {
                    cache.evict(p, k);
                }
            }
            result
        })?;
        let changed: Vec<Id> = received.changed.into_iter().collect();
        self.listeners.notify(&changed);
        if received.complete {
            self.listeners.notify_sync_completed();
        }
        Ok(SyncStep {
            reply: received.reply,
            changed_people: changed,
            complete: received.complete,
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
        if s.peer().is_none() || !s.is_complete() {
            return Ok(None);
        }
        // Reads only, on the writer for its cache of loaded documents.
        let out = self.db.read_on_writer(|tx, cache| {
            let mut storage = StoreSync::new(tx, cache, &self.info, None);
            engine::poll(&mut storage, s)
        })?;
        Ok(out.map(|o| o.bytes))
    }
}

/// The people with a document in the scope shared with `peer` whose heads differ from those
/// last known shared with it (or that it never received), by person id.
pub(super) fn unseen_by(tx: &WriteTx<'_>, local: &StoreInfo, peer: &Hello) -> Result<Vec<Id>> {
    let mut cache = DocCache::new(ActorId::random());
    let mut storage = StoreSync::new(tx, &mut cache, local, None);
    engine::unseen_by(&mut storage, peer)
}

/// The phone's SQLite storage as the sync engine sees it, for one step: the step's
/// transaction, the writer's document cache, and what the step wrote (evicted from the cache
/// if the transaction does not commit). The SQL is in `storage/`.
pub(super) struct StoreSync<'a, 'c> {
    tx: &'a WriteTx<'c>,
    cache: &'a mut DocCache,
    info: &'a StoreInfo,
    trust: Option<Trust>,
    written: Vec<DocKey>,
}

impl<'a, 'c> StoreSync<'a, 'c> {
    pub(super) fn new(
        tx: &'a WriteTx<'c>,
        cache: &'a mut DocCache,
        info: &'a StoreInfo,
        trust: Option<Trust>,
    ) -> Self {
        StoreSync {
            tx,
            cache,
            info,
            trust,
            written: Vec::new(),
        }
    }
}

impl SyncStorage for StoreSync<'_, '_> {
    fn info(&self) -> &StoreInfo {
        self.info
    }

    fn trust(&mut self) -> Result<Option<Trust>> {
        Ok(self.trust.clone())
    }

    fn is_enrolled(&mut self) -> Result<bool> {
        identity::is_enrolled(self.tx)
    }

    fn heads(&mut self) -> Result<Vec<(DocKey, Vec<u8>)>> {
        Ok(documents::all_heads(self.tx)?
            .into_iter()
            .map(|(p, k, h)| ((p, k), h))
            .collect())
    }

    fn tombstones(&mut self) -> Result<Vec<(Id, i64)>> {
        Ok(sync_state::tombstones(self.tx)?
            .into_iter()
            .map(|(p, at)| (p, at.timestamp_millis()))
            .collect())
    }

    fn is_erased(&mut self, person: Id) -> Result<bool> {
        sync_state::is_erased(self.tx, person)
    }

    fn has_person(&mut self, person: Id) -> Result<bool> {
        documents::has_person(self.tx, person)
    }

    fn saved_bytes(&mut self, key: DocKey) -> Result<Option<Vec<u8>>> {
        documents::saved_bytes(self.tx, key.0, key.1)
    }

    fn saved_sizes(&mut self) -> Result<HashMap<DocKey, u64>> {
        documents::saved_sizes(self.tx)
    }

    fn document(&mut self, key: DocKey) -> Result<Option<&Automerge>> {
        self.cache.ensure(self.tx, key.0, key.1)?;
        Ok(self.cache.get(key.0, key.1))
    }

    fn take_document(&mut self, key: DocKey) -> Result<Option<Automerge>> {
        self.cache.ensure(self.tx, key.0, key.1)?;
        let doc = self.cache.get(key.0, key.1).cloned();
        self.cache.evict(key.0, key.1);
        Ok(doc)
    }

    fn insert_document(&mut self, key: DocKey, bytes: &[u8], doc: &Automerge) -> Result<()> {
        // Not cached: a new device receives the whole caseload, and nothing here reads it
        // again.
        self.written.push(key);
        documents::insert_saved(self.tx, key.0, key.1, bytes, doc)?;
        super::sync_view::index_conflicts(self.tx, key.0, key.1, doc)
    }

    fn store_changes(&mut self, key: DocKey, changes: &[u8], doc: Automerge) -> Result<()> {
        self.written.push(key);
        if !changes.is_empty() {
            documents::append(self.tx, key.0, key.1, changes, &doc)?;
            super::sync_view::index_conflicts(self.tx, key.0, key.1, &doc)?;
        }
        self.cache.insert(key.0, key.1, doc);
        Ok(())
    }

    /// Refreshes the person's projections. When only one of their documents changed, only the
    /// projections derived from it are rewritten and the other document is neither loaded nor
    /// read (as for a local edit).
    fn person_changed(
        &mut self,
        person: Id,
        plan: Option<Plan>,
        case: Option<CaseRecord>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (tx, cache) = (self.tx, &mut *self.cache);
        let (plan, case) = match (plan, case) {
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

    fn erase(
        &mut self,
        person: Id,
        at: DateTime<Utc>,
        signature: Option<&TombstoneSignature>,
    ) -> Result<()> {
        self.cache.evict(person, DocKind::Plan);
        self.cache.evict(person, DocKind::Case);
        sync_state::erase(self.tx, person, at)?;
        if let Some(sig) = signature {
            signatures::set_tombstone_signature(self.tx, person, sig)?;
        }
        Ok(())
    }

    fn drop_copy(&mut self, person: Id) -> Result<()> {
        self.cache.evict(person, DocKind::Plan);
        self.cache.evict(person, DocKind::Case);
        sync_state::drop_copy(self.tx, person)
    }

    fn load_state(&mut self, peer: Id, key: DocKey) -> Result<Option<Vec<u8>>> {
        sync_state::load_state(self.tx, peer, key.0, key.1)
    }

    fn peer_states(&mut self, peer: Id) -> Result<Vec<(DocKey, Vec<u8>)>> {
        Ok(sync_state::states_for_peer(self.tx, peer)?
            .into_iter()
            .map(|(p, k, s)| ((p, k), s))
            .collect())
    }

    fn save_state(&mut self, peer: Id, key: DocKey, state: &[u8]) -> Result<()> {
        sync_state::save_state(self.tx, peer, key.0, key.1, state)
    }

    fn record_peer(
        &mut self,
        peer: &Hello,
        certificate: Option<&(String, String)>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sync_state::save_peer(self.tx, peer.store_id, peer.role, peer.person, at)?;
        crate::storage::sync_view::save_certificate(self.tx, peer.store_id, certificate)
    }

    fn certificate(&mut self, device: &PublicKey) -> Result<Option<Vec<u8>>> {
        signatures::certificate(self.tx, device)
    }

    fn redeem_grant(&mut self, grant: &[u8; 16], device: &[u8; 32]) -> Result<[u8; 32]> {
        identity::redeem_grant(self.tx, grant, device, Utc::now().timestamp())
    }

    fn put_certificate(&mut self, device: &PublicKey, bytes: &[u8]) -> Result<()> {
        signatures::put_certificate(self.tx, device, bytes)
    }

    fn put_signature(&mut self, key: DocKey, signature: &ChangeSignature) -> Result<()> {
        signatures::put(self.tx, key.0, key.1, signature)
    }

    fn signature(&mut self, key: DocKey, hash: &[u8; 32]) -> Result<Option<ChangeSignature>> {
        signatures::get(self.tx, key.0, key.1, hash)
    }

    fn document_signatures(&mut self, key: DocKey) -> Result<Vec<ChangeSignature>> {
        signatures::for_document(self.tx, key.0, key.1)
    }

    fn signature_count(&mut self, key: DocKey) -> Result<usize> {
        signatures::count_for_document(self.tx, key.0, key.1)
    }

    fn tombstone_signatures(&mut self) -> Result<HashMap<Id, TombstoneSignature>> {
        signatures::tombstone_signatures(self.tx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! The engine over a storage with access rules of its own (as a hub's caseloads): the
    //! people it does not share with a peer never reach that peer, and their documents are
    //! refused when the peer sends them.

    use std::collections::HashSet;

    use super::*;
    use crate::identity::TombstoneSignature;
    use crate::model::Role;
    use crate::store::test_support::{held, person, test_store};
    use crate::sync::engine::Received;
    use crate::Error;

    /// [`StoreSync`] sharing only `allowed` people with any peer.
    struct Restricted<'a, 'c> {
        inner: StoreSync<'a, 'c>,
        allowed: HashSet<Id>,
    }

    impl SyncStorage for Restricted<'_, '_> {
        fn info(&self) -> &StoreInfo {
            self.inner.info()
        }
        fn trust(&mut self) -> Result<Option<Trust>> {
            self.inner.trust()
        }
        fn is_enrolled(&mut self) -> Result<bool> {
            self.inner.is_enrolled()
        }
        fn may_share(&mut self, _peer: &Hello, person: Id) -> Result<bool> {
            Ok(self.allowed.contains(&person))
        }
        fn heads(&mut self) -> Result<Vec<(DocKey, Vec<u8>)>> {
            self.inner.heads()
        }
        fn tombstones(&mut self) -> Result<Vec<(Id, i64)>> {
            self.inner.tombstones()
        }
        fn is_erased(&mut self, person: Id) -> Result<bool> {
            self.inner.is_erased(person)
        }
        fn has_person(&mut self, person: Id) -> Result<bool> {
            self.inner.has_person(person)
        }
        fn saved_bytes(&mut self, key: DocKey) -> Result<Option<Vec<u8>>> {
            self.inner.saved_bytes(key)
        }
        fn saved_sizes(&mut self) -> Result<HashMap<DocKey, u64>> {
            self.inner.saved_sizes()
        }
        fn document(&mut self, key: DocKey) -> Result<Option<&Automerge>> {
            self.inner.document(key)
        }
        fn take_document(&mut self, key: DocKey) -> Result<Option<Automerge>> {
            self.inner.take_document(key)
        }
        fn insert_document(&mut self, key: DocKey, bytes: &[u8], doc: &Automerge) -> Result<()> {
            self.inner.insert_document(key, bytes, doc)
        }
        fn store_changes(&mut self, key: DocKey, changes: &[u8], doc: Automerge) -> Result<()> {
            self.inner.store_changes(key, changes, doc)
        }
        fn person_changed(
            &mut self,
            person: Id,
            plan: Option<Plan>,
            case: Option<CaseRecord>,
            now: DateTime<Utc>,
        ) -> Result<()> {
            self.inner.person_changed(person, plan, case, now)
        }
        fn erase(
            &mut self,
            person: Id,
            at: DateTime<Utc>,
            signature: Option<&TombstoneSignature>,
        ) -> Result<()> {
            self.inner.erase(person, at, signature)
        }
        fn load_state(&mut self, peer: Id, key: DocKey) -> Result<Option<Vec<u8>>> {
            self.inner.load_state(peer, key)
        }
        fn peer_states(&mut self, peer: Id) -> Result<Vec<(DocKey, Vec<u8>)>> {
            self.inner.peer_states(peer)
        }
        fn save_state(&mut self, peer: Id, key: DocKey, state: &[u8]) -> Result<()> {
            self.inner.save_state(peer, key, state)
        }
        fn record_peer(
            &mut self,
            peer: &Hello,
            certificate: Option<&(String, String)>,
            at: DateTime<Utc>,
        ) -> Result<()> {
            self.inner.record_peer(peer, certificate, at)
        }
        fn certificate(&mut self, device: &PublicKey) -> Result<Option<Vec<u8>>> {
            self.inner.certificate(device)
        }
        fn redeem_grant(&mut self, grant: &[u8; 16], device: &[u8; 32]) -> Result<[u8; 32]> {
            self.inner.redeem_grant(grant, device)
        }
        fn put_certificate(&mut self, device: &PublicKey, bytes: &[u8]) -> Result<()> {
            self.inner.put_certificate(device, bytes)
        }
        fn put_signature(&mut self, key: DocKey, signature: &ChangeSignature) -> Result<()> {
            self.inner.put_signature(key, signature)
        }
        fn signature(&mut self, key: DocKey, hash: &[u8; 32]) -> Result<Option<ChangeSignature>> {
            self.inner.signature(key, hash)
        }
        fn document_signatures(&mut self, key: DocKey) -> Result<Vec<ChangeSignature>> {
            self.inner.document_signatures(key)
        }
        fn signature_count(&mut self, key: DocKey) -> Result<usize> {
            self.inner.signature_count(key)
        }
        fn tombstone_signatures(&mut self) -> Result<HashMap<Id, TombstoneSignature>> {
            self.inner.tombstone_signatures()
        }
    }

    /// One message applied to `store` through the engine, sharing only `allowed` people;
    /// committed when it succeeds.
    fn receive_restricted(
        store: &Store,
        s: &mut SyncSession,
        bytes: &[u8],
        allowed: &HashSet<Id>,
    ) -> Result<Received> {
        store.db.write(|tx, cache| {
            let mut storage = Restricted {
                inner: StoreSync::new(tx, cache, &store.info, None),
                allowed: allowed.clone(),
            };
            let received = engine::receive(&mut storage, s, bytes);
            let written = std::mem::take(&mut storage.inner.written);
            if received.is_err() {
                for (p, k) in written {
                    cache.evict(p, k);
                }
            }
            received
        })
    }

    fn link_worker(dir: &tempfile::TempDir, name: &str) -> Store {
        test_store(dir.path(), &format!("{name}.db"), name, Role::LinkWorker)
    }

    fn mentions(frame: &[u8], person: Id) -> bool {
        let id = person.as_bytes();
        let text = person.to_string();
        frame.windows(16).any(|w| w == id)
            || frame.windows(text.len()).any(|w| w == text.as_bytes())
    }

    /// Runs a session from `device` (connecting) to `hub` (listening, sharing only
    /// `allowed`); every frame the hub sends is returned. Checks on the way that the documents
    /// the engine says each reply carries are those in the frame, and that the documents it
    /// says it stored are those whose changes reached the hub.
    fn session(device: &Store, hub: &Store, allowed: &HashSet<Id>) -> Result<Vec<Vec<u8>>> {
        let (mut sd, first) = device.sync_start()?;
        let mut sh = hub.sync_accept();
        let mut sent = Vec::new();
        let mut msg = Some(first);
        let mut to_hub = true;
        while let Some(m) = msg.take() {
            msg = if to_hub {
                let before = hub.documents().unwrap();
                let r = receive_restricted(hub, &mut sh, &m, allowed)?;
                let carried: Vec<DocKey> = r.reply.iter().flat_map(|b| docs_in(b)).collect();
                assert_eq!(r.sent, carried);
                let grown: HashSet<DocKey> = hub
                    .documents()
                    .unwrap()
                    .into_iter()
                    .filter(|d| !before.contains(d))
                    .map(|d| (d.person_id, d.kind))
                    .collect();
                assert_eq!(r.stored.iter().copied().collect::<HashSet<_>>(), grown);
                sent.extend(r.reply.clone());
                r.reply
            } else {
                device.sync_receive(&mut sd, &m)?.reply
            };
            to_hub = !to_hub;
        }
        Ok(sent)
    }

    fn docs_in(frame: &[u8]) -> Vec<DocKey> {
        crate::sync::wire::Message::decode(frame)
            .unwrap()
            .docs
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn a_storage_that_does_not_share_a_person_never_sends_them() {
        let dir = tempfile::tempdir().unwrap();
        let hub = link_worker(&dir, "hub");
        let (shared, other) = (person(&hub, "Rose"), person(&hub, "Iris"));
        let device = link_worker(&dir, "device");
        let allowed: HashSet<Id> = [shared].into();
        let frames = session(&device, &hub, &allowed).unwrap();
        assert_eq!(held(&device), allowed);
        let sent: Vec<DocKey> = frames.iter().flat_map(|f| docs_in(f)).collect();
        assert_eq!(sent.len(), 2, "the shared person's plan and case: {sent:?}");
        assert!(!frames.is_empty());
        assert!(frames.iter().all(|f| !mentions(f, other)));
        assert!(frames.iter().any(|f| mentions(f, shared)));
        // A second session is idle: what is not shared does not keep the digests apart.
        let frames = session(&device, &hub, &allowed).unwrap();
        assert_eq!(frames.len(), 1, "one answer: the digests agree");
    }

    #[test]
    fn a_storage_refuses_a_person_it_does_not_share_with_the_sender() {
        let dir = tempfile::tempdir().unwrap();
        let hub = link_worker(&dir, "hub");
        let device = link_worker(&dir, "device");
        let own = person(&device, "Rose");
        let stranger = person(&device, "Iris");
        let only_own: HashSet<Id> = [own].into();
        let err = session(&device, &hub, &only_own).unwrap_err();
        assert!(
            matches!(err, Error::NotPermitted { .. }),
            "the hub refuses the stranger's documents: {err:?}"
        );
        assert!(
            held(&hub).is_empty(),
            "nothing of the refused message is kept"
        );
        // Control: sharing both, the same session stores both.
        let both: HashSet<Id> = [own, stranger].into();
        session(&device, &hub, &both).unwrap();
        assert_eq!(held(&hub), both);
    }

    #[test]
    fn a_storage_refuses_a_tombstone_of_a_person_it_does_not_share_with_the_sender() {
        let dir = tempfile::tempdir().unwrap();
        let hub = link_worker(&dir, "hub");
        let device = link_worker(&dir, "device");
        let (shared, other) = (person(&hub, "Rose"), person(&hub, "Iris"));
        let tombstone = |s: &mut SyncSession, allowed: &HashSet<Id>| {
            let msg = crate::sync::wire::Message {
                hello: Some(Hello {
                    store_id: device.info.store_id,
                    role: Role::LinkWorker,
                    person: None,
                }),
                tombstones: vec![(other, Utc::now().timestamp_millis())],
                ..crate::sync::wire::Message::default()
            };
            receive_restricted(&hub, s, &msg.encode(), allowed)
        };
        let err = tombstone(&mut hub.sync_accept(), &[shared].into()).unwrap_err();
        assert!(matches!(err, Error::Sync { .. }), "{err:?}");
        assert_eq!(held(&hub), [shared, other].into(), "nothing was erased");
        // Control: a storage that shares the person with the sender takes the same message.
        tombstone(&mut hub.sync_accept(), &[shared, other].into()).unwrap();
        assert_eq!(held(&hub), [shared].into());
    }
}
