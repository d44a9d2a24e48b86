//! A simulated device: a linkwork store talking to a real `linkwork-hub` process over loopback,
//! as `linkwork hub connect|sync` does (cli/src/hub_client.rs: TLS WebSocket, the core's
//! authenticated channel, one sync session), with every wire byte and frame counted.
//!
//! The CLI's client is a binary crate's private module, so its few steps are repeated here;
//! the protocol is the core's either way (this file only moves bytes and counts them).

use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linkwork_core::identity::enrolment::{DeviceMessage, HubMessage};
use linkwork_core::identity::{Certificate, Channel, Peer};
use linkwork_core::Store;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::support::{e, Res};

/// How long the hub has to answer each step (a bench under load is slow, not stuck).
const DEADLINE: Duration = Duration::from_secs(120);

/// The largest message read from the hub.
const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// The batch size of the device's sync messages (the CLI's).
const SYNC_BATCH_BYTES: usize = 512 * 1024;

/// Counts the bytes a stream reads and writes (TLS records included: what crosses the wire).
pub struct Counted {
    tcp: TcpStream,
    /// Bytes read from the socket.
    pub read: u64,
    /// Bytes written to the socket.
    pub written: u64,
}

impl std::io::Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.tcp.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl std::io::Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.tcp.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

type Ws = WebSocket<rustls::StreamOwned<rustls::ClientConnection, Counted>>;

/// The TLS client configuration trusting only the bench's self-signed certificate.
///
/// # Errors
/// A certificate that does not parse.
pub fn tls_config(ca_pem: &[u8]) -> Res<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots.add(cert.map_err(e)?).map_err(e)?;
    }
    // The `ring` provider, as the CLI and the hub use.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(e)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Every `linkwork hub sync` is a new process with a new configuration: no TLS session
    // resumption, a full handshake each time, as here.
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(config))
}

/// What one connection cost on the wire.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wire {
    /// Bytes the device wrote (TCP payload: TLS, WebSocket, channel, sync).
    pub bytes_out: u64,
    /// Bytes the device read.
    pub bytes_in: u64,
    /// WebSocket messages the device sent.
    pub frames_out: u32,
    /// WebSocket messages the device received.
    pub frames_in: u32,
}

/// One open connection of a device to its hub.
pub struct Conn {
    ws: Ws,
    channel: Option<Channel>,
    hub: Option<Certificate>,
    frames_out: u32,
    frames_in: u32,
}

impl Conn {
    /// Opens TCP, TLS and the WebSocket to `addr` + `/connect` (no channel yet).
    pub fn open(addr: &str, tls: &Arc<rustls::ClientConfig>) -> Res<Conn> {
        let tcp = TcpStream::connect(addr).map_err(e)?;
        tcp.set_nodelay(true).map_err(e)?;
        tcp.set_read_timeout(Some(DEADLINE)).map_err(e)?;
        tcp.set_write_timeout(Some(DEADLINE)).map_err(e)?;
        let name = ServerName::try_from("localhost").map_err(e)?;
        let conn = rustls::ClientConnection::new(Arc::clone(tls), name).map_err(e)?;
        let stream = rustls::StreamOwned::new(
            conn,
            Counted {
                tcp,
                read: 0,
                written: 0,
            },
        );
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let (ws, _) = tungstenite::client::client_with_config(
            "wss://localhost/connect",
            stream,
            Some(config),
        )
        .map_err(e)?;
        Ok(Conn {
            ws,
            channel: None,
            hub: None,
            frames_out: 0,
            frames_in: 0,
        })
    }

    fn send(&mut self, bytes: Vec<u8>) -> Res<()> {
        self.frames_out += 1;
        self.ws.send(Message::Binary(bytes.into())).map_err(e)
    }

