//! Who a device is, proven: device keys, an organisation's trust root, certificates, pairing
//! and revocation (`docs/security.md#identity`, ADR 0005).
//!
//! - [`keys`]: Ed25519 secret and public keys (`ed25519-dalek`), with domain-separated
//!   signatures;
//! - [`certificate`]: a device certificate and the request a device writes for it;
//! - [`channel`]: the authenticated, encrypted channel (Noise XX) in which both sides prove
//!   their certificates before any sync byte flows;
//! - [`organisation`]: an organisation's trust root and its signing side (issuing certificates,
//!   revoking devices);
//! - [`revocation`]: the signed, monotonically versioned revocation list;
//! - [`pairing`]: the payload a link worker's device shows to enrol a patient's phone offline;
//! - [`signing`]: signatures on automerge changes and tombstones, and whether a signer's
//!   certificate is trusted for what it signed (ADR 0007);
//! - [`enrolment`]: the messages a device and its organisation's hub exchange (enrolment with
//!   an invite code, and what the hub sends inside the authenticated channel);
//! - `encoding`: the canonical bounded binary encoding all of them share.
//!
//! Every value read from a file or a peer is untrusted: it is decoded strictly (bounded sizes,
//! one encoding per value, unknown versions refused) and its signatures verified before any
//! field is believed. Every refusal is a [`Refusal`], carried by [`crate::Error::Untrusted`].

pub mod certificate;
pub mod channel;
#[cfg(test)]
mod decode_properties;
pub(crate) mod encoding;
pub mod enrolment;
pub mod keys;
pub mod organisation;
pub mod pairing;
pub mod revocation;
pub mod signing;
pub mod sync_parts;

use serde::Serialize;

pub use certificate::{Certificate, CertificateRequest, Issuer};
pub use channel::{Channel, ChannelPolicy, Peer};
pub use keys::{PublicKey, SecretKey};
pub use organisation::{OrgSigner, TrustRoot};
pub use pairing::{PairingGrant, PairingPayload};
pub use revocation::RevocationList;
pub use signing::{ChangeSignature, TombstoneSignature};

use crate::model::Role;

/// The longest organisation or user name a certificate carries, in bytes.
pub const MAX_NAME_BYTES: usize = 200;

/// Why an identity value or a peer was refused. Never carries names or key material.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The bytes are not a well-formed value of the expected kind (truncated, oversized,
    /// trailing bytes, a bad flag or string).
    #[error("malformed")]
    Malformed,
    /// Written by a newer identity format than this build knows.
    #[error("unknown format version")]
    UnknownVersion,
    /// A signature does not verify: the value was tampered with or signed by another key.
    #[error("bad signature")]
    BadSignature,
    /// Chained to another organisation than this store's trust root.
    #[error("issued by another organisation")]
    OtherOrganisation,
    /// Past its expiry.
    #[error("expired")]
    Expired,
    /// Issued in the future (beyond the allowed clock skew), or expiring before it was issued.
    #[error("not yet valid")]
    NotYetValid,
    /// The device (or the device that enrolled it) is on the organisation's revocation list.
    #[error("revoked")]
    Revoked,
    /// For another device or store than this one.
    #[error("for another device")]
    OtherDevice,
    /// The certificate's role does not fit the store's role (or the claim it was compared with).
    #[error("role does not match")]
    RoleMismatch,
    /// The certificate's person does not fit the store's person (or the claim compared with).
    #[error("person does not match")]
    PersonMismatch,
    /// The issuing device's certificate does not allow enrolling patients.
    #[error("issuer may not enrol patients")]
    MayNotEnrol,
    /// A revocation list not newer than the one installed.
    #[error("revocation list is not newer than the installed one")]
    StaleRevocationList,
    /// The store has no trust root or certificate yet (it is not enrolled).
    #[error("not enrolled")]
    NotEnrolled,
    /// The confirmation code typed on the patient's device is not the pairing payload's.
    #[error("pairing code does not match")]
    WrongCode,
    /// The peer presented no certificate, to an enrolled store or to a store that did not opt
    /// in to unauthenticated peers.
    #[error("peer not authenticated")]
    Unauthenticated,
    /// The encrypted channel failed: a handshake or data message was altered, replayed,
    /// reordered, cut off or oversized, or the channel is not open. It is closed.
    #[error("secure channel broken")]
    ChannelBroken,
    /// A change or a tombstone from a peer carries no signature, to an enrolled store.
    #[error("not signed")]
    Unsigned,
    /// A change or a tombstone is signed by a device whose certificate neither came with it
    /// nor is known to this store.
    #[error("signer unknown")]
    UnknownSigner,
    /// A patient's phone presents a pairing grant that another phone took up first: a pairing
    /// offer enrols one phone.
    #[error("pairing offer already taken up by another device")]
    GrantUsed,
    /// A patient's phone was paired by a device whose user does not hold its person: the
    /// person is not (or not yet, before the link worker's first sync) in that user's
    /// caseload — their own for a link worker, their team's for a team lead.
    #[error("person not in the pairing user's caseload")]
    NotInCaseload,
}

/// Clock skew allowed between devices when checking `issued_at`, in seconds.
pub const CLOCK_SKEW_SECS: i64 = 10 * 60;

/// The role a certificate grants. Team leads and admins hold a link worker's store (every plan
/// and case document of the caseload); a patient's certificate holds one person's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertRole {
    /// A link worker's device.
    LinkWorker,
    /// A team lead's device (a link worker's store; usually also the permissions).
    TeamLead,
    /// An administrator's device.
    Admin,
    /// A patient's own phone: one person's plan only.
    Patient,
    /// The organisation's hub (`linkwork-hub`): the certificate a device checks, inside the
    /// authenticated channel, to know it is talking to its hub. Issued by the hub to itself at
    /// `init`, never through an invite.
    Hub,
}

impl CertRole {
    /// Every role, in code order.
    pub const ALL: [CertRole; 5] = [
        CertRole::LinkWorker,
        CertRole::TeamLead,
        CertRole::Admin,
        CertRole::Patient,
        CertRole::Hub,
    ];

    /// The stable code (`link-worker`, `team-lead`, `admin`, `patient`, `hub`).
    pub fn code(self) -> &'static str {
        match self {
            CertRole::LinkWorker => "link-worker",
            CertRole::TeamLead => "team-lead",
            CertRole::Admin => "admin",
            CertRole::Patient => "patient",
            CertRole::Hub => "hub",
        }
    }

    /// The role for a code, if known.
    pub fn from_code(code: &str) -> Option<CertRole> {
        CertRole::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The kind of store this role holds (the hub holds the organisation's caseloads).
    pub fn store_role(self) -> Role {
        match self {
            CertRole::Patient => Role::Patient,
            _ => Role::LinkWorker,
        }
    }

    fn to_byte(self) -> u8 {
        match self {
            CertRole::LinkWorker => 1,
            CertRole::TeamLead => 2,
            CertRole::Admin => 3,
            CertRole::Patient => 4,
            CertRole::Hub => 5,
        }
    }

    fn from_byte(b: u8) -> Result<CertRole, Refusal> {
        CertRole::ALL
            .into_iter()
            .find(|r| r.to_byte() == b)
            .ok_or(Refusal::Malformed)
    }
}

/// What a certificate allows beyond its role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Permissions {
    /// May erase a person (issue a tombstone).
    pub can_erase: bool,
    /// May enrol patients' phones (issue pairing payloads for people in its caseload).
    pub can_enrol_patients: bool,
}
