//! [`Certificate`]: binds a device key to its store, role, user, (for a patient) person,
//! permissions and validity, signed by the organisation, or for a patient's phone chained to the
//! organisation through a link worker's [`PairingGrant`]. [`CertificateRequest`]: what a device
//! asks its organisation to sign, signed by the device key itself (proof of possession).

use super::encoding::{Reader, Writer};
use super::keys::{Domain, PublicKey, SecretKey, SIGNATURE_BYTES};
use super::pairing::PairingGrant;
use super::revocation::RevocationList;
use super::{CertRole, Permissions, Refusal, TrustRoot, CLOCK_SKEW_SECS, MAX_NAME_BYTES};
use crate::ids::Id;

const CERT_MAGIC: &[u8; 3] = b"LWC";
const REQUEST_MAGIC: &[u8; 3] = b"LWQ";

/// Who signed a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issuer {
    /// The organisation's trust root signed it.
    Organisation,
    /// A patient's phone, enrolled offline: a link worker's device issued the grant (chained to
    /// the organisation), and the phone's own device key signed the certificate that takes it
    /// up, proving it holds the key the grant is used for.
    Pairing(Box<PairingGrant>),
}

/// A device certificate, decoded and with its signatures checked (see [`Certificate::decode`]);
/// whether it is trusted *here* (organisation, expiry, revocation) is [`Certificate::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// The organisation's trust root key.
    pub org: PublicKey,
    /// The organisation's name.
    pub org_name: String,
    /// The device's public key.
    pub device: PublicKey,
    /// The device's store id.
    pub store_id: Id,
    /// The role granted.
    pub role: CertRole,
    /// The user's display name (the author shown for the device's edits).
    pub name: String,
    /// For a patient's phone, the person it belongs to.
    pub person: Option<Id>,
    /// What the device may do beyond its role.
    pub permissions: Permissions,
    /// When it was issued (seconds since the Unix epoch).
    pub issued_at: i64,
    /// When it stops being valid (seconds since the Unix epoch).
    pub expires_at: i64,
    /// Who signed it.
    pub issuer: Issuer,
    signature: [u8; SIGNATURE_BYTES],
}

/// The fields a certificate is made of, before it is signed.
#[derive(Clone, Debug)]
pub(crate) struct CertificateBody {
    pub org: PublicKey,
    pub org_name: String,
    pub device: PublicKey,
    pub store_id: Id,
    pub role: CertRole,
    pub name: String,
    pub person: Option<Id>,
    pub permissions: Permissions,
    pub issued_at: i64,
    pub expires_at: i64,
    pub issuer: Issuer,
}

impl CertificateBody {
    fn encode_unsigned(&self) -> Vec<u8> {
        let mut w = Writer::new(CERT_MAGIC);
        w.fixed(self.org.as_bytes())
            .str(&self.org_name)
            .fixed(self.device.as_bytes())
            .fixed(self.store_id.as_bytes())
            .fixed(&[self.role.to_byte()])
            .str(&self.name)
            .flag(self.person.is_some());
        if let Some(p) = self.person {
            w.fixed(p.as_bytes());
        }
        w.flag(self.permissions.can_erase)
            .flag(self.permissions.can_enrol_patients)
            .i64(self.issued_at)
            .i64(self.expires_at);
        match &self.issuer {
            Issuer::Organisation => w.fixed(&[0]),
            Issuer::Pairing(grant) => w.fixed(&[1]).bytes(&grant.encode()),
        };
        w.finish()
    }

    /// Signs the body with `key` (the organisation's, or for a pairing the device's own).
    pub(crate) fn sign(self, key: &SecretKey) -> Certificate {
        let signature = key.sign(Domain::Certificate, &self.encode_unsigned());
        Certificate {
            org: self.org,
            org_name: self.org_name,
            device: self.device,
            store_id: self.store_id,
            role: self.role,
            name: self.name,
            person: self.person,
            permissions: self.permissions,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            issuer: self.issuer,
            signature,
        }
    }
}

