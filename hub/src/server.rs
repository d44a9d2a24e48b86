//! The hub's network side: a TLS WebSocket endpoint (tokio, rustls with `ring`,
//! tokio-tungstenite) with two paths; [`serve_loopback_plain`] serves the same paths over plain
//! WebSocket on the loopback interface only (tests, the demo's embedded hub: the channel inside
//! is authenticated and encrypted either way, and nothing off the machine can reach it).
//!
//! - `/enrol`: one binary message each way — the device's
//!   [`linkwork_core::identity::enrolment::EnrolRequest`], the hub's `EnrolReply` — then close.
//! - `/connect`: an enrolled device runs the authenticated channel
//!   ([`linkwork_core::identity::Channel`], Noise XX with certificates) inside the WebSocket,
//!   one handshake message per binary frame, the device initiating. The hub admits only a
//!   device it enrolled, not revoked and still valid, or a patient's phone paired offline by
//!   one ([`crate::authority::Hub::admit`]; every decision is audited), then sends sealed
//!   [`HubMessage`]s: the current revocation list at once, and again whenever a device is
//!   revoked. When the connected device itself is revoked (on this node or another one: the
//!   revocation watcher), or the device that paired it, its connection is closed within
//!   seconds. A device's sealed frames are [`DeviceMessage`]s: each sync message is applied by
//!   the hub's side of document sync ([`crate::sync`], the core's sync engine over the hub's
//!   storage; a message larger than one WebSocket message comes in parts, joined by
//!   [`crate::sync_join`], and goes out in parts) and answered with [`HubMessage::Sync`], or
//!   [`HubMessage::SyncDone`] when the hub's session is complete; a refused sync message (nothing of it stored) is audited
//!   (`sync-refused`) and closes the connection, as does any other frame.
//!   **Live mode**: the connection stays open after the device's session completes. When a
//!   document changes on the hub (a sync step of any device, on this node or another one:
//!   [`crate::store::HubStore::document_events`], relayed to every connection of the node
//!   through one bounded `broadcast` ring of [`DOCUMENT_EVENTS`] announcements), the hub starts
//!   a round with each live device that may share it ([`crate::sync::poll`], the core engine's
//!   `poll`): the device answers as to any sync message. A connection that falls behind the
//!   ring catches up on everything instead; one with a round in flight keeps a single
//!   "changes waiting" flag and starts its round once the current one completes.
//!   A sealed frame that is a services-directory message (`linkwork_core::directory::share`,
//!   told apart by its magic) is a request for the organisation's services directory (a
//!   `DirectoryMessage::Have`; [`crate::directory`] answers, by the admitted device's role).
//!
//! Every read is bounded in size (WebSocket message limit) and time (handshake deadlines).
//! Before a device is admitted, its connection may send at most
//! [`crate::preauth::PREAUTH_BYTES`] in all ([`crate::preauth::PreAuth`]: the WebSocket's
//! 4 MiB limit only matters once the channel is open), must finish the TLS, WebSocket and
//! channel handshakes within one [`HANDSHAKE_TIMEOUT`], and counts against
//! [`ServeOptions::max_unauthenticated`]: a connection over that cap is closed at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linkwork_core::directory::share::is_share_message;
use linkwork_core::identity::enrolment::{DeviceMessage, HubMessage};
use linkwork_core::identity::{Certificate, Channel, ChannelPolicy, Peer, Refusal, SecretKey};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::{rustls, TlsAcceptor};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::authority::{now, Hub};
use crate::error::{HubError, Result};
use crate::preauth::PreAuth;
use crate::store::{Device, DocumentsChanged, HubStore, DOCUMENT_EVENTS};
use crate::sync_join::{JoinRefused, Joining};

/// The largest WebSocket message the hub reads: a sealed sync message (each side keeps its
/// batches under [`SYNC_BATCH_BYTES`]; a person larger than that travels alone, and a message
/// larger than this in parts, joined by [`crate::sync_join`]).
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// The batch size the hub's sync sessions keep their messages under (devices syncing through
/// the hub should do the same).
pub const SYNC_BATCH_BYTES: usize = 512 * 1024;

/// How long a device has, from its TCP connection, for the TLS, WebSocket and channel
/// handshakes (or to enrol).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections one node serves at once.
pub const MAX_CONNECTIONS: usize = 1024;

