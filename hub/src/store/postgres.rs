//! [`PgStore`]: the hub's system of record on PostgreSQL (`tokio-postgres`). Several hub nodes
//! share one database: invite claims are single statements, revocation versions are a primary
//! key, schema migrations run under an advisory lock, and a stored revocation is announced with
//! `NOTIFY linkwork_revocations` in its transaction, which every node `LISTEN`s for.
//!
//! The connection to PostgreSQL is TLS (rustls, verifying the server's chain and host name)
//! when the URL asks for it with `sslmode=verify-full` (or `require`), with the CA from
//! `sslrootcert=FILE`; plaintext with `sslmode=disable` or no `sslmode` (a Unix socket, the
//! hub's own host). See [`super::pg_tls`] and `docs/deploy.md#postgresql`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::{mpsc, Mutex};
use tokio_postgres::{AsyncMessage, Client, GenericClient, Row, Socket};

use super::pg_tls::{PgTarget, PgTlsStream};
use super::{
    role_from_db, AuditEntry, AuditRecord, Claim, Device, DocumentRow, DocumentsChanged,
    HubDirectory, HubStore, NewDevice, OrgRecord, Paired, PersonRow, SyncData, SyncScope,
    SyncWrites, User, UserRole, DIRECTORY_VERSIONS_KEPT, DOCUMENT_EVENTS, MAX_ANNOUNCED_PEOPLE,
};
use crate::error::{HubError, Result};

/// The people a sync step's device may hold ([`SyncScope`] but its unassigned documents): $1
/// user, $2 team, $3 person, $4 peer. Each arm is one index search (`people_assigned_to`, the
/// primary keys).
macro_rules! caseload {
    () => {
        "SELECT person_id FROM people WHERE assigned_to = $1::BIGINT \
         UNION SELECT person_id FROM people \
           WHERE assigned_to IN (SELECT id FROM users WHERE team = $2::TEXT) \
         UNION SELECT $3::TEXT \
         UNION SELECT person_id FROM sync_state WHERE peer_id = $4::TEXT"
    };
}

/// The people a sync step's device may hold and those its message names ($5, an array of ids):
/// whose caseload rows and tombstones the step reads.
macro_rules! named {
    () => {
        concat!(caseload!(), " UNION SELECT unnest($5::TEXT[])")
    };
}

/// The people whose documents and signatures a sync step reads ([`SyncScope`]), as a condition
/// on a table's `person_id` (one `IN` over a union, which the table's index on `person_id`
/// serves): `caseload!`, and when $6 (`unassigned`) the people of $5 (the message's) the hub
/// has no caseload row for, each one primary-key probe.
const SYNC_SCOPE: &str = concat!(
    "person_id IN (",
    caseload!(),
    " UNION SELECT m FROM unnest($5::TEXT[]) AS m WHERE $6::BOOLEAN \
       AND NOT EXISTS (SELECT 1 FROM people WHERE people.person_id = m))"
);

/// The caseload rows a sync step reads: those of `named!`.
const PEOPLE_SCOPE: &str = concat!(
    "SELECT person_id, created_by, assigned_to FROM people WHERE person_id IN (",
    named!(),
    ")"
);

/// The tombstones a sync step reads: those of `named!`.
const TOMBSTONES_SCOPE: &str = concat!(
    "SELECT person_id, erased_at, signature FROM tombstones WHERE person_id IN (",
    named!(),
    ")"
);

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/postgres/0001_init.sql"),
    include_str!("migrations/postgres/0002_documents.sql"),
    include_str!("migrations/postgres/0003_directory.sql"),
    include_str!("migrations/postgres/0004_grant_redemptions.sql"),
    include_str!("migrations/postgres/0005_people_assigned_to.sql"),
    include_str!("migrations/postgres/0006_paired_devices.sql"),
    include_str!("migrations/postgres/0007_users_team.sql"),
];

/// The channel a stored revocation is announced on.
pub const REVOCATION_CHANNEL: &str = "linkwork_revocations";

/// The channel a sync step that changed documents is announced on (payload:
/// [`DocumentsChanged::encode`]).
pub const DOCUMENT_CHANNEL: &str = "linkwork_documents";

