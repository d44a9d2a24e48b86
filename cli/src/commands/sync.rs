//! `sync serve` and `sync connect`: the reference TCP transport (see `crate::transport`).
//!
//! Text output: `listening on 127.0.0.1:PORT` (serve), a line per merge in live mode, and a
//! report per session. With `--json`, one JSON object per line: `{"event":"listening",...}`,
//! `{"event":"merged",...}` and `{"event":"report",...}`.

use std::fmt::Write as _;
use std::io::{self, IsTerminal as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use chrono::Utc;
use linkwork_core::{Error, Id, SyncProgress};
use serde::Serialize;
use serde_json::{json, Value};

use super::{number, Ctx};
use crate::args::{LiveArgs, SyncCmd, SyncConnectArgs, SyncServeArgs};
use crate::error::{CliError, CliResult};
use crate::output::{print_text, Output};
use crate::transport::{self, server, Ended, Event, Mode, Report, Side};

/// How long `connect` waits for the peer to accept.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `sync serve|connect`.
///
/// # Errors
/// Bad options, connection errors, and whatever the session reports.
pub fn sync(ctx: &Ctx, cmd: SyncCmd) -> CliResult {
    match cmd {
        SyncCmd::Serve(a) => serve(ctx, a),
        SyncCmd::Connect(a) => connect(ctx, a),
    }
}

/// The session mode from `--live` and `--duration`.
fn mode(a: &LiveArgs) -> CliResult<Mode> {
    let deadline = match a.duration.as_deref() {
        None => None,
        Some(text) => {
            let secs: f64 = number("duration", text, "must be a number of seconds")?;
            if !(secs.is_finite() && secs > 0.0 && secs <= 1e9) {
                return Err(Error::invalid("duration", "must be more than 0 seconds").into());
            }
            Some(Instant::now() + Duration::from_secs_f64(secs))
        }
    };
    let max_message_bytes = a
        .max_message_bytes
        .as_deref()
        .map(|text| number("max-message-bytes", text, "must be a number of bytes"))
        .transpose()?;
    Ok(Mode {
        live: a.live,
        deadline,
        allow_unenrolled: a.allow_unenrolled,
        max_message_bytes,
    })
}

/// `sync serve`: answers connections, several at once, until `--once` or `--duration` ends it.
fn serve(ctx: &Ctx, a: SyncServeArgs) -> CliResult {
    let port: u16 = number("port", &a.port, "must be a port number from 0 to 65535")?;
    let mode = mode(&a.live)?;
    let store = ctx.store()?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .map_err(CliError::net("listen on the port"))?;
    let address = listener
        .local_addr()
        .map_err(CliError::net("listen on the port"))?;
    if ctx.out.is_json() {
        json_line(&json!({
            "event": "listening",
            "address": address.to_string(),
            "port": address.port(),
        }))?;
    } else {
        print_text(&format!("listening on {address}\n"))?;
    }
    let out = ctx.out;
    let on_event = |event: Event| print_event(out, event, false);
    let once = a.once;
    let on_session = |outcome: CliResult<Report>| match outcome {
        Ok(report) => print_report(out, &report),
        // With --once the session's failure is the command's; otherwise one bad connection
        // does not stop the server.
        Err(e) if !once => {
            let _ = writeln!(io::stderr(), "error: {e}");
            Ok(())
        }
        Err(e) => Err(e),
    };
    server::serve(&listener, &store, mode, once, &on_event, &on_session)
}

/// `sync connect HOST:PORT`: one session, with a progress line while it runs.
fn connect(ctx: &Ctx, a: SyncConnectArgs) -> CliResult {
    let mode = mode(&a.live)?;
    let store = ctx.store()?;
    let addresses: Vec<_> = a
        .address
        .to_socket_addrs()
        .map_err(|_| Error::invalid("address", "must be HOST:PORT, e.g. 127.0.0.1:7070"))?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    for address in addresses {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => {
                let out = ctx.out;
                let progress =
                    a.progress || (!out.is_json() && !mode.live && io::stderr().is_terminal());
                let report = transport::run(&store, stream, Side::Connect, mode, &mut |e| {
                    print_event(out, e, progress)
                });
                if progress && !out.is_json() {
                    // End the progress line.
                    let _ = writeln!(io::stderr());
                }
                return print_report(out, &report?);
            }
            Err(e) => last = e,
        }
    }
    Err(CliError::net("connect to the peer")(last))
}