/// The default for [`ServeOptions::max_unauthenticated`].
pub const MAX_UNAUTHENTICATED: usize = 64;

/// How a node runs: how often it checks the database for revocations when it has no push
/// (SQLite), and as a safety net beside PostgreSQL's `LISTEN`; how many connections it holds
/// whose device has not yet been admitted.
#[derive(Clone, Copy, Debug)]
pub struct ServeOptions {
    /// Poll interval without push.
    pub poll: Duration,
    /// Poll interval with push.
    pub poll_with_push: Duration,
    /// The most connections held at once before their device is admitted (handshaking,
    /// enrolling, or idle after connecting): one more is closed as soon as it is accepted.
    /// An admitted device no longer counts.
    pub max_unauthenticated: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            poll: Duration::from_millis(500),
            poll_with_push: Duration::from_secs(5),
            max_unauthenticated: MAX_UNAUTHENTICATED,
        }
    }
}

/// A running hub node.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting and closes every connection.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Waits until the node stops (it runs until [`Running::stop`] or the process ends).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// The WebSocket read buffer each connection starts with: one TLS record. tungstenite's
/// default (128 KiB, allocated per connection) was most of an idle device's memory on the hub
/// (`docs/performance.md#hub`); the buffer still grows for a larger message.
const READ_BUFFER: usize = 16 * 1024;

pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
        .read_buffer_size(READ_BUFFER)
}

/// Starts a hub node on `listen` with `tls`.
///
/// # Errors
/// [`HubError::Io`] when the address cannot be bound; database errors starting the revocation
/// watcher.
pub async fn serve<S: HubStore>(
    hub: Arc<Hub<S>>,
    listen: &str,
    tls: rustls::ServerConfig,
    options: ServeOptions,
) -> Result<Running> {
    let listener = TcpListener::bind(listen).await?;
    start(
        hub,
        listener,
        Some(TlsAcceptor::from(Arc::new(tls))),
        options,
    )
    .await
}

/// Starts a hub node on `listen` over plain WebSocket (`ws://`), which must be a loopback
/// address (`127.0.0.1:0`, `[::1]:PORT`, `localhost:PORT`): for tests and an embedded hub on
/// the same machine, never for a deployment.
///
/// # Errors
/// [`HubError::Invalid`] (field `listen`) for an address off the loopback interface (nothing
/// was served); as [`serve`].
pub async fn serve_loopback_plain<S: HubStore>(
    hub: Arc<Hub<S>>,
    listen: &str,
    options: ServeOptions,
) -> Result<Running> {
    let listener = TcpListener::bind(listen).await?;
    if !listener.local_addr()?.ip().is_loopback() {
        return Err(HubError::invalid(
            "listen",
            "plain WebSocket is served only on the loopback interface: give --tls-cert and --tls-key",
        ));
    }
    start(hub, listener, None, options).await
}

async fn start<S: HubStore>(
    hub: Arc<Hub<S>>,
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    options: ServeOptions,
) -> Result<Running> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let version = hub.store.revocation_list().await?.map_or(0, |(v, _)| v);
    let (revoked_tx, revoked_rx) = watch::channel(version);
    let (certificate_tx, certificate_rx) = watch::channel(hub.current_certificate().await?);
    let events = hub.store.revocation_events().await?;
    let pushes = events.is_some();
    tokio::spawn(watch_revocations(
        Arc::clone(&hub),
        events,
        Published {
            version: revoked_tx,
            certificate: certificate_tx,
        },
        options,
        stopped.clone(),
    ));
    let documents = hub.store.document_events().await?;
    let (changes, _) = broadcast::channel(DOCUMENT_EVENTS);
    tokio::spawn(watch_documents(
        Arc::clone(&hub),
        documents,
        changes.clone(),
        options,
        stopped.clone(),
    ));
    let (_, moves_seen) = hub.store.caseload_moves(None).await?;
    tokio::spawn(watch_moves(
        Arc::clone(&hub),
        moves_seen,
        changes.clone(),
        if pushes {
            options.poll_with_push
        } else {
            options.poll
        },
        stopped.clone(),
    ));
    let signals = Signals {
        revoked: revoked_rx,
        changes,
        stopped,
        joining: crate::sync_join::budget(),
        certificate: certificate_rx,
    };
    let task = tokio::spawn(accept_loop(
        hub,
        listener,
        acceptor,
        signals,
        options.max_unauthenticated,
    ));
    Ok(Running { addr, stop, task })
}

