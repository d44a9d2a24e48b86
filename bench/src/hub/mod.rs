//! The hub under load (issue 18, hub section): `linkwork-bench hub [devices]`.
//!
//! Starts the real `linkwork-hub` server in a process of its own on loopback, on the embedded
//! SQLite database (unless `LINKWORK_BENCH_HUB_SKIP_SQLITE` is set) and, when
//! `LINKWORK_BENCH_POSTGRES_URL` is set (`scripts/bench-hub.sh` starts a throwaway cluster), on
//! PostgreSQL with one node and then two; simulates enrolled
//! link workers' devices in this process (each its own encrypted store, a caseload slice of
//! one person, the catch-up devices' people generated as a year of activity by
//! [`crate::gen::add_person`]), and measures:
//!
//! - idle reconnects: every device once, nothing to do (TLS, WebSocket, the authenticated
//!   channel, the revocation list, the directory check and an empty sync session, as `linkwork
//!   hub sync` does): reconnects per second, p50 and p99, bytes, WebSocket messages and round
//!   trips; and the TLS + WebSocket set-up alone, for the share of TLS; then the same over
//!   plain `ws://` (a node serving loopback without TLS);
//! - memory per idle connected device: the hub process's RSS with every device connected and
//!   authenticated, against before;
//! - a morning's catch-up: [`CATCHUP_DEVICES`] devices each with [`CATCHUP_EDITS`] offline
//!   edits syncing at once: time until all have converged, hub CPU per edit (`/proc`);
//! - fan-out: an edit on one device visible on a second device of the same user through the
//!   hub, both connected in live mode ([`fan_out`]).
//!
//! Bounded: at most [`MAX_DEVICES`] devices (the hub serves 1,024 connections a node), every
//! client read has a deadline, loopback only.

mod device;
mod node;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use linkwork_core::hub_client::HubPurpose;
use linkwork_core::model::NewGoal;
use linkwork_core::{Id, Store};

use crate::support::{e, ms, pct, populate, Res};
use device::{Conn, Transport, Wire};
use node::{Backend, Node, Org};

/// Devices simulated by default.
pub const DEFAULT_DEVICES: usize = 1000;

/// The most devices (a node serves at most 1,024 connections at once; two are kept for the
/// fan-out pair).
pub const MAX_DEVICES: usize = 1000;

/// Devices in the morning's catch-up.
pub const CATCHUP_DEVICES: usize = 100;

/// Offline edits each catch-up device brings.
pub const CATCHUP_EDITS: usize = 20;

/// Fan-out samples.
const FAN_OUT_SAMPLES: usize = 30;

/// Client threads for the reconnect and upload runs (the machine has 2 cores; more threads
/// keep the hub busy while clients compute).
const CLIENT_THREADS: usize = 8;

/// Runs `f` for `0..n` on `threads` threads; the results in order.
fn par<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> Res<T> + Sync) -> Res<Vec<T>> {
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(n).max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return Ok::<_, String>(mine);
                        }
                        mine.push((i, f(i)?));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a client thread failed".to_string())?)
            .collect::<Res<Vec<_>>>()
    })?;
    for (i, v) in results.into_iter().flatten() {
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(v);
        }
    }
    out.into_iter()
        .map(|v| v.ok_or_else(|| "a result is missing".to_string()))
        .collect()
}

/// The organisation of one run: the devices' stores (device 0 and the last share a user: the
/// fan-out pair), each device's person, and the hub's files.
struct Fleet {
    stores: Vec<Arc<Store>>,
    people: Vec<Id>,
    org: Org,
    _dir: tempfile::TempDir,
}

