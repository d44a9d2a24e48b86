//! Round trips of a device's connection (`linkwork_core::hub_client::HubSession` over a real
//! TLS WebSocket): the device's directory request and sync hello travel with its last
//! handshake message, so an idle reconnect is two flights of the device (the channel's first
//! message; its last one with the early requests) and the hub's second flight completes it. A
//! device the hub refuses has its early requests left unopened: nothing is answered, nothing
//! of it recorded beyond the refusal.

use std::sync::Arc;

use futures_util::SinkExt;
use linkwork_core::hub_client::{HubOutcome, HubPurpose, HubSession, EARLY_FRAMES};
use linkwork_core::{Error, Store};
use linkwork_hub::store::{HubStore, UserRole};
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;
use crate::doc_sync::{held, member, person};

/// What one connection looked like from the device.
struct Exchange {
    /// Frames the device sent in each of its flights (a flight: what it sends before it
    /// waits for the hub again).
    flights: Vec<usize>,
    /// Frames the hub sent.
    received: usize,
    /// The outcome, or the device's error when the hub closed first.
    outcome: Result<HubOutcome, Error>,
}

/// One [`HubSession`] of `store` for `purpose` on a new connection to the node at `url`.
async fn exchange(store: &Store, url: &str, tls: &Tls, purpose: HubPurpose) -> Exchange {
    let mut ws = ws(url, "/connect", tls).await;
    let (mut session, first) = HubSession::start(store, purpose).unwrap();
    ws.send(Message::Binary(first.into())).await.unwrap();
    let mut flights = vec![1];
    let mut received = 0;
    loop {
        let Some(frame) = crate::live::next_frame(&mut ws).await else {
            let outcome = session
                .closed()
                .map(|()| unreachable!("closed before done"));
            return Exchange {
                flights,
                received,
                outcome,
            };
        };
        received += 1;
        let step = session.receive(store, &frame).unwrap();
        if !step.send.is_empty() {
            flights.push(step.send.len());
        }
        for f in step.send {
            ws.send(Message::Binary(f.into())).await.unwrap();
        }
        if step.done {
            return Exchange {
                flights,
                received,
                outcome: Ok(session.outcome().unwrap()),
            };
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_reconnect_is_answered_in_the_hubs_second_flight() {
    let tls = tls();
    let (_d, hub) = init_sqlite("Northside").await;
    let hub = Arc::new(hub);
    let asha = member(&hub, "Asha", UserRole::LinkWorker, "North").await;
    let rose = person(&asha.phone.store, "Rose");
    let (node, url) = start(hub.clone(), &tls, fast()).await;

    // The first sync brings Rose to the hub; its first flights are the same as an idle one's.
    let first = exchange(&asha.phone.store, &url, &tls, HubPurpose::Sync).await;
    first.outcome.unwrap();
    assert_eq!(first.flights[..2], [1, 1 + EARLY_FRAMES]);
    assert!(hub.store.person(&rose.to_string()).await.unwrap().is_some());

    // Nothing to do: the channel's first message, then its last with the directory request
    // and the sync hello; the hub answers all of it (its certificate, the revocation list, the
    // directory, the sync answer) and the device sends nothing more.
    let idle = exchange(&asha.phone.store, &url, &tls, HubPurpose::Sync).await;
    let outcome = idle.outcome.unwrap();
    assert_eq!(idle.flights, [1, 1 + EARLY_FRAMES]);
    assert_eq!(idle.received, 5);
    assert!(outcome.changed.is_empty());
    assert_eq!(outcome.stats.messages_sent, 1);
    assert_eq!(outcome.stats.messages_received, 1);

    // Without a sync session: the directory request alone rides with the handshake.
    let connect = exchange(&asha.phone.store, &url, &tls, HubPurpose::Connect).await;
    connect.outcome.unwrap();
    assert_eq!(connect.flights, [1, 2]);
    assert_eq!(connect.received, 4);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_device_has_its_early_requests_left_unopened() {
    let tls = tls();
    let (_d, hub) = init_sqlite("Northside").await;
    let hub = Arc::new(hub);
    let ben = member(&hub, "Ben", UserRole::LinkWorker, "North").await;
    let iris = person(&ben.phone.store, "Iris");
    let key = ben.cert.device.to_hex();
    hub.revoke(&key).await.unwrap();
    let (node, url) = start(hub.clone(), &tls, fast()).await;

    // Ben's device proves its (revoked) key, so the hub shows its certificate (message 4),
    // then closes: the revocation list, the directory and a sync answer never come.
    let refused = exchange(&ben.phone.store, &url, &tls, HubPurpose::Sync).await;
    assert_eq!(refused.flights, [1, 1 + EARLY_FRAMES]);
    assert_eq!(refused.received, 2);
    assert!(matches!(
        refused.outcome,
        Err(Error::Hub(
            linkwork_core::hub_client::HubClientError::Closed(_)
        ))
    ));
    node.stop().await;

    let log = hub.store.audit_log().await.unwrap();
    let refusals = events(&log, "authenticate-refused");
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].entry.device.as_deref(), Some(key.as_str()));
    assert!(events(&log, "authenticate").is_empty());
    assert!(events(&log, "sync-refused").is_empty());
    // Nothing of the device's reached the hub, and nothing of the hub's the device.
    assert!(hub.store.person(&iris.to_string()).await.unwrap().is_none());
    assert_eq!(held(&ben.phone.store), vec![iris]);
}