/// What [`watch_revocations`] publishes to the node's connections.
struct Published {
    /// The newest revocation version.
    version: watch::Sender<u64>,
    /// The hub's current certificate.
    certificate: watch::Sender<Certificate>,
}

/// Publishes the newest revocation version (on a push from the database, or on each poll) and,
/// on each poll, the hub's current certificate (renewed by `linkwork-hub cert renew`).
async fn watch_revocations<S: HubStore>(
    hub: Arc<Hub<S>>,
    mut events: Option<tokio::sync::mpsc::Receiver<()>>,
    published: Published,
    options: ServeOptions,
    mut stopped: watch::Receiver<bool>,
) {
    let Published {
        version,
        certificate,
    } = published;
    loop {
        let poll = if events.is_some() {
            options.poll_with_push
        } else {
            options.poll
        };
        tokio::select! {
            _ = stopped.changed() => return,
            event = async {
                match events.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                if event.is_none() {
                    // The LISTEN connection is gone: poll from now on.
                    events = None;
                }
            }
            _ = tokio::time::sleep(poll) => {}
        }
        if let Ok(Some((v, _))) = hub.store.revocation_list().await {
            version.send_if_modified(|old| {
                let changed = *old != v;
                *old = v;
                changed
            });
        }
        if let Ok(current) = hub.current_certificate().await {
            certificate.send_if_modified(|old| {
                let changed = *old != current;
                *old = current;
                changed
            });
        }
    }
}

/// Relays what the database announces about changed documents to every live connection of
/// this node ([`live_round`]). When the push stops (the `LISTEN` connection is gone) it
/// subscribes again every [`ServeOptions::poll`] and, once back, has every connection catch up
/// (announcements may have been missed meanwhile).
async fn watch_documents<S: HubStore>(
    hub: Arc<Hub<S>>,
    events: broadcast::Receiver<DocumentsChanged>,
    changes: broadcast::Sender<DocumentsChanged>,
    options: ServeOptions,
    mut stopped: watch::Receiver<bool>,
) {
    let mut events = Some(events);
    loop {
        let Some(rx) = events.as_mut() else {
            tokio::select! {
                _ = stopped.changed() => return,
                _ = tokio::time::sleep(options.poll) => {}
            }
            if let Ok(rx) = hub.store.document_events().await {
                events = Some(rx);
                let _ = changes.send(DocumentsChanged::Unknown);
            }
            continue;
        };
        tokio::select! {
            _ = stopped.changed() => return,
            event = rx.recv() => match event {
                // No live connection (no receiver) is not an error.
                Ok(event) => {
                    let _ = changes.send(event);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = changes.send(DocumentsChanged::Unknown);
                }
                Err(broadcast::error::RecvError::Closed) => events = None,
            },
        }
    }
}

/// Relays caseload moves made outside this process (the `linkwork-hub caseload move` command
/// beside a running `serve` on the embedded database, which has no `NOTIFY`) to every live
/// connection of this node, read from the audit log every `every`: the old holder's devices
/// are asked to drop their copy, the new holder's receive the person. On PostgreSQL the move's
/// own `NOTIFY` is what arrives first; this is a backstop there.
async fn watch_moves<S: HubStore>(
    hub: Arc<Hub<S>>,
    mut seen: i64,
    changes: broadcast::Sender<DocumentsChanged>,
    every: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = tokio::time::sleep(every) => {}
        }
        // A failed read is tried again at the next tick (from the same entry).
        let Ok((people, newest)) = hub.store.caseload_moves(Some(seen)).await else {
            continue;
        };
        seen = newest;
        if people.is_empty() {
            continue;
        }
        let event = if people.len() > crate::store::MAX_ANNOUNCED_PEOPLE {
            DocumentsChanged::Unknown
        } else {
            DocumentsChanged::People(people)
        };
        // No live connection (no receiver) is not an error.
        let _ = changes.send(event);
    }
}

/// What a node tells its connections: the newest revocation version, documents that changed,
/// the hub's current certificate (a renewal shows here within one revocation poll), and that
/// it is stopping; and what they share: the budget for sync messages in parts.
#[derive(Clone)]
struct Signals {
    revoked: watch::Receiver<u64>,
    changes: broadcast::Sender<DocumentsChanged>,
    stopped: watch::Receiver<bool>,
    joining: Arc<Semaphore>,
    certificate: watch::Receiver<Certificate>,
}

