//! The device side of the hub against a simulated hub made of core's own parts: the
//! organisation's signer, the hub's channel, and a second store answering the sync session.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use super::*;
use crate::directory::share::{DirectoryMessage, DirectoryStep};
use crate::identity::enrolment::{DeviceMessage, EnrolReply, EnrolRequest, HubMessage};
use crate::identity::{
    CertRole, Certificate, CertificateRequest, Channel, ChannelPolicy, OrgSigner, Peer,
    Permissions, Refusal, SecretKey,
};
use crate::ids::Id;
use crate::model::Role;
use crate::store::test_support::{held, person, test_store};
use crate::{Error, Store};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Enrols `store` with `org` directly (as the hub would), as `role`.
fn enrol_directly(org: &OrgSigner, store: &Store, role: CertRole) -> Certificate {
    let req = CertificateRequest::decode(&store.certificate_request().unwrap()).unwrap();
    let cert = org
        .issue(&req, role, Permissions::default(), now(), 30)
        .unwrap();
    store
        .install_enrolment(&cert.encode(), &org.trust_root().encode())
        .unwrap()
}

/// A certificate of `role` for a fresh key of `org` and the store `store_id`, with that key.
fn certified(org: &OrgSigner, role: CertRole, store_id: Id) -> (Certificate, SecretKey) {
    let key = SecretKey::generate().unwrap();
    let request = CertificateRequest {
        device: key.public(),
        store_id,
        user: "Northside hub".into(),
        role,
        person: None,
    };
    let cert = org
        .issue(&request, role, Permissions::default(), now(), 30)
        .unwrap();
    (cert, key)
}

/// The hub's side of one connection: its channel and, once the device syncs, a session of
/// `answering` (a store standing in for the hub's storage).
struct FakeHub {
    channel: Channel,
    answering: Store,
    session: Option<crate::SyncSession>,
}

impl FakeHub {
    fn new(org: &OrgSigner, role: CertRole, answering: Store) -> FakeHub {
        // The hub's certificate names the answering store, whose hello the phone checks
        // against it.
        let store_id = CertificateRequest::decode(&answering.certificate_request().unwrap())
            .unwrap()
            .store_id;
        let (cert, key) = certified(org, role, store_id);
        let channel = Channel::accept(ChannelPolicy {
            own: Some((cert, key)),
            root: Some(org.trust_root()),
            revoked: None,
            allow_unenrolled: false,
            now: now(),
        })
        .unwrap();
        FakeHub {
            channel,
            answering,
            session: None,
        }
    }

    fn seal(&mut self, message: &HubMessage) -> Vec<u8> {
        self.channel.seal(&message.encode()).unwrap()
    }

    /// Runs the handshake to the end: message 1 from the device, the hub's message 2, the
    /// device's message 3 with its early requests, the hub's message 4. Returns the early
    /// requests (sealed frames), which the hub answers after the revocation list.
    fn handshake(
        &mut self,
        device: &mut HubSession,
        store: &Store,
        first: Vec<u8>,
    ) -> Vec<Vec<u8>> {
        let m2 = self
            .channel
            .receive_handshake(&first)
            .unwrap()
            .expect("message 2");
        let step = device.receive(store, &m2).unwrap();
        assert_eq!(step.phase, HubPhase::Handshake);
        let mut frames = step.send.into_iter();
        let m3 = frames.next().expect("message 3");
        let m4 = self
            .channel
            .receive_handshake(&m3)
            .unwrap()
            .expect("message 4");
        let step = device.receive(store, &m4).unwrap();
        assert_ne!(device.phase(), HubPhase::Handshake);
        assert!(
            step.send.is_empty(),
            "nothing more once the channel is open"
        );
        frames.collect()
    }

