//! Identity: device keys, organisation certificates, pairing a patient's phone, revocation.
//! Every refusal here has a case that would pass without the check it names.

use linkwork_core::identity::{
    CertRole, Certificate, CertificateRequest, OrgSigner, PairingPayload, Permissions, Refusal,
    SecretKey,
};
use linkwork_core::store::DEFAULT_PATIENT_DAYS;
use linkwork_core::{Error, Id, Store, StoreKey};
use linkwork_tests::*;

const DAY: i64 = 86_400;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn refusal(err: Error) -> Refusal {
    match err {
        Error::Untrusted(r) => r,
        other => panic!("expected an identity refusal, got {other:?}"),
    }
}

fn request(s: &Store) -> CertificateRequest {
    CertificateRequest::decode(&s.certificate_request().unwrap()).unwrap()
}

/// Enrols `s` in `org` as `role` with `permissions`.
fn enrol(org: &OrgSigner, s: &Store, role: CertRole, permissions: Permissions) -> Certificate {
    let cert = org
        .issue(&request(s), role, permissions, now(), 30)
        .unwrap();
    s.install_certificate(&cert.encode()).unwrap()
}

const ENROLLER: Permissions = Permissions {
    can_erase: true,
    can_enrol_patients: true,
};

#[test]
fn a_request_is_signed_by_the_device_and_a_tampered_one_is_refused() {
    let dir = TestDir::new();
    let s = dir.link_worker("a.db", "Asha");
    let bytes = s.certificate_request().unwrap();
    let req = CertificateRequest::decode(&bytes).unwrap();
    assert_eq!(req.device, s.device_key().unwrap());
    assert_eq!(req.store_id, s.info().store_id);
    assert_eq!(req.user, "Asha");
    assert_eq!(req.role, CertRole::LinkWorker);
    let mut tampered = bytes.clone();
    let at = tampered.len() - 70; // inside the signed fields
    tampered[at] ^= 1;
    assert!(CertificateRequest::decode(&tampered).is_err());
    let mut renamed = bytes;
    let name_at = 4 + 32 + 16 + 2;
    renamed[name_at] ^= 0x20; // "asha": a different user, same length
    assert_eq!(
        CertificateRequest::decode(&renamed),
        Err(Refusal::BadSignature)
    );
}

#[test]
fn a_user_name_too_long_for_a_certificate_is_invalid_input() {
    let dir = TestDir::new();
    let s = dir.link_worker("a.db", &"x".repeat(201));
    assert!(matches!(
        s.certificate_request().unwrap_err(),
        Error::InvalidInput { field: "user", .. }
    ));
    let ok = dir.link_worker("b.db", &"x".repeat(200));
    CertificateRequest::decode(&ok.certificate_request().unwrap()).unwrap();
}

#[test]
fn an_issued_certificate_installs_and_enrols_the_store() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let s = dir.link_worker("a.db", "Asha");
    assert!(!s.device_identity().unwrap().is_enrolled());
    let cert = enrol(&org, &s, CertRole::TeamLead, ENROLLER);
    assert_eq!(cert.role, CertRole::TeamLead);
    let id = s.device_identity().unwrap();
    assert!(id.is_enrolled());
    assert_eq!(id.trust_root.unwrap(), org.trust_root());
    assert_eq!(id.certificate.unwrap().name, "Asha");
    // A second store of the same organisation accepts it as a peer.
    let b = dir.link_worker("b.db", "Ben");
    enrol(&org, &b, CertRole::LinkWorker, Permissions::default());
    let seen = b.verify_peer_certificate(&cert.encode()).unwrap();
    assert_eq!(seen.device, s.device_key().unwrap());
}

#[test]
fn a_certificate_for_another_device_is_refused() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let a = dir.link_worker("a.db", "Asha");
    let b = dir.link_worker("b.db", "Ben");
    let for_a = org
        .issue(&request(&a), CertRole::LinkWorker, ENROLLER, now(), 30)
        .unwrap();
    assert_eq!(
        refusal(b.install_certificate(&for_a.encode()).unwrap_err()),
        Refusal::OtherDevice
    );
    assert!(!b.device_identity().unwrap().is_enrolled());
}