fn fleet(backend: &Backend, devices: usize) -> Res<Fleet> {
    let dir = tempfile::tempdir().map_err(e)?;
    let t = Instant::now();
    let mut users: Vec<(String, usize)> =
        (0..devices).map(|i| (format!("worker{i:04}"), 1)).collect();
    if let Some(first) = users.first_mut() {
        first.1 = 2;
    }
    let (org, stores) = node::set_up(dir.path(), backend, &users)?;
    let enrolled = t.elapsed();
    // The second device of worker0000 is stores[1]: move it to the end.
    let mut stores = node::shared(stores);
    let pair = stores.remove(1);
    stores.push(pair);
    let t = Instant::now();
    let people = par(devices, 2, |i| {
        let s = &stores[i];
        if i < CATCHUP_DEVICES {
            crate::gen::add_person(s, i).map(|p| p.id)
        } else {
            populate(s, 1).and_then(|v| v.first().map(|p| p.0).ok_or_else(|| "no person".into()))
        }
    })?;
    println!(
        "  {} devices enrolled in {:.1} s; caseload slices written in {:.1} s ({} with a year of activity, the rest one person with a goal and a step)",
        stores.len(),
        enrolled.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        CATCHUP_DEVICES.min(devices)
    );
    Ok(Fleet {
        stores,
        people,
        org,
        _dir: dir,
    })
}

/// Devices `0..n`, each on one of `nodes` in turn.
fn addr_of(nodes: &[Node], i: usize) -> &str {
    nodes[i % nodes.len()].addr.as_str()
}

fn cpu(nodes: &[Node]) -> Res<f64> {
    nodes.iter().map(Node::cpu_s).sum()
}

fn rss(nodes: &[Node]) -> Res<u64> {
    nodes.iter().map(Node::rss_kb).sum()
}

/// Every device syncs once (its caseload reaches the hub): time and hub CPU.
fn upload(f: &Fleet, nodes: &[Node], tls: &Transport) -> Res<()> {
    let c0 = cpu(nodes)?;
    let t = Instant::now();
    par(f.stores.len(), CLIENT_THREADS, |i| {
        let mut c = Conn::open(addr_of(nodes, i), tls)?;
        c.run(&f.stores[i], HubPurpose::Sync)?;
        c.close();
        Ok(())
    })?;
    println!(
        "  first upload of every caseload: {:.1} s, hub CPU {:.1} s",
        t.elapsed().as_secs_f64(),
        cpu(nodes)? - c0
    );
    Ok(())
}

fn print_wire(label: &str, wires: &[Wire]) {
    let n = wires.len().max(1) as f64;
    let sum = |g: fn(&Wire) -> u64| wires.iter().map(g).sum::<u64>() as f64 / n;
    println!(
        "  {label}: {:.0} B out + {:.0} B in per reconnect, {:.1} + {:.1} WebSocket messages, {:.1} round trips inside the WebSocket",
        sum(|w| w.bytes_out),
        sum(|w| w.bytes_in),
        sum(|w| u64::from(w.frames_out)),
        sum(|w| u64::from(w.frames_in)),
        sum(|w| u64::from(w.round_trips)),
    );
}

