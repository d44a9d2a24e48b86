//! Attributable changes and erasures (ADR 0007): a device signs the hash of every automerge
//! change it makes (automerge's SHA-256 of the change, which covers its operations, actor,
//! time, message and dependencies), and every tombstone it issues, with its Ed25519 device key.
//! A receiver checks each signature and the signer's certificate ([`SignerCheck`]) before it
//! believes the change or the erasure.
//!
//! No new cryptography: the signatures are [`super::keys`]'s domain-separated Ed25519
//! signatures (`ed25519-dalek`, `verify_strict`); a change signature can never be replayed as a
//! tombstone, a certificate or an adoption, nor the other way round.

use super::certificate::Issuer;
use super::keys::{Domain, PublicKey, SecretKey, SIGNATURE_BYTES};
use super::{Certificate, Refusal, RevocationList, TrustRoot, CLOCK_SKEW_SECS};
use crate::ids::Id;

/// The length of an automerge change hash.
pub const HASH_BYTES: usize = 32;

/// One change's signature, as stored and as it travels in a sync message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeSignature {
    /// The automerge change hash signed.
    pub hash: [u8; HASH_BYTES],
    /// The signing device's key.
    pub signer: PublicKey,
    /// The Ed25519 signature.
    pub signature: [u8; SIGNATURE_BYTES],
    /// The signer vouches for a change it could not prove the author of (it imported it from
    /// a file, or held it, unsigned or signed by an unknown device, when it enrolled): the
    /// change is shown as adopted, and the signer's role rules apply to it.
    pub adopted: bool,
    /// When a certified device of the organisation first found the signer's certificate valid
    /// (seconds since the Unix epoch; 0 when no certificate was known). A link worker relaying
    /// the change attests this time (see [`SignerCheck::valid_at`]).
    pub valid_at: i64,
}

impl ChangeSignature {
    /// Signs `hash` with `key` (`adopted`: as the device vouching for it, not its author).
    pub(crate) fn sign(
        key: &SecretKey,
        hash: [u8; HASH_BYTES],
        adopted: bool,
        valid_at: i64,
    ) -> ChangeSignature {
        ChangeSignature {
            hash,
            signer: key.public(),
            signature: key.sign(domain(adopted), &hash),
            adopted,
            valid_at,
        }
    }

    /// Checks the signature itself (not yet whether the signer is trusted).
    ///
    /// # Errors
    /// [`Refusal::BadSignature`].
    pub fn verify(&self) -> Result<(), Refusal> {
        self.signer
            .verify(domain(self.adopted), &self.hash, &self.signature)
    }
}

fn domain(adopted: bool) -> Domain {
    if adopted {
        Domain::AdoptedChange
    } else {
        Domain::Change
    }
}

/// A tombstone's signature: the erasing device over the person and the erasure time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TombstoneSignature {
    /// The erasing device's key.
    pub signer: PublicKey,
    /// The Ed25519 signature over the person's id and the erasure time (ms).
    pub signature: [u8; SIGNATURE_BYTES],
}

fn tombstone_bytes(person: Id, erased_at_ms: i64) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[..16].copy_from_slice(person.as_bytes());
    out[16..].copy_from_slice(&erased_at_ms.to_le_bytes());
    out
}

impl TombstoneSignature {
    /// Signs the erasure of `person` at `erased_at_ms` with `key`.
    pub(crate) fn sign(key: &SecretKey, person: Id, erased_at_ms: i64) -> TombstoneSignature {
        TombstoneSignature {
            signer: key.public(),
            signature: key.sign(Domain::Tombstone, &tombstone_bytes(person, erased_at_ms)),
        }
    }

    /// Checks the signature over `person` and `erased_at_ms`.
    ///
    /// # Errors
    /// [`Refusal::BadSignature`].
    pub fn verify(&self, person: Id, erased_at_ms: i64) -> Result<(), Refusal> {
        self.signer.verify(
            Domain::Tombstone,
            &tombstone_bytes(person, erased_at_ms),
            &self.signature,
        )
    }
}

/// Whether a signer's certificate is trusted for a change or a tombstone received now.
pub(crate) struct SignerCheck<'a> {
    /// This store's trust root.
    pub root: &'a TrustRoot,
    /// This store's revocation list.
    pub revoked: Option<&'a RevocationList>,
    /// Now (seconds).
    pub now: i64,
    /// The peer that sent it is a certified link worker's device (attestations count only
    /// from one).
    pub relay_attests: bool,
}

