//! [`SqliteStore`]: the embedded hub database, one SQLCipher file (the same SQLite build as the
//! phone's store) encrypted under a key derived from the hub's key file, for a single hub node.
//! Calls run on tokio's blocking pool; the `linkwork-hub` admin commands and a running `serve`
//! share the file (WAL, a busy timeout), and `serve` polls for revocations.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use zeroize::Zeroizing;

use super::{
    role_from_db, AuditEntry, AuditRecord, Claim, Device, DocumentRow, DocumentsChanged,
    HubDirectory, HubStore, NewDevice, OrgRecord, Paired, PersonRow, SyncData, SyncScope,
    SyncWrites, User, UserRole, DIRECTORY_VERSIONS_KEPT, DOCUMENT_EVENTS, MAX_ANNOUNCED_PEOPLE,
};
use crate::error::{HubError, Result};

/// The people a sync step's device may hold ([`SyncScope`] but its unassigned documents): ?1
/// user, ?2 team, ?3 person, ?4 peer. Each arm is one index search (`people_assigned_to`, the
/// primary keys).
macro_rules! caseload {
    () => {
        "SELECT person_id FROM people WHERE assigned_to = ?1 \
         UNION SELECT person_id FROM people \
           WHERE assigned_to IN (SELECT id FROM users WHERE team = ?2) \
         UNION SELECT ?3 \
         UNION SELECT person_id FROM sync_state WHERE peer_id = ?4"
    };
}

/// The people a sync step's device may hold and those its message names (?5, a JSON array of
/// ids): whose caseload rows and tombstones the step reads.
macro_rules! named {
    () => {
        concat!(caseload!(), " UNION SELECT value FROM json_each(?5)")
    };
}

/// The people whose documents and signatures a sync step reads ([`SyncScope`]), as a condition
/// on a table's `person_id` (one `IN` over a union, which the table's index on `person_id`
/// serves): [`caseload!`], and when ?6 (`unassigned`) the people of ?5 (the message's) the hub
/// has no caseload row for, each one primary-key probe.
const SYNC_SCOPE: &str = concat!(
    "person_id IN (",
    caseload!(),
    " UNION SELECT value FROM json_each(?5) WHERE ?6 \
       AND NOT EXISTS (SELECT 1 FROM people WHERE people.person_id = value))"
);

/// The caseload rows a sync step reads: those of [`named!`].
const PEOPLE_SCOPE: &str = concat!(
    "SELECT person_id, created_by, assigned_to FROM people WHERE person_id IN (",
    named!(),
    ")"
);

/// The tombstones a sync step reads: those of [`named!`].
const TOMBSTONES_SCOPE: &str = concat!(
    "SELECT person_id, erased_at, signature FROM tombstones WHERE person_id IN (",
    named!(),
    ")"
);

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/sqlite/0001_init.sql"),
    include_str!("migrations/sqlite/0002_documents.sql"),
    include_str!("migrations/sqlite/0003_directory.sql"),
    include_str!("migrations/sqlite/0004_grant_redemptions.sql"),
    include_str!("migrations/sqlite/0005_people_assigned_to.sql"),
    include_str!("migrations/sqlite/0006_paired_devices.sql"),
    include_str!("migrations/sqlite/0007_users_team.sql"),
];

