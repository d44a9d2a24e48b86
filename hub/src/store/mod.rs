//! The hub's storage: the [`HubStore`] trait and its records, with two implementations —
//! [`postgres::PgStore`] (the system of record of a deployment; several hub nodes share one
//! database) and [`sqlite::SqliteStore`] (the embedded default for small teams and the demo,
//! encrypted with SQLCipher under a key derived from the hub's key file).
//!
//! Tables (schema migrations are versioned per backend, in `migrations/`): `organisation` (the
//! trust root and the hub's own certificate; the signing key is in the key file, see
//! `docs/deploy.md#key-custody`), `users`, `invites` (code hashes only), `devices`,
//! `revocations` (every signed list, by version) and `audit` (append-only: a trigger refuses
//! updates and deletes); from version 2, what document sync keeps (`people` with whose caseload
//! each is in, `documents`, per-device `sync_state`, `change_signatures`, `certificates`,
//! `tombstones`; see `crate::sync`); from version 3, `directory_feeds` (the services
//! directory, by version; see `crate::directory`); from version 4, `grant_redemptions` (the
//! first device seen taking up each pairing grant); from version 5, an index on
//! `people.assigned_to` (a sync step reads its device's caseload rows by it); from version 6,
//! patients' phones paired offline are `devices` rows too (with their person and the key of
//! the device that paired them); from version 7, an index on `users.team` (a team lead's step
//! finds its team's users by it).

pub mod pg_tls;
pub mod postgres;
pub mod sqlite;

use std::future::Future;

use serde::Serialize;

use crate::error::Result;

/// A hub user's role (a patient's phone is paired by a link worker, never invited).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserRole {
    /// A link worker.
    LinkWorker,
    /// A team lead.
    TeamLead,
    /// An administrator (receives no clinical documents).
    Admin,
}

impl UserRole {
    /// Every role.
    pub const ALL: [UserRole; 3] = [UserRole::LinkWorker, UserRole::TeamLead, UserRole::Admin];

    /// The stable code (`link-worker`, `team-lead`, `admin`), as stored and typed.
    pub fn code(self) -> &'static str {
        match self {
            UserRole::LinkWorker => "link-worker",
            UserRole::TeamLead => "team-lead",
            UserRole::Admin => "admin",
        }
    }

    /// The role for a code, if known.
    pub fn from_code(code: &str) -> Option<UserRole> {
        UserRole::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// The organisation a hub serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgRecord {
    /// Its name.
    pub name: String,
    /// The encoded trust root.
    pub trust_root: Vec<u8>,
    /// The hub's own encoded device certificate (role hub).
    pub hub_certificate: Vec<u8>,
    /// When `init` ran (seconds since the epoch).
    pub created_at: i64,
}

/// A user of the organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// The hub's id for the user.
    pub id: i64,
    /// The user's name (unique; the name on their devices' certificates).
    pub name: String,
    /// Their role.
    pub role: UserRole,
    /// Their team, if any.
    pub team: Option<String>,
}

/// A device to record at enrolment, or a patient's phone at its first admission.
#[derive(Clone, Debug)]
pub struct NewDevice {
    /// The device's public key (32 bytes).
    pub key: [u8; 32],
    /// The user it was enrolled for (for a patient's phone: the user of the device that
    /// paired it).
    pub user_id: i64,
    /// The device's encoded certificate.
    pub certificate: Vec<u8>,
    /// When (seconds since the epoch).
    pub enrolled_at: i64,
    /// For a patient's phone: its person (id text) and the key of the device that paired it.
    pub paired: Option<(String, [u8; 32])>,
}

/// An enrolled device as the hub knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    /// The device's public key, 64 hex digits.
    pub key: String,
    /// Its user's name (for a patient's phone: the user whose device paired it).
    pub user: String,
    /// Its user's role.
    pub role: UserRole,
    /// When it enrolled (a patient's phone: when the hub first admitted it).
    pub enrolled_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// Its encoded certificate.
    #[serde(skip)]
    pub certificate: Vec<u8>,
    /// For a patient's phone paired offline: the person (id) whose phone it is.
    pub person: Option<String>,
    /// For a patient's phone: the key (hex) of the link worker's device that paired it.
    pub paired_by: Option<String>,
}