async fn accept_loop<S: HubStore>(
    hub: Arc<Hub<S>>,
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    signals: Signals,
    max_unauthenticated: usize,
) {
    let mut stopped = signals.stopped.clone();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let unauthenticated = Arc::new(Semaphore::new(max_unauthenticated));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (tcp, remote) = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue,
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            drop(tcp);
            continue;
        };
        let Ok(preauth) = Arc::clone(&unauthenticated).try_acquire_owned() else {
            drop(tcp);
            continue;
        };
        let (hub, acceptor, signals) = (Arc::clone(&hub), acceptor.clone(), signals.clone());
        connections.spawn(async move {
            let _slot = slot;
            let _ = connection(hub, acceptor, tcp, remote, signals, preauth).await;
        });
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

/// Which endpoint a WebSocket asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Enrol,
    Connect,
}

async fn connection<S: HubStore>(
    hub: Arc<Hub<S>>,
    acceptor: Option<TlsAcceptor>,
    tcp: TcpStream,
    remote: SocketAddr,
    signals: Signals,
    preauth: OwnedSemaphorePermit,
) -> Result<()> {
    let _ = tcp.set_nodelay(true);
    // One deadline for the TLS and WebSocket handshakes together (and, from there, for the
    // channel handshake or enrolment: the whole stage before admission).
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    match acceptor {
        Some(acceptor) => {
            let tls = tokio::time::timeout_at(deadline, acceptor.accept(tcp))
                .await
                .map_err(|_| HubError::Tls("handshake timed out".into()))??;
            route(hub, tls, deadline, preauth, remote, signals).await
        }
        None => route(hub, tcp, deadline, preauth, remote, signals).await,
    }
}

/// The WebSocket handshake on `stream` (by `deadline`, within the pre-authentication byte
/// budget), then the endpoint it asked for.
async fn route<S: HubStore, T>(
    hub: Arc<Hub<S>>,
    stream: T,
    deadline: tokio::time::Instant,
    preauth: OwnedSemaphorePermit,
    remote: SocketAddr,
    signals: Signals,
) -> Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let stream = PreAuth::new(stream);
    let mut route = None;
    let callback = |req: &Request,
                    resp: Response|
     -> std::result::Result<Response, ErrorResponse> {
        route = match req.uri().path() {
            "/enrol" => Some(Route::Enrol),
            "/connect" => Some(Route::Connect),
            _ => None,
        };
        if route.is_some() {
            Ok(resp)
        } else {
            let mut not_found = ErrorResponse::new(Some("no such endpoint".into()));
            *not_found.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::NOT_FOUND;
            Err(not_found)
        }
    };
    let ws = tokio::time::timeout_at(
        deadline,
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(ws_config())),
    )
    .await
    .map_err(|_| HubError::Tls("handshake timed out".into()))?
    .map_err(|e| HubError::Tls(e.to_string()))?;
    let remote = remote.to_string();
    match route {
        Some(Route::Enrol) => enrol(&hub, ws, &remote, deadline).await,
        Some(Route::Connect) => {
            let pre = PreAuthStage { deadline, preauth };
            authenticated(&hub, ws, &remote, pre, signals).await
        }
        None => Ok(()),
    }
}

/// The next binary message, skipping pings; `None` when the peer closed, failed or sent text.
async fn next_binary<T>(ws: &mut WebSocketStream<T>) -> Option<Vec<u8>>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match ws.next().await? {
            Ok(Message::Binary(b)) => return Some(b.to_vec()),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
}

async fn close<T>(ws: &mut WebSocketStream<T>, code: CloseCode, reason: &str)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let _ = ws
        .close(Some(CloseFrame {
            code,
            reason: reason.to_owned().into(),
        }))
        .await;
}

async fn enrol<S: HubStore, T>(
    hub: &Hub<S>,
    mut ws: WebSocketStream<T>,
    remote: &str,
    deadline: tokio::time::Instant,
) -> Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let Ok(Some(message)) = tokio::time::timeout_at(deadline, next_binary(&mut ws)).await else {
        close(&mut ws, CloseCode::Protocol, "expected an enrolment").await;
        return Ok(());
    };
    let reply = hub.enrol(&message, remote).await;
    let _ = ws.send(Message::Binary(reply.encode().into())).await;
    close(&mut ws, CloseCode::Normal, "").await;
    Ok(())
}