    /// Answers one sealed frame from the device as the hub does: a directory request with
    /// `directory`, a sync message with the answering store's reply (or `SyncDone`).
    fn answer(&mut self, frame: &[u8], directory: &DirectoryMessage) -> Vec<u8> {
        let plain = self.channel.open(frame).unwrap();
        if crate::directory::share::is_share_message(&plain) {
            return self.seal(&HubMessage::Directory(directory.clone()));
        }
        let DeviceMessage::Sync(bytes) = DeviceMessage::decode(&plain).unwrap() else {
            panic!("a sync message in one frame");
        };
        let session = self.session.get_or_insert_with(|| {
            // The peer here is only used for the share policy of the answering store.
            crate::sync::engine::accept_authenticated(&Peer::Unenrolled)
        });
        let step = self.answering.sync_receive(session, &bytes).unwrap();
        let reply = match step.reply {
            Some(reply) => HubMessage::Sync(reply),
            None => HubMessage::SyncDone,
        };
        self.seal(&reply)
    }
}

#[test]
fn an_enrolment_installs_the_hubs_answer_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    let org = OrgSigner::create("Northside").unwrap();
    let (mut enrolment, request) = Enrolment::start(&store, " ABCD-EFGH ").unwrap();
    let request = EnrolRequest::decode(&request).unwrap();
    assert_eq!(request.code, "ABCD-EFGH");
    let req = request.certificate_request().unwrap();
    let cert = org
        .issue(
            &req,
            CertRole::LinkWorker,
            Permissions::default(),
            now(),
            30,
        )
        .unwrap();
    let reply = EnrolReply::Enrolled {
        certificate: cert.encode(),
        trust_root: org.trust_root().encode(),
    };
    let installed = enrolment.receive(&store, &reply.encode()).unwrap();
    assert_eq!(installed, cert);
    assert!(store.device_identity().unwrap().is_enrolled());
    assert!(enrolment.closed().is_ok());
    assert!(matches!(
        enrolment.receive(&store, &reply.encode()),
        Err(Error::Hub(HubClientError::Finished))
    ));
}

#[test]
fn a_refused_enrolment_is_typed_and_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    let refused = EnrolReply::Refused(EnrolRefused::CodeNotValid).encode();
    let (mut enrolment, _) = Enrolment::start(&store, "WRONG-CODE").unwrap();
    let err = enrolment.receive(&store, &refused).unwrap_err();
    assert!(matches!(
        err,
        Error::Hub(HubClientError::EnrolRefused(EnrolRefused::CodeNotValid))
    ));
    assert!(!store.device_identity().unwrap().is_enrolled());

    // A hub that closes without answering, an oversized or malformed answer, a bad code.
    let (mut enrolment, _) = Enrolment::start(&store, "ABCD").unwrap();
    assert!(matches!(
        enrolment.closed(),
        Err(Error::Hub(e @ HubClientError::Closed(_))) if e.retryable()
    ));
    let (mut enrolment, _) = Enrolment::start(&store, "ABCD").unwrap();
    assert!(matches!(
        enrolment.receive(&store, &vec![0; MAX_FRAME_BYTES + 1]),
        Err(Error::Hub(HubClientError::TooLarge { .. }))
    ));
    let (mut enrolment, _) = Enrolment::start(&store, "ABCD").unwrap();
    assert!(matches!(
        enrolment.receive(&store, &refused[..refused.len() - 1]),
        Err(Error::Untrusted(Refusal::Malformed))
    ));
    for code in ["", "   ", &"A".repeat(65)] {
        assert!(matches!(
            Enrolment::start(&store, code),
            Err(Error::InvalidInput { field: "code", .. })
        ));
    }
    assert!(!store.device_identity().unwrap().is_enrolled());
}

