//! Document sync through the hub: the core's sync engine (`linkwork_core::sync::engine`, the
//! same code a phone runs) over the hub's storage, with caseload access control.
//!
//! Each message from a device is one step: [`HubSync::load`] reads what the step may need from
//! the [`HubStore`] in one read (the documents and signatures of the device's caseload, whose
//! caseload each person it or the message names is in, the device's sync states, signers'
//! certificates, tombstones),
//! the engine applies the message and decides the reply in memory, and [`HubSync::commit`]
//! stores what it wrote, with an audit entry for every document received and sent, in one
//! transaction. A refused message stores nothing.
//!
//! Access comes from the device's verified certificate and the hub's tables, never from its
//! hello ([`Access`]): a link worker's device shares the people in that user's caseload (those
//! they created, unless moved since, or were assigned); a team lead's the people of every user
//! of their team; a patient's phone only its person's plan; an admin's device nothing. A link
//! worker's or team lead's device may bring people new to the hub, who join its user's
//! caseload. Everything else is left out of what the device is sent and refused when it sends
//! it.
//!
//! A person moved out of a device's caseload (`caseload move`) whom the device holds (the hub
//! has sync state with it for them) stays shared with it until it drops its copy: every message
//! to it asks it to ("drop your copy", `linkwork_core::sync::engine`), its unsynced changes are
//! still accepted meanwhile, and its acknowledgement removes that sync state (audited as
//! `copy-dropped`).
//!
//! A step reads only the documents (and their change signatures) of the people its device's
//! access may cover ([`Device::sync_scope`], selected in the database): its caseload, the
//! people it still holds pending a drop, and, for a device that may bring new people, any
//! document of a person the hub has no caseload row for. Of the caseload rows it reads those
//! people's and those of every person the message names (`linkwork_core::sync::mentions`,
//! decoded before the step): access is decided from them, so a person in another caseload is
//! refused as before, never taken for one new to the hub. It reads the users of its caseloads,
//! the certificates of the signers of what it read and of what the message carries, the
//! tombstones of the people whose caseload rows it reads, and the redemptions of the pairing
//! grants it may record or refuse (the connected phone's, at its first message, and those of
//! the certificates the message carries). A document of a person without a caseload row (none
//! arise: the row is stored with the person's first documents) is read only when the message
//! names that person.

use std::collections::{BTreeMap, HashMap};

use automerge::Automerge;
use chrono::{DateTime, Utc};
use linkwork_core::identity::{
    CertRole, Certificate, ChangeSignature, PublicKey, RevocationList, TombstoneSignature,
    TrustRoot,
};
use linkwork_core::model::{CaseRecord, Code, DocKind, Plan, StoreInfo};
use linkwork_core::sync::engine::{self, DocKey, Hello, Received, SyncStorage, Trust};
use linkwork_core::sync::Mentions;
use linkwork_core::{Id, SyncSession};

use crate::authority::now;
use crate::error::Result;
use crate::store::{
    AuditEntry, DocumentRow, HubStore, PersonRow, SyncData, SyncScope, SyncWrites, User, UserRole,
};

/// What a connected device may see and send, from its verified certificate and the hub's
/// tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// A link worker's device: the caseload of the user with this id.
    Caseload {
        /// The user.
        user: i64,
    },
    /// A team lead's device: the caseloads of every user of `team`, and their own.
    Team {
        /// The team lead.
        user: i64,
        /// Their team (`None`: their own caseload only).
        team: Option<String>,
    },
    /// A patient's phone: that person's plan.
    Patient {
        /// The person.
        person: Id,
    },
    /// No clinical documents (an admin's device, or any device the hub cannot place).
    Nothing,
}

