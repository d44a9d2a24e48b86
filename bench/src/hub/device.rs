//! A simulated device: a linkwork store talking to a real `linkwork-hub` process over loopback,
//! as `linkwork hub connect|sync [--live]` does (cli/src/hub_client.rs): a WebSocket (TLS, or
//! plain `ws://` to a node serving loopback without TLS) carrying the core's
//! [`HubSession`], with every wire byte, frame and round trip counted.
//!
//! The protocol is the core's ([`linkwork_core::hub_client`]); this file only moves bytes.

use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linkwork_core::hub_client::{HubPurpose, HubSession};
use linkwork_core::Store;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::support::{e, Res};

/// How long the hub has to answer each step (a bench under load is slow, not stuck).
const DEADLINE: Duration = Duration::from_secs(120);

/// The largest message read from the hub.
const MAX_MESSAGE: usize = linkwork_core::hub_client::MAX_FRAME_BYTES;

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

/// The stream under the WebSocket: TLS as deployed, or plain on loopback.
pub enum Stream {
    /// `wss://`.
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, Counted>>),
    /// `ws://` (a node serving loopback without TLS).
    Plain(Counted),
}

impl Stream {
    fn counted(&self) -> &Counted {
        match self {
            Stream::Tls(s) => s.get_ref(),
            Stream::Plain(c) => c,
        }
    }
}

impl std::io::Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tls(s) => s.read(buf),
            Stream::Plain(c) => c.read(buf),
        }
    }
}

impl std::io::Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tls(s) => s.write(buf),
            Stream::Plain(c) => c.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Tls(s) => s.flush(),
            Stream::Plain(c) => c.flush(),
        }
    }
}

/// How devices reach a node: TLS trusting the bench's certificate, or plain WebSocket.
#[derive(Clone)]
pub enum Transport {
    /// `wss://` with this client configuration.
    Tls(Arc<rustls::ClientConfig>),
    /// `ws://`, loopback only.
    Plain,
}

/// The TLS client configuration trusting only the bench's self-signed certificate.
///
/// # Errors
/// A certificate that does not parse.
pub fn tls_config(ca_pem: &[u8]) -> Res<Transport> {
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
    Ok(Transport::Tls(Arc::new(config)))
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
    /// Round trips inside the WebSocket: flights of the device (what it sends before it waits
    /// for the hub again), each answered by the hub.
    pub round_trips: u32,
}

/// One open connection of a device to its hub.
pub struct Conn {
    ws: WebSocket<Stream>,
    session: Option<HubSession>,
    frames_out: u32,
    frames_in: u32,
    flights: u32,
    /// Whether the device sent since it last read (the current flight is open).
    sending: bool,
}

