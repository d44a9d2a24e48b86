//! The authenticated connection after enrolment: an enrolled phone opens the Noise channel with
//! the hub inside TLS WebSocket and receives the revocation list; unenrolled, foreign,
//! expired and revoked devices are refused (audited) and receive nothing; a revoked device's
//! live connection closes within seconds, also when revoked by another hub process on the same
//! PostgreSQL.

use std::time::Duration;

use linkwork_core::identity::enrolment::HubMessage;
use linkwork_core::identity::{
    CertRole, CertificateRequest, ChannelPolicy, OrgSigner, Permissions, Refusal, SecretKey,
};
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::Hub;

use crate::common::*;

/// An enrolled phone on `hub` (returns it with the hub's URL).
async fn enrolled<S: HubStore>(hub: &Hub<S>, url: &str, tls: &Tls, name: &str) -> Phone {
    let code = hub.invite(name, 1).await.unwrap().0;
    let p = phone("phone");
    enrol(&p, url, tls, &code).await;
    assert!(p.store.device_identity().unwrap().is_enrolled());
    p
}

async fn phones_connect_receive_revocations_and_revoked_phones_are_cut_off<S: HubStore>(
    hub: Hub<S>,
    admin: impl AsyncFn(&str),
) {
    let tls = tls();
    hub.add_user("Asha", UserRole::LinkWorker, None)
        .await
        .unwrap();
    hub.add_user("Ben", UserRole::LinkWorker, None)
        .await
        .unwrap();
    let hub = std::sync::Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, fast()).await;
    let asha = enrolled(&hub, &url, &tls, "Asha").await;
    let ben = enrolled(&hub, &url, &tls, "Ben").await;

    // Asha connects: the hub proves it is the organisation's hub, and sends the (empty) list.
    let Connected::Open(mut asha_live, first) = connect_phone(&asha, &url, &tls).await else {
        panic!("an enrolled phone is admitted");
    };
    assert_eq!(first, HubMessage::Revocations(None));
    let Connected::Open(mut ben_live, _) = connect_phone(&ben, &url, &tls).await else {
        panic!("an enrolled phone is admitted");
    };

    // Ben's device is revoked (by `admin`: this node, or another process on the database).
    let ben_key = ben.store.device_key().unwrap().to_hex();
    admin(&ben_key).await;
    assert!(
        ben_live.closed_within(Duration::from_secs(5)).await,
        "a revoked device's live connection closes within seconds"
    );
    // Asha stays connected and receives the new list, which her phone installs.
    let Some(HubMessage::Revocations(Some(list))) =
        tokio::time::timeout(Duration::from_secs(5), asha_live.next())
            .await
            .unwrap()
    else {
        panic!("the new list reaches connected devices");
    };
    let installed = asha.store.update_trust(&list).unwrap();
    assert!(installed.revokes(&ben.store.device_key().unwrap()));
    assert_eq!(
        asha.store
            .device_identity()
            .unwrap()
            .revocations
            .unwrap()
            .version,
        1
    );

    // Ben's next connection is refused and he receives nothing beyond the handshake: his key
    // is certified by the organisation, so the channel opens (the hub's certificate is the
    // fourth handshake message) and the hub, checking its table and list, closes it.
    match connect_phone(&ben, &url, &tls).await {
        Connected::HubRefused { received } => assert_eq!(received.len(), 2),
        _ => panic!("a revoked device is refused"),
    }
    // A fresh connection of Asha's gets the list at once.
    let Connected::Open(_, HubMessage::Revocations(Some(again))) =
        connect_phone(&asha, &url, &tls).await
    else {
        panic!("admitted");
    };
    assert_eq!(again, list);
    node.stop().await;

    let log = hub.store.audit_log().await.unwrap();
    let auth = events(&log, "authenticate");
    assert_eq!(auth.len(), 3);
    assert_eq!(
        auth[0].entry.device.as_deref(),
        Some(asha.store.device_key().unwrap().to_hex().as_str())
    );
    assert_eq!(auth[0].entry.user.as_deref(), Some("Asha"));
    let revoke = events(&log, "revoke");
    assert_eq!(revoke[0].entry.device.as_deref(), Some(ben_key.as_str()));
    assert_eq!(revoke[0].entry.user.as_deref(), Some("Ben"));
    let cut = events(&log, "disconnect");
    assert_eq!(cut[0].entry.device.as_deref(), Some(ben_key.as_str()));
    let refused = events(&log, "authenticate-refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].entry.device.as_deref(), Some(ben_key.as_str()));
    assert!(refused[0]
        .entry
        .detail
        .as_deref()
        .unwrap()
        .starts_with("revoked"));
}