/// What [`HubStore::pair_device`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paired {
    /// The phone was recorded now (its first admission), holding its grant.
    New(Device),
    /// The phone was already recorded (it may be revoked since).
    Known(Device),
    /// Another device took up the phone's pairing grant first.
    GrantUsed,
}

/// What happened to an invite code at redemption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The code was valid and is now used: enrol for this user.
    Claimed(User),
    /// No invite has this code.
    Unknown,
    /// The invite (for this user) was already used.
    Used(User),
    /// The invite (for this user) has expired.
    Expired(User),
}

/// One entry of the audit log, to append.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When (seconds since the epoch).
    pub at: i64,
    /// What: `enrol`, `enrol-refused`, `authenticate`, `authenticate-refused`, `revoke`,
    /// `disconnect-revoked`, `user-add`, `invite`, `document-sent`, `changes-received`,
    /// `sync-refused`, `caseload-move` (the admin who moved a person, to whom),
    /// `copy-dropped` (a device dropped its copy of a person moved out of its caseload).
    pub event: String,
    /// The device's public key (hex) when it was verified (or, for an enrolment, certified).
    pub device: Option<String>,
    /// The user's name when known from the hub's tables.
    pub user: Option<String>,
    /// Why, for a refusal (a reason code, never patient data), or the remote address; for a
    /// document sent or changes received, the document's kind.
    pub detail: Option<String>,
    /// The person (id) the entry is about: a document sent or changes received.
    pub person: Option<String>,
}

/// An audit entry as stored, with its sequence number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Its position in the log.
    pub seq: i64,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// One version of the organisation's services directory as the hub stores it (without the
/// feed's bytes, [`HubStore::directory_feed`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HubDirectory {
    /// Its version: increases with every import or fetch that changed the directory.
    pub version: i64,
    /// Its content digest: lower-case hex SHA-256 of the cleaned services (what a phone holding
    /// the same directory reports).
    pub digest: String,
    /// Where it came from (the file name or URL).
    pub source: String,
    /// The newest `last_modified` among its services.
    pub feed_date: Option<String>,
    /// When it was stored (seconds since the epoch).
    pub imported_at: i64,
    /// Services imported.
    pub services: i64,
    /// Service records read from the feed.
    pub records: i64,
    /// Records left out.
    pub skipped: i64,
    /// The feed's size in bytes (what a phone is sent).
    pub bytes: i64,
}

/// How many directory versions the hub keeps (the newest is current).
pub const DIRECTORY_VERSIONS_KEPT: i64 = 5;

/// A document as the hub stores it (person id as text, kind code, automerge bytes, encoded
/// heads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRow {
    /// The person's id (UUID text).
    pub person: String,
    /// `plan` or `case`.
    pub kind: String,
    /// The whole document, as automerge saves it.
    pub bytes: Vec<u8>,
    /// Its heads: the sorted change hashes, concatenated.
    pub heads: Vec<u8>,
}

/// Whose caseload a person is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    /// The person's id (UUID text).
    pub person: String,
    /// The user whose device first sent their documents.
    pub created_by: i64,
    /// The user whose caseload they are in.
    pub assigned_to: i64,
}

/// Whose documents one sync step reads ([`HubStore::sync_load`]): the union of the people its
/// fields name, so that a step reads the device's caseload and not the organisation's. Made
/// from the device's access by `crate::sync::Device::sync_scope`; an empty scope (only `peer`)
/// reads no documents beyond those the device holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncScope {
    /// The connected device's store id (text): its sync states are read, and the documents of
    /// every person it has sync state for (it holds them, even if moved out of its caseload
    /// since: see "drop your copy" in `crate::sync`).
    pub peer: String,
    /// A user whose caseload is read: the people assigned to them.
    pub user: Option<i64>,
    /// A team whose caseloads are read: the people assigned to any user of this team.
    pub team: Option<String>,
    /// One person (id text) whose documents are read (a patient's phone).
    pub person: Option<String>,
    /// Also read the documents of the people the message names (`mentioned`) that the hub has
    /// no caseload row for (for a device that may bring people new to the hub, to whom such
    /// documents would be shared). None arise in practice: a person's caseload row is stored
    /// with their first documents. Probed per person named, never by scanning the documents.
    pub unassigned: bool,
    /// People (id text) the step's message names (`linkwork_core::sync::mentions`): their
    /// caseload rows and tombstones are read too, so that a person in another caseload is
    /// refused rather than taken for one new to the hub, and one erased is known as erased.
    /// Their documents are not read (but see `unassigned`).
    pub mentioned: Vec<String>,
    /// Devices (public keys) whose signatures the step's message carries: their certificates
    /// are read too.
    pub signers: Vec<Vec<u8>>,
    /// Pairing grants (grant ids) the step may record or refuse: the one the connected
    /// device's certificate takes up, before its first message, and those of the certificates
    /// the message carries. Their redemption rows are read.
    pub grants: Vec<Vec<u8>>,
}

