//! Failures mid-sync, while a phone uploads its caseload to the hub in batches (each stored in
//! one transaction when it arrives): a hub node (the real `linkwork-hub serve` process) killed
//! with SIGKILL, on SQLite and on PostgreSQL, and the PostgreSQL server stopped and started
//! again. The phone gets a retryable error (`LinkWorkError::Hub { retryable: true }` in the
//! bindings), the hub holds exactly the batches it acknowledged, and the next syncs converge with nothing lost.

use std::sync::Arc;

use futures_util::SinkExt;
use linkwork_core::hub_client::{HubPhase, HubPurpose, HubSession};
use linkwork_core::model::{DocKind, NewGoal};
use linkwork_core::{Id, Store};
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::Hub;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;
use crate::doc_sync::{heads, held, member, person, Member};
use crate::own_postgres::OwnCluster;

/// People in the uploading phone's caseload: about 15 KB each on the wire, so its first sync
/// takes several 512 KiB batches.
const PEOPLE: usize = 120;

/// `PEOPLE` people in `store`, each with a goal of 20,000 pseudo-random characters.
fn caseload(store: &Store) -> Vec<Id> {
    let mut people: Vec<Id> = (0..PEOPLE)
        .map(|i| {
            let id = person(store, &format!("P{i}"));
            store
                .add_goal(
                    id,
                    NewGoal {
                        text: "keep a diary".into(),
                        smart_detail: Some(random_text(i as u64, 20_000)),
                        needs: vec![],
                        target_date: None,
                    },
                )
                .unwrap();
            id
        })
        .collect();
    people.sort();
    people
}

/// The documents the hub holds for `m`'s caseload.
async fn stored<S: HubStore>(hub: &Hub<S>, m: &Member) -> usize {
    let scope = linkwork_hub::store::SyncScope {
        peer: "count".into(),
        ..m.device.sync_scope()
    };
    hub.store.sync_load(&scope).await.unwrap().documents.len()
}

/// A sync of `store` with the hub at `url` (the core's `HubSession`, as the CLI and the apps
/// run it), stopped once the hub has acknowledged `batches` batches of documents: the session,
/// its connection and the frames the device was about to send (its next batch).
struct Stopped {
    session: HubSession,
    ws: Ws,
    pending: Vec<Vec<u8>>,
}

async fn sync_until_acknowledged(store: &Store, url: &str, tls: &Tls, batches: usize) -> Stopped {
    let mut ws = ws(url, "/connect", tls).await;
    let (mut session, first) = HubSession::start(store, HubPurpose::Sync).unwrap();
    let mut pending = vec![first];
    // The hub's first sync message answers the phone's hello; each later one, a batch it
    // stored.
    let mut answers = 0;
    loop {
        for frame in pending.drain(..) {
            ws.send(Message::Binary(frame.into())).await.unwrap();
        }
        let frame = next_frame(&mut ws).await.expect("the hub answers");
        let syncing = session.phase() == HubPhase::Syncing;
        let step = session.receive(store, &frame).unwrap();
        assert!(!step.done, "the sync completed before {batches} batches");
        pending = step.send;
        if syncing {
            answers += 1;
            if answers > batches {
                return Stopped {
                    session,
                    ws,
                    pending,
                };
            }
        }
    }
}

/// Goes on with a stopped sync: sends what was pending and reads until the exchange ends.
async fn go_on(store: &Store, stopped: Stopped) -> linkwork_core::Result<()> {
    let Stopped {
        mut session,
        mut ws,
        pending,
    } = stopped;
    let mut outgoing = pending;
    loop {
        for frame in outgoing.drain(..) {
            // A connection the hub lost shows as the next read's end.
            let _ = ws.send(Message::Binary(frame.into())).await;
        }
        let Some(frame) = next_frame(&mut ws).await else {
            return session.closed();
        };
        let step = session.receive(store, &frame)?;
        if step.done {
            return Ok(());
        }
        outgoing = step.send;
    }
}

