//! Property tests: no input makes an identity decoder panic or accept a changed value. Random
//! bytes, and valid encodings with one byte changed, cut short or extended, are all refused
//! (or, for random bytes, at least never panic).

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::certificate::{Certificate, CertificateRequest};
use super::pairing::PairingPayload;
use super::{CertRole, OrgSigner, Permissions, RevocationList, SecretKey, TrustRoot};
use crate::ids::Id;

/// A valid organisation certificate, request, revocation list and pairing payload.
fn samples() -> (TrustRoot, Vec<Vec<u8>>) {
    let org = OrgSigner::create("Org").unwrap();
    let device = SecretKey::generate().unwrap();
    let now = chrono::Utc::now().timestamp();
    let request = CertificateRequest {
        device: device.public(),
        store_id: Id::new(),
        user: "Asha".into(),
        role: CertRole::LinkWorker,
        person: None,
    };
    let request_bytes = request.encode_signed(&device);
    let perms = Permissions {
        can_erase: true,
        can_enrol_patients: true,
    };
    let cert = org
        .issue(&request, CertRole::LinkWorker, perms, now, 30)
        .unwrap();
    let grant =
        super::pairing::PairingGrant::issue(&device, cert.clone(), Id::new(), now, now + 3600)
            .unwrap();
    let list = org.revoke(None, device.public(), now).unwrap();
    (
        org.trust_root(),
        vec![
            cert.encode(),
            request_bytes,
            list.encode(),
            PairingPayload { grant }.encode(),
        ],
    )
}

fn decode_any(root: &TrustRoot, which: usize, bytes: &[u8]) -> bool {
    match which {
        0 => Certificate::decode(bytes).is_ok(),
        1 => CertificateRequest::decode(bytes).is_ok(),
        2 => RevocationList::decode(bytes, root).is_ok(),
        _ => PairingPayload::decode(bytes).is_ok(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let root = TrustRoot::decode(&OrgSigner::create("Org").unwrap().trust_root().encode())
            .unwrap();
        for which in 0..4 {
            let _ = decode_any(&root, which, &bytes);
        }
        let _ = TrustRoot::decode(&bytes);
    }

    #[test]
    fn any_changed_truncated_or_extended_value_is_refused(
        pick in 0usize..4, at in any::<prop::sample::Index>(), flip in 1u8..=255,
    ) {
        let (root, values) = samples();
        let bytes = &values[pick];
        prop_assert!(decode_any(&root, pick, bytes));
        let i = at.index(bytes.len());
        let mut changed = bytes.clone();
        changed[i] ^= flip;
        prop_assert!(!decode_any(&root, pick, &changed), "byte {} changed", i);
        prop_assert!(!decode_any(&root, pick, &bytes[..i]), "cut at {}", i);
        let mut longer = bytes.clone();
        longer.push(flip);
        prop_assert!(!decode_any(&root, pick, &longer));
    }
}
