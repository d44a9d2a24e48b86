//! Enrolment over real TLS WebSocket on loopback, on both storages: a phone with a one-time
//! code receives its certificate (role and name from the hub's user table) and the trust root;
//! used, expired and wrong codes are refused and audited; one code wins exactly one of two
//! concurrent enrolments.

use linkwork_core::identity::enrolment::{EnrolRefused, EnrolReply};
use linkwork_core::identity::CertRole;
use linkwork_core::model::Role;
use linkwork_hub::authority::code_hash;
use linkwork_hub::server::ServeOptions;
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::Hub;

use crate::common::*;

async fn enrols_a_phone_end_to_end<S: HubStore>(hub: Hub<S>) {
    let tls = tls();
    let code = invite(&hub, "Asha Patel", UserRole::TeamLead).await;
    let root = hub.root.clone();
    let (node, url) = start(std::sync::Arc::new(hub), &tls, ServeOptions::default()).await;

    // The phone's store calls its user "phone"; the certificate takes the hub's name and role.
    let phone = phone("phone");
    assert!(!phone.store.device_identity().unwrap().is_enrolled());
    let reply = enrol(&phone, &url, &tls, &code.to_lowercase()).await;
    assert!(matches!(reply, EnrolReply::Enrolled { .. }), "{reply:?}");
    let id = phone.store.device_identity().unwrap();
    assert!(id.is_enrolled());
    let cert = id.certificate.unwrap();
    assert_eq!(cert.name, "Asha Patel");
    assert_eq!(cert.role, CertRole::TeamLead);
    assert!(cert.permissions.can_erase && cert.permissions.can_enrol_patients);
    assert_eq!(id.trust_root.unwrap(), root);
    node.stop().await;
}

#[tokio::test]
async fn enrolment_end_to_end_on_sqlite() {
    let (_d, hub) = init_sqlite("Northside Social Prescribing").await;
    enrols_a_phone_end_to_end(hub).await;
}

#[tokio::test]
async fn enrolment_end_to_end_on_postgres() {
    let Some((_d, hub)) = init_postgres("enrolment_end_to_end_on_postgres", "Northside").await
    else {
        return;
    };
    enrols_a_phone_end_to_end(hub).await;
}

/// Used, expired and wrong codes, and a request that does not fit the invited user, are
/// refused and audited; the phone stays unenrolled.
async fn bad_codes_are_refused_and_audited<S: HubStore>(hub: Hub<S>) {
    let tls = tls();
    let code = invite(&hub, "Ben Okafor", UserRole::LinkWorker).await;
    // An invite that expired an hour ago.
    let ben = hub.store.user_by_name("Ben Okafor").await.unwrap().unwrap();
    let now = linkwork_hub::authority::now();
    hub.store
        .create_invite(
            ben.id,
            code_hash("EXPI-RED0-CODE-0000"),
            now - 7200,
            now - 3600,
        )
        .await
        .unwrap();
    let patient_code = invite(&hub, "Cara Jones", UserRole::LinkWorker).await;
    let (node, url) = start(std::sync::Arc::new(hub), &tls, ServeOptions::default()).await;

    let first = phone("first");
    assert!(matches!(
        enrol(&first, &url, &tls, &code).await,
        EnrolReply::Enrolled { .. }
    ));
    for (bad, what) in [
        (code.as_str(), "used"),
        ("EXPI-RED0-CODE-0000", "expired"),
        ("AAAA-BBBB-CCCC-DDDD", "wrong"),
    ] {
        let other = phone("other");
        assert_eq!(
            enrol(&other, &url, &tls, bad).await,
            EnrolReply::Refused(EnrolRefused::CodeNotValid),
            "{what} code"
        );
        assert!(!other.store.device_identity().unwrap().is_enrolled());
    }
    // A patient's store cannot enrol as a link worker: refused (and the code is spent).
    let patient = phone_with("p", Role::Patient, Some(linkwork_core::Id::new()));
    assert_eq!(
        enrol(&patient, &url, &tls, &patient_code).await,
        EnrolReply::Refused(EnrolRefused::RequestRefused)
    );
    node.stop().await;
}

async fn audit_of_bad_codes<S: HubStore>(store: &S) {
    let log = store.audit_log().await.unwrap();
    let refused = events(&log, "enrol-refused");
    let details: Vec<&str> = refused
        .iter()
        .map(|r| r.entry.detail.as_deref().unwrap())
        .collect();
    assert!(details[0].starts_with("code already used"), "{details:?}");
    assert_eq!(refused[0].entry.user.as_deref(), Some("Ben Okafor"));
    assert!(details[1].starts_with("code expired"), "{details:?}");
    assert!(details[2].starts_with("unknown code"), "{details:?}");
    assert_eq!(refused[2].entry.user, None);
    assert!(details[3].starts_with("role does not match"), "{details:?}");
    assert!(refused.iter().all(|r| r.entry.device.is_some()));
    let enrolled = events(&log, "enrol");
    assert_eq!(enrolled.len(), 1);
    assert_eq!(enrolled[0].entry.user.as_deref(), Some("Ben Okafor"));
}

#[tokio::test]
async fn used_expired_and_wrong_codes_are_refused_and_audited_on_sqlite() {
    let (d, hub) = init_sqlite("Northside").await;
    bad_codes_are_refused_and_audited(hub).await;
    let keys = linkwork_hub::keyfile::KeyFile::read(&d.key_file).unwrap();
    let store =
        linkwork_hub::store::sqlite::SqliteStore::open(&d.sqlite_path(), &keys.database_key())
            .unwrap();
    audit_of_bad_codes(&store).await;
}

