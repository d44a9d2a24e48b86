//! linkwork's side of the caseload benchmark. Each function here runs in a child process of the
//! bench binary (see `harness`), so that its peak memory (VmHWM) is its own, and prints its
//! results as `key value` lines.

use std::path::{Path, PathBuf};
use std::time::Instant;

use linkwork_core::model::ConsultationMode;
use linkwork_core::model::{CaseloadQuery, NewConsultation, NewProgress, NewStore, Role};
use linkwork_core::{Id, Store};

use crate::gen::{self, prose, Person, Rng};
use crate::support::{
    copy_db, db_bytes, e, key, ms, out, pct, raw_open, sync_retrying, written, Converged, Res,
};

/// How many people a week offline touches on each device, and how many edits in all.
pub const WEEK_PEOPLE: usize = 60;
/// Edits on each device during a week offline.
pub const WEEK_EDITS: usize = 300;

/// The person acted on by the `i`-th of a series of actions: spread over the caseload, never
/// the same person twice in a row (7919 is prime, so the first `n` are all different).
pub fn spread(i: usize, n: usize) -> usize {
    (i * 7919) % n.max(1)
}

/// Reads a caseload's ids file: one `person goal` line per person.
pub fn read_ids(path: &Path) -> Res<Vec<Person>> {
    let text = std::fs::read_to_string(path).map_err(e)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            let p = it.next().unwrap_or_default();
            let g = it.next().unwrap_or_default();
            Ok(Person {
                id: Id::parse("person", p).map_err(e)?,
                goal: Id::parse("goal", g).map_err(e)?,
            })
        })
        .collect()
}

fn write_ids(path: &Path, people: &[Person]) -> Res<()> {
    let text: String = people
        .iter()
        .map(|p| format!("{} {}\n", p.id, p.goal))
        .collect();
    std::fs::write(path, text).map_err(e)
}

/// The ids file beside a caseload database.
pub fn ids_path(db: &Path) -> PathBuf {
    db.with_extension("ids")
}

/// Generates a caseload of `n` people into `db` (continuing from the caseload `from`, if given).
pub fn generate(n: usize, db: &Path, from: Option<&Path>) -> Res<()> {
    let tmp = db.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    let mut people = match from {
        Some(f) => {
            copy_db(f, &tmp)?;
            read_ids(&ids_path(f))?
        }
        None => Vec::new(),
    };
    let store = if from.is_some() {
        Store::open(&tmp, &key()?).map_err(e)?
    } else {
        Store::create(
            &tmp,
            NewStore {
                user: "sam.link-worker".into(),
                role: Role::LinkWorker,
                person: None,
            },
            &key()?,
        )
        .map_err(e)?
    };
    let start = people.len();
    let t = Instant::now();
    for i in start..n {
        people.push(gen::add_person(&store, i)?);
        if (i + 1) % 500 == 0 {
            eprintln!(
                "  generated {} of {n} people ({:.0} s)",
                i + 1,
                t.elapsed().as_secs_f64()
            );
        }
    }
    let took = ms(t.elapsed());
    drop(store);
    write_ids(&ids_path(db), &people)?;
    std::fs::rename(&tmp, db).map_err(e)?;
    out("generated", n - start);
    out("gen_ms", took);
    out("gen_ms_per_person", took / (n - start).max(1) as f64);
    Ok(())
}

/// A private copy of a caseload to change.
fn scratch(db: &Path) -> Res<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().map_err(e)?;
    let path = dir.path().join("store.db");
    copy_db(db, &path)?;
    Ok((dir, path))
}