/// Idle reconnects: every device once; then the TLS (unless plain) + WebSocket set-up alone.
fn reconnects(f: &Fleet, nodes: &[Node], tls: &Transport) -> Res<()> {
    let scheme = match tls {
        Transport::Tls(_) => "TLS",
        Transport::Plain => "plain ws://",
    };
    let c0 = cpu(nodes)?;
    let t = Instant::now();
    let r = par(f.stores.len(), CLIENT_THREADS, |i| {
        device::reconnect(&f.stores[i], addr_of(nodes, i), tls)
    })?;
    let wall = t.elapsed();
    let hub_cpu = cpu(nodes)? - c0;
    let lat: Vec<f64> = r.iter().map(|(d, _)| ms(*d)).collect();
    println!(
        "  idle reconnects over {scheme} ({} devices, {CLIENT_THREADS} at a time): {:.0} /s, p50 {:.1} ms, p99 {:.1} ms; hub CPU {:.2} ms per reconnect",
        r.len(),
        r.len() as f64 / wall.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        hub_cpu * 1000.0 / r.len() as f64
    );
    let wires: Vec<Wire> = r.iter().map(|(_, w)| *w).collect();
    print_wire("wire", &wires);
    // The transport's set-up alone (no channel): its share.
    let n = f.stores.len().min(200);
    let t = Instant::now();
    let r = match par(n, CLIENT_THREADS, |i| {
        let t = Instant::now();
        let c = Conn::open(addr_of(nodes, i), tls)?;
        let d = t.elapsed();
        Ok((d, c.close()))
    }) {
        Ok(r) => r,
        // Connections that never open the channel count against the node's cap of
        // unauthenticated connections: a refusal here is the hub's limit, not a failed run.
        Err(why) => {
            println!("  {scheme} + WebSocket set-up alone: not measured ({why})");
            return Ok(());
        }
    };
    let wall = t.elapsed();
    let lat: Vec<f64> = r.iter().map(|(d, _)| ms(*d)).collect();
    println!(
        "  {scheme} + WebSocket set-up alone ({n}): {:.0} /s, p50 {:.1} ms, p99 {:.1} ms",
        n as f64 / wall.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    let wires: Vec<Wire> = r.iter().map(|(_, w)| *w).collect();
    print_wire(&format!("wire ({scheme} + WebSocket alone)"), &wires);
    Ok(())
}

/// Memory per idle connected device: every device connected and authenticated at once.
fn memory(f: &Fleet, nodes: &[Node], tls: &Transport) -> Res<()> {
    std::thread::sleep(Duration::from_millis(500));
    let before = rss(nodes)?;
    let conns = par(f.stores.len(), CLIENT_THREADS, |i| {
        let mut c = Conn::open(addr_of(nodes, i), tls)?;
        c.run(&f.stores[i], HubPurpose::Connect)?;
        Ok(c)
    })?;
    std::thread::sleep(Duration::from_millis(500));
    let after = rss(nodes)?;
    let n = conns.len();
    for c in conns {
        c.close();
    }
    println!(
        "  connected: {n} idle devices, hub RSS {:.1} MB -> {:.1} MB: {:.1} KB per device (target <= 100 KB)",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / n.max(1) as f64
    );
    Ok(())
}

/// A morning's catch-up: each catch-up device makes its offline edits, then all sync at once.
fn catch_up(f: &Fleet, nodes: &[Node], tls: &Transport, round: usize) -> Res<()> {
    let n = CATCHUP_DEVICES.min(f.people.len());
    par(n, 2, |i| {
        for k in 0..CATCHUP_EDITS {
            f.stores[i]
                .add_goal(
                    f.people[i],
                    NewGoal {
                        text: format!("Join the walking group on Tuesdays ({round}.{k})"),
                        ..Default::default()
                    },
                )
                .map_err(e)?;
        }
        Ok(())
    })?;
    let c0 = cpu(nodes)?;
    let t = Instant::now();
    let done = par(n, n, |i| {
        let mut c = Conn::open_retrying(addr_of(nodes, i), tls)?;
        c.run(&f.stores[i], HubPurpose::Sync)?;
        let d = t.elapsed();
        c.close();
        Ok(d)
    })?;
    let wall = t.elapsed();
    let hub_cpu = cpu(nodes)? - c0;
    let last: Vec<f64> = done.iter().map(|d| ms(*d)).collect();
    println!(
        "  catch-up ({n} devices x {CATCHUP_EDITS} offline edits at once): all converged in {:.2} s (half of them by {:.2} s); hub CPU {:.1} s, {:.2} ms per edit",
        wall.as_secs_f64(),
        pct(&last, 0.5) / 1000.0,
        hub_cpu,
        hub_cpu * 1000.0 / (n * CATCHUP_EDITS) as f64
    );
    Ok(())
}

/// Fan-out in live mode: both devices of one user hold a connection open after their
/// catch-up sync (`linkwork hub sync --live`); an edit on the first goes out at once
/// (`HubSession::poll` right after the commit: no polling delay) and the sample ends when
/// the hub's round has brought it to the second ([`Conn::receive_pushed`]). With two nodes the
/// devices are on different nodes (the hub relays through the database's notifications).
fn fan_out(f: &Fleet, nodes: &[Node], tls: &Transport) -> Res<()> {
    let (Some(a), Some(b)) = (f.stores.first(), f.stores.last()) else {
        return Ok(());
    };
    let person = f.people[0];
    let mut sender = Conn::open(addr_of(nodes, 0), tls)?;
    sender.run(a, HubPurpose::Sync)?;
    let mut receiver = Conn::open(addr_of(nodes, 1), tls)?;
    receiver.run(b, HubPurpose::Sync)?;
    let mut samples = Vec::new();
    let mut pushed = Vec::new();
    for k in 0..FAN_OUT_SAMPLES {
        let t = Instant::now();
        a.add_goal(
            person,
            NewGoal {
                text: format!("Phone the befriending service ({k})"),
                ..Default::default()
            },
        )
        .map_err(e)?;
        sender.push(a)?;
        pushed.push(ms(t.elapsed()));
        if receiver.receive_pushed(b)? == 0 {
            return Err("the second device did not receive the edit".into());
        }
        samples.push(ms(t.elapsed()));
    }
    sender.close();
    receiver.close();
    println!(
        "  fan-out, live mode (edit on one device visible on another, {FAN_OUT_SAMPLES} samples): median {:.1} ms, p99 {:.1} ms (of which the editing device's round with the hub: median {:.1} ms)",
        pct(&samples, 0.5),
        pct(&samples, 0.99),
        pct(&pushed, 0.5)
    );
    Ok(())
}

fn run_backend(backend: &Backend, devices: usize, two_nodes: bool) -> Res<()> {
    println!();
    println!("## {} hub, {devices} devices", backend.name());
    let f = fleet(backend, devices)?;
    let tls = device::tls_config(&device::read_pem(&f.org.cert)?)?;
    let one = vec![Node::start(&f.org, true)?];
    println!(
        "  hub process idle: RSS {:.1} MB",
        rss(&one)? as f64 / 1024.0
    );
    // Memory first, on a fresh process: after the heavier runs the allocator keeps freed
    // memory and a delta would read low.
    memory(&f, &one, &tls)?;
    upload(&f, &one, &tls)?;
    reconnects(&f, &one, &tls)?;
    catch_up(&f, &one, &tls, 0)?;
    fan_out(&f, &one, &tls)?;
    for n in one {
        n.stop();
    }
    // The same reconnects without TLS: a node serving plain WebSocket on loopback.
    let plain = vec![Node::start(&f.org, false)?];
    reconnects(&f, &plain, &Transport::Plain)?;
    for n in plain {
        n.stop();
    }
    if two_nodes {
        let nodes = vec![Node::start(&f.org, true)?, Node::start(&f.org, true)?];
        println!();
        println!(
            "## {} hub, two nodes on one database, devices alternating",
            backend.name()
        );
        memory(&f, &nodes, &tls)?;
        reconnects(&f, &nodes, &tls)?;
        catch_up(&f, &nodes, &tls, 1)?;
        fan_out(&f, &nodes, &tls)?;
        for n in nodes {
            n.stop();
        }
    }
    Ok(())
}

/// Runs the hub benchmark with `devices` simulated devices.
pub fn run(devices: usize) -> Res<()> {
    if devices == 0 || devices > MAX_DEVICES {
        return Err(format!("devices must be 1 to {MAX_DEVICES}"));
    }
    println!(
        "Hub under load: real linkwork-hub processes on loopback, {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    if std::env::var_os("LINKWORK_BENCH_HUB_SKIP_SQLITE").is_none() {
        run_backend(&Backend::Sqlite, devices, false)?;
    }
    match std::env::var("LINKWORK_BENCH_POSTGRES_URL") {
        Ok(url) => run_backend(&Backend::Postgres(url), devices, true)?,
        Err(_) => println!(
            "\n(PostgreSQL skipped: LINKWORK_BENCH_POSTGRES_URL unset; scripts/bench-hub.sh sets it)"
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_counts_out_of_bounds_are_refused_before_anything_starts() {
        assert!(run(0).is_err());
        assert!(run(MAX_DEVICES + 1).is_err());
    }

    #[test]
    fn par_returns_every_result_in_order_and_stops_on_an_error() {
        let squares = par(50, 4, |i| Ok(i * i)).unwrap();
        assert_eq!(squares, (0..50).map(|i| i * i).collect::<Vec<_>>());
        let failed = par(50, 4, |i| if i == 17 { Err("no".into()) } else { Ok(i) });
        assert!(failed.is_err());
    }
}