#[test]
fn the_organisation_refuses_a_role_or_person_the_store_does_not_hold() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let lw = dir.link_worker("a.db", "Asha");
    let pat = dir.patient("p.db", "Rose", Id::new());
    for (store, role) in [(&lw, CertRole::Patient), (&pat, CertRole::LinkWorker)] {
        let err = org
            .issue(&request(store), role, Permissions::default(), now(), 30)
            .unwrap_err();
        assert_eq!(refusal(err), Refusal::RoleMismatch);
    }
}

#[test]
fn a_second_organisation_is_refused_once_enrolled() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let other = OrgSigner::create("Elsewhere PCN").unwrap();
    let s = dir.link_worker("a.db", "Asha");
    enrol(&org, &s, CertRole::LinkWorker, Permissions::default());
    let foreign = other
        .issue(&request(&s), CertRole::Admin, ENROLLER, now(), 30)
        .unwrap();
    assert_eq!(
        refusal(s.install_certificate(&foreign.encode()).unwrap_err()),
        Refusal::OtherOrganisation
    );
    assert_eq!(
        s.device_identity().unwrap().certificate.unwrap().role,
        CertRole::LinkWorker
    );
    // A peer of the other organisation is refused too.
    let stranger = dir.link_worker("x.db", "Xan");
    let stranger_cert = enrol(&other, &stranger, CertRole::LinkWorker, ENROLLER);
    assert_eq!(
        refusal(
            s.verify_peer_certificate(&stranger_cert.encode())
                .unwrap_err()
        ),
        Refusal::OtherOrganisation
    );
}

#[test]
fn expired_certificates_are_refused_on_install_and_from_peers() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let s = dir.link_worker("a.db", "Asha");
    let old = org
        .issue(
            &request(&s),
            CertRole::LinkWorker,
            ENROLLER,
            now() - 10 * DAY,
            1,
        )
        .unwrap();
    assert_eq!(
        refusal(s.install_certificate(&old.encode()).unwrap_err()),
        Refusal::Expired
    );
    enrol(&org, &s, CertRole::LinkWorker, ENROLLER);
    let peer = dir.link_worker("b.db", "Ben");
    let peer_old = org
        .issue(
            &request(&peer),
            CertRole::LinkWorker,
            ENROLLER,
            now() - 10 * DAY,
            1,
        )
        .unwrap();
    assert_eq!(
        refusal(s.verify_peer_certificate(&peer_old.encode()).unwrap_err()),
        Refusal::Expired
    );
    let future = org
        .issue(
            &request(&peer),
            CertRole::LinkWorker,
            ENROLLER,
            now() + 10 * DAY,
            1,
        )
        .unwrap();
    assert_eq!(
        refusal(s.verify_peer_certificate(&future.encode()).unwrap_err()),
        Refusal::NotYetValid
    );
}

#[test]
fn tampered_certificates_are_refused() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let s = dir.link_worker("a.db", "Asha");
    enrol(&org, &s, CertRole::LinkWorker, Permissions::default());
    let peer = dir.link_worker("b.db", "Ben");
    let bytes = org
        .issue(
            &request(&peer),
            CertRole::LinkWorker,
            Permissions::default(),
            now(),
            30,
        )
        .unwrap()
        .encode();
    // Flip every byte of the signed part in turn: none is accepted.
    for i in 4..bytes.len() {
        let mut t = bytes.clone();
        t[i] ^= 0x01;
        assert!(
            s.verify_peer_certificate(&t).is_err(),
            "byte {i} changed and still accepted"
        );
    }
    // The permission flags specifically (a link worker granting itself erasure).
    let cert = Certificate::decode(&bytes).unwrap();
    assert!(!cert.permissions.can_erase);
    let mut version = bytes.clone();
    version[3] = 2;
    assert_eq!(
        refusal(s.verify_peer_certificate(&version).unwrap_err()),
        Refusal::UnknownVersion
    );
    assert_eq!(
        refusal(
            s.verify_peer_certificate(&bytes[..bytes.len() - 1])
                .unwrap_err()
        ),
        Refusal::Malformed
    );
}