/// What one sync step may read, loaded in one read (see `crate::sync`).
#[derive(Clone, Debug, Default)]
pub struct SyncData {
    /// The stored documents of the people in the step's [`SyncScope`].
    pub documents: Vec<DocumentRow>,
    /// Whose caseload each person in the step's [`SyncScope`] is in, and each person its
    /// message names (access is decided from these; a person without a row is new to the hub).
    pub people: Vec<PersonRow>,
    /// The users whose caseloads the scope reads: its user and the users of its team.
    pub users: Vec<User>,
    /// The connected device's sync states: (person, kind, automerge sync state).
    pub states: Vec<(String, String, Vec<u8>)>,
    /// Change signatures of the documents of the people in the step's [`SyncScope`]: (person,
    /// kind, encoded signature).
    pub signatures: Vec<(String, String, Vec<u8>)>,
    /// Signers' certificates, (device key, encoded certificate): of the signers of the
    /// signatures and tombstones read, and of the scope's `signers`.
    pub certificates: Vec<(Vec<u8>, Vec<u8>)>,
    /// Pairing grants taken up, of the step's [`SyncScope`] `grants`: (grant id, the device
    /// holding it).
    pub redemptions: Vec<(Vec<u8>, Vec<u8>)>,
    /// Tombstones of the people in the step's [`SyncScope`] and of the people its message
    /// names: (person, erased at in ms, encoded signature).
    pub tombstones: Vec<(String, i64, Option<Vec<u8>>)>,
}

/// What one sync step wrote, stored in one transaction (see `crate::sync`).
#[derive(Clone, Debug, Default)]
pub struct SyncWrites {
    /// The connected device's store id (text), whose sync states these are.
    pub peer: String,
    /// Documents to insert or replace, each with the heads it had when the step read it
    /// (`None`: it did not exist). A document whose stored heads differ by the time of the
    /// commit was changed by another step meanwhile: the commit stores nothing and fails
    /// with [`crate::error::HubError::Concurrent`].
    pub documents: Vec<(DocumentRow, Option<Vec<u8>>)>,
    /// People new to the hub.
    pub new_people: Vec<PersonRow>,
    /// Sync states with the connected device: (person, kind, state).
    pub states: Vec<(String, String, Vec<u8>)>,
    /// Change signatures: (hash, person, kind, encoded signature).
    pub signatures: Vec<(Vec<u8>, String, String, Vec<u8>)>,
    /// Signers' certificates: (device key, encoded certificate).
    pub certificates: Vec<(Vec<u8>, Vec<u8>)>,
    /// Pairing grants taken up: (grant id, device). A grant another device took up by the time
    /// of the commit stores nothing and fails with [`crate::error::HubError::Concurrent`] (the
    /// next session is refused the grant).
    pub redemptions: Vec<(Vec<u8>, Vec<u8>)>,
    /// People erased: (person, erased at in ms, encoded signature). Their documents, sync
    /// states and signatures go.
    pub erased: Vec<(String, i64, Option<Vec<u8>>)>,
    /// People the connected device dropped its copy of (moved out of its caseload): their
    /// sync states with it go.
    pub forgotten: Vec<String>,
    /// Audit entries of what the step sent and received.
    pub audit: Vec<AuditEntry>,
}

/// The most people a [`DocumentsChanged::People`] announcement names; a step that changed
/// more announces [`DocumentsChanged::Unknown`] (a PostgreSQL `NOTIFY` payload must stay under
/// 8000 bytes).
pub const MAX_ANNOUNCED_PEOPLE: usize = 100;

/// How many announcements a [`HubStore::document_events`] channel holds for a receiver that
/// has not read them yet; one that falls further behind catches up instead.
pub const DOCUMENT_EVENTS: usize = 64;