#[tokio::test]
async fn revocation_on_sqlite_reaches_phones_and_cuts_off_the_revoked_one() {
    let (d, hub) = init_sqlite("Northside").await;
    let d = std::sync::Arc::new(d);
    phones_connect_receive_revocations_and_revoked_phones_are_cut_off(hub, async |key: &str| {
        // `linkwork-hub device revoke`, another process on the same SQLite file.
        let out = hub_cli(&d, &["device", "revoke", key]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    })
    .await;
}

#[tokio::test]
async fn revocation_through_another_hub_process_on_postgres_cuts_off_the_live_connection() {
    let Some((d, hub)) = init_postgres("revocation_other_process", "Northside").await else {
        return;
    };
    phones_connect_receive_revocations_and_revoked_phones_are_cut_off(hub, async |key: &str| {
        // Another process on the same database: this node hears of it by LISTEN/NOTIFY (its
        // poll is set to 30 s, so only the notification can close the connection in time).
        let out = hub_cli(&d, &["device", "revoke", key]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    })
    .await;
}

/// Devices the hub must not admit: from another organisation, unenrolled (a certificate of
/// this organisation the hub never issued), expired. Each is refused, audited, and receives
/// nothing but the hub's handshake message.
async fn strangers_are_refused<S: HubStore>(hub: Hub<S>, keys: linkwork_hub::keyfile::KeyFile) {
    let tls = tls();
    let hub = std::sync::Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, fast()).await;
    let now = linkwork_hub::authority::now();
    let device = |org: &OrgSigner, issued: i64, days: u32| {
        let key = SecretKey::generate().unwrap();
        let req = CertificateRequest {
            device: key.public(),
            store_id: linkwork_core::Id::new(),
            user: "Mallory".into(),
            role: CertRole::LinkWorker,
            person: None,
        };
        let cert = org
            .issue(
                &req,
                CertRole::LinkWorker,
                Permissions::default(),
                issued,
                days,
            )
            .unwrap();
        ChannelPolicy {
            own: Some((cert, key)),
            root: Some(org.trust_root()),
            revoked: None,
            allow_unenrolled: false,
            now,
        }
    };
    // Each stranger trusts this organisation's hub (an attacker need not check it), so it is
    // the hub that must refuse it.
    let ours = keys.org.trust_root();
    let with_our_root = |mut p: ChannelPolicy| {
        p.root = Some(ours.clone());
        p
    };
    let foreign = OrgSigner::create("Northside").unwrap();
    let cases = [
        (
            "foreign",
            with_our_root(device(&foreign, now, 30)),
            "issued by another organisation",
        ),
        ("unenrolled", device(&keys.org, now, 30), "not enrolled"),
        ("expired", device(&keys.org, now - 3 * 86_400, 1), "expired"),
    ];
    for (what, policy, _) in &cases {
        match connect(clone_policy(policy), &url, &tls).await {
            Connected::HubRefused { received } => {
                // A foreign or expired device gets the hub's handshake reply only, nothing of
                // its certificate; a device of the organisation the hub never enrolled proved
                // a certified key, so the channel opens (the hub's certificate is the fourth
                // message) before the hub refuses it.
                let expected = if *what == "unenrolled" { 2 } else { 1 };
                assert_eq!(
                    received.len(),
                    expected,
                    "{what}: only the hub's handshake messages"
                )
            }
            Connected::DeviceRefused(why) => panic!("{what}: the device refused: {why}"),
            Connected::Open(..) => panic!("{what}: admitted"),
        }
    }
    // A device that does not even speak the channel: refused, nothing sent back.
    let mut garbage = ws(&url, "/connect", &tls).await;
    use futures_util::SinkExt;
    garbage
        .send(tokio_tungstenite::tungstenite::Message::Binary(
            vec![1, 2, 3].into(),
        ))
        .await
        .unwrap();
    assert!(closed_within(&mut garbage, Duration::from_secs(5)).await);
    node.stop().await;

    let log = hub.store.audit_log().await.unwrap();
    let refused = events(&log, "authenticate-refused");
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(events(&log, "authenticate").is_empty());
    for (record, (what, _, reason)) in refused.iter().zip(cases.iter()) {
        let detail = record.entry.detail.as_deref().unwrap();
        assert!(detail.starts_with(reason), "{what}: {detail}");
    }
    // The unenrolled device proved its key: the refusal names it.
    assert!(refused[1].entry.device.is_some());
    assert!(refused[3]
        .entry
        .detail
        .as_deref()
        .unwrap()
        .starts_with("secure channel broken"));
}

fn clone_policy(p: &ChannelPolicy) -> ChannelPolicy {
    ChannelPolicy {
        own: p.own.as_ref().map(|(c, k)| {
            (
                c.clone(),
                SecretKey::from_secret_bytes(k.to_secret_bytes().as_slice()).unwrap(),
            )
        }),
        root: p.root.clone(),
        revoked: p.revoked.clone(),
        allow_unenrolled: p.allow_unenrolled,
        now: p.now,
    }
}

#[tokio::test]
async fn unenrolled_foreign_and_expired_devices_are_refused_on_sqlite() {
    let (d, hub) = init_sqlite("Northside").await;
    let keys = linkwork_hub::keyfile::KeyFile::read(&d.key_file).unwrap();
    strangers_are_refused(hub, keys).await;
}

#[tokio::test]
async fn unenrolled_foreign_and_expired_devices_are_refused_on_postgres() {
    let Some((d, hub)) = init_postgres("strangers_on_postgres", "Northside").await else {
        return;
    };
    let keys = linkwork_hub::keyfile::KeyFile::read(&d.key_file).unwrap();
    strangers_are_refused(hub, keys).await;
}

/// A device's channel refuses a peer that is enrolled in the organisation but is not its hub.
#[tokio::test]
async fn a_phone_refuses_a_peer_that_is_not_the_hub() {
    let org = OrgSigner::create("Northside").unwrap();
    let cert_for = |key: &SecretKey, role| {
        let req = CertificateRequest {
            device: key.public(),
            store_id: linkwork_core::Id::new(),
            user: "x".into(),
            role,
            person: None,
        };
        org.issue(
            &req,
            role,
            Permissions::default(),
            linkwork_hub::authority::now(),
            1,
        )
        .unwrap()
    };
    let admin = linkwork_core::identity::Peer::Verified(Box::new(cert_for(
        &SecretKey::generate().unwrap(),
        CertRole::Admin,
    )));
    assert_eq!(
        linkwork_core::identity::enrolment::require_hub(&admin).unwrap_err(),
        Refusal::RoleMismatch
    );
    let hub = linkwork_core::identity::Peer::Verified(Box::new(cert_for(
        &SecretKey::generate().unwrap(),
        CertRole::Hub,
    )));
    assert!(linkwork_core::identity::enrolment::require_hub(&hub).is_ok());
}