impl Certificate {
    fn body(&self) -> CertificateBody {
        CertificateBody {
            org: self.org,
            org_name: self.org_name.clone(),
            device: self.device,
            store_id: self.store_id,
            role: self.role,
            name: self.name.clone(),
            person: self.person,
            permissions: self.permissions,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            issuer: self.issuer.clone(),
        }
    }

    /// The canonical bytes (what is stored, written to a file and sent to peers).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.body().encode_unsigned();
        out.extend_from_slice(&self.signature);
        out
    }

    /// Decodes untrusted bytes and checks every signature in them: the organisation's over an
    /// organisation-issued certificate; for a paired patient's phone, the organisation's over
    /// the link worker's certificate, the link worker's device over the grant (and that the link
    /// worker may enrol patients), the phone's own key over its certificate, and that the
    /// certificate claims nothing the grant does not give (role patient, the grant's person, no
    /// permissions, no later expiry). Trust in the organisation itself, expiry and revocation
    /// are checked by [`Certificate::verify`].
    ///
    /// # Errors
    /// [`Refusal::Malformed`], [`Refusal::UnknownVersion`], [`Refusal::BadSignature`],
    /// [`Refusal::OtherOrganisation`], [`Refusal::MayNotEnrol`], [`Refusal::RoleMismatch`],
    /// [`Refusal::PersonMismatch`].
    pub fn decode(bytes: &[u8]) -> Result<Certificate, Refusal> {
        let mut r = Reader::new(bytes, CERT_MAGIC)?;
        let org = PublicKey::from_bytes(r.fixed()?);
        let org_name = r.str(MAX_NAME_BYTES)?;
        let device = PublicKey::from_bytes(r.fixed()?);
        let store_id = Id::from_bytes(r.fixed()?);
        let role = CertRole::from_byte(r.fixed::<1>()?[0])?;
        let name = r.str(MAX_NAME_BYTES)?;
        let person = if r.flag()? {
            Some(Id::from_bytes(r.fixed()?))
        } else {
            None
        };
        let permissions = Permissions {
            can_erase: r.flag()?,
            can_enrol_patients: r.flag()?,
        };
        let issued_at = r.i64()?;
        let expires_at = r.i64()?;
        let issuer = match r.fixed::<1>()?[0] {
            0 => Issuer::Organisation,
            1 => Issuer::Pairing(Box::new(PairingGrant::decode(
                r.bytes(super::encoding::MAX_ENCODED)?,
            )?)),
            _ => return Err(Refusal::Malformed),
        };
        let signed = r.position();
        let signature: [u8; SIGNATURE_BYTES] = r.fixed()?;
        r.end()?;
        let cert = Certificate {
            org,
            org_name,
            device,
            store_id,
            role,
            name,
            person,
            permissions,
            issued_at,
            expires_at,
            issuer,
            signature,
        };
        // A patient's certificate names its person; no other role does.
        if (role == CertRole::Patient) != person.is_some() {
            return Err(Refusal::PersonMismatch);
        }
        match &cert.issuer {
            Issuer::Organisation => {
                org.verify(Domain::Certificate, &bytes[..signed], &signature)?;
            }
            Issuer::Pairing(grant) => {
                if grant.org() != org {
                    return Err(Refusal::OtherOrganisation);
                }
                if role != CertRole::Patient {
                    return Err(Refusal::RoleMismatch);
                }
                if person != Some(grant.person) {
                    return Err(Refusal::PersonMismatch);
                }
                if permissions != Permissions::default() || expires_at > grant.expires_at {
                    return Err(Refusal::MayNotEnrol);
                }
                device.verify(Domain::Certificate, &bytes[..signed], &signature)?;
            }
        }
        Ok(cert)
    }

    /// Whether this certificate is trusted under `root` at `now` (seconds since the epoch): from
    /// the same organisation, within its validity (and, for a paired phone, the link worker's
    /// certificate too), and neither it nor the device that enrolled it on `revoked`.
    ///
    /// # Errors
    /// [`Refusal::OtherOrganisation`], [`Refusal::Expired`], [`Refusal::NotYetValid`],
    /// [`Refusal::Revoked`].
    pub fn verify(
        &self,
        root: &TrustRoot,
        revoked: Option<&RevocationList>,
        now: i64,
    ) -> Result<(), Refusal> {
        if self.org != root.key {
            return Err(Refusal::OtherOrganisation);
        }
        check_validity(self.issued_at, self.expires_at, now)?;
        let is_revoked = |k: &PublicKey| revoked.is_some_and(|l| l.revokes(k));
        if is_revoked(&self.device) {
            return Err(Refusal::Revoked);
        }
        if let Issuer::Pairing(grant) = &self.issuer {
            grant.issuer.verify(root, revoked, now)?;
        }
        Ok(())
    }
}

