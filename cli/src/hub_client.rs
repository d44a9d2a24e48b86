//! The device side of a team hub (`linkwork enrol`, `linkwork hub connect|sync`; `hub connect`
//! also brings the organisation's services directory up to date): a blocking TLS
//! WebSocket (rustls with `ring`, tungstenite) to the hub's `/enrol` or `/connect` endpoint.
//! Every decision is the core's sans-I/O state machine (`linkwork_core::hub_client`:
//! [`Enrolment`] and [`HubSession`]); this file only moves its frames. The server's TLS
//! certificate is checked against `--ca-cert` when given, or the public web roots. A hub on
//! the loopback interface may be reached over plain `ws://` (tests and the demo's embedded hub;
//! the channel inside is authenticated and encrypted either way). Every read has a deadline and
//! a size limit.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use linkwork_core::hub_client::{Enrolment, HubOutcome, HubPurpose, HubSession, MAX_FRAME_BYTES};
use linkwork_core::identity::Certificate;
use linkwork_core::Store;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

pub use linkwork_core::hub_client::DirectoryOutcome;

use crate::error::{CliError, CliResult};

/// How long the hub has to answer each step.
const DEADLINE: Duration = Duration::from_secs(15);

/// The byte stream under the WebSocket: TLS, or plain TCP to a hub on the loopback interface.
enum Stream {
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    Plain(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tls(s) => s.read(buf),
            Stream::Plain(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tls(s) => s.write(buf),
            Stream::Plain(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Tls(s) => s.flush(),
            Stream::Plain(s) => s.flush(),
        }
    }
}

type Ws = WebSocket<Stream>;

fn net(action: &'static str, e: impl std::fmt::Display) -> CliError {
    CliError::Net {
        action,
        source: std::io::Error::other(e.to_string()),
    }
}

/// A hub's address: whether TLS, the host and port.
#[derive(Debug, PartialEq, Eq)]
struct HubUrl {
    tls: bool,
    host: String,
    port: u16,
}

/// Whether `host` names the loopback interface (the only place plain `ws://` is allowed).
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `wss://host[:port]`, or `ws://` with a loopback host (a trailing `/` allowed).
fn parse_url(url: &str) -> CliResult<HubUrl> {
    let usage = || {
        CliError::Usage(
            "the hub URL must look like wss://HOST[:PORT] (ws:// only on the loopback interface)"
                .into(),
        )
    };
    let (tls, rest) = match (url.strip_prefix("wss://"), url.strip_prefix("ws://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return Err(usage()),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() || rest.contains('/') {
        return Err(usage());
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !host.ends_with(':') => {
            (host.to_owned(), port.parse().map_err(|_| usage())?)
        }
        Some(_) => return Err(usage()),
        None => (rest.to_owned(), if tls { 443 } else { 80 }),
    };
    if !tls && !is_loopback(&host) {
        return Err(usage());
    }
    Ok(HubUrl { tls, host, port })
}

fn tls_config(ca_cert: Option<&Path>) -> CliResult<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| CliError::File {
                action: "read the CA certificate",
                source,
            })?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| net("read the CA certificate", e))?;
                roots
                    .add(cert)
                    .map_err(|e| net("read the CA certificate", e))?;
            }
            if roots.is_empty() {
                return Err(CliError::Usage("--ca-cert holds no PEM certificate".into()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // The `ring` provider (aws-lc-rs needs cmake and a long C build); rustls deprecates it for
    // lacking post-quantum key exchange (docs/deploy.md#tls).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| net("set up TLS", e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Opens a WebSocket to `url` + `path` (TLS unless the URL is a loopback `ws://`).
fn open(url: &str, path: &str, ca_cert: Option<&Path>) -> CliResult<Ws> {
    let url = parse_url(url)?;
    let host = url.host.trim_start_matches('[').trim_end_matches(']');
    // Nothing listening (the hub is down or restarting) or no route: try again later.
    let tcp = TcpStream::connect((host, url.port)).map_err(|source| CliError::Unavailable {
        action: "connect to the hub",
        source,
    })?;
    for set in [TcpStream::set_read_timeout, TcpStream::set_write_timeout] {
        set(&tcp, Some(DEADLINE)).map_err(|source| CliError::Net {
            action: "connect to the hub",
            source,
        })?;
    }
    let stream = if url.tls {
        let config = tls_config(ca_cert)?;
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| CliError::Usage("the hub URL's host is not a valid name".into()))?;
        let conn = rustls::ClientConnection::new(config, name).map_err(|e| net("set up TLS", e))?;
        Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)))
    } else {
        Stream::Plain(tcp)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES));
    let scheme = if url.tls { "wss" } else { "ws" };
    let (ws, _) = tungstenite::client::client_with_config(
        format!("{scheme}://{}:{}{path}", url.host, url.port),
        stream,
        Some(config),
    )
    .map_err(|e| net("open the hub connection (WebSocket)", e))?;
    Ok(ws)
}

