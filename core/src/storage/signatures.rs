//! Change signatures, signers' certificates and tombstone signatures (ADR 0007): the rows of
//! migration 0006. A signature row is written in the same transaction as the change it signs
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

/// Stores (or replaces) the signature of one change of `person`'s `kind` document. A
/// `valid_at` of 0 is stored as unknown (no certificate was known for the signer).
pub(crate) fn put(
    tx: &Transaction<'_>,
    person: Id,
    kind: DocKind,
    sig: &ChangeSignature,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO change_signatures (hash, person_id, kind, signer, signature, adopted, valid_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (hash) DO UPDATE SET signer = ?4, signature = ?5, adopted = ?6, valid_at = ?7",
    )?
    .execute(params![
        sig.hash.as_slice(),
        person.to_string(),
        kind.code(),
        sig.signer.as_bytes().as_slice(),
        sig.signature.as_slice(),
        i64::from(sig.adopted),
        (sig.valid_at != 0).then_some(sig.valid_at),
    ])?;
    Ok(())
}

/// The stored signature of the change `hash`, if any.
pub(crate) fn get(conn: &Connection, hash: &[u8; HASH_BYTES]) -> Result<Option<ChangeSignature>> {
    let row = conn
        .prepare_cached(
            "SELECT hash, signer, signature, adopted, valid_at FROM change_signatures
             WHERE hash = ?1",
        )?
        .query_row(params![hash.as_slice()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    row.map(|(h, s, g, a, v)| row_to_sig(h, s, g, a, v))
        .transpose()
}

/// Every stored signature of `person`'s `kind` document.
pub(crate) fn for_document(
    conn: &Connection,
    person: Id,
    kind: DocKind,
) -> Result<Vec<ChangeSignature>> {
    let mut stmt = conn.prepare_cached(
        "SELECT hash, signer, signature, adopted, valid_at FROM change_signatures
         WHERE person_id = ?1 AND kind = ?2",
    )?;
    let rows = stmt.query_map(params![person.to_string(), kind.code()], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (h, s, g, a, v) = row?;
        out.push(row_to_sig(h, s, g, a, v)?);
    }
    Ok(out)
}

/// How many stored signatures `person`'s `kind` document has.
pub(crate) fn count_for_document(conn: &Connection, person: Id, kind: DocKind) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM change_signatures WHERE person_id = ?1 AND kind = ?2",
        )?
        .query_row(params![person.to_string(), kind.code()], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Marks every signature by `signer` whose certificate was not known as valid from `at` (the
/// store's own changes made before it enrolled, once its certificate is installed).
pub(crate) fn set_valid_from(tx: &Transaction<'_>, signer: &PublicKey, at: i64) -> Result<()> {
    tx.execute(
        "UPDATE change_signatures SET valid_at = ?2 WHERE signer = ?1 AND valid_at IS NULL",
        params![signer.as_bytes().as_slice(), at],
    )?;
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

/// Deletes the signatures of `person`'s changes (erasure).
pub(crate) fn erase(tx: &Transaction<'_>, person: Id) -> Result<()> {
    tx.execute(
        "DELETE FROM change_signatures WHERE person_id = ?1",
        params![person.to_string()],
    )?;
    Ok(())
}
