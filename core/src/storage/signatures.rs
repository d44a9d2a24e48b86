//! Change signatures, signers' certificates and tombstone signatures (ADR 0007): the rows of
//! migration 0006, signatures keyed by document since migration 0010. The signature of a change
//! this device made waits on its change row (`doc_changes`) until the document is compacted,
//! then moves here (`documents::compact`); every reader here sees both, and a signature stored
//! here for the same change replaces the one on the row (a later adoption or a received
//! signature). A signature row is written in the same transaction as the change it signs
//! and deleted with the person's documents when they are erased.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::identity::keys::{PublicKey, KEY_BYTES, SIGNATURE_BYTES};
use crate::identity::signing::HASH_BYTES;
use crate::identity::{ChangeSignature, TombstoneSignature};
use crate::ids::Id;

use crate::model::{Code, DocKind};

fn damaged() -> Error {
    Error::schema("stored signature")
}

fn row_to_sig(
    hash: Vec<u8>,
    signer: Vec<u8>,
    signature: Vec<u8>,
    adopted: i64,
    valid_at: Option<i64>,
) -> Result<ChangeSignature> {
    Ok(ChangeSignature {
        hash: <[u8; HASH_BYTES]>::try_from(hash.as_slice()).map_err(|_| damaged())?,
        signer: PublicKey::from_bytes(
            <[u8; KEY_BYTES]>::try_from(signer.as_slice()).map_err(|_| damaged())?,
        ),
        signature: <[u8; SIGNATURE_BYTES]>::try_from(signature.as_slice())
            .map_err(|_| damaged())?,
        adopted: adopted != 0,
        valid_at: valid_at.unwrap_or(0),
    })
}

/// The columns a signature is read from: the signer's key joined from `signers`.
const SIG_COLUMNS: &str = "c.hash, s.key, c.signature, c.adopted, c.valid_at
     FROM change_signatures c JOIN signers s ON s.id = c.signer";

/// The same columns of the signatures waiting on change rows (person ids as text there).
const PENDING_COLUMNS: &str = "c.hash, s.key, c.signature, c.adopted, c.valid_at
     FROM doc_changes c JOIN signers s ON s.id = c.signer";

/// Stores (or replaces) the signature of one change of `person`'s `kind` document. A
/// `valid_at` of 0 is stored as unknown (no certificate was known for the signer). The signer
/// is numbered in `signers` the first time it signs (migration 0010).
pub(crate) fn put(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    sig: &ChangeSignature,
) -> Result<()> {
    let signer = signer_number(tx, &sig.signer)?;
    tx.prepare_cached(
        "INSERT INTO change_signatures (person_id, kind, hash, signer, signature, adopted, valid_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (person_id, kind, hash) DO UPDATE
         SET signer = ?4, signature = ?5, adopted = ?6, valid_at = ?7",
    )?
    .execute(params![
        person.as_bytes().as_slice(),
        kind.code(),
        sig.hash.as_slice(),
        signer,
        sig.signature.as_slice(),
        i64::from(sig.adopted),
        (sig.valid_at != 0).then_some(sig.valid_at),
    ])?;
    Ok(())
}

/// The number of `signer` in `signers`, numbering it if it is new. A lookup (no write) for a
/// signer already known, which is nearly every signature.
pub(crate) fn signer_number(tx: &Transaction<'_>, signer: &PublicKey) -> Result<i64> {
    let key = signer.as_bytes().as_slice();
    let known: Option<i64> = tx
        .prepare_cached("SELECT id FROM signers WHERE key = ?1")?
        .query_row(params![key], |r| r.get(0))
        .optional()?;
    if let Some(id) = known {
        return Ok(id);
    }
    tx.prepare_cached("INSERT INTO signers (key) VALUES (?1)")?
        .execute(params![key])?;
    Ok(tx.last_insert_rowid())
}

type SigRow = (Vec<u8>, Vec<u8>, Vec<u8>, i64, Option<i64>);

fn sig_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SigRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

