//! Device identity on a store (request, install, trust update, pairing, checking a peer's
//! certificate), and [`Organisation`]: an organisation's signing side for an administrator's
//! app or the team's hub (issue certificates, revoke devices).

use std::sync::Arc;

use linkwork_core::identity::{
    CertificateRequest, OrgSigner, Permissions, PublicKey, RevocationList,
};
use linkwork_core::{Error as CoreError, Store};

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::{id, to_unsigned};
use crate::types::{
    CertificateRole, DeviceCertificate, DeviceIdentity, PairingOffer, RevocationInfo, StoreKey,
};
use crate::LinkWorkError;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

blocking_and_async! {
impl LinkWorkStore {
    /// Creates a patient's store on their phone from the pairing payload their link worker's
    /// device shows, once the patient confirmed `code` matches the link worker's screen. The
    /// store belongs to the payload's person and is enrolled (certificate and trust root).
    ///
    /// Errors: `Untrusted` for a tampered or expired payload (15 minutes), a wrong code or an
    /// issuer that may not enrol patients (no file is created); as `create` otherwise.
    #[uniffi::constructor]
    pub fn create_paired / create_paired_blocking(
        path: String,
        key: StoreKey,
        user: String,
        payload: Vec<u8>,
        code: String,
    ) -> Result<Arc<Self>, LinkWorkError> {
        let key = key.try_into()?;
        Ok(Arc::new(Self {
            inner: Store::create_paired(path, &payload, &code, &user, &key)?,
        }))
    }

    /// The device's key, certificate and revocation list version.
    ///
    /// Errors: `Storage`.
    pub fn device_identity / device_identity_blocking(&self) -> Result<DeviceIdentity, LinkWorkError> {
        Ok(self.inner.device_identity()?.into())
    }

    /// The certificate request to send to the organisation's administrator (holds no secret).
    ///
    /// Errors: `Storage`.
    pub fn certificate_request / certificate_request_blocking(&self) -> Result<Vec<u8>, LinkWorkError> {
        Ok(self.inner.certificate_request()?)
    }

    /// Installs this device's certificate and its organisation's trust root.
    ///
    /// Errors: `Untrusted` (tampered, another device, another organisation than the installed
    /// one, a role or person that does not fit this store, expired, revoked); nothing changes.
    pub fn install_certificate / install_certificate_blocking(
        &self,
        certificate: Vec<u8>,
    ) -> Result<DeviceCertificate, LinkWorkError> {
        Ok(self.inner.install_certificate(&certificate)?.into())
    }

    /// Installs a newer revocation list signed by the organisation.
    ///
    /// Errors: `Untrusted` (not enrolled, another organisation, bad signature, not newer than
    /// the installed list); nothing changes.
    pub fn update_trust / update_trust_blocking(&self, list: Vec<u8>) -> Result<RevocationInfo, LinkWorkError> {
        Ok(self.inner.update_trust(&list)?.into())
    }

    /// Checks a peer's certificate against this store's organisation, clock and revocation
    /// list; returns it verified.
    ///
    /// Errors: `Untrusted` (this store not enrolled, another organisation, expired, revoked,
    /// tampered).
    pub fn verify_peer_certificate / verify_peer_certificate_blocking(
        &self,
        certificate: Vec<u8>,
    ) -> Result<DeviceCertificate, LinkWorkError> {
        Ok(self.inner.verify_peer_certificate(&certificate)?.into())
    }

    /// On an enrolled link worker's store allowed to enrol patients: a pairing offer for
    /// `person_id` (in this caseload) whose phone certificate lasts `days` days. Show its
    /// payload as a QR code and its code beside it.
    ///
    /// Errors: `NotPermitted` on a patient store; `NotFound` for a person not in the caseload;
    /// `Untrusted` when not enrolled, not allowed to enrol, expired or revoked.
    pub fn pair_patient / pair_patient_blocking(
        &self,
        person_id: String,
        days: i32,
    ) -> Result<PairingOffer, LinkWorkError> {
        Ok(self
            .inner
            .pair_patient(id("person_id", &person_id)?, to_unsigned("days", days)?)?
            .into())
    }
}}

/// An organisation's signing side: its name and secret key. For an administrator's app or the
/// team's hub; devices hold only its trust root. Keep `secret_bytes()` as carefully as a store
/// key (platform key store, never logged).
#[derive(uniffi::Object)]
pub struct Organisation {
    inner: OrgSigner,
}

#[uniffi::export]
impl Organisation {
    /// A new organisation with a fresh random signing key.
    ///
    /// Errors: `InvalidInput` (field `name`) for an empty name.
    #[uniffi::constructor]
    pub fn create(name: String) -> Result<Arc<Self>, LinkWorkError> {
        Ok(Arc::new(Self {
            inner: OrgSigner::create(&name)?,
        }))
    }

    /// The organisation from the bytes `secret_bytes()` gave.
    ///
    /// Errors: `Untrusted` (`malformed`) for anything else.
    #[uniffi::constructor]
    pub fn from_secret_bytes(bytes: Vec<u8>) -> Result<Arc<Self>, LinkWorkError> {
        let out = OrgSigner::decode_secret(&bytes);
        let mut bytes = bytes;
        bytes.fill(0);
        Ok(Arc::new(Self { inner: out? }))
    }

    /// The name and secret key, to keep in the platform's key store.
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.inner.encode_secret().to_vec()
    }

    /// The organisation's public key (its trust root), as 64 hex digits.
    pub fn key(&self) -> String {
        self.inner.trust_root().key.to_hex()
    }

    /// Certifies the device of `request` as `role` with the permissions given, for `days`
    /// days from now; returns the certificate bytes to hand back to the device.
    ///
    /// Errors: `Untrusted` for a tampered request, a role that does not fit the requesting
    /// store (`role does not match`); `InvalidInput` (field `expires`) for 0 or more than
    /// about 5 years of days, (field `permissions`) for permissions on a patient certificate.
    pub fn issue(
        &self,
        request: Vec<u8>,
        role: CertificateRole,
        can_erase: bool,
        can_enrol_patients: bool,
        days: i32,
    ) -> Result<Vec<u8>, LinkWorkError> {
        let days = to_unsigned("days", days)?;
        let request = CertificateRequest::decode(&request).map_err(CoreError::from)?;
        let permissions = Permissions {
            can_erase,
            can_enrol_patients,
        };
        Ok(self
            .inner
            .issue(&request, role.into(), permissions, now(), days)?
            .encode())
    }

    /// The revocation list that follows `previous` (the last one this organisation issued, or
    /// none) with `device_key` added; devices install it with `update_trust`.
    ///
    /// Errors: `InvalidInput` (field `device`) for a key that is not 64 hex digits, or a full
    /// list; `Untrusted` when `previous` is not this organisation's list.
    pub fn revoke(
        &self,
        previous: Option<Vec<u8>>,
        device_key: String,
    ) -> Result<Vec<u8>, LinkWorkError> {
        let root = self.inner.trust_root();
        let previous = previous
            .map(|b| RevocationList::decode(&b, &root))
            .transpose()
            .map_err(CoreError::from)?;
        let device = PublicKey::parse_hex(&device_key)?;
        Ok(self
            .inner
            .revoke(previous.as_ref(), device, now())?
            .encode())
    }
}
