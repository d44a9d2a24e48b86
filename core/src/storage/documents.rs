//! Document rows: a compacted snapshot plus incremental change rows per document, and each
//! document's heads and sizes in `doc_state` (apart from the snapshot, so an action rewrites a
//! small row, not the snapshot's last page).

use std::collections::HashMap;

use automerge::Automerge;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{Code, DocKind};

/// Compact when this many change rows have accumulated...
pub(crate) const COMPACT_AFTER_ROWS: i64 = 10;

/// Loads a document, applying its change rows to the snapshot. `None` when absent.
pub(crate) fn load(conn: &Connection, person: Id, kind: DocKind) -> Result<Option<Automerge>> {
    let key = person.to_string();
    let snapshot: Option<Vec<u8>> = conn
        .query_row(
            "SELECT snapshot FROM documents WHERE person_id = ?1 AND kind = ?2",
            params![key, kind.code()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(snapshot) = snapshot else {
        return Ok(None);
    };
    let mut doc = Automerge::load(&snapshot)
        .map_err(|_| Error::schema("stored document snapshot cannot be loaded"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT bytes FROM doc_changes WHERE person_id = ?1 AND kind = ?2 ORDER BY id",
    )?;
    let mut rows = stmt.query(params![key, kind.code()])?;
    while let Some(row) = rows.next()? {
        let bytes: Vec<u8> = row.get(0)?;
        doc.load_incremental(&bytes)
            .map_err(|_| Error::schema("stored document change cannot be loaded"))?;
    }
    Ok(Some(doc))
}

/// A document's stored bytes as one loadable sequence (the snapshot followed by its change
/// rows), without loading it: what a peer that lacks the document is sent. `None` when absent.
pub(crate) fn saved_bytes(conn: &Connection, person: Id, kind: DocKind) -> Result<Option<Vec<u8>>> {
    let key = person.to_string();
    let snapshot: Option<Vec<u8>> = conn
        .prepare_cached("SELECT snapshot FROM documents WHERE person_id = ?1 AND kind = ?2")?
        .query_row(params![key, kind.code()], |r| r.get(0))
        .optional()?;
    let Some(mut bytes) = snapshot else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT bytes FROM doc_changes WHERE person_id = ?1 AND kind = ?2 ORDER BY id",
    )?;
    let mut rows = stmt.query(params![key, kind.code()])?;
    while let Some(row) = rows.next()? {
        let change: Vec<u8> = row.get(0)?;
        bytes.extend_from_slice(&change);
    }
    Ok(Some(bytes))
}

/// Every document's stored size in bytes (snapshot plus change rows: what
/// [`saved_bytes`] would return), from the size columns, without reading any document.
pub(crate) fn saved_sizes(conn: &Connection) -> Result<HashMap<(Id, DocKind), u64>> {
    let mut stmt = conn
        .prepare_cached("SELECT person_id, kind, snapshot_bytes + change_bytes FROM doc_state")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (person, kind, size) = row?;
        let person = Id::parse("person", &person).map_err(|_| Error::schema("stored person id"))?;
        let kind =
            DocKind::from_code(&kind).ok_or_else(|| Error::schema("stored document kind"))?;
        out.insert((person, kind), u64::try_from(size).unwrap_or(0));
    }
    Ok(out)
}

/// A document's heads as stored: sorted 32-byte hashes, concatenated.
pub(crate) fn encode_heads(doc: &Automerge) -> Vec<u8> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads.iter().flat_map(|h| h.0).collect()
}

/// Stores a new document as its first snapshot.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    doc: &Automerge,
) -> Result<()> {
    insert_saved(tx, person, kind, &doc.save(), doc)
}

/// Stores a new document as `snapshot`, bytes that load as `doc` (its `save()`, or a received
/// document exactly as it was checked), so a document that arrives whole is not saved again.
pub(crate) fn insert_saved(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    snapshot: &[u8],
    doc: &Automerge,
) -> Result<()> {
    let key = person.to_string();
    tx.prepare_cached("INSERT INTO documents (person_id, kind, snapshot) VALUES (?1, ?2, ?3)")?
        .execute(params![key, kind.code(), snapshot])?;
    tx.prepare_cached(
        "INSERT INTO doc_state (person_id, kind, heads, snapshot_bytes) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        key,
        kind.code(),
        encode_heads(doc),
        snapshot.len() as i64
    ])?;
    Ok(())
}

