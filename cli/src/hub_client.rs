//! The device side of a team hub (`linkwork enrol`, `linkwork hub connect|sync`; `hub connect`
//! also brings the organisation's services directory up to date): a blocking TLS
//! WebSocket (rustls with `ring`, tungstenite) to the hub's `/enrol` or `/connect` endpoint,
//! carrying the core's enrolment messages and authenticated channel
//! (`linkwork_core::identity::enrolment`, `Channel`) — the protocol is the core's, this file
//! only moves bytes. The server's TLS certificate is checked against `--ca-cert` when given,
//! or the public web roots. Every read has a deadline and a size limit.

use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use linkwork_core::directory::share::{DirectoryDownload, DirectoryStep};
use linkwork_core::directory::FeedError;
use linkwork_core::identity::enrolment::{
    require_hub, DeviceMessage, EnrolReply, EnrolRequest, HubMessage,
};
use linkwork_core::identity::{Certificate, Channel, Peer, RevocationList};
use linkwork_core::model::Role;
use linkwork_core::{Id, Store, SyncStats};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::error::{CliError, CliResult};

/// How long the hub has to answer each step.
const DEADLINE: Duration = Duration::from_secs(15);

/// The largest message read from the hub (a sealed sync message; the hub keeps its batches
/// well under it).
const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// The batch size this side keeps its sync messages to the hub under.
const SYNC_BATCH_BYTES: usize = 512 * 1024;

type Ws = WebSocket<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>;

fn net(action: &'static str, e: impl std::fmt::Display) -> CliError {
    CliError::Net {
        action,
        source: std::io::Error::other(e.to_string()),
    }
}

/// `wss://host[:port]` (a trailing `/` allowed): the host and port.
fn parse_url(url: &str) -> CliResult<(String, u16)> {
    let usage = || CliError::Usage("the hub URL must look like wss://HOST[:PORT]".into());
    let rest = url.strip_prefix("wss://").ok_or_else(usage)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() || rest.contains('/') {
        return Err(usage());
    }
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => {
            Ok((host.to_owned(), port.parse().map_err(|_| usage())?))
        }
        Some(_) => Err(usage()),
        None => Ok((rest.to_owned(), 443)),
    }
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

/// Opens a TLS WebSocket to `url` + `path`.
fn open(url: &str, path: &str, ca_cert: Option<&Path>) -> CliResult<Ws> {
    let (host, port) = parse_url(url)?;
    let config = tls_config(ca_cert)?;
    let name = ServerName::try_from(host.clone())
        .map_err(|_| CliError::Usage("the hub URL's host is not a valid name".into()))?;
    let tcp = TcpStream::connect((host.as_str(), port)).map_err(|source| CliError::Net {
        action: "connect to the hub",
        source,
    })?;
    for set in [TcpStream::set_read_timeout, TcpStream::set_write_timeout] {
        set(&tcp, Some(DEADLINE)).map_err(|source| CliError::Net {
            action: "connect to the hub",
            source,
        })?;
    }
    let conn = rustls::ClientConnection::new(config, name).map_err(|e| net("set up TLS", e))?;
    let tls = rustls::StreamOwned::new(conn, tcp);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let (ws, _) = tungstenite::client::client_with_config(
        format!("wss://{host}:{port}{path}"),
        tls,
        Some(config),
    )
    .map_err(|e| net("open the hub connection (TLS WebSocket)", e))?;
    Ok(ws)
}

/// The next binary message; `None` when the hub closed the connection.
fn next_binary(ws: &mut Ws) -> CliResult<Option<Vec<u8>>> {
    loop {
        match ws.read() {
            Ok(Message::Binary(b)) => return Ok(Some(b.to_vec())),
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
            Ok(Message::Close(_) | Message::Text(_)) => return Ok(None),
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Ok(None)
            }
            Err(e) => return Err(net("read from the hub", e)),
        }
    }
}

fn send(ws: &mut Ws, bytes: Vec<u8>) -> CliResult {
    ws.send(Message::Binary(bytes.into()))
        .map_err(|e| net("write to the hub", e))
}

/// Enrols the store's device with the hub at `url` using the one-time `code`: sends its
/// certificate request, and installs the certificate and trust root the hub answers with.
///
/// # Errors
/// [`CliError::Failed`] when the hub refuses (the code is unknown, used or expired; the
/// request does not fit the invited user) or closes without an answer; network and TLS errors;
/// the core's refusals installing the answer.
pub fn enrol(
    store: &Store,
    url: &str,
    code: &str,
    ca_cert: Option<&Path>,
) -> CliResult<Certificate> {
    let request = EnrolRequest {
        code: code.to_owned(),
        request: store.certificate_request()?,
    };
    let mut ws = open(url, "/enrol", ca_cert)?;
    send(&mut ws, request.encode())?;
    let reply = next_binary(&mut ws)?.ok_or_else(|| {
        CliError::Failed("the hub closed the connection without an answer".into())
    })?;
    let _ = ws.close(None);
    match EnrolReply::decode(&reply).map_err(linkwork_core::Error::from)? {
        EnrolReply::Enrolled {
            certificate,
            trust_root,
        } => Ok(store.install_enrolment(&certificate, &trust_root)?),
        EnrolReply::Refused(why) => Err(CliError::Failed(format!("the hub refused: {why}"))),
    }
}