impl Access {
    /// The access of a device with this verified certificate, enrolled for `user` (`None` for a
    /// device the hub does not know). A patient's certificate gives its person's plan whoever
    /// `user` is (for a paired phone, the user whose device paired it).
    pub fn of(cert: &Certificate, user: Option<&User>) -> Access {
        match (cert.role, user) {
            (CertRole::Patient, _) => match cert.person {
                Some(person) => Access::Patient { person },
                None => Access::Nothing,
            },
            (CertRole::LinkWorker, Some(u)) if u.role == UserRole::LinkWorker => {
                Access::Caseload { user: u.id }
            }
            (CertRole::TeamLead | CertRole::LinkWorker, Some(u))
                if u.role == UserRole::TeamLead =>
            {
                Access::Team {
                    user: u.id,
                    team: u.team.clone(),
                }
            }
            _ => Access::Nothing,
        }
    }

    /// The user whose caseload new people join, if this device may bring any.
    fn creator(&self) -> Option<i64> {
        match self {
            Access::Caseload { user } | Access::Team { user, .. } => Some(*user),
            Access::Patient { .. } | Access::Nothing => None,
        }
    }
}

/// The connected device, for access and audit.
#[derive(Clone, Debug)]
pub struct Device {
    /// What it may see and send.
    pub access: Access,
    /// Its public key, hex (audit).
    pub key: String,
    /// Its user's name, when the hub enrolled it (audit).
    pub user: Option<String>,
    /// Its store id (from its certificate): its sync states are kept under it.
    pub store_id: Id,
}

impl Device {
    /// What a sync step with this device reads of the hub's documents: every person its
    /// access may cover — its user's caseload, for a team lead their team's, for a patient's
    /// phone its person — and every person it holds (has sync state for, such as one moved
    /// out of its caseload and not yet dropped); for a device that may bring people new to the
    /// hub, documents of people without a caseload row too. A superset of what the step may
    /// share with it: the step's access control still decides each person.
    pub fn sync_scope(&self) -> SyncScope {
        let mut scope = SyncScope {
            peer: self.store_id.to_string(),
            unassigned: self.access.creator().is_some(),
            ..SyncScope::default()
        };
        match &self.access {
            Access::Caseload { user } => scope.user = Some(*user),
            Access::Team { user, team } => {
                scope.user = Some(*user);
                scope.team.clone_from(team);
            }
            Access::Patient { person } => scope.person = Some(person.to_string()),
            Access::Nothing => {}
        }
        scope
    }
}

fn damaged(what: &'static str) -> linkwork_core::Error {
    linkwork_core::Error::Schema {
        reason: format!("stored hub {what}"),
    }
}

fn encode_signature(sig: &ChangeSignature) -> Vec<u8> {
    let mut out = Vec::with_capacity(137);
    out.extend_from_slice(&sig.hash);
    out.extend_from_slice(sig.signer.as_bytes());
    out.extend_from_slice(&sig.signature);
    out.push(u8::from(sig.adopted));
    out.extend_from_slice(&sig.valid_at.to_be_bytes());
    out
}

fn decode_signature(bytes: &[u8]) -> linkwork_core::Result<ChangeSignature> {
    let bad = || damaged("signature");
    if bytes.len() != 137 {
        return Err(bad());
    }
    Ok(ChangeSignature {
        hash: bytes[0..32].try_into().map_err(|_| bad())?,
        signer: PublicKey::from_bytes(bytes[32..64].try_into().map_err(|_| bad())?),
        signature: bytes[64..128].try_into().map_err(|_| bad())?,
        adopted: bytes[128] != 0,
        valid_at: i64::from_be_bytes(bytes[129..137].try_into().map_err(|_| bad())?),
    })
}

fn encode_tombstone(sig: &TombstoneSignature) -> Vec<u8> {
    let mut out = Vec::with_capacity(96);
    out.extend_from_slice(sig.signer.as_bytes());
    out.extend_from_slice(&sig.signature);
    out
}

fn decode_tombstone(bytes: &[u8]) -> linkwork_core::Result<TombstoneSignature> {
    let bad = || damaged("tombstone signature");
    if bytes.len() != 96 {
        return Err(bad());
    }
    Ok(TombstoneSignature {
        signer: PublicKey::from_bytes(bytes[0..32].try_into().map_err(|_| bad())?),
        signature: bytes[32..96].try_into().map_err(|_| bad())?,
    })
}