/// Records a document's current heads.
pub(crate) fn set_heads(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    doc: &Automerge,
) -> Result<()> {
    tx.prepare_cached("UPDATE doc_state SET heads = ?3 WHERE person_id = ?1 AND kind = ?2")?
        .execute(params![person.to_string(), kind.code(), encode_heads(doc)])?;
    Ok(())
}

/// Every document with its stored heads: `(person, kind, heads)`.
pub(crate) fn all_heads(conn: &Connection) -> Result<Vec<(Id, DocKind, Vec<u8>)>> {
    let mut stmt = conn
        .prepare_cached("SELECT person_id, kind, heads FROM doc_state ORDER BY person_id, kind")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (p, k, h) = row?;
        let id = Id::parse("person", &p).map_err(|_| Error::schema("stored person id"))?;
        let kind = DocKind::from_code(&k).ok_or_else(|| Error::schema("stored document kind"))?;
        out.push((id, kind, h));
    }
    Ok(out)
}

/// Appends incremental bytes; compacts into a new snapshot when the increments have grown to
/// the snapshot's size or [`COMPACT_AFTER_ROWS`] rows.
pub(crate) fn append(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    bytes: &[u8],
    doc: &Automerge,
) -> Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let key = person.to_string();
    let (snapshot_bytes, change_bytes, change_rows): (i64, i64, i64) = tx
        .prepare_cached(
            "SELECT snapshot_bytes, change_bytes, change_rows FROM doc_state
             WHERE person_id = ?1 AND kind = ?2",
        )?
        .query_row(params![key, kind.code()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let change_bytes = change_bytes + bytes.len() as i64;
    if change_rows + 1 >= COMPACT_AFTER_ROWS || change_bytes >= snapshot_bytes {
        return compact(tx, person, kind, doc);
    }
    tx.prepare_cached("INSERT INTO doc_changes (person_id, kind, bytes) VALUES (?1, ?2, ?3)")?
        .execute(params![key, kind.code(), bytes])?;
    // Heads and counters live in `doc_state`, not beside the snapshot: this rewrites one
    // small row, not the snapshot's last overflow page.
    tx.prepare_cached(
        "UPDATE doc_state SET heads = ?4, change_bytes = ?3, change_rows = change_rows + 1
         WHERE person_id = ?1 AND kind = ?2",
    )?
    .execute(params![key, kind.code(), change_bytes, encode_heads(doc)])?;
    Ok(())
}

/// Replaces a document's snapshot and change rows with one compacted snapshot.
pub(crate) fn compact(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    doc: &Automerge,
) -> Result<()> {
    let key = person.to_string();
    let snapshot = doc.save();
    tx.execute(
        "DELETE FROM doc_changes WHERE person_id = ?1 AND kind = ?2",
        params![key, kind.code()],
    )?;
    tx.prepare_cached("UPDATE documents SET snapshot = ?3 WHERE person_id = ?1 AND kind = ?2")?
        .execute(params![key, kind.code(), snapshot])?;
    tx.prepare_cached(
        "UPDATE doc_state SET snapshot_bytes = ?3, change_bytes = 0, change_rows = 0, heads = ?4
         WHERE person_id = ?1 AND kind = ?2",
    )?
    .execute(params![
        key,
        kind.code(),
        snapshot.len() as i64,
        encode_heads(doc)
    ])?;
    Ok(())
}

/// Whether a person has any document.
pub(crate) fn has_person(conn: &Connection, person: Id) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM doc_state WHERE person_id = ?1 LIMIT 1")?
        .query_row(params![person.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Every person with at least one document.
pub(crate) fn people(conn: &Connection) -> Result<Vec<Id>> {
    // `doc_state` has a row per document and no snapshot: scanning it reads a few pages.
    let mut stmt = conn.prepare("SELECT DISTINCT person_id FROM doc_state ORDER BY person_id")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for id in ids {
        out.push(Id::parse("person", &id?).map_err(|_| Error::schema("stored person id"))?);
    }
    Ok(out)
}

/// Sizes of the stored documents: `(snapshot bytes, change bytes, change rows)` summed.
pub(crate) fn sizes(conn: &Connection) -> Result<(i64, i64, i64)> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(snapshot_bytes), 0), coalesce(sum(change_bytes), 0),
                coalesce(sum(change_rows), 0) FROM doc_state",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}