/// An advisory-lock key that serialises schema migrations across nodes ("linkwork").
const MIGRATION_LOCK: i64 = 0x6c69_6e6b_776f_726b;

/// The PostgreSQL hub database.
pub struct PgStore {
    target: PgTarget,
    client: Mutex<Client>,
}

/// A connection to the database, TLS or not as its URL asked.
type Connection = tokio_postgres::Connection<Socket, PgTlsStream>;

/// Connects (the caller drives the connection).
async fn open_connection(target: &PgTarget) -> Result<(Client, Connection)> {
    Ok(target.config.connect(target.tls.clone()).await?)
}

/// Connects and drives the connection on a task.
async fn connect(target: &PgTarget) -> Result<Client> {
    let (client, connection) = open_connection(target).await?;
    tokio::spawn(async move {
        // Ends when the client is dropped or the server goes away; the next call reconnects.
        let _ = connection.await;
    });
    Ok(client)
}

/// Adapts a connection's notifications into a stream.
struct Notifications {
    connection: Connection,
}

impl Stream for Notifications {
    type Item = std::result::Result<AsyncMessage, tokio_postgres::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.connection.poll_message(cx)
    }
}

fn user(row: &Row) -> Result<User> {
    Ok(User {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        role: role_from_db(row.try_get(2)?)?,
        team: row.try_get(3)?,
    })
}

fn device(row: &Row) -> Result<Device> {
    let key: Vec<u8> = row.try_get(0)?;
    Ok(Device {
        key: super::hex(&key),
        user: row.try_get(1)?,
        role: role_from_db(row.try_get(2)?)?,
        enrolled_at: row.try_get(3)?,
        revoked_at: row.try_get(4)?,
        certificate: row.try_get(5)?,
        person: row.try_get(6)?,
        paired_by: row
            .try_get::<_, Option<Vec<u8>>>(7)?
            .as_deref()
            .map(super::hex),
    })
}

const DIRECTORY_SELECT: &str = "SELECT version, digest, source, feed_date, imported_at, \
     services, records, skipped, length(feed)::BIGINT FROM directory_feeds \
     ORDER BY version DESC LIMIT $1";

fn directory(row: &Row) -> Result<HubDirectory> {
    Ok(HubDirectory {
        version: row.try_get(0)?,
        digest: row.try_get(1)?,
        source: row.try_get(2)?,
        feed_date: row.try_get(3)?,
        imported_at: row.try_get(4)?,
        services: row.try_get(5)?,
        records: row.try_get(6)?,
        skipped: row.try_get(7)?,
        bytes: row.try_get(8)?,
    })
}

const DEVICE_SELECT: &str = "SELECT d.key, u.name, u.role, d.enrolled_at, d.revoked_at, \
     d.certificate, d.person, d.paired_by FROM devices d JOIN users u ON u.id = d.user_id";

/// Appends `e` to the audit log (on a connection or in a transaction).
async fn insert_audit(client: &impl GenericClient, e: &AuditEntry) -> Result<()> {
    client
        .execute(
            "INSERT INTO audit (at, event, device, user_name, detail, person) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&e.at, &e.event, &e.device, &e.user, &e.detail, &e.person],
        )
        .await?;
    Ok(())
}

fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`, or libpq's
    /// `key=value` form), over TLS when it says `sslmode=verify-full` (see the module notes).
    ///
    /// # Errors
    /// [`HubError::Invalid`] for a malformed URL or a TLS mode that could fall back to
    /// plaintext; [`HubError::Tls`] for an unusable `sslrootcert` file;
    /// [`HubError::Database`] when it cannot connect (the server is unreachable, refuses TLS,
    /// or presents a certificate that its CA did not sign or that is not for its host name).
    pub async fn open(url: &str) -> Result<PgStore> {
        let target = PgTarget::parse(url)?;
        let client = connect(&target).await?;
        Ok(PgStore {
            target,
            client: Mutex::new(client),
        })
    }

    /// Whether the server reports this hub's connection as encrypted (`pg_stat_ssl`), for an
    /// operator checking a deployment's URL.
    ///
    /// # Errors
    /// [`HubError::Database`].
    pub async fn connection_uses_tls(&self) -> Result<bool> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.unwrap_or(false))
    }

    /// The client, reconnected first if the server dropped the connection.
    async fn client(&self) -> Result<tokio::sync::MutexGuard<'_, Client>> {
        let mut guard = self.client.lock().await;
        if guard.is_closed() {
            *guard = connect(&self.target).await?;
        }
        Ok(guard)
    }

    async fn user_by_id(client: &Client, id: i64) -> Result<User> {
        let row = client
            .query_one(
                "SELECT id, name, role, team FROM users WHERE id = $1",
                &[&id],
            )
            .await?;
        user(&row)
    }
}

impl HubStore for PgStore {
    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS hub_schema_migrations \
             (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let version: i32 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM hub_schema_migrations",
                &[],
            )
            .await?
            .try_get(0)?;
        let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        if version > known {
            return Err(HubError::Database(format!(
                "the database is at schema version {version}, newer than this build ({known})"
            )));
        }
        let now = chrono::Utc::now().timestamp();
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let v = i32::try_from(i + 1).unwrap_or(i32::MAX);
            if v <= version {
                continue;
            }
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO hub_schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&v, &now],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn init_organisation(&self, org: &OrgRecord) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO organisation (id, name, trust_root, hub_certificate, created_at) \
                 VALUES (1, $1, $2, $3, $4)",
                &[
                    &org.name,
                    &org.trust_root,
                    &org.hub_certificate,
                    &org.created_at,
                ],
            )
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    HubError::AlreadyInitialised
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }

    async fn organisation(&self) -> Result<Option<OrgRecord>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT name, trust_root, hub_certificate, created_at FROM organisation",
                &[],
            )
            .await?;
        row.map(|r| {
            Ok(OrgRecord {
                name: r.try_get(0)?,
                trust_root: r.try_get(1)?,
                hub_certificate: r.try_get(2)?,
                created_at: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn set_hub_certificate(&self, certificate: &[u8], e: &AuditEntry) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if tx
            .execute(
                "UPDATE organisation SET hub_certificate = $1",
                &[&certificate],
            )
            .await?
            == 0
        {
            return Err(HubError::NotInitialised);
        }
        insert_audit(&tx, e).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_user(&self, name: &str, role: UserRole, team: Option<&str>) -> Result<User> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO users (name, role, team) VALUES ($1, $2, $3) \
                 RETURNING id, name, role, team",
                &[&name, &role.code(), &team],
            )
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    HubError::Exists("a user with this name")
                } else {
                    e.into()
                }
            })?;
        user(&row)
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let client = self.client().await?;
        client
            .query_opt(
                "SELECT id, name, role, team FROM users WHERE name = $1",
                &[&name],
            )
            .await?
            .as_ref()
            .map(user)
            .transpose()
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let client = self.client().await?;
        client
            .query_opt(
                "SELECT id, name, role, team FROM users WHERE id = $1",
                &[&id],
            )
            .await?
            .as_ref()
            .map(user)
            .transpose()
    }

    async fn create_invite(
        &self,
        user_id: i64,
        code_hash: [u8; 32],
        created_at: i64,
        expires_at: i64,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO invites (code_hash, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
                &[&code_hash.as_slice(), &user_id, &created_at, &expires_at],
            )
            .await?;
        Ok(())
    }

    async fn claim_invite(&self, code_hash: [u8; 32], now: i64) -> Result<Claim> {
        let client = self.client().await?;
        // One statement decides: the row lock makes a concurrent claim on another node wait,
        // then re-check `used_at IS NULL` and find nothing.
        let claimed = client
            .query_opt(
                "UPDATE invites SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL \
                 AND expires_at > $2 RETURNING user_id",
                &[&code_hash.as_slice(), &now],
            )
            .await?;
        if let Some(row) = claimed {
            let id: i64 = row.try_get(0)?;
            return Ok(Claim::Claimed(PgStore::user_by_id(&client, id).await?));
        }
        let row = client
            .query_opt(
                "SELECT user_id, used_at FROM invites WHERE code_hash = $1",
                &[&code_hash.as_slice()],
            )
            .await?;
        Ok(match row {
            None => Claim::Unknown,
            Some(row) => {
                let id: i64 = row.try_get(0)?;
                let used: Option<i64> = row.try_get(1)?;
                let u = PgStore::user_by_id(&client, id).await?;
                if used.is_some() {
                    Claim::Used(u)
                } else {
                    Claim::Expired(u)
                }
            }
        })
    }

    async fn add_device(&self, d: &NewDevice) -> Result<()> {
        let client = self.client().await?;
        let (person, paired_by) = d.paired.clone().unzip();
        client
            .execute(
                "INSERT INTO devices (key, user_id, certificate, enrolled_at, person, paired_by) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &d.key.as_slice(),
                    &d.user_id,
                    &d.certificate,
                    &d.enrolled_at,
                    &person,
                    &paired_by.as_ref().map(<[u8; 32]>::as_slice),
                ],
            )
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    HubError::Exists("this device")
                } else {
                    e.into()
                }
            })?;
        Ok(())
    }

    async fn device(&self, key: &[u8; 32]) -> Result<Option<Device>> {
        let client = self.client().await?;
        client
            .query_opt(
                &format!("{DEVICE_SELECT} WHERE d.key = $1"),
                &[&key.as_slice()],
            )
            .await?
            .as_ref()
            .map(device)
            .transpose()
    }

    async fn pair_device(&self, d: &NewDevice, grant: [u8; 16]) -> Result<Paired> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The insert takes the grant's row lock: a phone on another node presenting the same
        // grant waits, then reads the first one as the holder.
        tx.execute(
            "INSERT INTO grant_redemptions (grant_id, device) VALUES ($1, $2) \
             ON CONFLICT (grant_id) DO NOTHING",
            &[&grant.as_slice(), &d.key.as_slice()],
        )
        .await?;
        let holder: Vec<u8> = tx
            .query_one(
                "SELECT device FROM grant_redemptions WHERE grant_id = $1",
                &[&grant.as_slice()],
            )
            .await?
            .try_get(0)?;
        if holder != d.key {
            return Ok(Paired::GrantUsed);
        }
        let (person, paired_by) = d.paired.clone().unzip();
        let added = tx
            .execute(
                "INSERT INTO devices (key, user_id, certificate, enrolled_at, person, paired_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING",
                &[
                    &d.key.as_slice(),
                    &d.user_id,
                    &d.certificate,
                    &d.enrolled_at,
                    &person,
                    &paired_by.as_ref().map(<[u8; 32]>::as_slice),
                ],
            )
            .await?;
        let row = tx
            .query_one(
                &format!("{DEVICE_SELECT} WHERE d.key = $1"),
                &[&d.key.as_slice()],
            )
            .await?;
        tx.commit().await?;
        let device = device(&row)?;
        Ok(if added == 1 {
            Paired::New(device)
        } else {
            Paired::Known(device)
        })
    }

    async fn devices(&self) -> Result<Vec<Device>> {
        let client = self.client().await?;
        client
            .query(&format!("{DEVICE_SELECT} ORDER BY d.seq"), &[])
            .await?
            .iter()
            .map(device)
            .collect()
    }

    async fn revocation_list(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT version, list FROM revocations ORDER BY version DESC LIMIT 1",
                &[],
            )
            .await?;
        row.map(|r| {
            let v: i64 = r.try_get(0)?;
            let v = u64::try_from(v).map_err(|_| HubError::Corrupt("revocation version"))?;
            Ok((v, r.try_get(1)?))
        })
        .transpose()
    }

    async fn store_revocation(
        &self,
        device: &[u8; 32],
        version: u64,
        list: &[u8],
        now: i64,
    ) -> Result<bool> {
        let version =
            i64::try_from(version).map_err(|_| HubError::invalid("version", "too large"))?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        match tx
            .execute(
                "INSERT INTO revocations (version, list, issued_at) VALUES ($1, $2, $3)",
                &[&version, &list, &now],
            )
            .await
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        tx.execute(
            "UPDATE devices SET revoked_at = $2 WHERE key = $1 AND revoked_at IS NULL",
            &[&device.as_slice(), &now],
        )
        .await?;
        // Delivered to every listening node when the transaction commits.
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&REVOCATION_CHANNEL, &version.to_string()],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn assign_person(&self, person: &str, to: i64, e: &AuditEntry) -> Result<Option<i64>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let before: Option<i64> = tx
            .query_opt(
                "SELECT assigned_to FROM people WHERE person_id = $1 FOR UPDATE",
                &[&person],
            )
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if before.is_none() {
            return Ok(None);
        }
        tx.execute(
            "UPDATE people SET assigned_to = $2 WHERE person_id = $1",
            &[&person, &to],
        )
        .await?;
        insert_audit(&tx, e).await?;
        tx.commit().await?;
        Ok(before)
    }

    async fn caseload_moves(&self, after: Option<i64>) -> Result<(Vec<String>, i64)> {
        let client = self.client().await?;
        let newest: i64 = client
            .query_one("SELECT coalesce(max(seq), 0)::BIGINT FROM audit", &[])
            .await?
            .try_get(0)?;
        let Some(after) = after else {
            return Ok((Vec::new(), newest));
        };
        let limit = i64::try_from(MAX_ANNOUNCED_PEOPLE + 1).unwrap_or(i64::MAX);
        let people = client
            .query(
                "SELECT person FROM audit WHERE seq > $1 AND seq <= $2 \
                 AND event = 'caseload-move' AND person IS NOT NULL ORDER BY seq LIMIT $3",
                &[&after, &newest, &limit],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        Ok((people, newest))
    }

    async fn person(&self, person: &str) -> Result<Option<PersonRow>> {
        let client = self.client().await?;
        client
            .query_opt(
                "SELECT person_id, created_by, assigned_to FROM people WHERE person_id = $1",
                &[&person],
            )
            .await?
            .map(|r| {
                Ok(PersonRow {
                    person: r.try_get(0)?,
                    created_by: r.try_get(1)?,
                    assigned_to: r.try_get(2)?,
                })
            })
            .transpose()
    }

    async fn audit(&self, e: &AuditEntry) -> Result<()> {
        let client = self.client().await?;
        insert_audit(&*client, e).await?;
        Ok(())
    }

    async fn audit_log(&self) -> Result<Vec<AuditRecord>> {
        let client = self.client().await?;
        client
            .query(
                "SELECT seq, at, event, device, user_name, detail, person FROM audit ORDER BY seq",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(AuditRecord {
                    seq: r.try_get(0)?,
                    entry: AuditEntry {
                        at: r.try_get(1)?,
                        event: r.try_get(2)?,
                        device: r.try_get(3)?,
                        user: r.try_get(4)?,
                        detail: r.try_get(5)?,
                        person: r.try_get(6)?,
                    },
                })
            })
            .collect()
    }

    async fn directory_versions(&self) -> Result<Vec<HubDirectory>> {
        let client = self.client().await?;
        client
            .query(DIRECTORY_SELECT, &[&DIRECTORY_VERSIONS_KEPT])
            .await?
            .iter()
            .map(directory)
            .collect()
    }

    async fn directory_feed(&self, version: i64) -> Result<Option<Vec<u8>>> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT feed FROM directory_feeds WHERE version = $1",
                &[&version],
            )
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    async fn store_directory(&self, d: &HubDirectory, feed: &[u8]) -> Result<HubDirectory> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO directory_feeds (digest, source, feed_date, imported_at, services, \
             records, skipped, feed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &d.digest,
                &d.source,
                &d.feed_date,
                &d.imported_at,
                &d.services,
                &d.records,
                &d.skipped,
                &feed,
            ],
        )
        .await?;
        tx.execute(
            "DELETE FROM directory_feeds WHERE version NOT IN \
             (SELECT version FROM directory_feeds ORDER BY version DESC LIMIT $1)",
            &[&DIRECTORY_VERSIONS_KEPT],
        )
        .await?;
        let stored = tx
            .query(DIRECTORY_SELECT, &[&1i64])
            .await?
            .first()
            .map(directory)
            .ok_or(HubError::Corrupt("directory version"))??;
        tx.commit().await?;
        Ok(stored)
    }

    async fn sync_load(&self, scope: &SyncScope) -> Result<SyncData> {
        let peer = scope.peer.as_str();
        let named: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
            &scope.user,
            &scope.team,
            &scope.person,
            &peer,
            &scope.mentioned,
        ];
        let in_scope: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
            &scope.user,
            &scope.team,
            &scope.person,
            &peer,
            &scope.mentioned,
            &scope.unassigned,
        ];
        let mut client = self.client().await?;
        // One snapshot for every read.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let mut data = SyncData::default();
        for r in tx
            .query(
                &format!(
                    "SELECT person_id, kind, bytes, heads FROM documents WHERE {SYNC_SCOPE} \
                     ORDER BY person_id, kind"
                ),
                &in_scope,
            )
            .await?
        {
            data.documents.push(DocumentRow {
                person: r.try_get(0)?,
                kind: r.try_get(1)?,
                bytes: r.try_get(2)?,
                heads: r.try_get(3)?,
            });
        }
        for r in tx.query(PEOPLE_SCOPE, &named).await? {
            data.people.push(PersonRow {
                person: r.try_get(0)?,
                created_by: r.try_get(1)?,
                assigned_to: r.try_get(2)?,
            });
        }
        for r in tx
            .query(
                "SELECT id, name, role, team FROM users WHERE id = $1 OR team = $2",
                &[&scope.user, &scope.team],
            )
            .await?
        {
            data.users.push(user(&r)?);
        }
        for r in tx
            .query(
                "SELECT person_id, kind, state FROM sync_state WHERE peer_id = $1",
                &[&peer],
            )
            .await?
        {
            data.states
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        for r in tx
            .query(
                &format!(
                    "SELECT person_id, kind, signature FROM change_signatures WHERE {SYNC_SCOPE}"
                ),
                &in_scope,
            )
            .await?
        {
            data.signatures
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        // The holders of the grants the step may record or refuse (primary-key lookups).
        for r in tx
            .query(
                "SELECT grant_id, device FROM grant_redemptions WHERE grant_id = ANY($1)",
                &[&scope.grants],
            )
            .await?
        {
            data.redemptions.push((r.try_get(0)?, r.try_get(1)?));
        }
        for r in tx.query(TOMBSTONES_SCOPE, &named).await? {
            data.tombstones
                .push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        // The certificates of the signers of what was read and of what the message carries.
        let signers = super::signers_of(&data, &scope.signers);
        for r in tx
            .query(
                "SELECT device, certificate FROM certificates WHERE device = ANY($1)",
                &[&signers],
            )
            .await?
        {
            data.certificates.push((r.try_get(0)?, r.try_get(1)?));
        }
        tx.commit().await?;
        Ok(data)
    }

    async fn sync_commit(&self, w: SyncWrites) -> Result<()> {
        let changed = DocumentsChanged::of(&w);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        for (person, at, sig) in &w.erased {
            for table in ["documents", "sync_state", "change_signatures"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE person_id = $1"),
                    &[person],
                )
                .await?;
            }
            tx.execute(
                "INSERT INTO tombstones (person_id, erased_at, signature) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id) DO NOTHING",
                &[person, at, sig],
            )
            .await?;
        }
        for person in &w.forgotten {
            tx.execute(
                "DELETE FROM sync_state WHERE peer_id = $1 AND person_id = $2",
                &[&w.peer, person],
            )
            .await?;
        }
        for p in &w.new_people {
            tx.execute(
                "INSERT INTO people (person_id, created_by, assigned_to) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id) DO NOTHING",
                &[&p.person, &p.created_by, &p.assigned_to],
            )
            .await?;
        }
        for (d, read) in &w.documents {
            let written = match read {
                Some(heads) => {
                    tx.execute(
                        "UPDATE documents SET bytes = $3, heads = $4 \
                         WHERE person_id = $1 AND kind = $2 AND heads = $5",
                        &[&d.person, &d.kind, &d.bytes, &d.heads, heads],
                    )
                    .await?
                }
                None => {
                    tx.execute(
                        "INSERT INTO documents (person_id, kind, bytes, heads) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (person_id, kind) DO NOTHING",
                        &[&d.person, &d.kind, &d.bytes, &d.heads],
                    )
                    .await?
                }
            };
            if written != 1 {
                // Dropped without commit: rolls back.
                return Err(HubError::Concurrent);
            }
        }
        for (person, kind, state) in &w.states {
            tx.execute(
                "INSERT INTO sync_state (peer_id, person_id, kind, state) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (peer_id, person_id, kind) DO UPDATE SET state = excluded.state",
                &[&w.peer, person, kind, state],
            )
            .await?;
        }
        for (hash, person, kind, sig) in &w.signatures {
            tx.execute(
                "INSERT INTO change_signatures (hash, person_id, kind, signature) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (hash) DO UPDATE SET signature = excluded.signature",
                &[hash, person, kind, sig],
            )
            .await?;
        }
        for (device, cert) in &w.certificates {
            tx.execute(
                "INSERT INTO certificates (device, certificate) VALUES ($1, $2) \
                 ON CONFLICT (device) DO NOTHING",
                &[device, cert],
            )
            .await?;
        }
        for (grant, device) in &w.redemptions {
            tx.execute(
                "INSERT INTO grant_redemptions (grant_id, device) VALUES ($1, $2) \
                 ON CONFLICT (grant_id) DO NOTHING",
                &[grant, device],
            )
            .await?;
            let holder: Vec<u8> = tx
                .query_one(
                    "SELECT device FROM grant_redemptions WHERE grant_id = $1",
                    &[grant],
                )
                .await?
                .try_get(0)?;
            if holder != *device {
                // Another device took the grant up meanwhile: dropped without commit.
                return Err(HubError::Concurrent);
            }
        }
        for e in &w.audit {
            insert_audit(&tx, e).await?;
        }
        if let Some(changed) = changed {
            // Delivered to every listening node (this one too) when the transaction commits.
            tx.execute(
                "SELECT pg_notify($1, $2)",
                &[&DOCUMENT_CHANNEL, &changed.encode()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    fn revocation_events(&self) -> impl Future<Output = Result<Option<mpsc::Receiver<()>>>> + Send {
        let target = self.target.clone();
        async move {
            let (client, connection) = open_connection(&target).await?;
            let client = std::sync::Arc::new(client);
            let keep = std::sync::Arc::clone(&client);
            let (tx, rx) = mpsc::channel(16);
            tokio::spawn(async move {
                use futures_util::StreamExt;
                // The client must outlive the LISTEN: this task holds it until the hub drops
                // the receiver or the connection ends.
                let _client = keep;
                let mut messages = Notifications { connection };
                loop {
                    tokio::select! {
                        _ = tx.closed() => break,
                        message = messages.next() => match message {
                            Some(Ok(AsyncMessage::Notification(_))) => {
                                // A full channel already holds a wake-up: nothing is lost.
                                let _ = tx.try_send(());
                            }
                            Some(Ok(_)) => {}
                            // The sender drops here: the hub falls back to polling.
                            Some(Err(_)) | None => break,
                        },
                    }
                }
            });
            client
                .batch_execute(&format!("LISTEN {REVOCATION_CHANNEL}"))
                .await?;
            Ok(Some(rx))
        }
    }

    fn document_events(
        &self,
    ) -> impl Future<Output = Result<tokio::sync::broadcast::Receiver<DocumentsChanged>>> + Send
    {
        let target = self.target.clone();
        async move {
            let (client, connection) = open_connection(&target).await?;
            let client = std::sync::Arc::new(client);
            let keep = std::sync::Arc::clone(&client);
            let (tx, rx) = tokio::sync::broadcast::channel(DOCUMENT_EVENTS);
            tokio::spawn(async move {
                use futures_util::StreamExt;
                // As for revocations: this task holds the client until every receiver is gone
                // or the connection ends (the sender then drops: receivers see `Closed`).
                let _client = keep;
                let mut messages = Notifications { connection };
                let mut idle = tokio::time::interval(std::time::Duration::from_secs(5));
                loop {
                    tokio::select! {
                        _ = idle.tick() => {
                            if tx.receiver_count() == 0 {
                                break;
                            }
                        }
                        message = messages.next() => match message {
                            Some(Ok(AsyncMessage::Notification(n)))
                                if n.channel() == DOCUMENT_CHANNEL =>
                            {
                                if tx.send(DocumentsChanged::decode(n.payload())).is_err() {
                                    break;
                                }
                            }
                            Some(Ok(_)) => {}
                            Some(Err(_)) | None => break,
                        },
                    }
                }
            });
            client
                .batch_execute(&format!("LISTEN {DOCUMENT_CHANNEL}"))
                .await?;
            Ok(rx)
        }
    }
}
