//! Enrolling a patient's phone offline, at a home visit: the link worker's device shows a
//! [`PairingPayload`] (a QR code, about 500 bytes) carrying a [`PairingGrant`] it signed for one
//! person of its caseload, chained to the organisation by its own certificate; the patient's
//! phone reads it, the patient confirms the six-digit code both screens show, and the phone
//! creates its store, its device key and its certificate taking up the grant
//! (`Certificate`'s [`super::Issuer::Pairing`]). Neither side needs a network or the hub.

use sha2::{Digest, Sha256};

use super::certificate::{check_validity, Certificate, Issuer};
use super::encoding::{Reader, Writer, MAX_ENCODED};
use super::keys::{Domain, PublicKey, SecretKey, SIGNATURE_BYTES};
use super::{CertRole, Refusal, TrustRoot};
use crate::ids::Id;

const MAGIC: &[u8; 3] = b"LWG";

/// How long a pairing payload may be taken up after it is shown, in seconds (15 minutes).
pub const PAIR_WITHIN_SECS: i64 = 15 * 60;

/// A link worker's device's signed permission for one phone to become `person`'s device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingGrant {
    /// A random id of this grant.
    pub grant_id: [u8; 16],
    /// The person the phone will belong to.
    pub person: Id,
    /// When it was issued (seconds since the Unix epoch).
    pub issued_at: i64,
    /// The last moment the phone may take it up.
    pub pair_by: i64,
    /// The latest expiry of the phone's certificate (never after the issuer's own).
    pub expires_at: i64,
    /// The link worker's certificate (organisation-issued, allowed to enrol patients).
    pub issuer: Certificate,
    signature: [u8; SIGNATURE_BYTES],
}

fn encode_unsigned(
    grant_id: &[u8; 16],
    person: Id,
    issued_at: i64,
    pair_by: i64,
    expires_at: i64,
    issuer: &Certificate,
) -> Vec<u8> {
    let mut w = Writer::new(MAGIC);
    w.fixed(grant_id)
        .fixed(person.as_bytes())
        .i64(issued_at)
        .i64(pair_by)
        .i64(expires_at)
        .bytes(&issuer.encode());
    w.finish()
}

impl PairingGrant {
    /// Signs a grant for `person` with the link worker's device `key`, whose certificate is
    /// `issuer`, valid for the phone's certificate until `expires_at` (capped at the issuer's).
    ///
    /// # Errors
    /// [`Refusal::MayNotEnrol`] when `issuer` does not allow enrolling patients or is not the
    /// certificate of `key`.
    pub(crate) fn issue(
        key: &SecretKey,
        issuer: Certificate,
        person: Id,
        now: i64,
        expires_at: i64,
    ) -> Result<PairingGrant, Refusal> {
        check_issuer(&issuer)?;
        if issuer.device != key.public() {
            return Err(Refusal::OtherDevice);
        }
        let mut grant_id = [0u8; 16];
        grant_id.copy_from_slice(Id::new().as_bytes());
        let expires_at = expires_at.min(issuer.expires_at);
        let pair_by = now.saturating_add(PAIR_WITHIN_SECS);
        let signature = key.sign(
            Domain::Grant,
            &encode_unsigned(&grant_id, person, now, pair_by, expires_at, &issuer),
        );
        Ok(PairingGrant {
            grant_id,
            person,
            issued_at: now,
            pair_by,
            expires_at,
            issuer,
            signature,
        })
    }