/// The stored signature of the change `hash` of `person`'s `kind` document, if any.
pub(crate) fn get(
    conn: &Connection,
    person: Id,
    kind: DocKind,
    hash: &[u8; HASH_BYTES],
) -> Result<Option<ChangeSignature>> {
    let mut row = conn
        .prepare_cached(&format!(
            "SELECT {SIG_COLUMNS} WHERE c.person_id = ?1 AND c.kind = ?2 AND c.hash = ?3"
        ))?
        .query_row(
            params![person.as_bytes().as_slice(), kind.code(), hash.as_slice()],
            sig_row,
        )
        .optional()?;
    if row.is_none() {
        row = conn
            .prepare_cached(&format!(
                "SELECT {PENDING_COLUMNS} WHERE c.person_id = ?1 AND c.kind = ?2 AND c.hash = ?3"
            ))?
            .query_row(
                params![person.to_string(), kind.code(), hash.as_slice()],
                sig_row,
            )
            .optional()?;
    }
    row.map(|(h, s, g, a, v)| row_to_sig(h, s, g, a, v))
        .transpose()
}

/// Every stored signature of `person`'s `kind` document.
pub(crate) fn for_document(
    conn: &Connection,
    person: Id,
    kind: DocKind,
) -> Result<Vec<ChangeSignature>> {
    let mut out = Vec::new();
    let mut stored = conn.prepare_cached(&format!(
        "SELECT {SIG_COLUMNS} WHERE c.person_id = ?1 AND c.kind = ?2"
    ))?;
    for row in stored.query_map(params![person.as_bytes().as_slice(), kind.code()], sig_row)? {
        let (h, s, g, a, v) = row?;
        out.push(row_to_sig(h, s, g, a, v)?);
    }
    let replaced: std::collections::HashSet<[u8; HASH_BYTES]> =
        out.iter().map(|sig| sig.hash).collect();
    let mut pending = conn.prepare_cached(&format!(
        "SELECT {PENDING_COLUMNS} WHERE c.person_id = ?1 AND c.kind = ?2 AND c.hash IS NOT NULL"
    ))?;
    for row in pending.query_map(params![person.to_string(), kind.code()], sig_row)? {
        let (h, s, g, a, v) = row?;
        let sig = row_to_sig(h, s, g, a, v)?;
        if !replaced.contains(&sig.hash) {
            out.push(sig);
        }
    }
    Ok(out)
}

/// How many stored signatures `person`'s `kind` document has.
pub(crate) fn count_for_document(conn: &Connection, person: Id, kind: DocKind) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT (SELECT COUNT(*) FROM change_signatures WHERE person_id = ?1 AND kind = ?2)
                  + (SELECT COUNT(*) FROM doc_changes c
                     WHERE c.person_id = ?3 AND c.kind = ?2 AND c.hash IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM change_signatures s
                                       WHERE s.person_id = ?1 AND s.kind = ?2
                                         AND s.hash = c.hash))",
        )?
        .query_row(
            params![
                person.as_bytes().as_slice(),
                kind.code(),
                person.to_string()
            ],
            |r| r.get(0),
        )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Marks every signature by `signer` whose certificate was not known as valid from `at` (the
/// store's own changes made before it enrolled, once its certificate is installed).
pub(crate) fn set_valid_from(tx: &Transaction<'_>, signer: &PublicKey, at: i64) -> Result<()> {
    for table in ["change_signatures", "doc_changes"] {
        tx.execute(
            &format!(
                "UPDATE {table} SET valid_at = ?2
                 WHERE signer = (SELECT id FROM signers WHERE key = ?1) AND valid_at IS NULL"
            ),
            params![signer.as_bytes().as_slice(), at],
        )?;
    }
    Ok(())
}

/// Stores a signer's certificate (its canonical bytes), keyed by its device key.
pub(crate) fn put_certificate(conn: &Connection, device: &PublicKey, cert: &[u8]) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO signer_certificates (device, certificate) VALUES (?1, ?2)
         ON CONFLICT (device) DO UPDATE SET certificate = ?2",
    )?
    .execute(params![device.as_bytes().as_slice(), cert])?;
    Ok(())
}

/// The stored certificate of `device`: a signer's, or this store's own.
pub(crate) fn certificate(conn: &Connection, device: &PublicKey) -> Result<Option<Vec<u8>>> {
    let known: Option<Vec<u8>> = conn
        .prepare_cached("SELECT certificate FROM signer_certificates WHERE device = ?1")?
        .query_row(params![device.as_bytes().as_slice()], |r| r.get(0))
        .optional()?;
    if known.is_some() {
        return Ok(known);
    }
    let own = super::identity::load(conn)?;
    if own.public_key.as_ref() == Some(device.as_bytes()) {
        return Ok(own.certificate);
    }
    Ok(None)
}

