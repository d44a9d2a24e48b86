//! Runs every scenario in a child process of this binary (so each has its own peak memory),
//! keeps generated caseloads in a cache directory, and prints the tables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::gen::GEN_VERSION;
use crate::support::{e, Res};

/// The figures one child printed.
pub type Fig = BTreeMap<String, f64>;

/// Actions timed per caseload size.
const ACTIONS: &str = "500";
/// Records loaded per caseload size.
const RECORDS: &str = "200";
/// Child processes for the cold-open figure (its median is reported).
const OPENS: usize = 3;

/// Runs `linkwork-bench __child args...` and collects its `key value` lines.
pub fn child(args: &[&str]) -> Res<Fig> {
    let exe = std::env::current_exe().map_err(e)?;
    let output = Command::new(exe)
        .arg("__child")
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(e)?;
    if !output.status.success() {
        return Err(format!("scenario {} failed", args.join(" ")));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fig = Fig::new();
    for line in text.lines() {
        if let Some((k, v)) = line.rsplit_once(' ') {
            if let Ok(v) = v.parse::<f64>() {
                fig.insert(k.to_string(), v);
            }
        }
    }
    Ok(fig)
}

/// Per-key medians of several runs of the same scenario.
fn median_of(runs: &[Fig]) -> Fig {
    let mut out = Fig::new();
    if let Some(first) = runs.first() {
        for k in first.keys() {
            let v: Vec<f64> = runs.iter().filter_map(|f| f.get(k).copied()).collect();
            out.insert(k.clone(), crate::support::pct(&v, 0.5));
        }
    }
    out
}

/// Where generated caseloads are kept between runs (`LINKWORK_BENCH_CACHE` overrides).
pub fn cache_dir() -> PathBuf {
    std::env::var_os("LINKWORK_BENCH_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // Encrypted and plain caseloads are cached apart (`LINKWORK_BENCH_PLAIN`).
            let kind = if crate::support::plain() {
                ""
            } else {
                "-sqlcipher"
            };
            std::env::temp_dir().join(format!("linkwork-bench-v{GEN_VERSION}{kind}"))
        })
}

fn path_str(p: &Path) -> Res<&str> {
    p.to_str()
        .ok_or_else(|| format!("not a UTF-8 path: {}", p.display()))
}

/// The cached caseload of `n` people, generated (from the largest smaller cached one) when
/// missing or when `LINKWORK_BENCH_FRESH` is set. Returns its path and generation figures.
pub fn caseload(n: usize, fresh: bool) -> Res<(PathBuf, Fig)> {
    let dir = cache_dir();
    std::fs::create_dir_all(&dir).map_err(e)?;
    let db = dir.join(format!("caseload-{n}.db"));
    let gen_file = db.with_extension("gen");
    let cached = !fresh
        && db.exists()
        && crate::caseload::read_ids(&crate::caseload::ids_path(&db))
            .map(|ids| ids.len() == n)
            .unwrap_or(false);
    if cached {
        let mut fig = Fig::new();
        if let Ok(text) = std::fs::read_to_string(&gen_file) {
            for line in text.lines() {
                if let Some((k, v)) = line.rsplit_once(' ') {
                    if let Ok(v) = v.parse() {
                        fig.insert(k.into(), v);
                    }
                }
            }
        }
        fig.insert("cached".into(), 1.0);
        return Ok((db, fig));
    }
    // Continue from the largest smaller caseload already cached (generated this run or before).
    let from = (1..n)
        .rev()
        .map(|m| dir.join(format!("caseload-{m}.db")))
        .find(|p| {
            p.exists()
                && crate::caseload::read_ids(&crate::caseload::ids_path(p))
                    .map(|ids| !ids.is_empty())
                    .unwrap_or(false)
        });
    let from = if fresh { None } else { from };
    eprintln!(
        "generating a caseload of {n} people{} (cached in {})",
        from.as_ref()
            .map(|f| format!(" from {}", f.display()))
            .unwrap_or_default(),
        dir.display()
    );
    let n_text = n.to_string();
    let mut args = vec!["gen", n_text.as_str(), path_str(&db)?];
    if let Some(f) = &from {
        args.push(path_str(f)?);
    }
    let fig = child(&args)?;
    let text: String = fig.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    std::fs::write(&gen_file, text).map_err(e)?;
    Ok((db, fig))
}

/// Every figure for one caseload size: linkwork's and the raw baseline's.
pub struct Figures {
    /// People.
    pub n: usize,
    /// Whether the sync scenarios ran.
    pub sync: bool,
    /// Scenario name -> figures; raw scenarios are prefixed `raw-`.
    pub figs: BTreeMap<String, Fig>,
    /// Wall time of all scenarios for this size.
    pub seconds: f64,
}

