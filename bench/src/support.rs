//! Shared set-up: stores in a temporary directory, generated people, an in-memory session.

use linkwork_core::model::{NewGoal, NewPerson, NewStep, NewStore, Role, StepOwner};
use linkwork_core::{Id, Store, StoreKey, SyncStats};

/// Errors as text: a benchmark only reports them.
pub type Res<T> = Result<T, String>;

/// Maps any displayable error to text.
pub fn e<E: std::fmt::Display>(err: E) -> String {
    err.to_string()
}

/// A fixed key for every database the bench makes (a benchmark's data is synthetic).
const BENCH_KEY: [u8; 32] = [
    0x6c, 0x69, 0x6e, 0x6b, 0x77, 0x6f, 0x72, 0x6b, 0x2d, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x2d, 0x6b,
    0x65, 0x79, 0x2d, 0x6f, 0x6e, 0x6c, 0x79, 0x2d, 0x66, 0x6f, 0x72, 0x2d, 0x74, 0x65, 0x73, 0x74,
];

/// Whether the bench runs on plain SQLite files (`LINKWORK_BENCH_PLAIN` set) instead of
/// SQLCipher-encrypted ones, as a deployment uses.
pub fn plain() -> bool {
    std::env::var_os("LINKWORK_BENCH_PLAIN").is_some()
}

/// The key of every linkwork store the bench makes: encrypted (SQLCipher) unless [`plain`].
pub fn key() -> Res<StoreKey> {
    if plain() {
        Ok(StoreKey::unencrypted())
    } else {
        StoreKey::from_bytes(&BENCH_KEY).map_err(e)
    }
}

/// Opens a database with plain rusqlite (the raw baseline, or reading a store's tables), keyed
/// like the bench's stores, so the baseline pays for the same encryption.
pub fn raw_open(
    path: &std::path::Path,
    flags: Option<rusqlite::OpenFlags>,
) -> Res<rusqlite::Connection> {
    let conn = match flags {
        Some(f) => rusqlite::Connection::open_with_flags(path, f),
        None => rusqlite::Connection::open(path),
    }
    .map_err(e)?;
    if !plain() {
        let hex: String = BENCH_KEY.iter().map(|b| format!("{b:02x}")).collect();
        conn.execute_batch(&format!("PRAGMA key = \"x'{hex}'\""))
            .map_err(e)?;
    }
    Ok(conn)
}

/// A new store in `dir`.
pub fn store(dir: &std::path::Path, name: &str, role: Role, person: Option<Id>) -> Res<Store> {
    Store::create(
        dir.join(format!("{name}.db")),
        NewStore {
            user: name.into(),
            role,
            person,
        },
        &key()?,
    )
    .map_err(e)
}

/// Adds `n` people with a goal and a step each; returns (person, goal) ids.
pub fn populate(s: &Store, n: usize) -> Res<Vec<(Id, Id)>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let p = s
            .add_person(NewPerson {
                given_name: format!("Given{i}"),
                family_name: format!("Family{i}"),
                ..Default::default()
            })
            .map_err(e)?;
        let g = s
            .add_goal(
                p,
                NewGoal {
                    text: format!("Goal of person {i}"),
                    ..Default::default()
                },
            )
            .map_err(e)?;
        s.add_step(
            p,
            NewStep {
                text: "Phone the group".into(),
                owner: StepOwner::Person,
                owner_name: None,
                goal_id: Some(g),
                due: None,
            },
        )
        .map_err(e)?;
        out.push((p, g));
    }
    Ok(out)
}

/// Runs one session between `a` (connecting) and `b` in memory; returns both sides' stats.
pub fn sync(a: &Store, b: &Store) -> Res<(SyncStats, SyncStats)> {
    let (mut sa, first) = a.sync_start().map_err(e)?;
    let mut sb = b.sync_accept();
    let mut msg = Some(first);
    let mut to_b = true;
    while let Some(m) = msg {
        let step = if to_b {
            b.sync_receive(&mut sb, &m)
        } else {
            a.sync_receive(&mut sa, &m)
        }
        .map_err(e)?;
        msg = step.reply;
        to_b = !to_b;
    }
    Ok((sa.stats(), sb.stats()))
}

/// The process's peak resident memory (VmHWM) in KiB; 0 when unknown.
pub fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Milliseconds of a duration.
pub fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The value at fraction `p` (0..=1) of a sample, by nearest rank; 0 for an empty sample.
pub fn pct(samples: &[f64], p: f64) -> f64 {
    let mut v = samples.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// The bytes a SQLite database occupies: the file plus its WAL (if any).
pub fn db_bytes(path: &std::path::Path) -> u64 {
    let len = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(path) + len(&wal_of(path))
}

/// The WAL file beside a SQLite database.
pub fn wal_of(path: &std::path::Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    s.into()
}

/// Copies a closed SQLite database (and its WAL, if one was left).
pub fn copy_db(from: &std::path::Path, to: &std::path::Path) -> Res<()> {
    std::fs::copy(from, to).map_err(e)?;
    let (wf, wt) = (wal_of(from), wal_of(to));
    if wf.exists() {
        std::fs::copy(wf, wt).map_err(e)?;
    } else if wt.exists() {
        std::fs::remove_file(wt).map_err(e)?;
    }
    Ok(())
}

/// Prints one result of a child process: `key value` on a line of its own.
pub fn out(key: &str, value: impl std::fmt::Display) {
    println!("{key} {value}");
}

/// What it took two stores to converge, over one or more sessions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Converged {
    /// Bytes sent by the connecting side.
    pub a_to_b: u64,
    /// Bytes sent by the listening side.
    pub b_to_a: u64,
    /// Messages in all sessions.
    pub messages: u32,
    /// Sessions run (the last one completed).
    pub sessions: u32,
}

impl Converged {
    /// Round trips over all sessions (a last unanswered message counts as one).
    pub fn round_trips(&self) -> u32 {
        self.messages.div_ceil(2)
    }
}

/// Syncs `a` (connecting) with `b` in memory, starting a new session after a failed one as an
/// app would (docs/sync.md), up to `max_sessions`; counts every message of every session.
pub fn sync_retrying(a: &Store, b: &Store, max_sessions: u32) -> Res<Converged> {
    let mut c = Converged::default();
    for _ in 0..max_sessions {
        c.sessions += 1;
        let (mut sa, first) = a.sync_start().map_err(e)?;
        let mut sb = b.sync_accept();
        let mut msg = Some(first);
        let mut to_b = true;
        let mut failed = false;
        while let Some(m) = msg {
            c.messages += 1;
            if to_b {
                c.a_to_b += m.len() as u64;
            } else {
                c.b_to_a += m.len() as u64;
            }
            let step = if to_b {
                b.sync_receive(&mut sb, &m)
            } else {
                a.sync_receive(&mut sa, &m)
            };
            match step {
                Ok(step) => msg = step.reply,
                Err(err) => {
                    eprintln!(
                        "    sync session {} failed: {err}; starting a new one",
                        c.sessions
                    );
                    failed = true;
                    break;
                }
            }
            to_b = !to_b;
        }
        if !failed {
            return Ok(c);
        }
    }
    Err(format!("no session converged in {max_sessions} attempts"))
}

/// Bytes this process has written through write calls so far (`wchar` in /proc/self/io).
pub fn written() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("wchar:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