#[test]
fn an_unenrolled_store_cannot_judge_peers() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let s = dir.link_worker("a.db", "Asha");
    let peer = dir.link_worker("b.db", "Ben");
    let cert = enrol(&org, &peer, CertRole::LinkWorker, Permissions::default());
    assert_eq!(
        refusal(s.verify_peer_certificate(&cert.encode()).unwrap_err()),
        Refusal::NotEnrolled
    );
}

#[test]
fn revocation_lists_refuse_revoked_devices_and_only_move_forward() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let other = OrgSigner::create("Elsewhere PCN").unwrap();
    let s = dir.link_worker("a.db", "Asha");
    enrol(&org, &s, CertRole::LinkWorker, Permissions::default());
    let lost = dir.link_worker("b.db", "Ben");
    let lost_cert = enrol(&org, &lost, CertRole::LinkWorker, ENROLLER);
    s.verify_peer_certificate(&lost_cert.encode()).unwrap();

    let v1 = org.revoke(None, lost_cert.device, now()).unwrap();
    let v2 = org
        .revoke(Some(&v1), SecretKey::generate().unwrap().public(), now())
        .unwrap();
    assert_eq!(v2.version, 2);
    assert!(
        v2.revokes(&lost_cert.device),
        "a later list keeps earlier revocations"
    );

    let foreign = other.revoke(None, lost_cert.device, now()).unwrap();
    assert_eq!(
        refusal(s.update_trust(&foreign.encode()).unwrap_err()),
        Refusal::OtherOrganisation
    );
    let mut tampered = v2.encode();
    let at = tampered.len() - 70;
    tampered[at] ^= 1;
    assert_eq!(
        refusal(s.update_trust(&tampered).unwrap_err()),
        Refusal::BadSignature
    );
    s.verify_peer_certificate(&lost_cert.encode()).unwrap();

    s.update_trust(&v2.encode()).unwrap();
    assert_eq!(
        refusal(s.verify_peer_certificate(&lost_cert.encode()).unwrap_err()),
        Refusal::Revoked
    );
    assert_eq!(
        refusal(s.update_trust(&v1.encode()).unwrap_err()),
        Refusal::StaleRevocationList
    );
    assert_eq!(
        refusal(s.update_trust(&v2.encode()).unwrap_err()),
        Refusal::StaleRevocationList
    );
    assert_eq!(s.device_identity().unwrap().revocations.unwrap().version, 2);

    let unenrolled = dir.link_worker("c.db", "Cai");
    assert_eq!(
        refusal(unenrolled.update_trust(&v1.encode()).unwrap_err()),
        Refusal::NotEnrolled
    );
}

/// A link worker enrolled with the right to enrol patients, with one person on the caseload.
fn enrolled_link_worker(dir: &TestDir, org: &OrgSigner) -> (Store, Id) {
    let lw = dir.link_worker("lw.db", "Asha");
    enrol(org, &lw, CertRole::LinkWorker, ENROLLER);
    let person = add_person(&lw, "Rose", "Hill");
    (lw, person)
}

