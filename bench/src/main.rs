//! linkwork benchmarks. `cargo run --release -p linkwork-bench -- [all|live|sync|signing|caseload|baseline|prepare|directory|hub] [sizes...]`.
//!
//! Prints tables; asserts nothing (timings belong in benchmarks, never in tests). Figures depend
//! on the machine: report them with the machine noted, or as ratios. `docs/performance.md`
//! holds the latest results and how to read them.
//!
//! - `live`: live-mode delay between two phones;
//! - `sync`: sync cost for small synthetic caseloads;
//! - `signing`: the cost of signing each action's change and verifying each change a sync
//!   brings (ADR 0007), with the machine noted;
//! - `caseload [sizes]`: realistic caseloads (default 250, 1000 and 5000 people), each scenario
//!   in a child process for its own peak memory, against the raw automerge + SQLite baseline,
//!   with the targets for 1,000 people;
//! - `baseline [sizes]`: the raw baseline's rows only;
//! - `prepare [sizes]`: only generate (and cache) the caseloads (in one child process, each
//!   size from the one below, the largest on both cores: see `caseload::generate`);
//! - `directory [services]`: the community services directory (default 5,000 services):
//!   import time and search latency (median, p99) per filter kind;
//! - `hub [devices]`: the team hub under load (default 1,000 devices): real `linkwork-hub`
//!   processes on loopback, SQLite and (with `LINKWORK_BENCH_POSTGRES_URL`) PostgreSQL with one
//!   and two nodes; `scripts/bench-hub.sh` runs it with a throwaway PostgreSQL cluster;
//! - `all`: everything (except `directory` and `hub`, which run on their own).
//!
//! Every database is encrypted with SQLCipher, as in a deployment, the raw baseline's with the
//! same key; `LINKWORK_BENCH_PLAIN=1` runs on plain SQLite files instead. Generated caseloads
//! are cached in `$TMPDIR/linkwork-bench-v<N>-sqlcipher` (plain: `…-v<N>`;
//! `LINKWORK_BENCH_CACHE` overrides; `LINKWORK_BENCH_FRESH=1` regenerates). Sync scenarios run up to 1,000 people;
//! `LINKWORK_BENCH_SYNC_ALL=1` runs them at every size.

mod caseload;
mod directory;
mod gen;
mod harness;
mod hub;
mod live;
mod pages;
mod raw;
mod report;
mod signing;
mod support;
mod sync_cost;

use std::time::Instant;

use support::Res;

const SIZES: [usize; 3] = [250, 1000, 5000];

fn sizes(args: &[String]) -> Res<Vec<usize>> {
    if args.is_empty() {
        return Ok(SIZES.to_vec());
    }
    args.iter()
        .map(|a| a.replace([',', '_'], "").parse().map_err(support::e))
        .collect()
}

/// Sync scenarios run up to this many people unless `LINKWORK_BENCH_SYNC_ALL` is set: at 5,000
/// a new device alone takes about a minute each for linkwork and the baseline.
const SYNC_UP_TO: usize = 1000;

fn caseloads(sizes: &[usize], linkwork: bool, raw: bool) -> Res<()> {
    let sync_all = std::env::var_os("LINKWORK_BENCH_SYNC_ALL").is_some();
    let fresh = std::env::var_os("LINKWORK_BENCH_FRESH").is_some();
    // Generate every size first (each from the largest smaller one), so that a missing cache
    // shows up as generation time before any table.
    let cached = harness::caseloads(sizes, fresh)?;
    println!();
    println!(
        "Files: {}",
        if support::plain() {
            "plain SQLite for linkwork and the raw baseline (LINKWORK_BENCH_PLAIN)"
        } else {
            "linkwork's stores and the raw baseline's databases encrypted with SQLCipher, one key"
        }
    );
    let mut all = Vec::new();
    for (n, db, gen) in cached {
        let f = harness::measure(n, &db, gen, linkwork, raw, sync_all || n <= SYNC_UP_TO)?;
        report::print_size(&f);
        all.push(f);
    }
    if linkwork && raw {
        if let Some(f) = all.iter().find(|f| f.n == 1000) {
            report::print_targets(f);
        }
        for f in &all {
            report::print_targets_18(f);
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args.first().cloned().unwrap_or_else(|| "all".into());
    let rest = args.get(1..).unwrap_or_default();
    let start = Instant::now();
    let result = match what.as_str() {
        "__child" => harness::run_child(rest),
        "live" => live::run(),
        "sync" => sync_cost::run(),
        "signing" => signing::run(),
        "directory" => match rest.first() {
            None => directory::run(directory::DEFAULT_SERVICES),
            Some(n) => n
                .replace([',', '_'], "")
                .parse()
                .map_err(support::e)
                .and_then(directory::run),
        },
        "hub" => match rest.first() {
            None => hub::run(hub::DEFAULT_DEVICES),
            Some(n) => n
                .replace([',', '_'], "")
                .parse()
                .map_err(support::e)
                .and_then(hub::run),
        },
        "caseload" => sizes(rest).and_then(|s| caseloads(&s, true, true)),
        "baseline" => sizes(rest).and_then(|s| caseloads(&s, false, true)),
        "prepare" => sizes(rest).and_then(|s| {
            let fresh = std::env::var_os("LINKWORK_BENCH_FRESH").is_some();
            harness::caseloads(&s, fresh).map(|_| ())
        }),
        "all" => live::run()
            .and_then(|()| sync_cost::run())
            .and_then(|()| signing::run())
            .and_then(|()| sizes(rest))
            .and_then(|s| caseloads(&s, true, true)),
        other => Err(format!(
            "unknown benchmark {other}: use all, live, sync, signing, caseload, baseline, prepare, directory or hub"
        )),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    if what != "__child" {
        println!();
        println!("bench runtime: {:.0} s", start.elapsed().as_secs_f64());
    }
}
