//! [`RevocationList`]: the device keys an organisation no longer trusts, signed by the
//! organisation and versioned so a store only ever moves to a newer list.

use super::encoding::{Reader, Writer};
use super::keys::{Domain, PublicKey, SecretKey, SIGNATURE_BYTES};
use super::{Refusal, TrustRoot};

const MAGIC: &[u8; 3] = b"LWL";

/// The most devices one list may revoke (bounds the list's size: 32 bytes each).
pub const MAX_REVOKED: usize = 200;

/// A signed list of revoked device keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationList {
    /// The organisation's key that signed it.
    pub org: PublicKey,
    /// Increases by one with every list the organisation issues; a store refuses a list whose
    /// version is not above the one it holds.
    pub version: u64,
    /// When it was issued (seconds since the Unix epoch).
    pub issued_at: i64,
    /// The revoked device keys, sorted.
    pub revoked: Vec<PublicKey>,
    signature: [u8; SIGNATURE_BYTES],
}

fn encode_unsigned(
    org: &PublicKey,
    version: u64,
    issued_at: i64,
    revoked: &[PublicKey],
) -> Vec<u8> {
    let mut w = Writer::new(MAGIC);
    w.fixed(org.as_bytes()).u64(version).i64(issued_at);
    let count = u16::try_from(revoked.len()).unwrap_or(u16::MAX);
    w.fixed(&count.to_be_bytes());
    for k in revoked.iter().take(usize::from(count)) {
        w.fixed(k.as_bytes());
    }
    w.finish()
}

impl RevocationList {
    pub(crate) fn sign(
        key: &SecretKey,
        version: u64,
        issued_at: i64,
        revoked: Vec<PublicKey>,
    ) -> RevocationList {
        let org = key.public();
        let signature = key.sign(
            Domain::Revocation,
            &encode_unsigned(&org, version, issued_at, &revoked),
        );
        RevocationList {
            org,
            version,
            issued_at,
            revoked,
            signature,
        }
    }

    /// Whether `device` is revoked.
    pub fn revokes(&self, device: &PublicKey) -> bool {
        self.revoked.binary_search(device).is_ok()
    }

    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = encode_unsigned(&self.org, self.version, self.issued_at, &self.revoked);
        out.extend_from_slice(&self.signature);
        out
    }

    /// Decodes a list and checks that `root` signed it.
    ///
    /// # Errors
    /// [`Refusal::Malformed`] (also for more than [`MAX_REVOKED`] keys, or keys not strictly
    /// sorted), [`Refusal::UnknownVersion`], [`Refusal::OtherOrganisation`],
    /// [`Refusal::BadSignature`].
    pub fn decode(bytes: &[u8], root: &TrustRoot) -> Result<RevocationList, Refusal> {
        let mut r = Reader::new(bytes, MAGIC)?;
        let org = PublicKey::from_bytes(r.fixed()?);
        let version = r.u64()?;
        let issued_at = r.i64()?;
        let count = usize::from(u16::from_be_bytes(r.fixed()?));
        if count > MAX_REVOKED {
            return Err(Refusal::Malformed);
        }
        let mut revoked = Vec::with_capacity(count);
        for _ in 0..count {
            revoked.push(PublicKey::from_bytes(r.fixed()?));
        }
        let signed = r.position();
        let signature: [u8; SIGNATURE_BYTES] = r.fixed()?;
        r.end()?;
        if !revoked.windows(2).all(|w| w[0] < w[1]) {
            return Err(Refusal::Malformed);
        }
        if org != root.key {
            return Err(Refusal::OtherOrganisation);
        }
        org.verify(Domain::Revocation, &bytes[..signed], &signature)?;
        Ok(RevocationList {
            org,
            version,
            issued_at,
            revoked,
            signature,
        })
    }
}
