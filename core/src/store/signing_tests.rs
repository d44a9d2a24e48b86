//! Signed changes and tombstones against forged sync messages (ADR 0007): what a modified or
//! compromised device could send, built here from the wire format itself. Each refusal has a
//! control that the same message, honestly signed, is accepted.

use crate::store::test_support::test_store;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ROOT};

use crate::doc::keys::GOALS;
use crate::identity::{
    CertRole, CertificateRequest, ChangeSignature, OrgSigner, Permissions, Refusal,
    TombstoneSignature,
};
use crate::ids::Id;
use crate::model::{DocKind, NewGoal, NewPerson, Role};
use crate::storage::{identity, signatures};
use crate::sync::wire::{Hello, Message, Payload};
use crate::sync::{PeerInfo, SyncSession};
use crate::{Error, Store, StoreKey};

const ALL: Permissions = Permissions {
    can_erase: true,
    can_enrol_patients: true,
};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn link_worker(dir: &tempfile::TempDir, name: &str) -> Store {
    test_store(dir.path(), &format!("{name}.db"), name, Role::LinkWorker)
}

fn enrol(org: &OrgSigner, s: &Store, permissions: Permissions) {
    let request = CertificateRequest::decode(&s.certificate_request().unwrap()).unwrap();
    let role = match s.info().role {
        Role::LinkWorker => CertRole::LinkWorker,
        Role::Patient => CertRole::Patient,
    };
    let cert = org.issue(&request, role, permissions, now(), 30).unwrap();
    s.install_certificate(&cert.encode()).unwrap();
}

fn cert_bytes(s: &Store) -> Vec<u8> {
    s.device_identity().unwrap().certificate.unwrap().encode()
}

fn peer_info(s: &Store) -> PeerInfo {
    PeerInfo {
        store_id: s.info().store_id,
        role: s.info().role,
        person: s.info().person,
    }
}

/// A session on `receiver` whose channel proved `sender`.
fn session_from(sender: &Store) -> SyncSession {
    let mut s = SyncSession::default();
    s.authenticate(Some(peer_info(sender)), None);
    s
}

/// A first message from `sender` carrying `docs`.
fn message_from(sender: &Store, docs: Vec<((Id, DocKind), Payload)>) -> Message {
    Message {
        hello: Some(Hello {
            store_id: sender.info.store_id,
            role: sender.info.role,
            person: sender.info.person,
        }),
        docs,
        ..Message::default()
    }
}

/// Runs a whole authenticated session from `a` to `b`.
fn sync(a: &Store, b: &Store) {
    let (mut sa, first) = a.sync_start().unwrap();
    sa.authenticate(Some(peer_info(b)), None);
    let mut sb = session_from(a);
    let mut msg = Some(first);
    let mut to_b = true;
    while let Some(m) = msg.take() {
        let step = if to_b {
            b.sync_receive(&mut sb, &m).unwrap()
        } else {
            a.sync_receive(&mut sa, &m).unwrap()
        };
        msg = step.reply;
        to_b = !to_b;
    }
}

fn add_goal(s: &Store, person: Id, text: &str) -> Id {
    s.add_goal(
        person,
        NewGoal {
            text: text.into(),
            smart_detail: None,
            needs: vec![],
            target_date: None,
        },
    )
    .unwrap()
}

/// `holder`'s copy of `person`'s plan with the goal's text rewritten by a new actor: the
/// document's bytes and the new change's hash.
fn rewrite_goal(holder: &Store, person: Id, goal: Id, text: &str) -> (Vec<u8>, [u8; 32]) {
    let bytes = holder.export_document(person, DocKind::Plan).unwrap();
    let mut doc = AutoCommit::load(&bytes).unwrap();
    let goals = doc.get(ROOT, GOALS).unwrap().unwrap().1;
    let g = doc.get(&goals, goal.to_string()).unwrap().unwrap().1;
    doc.put(&g, "text", text).unwrap();
    let hash = doc.commit().unwrap();
    (doc.save(), hash.0)
}

fn secret(s: &Store) -> crate::identity::SecretKey {
    s.read(identity::secret_key).unwrap()
}

struct Team {
    _dir: tempfile::TempDir,
    org: OrgSigner,
    relay: Store,
    receiver: Store,
    phone: Store,
    rose: Id,
    goal: Id,
}

