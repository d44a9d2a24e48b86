//! The reference transport: sync sessions over a TCP stream (`linkwork sync serve|connect`),
//! and an in-process driver for the demo ([`in_process`], the same channel over bytes in memory).
//!
//! **Framing** ([`frame`]): each message travels as a 4-byte big-endian length followed by that
//! many bytes; frames over 64 MiB are refused before anything is allocated for them, and each
//! frame must arrive whole by its deadline. The framing layer works over any `Read`/`Write`, so
//! an authenticated channel can wrap it later. **Serving** ([`server`]): the reference server
//! runs each connection on its own thread (up to [`server::MAX_PEERS`] at once), so a stalled
//! peer blocks nobody, and stops when `--duration` passes.
//!
//! **A session.** The connecting side calls `Store::sync_start` and sends the first message;
//! the listening side calls `Store::sync_accept`. Each side feeds every frame it receives to
//! `Store::sync_receive` and sends back the reply, if any.
//!
//! **Ending.** A side whose session completes with no reply to send has finished: the message
//! it just received was the peer's "done". The connecting side then closes. The listening side
//! half-closes (it will send nothing more) and reads until the stream ends: the last message of
//! a session may go either way, so a connecting side that has just sent its own "done" learns
//! from that half-close that nothing more is coming. A stream that ends before the session
//! completed is an error (nothing received so far is lost: every message is stored in one
//! transaction, and the next session starts from it).
//!
//! **Live mode.** Neither side closes when the session completes. Every [`TICK`] without a
//! frame, `Store::sync_poll` picks up local edits (including those made by another process on
//! the same file) and their message is sent. The session ends when the peer closes, when a
//! deadline passes, or when the process is interrupted.
//!
//! **Authentication and encryption.** Before the sync session, both sides run the core's
//! authenticated channel over the same framing ([`Channel`]: a Noise XX handshake in which each
//! side proves the device key of its certificate, chained to the same organisation); every sync
//! message then travels sealed, one frame per message. The session's peer identity is the
//! peer's verified certificate, and a hello claiming anything else is refused. Two unenrolled
//! stores (tests, demos) may sync only when both sides pass `allow_unenrolled`
//! (`--allow-unenrolled`); an enrolled store never accepts a peer without a certificate.

pub mod frame;
pub mod in_process;
pub mod server;

use std::io;
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use linkwork_core::identity::{Channel, Peer};
use linkwork_core::{Error, Id, PeerInfo, Store, SyncProgress, SyncSession, SyncStats};
use serde::Serialize;

pub use frame::{write_frame, FrameReader, Incoming};
pub use in_process::{handshake_in_process, sync_in_process, Handshake};

use crate::error::{CliError, CliResult};

/// How long a read waits before the session checks its deadline (and, live, polls local edits).
pub const TICK: Duration = Duration::from_millis(100);

/// Outside live mode, how long a peer may stay silent mid-session before the session fails.
const SILENCE_LIMIT: Duration = Duration::from_secs(30);

/// How long one write may block on a peer that does not read (a stalled peer must not hold
/// this side's thread).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// After this side closes, how long it keeps reading for the peer's end of the stream.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Which end of the connection this side is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Connected to the peer (`sync connect`): starts the session.
    Connect,
    /// Accepted the connection (`sync serve`): answers.
    Serve,
}

/// How a session runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mode {
    /// Keep the session open and send local edits as they happen.
    pub live: bool,
    /// Stop at this instant (live), or fail if not complete by then (otherwise).
    pub deadline: Option<Instant>,
    /// An unenrolled store's opt-in to sync with another unenrolled store that also opted in
    /// (`--allow-unenrolled`; ignored by an enrolled store).
    pub allow_unenrolled: bool,
    /// The batch size this side keeps its messages under (the core's default when `None`).
    pub max_message_bytes: Option<usize>,
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ended {
    /// Both sides hold the same shared documents and the connection was closed.
    Completed,
    /// The peer closed the connection (live mode).
    PeerClosed,
    /// The `--duration` deadline passed (live mode).
    Duration,
}