/// The hub's side of the channel: its `certificate` (the current one, [`Signals::certificate`])
/// and key, the organisation's root. The
/// revocation list is checked after the handshake ([`Hub::admit`]) so that the refusal is
/// audited with the device that proved its key.
fn hub_policy<S: HubStore>(hub: &Hub<S>, certificate: Certificate) -> Result<ChannelPolicy> {
    let key = SecretKey::from_secret_bytes(hub.hub_key().to_secret_bytes().as_slice())?;
    Ok(ChannelPolicy {
        own: Some((certificate, key)),
        root: Some(hub.root.clone()),
        revoked: None,
        allow_unenrolled: false,
        now: now(),
    })
}

async fn handshake<T>(
    ws: &mut WebSocketStream<T>,
    channel: &mut Channel,
    deadline: tokio::time::Instant,
) -> Result<(), Refusal>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    while !channel.is_open() {
        let Ok(Some(message)) = tokio::time::timeout_at(deadline, next_binary(ws)).await else {
            return Err(Refusal::ChannelBroken);
        };
        if let Some(reply) = channel.receive_handshake(&message)? {
            ws.send(Message::Binary(reply.into()))
                .await
                .map_err(|_| Refusal::ChannelBroken)?;
        }
    }
    Ok(())
}

async fn send_revocations<S: HubStore, T>(
    hub: &Hub<S>,
    ws: &mut WebSocketStream<T>,
    channel: &mut Channel,
) -> Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let list = hub.store.revocation_list().await?.map(|(_, bytes)| bytes);
    let frame = channel.seal(&HubMessage::Revocations(list).encode())?;
    ws.send(Message::Binary(frame.into()))
        .await
        .map_err(|e| HubError::Io(std::io::Error::other(e.to_string())))
}

/// Seals `plaintext` with the channel and sends it as one binary message.
async fn send_sealed<T>(
    ws: &mut WebSocketStream<T>,
    channel: &mut Channel,
    plaintext: &[u8],
) -> Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let frame = channel.seal(plaintext)?;
    ws.send(Message::Binary(frame.into()))
        .await
        .map_err(|e| HubError::Io(std::io::Error::other(e.to_string())))
}

/// What a `/connect` connection holds until its device is admitted: the deadline of the
/// pre-authentication stage and its place among the node's unauthenticated connections.
struct PreAuthStage {
    deadline: tokio::time::Instant,
    preauth: OwnedSemaphorePermit,
}