#[tokio::test]
async fn used_expired_and_wrong_codes_are_refused_and_audited_on_postgres() {
    let Some((d, hub)) = init_postgres("bad_codes_on_postgres", "Northside").await else {
        return;
    };
    bad_codes_are_refused_and_audited(hub).await;
    let node = second_node(&d).await;
    audit_of_bad_codes(&node.store).await;
    // The log is append-only: the database itself refuses changing or removing an entry.
    let (client, conn) =
        tokio_postgres::connect(d.postgres.as_ref().unwrap(), tokio_postgres::NoTls)
            .await
            .unwrap();
    tokio::spawn(conn);
    for sql in [
        "UPDATE audit SET event = 'x'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ] {
        assert!(client.batch_execute(sql).await.is_err(), "{sql}");
    }
    assert_eq!(node.store.audit_log().await.unwrap().len(), 9);
}

/// Two hub nodes on one PostgreSQL database receive one code at the same moment: exactly one
/// enrolment wins.
#[tokio::test]
async fn two_concurrent_enrolments_with_one_code_exactly_one_wins_on_postgres() {
    let Some((d, hub)) = init_postgres("concurrent_enrolment", "Northside").await else {
        return;
    };
    let tls = tls();
    for round in 0..5 {
        let name = format!("Worker {round}");
        let code = invite(&hub, &name, UserRole::LinkWorker).await;
        let other = second_node(&d).await;
        let (a, b) = (phone("a"), phone("b"));
        let (node_a, url_a) = start(
            std::sync::Arc::new(second_node(&d).await),
            &tls,
            ServeOptions::default(),
        )
        .await;
        let (node_b, url_b) =
            start(std::sync::Arc::new(other), &tls, ServeOptions::default()).await;
        let (ra, rb) = tokio::join!(
            enrol(&a, &url_a, &tls, &code),
            enrol(&b, &url_b, &tls, &code)
        );
        let wins = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, EnrolReply::Enrolled { .. }))
            .count();
        assert_eq!(wins, 1, "round {round}: {ra:?} {rb:?}");
        assert!([&ra, &rb].contains(&&EnrolReply::Refused(EnrolRefused::CodeNotValid)));
        node_a.stop().await;
        node_b.stop().await;
    }
    assert_eq!(hub.store.devices().await.unwrap().len(), 5);
}

/// The claim itself is atomic: many simultaneous claims of one code on one database, one win.
#[tokio::test]
async fn simultaneous_claims_of_one_code_give_one_win_on_postgres() {
    let Some((d, hub)) = init_postgres("simultaneous_claims", "Northside").await else {
        return;
    };
    let code = invite(&hub, "Dee", UserRole::LinkWorker).await;
    let mut nodes = Vec::new();
    for _ in 0..6 {
        nodes.push(second_node(&d).await);
    }
    let now = linkwork_hub::authority::now();
    let claims = futures_util::future::join_all(
        nodes
            .iter()
            .map(|n| n.store.claim_invite(code_hash(&code), now)),
    )
    .await;
    let wins = claims
        .iter()
        .filter(|c| matches!(c, Ok(linkwork_hub::store::Claim::Claimed(_))))
        .count();
    assert_eq!(wins, 1, "{claims:?}");
}

/// A device already enrolled cannot take a second certificate with another code.
#[tokio::test]
async fn a_device_enrolled_once_is_refused_a_second_certificate() {
    let (_d, hub) = init_sqlite("Northside").await;
    let tls = tls();
    let first = invite(&hub, "Asha", UserRole::LinkWorker).await;
    let second = hub.invite("Asha", 1).await.unwrap().0;
    let hub = std::sync::Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, ServeOptions::default()).await;
    let p = phone("phone");
    assert!(matches!(
        enrol(&p, &url, &tls, &first).await,
        EnrolReply::Enrolled { .. }
    ));
    assert_eq!(
        enrol(&p, &url, &tls, &second).await,
        EnrolReply::Refused(EnrolRefused::RequestRefused)
    );
    node.stop().await;
    let log = hub.store.audit_log().await.unwrap();
    let refused = events(&log, "enrol-refused");
    assert!(refused[0]
        .entry
        .detail
        .as_deref()
        .unwrap()
        .starts_with("device already enrolled"));
    assert_eq!(hub.store.devices().await.unwrap().len(), 1);
}

/// A malformed enrolment message is refused and audited; the hub answers and stays up.
#[tokio::test]
async fn a_malformed_enrolment_is_refused_and_audited() {
    use futures_util::{SinkExt, StreamExt};
    let (_d, hub) = init_sqlite("Northside").await;
    let tls = tls();
    let hub = std::sync::Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, ServeOptions::default()).await;
    let mut ws = ws(&url, "/enrol", &tls).await;
    ws.send(tokio_tungstenite::tungstenite::Message::Binary(
        b"LWE\x01garbage".to_vec().into(),
    ))
    .await
    .unwrap();
    let Some(Ok(tokio_tungstenite::tungstenite::Message::Binary(reply))) = ws.next().await else {
        panic!("the hub answers");
    };
    assert_eq!(
        EnrolReply::decode(&reply).unwrap(),
        EnrolReply::Refused(EnrolRefused::RequestRefused)
    );
    node.stop().await;
    let log = hub.store.audit_log().await.unwrap();
    assert!(events(&log, "enrol-refused")[0]
        .entry
        .detail
        .as_deref()
        .unwrap()
        .starts_with("malformed"));
}