impl Figures {
    /// A figure, or NaN when missing.
    pub fn get(&self, scenario: &str, key: &str) -> f64 {
        self.figs
            .get(scenario)
            .and_then(|f| f.get(key))
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// Runs every scenario for a caseload of `n` people (`linkwork` and/or `raw`).
pub fn measure(
    n: usize,
    db: &Path,
    gen: Fig,
    linkwork: bool,
    raw: bool,
    sync: bool,
) -> Res<Figures> {
    let t = Instant::now();
    let work = tempfile::tempdir().map_err(e)?;
    let dbs = path_str(db)?;
    let pair = work.path().join("pair");
    let raw_dir = work.path().join("raw");
    let raw_pair = work.path().join("raw-pair");
    let (pair_s, raw_s, raw_pair_s) = (path_str(&pair)?, path_str(&raw_dir)?, path_str(&raw_pair)?);
    let mut figs = BTreeMap::new();
    figs.insert("gen".to_string(), gen);
    let run = |figs: &mut BTreeMap<String, Fig>, name: &str, args: &[&str]| -> Res<()> {
        eprintln!("  {n} people: {name}");
        figs.insert(name.to_string(), child(args)?);
        Ok(())
    };
    if linkwork {
        run(&mut figs, "action", &["action", dbs, ACTIONS])?;
        let opens = (0..OPENS)
            .map(|_| child(&["open", dbs]))
            .collect::<Res<Vec<_>>>()?;
        figs.insert("open".into(), median_of(&opens));
        run(&mut figs, "record", &["record", dbs, RECORDS])?;
        run(&mut figs, "size", &["size", dbs])?;
        if sync {
            run(&mut figs, "sync-new", &["sync-new", dbs, pair_s])?;
            run(&mut figs, "sync-idle", &["sync-idle", pair_s])?;
            run(&mut figs, "sync-one", &["sync-one", pair_s])?;
            run(&mut figs, "sync-week", &["sync-week", pair_s])?;
        }
    }
    if raw {
        run(&mut figs, "raw-build", &["raw-build", dbs, raw_s])?;
        run(&mut figs, "raw-action", &["raw-action", raw_s, ACTIONS])?;
        // Once: the raw first screen loads documents, and the whole list loads every one.
        run(&mut figs, "raw-open", &["raw-open", raw_s])?;
        run(&mut figs, "raw-record", &["raw-record", raw_s, RECORDS])?;
        if sync {
            run(
                &mut figs,
                "raw-sync-new",
                &["raw-sync-new", raw_s, raw_pair_s],
            )?;
            run(&mut figs, "raw-sync-idle", &["raw-sync-idle", raw_pair_s])?;
            run(&mut figs, "raw-sync-one", &["raw-sync-one", raw_pair_s])?;
            run(&mut figs, "raw-sync-week", &["raw-sync-week", raw_pair_s])?;
        }
    }
    Ok(Figures {
        n,
        sync,
        figs,
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// Runs one scenario inside a child process (`__child name args...`).
pub fn run_child(args: &[String]) -> Res<()> {
    use crate::{caseload as lw, raw};
    let arg = |i: usize| -> Res<&str> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("missing argument {i} for {}", args.join(" ")))
    };
    let num = |i: usize| -> Res<usize> { arg(i)?.parse().map_err(e) };
    let p = |i: usize| -> Res<PathBuf> { Ok(PathBuf::from(arg(i)?)) };
    match arg(0)? {
        "gen" => lw::generate(num(1)?, &p(2)?, args.get(3).map(Path::new))?,
        "action" => lw::action(&p(1)?, num(2)?)?,
        "open" => lw::open(&p(1)?)?,
        "record" => lw::record(&p(1)?, num(2)?)?,
        "size" => lw::size(&p(1)?)?,
        "sync-new" => lw::sync_new(&p(1)?, &p(2)?)?,
        "sync-idle" => lw::sync_idle(&p(1)?)?,
        "sync-one" => lw::sync_one(&p(1)?)?,
        "sync-week" => lw::sync_week(&p(1)?)?,
        "raw-build" => raw::build(&p(1)?, &p(2)?)?,
        "raw-action" => raw::action(&p(1)?, num(2)?)?,
        "raw-open" => raw::open(&p(1)?)?,
        "raw-record" => raw::record(&p(1)?, num(2)?)?,
        "raw-sync-new" => raw::sync_new(&p(1)?, &p(2)?)?,
        "raw-sync-idle" => raw::sync_idle(&p(1)?)?,
        "raw-sync-one" => raw::sync_one(&p(1)?)?,
        "raw-sync-week" => raw::sync_week(&p(1)?)?,
        other => return Err(format!("unknown scenario {other}")),
    }
    crate::support::out("peak_kb", crate::support::peak_kb());
    Ok(())
}