/// Prints a merge (live mode) or, when `progress` is asked for, a progress update: a JSON line
/// (`{"event":"progress",...}`), or one line on stderr rewritten in place.
fn print_event(out: Output, event: Event, progress: bool) -> CliResult {
    match event {
        Event::Merged(people) => {
            if out.is_json() {
                json_line(&json!({
                    "event": "merged",
                    "at": Utc::now(),
                    "people": people,
                }))
            } else {
                print_text(&format!(
                    "{} merged changes to {}\n",
                    Utc::now().format("%H:%M:%S%.3f"),
                    people_list(&people)
                ))
            }
        }
        Event::Progress(p) if progress => {
            if out.is_json() {
                let mut value = serde_json::to_value(p).map_err(|e| CliError::File {
                    action: "write JSON output",
                    source: io::Error::other(e),
                })?;
                if let Value::Object(o) = &mut value {
                    o.insert("event".into(), json!("progress"));
                }
                json_line(&value)
            } else {
                let _ = write!(io::stderr(), "\r{}", progress_text(&p));
                let _ = io::stderr().flush();
                Ok(())
            }
        }
        Event::Progress(_) => Ok(()),
    }
}

/// "syncing [#####.....]  50%  120 of 240 documents, 0.6 of 1.2 MB".
pub fn progress_text(p: &SyncProgress) -> String {
    const WIDTH: usize = 20;
    let fraction = p.fraction();
    let filled = ((fraction * WIDTH as f64).round() as usize).min(WIDTH);
    format!(
        "syncing [{}{}] {:>3}%  {} of {} documents, {:.1} of {:.1} MB",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        (fraction * 100.0).floor() as u32,
        p.docs_done,
        p.docs_total,
        p.bytes_done as f64 / 1e6,
        p.bytes_total as f64 / 1e6,
    )
}

/// Prints the report at the end of a session.
fn print_report(out: Output, report: &Report) -> CliResult {
    if out.is_json() {
        let mut value = serde_json::to_value(report).map_err(|e| CliError::File {
            action: "write JSON output",
            source: io::Error::other(e),
        })?;
        if let Value::Object(o) = &mut value {
            o.insert("event".into(), json!("report"));
        }
        json_line(&value)
    } else {
        print_text(&report_text(report))
    }
}

/// "1 person: ID" / "2 people: ID, ID" / "nobody".
pub(crate) fn people_list(people: &[Id]) -> String {
    let ids: Vec<String> = people.iter().map(Id::to_string).collect();
    match people.len() {
        0 => "nobody".into(),
        1 => format!("1 person: {}", ids.join(", ")),
        n => format!("{n} people: {}", ids.join(", ")),
    }
}

/// The human report of a session.
pub fn report_text(r: &Report) -> String {
    let mut out = String::new();
    let peer = match &r.peer {
        Some(p) => match p.person {
            Some(person) => format!("store {} ({}, person {person})", p.store_id, p.role),
            None => format!("store {} ({})", p.store_id, p.role),
        },
        None => "unknown (it never introduced itself)".into(),
    };
    let ended = match r.ended {
        Ended::Completed => "sync complete",
        Ended::PeerClosed if r.complete => "the peer closed the connection (in sync)",
        Ended::PeerClosed => "the peer closed the connection mid-round",
        Ended::Duration if r.complete => "--duration passed (in sync)",
        Ended::Duration => "--duration passed mid-round",
    };
    let _ = writeln!(out, "peer            {peer}");
    let _ = writeln!(out, "people changed  {}", people_list(&r.changed_people));
    let _ = writeln!(
        out,
        "round trips     {} ({} messages sent, {} received)",
        r.round_trips, r.stats.messages_sent, r.stats.messages_received
    );
    let _ = writeln!(out, "bytes sent      {}", r.stats.bytes_sent);
    let _ = writeln!(out, "bytes received  {}", r.stats.bytes_received);
    let _ = writeln!(out, "elapsed         {} ms", r.elapsed_ms);
    let _ = writeln!(out, "ended           {ended}");
    out
}

/// Prints one compact JSON object on its own line.
pub(crate) fn json_line<T: Serialize>(value: &T) -> CliResult {
    let text = serde_json::to_string(value).map_err(|e| CliError::File {
        action: "write JSON output",
        source: io::Error::other(e),
    })?;
    print_text(&format!("{text}\n"))
}
