//! Limits before a device has authenticated: a peer that has not proven an enrolled device's
//! key cannot make the hub read a large frame (the WebSocket's 4 MiB limit only applies once
//! the device is admitted), and a node holds only so many unauthenticated connections at once;
//! an admitted device's connection counts against neither.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linkwork_hub::server::ServeOptions;
use linkwork_hub::store::{HubStore, UserRole};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

/// A TLS WebSocket to the hub's `/connect`, or `None` when the hub closed the connection
/// before the WebSocket opened.
async fn try_connect_ws(url: &str, tls: &Tls) -> Option<Ws> {
    let config = linkwork_hub::tls::client_config(tls.cert_pem.as_bytes()).unwrap();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .ok()?;
    let request = format!("{url}/connect").into_client_request().unwrap();
    let (ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .ok()?;
    Some(ws)
}

/// The close code the hub sent, or `None` when the connection ended without a close frame.
async fn close_code(ws: &mut Ws) -> Option<CloseCode> {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return None,
        }
    }
}

#[tokio::test]
async fn a_megabyte_frame_before_authentication_is_cut_off_unread_and_audited() {
    let tls = tls();
    let (_d, hub) = init_sqlite("North").await;
    let hub = Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, fast()).await;

    let mut ws = try_connect_ws(&url, &tls).await.unwrap();
    // The hub stops reading after its pre-authentication budget: the send may fail part way.
    let _ = ws
        .send(Message::Binary(vec![0u8; 1024 * 1024].into()))
        .await;
    assert!(
        closed_within(&mut ws, Duration::from_secs(30)).await,
        "the hub closes the connection"
    );
    node.stop().await;

    let log = hub.store.audit_log().await.unwrap();
    let refused = events(&log, "authenticate-refused");
    assert_eq!(refused.len(), 1);
    let detail = refused[0].entry.detail.as_deref().unwrap();
    assert!(
        detail.starts_with("pre-authentication limit exceeded"),
        "refused before the frame was read whole (it would otherwise fail as a malformed \
         handshake message): {detail}"
    );
}

#[tokio::test]
async fn an_admitted_device_may_send_large_frames() {
    let tls = tls();
    let (_d, hub) = init_sqlite("North").await;
    let code = invite(&hub, "Asha", UserRole::LinkWorker).await;
    let hub = Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, fast()).await;
    let asha = phone("Asha");
    enrol(&asha, &url, &tls, &code).await;

    let Connected::Open(mut live, _) = connect_phone(&asha, &url, &tls).await else {
        panic!("an enrolled phone is admitted");
    };
    // A 1 MiB sealed frame is read whole once admitted: the hub opens it, finds no device
    // message in it and closes with a protocol error (rather than cutting the stream).
    let frame = live.channel.seal(&vec![0u8; 1024 * 1024]).unwrap();
    live.ws.send(Message::Binary(frame.into())).await.unwrap();
    assert_eq!(close_code(&mut live.ws).await, Some(CloseCode::Protocol));
    node.stop().await;
}

#[tokio::test]
async fn unauthenticated_connections_over_the_cap_are_closed_and_admitted_ones_do_not_count() {
    let tls = tls();
    let (_d, hub) = init_sqlite("North").await;
    let asha_code = invite(&hub, "Asha", UserRole::LinkWorker).await;
    let ben_code = invite(&hub, "Ben", UserRole::LinkWorker).await;
    let hub = Arc::new(hub);
    let options = ServeOptions {
        max_unauthenticated: 2,
        ..fast()
    };
    let (node, url) = start(hub.clone(), &tls, options).await;
    let asha = phone("Asha");
    enrol(&asha, &url, &tls, &asha_code).await;
    let ben = phone("Ben");
    enrol(&ben, &url, &tls, &ben_code).await;
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();

    // Two admitted devices stay connected and leave both places free: two unauthenticated
    // connections are still taken (one a bare TCP connection that sends nothing)...
    let Connected::Open(_asha_live, _) = connect_phone(&asha, &url, &tls).await else {
        panic!("an enrolled phone is admitted");
    };
    let Connected::Open(_ben_live, _) = connect_phone(&ben, &url, &tls).await else {
        panic!("an enrolled phone is admitted");
    };
    let half_open = try_connect_ws(&url, &tls).await;
    assert!(half_open.is_some(), "an admitted device holds no place");
    let idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    // ...and with both places held, the next connection is closed before its TLS handshake.
    // (The bare TCP connection is accepted by the node in its own time: retry, bounded.)
    let mut refused = false;
    for _ in 0..50 {
        if try_connect_ws(&url, &tls).await.is_none() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        refused,
        "a third unauthenticated connection is closed at once"
    );

    // The unauthenticated connections go: their places are free again.
    drop(half_open);
    drop(idle);
    let mut admitted = false;
    for _ in 0..50 {
        if try_connect_ws(&url, &tls).await.is_some() {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(admitted, "places are freed when connections close");
    node.stop().await;
}
