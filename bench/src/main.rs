//! linkwork benchmarks. `cargo run --release -p linkwork-bench -- [live|sync|all]`.
//!
//! Prints tables; asserts nothing (timings belong in benchmarks, never in tests). Figures depend
//! on the machine: report them with the machine noted, or as ratios.

mod live;
mod support;
mod sync_cost;

fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let result = match what.as_str() {
        "live" => live::run(),
        "sync" => sync_cost::run(),
        "all" => live::run().and_then(|()| sync_cost::run()),
        other => Err(format!("unknown benchmark {other}: use live, sync or all")),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