/// What `hub connect` learnt.
pub struct Connected {
    /// The hub's verified certificate.
    pub hub: Certificate,
    /// The organisation's revocation list the hub sent (`None`: it never revoked a device).
    pub revocations: Option<RevocationList>,
    /// Whether the list was newer than the installed one and was installed.
    pub installed: bool,
    /// What became of the organisation's services directory (`None` for a patient's store,
    /// which does not receive it).
    pub directory: Option<DirectoryOutcome>,
}

/// What `hub connect` did with the hub's services directory.
pub enum DirectoryOutcome {
    /// The hub's answer, or the import of what it sent.
    Step(DirectoryStep),
    /// The hub's directory is older than the one the store holds (imported from a newer file):
    /// the store keeps its own.
    KeptNewer,
}

/// The hub's next message, opened and decoded; `None` when it closed the connection.
fn next_message(ws: &mut Ws, channel: &mut Channel) -> CliResult<Option<HubMessage>> {
    let Some(frame) = next_binary(ws)? else {
        return Ok(None);
    };
    let message = channel.open(&frame).map_err(linkwork_core::Error::from)?;
    Ok(Some(
        HubMessage::decode(&message).map_err(linkwork_core::Error::from)?,
    ))
}

/// Tells the hub which directory the store holds and takes its answer: nothing more when it is
/// up to date, else the directory in chunks, imported whole (core's
/// `directory::share::DirectoryDownload`). A revocation list arriving meanwhile is installed.
/// `None`, with nothing sent, for a patient's store, which does not receive the directory.
fn sync_directory(
    store: &Store,
    ws: &mut Ws,
    channel: &mut Channel,
    revocations: &mut (Option<RevocationList>, bool),
) -> CliResult<Option<DirectoryOutcome>> {
    if store.info().role == Role::Patient {
        return Ok(None);
    }
    let have = store.directory_have()?.encode();
    send(ws, channel.seal(&have).map_err(linkwork_core::Error::from)?)?;
    let mut download = DirectoryDownload::new();
    loop {
        let message = next_message(ws, channel)?.ok_or_else(|| {
            CliError::Failed("the hub closed the connection before sending the directory".into())
        })?;
        match message {
            HubMessage::Directory(m) => match download.receive(store, &m) {
                Ok(DirectoryStep::Receiving { .. }) => {}
                Ok(step) => return Ok(Some(DirectoryOutcome::Step(step))),
                Err(linkwork_core::Error::Feed(FeedError::Older)) => {
                    return Ok(Some(DirectoryOutcome::KeptNewer))
                }
                Err(e) => return Err(e.into()),
            },
            HubMessage::Revocations(list) => {
                let (list, installed) = install_revocations(store, list)?;
                *revocations = (list, revocations.1 || installed);
            }
            _ => {
                return Err(CliError::Failed(
                    "the hub sent a message this build does not know".into(),
                ))
            }
        }
    }
}

/// Opens the authenticated channel to the store's hub (each side proves its certificate; the
/// peer must be the organisation's hub): the socket, the open channel and the hub's
/// certificate.
fn open_channel(
    store: &Store,
    url: &str,
    ca_cert: Option<&Path>,
) -> CliResult<(Ws, Channel, Certificate)> {
    let (mut channel, first) =
        Channel::initiate(store.channel_policy(false)?).map_err(linkwork_core::Error::from)?;
    let mut ws = open(url, "/connect", ca_cert)?;
    send(&mut ws, first)?;
    while !channel.is_open() {
        let message = next_binary(&mut ws)?.ok_or_else(refused)?;
        if let Some(reply) = channel
            .receive_handshake(&message)
            .map_err(linkwork_core::Error::from)?
        {
            send(&mut ws, reply)?;
        }
    }
    let peer = channel.peer().ok_or_else(refused)?;
    let hub = require_hub(peer)
        .map_err(linkwork_core::Error::from)?
        .clone();
    Ok((ws, channel, hub))
}

fn refused() -> CliError {
    CliError::Failed("the hub refused this device".into())
}

/// Installs the revocation list the hub sent when it is newer than the installed one: the
/// list, and whether it was installed.
fn install_revocations(
    store: &Store,
    list: Option<Vec<u8>>,
) -> CliResult<(Option<RevocationList>, bool)> {
    let Some(bytes) = list else {
        return Ok((None, false));
    };
    let installed_version = store
        .device_identity()?
        .revocations
        .map_or(0, |l| l.version);
    let root = store.device_identity()?.trust_root.ok_or_else(refused)?;
    let list = RevocationList::decode(&bytes, &root).map_err(linkwork_core::Error::from)?;
    let installed = list.version > installed_version;
    if installed {
        store.update_trust(&bytes)?;
    }
    Ok((Some(list), installed))
}

