//! Sync bookkeeping stored beside the documents: per-peer automerge sync state, erasure
//! tombstones and the peers this store has met. Written in the same transaction as the document
//! changes they describe.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{Code, DocKind, Role};

/// The persisted sync state of one document with one peer.
pub(crate) fn load_state(
    conn: &Connection,
    peer: Id,
    person: Id,
    kind: DocKind,
) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached(
            "SELECT state FROM sync_state WHERE peer_id = ?1 AND person_id = ?2 AND kind = ?3",
        )?
        .query_row(
            params![peer.to_string(), person.to_string(), kind.code()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Saves the sync state of one document with one peer.
pub(crate) fn save_state(
    tx: &Transaction<'_>,
    peer: Id,
    person: Id,
    kind: DocKind,
    state: &[u8],
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_state (peer_id, person_id, kind, state) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (peer_id, person_id, kind) DO UPDATE SET state = excluded.state",
    )?
    .execute(params![
        peer.to_string(),
        person.to_string(),
        kind.code(),
        state
    ])?;
    Ok(())
}

/// Records that a peer was met.
pub(crate) fn save_peer(
    tx: &Transaction<'_>,
    peer: Id,
    role: Role,
    person: Option<Id>,
    at: DateTime<Utc>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO peers (peer_id, role, person_id, last_sync) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (peer_id) DO UPDATE SET role = excluded.role, person_id = excluded.person_id,
             last_sync = excluded.last_sync",
    )?
    .execute(params![
        peer.to_string(),
        role.code(),
        person.map(|p| p.to_string()),
        at.timestamp_millis()
    ])?;
    Ok(())
}

/// Every tombstone: `(person, erased at)`.
pub(crate) fn tombstones(conn: &Connection) -> Result<Vec<(Id, DateTime<Utc>)>> {
    let mut stmt =
        conn.prepare_cached("SELECT person_id, erased_at FROM tombstones ORDER BY person_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (p, at) = row?;
        let id = Id::parse("person", &p).map_err(|_| Error::schema("stored tombstone id"))?;
        out.push((
            id,
            Utc.timestamp_millis_opt(at).single().unwrap_or_default(),
        ));
    }
    Ok(out)
}

/// Whether a person was erased.
pub(crate) fn is_erased(conn: &Connection, person: Id) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM tombstones WHERE person_id = ?1")?
        .query_row(params![person.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Deletes every stored trace of a person (documents, change rows, projections, sync state)
/// and records the tombstone.
pub(crate) fn erase(tx: &Transaction<'_>, person: Id, at: DateTime<Utc>) -> Result<()> {
    drop_copy(tx, person)?;
    let key = person.to_string();
    tx.execute(
        "DELETE FROM pairing_grants WHERE person_id = ?1",
        params![key],
    )?;
    tx.execute(
        "INSERT INTO tombstones (person_id, erased_at) VALUES (?1, ?2) ON CONFLICT (person_id) DO NOTHING",
        params![key, at.timestamp_millis()],
    )?;
    Ok(())
}

/// Deletes this store's copy of `person` at its hub's request (issue 16): documents, changes,
/// sync states, change signatures and projections (erasure does the same, then forgets the
/// person's pairing grants and records a tombstone). No tombstone is recorded and pairing grants
/// stay: the person is not erased, this device stops holding them.
pub(crate) fn drop_copy(tx: &Transaction<'_>, person: Id) -> Result<()> {
    let key = person.to_string();
    tx.execute("DELETE FROM doc_changes WHERE person_id = ?1", params![key])?;
    tx.execute("DELETE FROM doc_state WHERE person_id = ?1", params![key])?;
    tx.execute("DELETE FROM documents WHERE person_id = ?1", params![key])?;
    tx.execute("DELETE FROM sync_state WHERE person_id = ?1", params![key])?;
    super::projections::remove(tx, person)?;
    super::signatures::erase(tx, person)?;
    Ok(())
}

/// Every persisted sync state with one peer: `(person, kind, state bytes)`.
pub(crate) fn states_for_peer(conn: &Connection, peer: Id) -> Result<Vec<(Id, DocKind, Vec<u8>)>> {
    let mut stmt =
        conn.prepare_cached("SELECT person_id, kind, state FROM sync_state WHERE peer_id = ?1")?;
    let rows = stmt.query_map(params![peer.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (p, k, s) = row?;
        let id = Id::parse("person", &p).map_err(|_| Error::schema("stored person id"))?;
        let kind = DocKind::from_code(&k).ok_or_else(|| Error::schema("stored document kind"))?;
        out.push((id, kind, s));
    }
    Ok(out)
}