/// Whose documents a committed sync step changed, as announced to every hub node (live mode:
/// each node starts a sync round with its connected devices that share them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentsChanged {
    /// The documents of these people (ids as text, at most [`MAX_ANNOUNCED_PEOPLE`]) changed.
    People(Vec<String>),
    /// Some documents changed, which is not known: too many to name, an announcement that did
    /// not parse, or announcements lost (a slow listener): every live connection catches up.
    Unknown,
}

impl DocumentsChanged {
    /// The announcement of what `writes` changed (documents stored or people erased), or
    /// `None` when it changed no document.
    pub fn of(writes: &SyncWrites) -> Option<DocumentsChanged> {
        let mut people: Vec<String> = writes
            .documents
            .iter()
            .map(|(d, _)| d.person.clone())
            .chain(writes.erased.iter().map(|(p, _, _)| p.clone()))
            .collect();
        people.sort();
        people.dedup();
        match people.len() {
            0 => None,
            n if n > MAX_ANNOUNCED_PEOPLE => Some(DocumentsChanged::Unknown),
            _ => Some(DocumentsChanged::People(people)),
        }
    }

    /// The announcement as a `NOTIFY` payload: the ids separated by commas, or `*`.
    pub fn encode(&self) -> String {
        match self {
            DocumentsChanged::People(people) => people.join(","),
            DocumentsChanged::Unknown => "*".to_owned(),
        }
    }

    /// Reads a payload of [`DocumentsChanged::encode`] (untrusted: any other database client
    /// may `NOTIFY`): anything that is not a list of at most [`MAX_ANNOUNCED_PEOPLE`] person ids
    /// reads as [`DocumentsChanged::Unknown`], which costs a catch-up round, never a lost
    /// change.
    pub fn decode(payload: &str) -> DocumentsChanged {
        let people: Vec<String> = payload.split(',').map(str::to_owned).collect();
        let valid = people.len() <= MAX_ANNOUNCED_PEOPLE
            && people
                .iter()
                .all(|p| linkwork_core::Id::parse("person", p).is_ok());
        if valid {
            DocumentsChanged::People(people)
        } else {
            DocumentsChanged::Unknown
        }
    }
}

