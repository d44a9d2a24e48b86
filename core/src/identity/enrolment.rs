//! The messages a device and its organisation's hub exchange, without I/O (the hub and the
//! `linkwork` CLI move them over a TLS WebSocket; an app may use any byte stream):
//!
//! - enrolment ([`EnrolRequest`] and [`EnrolReply`]): the device sends the one-time invite code
//!   an administrator gave its user and its signed [`CertificateRequest`]; the hub answers with
//!   the device's certificate (role and name taken from the hub's user table, never from the
//!   request) and the organisation's trust root, or a [`EnrolRefused`] reason;
//! - [`HubMessage`]: what the hub sends an enrolled device inside the authenticated channel
//!   ([`super::Channel`]) once it is open: the organisation's current revocation list, sync
//!   messages of the device's session with the hub, and the services directory
//!   ([`crate::directory::share`]); [`DeviceMessage`]: what the device sends (sync messages; a
//!   directory request is a `DirectoryMessage` of its own). A device refuses kinds it does not
//!   know.
//!
//! Every message is decoded strictly by the identity encoding (bounded sizes, one encoding per
//! value, unknown versions refused): a refusal is a typed [`Refusal`].

use super::encoding::{Reader, Writer, MAX_ENCODED, VERSION};
use super::{Certificate, CertificateRequest, Refusal, TrustRoot};

const ENROL_MAGIC: &[u8; 3] = b"LWE";
const REPLY_MAGIC: &[u8; 3] = b"LWA";
const HUB_MAGIC: &[u8; 3] = b"LWN";
const DEVICE_MAGIC: &[u8; 3] = b"LWD";
/// The kind byte of a frame that carries one sync message (either way): the message follows,
/// whole, after the kind (it is larger than the other values' 8 KiB bound).
const SYNC_KIND: u8 = 2;
/// The kind byte of the hub's "this sync session is complete" (nothing follows).
const SYNC_DONE_KIND: u8 = 3;
/// The kind byte of a frame that carries a leading part of a sync message too large for one
/// frame (either way): the bytes follow, as for [`SYNC_KIND`]; the message's last part is a
/// [`SYNC_KIND`] frame ([`super::sync_parts`]).
const SYNC_PART_KIND: u8 = 4;

/// The longest invite code accepted, in bytes (a code is 19 characters: four groups of four).
pub const MAX_CODE_BYTES: usize = 64;

/// The largest encoded enrolment message: anything longer is refused before it is parsed.
pub const MAX_MESSAGE_BYTES: usize = MAX_ENCODED;

/// A device's enrolment: the invite code its user was given and its certificate request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolRequest {
    /// The one-time invite code, as typed (the hub normalises case, spaces and dashes).
    pub code: String,
    /// The device's signed certificate request ([`crate::store::Store::certificate_request`]).
    pub request: Vec<u8>,
}

impl EnrolRequest {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(ENROL_MAGIC);
        w.str(&self.code).bytes(&self.request);
        w.finish()
    }

    /// Decodes an enrolment from a device. The certificate request inside is only checked by
    /// [`EnrolRequest::certificate_request`].
    ///
    /// # Errors
    /// [`Refusal::Malformed`] (also for a code over [`MAX_CODE_BYTES`]),
    /// [`Refusal::UnknownVersion`].
    pub fn decode(bytes: &[u8]) -> Result<EnrolRequest, Refusal> {
        let mut r = Reader::new(bytes, ENROL_MAGIC)?;
        let code = r.str(MAX_CODE_BYTES)?;
        let request = r.bytes(MAX_ENCODED)?.to_vec();
        r.end()?;
        Ok(EnrolRequest { code, request })
    }

    /// The certificate request inside, with the device's signature over it checked.
    ///
    /// # Errors
    /// As [`CertificateRequest::decode`].
    pub fn certificate_request(&self) -> Result<CertificateRequest, Refusal> {
        CertificateRequest::decode(&self.request)
    }
}

/// Why a hub refused an enrolment. The device learns no more than this: an unknown, used and
/// expired code all read [`EnrolRefused::CodeNotValid`] (the hub's audit log tells them apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EnrolRefused {
    /// The code is unknown, already used or expired: ask the administrator for a new one.
    #[error("the invite code is not valid (unknown, used or expired)")]
    CodeNotValid,
    /// The request is malformed, not signed by its device, or does not fit the invited user
    /// (e.g. a patient's store invited as a link worker).
    #[error("the certificate request was refused")]
    RequestRefused,
    /// The hub could not complete the enrolment (its database is unavailable): try again.
    #[error("the hub is unavailable, try again")]
    Unavailable,
}