fn key_of(person: &str, kind: &str) -> linkwork_core::Result<DocKey> {
    let person = Id::parse("person", person).map_err(|_| damaged("person id"))?;
    let kind = DocKind::from_code(kind).ok_or_else(|| damaged("document kind"))?;
    Ok((person, kind))
}

fn encode_heads(doc: &Automerge) -> Vec<u8> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads.iter().flat_map(|h| h.0).collect()
}

/// The hub's storage as the sync engine sees it for one step: what [`HubStore::sync_load`]
/// read, with the step's writes applied, and the writes to commit.
pub struct HubSync<'a> {
    info: StoreInfo,
    trust: Trust,
    device: &'a Device,
    docs: BTreeMap<DocKey, (Vec<u8>, Vec<u8>)>,
    /// The heads of each document as read: a commit stores a document only if it still has
    /// them (another step, device or node may have changed it meanwhile).
    read_heads: HashMap<DocKey, Vec<u8>>,
    loaded: HashMap<DocKey, Automerge>,
    people: HashMap<Id, PersonRow>,
    teams: HashMap<i64, Option<String>>,
    states: HashMap<DocKey, Vec<u8>>,
    signatures: HashMap<[u8; 32], (DocKey, ChangeSignature)>,
    certificates: HashMap<[u8; 32], Vec<u8>>,
    /// Pairing grants taken up: grant id to the device holding it.
    redemptions: HashMap<[u8; 16], [u8; 32]>,
    tombstones: BTreeMap<Id, (i64, Option<TombstoneSignature>)>,
    writes: SyncWrites,
}

