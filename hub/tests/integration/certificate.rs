//! The hub's own certificate (its identity on the authenticated channel): an expired one is
//! refused when the hub opens, with an error that says to renew it; `linkwork-hub serve` warns
//! when it expires soon; `linkwork-hub cert renew` re-issues it before or after expiry, and
//! devices keep syncing across a renewal (a running node presents the new one).

use std::sync::Arc;
use std::time::Duration;

use linkwork_core::identity::{CertRole, Certificate, CertificateRequest, Permissions};
use linkwork_core::model::{DocKind, NewGoal};
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::store::sqlite::SqliteStore;
use linkwork_hub::store::{AuditEntry, HubStore, UserRole};
use linkwork_hub::{Hub, HubError};

use crate::common::*;
use crate::doc_sync::{heads, held, member, person};

/// Replaces the hub's certificate with one issued `issued_secs_ago` seconds ago for `days` days.
async fn reissue<S: HubStore>(d: &Deployment, hub: &Hub<S>, issued_secs_ago: i64, days: u32) {
    let keys = KeyFile::read(&d.key_file).unwrap();
    let old = &hub.certificate;
    let request = CertificateRequest {
        device: old.device,
        store_id: old.store_id,
        user: old.name.clone(),
        role: CertRole::Hub,
        person: None,
    };
    let issued = chrono::Utc::now().timestamp() - issued_secs_ago;
    let cert = keys
        .org
        .issue(
            &request,
            CertRole::Hub,
            Permissions::default(),
            issued,
            days,
        )
        .unwrap();
    let entry = AuditEntry {
        at: issued,
        event: "test-reissue".into(),
        device: None,
        user: None,
        detail: None,
        person: None,
    };
    hub.store
        .set_hub_certificate(&cert.encode(), &entry)
        .await
        .unwrap();
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_hub_certificate_is_refused_until_renewed() {
    let (d, hub) = init_sqlite("Northside").await;
    reissue(&d, &hub, 3 * 86_400, 1).await;
    let open = || async {
        let keys = KeyFile::read(&d.key_file).unwrap();
        let store = SqliteStore::open(&d.sqlite_path(), &keys.database_key()).unwrap();
        Hub::open(store, keys).await
    };
    let Err(err) = open().await else {
        panic!("an expired hub certificate is refused");
    };
    assert!(matches!(err, HubError::CertificateExpired { .. }), "{err}");
    // Every command says what to do, `serve` included.
    for args in [
        &["device", "list"][..],
        &["serve", "--listen", "127.0.0.1:0"],
    ] {
        let out = hub_cli(&d, args);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("run `linkwork-hub cert renew`"),
            "{}",
            stderr(&out)
        );
    }
    let out = hub_cli(&d, &["cert", "renew"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("hub certificate renewed: valid until"));
    let renewed = open().await.unwrap().certificate;
    assert_eq!(renewed.device, hub.certificate.device);
    assert!(renewed.expires_at > chrono::Utc::now().timestamp() + 1800 * 86_400);
    let out = hub_cli(&d, &["cert", "show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("valid until"), "{}", stdout(&out));
    let log = hub.store.audit_log().await.unwrap();
    assert_eq!(events(&log, "hub-certificate-renew").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_warns_of_a_hub_certificate_that_expires_soon() {
    let (d, hub) = init_sqlite("Northside").await;
    // Issued an hour ago for 20 days: 19 whole days left.
    reissue(&d, &hub, 3600, 20).await;
    let _node = HubProcess::spawn(&d, &tls());
    let warned = std::fs::read_to_string(d.dir.path().join("serve.stderr")).unwrap();
    assert!(
        warned.contains("the hub's certificate expires in 19 days")
            && warned.contains("linkwork-hub cert renew"),
        "{warned}"
    );
    let out = hub_cli(&d, &["cert", "show"]);
    assert!(stdout(&out).contains("(19 days left)"), "{}", stdout(&out));
}

/// The hub certificate a phone sees on its next sync with the node at `url`, once it differs
/// from `before` (the node reads the stored certificate on each revocation poll).
async fn next_certificate(
    phone: &Phone,
    url: &str,
    tls: &Tls,
    before: &Certificate,
) -> Certificate {
    for _ in 0..100 {
        let seen = hub_session_sync(&phone.store, url, tls).await.unwrap().hub;
        if seen != *before {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the node never presented the renewed certificate");
}

#[tokio::test(flavor = "multi_thread")]
async fn devices_keep_syncing_across_a_hub_certificate_renewal() {
    let (d, hub) = init_sqlite("Northside").await;
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let lena = member(&hub, "lena", UserRole::TeamLead, "North").await;
    let rose = person(&ann.phone.store, "Rose");
    let tls = tls();
    let hub = Arc::new(hub);
    let (running, url) = start(Arc::clone(&hub), &tls, fast()).await;
    let before = hub_session_sync(&ann.phone.store, &url, &tls)
        .await
        .unwrap()
        .hub;

    // Renewed by the admin command (another process) while the node serves.
    let out = hub_cli(&d, &["cert", "renew", "--days", "400"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = next_certificate(&lena.phone, &url, &tls, &before).await;
    assert_eq!(after.device, before.device);
    assert_eq!(after.store_id, before.store_id);
    assert!(
        after.expires_at < before.expires_at,
        "400 days, not five years"
    );
    assert_eq!(held(&lena.phone.store), vec![rose]);

    // Both phones go on syncing through the renewed hub.
    ann.phone
        .store
        .add_goal(
            rose,
            NewGoal {
                text: "join the walking group".into(),
                smart_detail: None,
                needs: vec![],
                target_date: None,
            },
        )
        .unwrap();
    let outcome = hub_session_sync(&ann.phone.store, &url, &tls)
        .await
        .unwrap();
    assert_eq!(outcome.hub, after);
    hub_session_sync(&lena.phone.store, &url, &tls)
        .await
        .unwrap();
    assert_eq!(
        heads(&ann.phone.store, rose, DocKind::Plan),
        heads(&lena.phone.store, rose, DocKind::Plan)
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_an_expired_tls_certificate_and_warns_of_one_expiring_soon() {
    let (d, _hub) = init_sqlite("Northside").await;
    let now = chrono::Utc::now().timestamp();
    // Expired yesterday: refused before listening, saying when and what to do.
    let expired = tls_valid(now - 90 * 86_400, now - 86_400);
    let (cert, key) = (d.dir.path().join("old.pem"), d.dir.path().join("old.key"));
    std::fs::write(&cert, &expired.cert_pem).unwrap();
    std::fs::write(&key, &expired.key_pem).unwrap();
    let out = hub_cli(
        &d,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let said = stderr(&out);
    assert!(
        said.contains("the TLS certificate (--tls-cert) expired at ")
            && said.contains(&linkwork_hub::error::utc(&(now - 86_400))[..10])
            && said.contains("install a renewed certificate"),
        "{said}"
    );
    // Expiring in 20 days less an hour: 19 whole days left, within the 30 days' warning.
    let soon = tls_valid(now - 86_400, now + 20 * 86_400 - 3600);
    let _node = HubProcess::spawn(&d, &soon);
    let warned = std::fs::read_to_string(d.dir.path().join("serve.stderr")).unwrap();
    assert!(
        warned.contains("the TLS certificate (--tls-cert) expires in 19 days"),
        "{warned}"
    );
    // The hub's own certificate is years from expiry: no warning about it.
    assert!(!warned.contains("the hub's certificate"), "{warned}");
    drop(_node);
    // Forty days left: no warning.
    let _node = HubProcess::spawn(&d, &tls_valid(now - 86_400, now + 40 * 86_400));
    let warned = std::fs::read_to_string(d.dir.path().join("serve.stderr")).unwrap();
    assert!(!warned.contains("warning"), "{warned}");
}