#[test]
fn a_patient_phone_pairs_offline_and_is_chained_to_the_organisation() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let (lw, person) = enrolled_link_worker(&dir, &org);
    let payload = lw.pair_patient(person, DEFAULT_PATIENT_DAYS).unwrap();
    let bytes = payload.encode();
    assert!(bytes.len() < 1000, "fits a QR code: {} bytes", bytes.len());
    let code = payload.code();
    assert_eq!(code.len(), 6);

    let phone = Store::create_paired(
        dir.path("phone.db"),
        &bytes,
        &code,
        "Rose",
        &StoreKey::unencrypted(),
    )
    .unwrap();
    assert_eq!(phone.info().person, Some(person));
    let id = phone.device_identity().unwrap();
    assert!(id.is_enrolled());
    let cert = id.certificate.unwrap();
    assert_eq!(cert.role, CertRole::Patient);
    assert_eq!(cert.person, Some(person));
    assert_eq!(cert.permissions, Permissions::default());
    // The link worker's store (and any other of the organisation) accepts the phone.
    let seen = lw.verify_peer_certificate(&cert.encode()).unwrap();
    assert_eq!(seen.device, phone.device_key().unwrap());
    // And the phone accepts the link worker.
    let lw_cert = lw.device_identity().unwrap().certificate.unwrap();
    phone.verify_peer_certificate(&lw_cert.encode()).unwrap();
}

#[test]
fn pairing_refuses_a_wrong_code_and_creates_nothing() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let (lw, person) = enrolled_link_worker(&dir, &org);
    let payload = lw.pair_patient(person, 30).unwrap();
    let wrong = if payload.code() == "000000" {
        "000001"
    } else {
        "000000"
    };
    let err = Store::create_paired(
        dir.path("phone.db"),
        &payload.encode(),
        wrong,
        "Rose",
        &StoreKey::unencrypted(),
    )
    .unwrap_err();
    assert_eq!(refusal(err), Refusal::WrongCode);
    assert!(!dir.path("phone.db").exists());
    // After the pairing window the payload is refused.
    assert_eq!(
        payload.check(&payload.code(), now() + 16 * 60),
        Err(Refusal::Expired)
    );
}

#[test]
fn pairing_needs_an_enrolled_device_allowed_to_enrol_and_a_person_of_the_caseload() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let lw = dir.link_worker("lw.db", "Asha");
    let person = add_person(&lw, "Rose", "Hill");
    assert_eq!(
        refusal(lw.pair_patient(person, 30).unwrap_err()),
        Refusal::NotEnrolled
    );
    enrol(&org, &lw, CertRole::LinkWorker, Permissions::default());
    assert_eq!(
        refusal(lw.pair_patient(person, 30).unwrap_err()),
        Refusal::MayNotEnrol
    );
    let lw2 = dir.link_worker("lw2.db", "Ben");
    enrol(&org, &lw2, CertRole::LinkWorker, ENROLLER);
    assert!(matches!(
        lw2.pair_patient(person, 30).unwrap_err(),
        Error::NotFound { kind: "person", .. }
    ));
    let patient = dir.patient("p.db", "Rose", person);
    assert!(matches!(
        patient.pair_patient(person, 30).unwrap_err(),
        Error::NotPermitted { .. }
    ));
}

#[test]
fn a_tampered_pairing_payload_cannot_name_another_person() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let (lw, person) = enrolled_link_worker(&dir, &org);
    let bytes = lw.pair_patient(person, 30).unwrap().encode();
    // The person's id sits after the magic, version and grant id.
    let mut other = bytes.clone();
    other[4 + 16] ^= 1;
    assert_eq!(PairingPayload::decode(&other), Err(Refusal::BadSignature));
}

#[test]
fn revoking_the_link_worker_refuses_the_phones_it_paired() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let (lw, person) = enrolled_link_worker(&dir, &org);
    let payload = lw.pair_patient(person, 30).unwrap();
    let phone = Store::create_paired(
        dir.path("phone.db"),
        &payload.encode(),
        &payload.code(),
        "Rose",
        &StoreKey::unencrypted(),
    )
    .unwrap();
    let phone_cert = phone.device_identity().unwrap().certificate.unwrap();
    let hub = dir.link_worker("hub.db", "Hub");
    enrol(&org, &hub, CertRole::Admin, ENROLLER);
    hub.verify_peer_certificate(&phone_cert.encode()).unwrap();
    let list = org.revoke(None, lw.device_key().unwrap(), now()).unwrap();
    hub.update_trust(&list.encode()).unwrap();
    assert_eq!(
        refusal(
            hub.verify_peer_certificate(&phone_cert.encode())
                .unwrap_err()
        ),
        Refusal::Revoked
    );
}