impl<'a> HubSync<'a> {
    /// Loads what one step with `device` may read ([`Device::sync_scope`]) for a message that
    /// names `mentions` (its people's caseload rows and its signers' certificates are read
    /// too; nobody for a round the hub starts).
    ///
    /// # Errors
    /// Database errors; [`linkwork_core::Error::Schema`] (as `HubError::Core`) for damaged rows.
    pub async fn load<S: HubStore>(
        store: &S,
        hub_certificate: &Certificate,
        root: &TrustRoot,
        revoked: Option<RevocationList>,
        device: &'a Device,
        mentions: &Mentions,
    ) -> Result<HubSync<'a>> {
        let scope = SyncScope {
            mentioned: mentions.people.iter().map(Id::to_string).collect(),
            signers: mentions
                .signers
                .iter()
                .map(|k| k.as_bytes().to_vec())
                .collect(),
            grants: mentions.grants.iter().map(|g| g.to_vec()).collect(),
            ..device.sync_scope()
        };
        let data: SyncData = store.sync_load(&scope).await?;
        let peer = scope.peer;
        let mut docs = BTreeMap::new();
        for d in data.documents {
            docs.insert(key_of(&d.person, &d.kind)?, (d.bytes, d.heads));
        }
        let mut people = HashMap::new();
        for p in data.people {
            let id = Id::parse("person", &p.person).map_err(|_| damaged("person id"))?;
            people.insert(id, p);
        }
        let teams = data.users.into_iter().map(|u| (u.id, u.team)).collect();
        let mut states = HashMap::new();
        for (p, k, state) in data.states {
            states.insert(key_of(&p, &k)?, state);
        }
        let mut signatures = HashMap::new();
        for (p, k, sig) in data.signatures {
            let sig = decode_signature(&sig)?;
            signatures.insert(sig.hash, (key_of(&p, &k)?, sig));
        }
        let mut certificates = HashMap::new();
        for (device, cert) in data.certificates {
            let device: [u8; 32] = device
                .as_slice()
                .try_into()
                .map_err(|_| damaged("certificate key"))?;
            certificates.insert(device, cert);
        }
        let mut redemptions = HashMap::new();
        for (grant, holder) in data.redemptions {
            let grant: [u8; 16] = grant
                .as_slice()
                .try_into()
                .map_err(|_| damaged("grant redemption"))?;
            let holder: [u8; 32] = holder
                .as_slice()
                .try_into()
                .map_err(|_| damaged("grant redemption"))?;
            redemptions.insert(grant, holder);
        }
        let mut tombstones = BTreeMap::new();
        for (p, at, sig) in data.tombstones {
            let id = Id::parse("person", &p).map_err(|_| damaged("person id"))?;
            let sig = sig.as_deref().map(decode_tombstone).transpose()?;
            tombstones.insert(id, (at, sig));
        }
        let read_heads = docs.iter().map(|(k, (_, h))| (*k, h.clone())).collect();
        Ok(HubSync {
            info: StoreInfo {
                store_id: hub_certificate.store_id,
                user: hub_certificate.name.clone(),
                role: hub_certificate.role.store_role(),
                person: None,
            },
            trust: Trust::new(root.clone(), revoked),
            device,
            docs,
            read_heads,
            loaded: HashMap::new(),
            people,
            teams,
            states,
            signatures,
            certificates,
            redemptions,
            tombstones,
            writes: SyncWrites {
                peer,
                ..SyncWrites::default()
            },
        })
    }

    /// Stores what the step wrote, with an audit entry for every document `received` says was
    /// stored and sent.
    ///
    /// # Errors
    /// Database errors (nothing of the step is stored).
    pub async fn commit<S: HubStore>(self, store: &S, received: &Received) -> Result<()> {
        self.commit_audited(store, &received.stored, &received.sent, &received.dropped)
            .await
    }

    /// Stores what the step wrote, with an audit entry for every document `stored` (received)
    /// and `sent`, and for every person whose copy the device said it `dropped`.
    async fn commit_audited<S: HubStore>(
        mut self,
        store: &S,
        stored: &[DocKey],
        sent: &[DocKey],
        dropped: &[Id],
    ) -> Result<()> {
        let at = now();
        let entry = |event: &str, (person, kind): &DocKey| AuditEntry {
            at,
            event: event.to_owned(),
            device: Some(self.device.key.clone()),
            user: self.device.user.clone(),
            detail: Some(kind.code().to_owned()),
            person: Some(person.to_string()),
        };
        let mut audit: Vec<AuditEntry> = stored
            .iter()
            .map(|k| entry("changes-received", k))
            .collect();
        audit.extend(sent.iter().map(|k| entry("document-sent", k)));
        audit.extend(dropped.iter().map(|person| AuditEntry {
            at,
            event: "copy-dropped".to_owned(),
            device: Some(self.device.key.clone()),
            user: self.device.user.clone(),
            detail: None,
            person: Some(person.to_string()),
        }));
        self.writes.audit = audit;
        store.sync_commit(self.writes).await
    }

    fn allowed(&self, person: Id) -> bool {
        let Some(row) = self.people.get(&person) else {
            // New to the hub: a link worker's or team lead's device brings them.
            return self.device.access.creator().is_some()
                && !self.tombstones.contains_key(&person);
        };
        match &self.device.access {
            Access::Caseload { user } => row.assigned_to == *user,
            Access::Team { user, team } => {
                row.assigned_to == *user
                    || (team.is_some() && self.teams.get(&row.assigned_to) == Some(team))
            }
            Access::Patient { person: own } => *own == person,
            Access::Nothing => false,
        }
    }

    /// Whether the device holds `person` (this hub has sync state with it for them) although
    /// its access no longer covers them: moved out of its caseload, its copy is to be dropped.
    fn pending_drop(&self, person: Id) -> bool {
        !self.allowed(person) && self.states.keys().any(|(p, _)| *p == person)
    }

    fn load_doc(&mut self, key: DocKey) -> linkwork_core::Result<bool> {
        if self.loaded.contains_key(&key) {
            return Ok(true);
        }
        let Some((bytes, _)) = self.docs.get(&key) else {
            return Ok(false);
        };
        let doc = Automerge::load(bytes).map_err(|_| damaged("document"))?;
        self.loaded.insert(key, doc);
        Ok(true)
    }

    fn put_doc(&mut self, key: DocKey, bytes: Vec<u8>, heads: Vec<u8>) {
        if !self.people.contains_key(&key.0) {
            if let Some(user) = self.device.access.creator() {
                let row = PersonRow {
                    person: key.0.to_string(),
                    created_by: user,
                    assigned_to: user,
                };
                self.people.insert(key.0, row.clone());
                self.writes.new_people.push(row);
            }
        }
        // One write per document and step, the latest, checked against the heads read.
        let (person, kind) = (key.0.to_string(), key.1.code());
        self.writes
            .documents
            .retain(|(d, _)| d.person != person || d.kind != kind);
        self.writes.documents.push((
            DocumentRow {
                person: key.0.to_string(),
                kind: key.1.code().to_owned(),
                bytes: bytes.clone(),
                heads: heads.clone(),
            },
            self.read_heads.get(&key).cloned(),
        ));
        self.docs.insert(key, (bytes, heads));
    }
}