#[test]
fn a_sync_session_installs_revocations_asks_for_the_directory_and_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgSigner::create("Northside").unwrap();
    let phone = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    enrol_directly(&org, &phone, CertRole::LinkWorker);
    // The hub relays what devices of the organisation signed: a colleague's store stands in.
    let answering = test_store(dir.path(), "hub.db", "hub", Role::LinkWorker);
    enrol_directly(&org, &answering, CertRole::LinkWorker);
    let rose = person(&phone, "Rose");
    let iris = person(&answering, "Iris");
    let mut hub = FakeHub::new(&org, CertRole::Hub, answering);

    let (mut session, first) = HubSession::start(&phone, HubPurpose::Sync).unwrap();
    assert!(session.outcome().is_none());
    let early = hub.handshake(&mut session, &phone, first);
    assert_eq!(
        early.len(),
        EARLY_FRAMES,
        "the directory request and the sync hello"
    );
    assert_eq!(session.phase(), HubPhase::Revocations);
    assert_eq!(session.hub().unwrap().role, CertRole::Hub);

    // The revocation list first: installed (the directory request already went out).
    let list = org
        .revoke(None, SecretKey::generate().unwrap().public(), now())
        .unwrap();
    let frame = hub.seal(&HubMessage::Revocations(Some(list.encode())));
    let step = session.receive(&phone, &frame).unwrap();
    assert_eq!(step.phase, HubPhase::Directory);
    assert!(step.send.is_empty());
    assert_eq!(
        phone
            .device_identity()
            .unwrap()
            .revocations
            .unwrap()
            .version,
        1
    );

    // The hub has no directory; then it answers the sync session's first message.
    let answer = hub.answer(&early[0], &DirectoryMessage::NoDirectory);
    let step = session.receive(&phone, &answer).unwrap();
    assert_eq!(step.phase, HubPhase::Syncing);
    assert!(step.send.is_empty());
    let mut to_hub = vec![early[1].clone()];
    let mut changed = Vec::new();
    let mut rounds = 0;
    while let Some(frame) = to_hub.pop() {
        rounds += 1;
        assert!(rounds < 50, "the session converges");
        let answer = hub.answer(&frame, &DirectoryMessage::NoDirectory);
        let step = session.receive(&phone, &answer).unwrap();
        changed.extend(step.changed);
        if step.done {
            assert!(step.send.is_empty());
            break;
        }
        assert!(step.phase == HubPhase::Syncing, "{:?}", step.phase);
        to_hub = step.send;
    }
    let outcome = session.outcome().unwrap();
    assert_eq!(outcome.revocations.unwrap().version, 1);
    assert!(outcome.revocations_installed);
    assert_eq!(
        outcome.directory,
        Some(DirectoryOutcome::Step(DirectoryStep::NoDirectory))
    );
    assert_eq!(outcome.changed, vec![iris]);
    assert_eq!(changed, vec![iris]);
    assert!(outcome.stats.messages_sent > 0);
    assert_eq!(held(&phone), HashSet::from([rose, iris]));
    assert_eq!(held(&hub.answering), HashSet::from([rose, iris]));
    assert!(session.closed().is_ok());

    // Live mode: a later edit goes out through poll.
    assert_eq!(session.poll(&phone).unwrap(), None);
    let lily = person(&phone, "Lily");
    let frame = session
        .poll(&phone)
        .unwrap()
        .expect("the new person goes out");
    let answer = hub.answer(&frame, &DirectoryMessage::NoDirectory);
    let mut step = session.receive(&phone, &answer).unwrap();
    assert_eq!(step.phase, HubPhase::Done);
    assert!(held(&hub.answering).contains(&lily));
    // Live mode started by the hub (another device's edit reached it): the hub's own poll
    // sends it, the device applies it and answers, and stays in live mode throughout, the
    // hub's "done" included.
    for _ in 0..10 {
        let Some(frame) = step.send.pop() else { break };
        step = session
            .receive(&phone, &hub.answer(&frame, &DirectoryMessage::NoDirectory))
            .unwrap();
    }
    let violet = person(&hub.answering, "Violet");
    let message = hub
        .answering
        .sync_poll(hub.session.as_mut().unwrap())
        .unwrap()
        .expect("the hub's change goes out");
    let mut frame = hub.seal(&HubMessage::Sync(message));
    let mut changed = Vec::new();
    for _ in 0..10 {
        let step = session.receive(&phone, &frame).unwrap();
        assert_eq!(step.phase, HubPhase::Done);
        changed.extend(step.changed);
        let Some(reply) = step.send.into_iter().next() else {
            break;
        };
        frame = hub.answer(&reply, &DirectoryMessage::NoDirectory);
    }
    assert_eq!(changed, vec![violet]);
    assert!(held(&phone).contains(&violet));
    assert_eq!(session.poll(&phone).unwrap(), None);
}