async fn authenticated<S: HubStore, T>(
    hub: &Hub<S>,
    mut ws: WebSocketStream<PreAuth<T>>,
    remote: &str,
    pre: PreAuthStage,
    signals: Signals,
) -> Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let Signals {
        mut revoked,
        changes,
        mut stopped,
        joining,
        certificate: signals_certificate,
    } = signals;
    let certificate = signals_certificate.borrow().clone();
    let mut channel = Channel::accept(hub_policy(hub, certificate)?)?;
    if let Err(why) = handshake(&mut ws, &mut channel, pre.deadline).await {
        // No device was proven: the refusal is recorded with the reason and the address.
        let why = if ws.get_ref().exceeded() {
            "pre-authentication limit exceeded".to_owned()
        } else {
            why.to_string()
        };
        hub.audit(
            "authenticate-refused",
            None,
            None,
            Some(&format!("{why} from {remote}")),
        )
        .await?;
        close(&mut ws, CloseCode::Policy, "refused").await;
        return Ok(());
    }
    let Some(Peer::Verified(cert)) = channel.peer().cloned() else {
        close(&mut ws, CloseCode::Policy, "refused").await;
        return Ok(());
    };
    let device = match hub.admit(&cert).await? {
        Ok(device) => device,
        Err(why) => {
            let user = hub
                .store
                .device(cert.device.as_bytes())
                .await?
                .map(|d| d.user);
            hub.audit(
                "authenticate-refused",
                Some(&cert.device),
                user.as_deref(),
                Some(&format!("{why} from {remote}")),
            )
            .await?;
            close(&mut ws, CloseCode::Policy, "refused").await;
            return Ok(());
        }
    };
    // A patient's phone acts for its person, not for the user whose device paired it: its
    // audit entries name no user (the `pair` entry says who paired it).
    let user_name = device.person.is_none().then(|| device.user.clone());
    hub.audit(
        "authenticate",
        Some(&cert.device),
        user_name.as_deref(),
        Some(remote),
    )
    .await?;
    // Admitted: the WebSocket's own message limit applies from now on, and the connection no
    // longer counts as unauthenticated.
    ws.get_mut().admitted();
    drop(pre.preauth);
    revoked.borrow_and_update();
    // Subscribed before the first sync message: nothing stored from here on is missed.
    let mut changes = changes.subscribe();
    let mut live = true;
    send_revocations(hub, &mut ws, &mut channel).await?;
    let user = hub.store.user_by_name(&device.user).await?;
    let mut sync = DeviceSync {
        device: crate::sync::Device {
            access: crate::sync::Access::of(&cert, user.as_ref()),
            key: cert.device.to_hex(),
            user: user_name.clone(),
            store_id: cert.store_id,
        },
        session: None,
        pending: false,
        joining: Joining::new(joining),
    };
    loop {
        tokio::select! {
            _ = stopped.changed() => {
                close(&mut ws, CloseCode::Away, "hub stopping").await;
                return Ok(());
            }
            event = changes.recv(), if live => {
                match event {
                    Ok(event) => {
                        if sync.concerns(&event) {
                            sync.pending = true;
                        }
                    }
                    // This connection fell more than DOCUMENT_EVENTS announcements behind: the
                    // queue dropped the oldest, and the device catches up on everything.
                    Err(broadcast::error::RecvError::Lagged(_)) => sync.pending = true,
                    Err(broadcast::error::RecvError::Closed) => live = false,
                }
                live_round(hub, &mut ws, &mut channel, &mut sync).await?;
            }
            changed = revoked.changed() => {
                if changed.is_err() {
                    close(&mut ws, CloseCode::Away, "hub stopping").await;
                    return Ok(());
                }
                if let Ok(Err(why)) = hub.admit(&cert).await {
                    hub.audit(
                        "disconnect",
                        Some(&cert.device),
                        user_name.as_deref(),
                        Some(&why.to_string()),
                    )
                    .await?;
                    close(&mut ws, CloseCode::Policy, "revoked").await;
                    return Ok(());
                }
                send_revocations(hub, &mut ws, &mut channel).await?;
            }
            message = ws.next() => match message {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Ok(()),
                Some(Ok(Message::Binary(frame))) => {
                    let handled =
                        device_frame(hub, &mut ws, &mut channel, &cert, &device, &mut sync, &frame).await?;
                    if !handled {
                        return Ok(());
                    }
                    live_round(hub, &mut ws, &mut channel, &mut sync).await?;
                }
                Some(Ok(_)) => {
                    close(&mut ws, CloseCode::Unsupported, "not supported").await;
                    return Ok(());
                }
            },
        }
    }
}

/// A connected device's document sync: who it is, its session once it started one, whether
/// documents it may share changed since its last round (live mode), and the parts of a sync
/// message larger than one frame.
struct DeviceSync {
    device: crate::sync::Device,
    session: Option<linkwork_core::SyncSession>,
    pending: bool,
    joining: Joining,
}

impl DeviceSync {
    /// Whether `event` may concern this device: it has a sync session and may see documents
    /// (a patient's phone: only when its person is named). The caseload itself is checked by
    /// the engine's live round, which sends nothing outside it.
    fn concerns(&self, event: &DocumentsChanged) -> bool {
        if self.session.is_none() {
            return false;
        }
        match (&self.device.access, event) {
            (crate::sync::Access::Nothing, _) => false,
            (crate::sync::Access::Patient { person }, DocumentsChanged::People(people)) => {
                let person = person.to_string();
                people.contains(&person)
            }
            _ => true,
        }
    }
}

/// Live mode on the hub's side: when documents the device may share changed since its last
/// round and its session is complete, starts a round ([`crate::sync::poll`]) with what changed
/// for it. While a round is in flight the change stays pending and is sent once it completes.
async fn live_round<S: HubStore, T>(
    hub: &Hub<S>,
    ws: &mut WebSocketStream<T>,
    channel: &mut Channel,
    sync: &mut DeviceSync,
) -> Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let Some(session) = sync.session.as_mut() else {
        sync.pending = false;
        return Ok(());
    };
    if !sync.pending || !session.is_complete() {
        return Ok(());
    }
    sync.pending = false;
    if let Some(message) = crate::sync::poll(hub, &sync.device, session).await? {
        send_sync(ws, channel, message).await?;
    }
    Ok(())
}