pub(crate) mod channel {
    //! The authenticated channel between stores, and sync sessions bound to it: the policy
    //! follows the verified certificate, never a hello that says otherwise.

    use linkwork_core::identity::{Channel, Peer, Refusal};
    use linkwork_core::{Error, Store, StoreKey};
    use linkwork_tests::*;

    use super::{enrol, refusal, ENROLLER};
    use linkwork_core::identity::{CertRole, OrgSigner, Permissions};

    /// Opens a channel between `a` (connecting) and `b`; returns what each proved of the other.
    pub(crate) fn open(a: &Store, b: &Store) -> Result<(Peer, Peer), Error> {
        open_opted(a, false, b, false)
    }

    /// As [`open`], with each side's opt-in to unenrolled peers.
    fn open_opted(a: &Store, a_opts: bool, b: &Store, b_opts: bool) -> Result<(Peer, Peer), Error> {
        let (mut ca, m1) = Channel::initiate(a.channel_policy(a_opts)?)?;
        let mut cb = Channel::accept(b.channel_policy(b_opts)?)?;
        let m2 = cb.receive_handshake(&m1)?.unwrap();
        let m3 = ca.receive_handshake(&m2)?.unwrap();
        let m4 = cb.receive_handshake(&m3)?.unwrap();
        assert!(ca.receive_handshake(&m4)?.is_none());
        Ok((ca.peer().unwrap().clone(), cb.peer().unwrap().clone()))
    }

    /// Runs a session from `a` to `b` bound to the peers proved on the channel.
    pub(crate) fn sync_bound(
        a: &Store,
        peer_of_a: &Peer,
        b: &Store,
        peer_of_b: &Peer,
    ) -> Result<(), Error> {
        let (mut sa, first) = a.sync_start_authenticated(peer_of_a)?;
        let mut sb = b.sync_accept_authenticated(peer_of_b);
        let mut msg = Some(first);
        let mut to_b = true;
        while let Some(m) = msg.take() {
            let step = if to_b {
                b.sync_receive(&mut sb, &m)?
            } else {
                a.sync_receive(&mut sa, &m)?
            };
            msg = step.reply;
            to_b = !to_b;
        }
        Ok(())
    }

    #[test]
    fn a_paired_phone_gets_only_its_plan_and_a_hello_that_lies_is_refused() {
        let dir = TestDir::new();
        let org = OrgSigner::create("Northtown PCN").unwrap();
        let lw = dir.link_worker("lw.db", "Asha");
        enrol(&org, &lw, CertRole::LinkWorker, ENROLLER);
        let rose = add_person(&lw, "Rose", "Hill");
        let other = add_person(&lw, "Ada", "Lovelace");
        let offer = lw.pair_patient(rose, 30).unwrap();
        let phone = Store::create_paired(
            dir.path("phone.db"),
            &offer.encode(),
            &offer.code(),
            "Rose",
            &StoreKey::unencrypted(),
        )
        .unwrap();
        let (phone_sees, lw_sees) = open(&phone, &lw).unwrap();
        let info = lw_sees.peer_info().unwrap();
        assert_eq!(info.person, Some(rose));
        assert_eq!(info.store_id, phone.info().store_id);
        sync_bound(&phone, &phone_sees, &lw, &lw_sees).unwrap();
        phone.plan(rose).unwrap();
        assert!(phone.plan(other).is_err());
        // Each side records the other with what its verified certificate said.
        let known = lw.peers().unwrap();
        assert_eq!(known.len(), 1);
        assert_eq!(known[0].store_id, phone.info().store_id);
        assert_eq!(known[0].person, Some(rose));
        assert_eq!(known[0].certificate_name.as_deref(), Some("Rose"));
        assert_eq!(known[0].certificate_role.as_deref(), Some("patient"));
        let known = phone.peers().unwrap();
        assert_eq!(known[0].certificate_name.as_deref(), Some("Asha"));
        assert_eq!(known[0].certificate_role.as_deref(), Some("link-worker"));

        // A store that is not the phone cannot ride on the phone's proven identity: its hello
        // (another store id, a link worker's role) is refused before anything is shared.
        let impostor = dir.link_worker("imp.db", "Eve");
        let err = sync_bound(&impostor, &phone_sees, &lw, &lw_sees).unwrap_err();
        assert_eq!(refusal(err), Refusal::OtherDevice);
        assert!(impostor.plan(rose).is_err());
    }

