//! Document rows: a compacted snapshot plus incremental change rows per document. Each
//! document's heads and snapshot size as of its last compaction are in `doc_state` (apart from
//! the snapshot); a change row carries the heads after it and, for a change this device made,
//! its signature, so an action writes its change row and no other document row (migration
//! 0010). The view `doc_current` gives each document's current heads and sizes.

use std::collections::HashMap;

use automerge::Automerge;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::identity::ChangeSignature;
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
        .prepare_cached("SELECT person_id, kind, snapshot_bytes + change_bytes FROM doc_current")?;
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

/// Records a document's current heads where `doc_current` reads them: on its latest change
/// row, or on `doc_state` when it has none.
pub(crate) fn set_heads(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    doc: &Automerge,
) -> Result<()> {
    let (key, heads) = (person.to_string(), encode_heads(doc));
    let on_row = tx
        .prepare_cached(
            "UPDATE doc_changes SET heads = ?3
             WHERE person_id = ?1 AND kind = ?2
               AND id = (SELECT max(id) FROM doc_changes WHERE person_id = ?1 AND kind = ?2)",
        )?
        .execute(params![key, kind.code(), heads])?;
    if on_row == 0 {
        tx.prepare_cached("UPDATE doc_state SET heads = ?3 WHERE person_id = ?1 AND kind = ?2")?
            .execute(params![key, kind.code(), heads])?;
    }
    Ok(())
}

/// Every document with its stored heads: `(person, kind, heads)`.
pub(crate) fn all_heads(conn: &Connection) -> Result<Vec<(Id, DocKind, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, kind, heads FROM doc_current ORDER BY person_id, kind",
    )?;
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

/// Appends incremental bytes (a merge: no signature of this device); compacts into a new
/// snapshot when the increments have grown to the snapshot's size or [`COMPACT_AFTER_ROWS`]
/// rows.
pub(crate) fn append(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    bytes: &[u8],
    doc: &Automerge,
) -> Result<()> {
    append_signed(tx, person, kind, bytes, doc, &[])
}

/// Appends the incremental bytes of changes this device made with their signatures `signed`,
/// as [`append`] does. One signature (an action's one change) is kept on the change row, the
/// page the row is written to anyway; otherwise (a compaction, several changes) each goes to
/// `change_signatures`.
pub(crate) fn append_signed(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    bytes: &[u8],
    doc: &Automerge,
    signed: &[ChangeSignature],
) -> Result<()> {
    let put_all = || -> Result<()> {
        for sig in signed {
            super::signatures::put(tx, person, kind, sig)?;
        }
        Ok(())
    };
    if bytes.is_empty() {
        return put_all();
    }
    let key = person.to_string();
    let (snapshot_bytes, change_bytes, change_rows): (i64, i64, i64) = tx
        .prepare_cached(
            "SELECT snapshot_bytes, change_bytes, change_rows FROM doc_current
             WHERE person_id = ?1 AND kind = ?2",
        )?
        .query_row(params![key, kind.code()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let change_bytes = change_bytes + bytes.len() as i64;
    if change_rows + 1 >= COMPACT_AFTER_ROWS || change_bytes >= snapshot_bytes {
        compact(tx, person, kind, doc)?;
        return put_all();
    }
    let heads = encode_heads(doc);
    // Keyed by document (migration 0010): the row lands beside the document's other change
    // rows, on the page the next `load` reads, with the heads and the signature, so nothing
    // else about the document is written.
    let next_id = "(SELECT coalesce(max(id), 0) + 1 FROM doc_changes
                   WHERE person_id = ?1 AND kind = ?2)";
    match signed {
        [sig] => {
            // A new change: no other row holds its hash or its signature.
            let signer = super::signatures::signer_number(tx, &sig.signer)?;
            tx.prepare_cached(&format!(
                "INSERT INTO doc_changes (person_id, kind, id, bytes, heads, hash, signer,
                                          signature, adopted, valid_at)
                 VALUES (?1, ?2, {next_id}, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ))?
            .execute(params![
                key,
                kind.code(),
                bytes,
                heads,
                sig.hash.as_slice(),
                signer,
                sig.signature.as_slice(),
                i64::from(sig.adopted),
                (sig.valid_at != 0).then_some(sig.valid_at),
            ])?;
            Ok(())
        }
        _ => {
            tx.prepare_cached(&format!(
                "INSERT INTO doc_changes (person_id, kind, id, bytes, heads)
                 VALUES (?1, ?2, {next_id}, ?3, ?4)"
            ))?
            .execute(params![key, kind.code(), bytes, heads])?;
            put_all()
        }
    }
}

/// Replaces a document's snapshot and change rows with one compacted snapshot; the signatures
/// the change rows held move to `change_signatures` (their hashes do not change).
pub(crate) fn compact(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    doc: &Automerge,
) -> Result<()> {
    let key = person.to_string();
    let snapshot = doc.save();
    tx.prepare_cached(
        "INSERT INTO change_signatures (person_id, kind, hash, signer, signature, adopted, valid_at)
         SELECT ?3, kind, hash, signer, signature, adopted, valid_at FROM doc_changes
         WHERE person_id = ?1 AND kind = ?2 AND hash IS NOT NULL
         ON CONFLICT (person_id, kind, hash) DO NOTHING",
    )?
    .execute(params![key, kind.code(), person.as_bytes().as_slice()])?;
    tx.prepare_cached("DELETE FROM doc_changes WHERE person_id = ?1 AND kind = ?2")?
        .execute(params![key, kind.code()])?;
    tx.prepare_cached("UPDATE documents SET snapshot = ?3 WHERE person_id = ?1 AND kind = ?2")?
        .execute(params![key, kind.code(), snapshot])?;
    tx.prepare_cached(
        "UPDATE doc_state SET snapshot_bytes = ?3, heads = ?4 WHERE person_id = ?1 AND kind = ?2",
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
                coalesce(sum(change_rows), 0) FROM doc_current",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}