/// Refuses a validity window that `now` is outside of (or that ends before it starts).
pub(crate) fn check_validity(issued_at: i64, expires_at: i64, now: i64) -> Result<(), Refusal> {
    if expires_at <= issued_at || issued_at > now.saturating_add(CLOCK_SKEW_SECS) {
        return Err(Refusal::NotYetValid);
    }
    if now >= expires_at {
        return Err(Refusal::Expired);
    }
    Ok(())
}

/// What a device asks its organisation to certify: its key, store, user and store role (and a
/// patient store's person), signed by the device key so the organisation knows the device holds
/// it. The administrator chooses the role and permissions actually granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The device's public key.
    pub device: PublicKey,
    /// The device's store id.
    pub store_id: Id,
    /// The store's user (the name proposed for the certificate).
    pub user: String,
    /// The store's role.
    pub role: CertRole,
    /// A patient store's person.
    pub person: Option<Id>,
}

impl CertificateRequest {
    fn encode_unsigned(&self) -> Vec<u8> {
        let mut w = Writer::new(REQUEST_MAGIC);
        w.fixed(self.device.as_bytes())
            .fixed(self.store_id.as_bytes())
            .str(&self.user)
            .fixed(&[self.role.to_byte()])
            .flag(self.person.is_some());
        if let Some(p) = self.person {
            w.fixed(p.as_bytes());
        }
        w.finish()
    }

    /// The request's bytes, signed by `key` (which must be the request's device key).
    pub(crate) fn encode_signed(&self, key: &SecretKey) -> Vec<u8> {
        let mut out = self.encode_unsigned();
        out.extend_from_slice(&key.sign(Domain::Request, &out));
        out
    }