impl EnrolRefused {
    fn to_byte(self) -> u8 {
        match self {
            EnrolRefused::CodeNotValid => 1,
            EnrolRefused::RequestRefused => 2,
            EnrolRefused::Unavailable => 3,
        }
    }

    fn from_byte(b: u8) -> Result<EnrolRefused, Refusal> {
        match b {
            1 => Ok(EnrolRefused::CodeNotValid),
            2 => Ok(EnrolRefused::RequestRefused),
            3 => Ok(EnrolRefused::Unavailable),
            _ => Err(Refusal::Malformed),
        }
    }
}

/// A hub's answer to an [`EnrolRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrolReply {
    /// Enrolled: the device's certificate and the organisation's trust root, to install with
    /// [`crate::store::Store::install_enrolment`].
    Enrolled {
        /// The encoded device certificate.
        certificate: Vec<u8>,
        /// The encoded trust root.
        trust_root: Vec<u8>,
    },
    /// Refused, with the reason.
    Refused(EnrolRefused),
}

impl EnrolReply {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(REPLY_MAGIC);
        match self {
            EnrolReply::Enrolled {
                certificate,
                trust_root,
            } => {
                w.fixed(&[0]).bytes(certificate).bytes(trust_root);
            }
            EnrolReply::Refused(why) => {
                w.fixed(&[1, why.to_byte()]);
            }
        }
        w.finish()
    }

    /// Decodes a hub's answer. The certificate and trust root are checked when installed.
    ///
    /// # Errors
    /// [`Refusal::Malformed`], [`Refusal::UnknownVersion`].
    pub fn decode(bytes: &[u8]) -> Result<EnrolReply, Refusal> {
        let mut r = Reader::new(bytes, REPLY_MAGIC)?;
        let out = match r.fixed::<1>()?[0] {
            0 => EnrolReply::Enrolled {
                certificate: r.bytes(MAX_ENCODED)?.to_vec(),
                trust_root: r.bytes(MAX_ENCODED)?.to_vec(),
            },
            1 => EnrolReply::Refused(EnrolRefused::from_byte(r.fixed::<1>()?[0])?),
            _ => return Err(Refusal::Malformed),
        };
        r.end()?;
        Ok(out)
    }
}

/// Checks that `trust_root` is the organisation that signed `certificate` (what a device does
/// before installing an enrolment), returning both decoded.
///
/// # Errors
/// Every refusal of [`Certificate::decode`] and [`TrustRoot::decode`];
/// [`Refusal::OtherOrganisation`] when the certificate is not signed by that root.
pub fn check_enrolment(
    certificate: &[u8],
    trust_root: &[u8],
) -> Result<(Certificate, TrustRoot), Refusal> {
    let cert = Certificate::decode(certificate)?;
    let root = TrustRoot::decode(trust_root)?;
    if cert.org != root.key || cert.org_name != root.name {
        return Err(Refusal::OtherOrganisation);
    }
    Ok((cert, root))
}

/// The hub's verified certificate, from the peer of an open channel: refuses any peer that is
/// not the organisation's hub (a device checks this before believing what the peer sends).
///
/// # Errors
/// [`Refusal::Unauthenticated`] for an unenrolled peer; [`Refusal::RoleMismatch`] for a device
/// that is not a hub.
pub fn require_hub(peer: &super::Peer) -> Result<&Certificate, Refusal> {
    match peer {
        super::Peer::Verified(cert) if cert.role == super::CertRole::Hub => Ok(cert),
        super::Peer::Verified(_) => Err(Refusal::RoleMismatch),
        super::Peer::Unenrolled => Err(Refusal::Unauthenticated),
    }
}

/// What a hub sends an enrolled device inside the open authenticated channel.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubMessage {
    /// The organisation's current revocation list (encoded; `None` while it has revoked no
    /// device), to install with [`crate::store::Store::update_trust`] when newer than the
    /// installed one. Sent first when the channel opens, and again whenever a device is
    /// revoked while this one is connected.
    Revocations(Option<Vec<u8>>),
    /// The organisation's services directory, in answer to the device's
    /// [`crate::directory::share::DirectoryMessage::Have`]: up to date, none, not for this
    /// device, or a chunk of it (its own encoding, `crate::directory::share`).
    Directory(crate::directory::share::DirectoryMessage),
    /// A sync message for the device's session with the hub (`Store::sync_receive` it), or
    /// the last part of one that came in [`HubMessage::SyncPart`]s.
    Sync(Vec<u8>),
    /// A leading part of a sync message larger than one frame
    /// ([`super::sync_parts::SYNC_PART_BYTES`]): join it with the parts that follow, up to
    /// the [`HubMessage::Sync`] that ends it ([`super::sync_parts::SyncJoin`]).
    SyncPart(Vec<u8>),
    /// The hub's sync session is complete: it has nothing more to send for the device's last
    /// message.
    SyncDone,
}

