//! An organisation's trust root ([`TrustRoot`]: its name and public key, installed on every
//! enrolled store) and its signing side ([`OrgSigner`]: the secret key its administrator, later
//! the team's hub, keeps), which issues certificates and revocation lists.

use zeroize::Zeroizing;

use super::certificate::{Certificate, CertificateBody, CertificateRequest, Issuer};
use super::encoding::{Reader, Writer};
use super::keys::{PublicKey, SecretKey, KEY_BYTES};
use super::revocation::RevocationList;
use super::{CertRole, Permissions, Refusal, MAX_NAME_BYTES};
use crate::error::{Error, Result};

const ROOT_MAGIC: &[u8; 3] = b"LWT";
const SECRET_MAGIC: &[u8; 3] = b"LWK";

/// The longest validity a certificate may be issued for, in days (about five years).
pub const MAX_VALIDITY_DAYS: u32 = 5 * 366;

/// An organisation's public trust root: what every enrolled store of the organisation holds
/// and checks every certificate and revocation list against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustRoot {
    /// The organisation's name.
    pub name: String,
    /// The organisation's public signing key.
    pub key: PublicKey,
}

impl TrustRoot {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(ROOT_MAGIC);
        w.str(&self.name).fixed(self.key.as_bytes());
        w.finish()
    }

    /// Decodes a trust root.
    ///
    /// # Errors
    /// [`Refusal::Malformed`], [`Refusal::UnknownVersion`].
    pub fn decode(bytes: &[u8]) -> std::result::Result<TrustRoot, Refusal> {
        let mut r = Reader::new(bytes, ROOT_MAGIC)?;
        let name = r.str(MAX_NAME_BYTES)?;
        let key = PublicKey::from_bytes(r.fixed()?);
        r.end()?;
        Ok(TrustRoot { name, key })
    }
}

/// An organisation's secret signing side. `Debug` never shows the secret key; it is zeroed on
/// drop.
#[derive(Debug)]
pub struct OrgSigner {
    name: String,
    key: SecretKey,
}

impl OrgSigner {
    /// A new organisation with a fresh random signing key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `name`) for an empty or over-long name; [`Error::Io`]
    /// without randomness.
    pub fn create(name: &str) -> Result<OrgSigner> {
        let name = crate::model::text::required("name", name)?;
        if name.len() > MAX_NAME_BYTES {
            return Err(Error::invalid("name", "is too long"));
        }
        Ok(OrgSigner {
            name,
            key: SecretKey::generate()?,
        })
    }

    /// The public trust root to hand to devices.
    pub fn trust_root(&self) -> TrustRoot {
        TrustRoot {
            name: self.name.clone(),
            key: self.key.public(),
        }
    }

    /// The secret bytes for the organisation's key file (zeroed on drop; the file must be
    /// readable by its owner only).
    pub fn encode_secret(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::new(SECRET_MAGIC);
        w.str(&self.name)
            .fixed(self.key.to_secret_bytes().as_slice());
        let mut bytes = w.finish();
        let out = Zeroizing::new(bytes.clone());
        zeroize::Zeroize::zeroize(&mut bytes);
        out
    }

    /// Reads an organisation's key file.
    ///
    /// # Errors
    /// [`Error::Untrusted`] when the bytes are not a key file of this version.
    pub fn decode_secret(bytes: &[u8]) -> Result<OrgSigner> {
        let mut r = Reader::new(bytes, SECRET_MAGIC)?;
        let name = r.str(MAX_NAME_BYTES)?;
        let secret = Zeroizing::new(r.fixed::<KEY_BYTES>()?);
        r.end()?;
        Ok(OrgSigner {
            name,
            key: SecretKey::from_secret_bytes(secret.as_slice())?,
        })
    }

    /// Certifies the device of `request` (whose signature [`CertificateRequest::decode`]
    /// checked) as `role` with `permissions`, valid from `now` for `days` days, under the name
    /// the request proposes.
    ///
    /// # Errors
    /// [`Error::Untrusted`] with [`Refusal::RoleMismatch`] when `role` does not fit the
    /// requesting store's role (a patient's phone cannot become a link worker's or the
    /// reverse), [`Refusal::PersonMismatch`] for a patient request without a person;
    /// [`Error::InvalidInput`] (field `expires`) for 0 days or more than
    /// [`MAX_VALIDITY_DAYS`], and for permissions given to a patient's certificate.
    pub fn issue(
        &self,
        request: &CertificateRequest,
        role: CertRole,
        permissions: Permissions,
        now: i64,
        days: u32,
    ) -> Result<Certificate> {
        if role.store_role() != request.role.store_role() {
            return Err(Refusal::RoleMismatch.into());
        }
        if (role == CertRole::Patient) != request.person.is_some() {
            return Err(Refusal::PersonMismatch.into());
        }
        if role == CertRole::Patient && permissions != Permissions::default() {
            return Err(Error::invalid(
                "permissions",
                "a patient's certificate carries no permissions",
            ));
        }
        if days == 0 || days > MAX_VALIDITY_DAYS {
            return Err(Error::invalid(
                "expires",
                format!("must be 1 to {MAX_VALIDITY_DAYS} days"),
            ));
        }
        let body = CertificateBody {
            org: self.key.public(),
            org_name: self.name.clone(),
            device: request.device,
            store_id: request.store_id,
            role,
            name: request.user.clone(),
            person: request.person,
            permissions,
            issued_at: now,
            expires_at: now.saturating_add(i64::from(days) * 86_400),
            issuer: Issuer::Organisation,
        };
        Ok(body.sign(&self.key))
    }

    /// The revocation list that follows `previous` (version + 1, or 1) with `device` added.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `device`) when the list already holds
    /// [`super::revocation::MAX_REVOKED`] devices.
    pub fn revoke(
        &self,
        previous: Option<&RevocationList>,
        device: PublicKey,
        now: i64,
    ) -> Result<RevocationList> {
        let mut revoked: Vec<PublicKey> = previous.map(|p| p.revoked.clone()).unwrap_or_default();
        if !revoked.contains(&device) {
            revoked.push(device);
        }
        if revoked.len() > super::revocation::MAX_REVOKED {
            return Err(Error::invalid(
                "device",
                "the revocation list is full (renew the organisation's certificates)",
            ));
        }
        revoked.sort();
        Ok(RevocationList::sign(
            &self.key,
            previous.map_or(1, |p| p.version.saturating_add(1)),
            now,
            revoked,
        ))
    }
}