/// Two enrolled link workers holding Rose's plan with one goal, and Rose's phone paired by
/// the receiver.
fn team() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let relay = link_worker(&dir, "Kim");
    let receiver = link_worker(&dir, "Sam");
    enrol(&org, &relay, ALL);
    enrol(&org, &receiver, ALL);
    let rose = receiver
        .add_person(NewPerson {
            given_name: "Rose".into(),
            family_name: "Hill".into(),
            ..Default::default()
        })
        .unwrap();
    let goal = add_goal(&receiver, rose, "walk to the shops");
    sync(&receiver, &relay);
    let offer = receiver.pair_patient(rose, 30).unwrap();
    let phone = Store::create_paired(
        dir.path().join("phone.db"),
        &offer.encode(),
        &offer.code(),
        "Rose",
        &StoreKey::unencrypted(),
    )
    .unwrap();
    Team {
        _dir: dir,
        org,
        relay,
        receiver,
        phone,
        rose,
        goal,
    }
}

fn goal_text(s: &Store, person: Id) -> String {
    s.plan(person).unwrap().goals[0].text.clone()
}

#[test]
fn a_patient_signed_change_to_a_link_workers_field_is_refused_even_from_a_link_worker() {
    let t = team();
    let (doc, hash) = rewrite_goal(&t.relay, t.rose, t.goal, "nothing");
    let mut msg = message_from(
        &t.relay,
        vec![((t.rose, DocKind::Plan), Payload::Whole(doc))],
    );
    msg.signatures = vec![ChangeSignature::sign(&secret(&t.phone), hash, false, 0)];
    msg.certificates = vec![cert_bytes(&t.phone)];
    let err = t
        .receiver
        .sync_receive(&mut session_from(&t.relay), &msg.encode())
        .unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err:?}");
    assert_eq!(goal_text(&t.receiver, t.rose), "walk to the shops");
    assert!(t
        .receiver
        .read(|c| signatures::get(c, t.rose, DocKind::Plan, &hash))
        .unwrap()
        .is_none());

    // Control: the same change signed by the link worker relaying it is accepted.
    msg.signatures = vec![ChangeSignature::sign(&secret(&t.relay), hash, false, 0)];
    msg.certificates = vec![cert_bytes(&t.relay)];
    t.receiver
        .sync_receive(&mut session_from(&t.relay), &msg.encode())
        .unwrap();
    assert_eq!(goal_text(&t.receiver, t.rose), "nothing");
}

