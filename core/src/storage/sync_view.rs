//! What the store knows of its sync state, read for apps: the peers it met (with what their
//! certificates said), the documents it holds, and the conflict index (a projection: one row
//! per document with unresolved conflicts, kept in step with edits and merges).

use chrono::{TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{Code, ConflictedPerson, DocKind, DocumentInfo, KnownPeer, Role};

/// Records how many fields of a document conflict (none removes its row). Writes only when the
/// count differs.
pub(crate) fn set_conflicts(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    fields: usize,
) -> Result<()> {
    let current = conflict_count(tx, person, kind)?;
    if current == fields {
        return Ok(());
    }
    if fields == 0 {
        tx.prepare_cached("DELETE FROM conflicts WHERE person_id = ?1 AND kind = ?2")?
            .execute(params![person.to_string(), kind.code()])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO conflicts (person_id, kind, fields) VALUES (?1, ?2, ?3)
             ON CONFLICT (person_id, kind) DO UPDATE SET fields = excluded.fields",
        )?
        .execute(params![person.to_string(), kind.code(), fields as i64])?;
    }
    Ok(())
}

/// How many fields of a document the index says conflict (0 without a row).
pub(crate) fn conflict_count(conn: &Connection, person: Id, kind: DocKind) -> Result<usize> {
    let n: Option<i64> = conn
        .prepare_cached("SELECT fields FROM conflicts WHERE person_id = ?1 AND kind = ?2")?
        .query_row(params![person.to_string(), kind.code()], |r| r.get(0))
        .optional()?;
    Ok(n.and_then(|n| usize::try_from(n).ok()).unwrap_or(0))
}

/// Every person with a conflicted field, by person id.
pub(crate) fn conflicted_people(conn: &Connection) -> Result<Vec<ConflictedPerson>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id,
                sum(CASE kind WHEN 'plan' THEN fields ELSE 0 END),
                sum(CASE kind WHEN 'case' THEN fields ELSE 0 END)
         FROM conflicts GROUP BY person_id ORDER BY person_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (p, plan, case) = row?;
        out.push(ConflictedPerson {
            person_id: person_id(&p)?,
            plan_fields: i32::try_from(plan).unwrap_or(0),
            case_fields: i32::try_from(case).unwrap_or(0),
        });
    }
    Ok(out)
}

/// Records what a peer's verified certificate said in its latest session (`None`: the session
/// was not authenticated by a certificate, and nothing is known of one).
pub(crate) fn save_certificate(
    tx: &Transaction<'_>,
    peer: Id,
    certificate: Option<&(String, String)>,
) -> Result<()> {
    match certificate {
        Some((name, role)) => tx
            .prepare_cached(
                "INSERT INTO peer_certificates (peer_id, name, role) VALUES (?1, ?2, ?3)
                 ON CONFLICT (peer_id) DO UPDATE SET name = excluded.name, role = excluded.role",
            )?
            .execute(params![peer.to_string(), name, role])?,
        None => tx
            .prepare_cached("DELETE FROM peer_certificates WHERE peer_id = ?1")?
            .execute(params![peer.to_string()])?,
    };
    Ok(())
}

/// Every peer this store has met, most recently synced first.
pub(crate) fn peers(conn: &Connection) -> Result<Vec<KnownPeer>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.peer_id, p.role, p.person_id, p.last_sync, c.name, c.role
         FROM peers p LEFT JOIN peer_certificates c USING (peer_id)
         ORDER BY p.last_sync DESC, p.peer_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, role, person, at, name, cert_role) = row?;
        out.push(KnownPeer {
            store_id: Id::parse("peer", &id).map_err(|_| Error::schema("stored peer id"))?,
            role: Role::from_code(&role).ok_or_else(|| Error::schema("stored peer role"))?,
            person: person.as_deref().map(person_id).transpose()?,
            last_sync: Utc.timestamp_millis_opt(at).single().unwrap_or_default(),
            certificate_name: name,
            certificate_role: cert_role,
        });
    }
    Ok(out)
}

/// Every document this store holds, by person then kind code, from the stored rows.
pub(crate) fn documents(conn: &Connection) -> Result<Vec<DocumentInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, kind, snapshot_bytes + change_bytes, length(heads), change_rows
         FROM doc_current ORDER BY person_id, kind",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (p, k, bytes, heads, rows) = row?;
        out.push(DocumentInfo {
            person_id: person_id(&p)?,
            kind: DocKind::from_code(&k).ok_or_else(|| Error::schema("stored document kind"))?,
            bytes: bytes.max(0),
            heads: i32::try_from(heads / 32).unwrap_or(0),
            change_rows: i32::try_from(rows).unwrap_or(0),
        });
    }
    Ok(out)
}

fn person_id(text: &str) -> Result<Id> {
    Id::parse("person", text).map_err(|_| Error::schema("stored person id"))
}