impl SyncStorage for HubSync<'_> {
    fn info(&self) -> &StoreInfo {
        &self.info
    }

    fn trust(&mut self) -> linkwork_core::Result<Option<Trust>> {
        Ok(Some(self.trust.clone()))
    }

    fn is_enrolled(&mut self) -> linkwork_core::Result<bool> {
        Ok(true)
    }

    fn may_share(&mut self, _peer: &Hello, person: Id) -> linkwork_core::Result<bool> {
        // A person moved away stays shared with the device until it drops its copy, so that
        // its unsynced changes reach the hub first.
        Ok(self.allowed(person) || self.pending_drop(person))
    }

    fn is_hub(&self) -> bool {
        true
    }

    fn drops_for(&mut self, _peer: &Hello) -> linkwork_core::Result<Vec<Id>> {
        let mut people: Vec<Id> = self.states.keys().map(|(p, _)| *p).collect();
        people.sort();
        people.dedup();
        people.retain(|p| !self.allowed(*p));
        Ok(people)
    }

    fn copy_dropped(&mut self, _peer: &Hello, person: Id) -> linkwork_core::Result<()> {
        self.states.retain(|(p, _), _| *p != person);
        let text = person.to_string();
        self.writes.states.retain(|(p, _, _)| *p != text);
        self.writes.forgotten.push(text);
        Ok(())
    }

    fn heads(&mut self) -> linkwork_core::Result<Vec<(DocKey, Vec<u8>)>> {
        Ok(self
            .docs
            .iter()
            .map(|(k, (_, heads))| (*k, heads.clone()))
            .collect())
    }

    fn tombstones(&mut self) -> linkwork_core::Result<Vec<(Id, i64)>> {
        Ok(self
            .tombstones
            .iter()
            .map(|(p, (at, _))| (*p, *at))
            .collect())
    }

    fn is_erased(&mut self, person: Id) -> linkwork_core::Result<bool> {
        Ok(self.tombstones.contains_key(&person))
    }

    fn has_person(&mut self, person: Id) -> linkwork_core::Result<bool> {
        Ok(self.docs.keys().any(|(p, _)| *p == person))
    }

    fn saved_bytes(&mut self, key: DocKey) -> linkwork_core::Result<Option<Vec<u8>>> {
        Ok(self.docs.get(&key).map(|(bytes, _)| bytes.clone()))
    }

    fn saved_sizes(&mut self) -> linkwork_core::Result<HashMap<DocKey, u64>> {
        Ok(self
            .docs
            .iter()
            .map(|(k, (bytes, _))| (*k, bytes.len() as u64))
            .collect())
    }

    fn document(&mut self, key: DocKey) -> linkwork_core::Result<Option<&Automerge>> {
        self.load_doc(key)?;
        Ok(self.loaded.get(&key))
    }

    fn take_document(&mut self, key: DocKey) -> linkwork_core::Result<Option<Automerge>> {
        self.load_doc(key)?;
        Ok(self.loaded.remove(&key))
    }

    fn insert_document(
        &mut self,
        key: DocKey,
        bytes: &[u8],
        doc: &Automerge,
    ) -> linkwork_core::Result<()> {
        self.put_doc(key, bytes.to_vec(), encode_heads(doc));
        Ok(())
    }

    fn store_changes(
        &mut self,
        key: DocKey,
        changes: &[u8],
        doc: Automerge,
    ) -> linkwork_core::Result<()> {
        if !changes.is_empty() {
            self.put_doc(key, doc.save(), encode_heads(&doc));
        }
        self.loaded.insert(key, doc);
        Ok(())
    }

    fn person_changed(
        &mut self,
        _person: Id,
        _plan: Option<Plan>,
        _case: Option<CaseRecord>,
        _now: DateTime<Utc>,
    ) -> linkwork_core::Result<()> {
        // The hub derives nothing from people's documents.
        Ok(())
    }

    fn erase(
        &mut self,
        person: Id,
        at: DateTime<Utc>,
        signature: Option<&TombstoneSignature>,
    ) -> linkwork_core::Result<()> {
        self.docs.retain(|(p, _), _| *p != person);
        self.loaded.retain(|(p, _), _| *p != person);
        self.states.retain(|(p, _), _| *p != person);
        self.signatures.retain(|_, ((p, _), _)| *p != person);
        self.writes
            .documents
            .retain(|(d, _)| d.person != person.to_string());
        let at = at.timestamp_millis();
        self.tombstones.insert(person, (at, signature.copied()));
        self.writes
            .erased
            .push((person.to_string(), at, signature.map(encode_tombstone)));
        Ok(())
    }

    fn load_state(&mut self, _peer: Id, key: DocKey) -> linkwork_core::Result<Option<Vec<u8>>> {
        Ok(self.states.get(&key).cloned())
    }

    fn peer_states(&mut self, _peer: Id) -> linkwork_core::Result<Vec<(DocKey, Vec<u8>)>> {
        Ok(self.states.iter().map(|(k, s)| (*k, s.clone())).collect())
    }

    fn save_state(&mut self, _peer: Id, key: DocKey, state: &[u8]) -> linkwork_core::Result<()> {
        self.states.insert(key, state.to_vec());
        self.writes
            .states
            .push((key.0.to_string(), key.1.code().to_owned(), state.to_vec()));
        Ok(())
    }

    fn record_peer(
        &mut self,
        _peer: &Hello,
        _certificate: Option<&(String, String)>,
        _at: DateTime<Utc>,
    ) -> linkwork_core::Result<()> {
        // Devices are the hub's own table; each connection is audited.
        Ok(())
    }

    fn certificate(&mut self, device: &PublicKey) -> linkwork_core::Result<Option<Vec<u8>>> {
        Ok(self.certificates.get(device.as_bytes()).cloned())
    }

    fn redeem_grant(
        &mut self,
        grant: &[u8; 16],
        device: &[u8; 32],
    ) -> linkwork_core::Result<[u8; 32]> {
        if let Some(holder) = self.redemptions.get(grant) {
            return Ok(*holder);
        }
        self.redemptions.insert(*grant, *device);
        self.writes
            .redemptions
            .push((grant.to_vec(), device.to_vec()));
        Ok(*device)
    }

    fn put_certificate(&mut self, device: &PublicKey, bytes: &[u8]) -> linkwork_core::Result<()> {
        self.certificates.insert(*device.as_bytes(), bytes.to_vec());
        self.writes
            .certificates
            .push((device.as_bytes().to_vec(), bytes.to_vec()));
        Ok(())
    }

    fn put_signature(
        &mut self,
        key: DocKey,
        signature: &ChangeSignature,
    ) -> linkwork_core::Result<()> {
        self.signatures.insert(signature.hash, (key, *signature));
        self.writes.signatures.push((
            signature.hash.to_vec(),
            key.0.to_string(),
            key.1.code().to_owned(),
            encode_signature(signature),
        ));
        Ok(())
    }

    fn signature(
        &mut self,
        key: DocKey,
        hash: &[u8; 32],
    ) -> linkwork_core::Result<Option<ChangeSignature>> {
        Ok(self
            .signatures
            .get(hash)
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| *s))
    }

    fn document_signatures(&mut self, key: DocKey) -> linkwork_core::Result<Vec<ChangeSignature>> {
        Ok(self
            .signatures
            .values()
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| *s)
            .collect())
    }

    fn signature_count(&mut self, key: DocKey) -> linkwork_core::Result<usize> {
        Ok(self.signatures.values().filter(|(k, _)| *k == key).count())
    }

    fn tombstone_signatures(&mut self) -> linkwork_core::Result<HashMap<Id, TombstoneSignature>> {
        Ok(self
            .tombstones
            .iter()
            .filter_map(|(p, (_, s))| s.map(|s| (*p, s)))
            .collect())
    }
}