#[test]
fn a_connection_without_sync_ends_with_the_directory_and_a_patient_asks_for_none() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgSigner::create("Northside").unwrap();
    let phone = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    enrol_directly(&org, &phone, CertRole::LinkWorker);
    let answering = test_store(dir.path(), "hub.db", "hub", Role::LinkWorker);
    let mut hub = FakeHub::new(&org, CertRole::Hub, answering);
    let (mut session, first) = HubSession::start(&phone, HubPurpose::Connect).unwrap();
    let early = hub.handshake(&mut session, &phone, first);
    assert_eq!(early.len(), 1, "the directory request alone");
    let step = session
        .receive(&phone, &hub.seal(&HubMessage::Revocations(None)))
        .unwrap();
    assert!(step.send.is_empty());
    let answer = hub.answer(&early[0], &DirectoryMessage::UpToDate);
    let step = session.receive(&phone, &answer).unwrap();
    assert!(step.done && step.send.is_empty());
    let outcome = session.outcome().unwrap();
    assert_eq!(outcome.revocations, None);
    assert!(!outcome.revocations_installed);
    assert_eq!(
        outcome.directory,
        Some(DirectoryOutcome::Step(DirectoryStep::UpToDate))
    );
    assert!(outcome.changed.is_empty());
    // No sync session: no live mode.
    assert!(matches!(
        session.poll(&phone),
        Err(Error::Hub(HubClientError::Finished))
    ));

    // A patient's phone: done with the revocation list, no directory request.
    let patient = test_store(dir.path(), "pt.db", "Rose", Role::Patient);
    enrol_directly(&org, &patient, CertRole::Patient);
    let answering = test_store(dir.path(), "hub2.db", "hub", Role::LinkWorker);
    let mut hub = FakeHub::new(&org, CertRole::Hub, answering);
    let (mut session, first) = HubSession::start(&patient, HubPurpose::Connect).unwrap();
    assert!(hub.handshake(&mut session, &patient, first).is_empty());
    let step = session
        .receive(&patient, &hub.seal(&HubMessage::Revocations(None)))
        .unwrap();
    assert!(step.done && step.send.is_empty());
    assert_eq!(session.outcome().unwrap().directory, None);
}

#[test]
fn a_peer_that_is_not_the_hub_is_refused_and_the_session_stays_failed() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgSigner::create("Northside").unwrap();
    let phone = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    enrol_directly(&org, &phone, CertRole::LinkWorker);
    person(&phone, "Rose");
    let answering = test_store(dir.path(), "x.db", "x", Role::LinkWorker);
    // Another link worker's device posing as the hub.
    let mut impostor = FakeHub::new(&org, CertRole::LinkWorker, answering);
    let (mut session, first) = HubSession::start(&phone, HubPurpose::Sync).unwrap();
    let reply = impostor.channel.receive_handshake(&first).unwrap().unwrap();
    let step = session.receive(&phone, &reply).unwrap();
    let last = impostor
        .channel
        .receive_handshake(&step.send[0])
        .unwrap()
        .unwrap();
    // What went to the unproven peer with message 3: the directory version and a hello with
    // a digest, no document, no person, no signature or certificate of anyone else.
    assert_eq!(step.send.len(), 1 + EARLY_FRAMES);
    let have = impostor.channel.open(&step.send[1]).unwrap();
    assert!(crate::directory::share::is_share_message(&have));
    let DeviceMessage::Sync(hello) =
        DeviceMessage::decode(&impostor.channel.open(&step.send[2]).unwrap()).unwrap()
    else {
        panic!("the early sync frame is one whole message, not a part");
    };
    let hello = crate::sync::wire::Message::decode(&hello).unwrap();
    assert!(hello.hello.is_some());
    assert!(hello.docs.is_empty() && hello.manifest.is_none() && hello.tombstones.is_empty());
    assert!(hello.signatures.is_empty() && hello.certificates.is_empty() && hello.drops.is_empty());
    assert_eq!(hello.doc_count, 0, "not even the caseload's size");
    assert!(matches!(
        session.receive(&phone, &last),
        Err(Error::Untrusted(Refusal::RoleMismatch))
    ));
    assert_eq!(session.phase(), HubPhase::Failed);
    assert!(matches!(
        session.receive(&phone, &last),
        Err(Error::Hub(HubClientError::Finished))
    ));
    assert!(session.outcome().is_none());

    // An unenrolled store cannot start at all.
    let unenrolled = test_store(dir.path(), "u.db", "u", Role::LinkWorker);
    assert!(matches!(
        HubSession::start(&unenrolled, HubPurpose::Sync),
        Err(Error::Untrusted(_))
    ));
}