    fn next(&mut self) -> Res<Vec<u8>> {
        loop {
            match self.ws.read().map_err(e)? {
                Message::Binary(b) => {
                    self.frames_in += 1;
                    return Ok(b.to_vec());
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                Message::Close(_) | Message::Text(_) => {
                    return Err("the hub closed the connection".into())
                }
            }
        }
    }

    fn next_message(&mut self) -> Res<HubMessage> {
        let frame = self.next()?;
        let channel = self.channel.as_mut().ok_or("no channel")?;
        let plain = channel.open(&frame).map_err(e)?;
        HubMessage::decode(&plain).map_err(e)
    }

    fn send_sealed(&mut self, plain: &[u8]) -> Res<()> {
        let channel = self.channel.as_mut().ok_or("no channel")?;
        let frame = channel.seal(plain).map_err(e)?;
        self.send(frame)
    }

    /// Runs the authenticated channel (the store's certificate against the hub's) and reads
    /// the revocation list the hub sends first.
    pub fn authenticate(&mut self, store: &Store) -> Res<()> {
        let (mut channel, first) =
            Channel::initiate(store.channel_policy(false).map_err(e)?).map_err(e)?;
        self.send(first)?;
        while !channel.is_open() {
            let message = self.next()?;
            if let Some(reply) = channel.receive_handshake(&message).map_err(e)? {
                self.send(reply)?;
            }
        }
        let Some(Peer::Verified(cert)) = channel.peer().cloned() else {
            return Err("the hub did not prove a certificate".into());
        };
        self.hub = Some(*cert);
        self.channel = Some(channel);
        match self.next_message()? {
            HubMessage::Revocations(_) => Ok(()),
            _ => Err("the hub did not send the revocation list first".into()),
        }
    }

    /// Asks for the services directory as a link worker's device does on every connect
    /// (the store holds none in the bench: the hub has none either, so one small answer).
    pub fn directory(&mut self, store: &Store) -> Res<()> {
        let have = store.directory_have().map_err(e)?.encode();
        self.send_sealed(&have)?;
        loop {
            match self.next_message()? {
                HubMessage::Directory(_) => return Ok(()),
                HubMessage::Revocations(_) => {}
                _ => return Err("unexpected message while asking for the directory".into()),
            }
        }
    }

    /// One sync session with the hub until both sides are complete; the number of people
    /// whose documents changed on the device.
    pub fn sync(&mut self, store: &Store) -> Res<usize> {
        let hub = self.hub.clone().ok_or("not authenticated")?;
        let (mut session, first) = store
            .sync_start_authenticated(&Peer::Verified(Box::new(hub)))
            .map_err(e)?;
        session.set_max_message_bytes(SYNC_BATCH_BYTES);
        let mut outgoing = Some(first);
        loop {
            if let Some(bytes) = outgoing.take() {
                self.send_sealed(&DeviceMessage::Sync(bytes).encode())?;
            }
            match self.next_message()? {
                HubMessage::Revocations(_) => {}
                HubMessage::Sync(bytes) => {
                    let step = store.sync_receive(&mut session, &bytes).map_err(e)?;
                    match step.reply {
                        Some(reply) => outgoing = Some(reply),
                        None if step.complete => return Ok(session.changed_people().len()),
                        None => return Err("the sync session stalled".into()),
                    }
                }
                HubMessage::SyncDone if session.is_complete() => {
                    return Ok(session.changed_people().len())
                }
                _ => return Err("unexpected message during sync".into()),
            }
        }
    }

    /// What the connection has cost so far.
    pub fn wire(&self) -> Wire {
        let counted = self.ws.get_ref().get_ref();
        Wire {
            bytes_out: counted.written,
            bytes_in: counted.read,
            frames_out: self.frames_out,
            frames_in: self.frames_in,
        }
    }

    /// Closes the connection politely.
    pub fn close(mut self) -> Wire {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
        self.wire()
    }
}

/// One reconnect of an idle device as `linkwork hub sync` makes it: connect, authenticate,
/// directory, a sync session with nothing to do, close. Its latency and wire cost.
pub fn reconnect(
    store: &Store,
    addr: &str,
    tls: &Arc<rustls::ClientConfig>,
) -> Res<(Duration, Wire)> {
    let t = Instant::now();
    let mut c = Conn::open(addr, tls)?;
    c.authenticate(store)?;
    c.directory(store)?;
    c.sync(store)?;
    let d = t.elapsed();
    Ok((d, c.close()))
}

/// Reads a PEM file.
pub fn read_pem(path: &Path) -> Res<Vec<u8>> {
    std::fs::read(path).map_err(e)
}