/// What a session did, for the report `sync serve|connect` print.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Who the peer is (absent if it never introduced itself): from its verified certificate
    /// when it has one.
    pub peer: Option<PeerInfo>,
    /// Whether the peer proved a certificate of this store's organisation.
    pub authenticated: bool,
    /// The name on the peer's verified certificate.
    pub peer_name: Option<String>,
    /// People whose documents changed on this side.
    pub changed_people: Vec<Id>,
    /// Round trips (a message each way).
    pub round_trips: u32,
    /// Messages and bytes each way.
    #[serde(flatten)]
    pub stats: SyncStats,
    /// Wall-clock time from the connection to the end of the session, in milliseconds.
    pub elapsed_ms: u64,
    /// Whether the last round completed (both sides held the same shared documents).
    pub complete: bool,
    /// Whether the session ran in live mode.
    pub live: bool,
    /// Why it ended.
    pub ended: Ended,
}

/// Something that happened during a session, reported as it happens (live mode).
#[derive(Clone, Debug)]
pub enum Event {
    /// A received message changed these people's documents.
    Merged(Vec<Id>),
    /// A message was received: how far the session has got.
    Progress(SyncProgress),
}

/// A connection-level error while doing `action`.
fn net(action: &'static str) -> impl FnOnce(io::Error) -> CliError {
    CliError::net(action)
}

/// Whether an error means the peer went away.
fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// Runs one sync session over `stream` to its end (see the module documentation), calling
/// `on_event` as things happen.
///
/// # Errors
/// Core errors from the session (a refused document, a malformed message); connection errors;
/// outside live mode, a peer that closes, falls silent or misses the deadline before the
/// session completes.
pub fn run(
    store: &Store,
    stream: TcpStream,
    side: Side,
    mode: Mode,
    on_event: &mut dyn FnMut(Event) -> CliResult,
) -> CliResult<Report> {
    let started = Instant::now();
    stream
        .set_nodelay(true)
        .and_then(|()| stream.set_read_timeout(Some(TICK)))
        .and_then(|()| stream.set_write_timeout(Some(WRITE_TIMEOUT)))
        .map_err(net("configure the connection"))?;
    let mut conn = &stream;
    let mut reader = FrameReader::default();
    let mut channel = handshake(store, &stream, &mut reader, side, mode)?;
    let peer = channel.peer().cloned().unwrap_or(Peer::Unenrolled);
    let mut session = match side {
        Side::Connect => {
            let (session, first) = store.sync_start_authenticated(&peer)?;
            write_frame(&mut conn, &seal(&mut channel, &first)?)
                .map_err(net("send to the peer"))?;
            session
        }
        Side::Serve => store.sync_accept_authenticated(&peer),
    };
    if let Some(bytes) = mode.max_message_bytes {
        session.set_max_message_bytes(bytes);
    }
    let mut last_heard = Instant::now();
    let mut half_closed = false;
    let ended = loop {
        if mode.deadline.is_some_and(|d| Instant::now() >= d) {
            if mode.live {
                break Ended::Duration;
            }
            return Err(CliError::Failed(
                "the sync did not complete within --duration".into(),
            ));
        }
        let incoming = match reader.next(&mut conn) {
            Ok(i) => i,
            Err(e) if mode.live && is_disconnect(&e) => break Ended::PeerClosed,
            Err(e) => return Err(net("receive from the peer")(e)),
        };
        match incoming {
            Incoming::Frame(bytes) => {
                last_heard = Instant::now();
                let bytes = channel.open(&bytes).map_err(Error::from)?;
                let step = store.sync_receive(&mut session, &bytes)?;
                if mode.live && !step.changed_people.is_empty() {
                    on_event(Event::Merged(step.changed_people.clone()))?;
                }
                if !mode.live {
                    on_event(Event::Progress(session.progress()))?;
                }
                match step.reply {
                    Some(reply) if !half_closed => {
                        if let Err(e) = write_frame(&mut conn, &seal(&mut channel, &reply)?) {
                            if mode.live && is_disconnect(&e) {
                                break Ended::PeerClosed;
                            }
                            return Err(net("send to the peer")(e));
                        }
                    }
                    Some(_) => {
                        return Err(CliError::Failed(
                            "the peer went on after the session completed".into(),
                        ))
                    }
                    None if mode.live => {}
                    // No reply means this side received the peer's "done": the session is over.
                    None => match side {
                        Side::Connect => break Ended::Completed,
                        Side::Serve => {
                            stream
                                .shutdown(Shutdown::Write)
                                .map_err(net("close the connection"))?;
                            half_closed = true;
                        }
                    },
                }
            }
            Incoming::Idle if mode.live => {
                if let Some(message) = store.sync_poll(&mut session)? {
                    if let Err(e) = write_frame(&mut conn, &seal(&mut channel, &message)?) {
                        if is_disconnect(&e) {
                            break Ended::PeerClosed;
                        }
                        return Err(net("send to the peer")(e));
                    }
                }
            }
            Incoming::Idle => {
                if last_heard.elapsed() >= SILENCE_LIMIT {
                    return Err(CliError::Failed(
                        "the peer sent nothing for 30 seconds; the sync was abandoned".into(),
                    ));
                }
            }
            Incoming::Closed if mode.live => break Ended::PeerClosed,
            Incoming::Closed if session.is_complete() => break Ended::Completed,
            Incoming::Closed => {
                return Err(CliError::Failed(
                    "the peer closed the connection before the sync completed".into(),
                ))
            }
        }
    };
    if !half_closed && ended != Ended::PeerClosed {
        close(store, &stream, &mut reader, &mut channel, &mut session);
    }
    Ok(report(&session, &peer, started, mode, ended))
}

