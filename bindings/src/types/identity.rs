//! Device identity records: certificates, the device's identity, pairing offers and revocation
//! lists (`docs/security.md#identity`). Keys are shown as 64 lowercase hex digits.
//!
//! All mirrored: core's certificates, identity and pairing records hold keys as byte arrays,
//! times as Unix seconds and crate-private fields; apps see hex text and instants.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::*;
use linkwork_core::identity::{self as core, Issuer};
use linkwork_core::store::DeviceIdentity as CoreIdentity;

use crate::convert::to_i64;

mirror_enum! {
    /// The role a certificate grants. Team leads and admins hold a link worker's store.
    pub enum CertificateRole = core::CertRole {
        /// A link worker's device.
        LinkWorker,
        /// A team lead's device.
        TeamLead,
        /// An administrator's device.
        Admin,
        /// A patient's own phone: one person's plan only.
        Patient,
        /// The organisation's hub.
        Hub,
    }
}

fn secs(t: i64) -> SystemTime {
    match u64::try_from(t) {
        Ok(s) => UNIX_EPOCH + Duration::from_secs(s),
        Err(_) => UNIX_EPOCH,
    }
}

/// A device certificate, verified: who the device is, for which organisation, with which role
/// and permissions, until when.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceCertificate {
    /// The organisation's name.
    pub organisation: String,
    /// The organisation's public key (its trust root).
    pub organisation_key: String,
    /// The device's public key.
    pub device_key: String,
    /// The device's store id.
    pub store_id: String,
    /// The role granted.
    pub role: CertificateRole,
    /// The user's display name: the verified author of the device's edits.
    pub name: String,
    /// For a patient's phone, the person it belongs to.
    pub person_id: Option<String>,
    /// May erase people.
    pub can_erase: bool,
    /// May enrol patients' phones.
    pub can_enrol_patients: bool,
    /// When it was issued.
    pub issued_at: SystemTime,
    /// When it expires.
    pub expires_at: SystemTime,
    /// Whether a link worker's device paired it (a patient's phone) rather than the
    /// organisation issuing it.
    pub paired: bool,
}

impl From<core::Certificate> for DeviceCertificate {
    fn from(c: core::Certificate) -> Self {
        DeviceCertificate {
            organisation: c.org_name,
            organisation_key: c.org.to_hex(),
            device_key: c.device.to_hex(),
            store_id: c.store_id.to_string(),
            role: c.role.into(),
            name: c.name,
            person_id: c.person.map(|p| p.to_string()),
            can_erase: c.permissions.can_erase,
            can_enrol_patients: c.permissions.can_enrol_patients,
            issued_at: secs(c.issued_at),
            expires_at: secs(c.expires_at),
            paired: matches!(c.issuer, Issuer::Pairing(_)),
        }
    }
}

/// A store's device identity.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceIdentity {
    /// The device's public key (the secret half never leaves the store).
    pub device_key: String,
    /// Whether a certificate and the organisation's trust root are installed.
    pub enrolled: bool,
    /// The installed certificate.
    pub certificate: Option<DeviceCertificate>,
    /// The installed certificate's bytes, to present to a peer (which checks them with
    /// `verify_peer_certificate`).
    pub certificate_bytes: Option<Vec<u8>>,
    /// The version of the installed revocation list.
    pub revocation_list_version: Option<i64>,
}

impl From<CoreIdentity> for DeviceIdentity {
    fn from(i: CoreIdentity) -> Self {
        DeviceIdentity {
            device_key: i.device_key.to_hex(),
            enrolled: i.is_enrolled(),
            certificate_bytes: i.certificate.as_ref().map(|c| c.encode()),
            certificate: i.certificate.map(Into::into),
            revocation_list_version: i.revocations.map(|r| to_i64(r.version)),
        }
    }
}

/// What a link worker's device shows to pair a patient's phone: the payload (as a QR code) and
/// the six-digit code the patient confirms.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PairingOffer {
    /// The payload bytes (about 500) to show as a QR code.
    pub payload: Vec<u8>,
    /// The code both screens show.
    pub code: String,
    /// The last moment the phone may take it up (15 minutes after it was made).
    pub pair_by: SystemTime,
}

impl From<core::PairingPayload> for PairingOffer {
    fn from(p: core::PairingPayload) -> Self {
        PairingOffer {
            code: p.code(),
            payload: p.encode(),
            pair_by: secs(p.grant.pair_by),
        }
    }
}

/// An installed revocation list.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RevocationInfo {
    /// Its version (each list the organisation issues is one higher).
    pub version: i64,
    /// The revoked device keys.
    pub revoked_devices: Vec<String>,
}

impl From<core::RevocationList> for RevocationInfo {
    fn from(l: core::RevocationList) -> Self {
        RevocationInfo {
            version: to_i64(l.version),
            revoked_devices: l.revoked.iter().map(|k| k.to_hex()).collect(),
        }
    }
}