/// One user action committed to disk: record goal progress, `count` times spread over the
/// caseload (cache misses), then 100 times over four people (the writer's document cache hit).
pub fn action(db: &Path, count: usize) -> Res<()> {
    let people = read_ids(&ids_path(db))?;
    let (_dir, path) = scratch(db)?;
    let store = Store::open(&path, &key()?).map_err(e)?;
    let mut r = Rng::new(77);
    let progress = |r: &mut Rng, goal: Id| -> Res<f64> {
        let note = (r.below(2) == 0).then(|| prose(r, 80));
        let t = Instant::now();
        store
            .record_progress(
                goal,
                NewProgress {
                    rating: Some(r.below(11) as u8),
                    note,
                },
            )
            .map_err(e)?;
        Ok(ms(t.elapsed()))
    };
    let mut spread_ms = Vec::with_capacity(count);
    let w = written();
    for i in 0..count {
        let p = people[spread(i, people.len())];
        spread_ms.push(progress(&mut r, p.goal)?);
    }
    out(
        "written_per_action",
        (written() - w) as f64 / count.max(1) as f64,
    );
    let mut warm_ms = Vec::new();
    for i in 0..100 {
        let p = people[i % 4];
        warm_ms.push(progress(&mut r, p.goal)?);
    }
    out("median_ms", pct(&spread_ms, 0.5));
    out("p99_ms", pct(&spread_ms, 0.99));
    out("max_ms", pct(&spread_ms, 1.0));
    out("warm_median_ms", pct(&warm_ms, 0.5));
    out("warm_p99_ms", pct(&warm_ms, 0.99));
    Ok(())
}

/// Cold open (a new process) and the first caseload screen, then the whole list.
pub fn open(db: &Path) -> Res<()> {
    let (_dir, path) = scratch(db)?;
    let t = Instant::now();
    let store = Store::open(&path, &key()?).map_err(e)?;
    let open_ms = ms(t.elapsed());
    let t = Instant::now();
    let screen = store
        .caseload(&CaseloadQuery {
            limit: Some(50),
            ..Default::default()
        })
        .map_err(e)?;
    let screen_ms = ms(t.elapsed());
    let t = Instant::now();
    let all = store.caseload(&CaseloadQuery::default()).map_err(e)?;
    let full_ms = ms(t.elapsed());
    out("open_ms", open_ms);
    out("screen_ms", screen_ms);
    out("open_screen_ms", open_ms + screen_ms);
    out("full_ms", full_ms);
    out("screen_rows", screen.len());
    out("full_rows", all.len());
    Ok(())
}

/// Loading one person's full record (`Store::person`), for `count` people spread over the
/// caseload.
pub fn record(db: &Path, count: usize) -> Res<()> {
    let people = read_ids(&ids_path(db))?;
    let (_dir, path) = scratch(db)?;
    let store = Store::open(&path, &key()?).map_err(e)?;
    let mut times = Vec::with_capacity(count);
    let mut plan_times = Vec::with_capacity(count);
    for i in 0..count {
        let p = people[spread(i, people.len())];
        let t = Instant::now();
        let rec = store.person(p.id).map_err(e)?;
        times.push(ms(t.elapsed()));
        if rec.plan.goals.is_empty() {
            return Err("a generated person has no goals".into());
        }
        let t = Instant::now();
        store.plan(p.id).map_err(e)?;
        plan_times.push(ms(t.elapsed()));
    }
    out("median_ms", pct(&times, 0.5));
    out("p99_ms", pct(&times, 0.99));
    out("plan_median_ms", pct(&plan_times, 0.5));
    Ok(())
}

/// Bytes of each table and index (SQLite's dbstat), largest first.
fn dbstat(path: &Path) -> Res<Vec<(String, i64)>> {
    let conn = raw_open(path, None)?;
    let mut stmt = conn
        .prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        .map_err(e)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(e)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(e)
}

fn pragma(path: &Path, name: &str) -> Res<i64> {
    let conn = raw_open(path, None)?;
    // SQLCipher answers some pragmas (page_size) as text.
    let value: rusqlite::types::Value = conn
        .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .map_err(e)?;
    match value {
        rusqlite::types::Value::Integer(n) => Ok(n),
        rusqlite::types::Value::Text(t) => t.trim().parse().map_err(e),
        other => Err(format!("PRAGMA {name} answered {other:?}")),
    }
}