/// A lost connection while doing `action`: retryable ([`CliError::Unavailable`]).
fn lost(action: &'static str, e: impl std::fmt::Display) -> CliError {
    CliError::Unavailable {
        action,
        source: std::io::Error::other(e.to_string()),
    }
}

/// The next binary message; `None` when the hub closed the connection (it refused this
/// device or a message: the core's session says why).
///
/// # Errors
/// [`CliError::Unavailable`] when the connection was lost (the hub died, the network went) or
/// the hub closed it asking to come back later (stopping, busy, or another node changed a
/// document meanwhile).
fn next_binary(ws: &mut Ws) -> CliResult<Option<Vec<u8>>> {
    loop {
        match ws.read() {
            Ok(Message::Binary(b)) => return Ok(Some(b.to_vec())),
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
            Ok(Message::Close(Some(frame))) if is_come_back_later(frame.code) => {
                return Err(lost("sync with the hub", frame.reason.as_str()))
            }
            Ok(Message::Close(_) | Message::Text(_)) => return Ok(None),
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Ok(None)
            }
            Err(e) => return Err(lost("read from the hub", e)),
        }
    }
}

/// Whether the hub's close code asks the device to come back later (the hub stopping, or
/// "sync again") rather than refusing it.
fn is_come_back_later(code: CloseCode) -> bool {
    matches!(code, CloseCode::Away | CloseCode::Again)
}

fn send(ws: &mut Ws, bytes: Vec<u8>) -> CliResult {
    ws.send(Message::Binary(bytes.into()))
        .map_err(|e| lost("write to the hub", e))
}

/// Enrols the store's device with the hub at `url` using the one-time `code`: sends its
/// certificate request, and installs the certificate and trust root the hub answers with
/// (core's [`Enrolment`]).
///
/// # Errors
/// The core's `Error::Hub` when the hub refuses (`EnrolRefused`: the code is unknown, used or
/// expired; the request does not fit the invited user) or closes without an answer; network
/// and TLS errors; the core's refusals installing the answer.
pub fn enrol(
    store: &Store,
    url: &str,
    code: &str,
    ca_cert: Option<&Path>,
) -> CliResult<Certificate> {
    let (mut enrolment, request) = Enrolment::start(store, code)?;
    let mut ws = open(url, "/enrol", ca_cert)?;
    send(&mut ws, request)?;
    let Some(reply) = next_binary(&mut ws)? else {
        enrolment.closed()?;
        return Err(CliError::Failed("the hub sent no answer".into()));
    };
    let _ = ws.close(None);
    Ok(enrolment.receive(store, &reply)?)
}

/// Runs one [`HubSession`] for `purpose` over a `/connect` WebSocket to completion.
fn run(
    store: &Store,
    url: &str,
    ca_cert: Option<&Path>,
    purpose: HubPurpose,
) -> CliResult<HubOutcome> {
    let (mut ws, session) = run_open(store, url, ca_cert, purpose)?;
    let _ = ws.close(None);
    session
        .outcome()
        .ok_or_else(|| CliError::Failed("the hub session did not complete".into()))
}

/// As [`run`], leaving the connection open.
fn run_open(
    store: &Store,
    url: &str,
    ca_cert: Option<&Path>,
    purpose: HubPurpose,
) -> CliResult<(Ws, HubSession)> {
    let (mut session, first) = HubSession::start(store, purpose)?;
    let mut ws = open(url, "/connect", ca_cert)?;
    send(&mut ws, first)?;
    loop {
        let Some(frame) = next_binary(&mut ws)? else {
            session.closed()?;
            break;
        };
        let step = session.receive(store, &frame)?;
        for frame in step.send {
            send(&mut ws, frame)?;
        }
        if step.done {
            break;
        }
    }
    Ok((ws, session))
}

/// Connects the enrolled store's device to its hub: runs the authenticated channel (each
/// side proves its certificate; the peer must be the organisation's hub), receives the current
/// revocation list and installs it if it is newer, then (a link worker's or team lead's store)
/// brings the organisation's services directory up to date. It does not sync documents
/// ([`sync`] does).
///
/// # Errors
/// The core's `Error::Hub` when the hub refuses this device (not enrolled by it, revoked,
/// expired: it closes the connection) or sends something out of place; the core's refusals of
/// the hub's certificate (`Error::Untrusted`) and of a directory it sends
/// (`Error::DirectoryShare`, `Error::Feed`: the store's directory is then unchanged); network
/// and TLS errors.
pub fn connect(store: &Store, url: &str, ca_cert: Option<&Path>) -> CliResult<HubOutcome> {
    run(store, url, ca_cert, HubPurpose::Connect)
}

