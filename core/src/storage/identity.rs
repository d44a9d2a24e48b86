//! The `device_identity` row (the device key pair, certificate, trust root and revocation list),
//! the `pairing_grants` a link worker's device issued and the `grant_redemptions` it knows of
//! (which device took up each grant). The secret key is read only to sign
//! and is held in zeroed-on-drop memory.

use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::identity::{PublicKey, SecretKey};

/// Everything stored about the device's identity except its secret key.
#[derive(Clone, Debug, Default)]
pub(crate) struct StoredIdentity {
    pub public_key: Option<[u8; 32]>,
    pub certificate: Option<Vec<u8>>,
    pub trust_root: Option<Vec<u8>>,
    pub revocations: Option<Vec<u8>>,
    pub crl_version: u64,
}

/// Creates the device key pair if the store has none (a new store, or one created before
/// identity existed). Returns whether it created one.
pub(crate) fn ensure_device_key(conn: &Connection) -> Result<bool> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM device_identity WHERE id = 1)",
        [],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(false);
    }
    let key = SecretKey::generate()?;
    let secret = key.to_secret_bytes();
    conn.execute(
        "INSERT INTO device_identity (id, secret_key, public_key) VALUES (1, ?1, ?2)",
        params![secret.as_slice(), key.public().as_bytes().as_slice()],
    )?;
    Ok(true)
}

/// The device's secret key, for one signature.
pub(crate) fn secret_key(conn: &Connection) -> Result<SecretKey> {
    let bytes: Zeroizing<Vec<u8>> = Zeroizing::new(
        conn.query_row(
            "SELECT secret_key FROM device_identity WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotAStore {
            reason: "missing device key".into(),
        })?,
    );
    SecretKey::from_secret_bytes(&bytes).map_err(|_| Error::NotAStore {
        reason: "damaged device key".into(),
    })
}

/// Everything but the secret key.
pub(crate) fn load(conn: &Connection) -> Result<StoredIdentity> {
    let row = conn
        .query_row(
            "SELECT public_key, certificate, trust_root, revocations, crl_version
             FROM device_identity WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((public, certificate, trust_root, revocations, crl_version)) = row else {
        return Ok(StoredIdentity::default());
    };
    Ok(StoredIdentity {
        public_key: public.as_slice().try_into().ok(),
        certificate,
        trust_root,
        revocations,
        crl_version: u64::try_from(crl_version).unwrap_or(0),
    })
}

/// The device's public key.
pub(crate) fn public_key(conn: &Connection) -> Result<PublicKey> {
    load(conn)?
        .public_key
        .map(PublicKey::from_bytes)
        .ok_or_else(|| Error::NotAStore {
            reason: "missing device key".into(),
        })
}

/// Stores the certificate and the trust root it was checked against.
pub(crate) fn set_certificate(conn: &Connection, cert: &[u8], root: &[u8]) -> Result<()> {
    conn.execute(
        "UPDATE device_identity SET certificate = ?1, trust_root = ?2 WHERE id = 1",
        params![cert, root],
    )?;
    Ok(())
}

/// Stores a revocation list and its version.
pub(crate) fn set_revocations(conn: &Connection, list: &[u8], version: u64) -> Result<()> {
    conn.execute(
        "UPDATE device_identity SET revocations = ?1, crl_version = ?2 WHERE id = 1",
        params![list, i64::try_from(version).unwrap_or(i64::MAX)],
    )?;
    Ok(())
}

/// Records a pairing grant this device issued.
pub(crate) fn record_grant(
    conn: &Connection,
    grant_id: &[u8; 16],
    person: &str,
    issued_at: i64,
    pair_by: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO pairing_grants (grant_id, person_id, issued_at, pair_by)
         VALUES (?1, ?2, ?3, ?4)",
        params![grant_id.as_slice(), person, issued_at, pair_by],
    )?;
    Ok(())
}

/// Records that `device` took up the pairing grant `grant_id` unless a device did already, and
/// returns the device that holds the grant (`device` itself, or the one recorded first).
pub(crate) fn redeem_grant(
    conn: &Connection,
    grant_id: &[u8; 16],
    device: &[u8; 32],
    now: i64,
) -> Result<[u8; 32]> {
    conn.execute(
        "INSERT OR IGNORE INTO grant_redemptions (grant_id, device, recorded_at)
         VALUES (?1, ?2, ?3)",
        params![grant_id.as_slice(), device.as_slice(), now],
    )?;
    let holder: Vec<u8> = conn.query_row(
        "SELECT device FROM grant_redemptions WHERE grant_id = ?1",
        params![grant_id.as_slice()],
        |r| r.get(0),
    )?;
    holder.try_into().map_err(|_| Error::NotAStore {
        reason: "damaged grant redemption".into(),
    })
}

/// Whether the store holds a certificate and a trust root (it is enrolled).
pub(crate) fn is_enrolled(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT certificate IS NOT NULL AND trust_root IS NOT NULL FROM device_identity
             WHERE id = 1",
            [],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false))
}