    /// Decodes a request and checks the device's signature over it.
    ///
    /// # Errors
    /// [`Refusal::Malformed`], [`Refusal::UnknownVersion`], [`Refusal::BadSignature`].
    pub fn decode(bytes: &[u8]) -> Result<CertificateRequest, Refusal> {
        let mut r = Reader::new(bytes, REQUEST_MAGIC)?;
        let device = PublicKey::from_bytes(r.fixed()?);
        let store_id = Id::from_bytes(r.fixed()?);
        let user = r.str(MAX_NAME_BYTES)?;
        let role = CertRole::from_byte(r.fixed::<1>()?[0])?;
        let person = if r.flag()? {
            Some(Id::from_bytes(r.fixed()?))
        } else {
            None
        };
        let signed = r.position();
        let signature: [u8; SIGNATURE_BYTES] = r.fixed()?;
        r.end()?;
        device.verify(Domain::Request, &bytes[..signed], &signature)?;
        Ok(CertificateRequest {
            device,
            store_id,
            user,
            role,
            person,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Certificates a correct organisation or pairing never makes, signed anyway: decoding
    //! must refuse them on their claims alone.

    use super::*;
    use crate::identity::pairing::{patient_certificate, PairingGrant, PairingPayload};
    use crate::identity::OrgSigner;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn body(
        org: &SecretKey,
        device: &SecretKey,
        role: CertRole,
        person: Option<Id>,
    ) -> CertificateBody {
        CertificateBody {
            org: org.public(),
            org_name: "Org".into(),
            device: device.public(),
            store_id: Id::new(),
            role,
            name: "Asha".into(),
            person,
            permissions: Permissions {
                can_erase: false,
                can_enrol_patients: true,
            },
            issued_at: now(),
            expires_at: now() + 3600,
            issuer: Issuer::Organisation,
        }
    }

    fn grant_for(person: Id) -> (SecretKey, PairingGrant) {
        let org = SecretKey::generate().unwrap();
        let lw = SecretKey::generate().unwrap();
        let lw_cert = body(&org, &lw, CertRole::LinkWorker, None).sign(&org);
        let grant = PairingGrant::issue(&lw, lw_cert, person, now(), now() + 3600).unwrap();
        (org, grant)
    }

    #[test]
    fn a_patient_certificate_must_name_its_person_and_only_a_patient_names_one() {
        let org = SecretKey::generate().unwrap();
        let dev = SecretKey::generate().unwrap();
        for (role, person) in [
            (CertRole::Patient, None),
            (CertRole::LinkWorker, Some(Id::new())),
        ] {
            let bytes = body(&org, &dev, role, person).sign(&org).encode();
            assert_eq!(Certificate::decode(&bytes), Err(Refusal::PersonMismatch));
        }
    }

    #[test]
    fn a_paired_phone_cannot_claim_another_role_person_or_permissions() {
        let person = Id::new();
        let (_, grant) = grant_for(person);
        let phone = SecretKey::generate().unwrap();
        let payload = PairingPayload { grant };
        let honest = patient_certificate(&payload, &phone, Id::new(), "Rose".into(), now());
        Certificate::decode(&honest.encode()).unwrap();

        let mut as_worker = honest.body();
        as_worker.role = CertRole::LinkWorker;
        as_worker.person = None;
        let bytes = as_worker.sign(&phone).encode();
        assert_eq!(Certificate::decode(&bytes), Err(Refusal::RoleMismatch));

        let mut other_person = honest.body();
        other_person.person = Some(Id::new());
        let bytes = other_person.sign(&phone).encode();
        assert_eq!(Certificate::decode(&bytes), Err(Refusal::PersonMismatch));

        let mut eraser = honest.body();
        eraser.permissions.can_erase = true;
        let bytes = eraser.sign(&phone).encode();
        assert_eq!(Certificate::decode(&bytes), Err(Refusal::MayNotEnrol));

        let mut longer = honest.body();
        longer.expires_at += 86_400;
        let bytes = longer.sign(&phone).encode();
        assert_eq!(Certificate::decode(&bytes), Err(Refusal::MayNotEnrol));

        // Signed by another key than the device it names: possession not proven.
        let bytes = honest.body().sign(&SecretKey::generate().unwrap()).encode();
        assert_eq!(Certificate::decode(&bytes), Err(Refusal::BadSignature));
    }

    #[test]
    fn a_link_worker_without_the_permission_or_a_patient_cannot_issue_grants() {
        let org = SecretKey::generate().unwrap();
        let lw = SecretKey::generate().unwrap();
        let mut no_perm = body(&org, &lw, CertRole::LinkWorker, None);
        no_perm.permissions.can_enrol_patients = false;
        let cert = no_perm.sign(&org);
        assert_eq!(
            PairingGrant::issue(&lw, cert, Id::new(), now(), now() + 60).unwrap_err(),
            Refusal::MayNotEnrol
        );
        let pat = body(&org, &lw, CertRole::Patient, Some(Id::new())).sign(&org);
        assert_eq!(
            PairingGrant::issue(&lw, pat, Id::new(), now(), now() + 60).unwrap_err(),
            Refusal::MayNotEnrol
        );
    }

    #[test]
    fn an_organisation_certificate_is_verified_against_the_trust_root() {
        let signer = OrgSigner::create("Org").unwrap();
        let root = signer.trust_root();
        let org = SecretKey::generate().unwrap();
        let dev = SecretKey::generate().unwrap();
        // Self-made organisation: the certificate decodes but is not trusted here.
        let cert = body(&org, &dev, CertRole::Admin, None).sign(&org);
        assert_eq!(
            cert.verify(&root, None, now()),
            Err(Refusal::OtherOrganisation)
        );
        // Claiming the real organisation's key without its signature.
        let mut forged = body(&org, &dev, CertRole::Admin, None);
        forged.org = root.key;
        let bytes = forged.sign(&org).encode();
        assert_eq!(Certificate::decode(&bytes), Err(Refusal::BadSignature));
    }
}