/// Database size per person before and after `Store::compact`, with where the bytes are.
pub fn size(db: &Path) -> Res<()> {
    let n = read_ids(&ids_path(db))?.len().max(1) as f64;
    let (dir, path) = scratch(db)?;
    let before = db_bytes(&path);
    let (snap, changes, rows) = {
        let store = Store::open(&path, &key()?).map_err(e)?;
        store.storage_sizes().map_err(e)?
    };
    out("before_per_person", before as f64 / n);
    out("automerge_before_per_person", (snap + changes) as f64 / n);
    out("change_rows", rows);
    for (name, bytes) in dbstat(&path)?.iter().take(6) {
        out(&format!("before_table:{name}"), *bytes as f64 / n);
    }
    let t = Instant::now();
    let (snap, changes) = {
        let store = Store::open(&path, &key()?).map_err(e)?;
        store.compact().map_err(e)?;
        let open_bytes = db_bytes(&path);
        out("after_open_per_person", open_bytes as f64 / n);
        let (s, c, _) = store.storage_sizes().map_err(e)?;
        (s, c)
    };
    out("compact_ms", ms(t.elapsed()));
    {
        // Full records once every document is one snapshot (no pending change rows).
        let people = read_ids(&ids_path(db))?;
        let store = Store::open(&path, &key()?).map_err(e)?;
        let mut compacted = Vec::new();
        for i in 0..100 {
            let p = people[spread(i, people.len())];
            let t = Instant::now();
            store.person(p.id).map_err(e)?;
            compacted.push(ms(t.elapsed()));
        }
        out("record_compacted_median_ms", pct(&compacted, 0.5));
    }
    let after = db_bytes(&path);
    out("after_per_person", after as f64 / n);
    out("automerge_after_per_person", (snap + changes) as f64 / n);
    let page = pragma(&path, "page_size")?;
    out(
        "freelist_per_person",
        (pragma(&path, "freelist_count")? * page) as f64 / n,
    );
    for (name, bytes) in dbstat(&path)?.iter().take(6) {
        out(&format!("after_table:{name}"), *bytes as f64 / n);
    }
    let vacuumed = dir.path().join("vacuumed.db");
    let conn = raw_open(&path, None)?;
    conn.execute("VACUUM INTO ?1", [vacuumed.to_string_lossy()])
        .map_err(e)?;
    out("vacuumed_per_person", db_bytes(&vacuumed) as f64 / n);
    Ok(())
}

/// Sessions tried before a scenario is reported as failed.
const MAX_SESSIONS: u32 = 5;

fn sync_out(c: Converged, took: f64) {
    out("sync_a_to_b", c.a_to_b);
    out("sync_b_to_a", c.b_to_a);
    out("sync_round_trips", c.round_trips());
    out("sync_sessions", c.sessions);
    out("sync_ms", took);
}

/// Syncs and prints the figures; `a` connects.
fn timed_sync(a: &Store, b: &Store) -> Res<()> {
    let t = Instant::now();
    let c = sync_retrying(a, b, MAX_SESSIONS)?;
    sync_out(c, ms(t.elapsed()));
    Ok(())
}

