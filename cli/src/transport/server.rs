//! The reference server: accepts connections and runs a sync session on each, several at once,
//! until `--once` or its deadline ends it.
//!
//! Each connection gets its own thread (at most [`MAX_PEERS`] at a time; a connection beyond
//! that is closed at once, and the peer may retry), so a peer that stalls or trickles holds only
//! its own thread, and only until its frame deadline or the server's deadline. The store is
//! shared: `Store` is `Send + Sync`, and each received message takes its writer lock briefly.

use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use linkwork_core::Store;

use super::{Event, Mode, Report, Side};
use crate::error::{CliError, CliResult};

/// The most sessions served at once.
pub const MAX_PEERS: usize = 16;

/// How often an idle server checks for a new connection (and its deadline).
const ACCEPT_POLL: Duration = Duration::from_millis(20);

/// What the server reports about each session, from the session's thread.
pub type OnSession<'a> = dyn Fn(CliResult<Report>) -> CliResult + Sync + 'a;

/// What the server reports as a session runs (merges in live mode, progress), from the
/// session's thread.
pub type OnEvent<'a> = dyn Fn(Event) -> CliResult + Sync + 'a;

/// Serves sync sessions on `listener` until `mode.deadline` passes (then waits for running
/// sessions, which stop at the same deadline), or, with `once`, after one session.
///
/// # Errors
/// Listening errors; with `once`, the session's error; whatever `on_session` returns.
pub fn serve(
    listener: &TcpListener,
    store: &Store,
    mode: Mode,
    once: bool,
    on_event: &OnEvent<'_>,
    on_session: &OnSession<'_>,
) -> CliResult {
    listener
        .set_nonblocking(true)
        .map_err(CliError::net("listen on the port"))?;
    if once {
        let Some(stream) = accept_one(listener, mode.deadline)? else {
            return Ok(());
        };
        return on_session(session(store, stream, mode, on_event));
    }
    let running = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        loop {
            if mode.deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(());
            }
            match listener.accept() {
                Ok((stream, _)) => {
                    if running.load(Ordering::SeqCst) >= MAX_PEERS {
                        let _ = stream.shutdown(Shutdown::Both);
                        continue;
                    }
                    running.fetch_add(1, Ordering::SeqCst);
                    let running = &running;
                    scope.spawn(move || {
                        let outcome = session(store, stream, mode, on_event);
                        running.fetch_sub(1, Ordering::SeqCst);
                        // One bad connection does not stop the server.
                        let _ = on_session(outcome);
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(ACCEPT_POLL),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CliError::net("accept a connection")(e)),
            }
        }
    })
}

/// The first connection, or `None` when the deadline passes first.
fn accept_one(listener: &TcpListener, deadline: Option<Instant>) -> CliResult<Option<TcpStream>> {
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
        match listener.accept() {
            Ok((stream, _)) => return Ok(Some(stream)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(ACCEPT_POLL),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CliError::net("accept a connection")(e)),
        }
    }
}

fn session(
    store: &Store,
    stream: TcpStream,
    mode: Mode,
    on_event: &OnEvent<'_>,
) -> CliResult<Report> {
    stream
        .set_nonblocking(false)
        .map_err(CliError::net("accept a connection"))?;
    super::run(store, stream, Side::Serve, mode, &mut |e| on_event(e))
}