/// Records the signature of `person`'s tombstone.
pub(crate) fn set_tombstone_signature(
    tx: &Transaction<'_>,
    person: Id,
    sig: &TombstoneSignature,
) -> Result<()> {
    tx.execute(
        "UPDATE tombstones SET signer = ?2, signature = ?3 WHERE person_id = ?1",
        params![
            person.to_string(),
            sig.signer.as_bytes().as_slice(),
            sig.signature.as_slice()
        ],
    )?;
    Ok(())
}

/// Every tombstone's signature (tombstones erased before signatures existed have none).
pub(crate) fn tombstone_signatures(
    conn: &Connection,
) -> Result<std::collections::HashMap<Id, TombstoneSignature>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, signer, signature FROM tombstones
         WHERE signer IS NOT NULL AND signature IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        let (p, signer, signature) = row?;
        let person = Id::parse("person", &p).map_err(|_| damaged())?;
        out.insert(
            person,
            TombstoneSignature {
                signer: PublicKey::from_bytes(
                    <[u8; KEY_BYTES]>::try_from(signer.as_slice()).map_err(|_| damaged())?,
                ),
                signature: <[u8; SIGNATURE_BYTES]>::try_from(signature.as_slice())
                    .map_err(|_| damaged())?,
            },
        );
    }
    Ok(out)
}

/// Deletes the signatures of `person`'s changes (erasure; those on change rows go with the
/// rows).
pub(crate) fn erase(tx: &Transaction<'_>, person: Id) -> Result<()> {
    tx.execute(
        "DELETE FROM change_signatures WHERE person_id = ?1",
        params![person.as_bytes().as_slice()],
    )?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! Signatures waiting on change rows and stored ones, read as one set.

    use rusqlite::Connection;

    use super::*;
    use crate::model::{NewGoal, NewPerson, NewProgress, Role};
    use crate::store::test_support::test_store;

    #[test]
    fn a_stored_signature_replaces_the_one_on_its_change_row_before_and_after_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let s = test_store(dir.path(), "s.db", "sam", Role::LinkWorker);
        let person = s
            .add_person(NewPerson {
                given_name: "Ada".into(),
                family_name: "Lovelace".into(),
                ..Default::default()
            })
            .unwrap();
        let goal = s
            .add_goal(
                person,
                NewGoal {
                    text: "Walk every day".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        for rating in [2, 4] {
            s.record_progress(
                goal,
                NewProgress {
                    rating: Some(rating),
                    note: None,
                },
            )
            .unwrap();
        }
        let mut conn = Connection::open(s.path()).unwrap();
        let (kind, hash): (String, Vec<u8>) = conn
            .query_row(
                "SELECT kind, hash FROM doc_changes WHERE person_id = ?1 AND hash IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                [person.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("an action's signature on its change row");
        let kind = DocKind::from_code(&kind).unwrap();
        let hash: [u8; HASH_BYTES] = hash.try_into().unwrap();
        let on_row = get(&conn, person, kind, &hash).unwrap().unwrap();
        assert!(!on_row.adopted);
        let before = for_document(&conn, person, kind).unwrap();
        assert_eq!(
            count_for_document(&conn, person, kind).unwrap(),
            before.len()
        );
        assert!(before.contains(&on_row));

        // The same change signed again, as the device vouching for it, is stored.
        let key = super::super::identity::secret_key(&conn).unwrap();
        let vouched = ChangeSignature::sign(&key, hash, true, 0);
        let tx = conn.transaction().unwrap();
        put(&tx, person, kind, &vouched).unwrap();
        tx.commit().unwrap();
        let read = |conn: &Connection| {
            let all = for_document(conn, person, kind).unwrap();
            assert_eq!(count_for_document(conn, person, kind).unwrap(), all.len());
            (get(conn, person, kind, &hash).unwrap(), all)
        };
        let (got, all) = read(&conn);
        assert_eq!(got, Some(vouched));
        assert_eq!(all.len(), before.len(), "one signature per change");
        assert!(all.contains(&vouched) && !all.contains(&on_row));

        // Compaction moves the row's signatures, keeping the stored one.
        s.compact().unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM doc_changes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
        let (got, after) = read(&conn);
        assert_eq!(got, Some(vouched));
        assert_eq!(after.len(), before.len());
        assert!(after.iter().all(|sig| all.contains(sig)));
    }
}