/// Runs the authenticated channel's handshake over the framing until the channel is open.
///
/// # Errors
/// The core's refusal of the peer (another organisation, expired, revoked, no certificate, ...);
/// a peer that closes (it refused this side), falls silent for 30 seconds or misses the
/// deadline during the handshake; connection errors.
fn handshake(
    store: &Store,
    stream: &TcpStream,
    reader: &mut FrameReader,
    side: Side,
    mode: Mode,
) -> CliResult<Channel> {
    let mut conn = stream;
    let policy = store.channel_policy(mode.allow_unenrolled)?;
    let mut channel = match side {
        Side::Connect => {
            let (channel, first) = Channel::initiate(policy).map_err(Error::from)?;
            write_frame(&mut conn, &first).map_err(net("send to the peer"))?;
            channel
        }
        Side::Serve => Channel::accept(policy).map_err(Error::from)?,
    };
    let started = Instant::now();
    while !channel.is_open() {
        match reader
            .next(&mut conn)
            .map_err(net("receive from the peer"))?
        {
            Incoming::Frame(message) => {
                if let Some(reply) = channel.receive_handshake(&message).map_err(Error::from)? {
                    write_frame(&mut conn, &reply).map_err(net("send to the peer"))?;
                }
            }
            Incoming::Idle => {
                if started.elapsed() >= SILENCE_LIMIT
                    || mode.deadline.is_some_and(|d| Instant::now() >= d)
                {
                    return Err(CliError::Failed(
                        "the peer did not complete the secure handshake".into(),
                    ));
                }
            }
            Incoming::Closed => {
                return Err(CliError::Failed(
                    "the peer closed the connection during the secure handshake (it refused \
                     this device's identity)"
                        .into(),
                ))
            }
        }
    }
    Ok(channel)
}

/// Encrypts one sync message for the peer.
fn seal(channel: &mut Channel, message: &[u8]) -> CliResult<Vec<u8>> {
    Ok(channel.seal(message).map_err(Error::from)?)
}

/// Closes this side's half and reads until the peer closes too (or a short grace period
/// passes), so the peer sees a clean end of stream rather than a reset. Messages still
/// arriving are stored; nothing more is sent.
fn close(
    store: &Store,
    stream: &TcpStream,
    reader: &mut FrameReader,
    channel: &mut Channel,
    session: &mut SyncSession,
) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let until = Instant::now() + CLOSE_GRACE;
    let mut conn = stream;
    while Instant::now() < until {
        match reader.next(&mut conn) {
            Ok(Incoming::Frame(bytes)) => {
                let Ok(bytes) = channel.open(&bytes) else {
                    return;
                };
                if store.sync_receive(session, &bytes).is_err() {
                    return;
                }
            }
            Ok(Incoming::Idle) => {}
            Ok(Incoming::Closed) | Err(_) => return,
        }
    }
}