#[test]
fn messages_out_of_place_oversized_frames_and_early_closes_end_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgSigner::create("Northside").unwrap();
    let phone = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    enrol_directly(&org, &phone, CertRole::LinkWorker);
    let open = |name: &str| {
        let answering = test_store(dir.path(), name, "hub", Role::LinkWorker);
        let mut hub = FakeHub::new(&org, CertRole::Hub, answering);
        let (mut session, first) = HubSession::start(&phone, HubPurpose::Sync).unwrap();
        let early = hub.handshake(&mut session, &phone, first);
        (hub, session, early)
    };

    // A sync message before the revocation list and the directory.
    let (mut hub, mut session, _) = open("a.db");
    let frame = hub.seal(&HubMessage::SyncDone);
    assert!(matches!(
        session.receive(&phone, &frame),
        Err(Error::Hub(HubClientError::Unexpected(_)))
    ));
    assert_eq!(session.phase(), HubPhase::Failed);

    // A directory message while syncing; the end of a session before this side completed.
    let (mut hub, mut session, early) = open("b.db");
    session
        .receive(&phone, &hub.seal(&HubMessage::Revocations(None)))
        .unwrap();
    let answer = hub.answer(&early[0], &DirectoryMessage::NoDirectory);
    session.receive(&phone, &answer).unwrap();
    assert_eq!(session.phase(), HubPhase::Syncing);
    let frame = hub.seal(&HubMessage::Directory(DirectoryMessage::UpToDate));
    assert!(matches!(
        session.receive(&phone, &frame),
        Err(Error::Hub(HubClientError::Unexpected(_)))
    ));
    let (mut hub, mut session, early) = open("c.db");
    session
        .receive(&phone, &hub.seal(&HubMessage::Revocations(None)))
        .unwrap();
    let answer = hub.answer(&early[0], &DirectoryMessage::NoDirectory);
    session.receive(&phone, &answer).unwrap();
    assert!(matches!(
        session.receive(&phone, &hub.seal(&HubMessage::SyncDone)),
        Err(Error::Hub(HubClientError::Unexpected(_)))
    ));

    // A frame over the bound is refused before it is opened; a frame that does not open.
    let (_hub, mut session, _) = open("d.db");
    assert!(matches!(
        session.receive(&phone, &vec![0; MAX_FRAME_BYTES + 1]),
        Err(Error::Hub(HubClientError::TooLarge { .. }))
    ));
    let (_hub, mut session, _) = open("e.db");
    assert!(matches!(
        session.receive(&phone, b"not sealed"),
        Err(Error::Untrusted(_))
    ));

    // The hub closes: during the handshake (it refused the device) and mid-session.
    let (mut session, _) = HubSession::start(&phone, HubPurpose::Sync).unwrap();
    assert!(matches!(
        session.closed(),
        Err(Error::Hub(e @ HubClientError::Closed(_))) if e.retryable()
    ));
    let (mut hub, mut session, _) = open("f.db");
    session
        .receive(&phone, &hub.seal(&HubMessage::Revocations(None)))
        .unwrap();
    assert!(matches!(
        session.closed(),
        Err(Error::Hub(HubClientError::Closed(_)))
    ));
}