/// What one step with `device` may read ([`HubSync::load`]) under the hub's current revocation
/// list, for a message naming `mentions`.
async fn load_step<'a, S: HubStore>(
    hub: &crate::Hub<S>,
    device: &'a Device,
    mentions: &Mentions,
) -> Result<HubSync<'a>> {
    let revoked = hub.revocations().await?;
    HubSync::load(
        &hub.store,
        &hub.certificate,
        &hub.root,
        revoked,
        device,
        mentions,
    )
    .await
}

/// Applies one sync message from `device` in `session` (made with
/// [`linkwork_core::sync::engine::accept_authenticated`] from the device's verified
/// certificate): loads, runs the engine, stores what it wrote and audits it. Returns the reply
/// to send, if any.
///
/// # Errors
/// The engine's refusals (`HubError::Core`: nothing was stored, abandon the session);
/// [`crate::HubError::Concurrent`] when another step changed a document this one changed
/// (nothing was stored; a new session succeeds); database errors.
pub async fn receive<S: HubStore>(
    hub: &crate::Hub<S>,
    device: &Device,
    session: &mut SyncSession,
    bytes: &[u8],
) -> Result<Received> {
    // A message that does not decode names nobody: the engine refuses it.
    let mut mentions = linkwork_core::sync::mentions(bytes).unwrap_or_default();
    // A paired phone's grant is recorded (or refused) at its first message.
    mentions.grants.extend(session.pending_grant());
    let mut storage = load_step(hub, device, &mentions).await?;
    let received = engine::receive(&mut storage, session, bytes)?;
    storage.commit(&hub.store, &received).await?;
    Ok(received)
}

/// Live mode, once `session` with `device` has completed: when documents it shares with the
/// device changed on the hub since (another device's edits, through this node or another one),
/// a message carrying them, which starts a round the device answers as usual ([`receive`]);
/// the documents sent are audited. `None` when nothing it shares changed, or a round is in
/// flight. The decision is the core's ([`engine::poll`], the call a phone makes for its own
/// edits).
///
/// # Errors
/// Database errors; [`linkwork_core::Error::Schema`] (as `HubError::Core`) for damaged rows.
pub async fn poll<S: HubStore>(
    hub: &crate::Hub<S>,
    device: &Device,
    session: &mut SyncSession,
) -> Result<Option<Vec<u8>>> {
    if !session.is_complete() {
        return Ok(None);
    }
    let mut storage = load_step(hub, device, &Mentions::default()).await?;
    let Some(out) = engine::poll(&mut storage, session)? else {
        return Ok(None);
    };
    storage
        .commit_audited(&hub.store, &[], &out.sent, &[])
        .await?;
    Ok(Some(out.bytes))
}
