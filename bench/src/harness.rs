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

/// Whether `db` holds a caseload (its ids file lists `n` people, or any when `n` is `None`).
fn holds(db: &Path, n: Option<usize>) -> bool {
    db.exists()
        && crate::caseload::read_ids(&crate::caseload::ids_path(db))
            .map(|ids| n.map_or(!ids.is_empty(), |n| ids.len() == n))
            .unwrap_or(false)
}

/// Generation figures as cached beside a caseload.
fn read_gen(gen_file: &Path) -> Fig {
    let mut fig = Fig::new();
    if let Ok(text) = std::fs::read_to_string(gen_file) {
        for line in text.lines() {
            if let Some((k, v)) = line.rsplit_once(' ') {
                if let Ok(v) = v.parse() {
                    fig.insert(k.into(), v);
                }
            }
        }
    }
    fig
}

/// The cached caseloads of `sizes` people, those missing (all when `fresh`, i.e.
/// `LINKWORK_BENCH_FRESH`) generated in one child process: each from the largest smaller one
/// (cached, or generated just before), the largest on both cores (see
/// [`crate::caseload::generate`]). Returns each size's path and generation figures.
pub fn caseloads(sizes: &[usize], fresh: bool) -> Res<Vec<(usize, PathBuf, Fig)>> {
    let dir = cache_dir();
    std::fs::create_dir_all(&dir).map_err(e)?;
    let db_of = |n: usize| dir.join(format!("caseload-{n}.db"));
    let mut missing: Vec<usize> = sizes
        .iter()
        .copied()
        .filter(|n| fresh || !holds(&db_of(*n), Some(*n)))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        let mut args: Vec<String> = vec!["gen".into()];
        let mut before: Option<usize> = None;
        for n in &missing {
            // Continue from the largest smaller caseload: generated just before, or cached.
            let cached = (1..*n)
                .rev()
                .find(|m| !fresh && holds(&db_of(*m), None) && before.is_none_or(|b| *m > b));
            let from = cached.or(before);
            eprintln!(
                "generating a caseload of {n} people{} (cached in {})",
                from.map(|m| format!(" from {}", db_of(m).display()))
                    .unwrap_or_default(),
                dir.display()
            );
            args.push(n.to_string());
            args.push(path_str(&db_of(*n))?.to_string());
            args.push(match from {
                Some(m) => path_str(&db_of(m))?.to_string(),
                None => "-".into(),
            });
            before = Some(*n);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let fig = child(&refs)?;
        for n in &missing {
            let prefix = format!("{n}:");
            let text: String = fig
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| format!("{k} {v}\n")))
                .collect();
            std::fs::write(db_of(*n).with_extension("gen"), text).map_err(e)?;
        }
    }
    Ok(sizes
        .iter()
        .map(|n| {
            let db = db_of(*n);
            let mut fig = read_gen(&db.with_extension("gen"));
            if !missing.contains(n) {
                fig.insert("cached".into(), 1.0);
            }
            (*n, db, fig)
        })
        .collect())
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
        "gen" => {
            let steps = args
                .get(1..)
                .unwrap_or_default()
                .chunks(3)
                .map(|c| match c {
                    [n, db, from] => Ok(lw::Step {
                        n: n.parse().map_err(e)?,
                        db: PathBuf::from(db),
                        from: (from != "-").then(|| PathBuf::from(from)),
                    }),
                    _ => Err(format!("gen takes n db from triples: {}", args.join(" "))),
                })
                .collect::<Res<Vec<_>>>()?;
            lw::generate(&steps)?
        }
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