#[test]
fn a_change_with_a_missing_bad_or_untrusted_signature_is_refused_and_nothing_is_kept() {
    let t = team();
    let (doc, hash) = rewrite_goal(&t.relay, t.rose, t.goal, "nothing");
    let signed = ChangeSignature::sign(&secret(&t.relay), hash, false, 0);
    let send = |signatures: Vec<ChangeSignature>, certificates: Vec<Vec<u8>>| {
        let mut msg = message_from(
            &t.relay,
            vec![((t.rose, DocKind::Plan), Payload::Whole(doc.clone()))],
        );
        msg.signatures = signatures;
        msg.certificates = certificates;
        t.receiver
            .sync_receive(&mut session_from(&t.relay), &msg.encode())
    };
    let untrusted = |r: Result<_, Error>| match r {
        Err(Error::Untrusted(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let heads_before = t
        .receiver
        .read(crate::storage::documents::all_heads)
        .unwrap();
    // No signature.
    assert_eq!(
        untrusted(send(vec![], vec![cert_bytes(&t.relay)])),
        Refusal::Unsigned
    );
    // A signature that does not verify.
    let mut bad = signed;
    bad.signature[0] ^= 1;
    assert_eq!(
        untrusted(send(vec![bad], vec![cert_bytes(&t.relay)])),
        Refusal::BadSignature
    );
    // Signed by a device of another organisation.
    let other_org = OrgSigner::create("Elsewhere").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stranger = link_worker(&dir, "Eve");
    enrol(&other_org, &stranger, ALL);
    let by_stranger = ChangeSignature::sign(&secret(&stranger), hash, false, 0);
    assert_eq!(
        untrusted(send(vec![by_stranger], vec![cert_bytes(&stranger)])),
        Refusal::OtherOrganisation
    );
    // Signed by a device whose certificate neither came nor is known.
    let unknown = link_worker(&dir, "Una");
    let by_unknown = ChangeSignature::sign(&secret(&unknown), hash, false, 0);
    assert_eq!(
        untrusted(send(vec![by_unknown], vec![])),
        Refusal::UnknownSigner
    );
    // Signed by a revoked device.
    let list = t
        .org
        .revoke(None, t.relay.device_key().unwrap(), now() - 5)
        .unwrap();
    t.receiver.update_trust(&list.encode()).unwrap();
    assert_eq!(
        untrusted(send(vec![signed], vec![cert_bytes(&t.relay)])),
        Refusal::Revoked
    );
    // Nothing of any of these messages was kept.
    assert_eq!(goal_text(&t.receiver, t.rose), "walk to the shops");
    assert_eq!(
        t.receiver
            .read(crate::storage::documents::all_heads)
            .unwrap(),
        heads_before
    );
    assert!(t
        .receiver
        .read(|c| signatures::get(c, t.rose, DocKind::Plan, &hash))
        .unwrap()
        .is_none());
    for k in [
        stranger.device_key().unwrap(),
        unknown.device_key().unwrap(),
    ] {
        assert!(t
            .receiver
            .read(|c| signatures::certificate(c, &k))
            .unwrap()
            .is_none());
    }
}

#[test]
fn a_revoked_signers_earlier_change_is_accepted_when_a_link_worker_attests_it() {
    let t = team();
    let (doc, hash) = rewrite_goal(&t.relay, t.rose, t.goal, "nothing");
    let by_relay = ChangeSignature::sign(&secret(&t.relay), hash, false, now() - 60);
    let list = t
        .org
        .revoke(None, t.relay.device_key().unwrap(), now() - 30)
        .unwrap();
    t.receiver.update_trust(&list.encode()).unwrap();
    // Relayed by a third, trusted link worker who verified it before the revocation.
    let dir = tempfile::tempdir().unwrap();
    let third = link_worker(&dir, "Lee");
    enrol(&t.org, &third, ALL);
    let mut msg = message_from(&third, vec![((t.rose, DocKind::Plan), Payload::Whole(doc))]);
    msg.signatures = vec![by_relay];
    msg.certificates = vec![cert_bytes(&t.relay)];
    t.receiver
        .sync_receive(&mut session_from(&third), &msg.encode())
        .unwrap();
    assert_eq!(goal_text(&t.receiver, t.rose), "nothing");
}

#[test]
fn a_tombstone_without_the_erase_permission_or_a_signature_is_refused() {
    let t = team();
    let dir = tempfile::tempdir().unwrap();
    let no_erase = link_worker(&dir, "Noel");
    enrol(
        &t.org,
        &no_erase,
        Permissions {
            can_erase: false,
            can_enrol_patients: false,
        },
    );
    let at = chrono::Utc::now().timestamp_millis();
    let send = |from: &Store, sig: Option<TombstoneSignature>| {
        let mut msg = message_from(from, vec![]);
        msg.tombstones = vec![(t.rose, at)];
        if let Some(sig) = sig {
            msg.tombstone_signatures.insert(t.rose, sig);
        }
        msg.certificates = vec![cert_bytes(from)];
        t.receiver
            .sync_receive(&mut session_from(from), &msg.encode())
    };
    let err = send(
        &no_erase,
        Some(TombstoneSignature::sign(&secret(&no_erase), t.rose, at)),
    )
    .unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err:?}");
    let err = send(&t.relay, None).unwrap_err();
    assert!(
        matches!(err, Error::Untrusted(Refusal::Unsigned)),
        "{err:?}"
    );
    // Signed for another time than the tombstone says.
    let err = send(
        &t.relay,
        Some(TombstoneSignature::sign(&secret(&t.relay), t.rose, at - 1)),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Untrusted(Refusal::BadSignature)),
        "{err:?}"
    );
    assert!(t.receiver.erased_people().unwrap().is_empty());
    t.receiver.plan(t.rose).unwrap();

    // Control: signed by a device allowed to erase, the tombstone erases Rose.
    send(
        &t.relay,
        Some(TombstoneSignature::sign(&secret(&t.relay), t.rose, at)),
    )
    .unwrap();
    assert_eq!(t.receiver.erased_people().unwrap().len(), 1);
    assert!(t.receiver.plan(t.rose).is_err());
}