    #[test]
    fn unenrolled_stores_open_a_channel_only_when_both_opt_in() {
        let dir = TestDir::new();
        let org = OrgSigner::create("Northtown PCN").unwrap();
        let a = dir.link_worker("a.db", "Asha");
        let b = dir.link_worker("b.db", "Ben");
        assert_eq!(refusal(open(&a, &b).unwrap_err()), Refusal::NotEnrolled);
        assert_eq!(
            refusal(open_opted(&a, true, &b, false).unwrap_err()),
            Refusal::NotEnrolled
        );
        let (a_sees, b_sees) = open_opted(&a, true, &b, true).unwrap();
        assert_eq!((a_sees, b_sees), (Peer::Unenrolled, Peer::Unenrolled));
        // Once enrolled, b refuses a connecting without a certificate (an enrolled store never
        // accepts such a peer, and shows it nothing of its own), and the unenrolled a refuses b
        // connecting to it (it cannot check a certificate).
        enrol(&org, &b, CertRole::LinkWorker, Permissions::default());
        assert_eq!(
            refusal(open_opted(&a, true, &b, true).unwrap_err()),
            Refusal::Unauthenticated
        );
        assert_eq!(
            refusal(open_opted(&b, true, &a, true).unwrap_err()),
            Refusal::NotEnrolled
        );
    }
}

#[test]
fn only_a_certificate_with_the_erase_permission_erases() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let plain = dir.link_worker("a.db", "Asha");
    enrol(&org, &plain, CertRole::LinkWorker, Permissions::default());
    let rose = add_person(&plain, "Rose", "Hill");
    assert!(matches!(
        plain.erase_person(rose).unwrap_err(),
        Error::NotPermitted { .. }
    ));
    plain.plan(rose).unwrap();
    let eraser = dir.link_worker("b.db", "Ben");
    enrol(&org, &eraser, CertRole::TeamLead, ENROLLER);
    let ada = add_person(&eraser, "Ada", "Lovelace");
    eraser.erase_person(ada).unwrap();
    assert!(eraser.plan(ada).is_err());
}

/// Installing a revocation list (and every other identity write) waits for a write lock held
/// elsewhere, as the checkpointer's `TRUNCATE` holds it when the store goes idle: a deferred
/// transaction that read first could not wait (SQLite does not call the busy handler to upgrade
/// a read to a write) and failed at once with "database is locked".
#[test]
fn identity_writes_wait_for_a_write_lock_held_elsewhere() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let (lw, _) = enrolled_link_worker(&dir, &org);
    let list = org
        .revoke(None, SecretKey::generate().unwrap().public(), now())
        .unwrap();
    let holder = rusqlite::Connection::open(dir.path("lw.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (held, release) = std::sync::mpsc::channel();
    let releaser = std::thread::spawn(move || {
        held.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        holder.execute_batch("COMMIT").unwrap();
    });
    release.recv().unwrap();
    let installed = lw.update_trust(&list.encode()).unwrap();
    assert_eq!(installed.version, 1);
    releaser.join().unwrap();
    assert_eq!(
        lw.device_identity().unwrap().revocations.unwrap().version,
        1
    );
}