/// A frame carrying one sync message (`kind` [`SYNC_KIND`]) or a leading part of one
/// ([`SYNC_PART_KIND`]): `magic`, the version, the kind, the bytes.
fn sync_frame(magic: &[u8; 3], kind: u8, message: &[u8]) -> Vec<u8> {
    let mut w = Writer::new(magic);
    w.fixed(&[kind]);
    let mut out = w.finish();
    out.extend_from_slice(message);
    out
}

/// The kind and bytes a frame of `magic` carries, if it is a sync frame or a sync part (bounded
/// by the sync protocol's own message limit; the message itself is checked by the sync
/// engine).
fn sync_payload(magic: &[u8; 3], bytes: &[u8]) -> Option<Result<(u8, Vec<u8>), Refusal>> {
    if bytes.len() < 5 || &bytes[..3] != magic || !matches!(bytes[4], SYNC_KIND | SYNC_PART_KIND) {
        return None;
    }
    if bytes[3] != VERSION {
        return Some(Err(Refusal::UnknownVersion));
    }
    let message = &bytes[5..];
    if message.len() > crate::sync::wire::MAX_MESSAGE_BYTES {
        return Some(Err(Refusal::Malformed));
    }
    Some(Ok((bytes[4], message.to_vec())))
}

/// What an enrolled device sends its hub inside the open authenticated channel.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceMessage {
    /// A sync message of the device's session with the hub (the hub answers with
    /// [`HubMessage::Sync`] or [`HubMessage::SyncDone`]), or the last part of one that came in
    /// [`DeviceMessage::SyncPart`]s.
    Sync(Vec<u8>),
    /// A leading part of a sync message larger than one frame (as [`HubMessage::SyncPart`]).
    SyncPart(Vec<u8>),
}

impl DeviceMessage {
    /// The canonical bytes (sealed by the channel before they are sent).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            DeviceMessage::Sync(message) => sync_frame(DEVICE_MAGIC, SYNC_KIND, message),
            DeviceMessage::SyncPart(part) => sync_frame(DEVICE_MAGIC, SYNC_PART_KIND, part),
        }
    }

    /// Decodes a message from a device (opened by the channel).
    ///
    /// # Errors
    /// [`Refusal::Malformed`] (also for a kind this build does not know),
    /// [`Refusal::UnknownVersion`].
    pub fn decode(bytes: &[u8]) -> Result<DeviceMessage, Refusal> {
        match sync_payload(DEVICE_MAGIC, bytes) {
            Some(Ok((SYNC_PART_KIND, part))) => Ok(DeviceMessage::SyncPart(part)),
            Some(message) => Ok(DeviceMessage::Sync(message?.1)),
            None => {
                // No other kind yet: anything else is refused after the usual checks.
                let mut r = Reader::new(bytes, DEVICE_MAGIC)?;
                r.fixed::<1>()?;
                Err(Refusal::Malformed)
            }
        }
    }
}