/// The report of a finished session.
fn report(
    session: &SyncSession,
    peer: &Peer,
    started: Instant,
    mode: Mode,
    ended: Ended,
) -> Report {
    let stats = session.stats();
    let name = match peer {
        Peer::Verified(cert) => Some(cert.name.clone()),
        Peer::Unenrolled => None,
    };
    Report {
        peer: session.peer(),
        authenticated: name.is_some(),
        peer_name: name,
        changed_people: session.changed_people(),
        round_trips: stats.round_trips(),
        stats,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        complete: session.is_complete(),
        live: mode.live,
        ended,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    use linkwork_core::model::{NewGoal, NewPerson, NewProgress, NewStore, Role};

    /// A plain link-worker store named `name` in `dir` (also used by `in_process`'s tests).
    pub(super) fn store(dir: &std::path::Path, name: &str) -> Store {
        Store::create(
            dir.join(name),
            NewStore {
                user: name.into(),
                role: Role::LinkWorker,
                person: None,
            },
            &linkwork_core::StoreKey::unencrypted(),
        )
        .unwrap()
    }

    /// Runs a session over loopback TCP: `a` serves, `b` connects.
    fn over_tcp(a: &Store, b: &Store) -> (Report, Report) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Mode {
            live: false,
            deadline: Some(Instant::now() + Duration::from_secs(20)),
            allow_unenrolled: true,
            max_message_bytes: None,
        };
        std::thread::scope(|scope| {
            let server = scope.spawn(|| {
                let (stream, _) = listener.accept().unwrap();
                run(a, stream, Side::Serve, mode, &mut |_| Ok(())).unwrap()
            });
            let stream = TcpStream::connect(addr).unwrap();
            let client = run(b, stream, Side::Connect, mode, &mut |_| Ok(())).unwrap();
            (server.join().unwrap(), client)
        })
    }

    /// Whichever side sends the last message, both sides finish and agree on the counts.
    #[test]
    fn sessions_end_cleanly_whoever_sends_the_last_message() {
        let dir = tempfile::tempdir().unwrap();
        let a = store(dir.path(), "a");
        let b = store(dir.path(), "b");
        let p = a
            .add_person(NewPerson {
                given_name: "Ada".into(),
                family_name: "L".into(),
                ..NewPerson::default()
            })
            .unwrap();
        let g = a
            .add_goal(
                p,
                NewGoal {
                    text: "walk".into(),
                    ..NewGoal::default()
                },
            )
            .unwrap();
        let progress = |s: &Store| {
            s.record_progress(
                g,
                NewProgress {
                    rating: Some(5),
                    note: None,
                },
            )
            .unwrap();
        };
        let mut finals = Vec::new();
        for round in 0..4 {
            match round {
                1 => progress(&a),
                2 => progress(&b),
                3 => {
                    progress(&a);
                    progress(&b);
                }
                _ => {}
            }
            let (server, client) = over_tcp(&a, &b);
            assert_eq!(server.ended, Ended::Completed);
            assert_eq!(client.ended, Ended::Completed);
            assert!(server.complete && client.complete);
            assert_eq!(server.stats.bytes_sent, client.stats.bytes_received);
            assert_eq!(server.stats.bytes_received, client.stats.bytes_sent);
            assert_eq!(server.round_trips, client.round_trips);
            finals.push(client.stats.messages_sent + client.stats.messages_received);
            assert_eq!(a.person(p).unwrap(), b.person(p).unwrap());
        }
        // Both parities occur: sessions ending on each side.
        assert!(finals.iter().any(|n| n % 2 == 0) && finals.iter().any(|n| n % 2 == 1));
        let (server, client) = over_tcp(&a, &b);
        assert_eq!((server.round_trips, client.stats.messages_sent), (1, 1));
    }
}