    /// The organisation the grant is chained to.
    pub fn org(&self) -> PublicKey {
        self.issuer.org
    }

    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = encode_unsigned(
            &self.grant_id,
            self.person,
            self.issued_at,
            self.pair_by,
            self.expires_at,
            &self.issuer,
        );
        out.extend_from_slice(&self.signature);
        out
    }

    /// Decodes a grant and checks its chain of signatures: the organisation's over the issuer's
    /// certificate (which must allow enrolling patients) and the issuer's device key over the
    /// grant.
    ///
    /// # Errors
    /// [`Refusal::Malformed`], [`Refusal::UnknownVersion`], [`Refusal::BadSignature`],
    /// [`Refusal::MayNotEnrol`].
    pub fn decode(bytes: &[u8]) -> Result<PairingGrant, Refusal> {
        let mut r = Reader::new(bytes, MAGIC)?;
        let grant_id: [u8; 16] = r.fixed()?;
        let person = Id::from_bytes(r.fixed()?);
        let issued_at = r.i64()?;
        let pair_by = r.i64()?;
        let expires_at = r.i64()?;
        let issuer = Certificate::decode(r.bytes(MAX_ENCODED)?)?;
        let signed = r.position();
        let signature: [u8; SIGNATURE_BYTES] = r.fixed()?;
        r.end()?;
        check_issuer(&issuer)?;
        if expires_at > issuer.expires_at || pair_by < issued_at {
            return Err(Refusal::MayNotEnrol);
        }
        issuer
            .device
            .verify(Domain::Grant, &bytes[..signed], &signature)?;
        Ok(PairingGrant {
            grant_id,
            person,
            issued_at,
            pair_by,
            expires_at,
            issuer,
            signature,
        })
    }
}

/// Refuses an issuer that may not enrol patients: only an organisation-issued certificate of a
/// link worker's store with the permission.
fn check_issuer(issuer: &Certificate) -> Result<(), Refusal> {
    if issuer.issuer != Issuer::Organisation
        || issuer.role == CertRole::Patient
        || !issuer.permissions.can_enrol_patients
    {
        return Err(Refusal::MayNotEnrol);
    }
    Ok(())
}

/// What the link worker's device shows and the patient's phone reads: a grant and the
/// confirmation code derived from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingPayload {
    /// The grant.
    pub grant: PairingGrant,
}

impl PairingPayload {
    /// The bytes to show (a QR code holds them).
    pub fn encode(&self) -> Vec<u8> {
        self.grant.encode()
    }

    /// Decodes a payload read from the other screen (see [`PairingGrant::decode`]).
    ///
    /// # Errors
    /// As [`PairingGrant::decode`].
    pub fn decode(bytes: &[u8]) -> Result<PairingPayload, Refusal> {
        Ok(PairingPayload {
            grant: PairingGrant::decode(bytes)?,
        })
    }

    /// The six-digit code both screens show: the patient confirms it matches the link worker's
    /// screen, so a payload swapped or altered on the way is noticed. Derived from the whole
    /// payload with SHA-256.
    pub fn code(&self) -> String {
        let digest = Sha256::digest(self.encode());
        let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1_000_000;
        format!("{n:06}")
    }

    /// The organisation's trust root the phone installs.
    pub fn trust_root(&self) -> TrustRoot {
        TrustRoot {
            name: self.grant.issuer.org_name.clone(),
            key: self.grant.issuer.org,
        }
    }

    /// Checks that the payload may be taken up at `now` with the `code` the patient typed:
    /// the code matches, the grant is within its pairing window and the link worker's
    /// certificate is valid.
    ///
    /// # Errors
    /// [`Refusal::WrongCode`], [`Refusal::Expired`], [`Refusal::NotYetValid`].
    pub fn check(&self, code: &str, now: i64) -> Result<(), Refusal> {
        if code.trim() != self.code() {
            return Err(Refusal::WrongCode);
        }
        check_validity(self.grant.issued_at, self.grant.pair_by, now)?;
        check_validity(
            self.grant.issuer.issued_at,
            self.grant.issuer.expires_at,
            now,
        )
    }
}

/// The certificate a patient's phone makes for itself from `payload`: role patient for the
/// grant's person, no permissions, expiring with the grant, signed by the phone's own device
/// `key` (see [`Issuer::Pairing`]).
pub(crate) fn patient_certificate(
    payload: &PairingPayload,
    key: &SecretKey,
    store_id: Id,
    name: String,
    now: i64,
) -> Certificate {
    let grant = &payload.grant;
    super::certificate::CertificateBody {
        org: grant.org(),
        org_name: grant.issuer.org_name.clone(),
        device: key.public(),
        store_id,
        role: CertRole::Patient,
        name,
        person: Some(grant.person),
        permissions: super::Permissions::default(),
        issued_at: now,
        expires_at: grant.expires_at,
        issuer: Issuer::Pairing(Box::new(grant.clone())),
    }
    .sign(key)
}