/// Syncs the enrolled store with its hub, on one connection: as [`connect`], then one sync
/// session inside the channel (keyed on the hub's verified certificate) until both sides are
/// complete. What the hub sends and accepts is the device's caseload (the hub decides from this
/// device's certificate).
///
/// # Errors
/// As [`connect`]; the core's sync errors (a new session may succeed when `retryable`);
/// `Error::Hub` (`Closed`) when the hub closes the connection mid-session (it refused a
/// message: nothing of it was stored).
pub fn sync(store: &Store, url: &str, ca_cert: Option<&Path>) -> CliResult<HubOutcome> {
    run(store, url, ca_cert, HubPurpose::Sync)
}

/// How long a live connection waits for a frame before it looks for local edits to send.
const TICK: Duration = Duration::from_millis(100);

/// Why a live connection to the hub ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveEnd {
    /// The hub closed the connection (it stopped, or revoked this device).
    HubClosed,
    /// The `--duration` deadline passed.
    Duration,
}

/// What a live connection to the hub reports as it runs.
#[derive(Debug)]
pub enum LiveEvent<'a> {
    /// The catch-up sync completed: live mode starts.
    Started(&'a HubOutcome),
    /// A frame from the hub changed these people's documents here.
    Merged(&'a [linkwork_core::Id]),
}

/// [`sync`], then live mode on the same connection until the hub closes it or `deadline`
/// passes: every [`TICK`] without a frame from the hub, the store's edits since (including
/// those made by another process on the same file) go to the hub (`HubSession::poll`); the
/// hub starts a round whenever another device's edits to a document this device shares reach
/// it. `on_event` hears when live mode starts and of every frame that changed people here.
/// Returns the outcome of
/// the whole connection and why it ended.
///
/// # Errors
/// As [`sync`]; the core's refusals of a live message (the session is then over).
pub fn sync_live(
    store: &Store,
    url: &str,
    ca_cert: Option<&Path>,
    deadline: Option<std::time::Instant>,
    on_event: &mut dyn FnMut(LiveEvent<'_>) -> CliResult,
) -> CliResult<(HubOutcome, LiveEnd)> {
    let (mut ws, mut session) = run_open(store, url, ca_cert, HubPurpose::Sync)?;
    let caught_up = session
        .outcome()
        .ok_or_else(|| CliError::Failed("the hub session did not complete".into()))?;
    on_event(LiveEvent::Started(&caught_up))?;
    let tcp = match ws.get_ref() {
        Stream::Tls(s) => &s.sock,
        Stream::Plain(s) => s,
    };
    tcp.set_read_timeout(Some(TICK))
        .map_err(|source| CliError::Net {
            action: "configure the hub connection",
            source,
        })?;
    let ended = loop {
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break LiveEnd::Duration;
        }
        match ws.read() {
            Ok(Message::Binary(frame)) => {
                let step = session.receive(store, &frame)?;
                if !step.changed.is_empty() {
                    on_event(LiveEvent::Merged(&step.changed))?;
                }
                for frame in step.send {
                    send(&mut ws, frame)?;
                }
            }
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => {}
            Ok(Message::Close(_) | Message::Text(_)) => break LiveEnd::HubClosed,
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                break LiveEnd::HubClosed
            }
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if let Some(frame) = session.poll(store)? {
                    send(&mut ws, frame)?;
                }
            }
            Err(e) => return Err(lost("read from the hub", e)),
        }
    };
    if ended == LiveEnd::Duration {
        let _ = ws.close(None);
        let _ = ws.flush();
    }
    let outcome = session
        .outcome()
        .ok_or_else(|| CliError::Failed("the hub session did not complete".into()))?;
    Ok((outcome, ended))
}

#[cfg(test)]
mod tests {
    use super::{parse_url, HubUrl};

    #[test]
    fn hub_urls_are_parsed_strictly() {
        let url = |tls, host: &str, port| HubUrl {
            tls,
            host: host.into(),
            port,
        };
        assert_eq!(
            parse_url("wss://hub.example:8443").unwrap(),
            url(true, "hub.example", 8443)
        );
        assert_eq!(
            parse_url("wss://hub.example/").unwrap(),
            url(true, "hub.example", 443)
        );
        assert_eq!(
            parse_url("ws://127.0.0.1:9000").unwrap(),
            url(false, "127.0.0.1", 9000)
        );
        assert_eq!(
            parse_url("ws://localhost:9000").unwrap(),
            url(false, "localhost", 9000)
        );
        assert_eq!(
            parse_url("ws://[::1]:9000").unwrap(),
            url(false, "[::1]", 9000)
        );
        // Plain WebSocket only on the loopback interface.
        assert!(parse_url("ws://hub.example:9000").is_err());
        assert!(parse_url("ws://10.0.0.1:9000").is_err());
        assert!(parse_url("https://hub.example").is_err());
        assert!(parse_url("wss://hub.example/x").is_err());
        assert!(parse_url("wss://hub.example:port").is_err());
        assert!(parse_url("wss://").is_err());
    }
}