/// The embedded SQLite hub database.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// What committed sync steps changed, for this process's hub node (the embedded hub is
    /// one node: an in-process broadcast is its `NOTIFY`).
    changes: tokio::sync::broadcast::Sender<DocumentsChanged>,
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path`, keyed with `key` (32 bytes derived from
    /// the key file, [`crate::keyfile::KeyFile::database_key`]).
    ///
    /// # Errors
    /// [`HubError::Database`] when the file cannot be opened, or is not a hub database under
    /// this key (another key file, or not SQLCipher).
    pub fn open(path: &Path, key: &[u8; 32]) -> Result<SqliteStore> {
        let conn = Connection::open(path)?;
        let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", super::hex(key)));
        conn.execute_batch(&pragma)?;
        let cipher: Option<String> = conn
            .query_row("PRAGMA cipher_version", [], |r| r.get(0))
            .optional()?;
        if cipher.is_none() {
            return Err(HubError::Database(
                "this build's SQLite cannot encrypt the hub database".into(),
            ));
        }
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|_| {
            HubError::Database("not a hub database, or a key file for another one".into())
        })?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            changes: tokio::sync::broadcast::channel(DOCUMENT_EVENTS).0,
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| HubError::Database("connection lock poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| HubError::Database(e.to_string()))?
    }
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn to_user((id, name, role, team): (i64, String, String, Option<String>)) -> Result<User> {
    Ok(User {
        id,
        name,
        role: role_from_db(&role)?,
        team,
    })
}

fn user_by_id(conn: &Connection, id: i64) -> Result<User> {
    let row = conn.query_row(
        "SELECT id, name, role, team FROM users WHERE id = ?1",
        [id],
        user_row,
    )?;
    to_user(row)
}

/// A `devices` row joined with its user, as [`DEVICE_SELECT`] reads it.
struct DeviceRow {
    key: Vec<u8>,
    user: String,
    role: String,
    enrolled_at: i64,
    revoked_at: Option<i64>,
    certificate: Vec<u8>,
    person: Option<String>,
    paired_by: Option<Vec<u8>>,
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        key: r.get(0)?,
        user: r.get(1)?,
        role: r.get(2)?,
        enrolled_at: r.get(3)?,
        revoked_at: r.get(4)?,
        certificate: r.get(5)?,
        person: r.get(6)?,
        paired_by: r.get(7)?,
    })
}

fn to_device(d: DeviceRow) -> Result<Device> {
    Ok(Device {
        key: super::hex(&d.key),
        user: d.user,
        role: role_from_db(&d.role)?,
        enrolled_at: d.enrolled_at,
        revoked_at: d.revoked_at,
        certificate: d.certificate,
        person: d.person,
        paired_by: d.paired_by.as_deref().map(super::hex),
    })
}

const DEVICE_SELECT: &str = "SELECT d.key, u.name, u.role, d.enrolled_at, d.revoked_at, \
     d.certificate, d.person, d.paired_by FROM devices d JOIN users u ON u.id = d.user_id";

/// Appends `e` to the audit log (on a connection or in a transaction).
fn insert_audit(conn: &Connection, e: &AuditEntry) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO audit (at, event, device, user_name, detail, person) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![e.at, e.event, e.device, e.user, e.detail, e.person],
    )
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

fn directory_versions(conn: &Connection) -> Result<Vec<HubDirectory>> {
    let mut stmt = conn.prepare(
        "SELECT version, digest, source, feed_date, imported_at, services, records, skipped, \
         length(feed) FROM directory_feeds ORDER BY version DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([DIRECTORY_VERSIONS_KEPT], |r| {
        Ok(HubDirectory {
            version: r.get(0)?,
            digest: r.get(1)?,
            source: r.get(2)?,
            feed_date: r.get(3)?,
            imported_at: r.get(4)?,
            services: r.get(5)?,
            records: r.get(6)?,
            skipped: r.get(7)?,
            bytes: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl HubStore for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
            if version > known {
                return Err(HubError::Database(format!(
                    "the database is at schema version {version}, newer than this build ({known})"
                )));
            }
            for (i, sql) in MIGRATIONS
                .iter()
                .enumerate()
                .skip(usize::try_from(version).unwrap_or(0))
            {
                tx.execute_batch(sql)?;
                tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn init_organisation(&self, org: &OrgRecord) -> Result<()> {
        let org = org.clone();
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO organisation (id, name, trust_root, hub_certificate, created_at) \
                 VALUES (1, ?1, ?2, ?3, ?4)",
                params![
                    org.name,
                    org.trust_root,
                    org.hub_certificate,
                    org.created_at
                ],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    HubError::AlreadyInitialised
                } else {
                    e.into()
                }
            })?;
            Ok(())
        })
        .await
    }

    async fn organisation(&self) -> Result<Option<OrgRecord>> {
        self.with(|conn| {
            Ok(conn
                .query_row(
                    "SELECT name, trust_root, hub_certificate, created_at FROM organisation",
                    [],
                    |r| {
                        Ok(OrgRecord {
                            name: r.get(0)?,
                            trust_root: r.get(1)?,
                            hub_certificate: r.get(2)?,
                            created_at: r.get(3)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn set_hub_certificate(&self, certificate: &[u8], entry: &AuditEntry) -> Result<()> {
        let (certificate, e) = (certificate.to_vec(), entry.clone());
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if tx.execute(
                "UPDATE organisation SET hub_certificate = ?1 WHERE id = 1",
                [&certificate],
            )? == 0
            {
                return Err(HubError::NotInitialised);
            }
            insert_audit(&tx, &e)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn add_user(&self, name: &str, role: UserRole, team: Option<&str>) -> Result<User> {
        let (name, team) = (name.to_owned(), team.map(str::to_owned));
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO users (name, role, team) VALUES (?1, ?2, ?3)",
                params![name, role.code(), team],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    HubError::Exists("a user with this name")
                } else {
                    e.into()
                }
            })?;
            user_by_id(conn, conn.last_insert_rowid())
        })
        .await
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let name = name.to_owned();
        self.with(move |conn| {
            conn.query_row(
                "SELECT id, name, role, team FROM users WHERE name = ?1",
                [name],
                user_row,
            )
            .optional()?
            .map(to_user)
            .transpose()
        })
        .await
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        self.with(move |conn| {
            conn.query_row(
                "SELECT id, name, role, team FROM users WHERE id = ?1",
                [id],
                user_row,
            )
            .optional()?
            .map(to_user)
            .transpose()
        })
        .await
    }

    async fn create_invite(
        &self,
        user_id: i64,
        code_hash: [u8; 32],
        created_at: i64,
        expires_at: i64,
    ) -> Result<()> {
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO invites (code_hash, user_id, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![code_hash.as_slice(), user_id, created_at, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn claim_invite(&self, code_hash: [u8; 32], now: i64) -> Result<Claim> {
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // One statement decides: only an unused, unexpired invite is marked used.
            let claimed: Option<i64> = tx
                .query_row(
                    "UPDATE invites SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL \
                     AND expires_at > ?2 RETURNING user_id",
                    params![code_hash.as_slice(), now],
                    |r| r.get(0),
                )
                .optional()?;
            let out = match claimed {
                Some(user) => Claim::Claimed(user_by_id(&tx, user)?),
                None => {
                    let row: Option<(i64, Option<i64>)> = tx
                        .query_row(
                            "SELECT user_id, used_at FROM invites WHERE code_hash = ?1",
                            [code_hash.as_slice()],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()?;
                    match row {
                        None => Claim::Unknown,
                        Some((user, Some(_))) => Claim::Used(user_by_id(&tx, user)?),
                        Some((user, None)) => Claim::Expired(user_by_id(&tx, user)?),
                    }
                }
            };
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn add_device(&self, device: &NewDevice) -> Result<()> {
        let d = device.clone();
        self.with(move |conn| {
            let (person, paired_by) = d.paired.clone().unzip();
            conn.execute(
                "INSERT INTO devices (key, user_id, certificate, enrolled_at, person, paired_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    d.key.as_slice(),
                    d.user_id,
                    d.certificate,
                    d.enrolled_at,
                    person,
                    paired_by.as_ref().map(<[u8; 32]>::as_slice)
                ],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    HubError::Exists("this device")
                } else {
                    e.into()
                }
            })?;
            Ok(())
        })
        .await
    }

    async fn device(&self, key: &[u8; 32]) -> Result<Option<Device>> {
        let key = *key;
        self.with(move |conn| {
            conn.query_row(
                &format!("{DEVICE_SELECT} WHERE d.key = ?1"),
                [key.as_slice()],
                device_row,
            )
            .optional()?
            .map(to_device)
            .transpose()
        })
        .await
    }

    async fn pair_device(&self, device: &NewDevice, grant: [u8; 16]) -> Result<Paired> {
        let d = device.clone();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO grant_redemptions (grant_id, device) VALUES (?1, ?2) \
                 ON CONFLICT (grant_id) DO NOTHING",
                params![grant.as_slice(), d.key.as_slice()],
            )?;
            let holder: Vec<u8> = tx.query_row(
                "SELECT device FROM grant_redemptions WHERE grant_id = ?1",
                [grant.as_slice()],
                |r| r.get(0),
            )?;
            if holder != d.key {
                return Ok(Paired::GrantUsed);
            }
            let (person, paired_by) = d.paired.clone().unzip();
            let added = tx.execute(
                "INSERT INTO devices (key, user_id, certificate, enrolled_at, person, paired_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO NOTHING",
                params![
                    d.key.as_slice(),
                    d.user_id,
                    d.certificate,
                    d.enrolled_at,
                    person,
                    paired_by.as_ref().map(<[u8; 32]>::as_slice)
                ],
            )?;
            let row = tx.query_row(
                &format!("{DEVICE_SELECT} WHERE d.key = ?1"),
                [d.key.as_slice()],
                device_row,
            )?;
            tx.commit()?;
            let device = to_device(row)?;
            Ok(if added == 1 {
                Paired::New(device)
            } else {
                Paired::Known(device)
            })
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<Device>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(&format!("{DEVICE_SELECT} ORDER BY d.rowid"))?;
            let rows = stmt.query_map([], device_row)?;
            rows.map(|r| to_device(r?)).collect()
        })
        .await
    }

    async fn revocation_list(&self) -> Result<Option<(u64, Vec<u8>)>> {
        self.with(|conn| {
            let row: Option<(i64, Vec<u8>)> = conn
                .query_row(
                    "SELECT version, list FROM revocations ORDER BY version DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(v, list)| {
                u64::try_from(v)
                    .map(|v| (v, list))
                    .map_err(|_| HubError::Corrupt("revocation version"))
            })
            .transpose()
        })
        .await
    }

    async fn store_revocation(
        &self,
        device: &[u8; 32],
        version: u64,
        list: &[u8],
        now: i64,
    ) -> Result<bool> {
        let (device, list) = (*device, list.to_vec());
        let version =
            i64::try_from(version).map_err(|_| HubError::invalid("version", "too large"))?;
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            match tx.execute(
                "INSERT INTO revocations (version, list, issued_at) VALUES (?1, ?2, ?3)",
                params![version, list, now],
            ) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Ok(false),
                Err(e) => return Err(e.into()),
            }
            tx.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE key = ?1 AND revoked_at IS NULL",
                params![device.as_slice(), now],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let e = entry.clone();
        self.with(move |conn| {
            insert_audit(conn, &e)?;
            Ok(())
        })
        .await
    }

    async fn audit_log(&self) -> Result<Vec<AuditRecord>> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT seq, at, event, device, user_name, detail, person FROM audit ORDER BY seq",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(AuditRecord {
                    seq: r.get(0)?,
                    entry: AuditEntry {
                        at: r.get(1)?,
                        event: r.get(2)?,
                        device: r.get(3)?,
                        user: r.get(4)?,
                        detail: r.get(5)?,
                        person: r.get(6)?,
                    },
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn directory_versions(&self) -> Result<Vec<HubDirectory>> {
        self.with(|conn| directory_versions(conn)).await
    }

    async fn directory_feed(&self, version: i64) -> Result<Option<Vec<u8>>> {
        self.with(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT feed FROM directory_feeds WHERE version = ?1",
                    [version],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn sync_load(&self, scope: &SyncScope) -> Result<SyncData> {
        let scope = scope.clone();
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let mut data = SyncData::default();
            let peer = &scope.peer;
            let mentioned = serde_json::to_string(&scope.mentioned)
                .map_err(|e| HubError::Database(e.to_string()))?;
            let named = params![scope.user, scope.team, scope.person, scope.peer, mentioned];
            let in_scope = params![
                scope.user,
                scope.team,
                scope.person,
                scope.peer,
                mentioned,
                scope.unassigned
            ];
            {
                let mut stmt = tx.prepare(&format!(
                    "SELECT person_id, kind, bytes, heads FROM documents WHERE {SYNC_SCOPE} \
                     ORDER BY person_id, kind"
                ))?;
                let rows = stmt.query_map(in_scope, |r| {
                    Ok(DocumentRow {
                        person: r.get(0)?,
                        kind: r.get(1)?,
                        bytes: r.get(2)?,
                        heads: r.get(3)?,
                    })
                })?;
                data.documents = rows.collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare(PEOPLE_SCOPE)?;
                let rows = stmt.query_map(named, |r| {
                    Ok(PersonRow {
                        person: r.get(0)?,
                        created_by: r.get(1)?,
                        assigned_to: r.get(2)?,
                    })
                })?;
                data.people = rows.collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx
                    .prepare("SELECT id, name, role, team FROM users WHERE id = ?1 OR team = ?2")?;
                let rows = stmt.query_map(params![scope.user, scope.team], user_row)?;
                for row in rows {
                    data.users.push(to_user(row?)?);
                }
                let mut stmt =
                    tx.prepare("SELECT person_id, kind, state FROM sync_state WHERE peer_id = ?1")?;
                let rows = stmt.query_map([peer], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                data.states = rows.collect::<rusqlite::Result<_>>()?;
                let mut stmt = tx.prepare(&format!(
                    "SELECT person_id, kind, signature FROM change_signatures WHERE {SYNC_SCOPE}"
                ))?;
                let rows = stmt.query_map(in_scope, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                data.signatures = rows.collect::<rusqlite::Result<_>>()?;
                // The holders of the grants the step may record or refuse: one primary-key
                // lookup each.
                let mut stmt =
                    tx.prepare("SELECT device FROM grant_redemptions WHERE grant_id = ?1")?;
                for grant in &scope.grants {
                    if let Some(device) = stmt.query_row([grant], |r| r.get(0)).optional()? {
                        data.redemptions.push((grant.clone(), device));
                    }
                }
                let mut stmt = tx.prepare(TOMBSTONES_SCOPE)?;
                let rows = stmt.query_map(named, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                data.tombstones = rows.collect::<rusqlite::Result<_>>()?;
                // The certificates of the signers of what was read and of what the message
                // carries: one primary-key lookup each.
                let mut stmt =
                    tx.prepare("SELECT certificate FROM certificates WHERE device = ?1")?;
                for device in super::signers_of(&data, &scope.signers) {
                    if let Some(cert) = stmt.query_row([&device], |r| r.get(0)).optional()? {
                        data.certificates.push((device, cert));
                    }
                }
            }
            tx.finish()?;
            Ok(data)
        })
        .await
    }

    async fn store_directory(&self, d: &HubDirectory, feed: &[u8]) -> Result<HubDirectory> {
        let (d, feed) = (d.clone(), feed.to_vec());
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO directory_feeds (digest, source, feed_date, imported_at, services, \
                 records, skipped, feed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    d.digest,
                    d.source,
                    d.feed_date,
                    d.imported_at,
                    d.services,
                    d.records,
                    d.skipped,
                    feed
                ],
            )?;
            tx.execute(
                "DELETE FROM directory_feeds WHERE version NOT IN \
                 (SELECT version FROM directory_feeds ORDER BY version DESC LIMIT ?1)",
                [DIRECTORY_VERSIONS_KEPT],
            )?;
            let stored = directory_versions(&tx)?
                .into_iter()
                .next()
                .ok_or(HubError::Corrupt("directory version"))?;
            tx.commit()?;
            Ok(stored)
        })
        .await
    }

    async fn sync_commit(&self, w: SyncWrites) -> Result<()> {
        let changed = DocumentsChanged::of(&w);
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for (person, at, sig) in &w.erased {
                for table in ["documents", "sync_state", "change_signatures"] {
                    tx.execute(&format!("DELETE FROM {table} WHERE person_id = ?1"), [person])?;
                }
                tx.execute(
                    "INSERT INTO tombstones (person_id, erased_at, signature) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (person_id) DO NOTHING",
                    params![person, at, sig],
                )?;
            }
            for person in &w.forgotten {
                tx.execute(
                    "DELETE FROM sync_state WHERE peer_id = ?1 AND person_id = ?2",
                    params![w.peer, person],
                )?;
            }
            for p in &w.new_people {
                tx.execute(
                    "INSERT INTO people (person_id, created_by, assigned_to) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (person_id) DO NOTHING",
                    params![p.person, p.created_by, p.assigned_to],
                )?;
            }
            for (d, read) in &w.documents {
                let written = match read {
                    Some(heads) => tx.execute(
                        "UPDATE documents SET bytes = ?3, heads = ?4 \
                         WHERE person_id = ?1 AND kind = ?2 AND heads = ?5",
                        params![d.person, d.kind, d.bytes, d.heads, heads],
                    )?,
                    None => tx.execute(
                        "INSERT INTO documents (person_id, kind, bytes, heads) \
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (person_id, kind) DO NOTHING",
                        params![d.person, d.kind, d.bytes, d.heads],
                    )?,
                };
                if written != 1 {
                    // Dropped: rolls back.
                    return Err(HubError::Concurrent);
                }
            }
            for (person, kind, state) in &w.states {
                tx.execute(
                    "INSERT INTO sync_state (peer_id, person_id, kind, state) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (peer_id, person_id, kind) DO UPDATE SET state = excluded.state",
                    params![w.peer, person, kind, state],
                )?;
            }
            for (hash, person, kind, sig) in &w.signatures {
                tx.execute(
                    "INSERT INTO change_signatures (hash, person_id, kind, signature) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (hash) DO UPDATE SET signature = excluded.signature",
                    params![hash, person, kind, sig],
                )?;
            }
            for (device, cert) in &w.certificates {
                tx.execute(
                    "INSERT INTO certificates (device, certificate) VALUES (?1, ?2) \
                     ON CONFLICT (device) DO NOTHING",
                    params![device, cert],
                )?;
            }
            for (grant, device) in &w.redemptions {
                tx.execute(
                    "INSERT INTO grant_redemptions (grant_id, device) VALUES (?1, ?2) \
                     ON CONFLICT (grant_id) DO NOTHING",
                    params![grant, device],
                )?;
                let holder: Vec<u8> = tx.query_row(
                    "SELECT device FROM grant_redemptions WHERE grant_id = ?1",
                    params![grant],
                    |r| r.get(0),
                )?;
                if holder != *device {
                    // Another device took the grant up meanwhile: rolls back.
                    return Err(HubError::Concurrent);
                }
            }
            for e in &w.audit {
                insert_audit(&tx, e)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
        if let Some(changed) = changed {
            // No receiver (no node serving) is not an error.
            let _ = self.changes.send(changed);
        }
        Ok(())
    }

    async fn assign_person(
        &self,
        person: &str,
        to: i64,
        entry: &AuditEntry,
    ) -> Result<Option<i64>> {
        let moved = person.to_owned();
        let e = entry.clone();
        let before = self
            .with(move |conn| {
                let person = moved;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let before: Option<i64> = tx
                    .query_row(
                        "SELECT assigned_to FROM people WHERE person_id = ?1",
                        [&person],
                        |r| r.get(0),
                    )
                    .optional()?;
                if before.is_none() {
                    return Ok(None);
                }
                tx.execute(
                    "UPDATE people SET assigned_to = ?2 WHERE person_id = ?1",
                    params![person, to],
                )?;
                insert_audit(&tx, &e)?;
                tx.commit()?;
                Ok(before)
            })
            .await?;
        if before.is_some() {
            // No receiver (no node serving in this process) is not an error; a node in
            // another process learns of the move from the audit log (`caseload_moves`).
            let _ = self
                .changes
                .send(DocumentsChanged::People(vec![person.to_owned()]));
        }
        Ok(before)
    }

    async fn caseload_moves(&self, after: Option<i64>) -> Result<(Vec<String>, i64)> {
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let newest: i64 =
                tx.query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))?;
            let mut people = Vec::new();
            if let Some(after) = after {
                let mut stmt = tx.prepare(
                    "SELECT person FROM audit WHERE seq > ?1 AND seq <= ?2 \
                     AND event = 'caseload-move' AND person IS NOT NULL ORDER BY seq LIMIT ?3",
                )?;
                let limit = i64::try_from(MAX_ANNOUNCED_PEOPLE + 1).unwrap_or(i64::MAX);
                let rows = stmt.query_map(params![after, newest, limit], |r| r.get(0))?;
                people = rows.collect::<rusqlite::Result<_>>()?;
            }
            drop(tx);
            Ok((people, newest))
        })
        .await
    }

    async fn person(&self, person: &str) -> Result<Option<PersonRow>> {
        let person = person.to_owned();
        self.with(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT person_id, created_by, assigned_to FROM people WHERE person_id = ?1",
                    [&person],
                    |r| {
                        Ok(PersonRow {
                            person: r.get(0)?,
                            created_by: r.get(1)?,
                            assigned_to: r.get(2)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    async fn revocation_events(&self) -> Result<Option<tokio::sync::mpsc::Receiver<()>>> {
        Ok(None)
    }

    async fn document_events(&self) -> Result<tokio::sync::broadcast::Receiver<DocumentsChanged>> {
        Ok(self.changes.subscribe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_audit_log_refuses_updates_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("hub.db"), &[7; 32]).unwrap();
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        let entry = AuditEntry {
            at: 1,
            event: "enrol".into(),
            device: None,
            user: Some("Asha".into()),
            detail: None,
            person: None,
        };
        store.audit(&entry).await.unwrap();
        {
            let conn = store.conn.lock().unwrap();
            assert!(conn.execute("UPDATE audit SET event = 'x'", []).is_err());
            assert!(conn.execute("DELETE FROM audit", []).is_err());
        }
        assert_eq!(store.audit_log().await.unwrap()[0].entry, entry);
    }

    fn schema(store: &SqliteStore) -> Vec<(String, String, Option<String>)> {
        let conn = store.conn.lock().unwrap();
        let mut stmt = conn
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    /// A database frozen at schema version 4 (the migrations of that release, with a person
    /// in a caseload) migrates to this build's schema: the same as a fresh database's, the row
    /// kept.
    #[tokio::test]
    async fn a_version_4_database_migrates_to_the_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        let old = SqliteStore::open(&dir.path().join("old.db"), &[7; 32]).unwrap();
        {
            let mut conn = old.conn.lock().unwrap();
            let tx = conn.transaction().unwrap();
            for sql in &MIGRATIONS[..4] {
                tx.execute_batch(sql).unwrap();
            }
            tx.execute_batch(
                "PRAGMA user_version = 4; \
                 INSERT INTO users (id, name, role) VALUES (1, 'Asha', 'link-worker'); \
                 INSERT INTO people VALUES ('p1', 1, 1);",
            )
            .unwrap();
            tx.commit().unwrap();
        }
        assert!(!schema(&old)
            .iter()
            .any(|(_, n, _)| n == "people_assigned_to"));
        old.migrate().await.unwrap();
        let fresh = SqliteStore::open(&dir.path().join("fresh.db"), &[7; 32]).unwrap();
        fresh.migrate().await.unwrap();
        assert_eq!(schema(&old), schema(&fresh));
        let conn = old.conn.lock().unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 7);
        let assigned: i64 = conn
            .query_row(
                "SELECT assigned_to FROM people WHERE person_id = 'p1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(assigned, 1);
    }

    /// The caseload rows a sync step reads are found by index, never by reading every person.
    #[tokio::test]
    async fn a_step_finds_its_caseload_rows_by_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("hub.db"), &[7; 32]).unwrap();
        store.migrate().await.unwrap();
        let conn = store.conn.lock().unwrap();
        // The plan's detail lines for `sql`, with one set of step parameters.
        let query_plan = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            stmt.query_map(params![1, "North", "p", "peer", "[]"], |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        let plan = query_plan(PEOPLE_SCOPE);
        assert!(
            plan.iter().any(|d| d.contains("people_assigned_to")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|d| d.starts_with("SCAN people")),
            "{plan:?}"
        );
        // Nor does it read every user (a team lead's team, by `users_team`) or every tombstone.
        let plan = query_plan(TOMBSTONES_SCOPE);
        assert!(plan.iter().any(|d| d.contains("users_team")), "{plan:?}");
        let tables = ["tombstones", "people", "users", "sync_state"];
        assert!(
            !plan
                .iter()
                .any(|d| tables.iter().any(|t| d.starts_with(&format!("SCAN {t}")))),
            "{plan:?}"
        );
    }

    #[tokio::test]
    async fn the_file_is_encrypted_and_refused_under_another_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let store = SqliteStore::open(&path, &[7; 32]).unwrap();
        store.migrate().await.unwrap();
        store
            .add_user("Asha Patel", UserRole::LinkWorker, None)
            .await
            .unwrap();
        drop(store);
        let raw = std::fs::read(&path).unwrap();
        assert!(!raw.starts_with(b"SQLite format 3"));
        assert!(!raw.windows(10).any(|w| w == b"Asha Patel"));
        assert!(matches!(
            SqliteStore::open(&path, &[8; 32]),
            Err(HubError::Database(_))
        ));
    }
}