impl HubMessage {
    /// The canonical bytes (sealed by the channel before they are sent).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(HUB_MAGIC);
        match self {
            HubMessage::Directory(message) => return message.encode(),
            HubMessage::Revocations(list) => {
                w.fixed(&[1]).flag(list.is_some());
                if let Some(list) = list {
                    w.bytes(list);
                }
            }
            HubMessage::Sync(message) => return sync_frame(HUB_MAGIC, SYNC_KIND, message),
            HubMessage::SyncPart(part) => return sync_frame(HUB_MAGIC, SYNC_PART_KIND, part),
            HubMessage::SyncDone => {
                w.fixed(&[SYNC_DONE_KIND]);
            }
        }
        w.finish()
    }

    /// Decodes a message from the hub (opened by the channel).
    ///
    /// # Errors
    /// [`Refusal::Malformed`] (also for a kind this build does not know),
    /// [`Refusal::UnknownVersion`].
    pub fn decode(bytes: &[u8]) -> Result<HubMessage, Refusal> {
        use crate::directory::share::{is_share_message, DirectoryMessage};
        if is_share_message(bytes) {
            return DirectoryMessage::decode(bytes)
                .map(HubMessage::Directory)
                .map_err(|e| e.to_refusal());
        }
        match sync_payload(HUB_MAGIC, bytes) {
            Some(Ok((SYNC_PART_KIND, part))) => return Ok(HubMessage::SyncPart(part)),
            Some(message) => return Ok(HubMessage::Sync(message?.1)),
            None => {}
        }
        let mut r = Reader::new(bytes, HUB_MAGIC)?;
        let out = match r.fixed::<1>()?[0] {
            1 => HubMessage::Revocations(if r.flag()? {
                Some(r.bytes(MAX_ENCODED)?.to_vec())
            } else {
                None
            }),
            SYNC_DONE_KIND => HubMessage::SyncDone,
            _ => return Err(Refusal::Malformed),
        };
        r.end()?;
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::identity::{CertRole, OrgSigner, Permissions, SecretKey};
    use crate::ids::Id;

    fn request() -> (SecretKey, Vec<u8>) {
        let key = SecretKey::generate().unwrap();
        let req = CertificateRequest {
            device: key.public(),
            store_id: Id::new(),
            user: "phone".into(),
            role: CertRole::LinkWorker,
            person: None,
        };
        let bytes = req.encode_signed(&key);
        (key, bytes)
    }

    #[test]
    fn enrol_request_round_trips_and_checks_the_request_signature() {
        let (_, req) = request();
        let msg = EnrolRequest {
            code: "ABCD-EFGH-JKMN-PQRS".into(),
            request: req.clone(),
        };
        let back = EnrolRequest::decode(&msg.encode()).unwrap();
        assert_eq!(back, msg);
        assert_eq!(back.certificate_request().unwrap().user, "phone");

        let mut tampered = req;
        let at = tampered.len() - 70;
        tampered[at] ^= 1;
        let msg = EnrolRequest {
            code: "x".into(),
            request: tampered,
        };
        let back = EnrolRequest::decode(&msg.encode()).unwrap();
        assert!(back.certificate_request().is_err());
    }

    #[test]
    fn oversized_code_truncated_and_trailing_bytes_are_refused() {
        let (_, req) = request();
        let long = EnrolRequest {
            code: "A".repeat(MAX_CODE_BYTES + 1),
            request: req.clone(),
        };
        assert_eq!(
            EnrolRequest::decode(&long.encode()),
            Err(Refusal::Malformed)
        );
        let ok = EnrolRequest {
            code: "A".into(),
            request: req,
        }
        .encode();
        assert_eq!(
            EnrolRequest::decode(&ok[..ok.len() - 1]),
            Err(Refusal::Malformed)
        );
        let mut longer = ok.clone();
        longer.push(0);
        assert_eq!(EnrolRequest::decode(&longer), Err(Refusal::Malformed));
        assert_eq!(
            EnrolRequest::decode(&vec![0u8; MAX_MESSAGE_BYTES + 1]),
            Err(Refusal::Malformed)
        );
        let mut future = ok;
        future[3] += 1;
        assert_eq!(EnrolRequest::decode(&future), Err(Refusal::UnknownVersion));
    }

    #[test]
    fn replies_round_trip_and_unknown_kinds_are_refused() {
        for why in [
            EnrolRefused::CodeNotValid,
            EnrolRefused::RequestRefused,
            EnrolRefused::Unavailable,
        ] {
            let r = EnrolReply::Refused(why);
            assert_eq!(EnrolReply::decode(&r.encode()).unwrap(), r);
        }
        let ok = EnrolReply::Enrolled {
            certificate: vec![1, 2, 3],
            trust_root: vec![4],
        };
        assert_eq!(EnrolReply::decode(&ok.encode()).unwrap(), ok);
        let mut bad = EnrolReply::Refused(EnrolRefused::Unavailable).encode();
        *bad.last_mut().unwrap() = 9;
        assert_eq!(EnrolReply::decode(&bad), Err(Refusal::Malformed));
        bad[4] = 7;
        assert_eq!(EnrolReply::decode(&bad), Err(Refusal::Malformed));

        let none = HubMessage::Revocations(None);
        assert_eq!(HubMessage::decode(&none.encode()).unwrap(), none);
        let msg = HubMessage::Revocations(Some(vec![9; 40]));
        assert_eq!(HubMessage::decode(&msg.encode()).unwrap(), msg);
        let mut unknown = msg.encode();
        unknown[4] = 9; // kinds 1 to 3 are taken
        assert_eq!(HubMessage::decode(&unknown), Err(Refusal::Malformed));
    }

    #[test]
    fn an_enrolment_whose_root_did_not_sign_the_certificate_is_refused() {
        let org = OrgSigner::create("Org").unwrap();
        let other = OrgSigner::create("Org").unwrap();
        let (_, req) = request();
        let req = CertificateRequest::decode(&req).unwrap();
        let now = chrono::Utc::now().timestamp();
        let cert = org
            .issue(&req, CertRole::LinkWorker, Permissions::default(), now, 1)
            .unwrap()
            .encode();
        let (c, root) = check_enrolment(&cert, &org.trust_root().encode()).unwrap();
        assert_eq!(c.org, root.key);
        assert_eq!(
            check_enrolment(&cert, &other.trust_root().encode()).unwrap_err(),
            Refusal::OtherOrganisation
        );
        assert_eq!(
            check_enrolment(&cert[1..], &org.trust_root().encode()).unwrap_err(),
            Refusal::Malformed
        );
    }

    #[test]
    fn a_store_installs_an_enrolment_but_never_a_hub_certificate_or_a_mismatched_root() {
        use crate::model::Role;
        use crate::store::test_support::test_store;
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path(), "s.db", "phone", Role::LinkWorker);
        let req = CertificateRequest::decode(&store.certificate_request().unwrap()).unwrap();
        let org = OrgSigner::create("Org").unwrap();
        let other = OrgSigner::create("Org").unwrap();
        let now = chrono::Utc::now().timestamp();
        let root = org.trust_root().encode();
        let as_hub = org
            .issue(&req, CertRole::Hub, Permissions::default(), now, 1)
            .unwrap()
            .encode();
        let refused = |r: crate::Result<crate::identity::Certificate>| match r {
            Err(crate::Error::Untrusted(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            refused(store.install_enrolment(&as_hub, &root)),
            Refusal::RoleMismatch
        );
        let cert = org
            .issue(&req, CertRole::LinkWorker, Permissions::default(), now, 1)
            .unwrap()
            .encode();
        assert_eq!(
            refused(store.install_enrolment(&cert, &other.trust_root().encode())),
            Refusal::OtherOrganisation
        );
        assert!(!store.device_identity().unwrap().is_enrolled());
        store.install_enrolment(&cert, &root).unwrap();
        assert_eq!(
            store.device_identity().unwrap().trust_root.unwrap(),
            org.trust_root()
        );
    }

    proptest::proptest! {
        /// No input makes a decoder panic, and no valid message cut short decodes.
        #[test]
        fn decoders_never_panic_and_refuse_truncation(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            cut in 1usize..40,
        ) {
            let _ = EnrolRequest::decode(&bytes);
            let _ = EnrolReply::decode(&bytes);
            let _ = HubMessage::decode(&bytes);
            let valid = [
                EnrolRequest { code: "ABCD".into(), request: bytes.clone() }.encode(),
                EnrolReply::Enrolled { certificate: bytes.clone(), trust_root: vec![1] }.encode(),
                HubMessage::Revocations(Some(bytes.clone())).encode(),
            ];
            for v in &valid {
                let short = &v[..v.len().saturating_sub(cut)];
                proptest::prop_assert!(EnrolRequest::decode(short).is_err());
                proptest::prop_assert!(EnrolReply::decode(short).is_err());
                proptest::prop_assert!(HubMessage::decode(short).is_err());
            }
        }
    }

    #[test]
    fn sync_frames_round_trip_both_ways_and_are_told_apart() {
        let big = vec![7u8; 100 * 1024];
        for m in [
            HubMessage::Sync(big.clone()),
            HubMessage::SyncPart(big.clone()),
            HubMessage::SyncDone,
            HubMessage::Revocations(None),
        ] {
            assert_eq!(HubMessage::decode(&m.encode()).unwrap(), m);
        }
        let d = DeviceMessage::Sync(big.clone());
        assert_eq!(DeviceMessage::decode(&d.encode()).unwrap(), d);
        let part = DeviceMessage::SyncPart(big.clone());
        assert_eq!(DeviceMessage::decode(&part.encode()).unwrap(), part);
        assert!(DeviceMessage::decode(&HubMessage::SyncPart(big.clone()).encode()).is_err());
        // A device's frame is not a hub's, and the other way round.
        assert!(HubMessage::decode(&d.encode()).is_err());
        assert!(DeviceMessage::decode(&HubMessage::Sync(big).encode()).is_err());
        assert!(DeviceMessage::decode(&HubMessage::SyncDone.encode()).is_err());
        let mut other_version = d.encode();
        other_version[3] = VERSION + 1;
        assert_eq!(
            DeviceMessage::decode(&other_version).unwrap_err(),
            Refusal::UnknownVersion
        );
    }
}