impl SignerCheck<'_> {
    /// The time at which `cert` (the signer's) is established valid: now, when it is valid
    /// now and not revoked; else, when the sending peer is a link worker's device, the time it
    /// attests (`attested`, the signature's `valid_at`) when the certificate was valid then and
    /// not yet revoked (the revocation list was issued after it). A change signed while its
    /// signer was trusted stays acceptable after the certificate expires or is revoked, because
    /// a certified link worker's device that verified it then says so; a change relayed only by
    /// a patient's phone must have a signer valid now.
    ///
    /// # Errors
    /// [`Refusal::OtherOrganisation`], [`Refusal::Expired`], [`Refusal::NotYetValid`],
    /// [`Refusal::Revoked`] (the check at now), when no attested time saves it.
    pub(crate) fn valid_at(&self, cert: &Certificate, attested: i64) -> Result<i64, Refusal> {
        let at_now = self.check_at(cert, self.now);
        match at_now {
            Ok(()) => Ok(self.now),
            Err(e) => {
                let usable = self.relay_attests
                    && attested > 0
                    && attested <= self.now.saturating_add(CLOCK_SKEW_SECS);
                if usable && self.check_at(cert, attested).is_ok() {
                    Ok(attested)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Whether `cert` was trusted at `at`: chained to the root and valid then, and not revoked
    /// by a list issued at or before `at`.
    fn check_at(&self, cert: &Certificate, at: i64) -> Result<(), Refusal> {
        cert.verify(self.root, None, at)?;
        if let Some(list) = self.revoked {
            let chain_revoked = list.revokes(&cert.device)
                || matches!(&cert.issuer, Issuer::Pairing(g) if list.revokes(&g.issuer.device));
            if chain_revoked && at >= list.issued_at {
                return Err(Refusal::Revoked);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{CertRole, CertificateRequest, OrgSigner, Permissions};

    #[test]
    fn change_and_tombstone_signatures_verify_only_for_what_they_sign() {
        let k = SecretKey::generate().unwrap();
        let sig = ChangeSignature::sign(&k, [1; 32], false, 0);
        sig.verify().unwrap();
        let mut other_hash = sig;
        other_hash.hash[0] ^= 1;
        assert_eq!(other_hash.verify(), Err(Refusal::BadSignature));
        // An authored signature is not an adoption, nor the other way round.
        let mut as_adopted = sig;
        as_adopted.adopted = true;
        assert_eq!(as_adopted.verify(), Err(Refusal::BadSignature));
        let p = Id::new();
        let t = TombstoneSignature::sign(&k, p, 1_700_000_000_000);
        t.verify(p, 1_700_000_000_000).unwrap();
        assert_eq!(t.verify(p, 1_700_000_000_001), Err(Refusal::BadSignature));
        assert_eq!(
            t.verify(Id::new(), 1_700_000_000_000),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn an_expired_or_revoked_signer_is_trusted_only_at_an_attested_earlier_time() {
        let org = OrgSigner::create("Test org").unwrap();
        let device = SecretKey::generate().unwrap();
        let now = 2_000_000_000;
        let request = CertificateRequest {
            device: device.public(),
            store_id: Id::new(),
            user: "sam".into(),
            role: CertRole::LinkWorker,
            person: None,
        };
        let issued = now - 2 * 86_400;
        let cert = org
            .issue(
                &request,
                CertRole::LinkWorker,
                Permissions::default(),
                issued,
                1,
            )
            .unwrap();
        let now = issued + 86_400 + 10; // expired ten seconds ago
        let root = org.trust_root();
        let mut check = SignerCheck {
            root: &root,
            revoked: None,
            now,
            relay_attests: false,
        };
        assert_eq!(check.valid_at(&cert, now - 500), Err(Refusal::Expired));
        check.relay_attests = true;
        assert_eq!(check.valid_at(&cert, now - 500), Ok(now - 500));
        assert_eq!(check.valid_at(&cert, now - 5), Err(Refusal::Expired));
        let list = org.revoke(None, device.public(), now - 700).unwrap();
        check.revoked = Some(&list);
        assert_eq!(check.valid_at(&cert, now - 800), Ok(now - 800));
        assert_eq!(check.valid_at(&cert, now - 500), Err(Refusal::Expired));
    }
}