/// The hub's storage. Every call is one atomic step: in particular
/// [`HubStore::claim_invite`] marks a code used in one statement, so that with several hub
/// processes on one database exactly one enrolment wins a code, and
/// [`HubStore::store_revocation`] refuses a version that another node stored first.
pub trait HubStore: Send + Sync + 'static {
    /// Brings the schema to this build's version (idempotent; safe when several nodes start
    /// at once).
    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;

    /// Records the organisation (once).
    ///
    /// Errors: [`crate::error::HubError::AlreadyInitialised`].
    fn init_organisation(&self, org: &OrgRecord) -> impl Future<Output = Result<()>> + Send;

    /// The organisation, if `init` ran.
    fn organisation(&self) -> impl Future<Output = Result<Option<OrgRecord>>> + Send;

    /// Replaces the hub's own certificate (a renewal), appending the audit `entry`, in one
    /// transaction.
    ///
    /// Errors: [`crate::error::HubError::NotInitialised`] before `init`.
    fn set_hub_certificate(
        &self,
        certificate: &[u8],
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Adds a user. Errors: [`crate::error::HubError::Exists`] for a name already taken.
    fn add_user(
        &self,
        name: &str,
        role: UserRole,
        team: Option<&str>,
    ) -> impl Future<Output = Result<User>> + Send;

    /// The user called `name`.
    fn user_by_name(&self, name: &str) -> impl Future<Output = Result<Option<User>>> + Send;

    /// The user with the hub's id `id` (such as a [`PersonRow::assigned_to`]).
    fn user_by_id(&self, id: i64) -> impl Future<Output = Result<Option<User>>> + Send;

    /// Stores an invite for `user_id` by the hash of its code, valid until `expires_at`.
    fn create_invite(
        &self,
        user_id: i64,
        code_hash: [u8; 32],
        created_at: i64,
        expires_at: i64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Uses the invite with this code hash, atomically: at most one caller ever gets
    /// [`Claim::Claimed`] for a code.
    fn claim_invite(
        &self,
        code_hash: [u8; 32],
        now: i64,
    ) -> impl Future<Output = Result<Claim>> + Send;

    /// Records an enrolled device. Errors: [`crate::error::HubError::Exists`] when the key is
    /// already enrolled.
    fn add_device(&self, device: &NewDevice) -> impl Future<Output = Result<()>> + Send;

    /// The device with this public key.
    fn device(&self, key: &[u8; 32]) -> impl Future<Output = Result<Option<Device>>> + Send;

    /// Records the patient's phone `device` (its [`NewDevice::paired`] set) unless it is
    /// already recorded, taking up pairing grant `grant` for it, in one transaction: the first
    /// device seen with a grant holds it (as [`SyncWrites::redemptions`]), and a phone whose
    /// grant another device holds is neither recorded nor admitted.
    fn pair_device(
        &self,
        device: &NewDevice,
        grant: [u8; 16],
    ) -> impl Future<Output = Result<Paired>> + Send;

    /// Every device, in enrolment order.
    fn devices(&self) -> impl Future<Output = Result<Vec<Device>>> + Send;

    /// The newest revocation list: its version and encoded bytes.
    fn revocation_list(&self) -> impl Future<Output = Result<Option<(u64, Vec<u8>)>>> + Send;

    /// Stores the signed revocation `list` of `version` revoking `device`, marks the device
    /// revoked and tells every hub node (PostgreSQL: `NOTIFY`), in one transaction. Returns
    /// `false`, storing nothing, when another list of that version exists (another node
    /// revoked first: reload and sign again).
    fn store_revocation(
        &self,
        device: &[u8; 32],
        version: u64,
        list: &[u8],
        now: i64,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Appends to the audit log.
    fn audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<()>> + Send;

    /// The audit log, oldest first.
    fn audit_log(&self) -> impl Future<Output = Result<Vec<AuditRecord>>> + Send;

    /// The stored directory versions, newest (current) first, at most
    /// [`DIRECTORY_VERSIONS_KEPT`].
    fn directory_versions(&self) -> impl Future<Output = Result<Vec<HubDirectory>>> + Send;

    /// The feed bytes of directory `version`, if it is still kept.
    fn directory_feed(&self, version: i64) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;

    /// Stores `feed` as the newest directory version (described by `directory`, whose
    /// `version` and `bytes` are ignored), dropping versions beyond
    /// [`DIRECTORY_VERSIONS_KEPT`], in one transaction; returns it as stored.
    fn store_directory(
        &self,
        directory: &HubDirectory,
        feed: &[u8],
    ) -> impl Future<Output = Result<HubDirectory>> + Send;

    /// What a sync step may read, selected in the database so that a step's cost follows the
    /// device's caseload, not the organisation's size: documents and signatures of the people
    /// in `scope`; the caseload rows of those people and of the people its message names; the
    /// users of its caseloads; the device's sync states (`scope.peer`); the certificates of the
    /// signers of what it reads and of those the message names; the redemptions of the
    /// scope's grants; and the tombstones of the people whose caseload rows it reads (see
    /// [`SyncData`]). Nothing is read by scanning a whole table.
    fn sync_load(&self, scope: &SyncScope) -> impl Future<Output = Result<SyncData>> + Send;

    /// Stores what a sync step wrote, with its audit entries, in one transaction.
    /// Errors: [`crate::error::HubError::Concurrent`] when a document changed since the step
    /// read it (nothing is stored).
    fn sync_commit(&self, writes: SyncWrites) -> impl Future<Output = Result<()>> + Send;

    /// Moves `person` (id text) into the caseload of user `to` and appends `entry` to the audit
    /// log, in one transaction, and announces the person as changed
    /// ([`HubStore::document_events`]: the live devices of both caseloads start a round).
    /// Returns the user whose caseload they were in, `None` (storing nothing) when the hub does
    /// not know the person.
    fn assign_person(
        &self,
        person: &str,
        to: i64,
        entry: &AuditEntry,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;

    /// The people moved between caseloads since audit entry `after` (the `caseload-move`
    /// entries after it, at most [`MAX_ANNOUNCED_PEOPLE`] + 1 of them: more reads as "some"),
    /// and the newest audit entry's sequence number, to pass as `after` next time. With
    /// `after = None`: nobody, and where the log ends now. How a serving node learns of a move
    /// made by the `linkwork-hub` command in another process (live mode).
    fn caseload_moves(
        &self,
        after: Option<i64>,
    ) -> impl Future<Output = Result<(Vec<String>, i64)>> + Send;

    /// Whose caseload `person` (id text) is in, `None` when the hub does not know them.
    fn person(&self, person: &str) -> impl Future<Output = Result<Option<PersonRow>>> + Send;

    /// A channel that receives a unit whenever any node stores a revocation, if this backend
    /// can push (PostgreSQL `LISTEN`); `None` when the hub must poll
    /// [`HubStore::revocation_list`] (SQLite).
    fn revocation_events(
        &self,
    ) -> impl Future<Output = Result<Option<tokio::sync::mpsc::Receiver<()>>>> + Send;

    /// A channel that receives an announcement whenever a sync step stored by any node (this
    /// one included) changed documents: PostgreSQL `LISTEN linkwork_documents` (one connection
    /// per call), SQLite an in-process broadcast from [`HubStore::sync_commit`]. The channel is
    /// bounded: a receiver that falls behind gets `Lagged` and must catch up as for
    /// [`DocumentsChanged::Unknown`]; it is closed when the push stops (the `LISTEN`
    /// connection is gone: call again).
    fn document_events(
        &self,
    ) -> impl Future<Output = Result<tokio::sync::broadcast::Receiver<DocumentsChanged>>> + Send;
}

/// The devices whose certificates a sync step reads: the signers of the change signatures and
/// tombstones in `data` (an encoded change signature holds its signer at bytes 32..64, a
/// tombstone signature at 0..32; see `crate::sync`) and `named` (the message's), each once.
pub(crate) fn signers_of(data: &SyncData, named: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut signers: Vec<Vec<u8>> = data
        .signatures
        .iter()
        .filter_map(|(_, _, sig)| sig.get(32..64))
        .chain(
            data.tombstones
                .iter()
                .filter_map(|(_, _, sig)| sig.as_deref().and_then(|s| s.get(0..32))),
        )
        .map(<[u8]>::to_vec)
        .chain(named.iter().cloned())
        .collect();
    signers.sort();
    signers.dedup();
    signers
}

/// Parses a stored role code.
pub(crate) fn role_from_db(code: &str) -> Result<UserRole> {
    UserRole::from_code(code).ok_or(crate::error::HubError::Corrupt("user role"))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(people: &[String]) -> SyncWrites {
        SyncWrites {
            documents: people
                .iter()
                .map(|p| {
                    let row = DocumentRow {
                        person: p.clone(),
                        kind: "plan".into(),
                        bytes: vec![],
                        heads: vec![],
                    };
                    (row, None)
                })
                .collect(),
            ..SyncWrites::default()
        }
    }

    #[test]
    fn announcements_name_the_people_changed_and_read_anything_else_as_unknown() {
        let ids: Vec<String> = (0..3)
            .map(|_| linkwork_core::Id::new().to_string())
            .collect();
        // A step that changed no document announces nothing.
        assert_eq!(DocumentsChanged::of(&SyncWrites::default()), None);
        let mut w = writes(&ids);
        w.erased.push((ids[0].clone(), 1, None));
        let mut sorted = ids.clone();
        sorted.sort();
        let changed = DocumentsChanged::of(&w).unwrap();
        assert_eq!(changed, DocumentsChanged::People(sorted));
        assert_eq!(DocumentsChanged::decode(&changed.encode()), changed);

        // Too many to name: unknown, and the payload stays short.
        let many: Vec<String> = (0..=MAX_ANNOUNCED_PEOPLE)
            .map(|_| linkwork_core::Id::new().to_string())
            .collect();
        assert_eq!(
            DocumentsChanged::of(&writes(&many)),
            Some(DocumentsChanged::Unknown)
        );
        assert_eq!(DocumentsChanged::Unknown.encode(), "*");

        // Any other client may NOTIFY: what does not parse costs a catch-up, never a lost change.
        for payload in [
            "*",
            "",
            "not-an-id",
            &format!("{},x", ids[0]),
            &many.join(","),
        ] {
            assert_eq!(
                DocumentsChanged::decode(payload),
                DocumentsChanged::Unknown,
                "{payload}"
            );
        }
    }
}