/// A new device (`b`, connecting) receives the whole caseload from `a`; the pair is left in
/// `pair` for the other sync scenarios.
pub fn sync_new(db: &Path, pair: &Path) -> Res<()> {
    std::fs::create_dir_all(pair).map_err(e)?;
    let (a_path, b_path) = (pair.join("a.db"), pair.join("b.db"));
    copy_db(db, &a_path)?;
    let _ = std::fs::remove_file(&b_path);
    let a = Store::open(&a_path, &key()?).map_err(e)?;
    let b = Store::create(
        &b_path,
        NewStore {
            user: "alex.link-worker".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &key()?,
    )
    .map_err(e)?;
    let t = Instant::now();
    let c = sync_retrying(&b, &a, MAX_SESSIONS)?;
    // Reported as a -> b = from the caseload to the new device.
    sync_out(
        Converged {
            a_to_b: c.b_to_a,
            b_to_a: c.a_to_b,
            ..c
        },
        ms(t.elapsed()),
    );
    let n = a.caseload(&CaseloadQuery::default()).map_err(e)?.len();
    let m = b.caseload(&CaseloadQuery::default()).map_err(e)?.len();
    if n != m {
        return Err(format!("the new device holds {m} people, not {n}"));
    }
    std::fs::copy(ids_path(db), pair.join("a.ids")).map_err(e)?;
    Ok(())
}

/// The two devices of `pair`, copied so that each scenario starts from the same state.
fn open_pair(pair: &Path) -> Res<(tempfile::TempDir, Store, Store, Vec<Person>)> {
    let dir = tempfile::tempdir().map_err(e)?;
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    copy_db(&pair.join("a.db"), &a)?;
    copy_db(&pair.join("b.db"), &b)?;
    let people = read_ids(&pair.join("a.ids"))?;
    let a = Store::open(&a, &key()?).map_err(e)?;
    let b = Store::open(&b, &key()?).map_err(e)?;
    Ok((dir, a, b, people))
}

/// Reconnect with nothing to do.
pub fn sync_idle(pair: &Path) -> Res<()> {
    let (_dir, a, b, _) = open_pair(pair)?;
    timed_sync(&a, &b)
}

/// One offline edit on one device, then reconnect.
pub fn sync_one(pair: &Path) -> Res<()> {
    let (_dir, a, b, people) = open_pair(pair)?;
    let p = people[people.len() / 2];
    a.record_progress(
        p.goal,
        NewProgress {
            rating: Some(7),
            note: Some("Went to the lunch club on her own this week.".into()),
        },
    )
    .map_err(e)?;
    timed_sync(&a, &b)
}

/// Edits of a week offline on one device: `WEEK_EDITS` actions over `WEEK_PEOPLE` people from
/// `first`: progress, consultations with notes, case notes.
pub fn week_of_edits(s: &Store, people: &[Person], first: usize, seed: u64) -> Res<()> {
    let mut r = Rng::new(seed);
    for i in 0..WEEK_EDITS {
        let p = people[(first + i % WEEK_PEOPLE) % people.len()];
        match (i / WEEK_PEOPLE) % 5 {
            0 | 2 => {
                s.record_progress(
                    p.goal,
                    NewProgress {
                        rating: Some(r.below(11) as u8),
                        note: None,
                    },
                )
                .map_err(e)?;
            }
            1 => {
                let len = 250 + r.below(350);
                s.add_consultation(
                    p.id,
                    NewConsultation {
                        mode: ConsultationMode::Phone,
                        start: None,
                        duration_minutes: Some(30),
                        attendees: Vec::new(),
                        notes: Some(prose(&mut r, len)),
                    },
                )
                .map_err(e)?;
            }
            3 => {
                let note = prose(&mut r, 80);
                s.record_progress(
                    p.goal,
                    NewProgress {
                        rating: None,
                        note: Some(note),
                    },
                )
                .map_err(e)?;
            }
            _ => {
                s.add_case_note(p.id, &prose(&mut r, 150)).map_err(e)?;
            }
        }
    }
    Ok(())
}

/// A week offline: 300 edits over 60 people on each device (30 people edited on both), then
/// reconnect; a second reconnect checks that the first converged.
pub fn sync_week(pair: &Path) -> Res<()> {
    let (_dir, a, b, people) = open_pair(pair)?;
    week_of_edits(&a, &people, 0, 1)?;
    week_of_edits(&b, &people, WEEK_PEOPLE / 2, 2)?;
    timed_sync(&a, &b)?;
    let after = sync_retrying(&a, &b, 1)?;
    out("after_round_trips", after.round_trips());
    Ok(())
}