/// Connects the enrolled store's device to its hub: runs the authenticated channel (each
/// side proves its certificate; the peer must be the organisation's hub), receives the current
/// revocation list and installs it if it is newer, then (a link worker's or team lead's store)
/// brings the organisation's services directory up to date. It does not sync documents
/// ([`sync`] does).
///
/// # Errors
/// [`CliError::Failed`] when the hub refuses this device (not enrolled by it, revoked,
/// expired) or sends nothing; the core's refusals of the hub's certificate
/// (`Error::Untrusted`) and of a directory it sends (`Error::DirectoryShare`, `Error::Feed`:
/// the store's directory is then unchanged); network and TLS errors.
pub fn connect(store: &Store, url: &str, ca_cert: Option<&Path>) -> CliResult<Connected> {
    let (mut ws, mut channel, hub) = open_channel(store, url, ca_cert)?;
    let HubMessage::Revocations(list) = next_message(&mut ws, &mut channel)?.ok_or_else(refused)?
    else {
        return Err(CliError::Failed(
            "the hub did not send the revocation list first".into(),
        ));
    };
    let mut revocations = install_revocations(store, list)?;
    let directory = sync_directory(store, &mut ws, &mut channel, &mut revocations)?;
    let _ = ws.close(None);
    Ok(Connected {
        hub,
        revocations: revocations.0,
        installed: revocations.1,
        directory,
    })
}

/// What `hub sync` did.
pub struct Synced {
    /// The hub's verified certificate.
    pub hub: Certificate,
    /// People whose documents changed on this store.
    pub changed: Vec<Id>,
    /// Messages and bytes exchanged.
    pub stats: SyncStats,
    /// Whether a newer revocation list was installed on the way.
    pub revocations_installed: bool,
    /// What became of the services directory (`None` for a patient's store, which does not
    /// receive it).
    pub directory: Option<DirectoryOutcome>,
}

/// Syncs the enrolled store with its hub, on one connection: opens the authenticated channel,
/// installs the revocation lists the hub sends, brings the services directory up to date (a
/// link worker's or team lead's store, as [`connect`] does), then runs one sync session inside
/// the channel (keyed on the hub's verified certificate) until both sides are complete. What
/// the hub sends and accepts is the device's caseload (the hub decides from this device's
/// certificate).
///
/// # Errors
/// As [`connect`]; the core's sync errors (a new session may succeed when `retryable`);
/// [`CliError::Failed`] when the hub closes the connection mid-session (it refused a message:
/// nothing of it was stored).
pub fn sync(store: &Store, url: &str, ca_cert: Option<&Path>) -> CliResult<Synced> {
    let (mut ws, mut channel, hub) = open_channel(store, url, ca_cert)?;
    let mut revocations = (None, false);
    let directory = sync_directory(store, &mut ws, &mut channel, &mut revocations)?;
    let mut revocations_installed = revocations.1;
    let (mut session, first) =
        store.sync_start_authenticated(&Peer::Verified(Box::new(hub.clone())))?;
    session.set_max_message_bytes(SYNC_BATCH_BYTES);
    let mut outgoing = Some(first);
    let hub_closed =
        || CliError::Failed("the hub closed the connection during the sync session".into());
    loop {
        if let Some(bytes) = outgoing.take() {
            let frame = channel
                .seal(&DeviceMessage::Sync(bytes).encode())
                .map_err(linkwork_core::Error::from)?;
            send(&mut ws, frame)?;
        }
        let frame = next_binary(&mut ws)?.ok_or_else(hub_closed)?;
        let message = channel.open(&frame).map_err(linkwork_core::Error::from)?;
        match HubMessage::decode(&message).map_err(linkwork_core::Error::from)? {
            HubMessage::Revocations(list) => {
                revocations_installed |= install_revocations(store, list)?.1;
            }
            HubMessage::Sync(bytes) => {
                let step = store.sync_receive(&mut session, &bytes)?;
                match step.reply {
                    Some(reply) => outgoing = Some(reply),
                    None if step.complete => break,
                    None => return Err(hub_closed()),
                }
            }
            HubMessage::SyncDone => {
                if session.is_complete() {
                    break;
                }
                return Err(CliError::Failed(
                    "the hub ended the sync session before this device was complete".into(),
                ));
            }
            _ => {
                return Err(CliError::Failed(
                    "the hub sent a message this build does not know".into(),
                ))
            }
        }
    }
    let _ = ws.close(None);
    Ok(Synced {
        hub,
        changed: session.changed_people(),
        stats: session.stats(),
        revocations_installed,
        directory,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn hub_urls_are_parsed_strictly() {
        assert_eq!(
            parse_url("wss://hub.example:8443").unwrap(),
            ("hub.example".into(), 8443)
        );
        assert_eq!(
            parse_url("wss://hub.example/").unwrap(),
            ("hub.example".into(), 443)
        );
        assert!(parse_url("https://hub.example").is_err());
        assert!(parse_url("wss://hub.example/x").is_err());
        assert!(parse_url("wss://hub.example:port").is_err());
        assert!(parse_url("wss://").is_err());
    }
}