impl Conn {
    /// Opens TCP, TLS (unless plain) and the WebSocket to `addr` + `/connect` (no channel
    /// yet).
    pub fn open(addr: &str, transport: &Transport) -> Res<Conn> {
        let tcp = TcpStream::connect(addr).map_err(e)?;
        tcp.set_nodelay(true).map_err(e)?;
        tcp.set_read_timeout(Some(DEADLINE)).map_err(e)?;
        tcp.set_write_timeout(Some(DEADLINE)).map_err(e)?;
        let counted = Counted {
            tcp,
            read: 0,
            written: 0,
        };
        let (stream, url) = match transport {
            Transport::Tls(tls) => {
                let name = ServerName::try_from("localhost").map_err(e)?;
                let conn = rustls::ClientConnection::new(Arc::clone(tls), name).map_err(e)?;
                let tls = rustls::StreamOwned::new(conn, counted);
                (Stream::Tls(Box::new(tls)), "wss://localhost/connect")
            }
            Transport::Plain => (Stream::Plain(counted), "ws://localhost/connect"),
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let (ws, _) =
            tungstenite::client::client_with_config(url, stream, Some(config)).map_err(e)?;
        Ok(Conn {
            ws,
            session: None,
            frames_out: 0,
            frames_in: 0,
            flights: 0,
            sending: false,
        })
    }

    /// [`Conn::open`], retried as a device retries a refused connection: the hub closes one
    /// at once over its cap of connections not yet admitted (64 by default), which a
    /// catch-up of 100 devices connecting at the same moment meets. Up to 100 tries, 20 ms
    /// apart; the tries made are counted in the latency the caller measures.
    pub fn open_retrying(addr: &str, transport: &Transport) -> Res<Conn> {
        let mut last = String::new();
        for _ in 0..100 {
            match Conn::open(addr, transport) {
                Ok(c) => return Ok(c),
                Err(why) => last = why,
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(last)
    }

    fn send(&mut self, bytes: Vec<u8>) -> Res<()> {
        if !self.sending {
            self.sending = true;
            self.flights += 1;
        }
        self.frames_out += 1;
        self.ws.send(Message::Binary(bytes.into())).map_err(e)
    }

    fn next(&mut self) -> Res<Vec<u8>> {
        loop {
            match self.ws.read().map_err(e)? {
                Message::Binary(b) => {
                    self.sending = false;
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

    /// Takes one frame from the hub into the session and sends its answer: whether the
    /// session is done and how many people changed on the store.
    fn step(&mut self, store: &Store) -> Res<(bool, usize)> {
        let frame = self.next()?;
        let session = self.session.as_mut().ok_or("no session")?;
        let step = session.receive(store, &frame).map_err(e)?;
        let sent_any = !step.send.is_empty();
        for f in step.send {
            self.send(f)?;
        }
        Ok((step.done && !sent_any, step.changed.len()))
    }

    /// Runs one [`HubSession`] for `purpose` to completion (the channel, the revocation list,
    /// the directory and, for `Sync`, a sync session); the number of people whose documents
    /// changed on the store. The connection stays open (live mode after a sync).
    pub fn run(&mut self, store: &Store, purpose: HubPurpose) -> Res<usize> {
        let (session, first) = HubSession::start(store, purpose).map_err(e)?;
        self.session = Some(session);
        self.send(first)?;
        let mut changed = 0;
        loop {
            let frame = self.next()?;
            let session = self.session.as_mut().ok_or("no session")?;
            let step = session.receive(store, &frame).map_err(e)?;
            changed += step.changed.len();
            for f in step.send {
                self.send(f)?;
            }
            if step.done {
                return Ok(changed);
            }
        }
    }

    /// Live mode: sends the store's edits made since the last round, then answers the hub
    /// until it has nothing more to say about them.
    pub fn push(&mut self, store: &Store) -> Res<()> {
        let session = self.session.as_mut().ok_or("no session")?;
        let Some(frame) = session.poll(store).map_err(e)? else {
            return Err("live mode: nothing to send after an edit".into());
        };
        self.send(frame)?;
        while !self.step(store)?.0 {}
        Ok(())
    }

    /// Live mode: answers the hub until a frame of it changed people on the store (a round
    /// the hub started); how many.
    pub fn receive_pushed(&mut self, store: &Store) -> Res<usize> {
        loop {
            let (_, changed) = self.step(store)?;
            if changed > 0 {
                return Ok(changed);
            }
        }
    }

    /// What the connection has cost so far.
    pub fn wire(&self) -> Wire {
        let counted = self.ws.get_ref().counted();
        Wire {
            bytes_out: counted.written,
            bytes_in: counted.read,
            frames_out: self.frames_out,
            frames_in: self.frames_in,
            round_trips: self.flights,
        }
    }

    /// Closes the connection politely.
    pub fn close(mut self) -> Wire {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
        self.wire()
    }
}

/// One reconnect of an idle device as `linkwork hub sync` makes it: connect, the session
/// (authenticate, revocations, directory, a sync session with nothing to do), close. Its
/// latency and wire cost.
pub fn reconnect(store: &Store, addr: &str, transport: &Transport) -> Res<(Duration, Wire)> {
    let t = Instant::now();
    let mut c = Conn::open(addr, transport)?;
    c.run(store, HubPurpose::Sync)?;
    let d = t.elapsed();
    Ok((d, c.close()))
}

/// Reads a PEM file.
pub fn read_pem(path: &Path) -> Res<Vec<u8>> {
    std::fs::read(path).map_err(e)
}