#[test]
fn an_idle_reconnect_is_answered_with_the_hubs_last_handshake_message() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgSigner::create("Northside").unwrap();
    let phone = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    enrol_directly(&org, &phone, CertRole::LinkWorker);
    let answering = test_store(dir.path(), "hub.db", "hub", Role::LinkWorker);
    enrol_directly(&org, &answering, CertRole::LinkWorker);
    let rose = person(&phone, "Rose");
    let mut hub = FakeHub::new(&org, CertRole::Hub, answering);
    // A first session brings both sides in step.
    let (mut session, first) = HubSession::start(&phone, HubPurpose::Sync).unwrap();
    let early = hub.handshake(&mut session, &phone, first);
    session
        .receive(&phone, &hub.seal(&HubMessage::Revocations(None)))
        .unwrap();
    let answer = hub.answer(&early[0], &DirectoryMessage::NoDirectory);
    session.receive(&phone, &answer).unwrap();
    let mut to_hub = vec![early[1].clone()];
    while let Some(frame) = to_hub.pop() {
        let step = session
            .receive(&phone, &hub.answer(&frame, &DirectoryMessage::NoDirectory))
            .unwrap();
        to_hub = step.send;
    }
    assert_eq!(session.phase(), HubPhase::Done);
    assert!(held(&hub.answering).contains(&rose));

    // The reconnect with nothing to do: after message 3 and its early requests, the device
    // sends nothing more; the hub's flight (message 4, the revocation list, the directory,
    // the sync answer) completes it.
    let answering = hub.answering;
    let mut hub = FakeHub::new(&org, CertRole::Hub, answering);
    let (mut session, first) = HubSession::start(&phone, HubPurpose::Sync).unwrap();
    let m2 = hub.channel.receive_handshake(&first).unwrap().unwrap();
    let step = session.receive(&phone, &m2).unwrap();
    assert_eq!(step.send.len(), 1 + EARLY_FRAMES);
    let mut frames = step.send.into_iter();
    let m4 = hub
        .channel
        .receive_handshake(&frames.next().unwrap())
        .unwrap()
        .unwrap();
    let mut flight = vec![m4, hub.seal(&HubMessage::Revocations(None))];
    for early in frames {
        flight.push(hub.answer(&early, &DirectoryMessage::UpToDate));
    }
    let mut last = None;
    for frame in flight {
        let step = session.receive(&phone, &frame).unwrap();
        assert!(
            step.send.is_empty(),
            "the device waits for nothing: {:?}",
            step.phase
        );
        last = Some(step);
    }
    let last = last.unwrap();
    assert!(last.done);
    let outcome = session.outcome().unwrap();
    assert!(outcome.changed.is_empty());
    assert_eq!(
        outcome.directory,
        Some(DirectoryOutcome::Step(DirectoryStep::UpToDate))
    );
    assert_eq!(outcome.stats.messages_sent, 1);
    assert_eq!(outcome.stats.messages_received, 1);
}

#[test]
fn nothing_the_hub_sends_is_opened_before_it_proves_itself() {
    let dir = tempfile::tempdir().unwrap();
    let org = OrgSigner::create("Northside").unwrap();
    let phone = test_store(dir.path(), "p.db", "Asha", Role::LinkWorker);
    enrol_directly(&org, &phone, CertRole::LinkWorker);
    let answering = test_store(dir.path(), "hub.db", "hub", Role::LinkWorker);
    let iris = person(&answering, "Iris");
    let mut hub = FakeHub::new(&org, CertRole::Hub, answering);
    let (mut session, first) = HubSession::start(&phone, HubPurpose::Sync).unwrap();
    let m2 = hub.channel.receive_handshake(&first).unwrap().unwrap();
    let step = session.receive(&phone, &m2).unwrap();
    let mut frames = step.send.into_iter();
    hub.channel
        .receive_handshake(&frames.next().unwrap())
        .unwrap()
        .unwrap();
    let have = frames.next().unwrap();
    let hello = frames.next().unwrap();
    hub.answer(&have, &DirectoryMessage::NoDirectory);
    // The hub's sync answer (it carries Iris) arrives in place of message 4: refused, and
    // nothing of it stored.
    let answer = hub.answer(&hello, &DirectoryMessage::NoDirectory);
    assert!(matches!(
        session.receive(&phone, &answer),
        Err(Error::Untrusted(Refusal::ChannelBroken))
    ));
    assert_eq!(session.phase(), HubPhase::Failed);
    assert!(!held(&phone).contains(&iris));
    assert!(session.outcome().is_none());
}