/// The error is the hub client's, and retryable: what the bindings' one mapping site turns into
/// `LinkWorkError::Hub { retryable: true }` (`core/src/ffi_error.rs`), and the CLI into exit 75.
fn assert_retryable(err: linkwork_core::Error) {
    assert!(
        matches!(&err, linkwork_core::Error::Hub(e) if e.retryable()),
        "{err:?}"
    );
}

/// After a failure: Ann's next sync sends the rest, and a team lead's phone receives every
/// person, identical to Ann's.
async fn converges<S: HubStore>(hub: &Hub<S>, ann: &Member, lena: &Member, url: &str, tls: &Tls) {
    let people = held(&ann.phone.store);
    hub_session_sync(&ann.phone.store, url, tls).await.unwrap();
    assert_eq!(stored(hub, ann).await, 2 * PEOPLE);
    hub_session_sync(&lena.phone.store, url, tls).await.unwrap();
    assert_eq!(held(&lena.phone.store), people);
    for p in people {
        for kind in [DocKind::Plan, DocKind::Case] {
            assert_eq!(
                heads(&ann.phone.store, p, kind),
                heads(&lena.phone.store, p, kind)
            );
        }
    }
}

async fn a_hub_node_killed_mid_sync<S: HubStore>(d: Deployment, hub: Hub<S>) {
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let lena = member(&hub, "lena", UserRole::TeamLead, "North").await;
    assert_eq!(caseload(&ann.phone.store).len(), PEOPLE);
    let tls = tls();
    let mut node = HubProcess::spawn(&d, &tls);
    let stopped = sync_until_acknowledged(&ann.phone.store, &node.url, &tls, 1).await;
    let acknowledged = stored(&hub, &ann).await;
    node.kill();
    // The kill landed mid-sync: the hub had stored the first batch, not the whole caseload.
    assert!(
        acknowledged > 0 && acknowledged < 2 * PEOPLE,
        "{acknowledged} of {} documents stored before the kill",
        2 * PEOPLE
    );
    assert_retryable(go_on(&ann.phone.store, stopped).await.unwrap_err());
    // Nothing half-stored: what the hub acknowledged, no more.
    assert_eq!(stored(&hub, &ann).await, acknowledged);

    // Another node on the same database takes over.
    let node = HubProcess::spawn(&d, &tls);
    converges(&hub, &ann, &lena, &node.url, &tls).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_node_killed_mid_sync_on_sqlite_loses_nothing() {
    let (d, hub) = init_sqlite("Northside").await;
    a_hub_node_killed_mid_sync(d, hub).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_node_killed_mid_sync_on_postgres_loses_nothing() {
    let Some((d, hub)) = init_postgres(
        "a_hub_node_killed_mid_sync_on_postgres_loses_nothing",
        "Northside",
    )
    .await
    else {
        return;
    };
    a_hub_node_killed_mid_sync(d, hub).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_postgres_restart_mid_sync_loses_nothing() {
    let Some(cluster) = OwnCluster::start("a_postgres_restart_mid_sync_loses_nothing") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::init(
        PgStore::open(&cluster.url).await.unwrap(),
        KeyFile::create("Northside").unwrap(),
        &dir.path().join("hub.key"),
    )
    .await
    .unwrap();
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let lena = member(&hub, "lena", UserRole::TeamLead, "North").await;
    caseload(&ann.phone.store);
    let tls = tls();
    let hub = Arc::new(hub);
    let (running, url) = start(Arc::clone(&hub), &tls, fast()).await;
    let stopped = sync_until_acknowledged(&ann.phone.store, &url, &tls, 1).await;
    let acknowledged = stored(&hub, &ann).await;
    assert!(acknowledged > 0 && acknowledged < 2 * PEOPLE);

    // The database goes down before the hub stores the next batch: the hub tells the phone
    // to sync again later (it closes the connection with "try again"), and stores nothing.
    cluster.stop();
    assert_retryable(go_on(&ann.phone.store, stopped).await.unwrap_err());
    cluster.start_again();
    assert_eq!(stored(&hub, &ann).await, acknowledged);

    // The same node, reconnected to the restarted database.
    converges(&hub, &ann, &lena, &url, &tls).await;
    running.stop().await;
}