/// Sends sync `message`: one frame, or its parts when it is larger than one
/// ([`linkwork_core::identity::sync_parts`]).
async fn send_sync<T>(
    ws: &mut WebSocketStream<T>,
    channel: &mut Channel,
    message: Vec<u8>,
) -> Result<()>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    for part in HubMessage::sync_parts(message) {
        send_sealed(ws, channel, &part.encode()).await?;
    }
    Ok(())
}

/// Handles one sealed frame from an admitted device (`admitted`: its record in the hub's store,
/// whose role the directory answer checks). A services-directory message is answered by
/// [`crate::directory`]; anything else must be a [`DeviceMessage`]. Returns `false` when the
/// connection was closed (a frame that does not open or decode, a refused directory or sync
/// message).
async fn device_frame<S: HubStore, T>(
    hub: &Hub<S>,
    ws: &mut WebSocketStream<T>,
    channel: &mut Channel,
    cert: &linkwork_core::identity::Certificate,
    admitted: &Device,
    sync: &mut DeviceSync,
    frame: &[u8],
) -> Result<bool>
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let Ok(plain) = channel.open(frame) else {
        close(ws, CloseCode::Protocol, "malformed").await;
        return Ok(false);
    };
    if is_share_message(&plain) {
        let reply = match hub.answer_directory(cert, admitted, &plain).await {
            Ok(reply) => reply,
            Err(HubError::Core(_)) => {
                close(ws, CloseCode::Protocol, "bad directory message").await;
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        for message in reply {
            send_sealed(ws, channel, &message.encode()).await?;
        }
        return Ok(true);
    }
    let message = match DeviceMessage::decode(&plain) {
        Ok(m) => m,
        Err(_) => {
            close(ws, CloseCode::Protocol, "malformed").await;
            return Ok(false);
        }
    };
    let joined = match message {
        DeviceMessage::SyncPart(part) => sync.joining.part(&part).map(|()| None),
        DeviceMessage::Sync(last) => sync.joining.last(last).map(Some),
        _ => {
            close(ws, CloseCode::Unsupported, "not supported").await;
            return Ok(false);
        }
    };
    let bytes = match joined {
        Ok(Some(bytes)) => bytes,
        // A leading part, held until the message's last part.
        Ok(None) => return Ok(true),
        Err(JoinRefused::Busy) => {
            close(ws, CloseCode::Again, "busy: sync again").await;
            return Ok(false);
        }
        Err(JoinRefused::Refused) => {
            sync.session = None;
            hub.audit(
                "sync-refused",
                Some(&cert.device),
                sync.device.user.as_deref(),
                Some("sync message in parts over the limit or malformed"),
            )
            .await?;
            close(ws, CloseCode::Policy, "sync refused").await;
            return Ok(false);
        }
    };
    let session = sync.session.get_or_insert_with(|| {
        let mut s = linkwork_core::sync::engine::accept_authenticated(&Peer::Verified(Box::new(
            cert.clone(),
        )));
        s.set_max_message_bytes(SYNC_BATCH_BYTES);
        s
    });
    match crate::sync::receive(hub, &sync.device, session, &bytes).await {
        Ok(received) => {
            match received.reply {
                Some(reply) => send_sync(ws, channel, reply).await?,
                None => send_sealed(ws, channel, &HubMessage::SyncDone.encode()).await?,
            }
            Ok(true)
        }
        Err(HubError::Concurrent) => {
            // Another device or node changed a document this step changed: nothing of
            // it was stored, and a new session succeeds.
            close(ws, CloseCode::Again, "sync again").await;
            Ok(false)
        }
        Err(HubError::Database(_)) => {
            // The database failed or restarted mid-step: nothing of it was stored (one
            // transaction), and a new session once it is back succeeds.
            close(ws, CloseCode::Again, "database unavailable: sync again").await;
            Ok(false)
        }
        Err(HubError::Core(why)) => {
            // The engine refused the message (nothing of it was stored): the device
            // starts a new session on a new connection.
            sync.session = None;
            hub.audit(
                "sync-refused",
                Some(&cert.device),
                sync.device.user.as_deref(),
                Some(&why.to_string()),
            )
            .await?;
            close(ws, CloseCode::Policy, "sync refused").await;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
