//! The engine baseline: the same operations done with raw automerge and raw rusqlite, no
//! linkwork layer. The documents are linkwork's own (exported from the generated caseload), so
//! the ratio measures the layer, not a different document shape. Each function runs in a child
//! process (see `harness`) and prints `key value` lines.
//!
//! Storage is the minimum an app would write: one snapshot row per document plus one row per
//! commit (`save_after` bytes), in WAL mode with `synchronous = NORMAL` as linkwork uses.
//! Sync is automerge's own protocol, one sync state per document, every document's message
//! batched into one message per round, states persisted in the transaction that applies a round.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use linkwork_core::model::DocKind;
use linkwork_core::Id;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::caseload::{ids_path, read_ids, spread, WEEK_EDITS, WEEK_PEOPLE};
use crate::gen::{prose, Person, Rng};
use crate::support::{copy_db, db_bytes, e, ms, out, pct, raw_open, written, Res};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, snapshot BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, bytes BLOB NOT NULL) STRICT;
CREATE INDEX IF NOT EXISTS changes_by_doc ON changes (doc_id, id);
CREATE TABLE IF NOT EXISTS sync_state (
    peer TEXT NOT NULL, doc_id TEXT NOT NULL, state BLOB NOT NULL,
    PRIMARY KEY (peer, doc_id)) STRICT;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
";

/// Opens (creating if needed) a raw database with linkwork's pragmas.
fn connect(path: &Path) -> Res<Connection> {
    let conn = raw_open(path, None)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(e)?;
    conn.execute_batch(SCHEMA).map_err(e)?;
    Ok(conn)
}

fn doc_id(person: Id, kind: DocKind) -> String {
    let k = match kind {
        DocKind::Plan => "plan",
        DocKind::Case => "case",
    };
    format!("{person}:{k}")
}

/// Loads a document: its snapshot, then its change rows.
fn load(conn: &Connection, id: &str) -> Res<Option<Automerge>> {
    let snapshot: Option<Vec<u8>> = conn
        .prepare_cached("SELECT snapshot FROM docs WHERE doc_id = ?1")
        .map_err(e)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(e)?;
    let Some(snapshot) = snapshot else {
        return Ok(None);
    };
    let mut doc = Automerge::load(&snapshot).map_err(e)?;
    let mut stmt = conn
        .prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 ORDER BY id")
        .map_err(e)?;
    let mut rows = stmt.query([id]).map_err(e)?;
    while let Some(row) = rows.next().map_err(e)? {
        let bytes: Vec<u8> = row.get(0).map_err(e)?;
        doc.load_incremental(&bytes).map_err(e)?;
    }
    Ok(Some(doc))
}

fn actor(conn: &Connection) -> Res<ActorId> {
    let hex: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'actor'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(e)?;
    match hex {
        Some(h) => ActorId::try_from(h.as_str()).map_err(e),
        None => {
            let a = ActorId::random();
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('actor', ?1)",
                [a.to_hex_string()],
            )
            .map_err(e)?;
            Ok(a)
        }
    }
}

/// Builds the raw databases from a linkwork caseload. `raw.db` holds exactly the bytes the
/// linkwork store holds (each document's snapshot and pending change rows), so that loading
/// costs the same; `raw-compact.db` holds one snapshot per document; `raw-changes.db` one row
/// per commit, as an app that never compacts would.
pub fn build(db: &Path, dir: &Path) -> Res<()> {
    std::fs::create_dir_all(dir).map_err(e)?;
    let people = read_ids(&ids_path(db))?;
    let (mirror, compacted, changes) = (
        dir.join("raw.db"),
        dir.join("raw-compact.db"),
        dir.join("raw-changes.db"),
    );
    for p in [&mirror, &compacted, &changes] {
        let _ = std::fs::remove_file(p);
    }
    // linkwork's own tables, read as stored (the bench's one dependency on the store layout).
    let src = raw_open(db, Some(rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY))?;
    let mut m = connect(&mirror)?;
    let mut c = connect(&compacted)?;
    let mut u = connect(&changes)?;
    actor(&m)?;
    let (tm, tc, tu) = (
        m.transaction().map_err(e)?,
        c.transaction().map_err(e)?,
        u.transaction().map_err(e)?,
    );
    let empty = Automerge::new().save();
    let mut commits = 0usize;
    let mut docs = src
        .prepare("SELECT person_id, kind, snapshot FROM documents ORDER BY person_id, kind")
        .map_err(e)?;
    let mut rows = src
        .prepare("SELECT bytes FROM doc_changes WHERE person_id = ?1 AND kind = ?2 ORDER BY id")
        .map_err(e)?;
    let all = docs
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })
        .map_err(e)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(e)?;
    for (person, kind, snapshot) in all {
        let id = format!("{person}:{kind}");
        let pending = rows
            .query_map(params![person, kind], |r| r.get::<_, Vec<u8>>(0))
            .map_err(e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e)?;
        tm.execute(
            "INSERT INTO docs (doc_id, snapshot) VALUES (?1, ?2)",
            params![id, snapshot],
        )
        .map_err(e)?;
        let mut doc = Automerge::load(&snapshot).map_err(e)?;
        for bytes in &pending {
            tm.execute(
                "INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)",
                params![id, bytes],
            )
            .map_err(e)?;
            doc.load_incremental(bytes).map_err(e)?;
        }
        tc.execute(
            "INSERT INTO docs (doc_id, snapshot) VALUES (?1, ?2)",
            params![id, doc.save()],
        )
        .map_err(e)?;
        tu.execute(
            "INSERT INTO docs (doc_id, snapshot) VALUES (?1, ?2)",
            params![id, empty],
        )
        .map_err(e)?;
        for mut change in doc.get_changes(&[]) {
            tu.execute(
                "INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)",
                params![id, change.bytes().as_ref()],
            )
            .map_err(e)?;
            commits += 1;
        }
    }
    tm.commit().map_err(e)?;
    tc.commit().map_err(e)?;
    tu.commit().map_err(e)?;
    drop((m, c, u));
    std::fs::copy(ids_path(db), dir.join("raw.ids")).map_err(e)?;
    let n = people.len().max(1) as f64;
    out("commits_per_person", commits as f64 / n);
    out("before_per_person", db_bytes(&changes) as f64 / n);
    out("after_per_person", db_bytes(&compacted) as f64 / n);
    Ok(())
}

/// A private copy of the raw database.
fn scratch(dir: &Path) -> Res<(tempfile::TempDir, Connection, Vec<Person>)> {
    let tmp = tempfile::tempdir().map_err(e)?;
    let path = tmp.path().join("raw.db");
    copy_db(&dir.join("raw.db"), &path)?;
    let people = read_ids(&dir.join("raw.ids"))?;
    Ok((tmp, connect(&path)?, people))
}

/// The map at `key` under `obj`.
fn map_at(doc: &impl ReadDoc, obj: &automerge::ObjId, key: &str) -> Res<automerge::ObjId> {
    match doc.get(obj, key).map_err(e)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(format!("no map at {key}")),
    }
}

fn commit_message(action: &str, item: Id) -> String {
    format!(r#"{{"u":"sam.link-worker","a":"{action}","i":"{item}"}}"#)
}

/// One raw write: load the document, one automerge commit of `edit`, append the new bytes as a
/// change row, in one immediate transaction.
fn raw_edit(
    conn: &mut Connection,
    actor: &ActorId,
    id: &str,
    message: String,
    edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Res<()>,
) -> Res<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(e)?;
    let mut doc = load(&tx, id)?.ok_or_else(|| format!("no document {id}"))?;
    doc.set_actor(actor.clone());
    let before = doc.get_heads();
    let now = chrono::Utc::now();
    doc.transact_with(
        |_| {
            CommitOptions::default()
                .with_message(message)
                .with_time(now.timestamp())
        },
        edit,
    )
    .map_err(|f| f.error)?;
    let bytes = doc.save_after(&before);
    tx.prepare_cached("INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)")
        .map_err(e)?
        .execute(params![id, bytes])
        .map_err(e)?;
    tx.commit().map_err(e)?;
    Ok(())
}

/// Adds a progress entry to a goal, with linkwork's keys.
fn put_progress(
    tx: &mut automerge::transaction::Transaction<'_>,
    goal: Id,
    rating: i64,
    note: Option<&str>,
) -> Res<()> {
    let goals = map_at(tx, &ROOT, "goals")?;
    let g = map_at(tx, &goals, &goal.to_string())?;
    let progress = map_at(tx, &g, "progress")?;
    let entry = tx
        .put_object(&progress, Id::new().to_string(), ObjType::Map)
        .map_err(e)?;
    tx.put(&entry, "rating", rating).map_err(e)?;
    if let Some(n) = note {
        tx.put(&entry, "note", n).map_err(e)?;
    }
    tx.put(&entry, "recorded_by", "sam.link-worker")
        .map_err(e)?;
    tx.put(
        &entry,
        "recorded_at",
        ScalarValue::Timestamp(chrono::Utc::now().timestamp_millis()),
    )
    .map_err(e)?;
    Ok(())
}

/// Adds an item with a text field to a case collection (`consultations` or `notes`).
fn put_case_text(
    tx: &mut automerge::transaction::Transaction<'_>,
    collection: &str,
    field: &str,
    text: &str,
) -> Res<()> {
    let c = map_at(tx, &ROOT, collection)?;
    let item = tx
        .put_object(&c, Id::new().to_string(), ObjType::Map)
        .map_err(e)?;
    let t = tx.put_object(&item, field, ObjType::Text).map_err(e)?;
    tx.update_text(&t, text).map_err(e)?;
    tx.put(&item, "by", "sam.link-worker").map_err(e)?;
    tx.put(
        &item,
        "at",
        ScalarValue::Timestamp(chrono::Utc::now().timestamp_millis()),
    )
    .map_err(e)?;
    Ok(())
}

/// The same actions as `caseload::action`, raw.
pub fn action(dir: &Path, count: usize) -> Res<()> {
    let (tmp, mut conn, people) = scratch(dir)?;
    let actor = actor(&conn)?;
    let mut r = Rng::new(77);
    let progress = |conn: &mut Connection, r: &mut Rng, p: Person| -> Res<f64> {
        let note = (r.below(2) == 0).then(|| prose(r, 80));
        let rating = r.below(11) as i64;
        let t = Instant::now();
        raw_edit(
            conn,
            &actor,
            &doc_id(p.id, DocKind::Plan),
            commit_message("goal.progress", p.goal),
            |tx| put_progress(tx, p.goal, rating, note.as_deref()),
        )?;
        Ok(ms(t.elapsed()))
    };
    let mut times = Vec::with_capacity(count);
    let w = written();
    for i in 0..count {
        times.push(progress(
            &mut conn,
            &mut r,
            people[spread(i, people.len())],
        )?);
    }
    out(
        "written_per_action",
        (written() - w) as f64 / count.max(1) as f64,
    );
    out("median_ms", pct(&times, 0.5));
    out("p99_ms", pct(&times, 0.99));
    // The same attribution of WAL frames to tables as linkwork's (`caseload::action`).
    let db = tmp.path().join("raw.db");
    let mut frames = crate::pages::FrameCounter::new(&db);
    for i in 0..crate::caseload::PAGE_ACTIONS {
        frames.before()?;
        progress(&mut conn, &mut r, people[spread(count + i, people.len())])?;
        frames.after()?;
    }
    drop(conn);
    frames.report()
}

/// The first screen without projections: open, then load case documents for names.
pub fn open(dir: &Path) -> Res<()> {
    let t = Instant::now();
    let conn = connect(&dir.join("raw.db"))?;
    let open_ms = ms(t.elapsed());
    let names = |limit: i64| -> Res<usize> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT doc_id FROM docs WHERE doc_id LIKE '%:case' ORDER BY doc_id LIMIT ?1",
            )
            .map_err(e)?;
        let ids = stmt
            .query_map([limit], |r| r.get::<_, String>(0))
            .map_err(e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(e)?;
        let mut rows = 0;
        for id in ids {
            let doc = load(&conn, &id)?.ok_or("document vanished")?;
            let d = map_at(&doc, &ROOT, "demographics")?;
            let given = doc.get(&d, "given_name").map_err(e)?;
            let family = doc.get(&d, "family_name").map_err(e)?;
            if given.is_some() && family.is_some() {
                rows += 1;
            }
        }
        Ok(rows)
    };
    let t = Instant::now();
    let screen = names(50)?;
    let screen_ms = ms(t.elapsed());
    let t = Instant::now();
    let full = names(i64::MAX)?;
    let full_ms = ms(t.elapsed());
    out("open_ms", open_ms);
    out("screen_ms", screen_ms);
    out("open_screen_ms", open_ms + screen_ms);
    out("full_ms", full_ms);
    out("screen_rows", screen);
    out("full_rows", full);
    Ok(())
}

/// One person's full record, raw: load both documents and materialise them (`hydrate`).
pub fn record(dir: &Path, count: usize) -> Res<()> {
    let conn = connect(&dir.join("raw.db"))?;
    let people = read_ids(&dir.join("raw.ids"))?;
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let p = people[spread(i, people.len())];
        let t = Instant::now();
        let tx = conn.unchecked_transaction().map_err(e)?;
        for kind in [DocKind::Plan, DocKind::Case] {
            let doc = load(&tx, &doc_id(p.id, kind))?.ok_or("no document")?;
            std::hint::black_box(doc.hydrate(None));
        }
        tx.finish().map_err(e)?;
        times.push(ms(t.elapsed()));
    }
    out("median_ms", pct(&times, 0.5));
    out("p99_ms", pct(&times, 0.99));
    Ok(())
}

/// One side of a raw sync session: every document loaded, one automerge sync state each.
struct Side {
    conn: Connection,
    actor: ActorId,
    peer: String,
    docs: BTreeMap<String, Automerge>,
    states: HashMap<String, sync::State>,
    /// Documents with a row in `docs`.
    stored: HashSet<String>,
    sent: u64,
    messages: u32,
}

impl Side {
    fn open(path: &Path, peer: &str) -> Res<Side> {
        let conn = connect(path)?;
        let actor = actor(&conn)?;
        let mut docs = BTreeMap::new();
        let ids: Vec<String> = conn
            .prepare("SELECT doc_id FROM docs")
            .map_err(e)?
            .query_map([], |r| r.get(0))
            .map_err(e)?
            .collect::<Result<_, _>>()
            .map_err(e)?;
        for id in ids {
            if let Some(mut d) = load(&conn, &id)? {
                d.set_actor(actor.clone());
                docs.insert(id, d);
            }
        }
        let mut states = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT doc_id, state FROM sync_state WHERE peer = ?1")
                .map_err(e)?;
            let rows = stmt
                .query_map([peer], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .map_err(e)?;
            for row in rows {
                let (id, bytes) = row.map_err(e)?;
                states.insert(id, sync::State::decode(&bytes).unwrap_or_default());
            }
        }
        let stored = docs.keys().cloned().collect();
        Ok(Side {
            conn,
            actor,
            peer: peer.into(),
            stored,
            docs,
            states,
            sent: 0,
            messages: 0,
        })
    }

    /// This round's message: every document's automerge sync message, if any.
    fn generate(&mut self) -> Vec<(String, Vec<u8>)> {
        let mut batch = Vec::new();
        for (id, doc) in &self.docs {
            let state = self.states.entry(id.clone()).or_default();
            if let Some(m) = doc.generate_sync_message(state) {
                batch.push((id.clone(), m.encode()));
            }
        }
        if !batch.is_empty() {
            // Framing: a 16-byte id, a kind byte and a 4-byte length per document.
            self.sent += batch.iter().map(|(_, m)| 21 + m.len() as u64).sum::<u64>();
            self.messages += 1;
        }
        batch
    }

    /// Applies a round from the peer in one transaction: new bytes, new documents, states.
    fn receive(&mut self, batch: Vec<(String, Vec<u8>)>) -> Res<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        for (id, bytes) in batch {
            let message = sync::Message::decode(&bytes).map_err(e)?;
            let doc = self
                .docs
                .entry(id.clone())
                .or_insert_with(|| Automerge::new().with_actor(self.actor.clone()));
            let state = self.states.entry(id.clone()).or_default();
            let before = doc.get_heads();
            doc.receive_sync_message(state, message).map_err(e)?;
            if !self.stored.contains(&id) {
                if !doc.get_heads().is_empty() {
                    tx.prepare_cached("INSERT INTO docs (doc_id, snapshot) VALUES (?1, ?2)")
                        .map_err(e)?
                        .execute(params![id, doc.save()])
                        .map_err(e)?;
                    self.stored.insert(id.clone());
                }
            } else {
                let new = doc.save_after(&before);
                if !new.is_empty() {
                    tx.prepare_cached("INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)")
                        .map_err(e)?
                        .execute(params![id, new])
                        .map_err(e)?;
                }
            }
            tx.prepare_cached(
                "INSERT INTO sync_state (peer, doc_id, state) VALUES (?1, ?2, ?3)
                 ON CONFLICT (peer, doc_id) DO UPDATE SET state = excluded.state",
            )
            .map_err(e)?
            .execute(params![self.peer, id, state.encode()])
            .map_err(e)?;
        }
        tx.commit().map_err(e)?;
        Ok(())
    }
}

/// Runs a raw session between two databases until neither side has anything to send.
fn session(a: &Path, b: &Path) -> Res<(u64, u64, u32, f64)> {
    let t = Instant::now();
    let mut sa = Side::open(a, "b")?;
    let mut sb = Side::open(b, "a")?;
    let mut from_a = true;
    let mut quiet = 0;
    let mut rounds = 0;
    while quiet < 2 && rounds < 200 {
        rounds += 1;
        let (src, dst) = if from_a {
            (&mut sa, &mut sb)
        } else {
            (&mut sb, &mut sa)
        };
        let batch = src.generate();
        if batch.is_empty() {
            quiet += 1;
        } else {
            quiet = 0;
            dst.receive(batch)?;
        }
        from_a = !from_a;
    }
    let took = ms(t.elapsed());
    let trips = (sa.messages + sb.messages).div_ceil(2);
    Ok((sa.sent, sb.sent, trips, took))
}

fn sync_out((a_to_b, b_to_a, trips, took): (u64, u64, u32, f64)) {
    out("sync_a_to_b", a_to_b);
    out("sync_b_to_a", b_to_a);
    out("sync_round_trips", trips);
    out("sync_sessions", 1);
    out("sync_ms", took);
}

/// A new device receives the whole caseload by automerge sync, document by document.
pub fn sync_new(dir: &Path, pair: &Path) -> Res<()> {
    std::fs::create_dir_all(pair).map_err(e)?;
    let (a, b) = (pair.join("a.db"), pair.join("b.db"));
    copy_db(&dir.join("raw.db"), &a)?;
    let _ = std::fs::remove_file(&b);
    let stats = session(&a, &b)?;
    sync_out(stats);
    std::fs::copy(dir.join("raw.ids"), pair.join("a.ids")).map_err(e)?;
    Ok(())
}

fn pair_copy(pair: &Path) -> Res<(tempfile::TempDir, Vec<Person>)> {
    let tmp = tempfile::tempdir().map_err(e)?;
    copy_db(&pair.join("a.db"), &tmp.path().join("a.db"))?;
    copy_db(&pair.join("b.db"), &tmp.path().join("b.db"))?;
    Ok((tmp, read_ids(&pair.join("a.ids"))?))
}

/// Reconnect with nothing to do, raw.
pub fn sync_idle(pair: &Path) -> Res<()> {
    let (tmp, _) = pair_copy(pair)?;
    sync_out(session(&tmp.path().join("a.db"), &tmp.path().join("b.db"))?);
    Ok(())
}

/// One offline edit, raw.
pub fn sync_one(pair: &Path) -> Res<()> {
    let (tmp, people) = pair_copy(pair)?;
    let a = tmp.path().join("a.db");
    {
        let mut conn = connect(&a)?;
        let actor = actor(&conn)?;
        let p = people[people.len() / 2];
        raw_edit(
            &mut conn,
            &actor,
            &doc_id(p.id, DocKind::Plan),
            commit_message("goal.progress", p.goal),
            |tx| {
                put_progress(
                    tx,
                    p.goal,
                    7,
                    Some("Went to the lunch club on her own this week."),
                )
            },
        )?;
    }
    sync_out(session(&a, &tmp.path().join("b.db"))?);
    Ok(())
}

/// The same week of edits as `caseload::week_of_edits`, raw.
fn week_of_edits(path: &Path, people: &[Person], first: usize, seed: u64) -> Res<()> {
    let mut conn = connect(path)?;
    let actor = actor(&conn)?;
    let mut r = Rng::new(seed);
    for i in 0..WEEK_EDITS {
        let p = people[(first + i % WEEK_PEOPLE) % people.len()];
        let plan = doc_id(p.id, DocKind::Plan);
        let case = doc_id(p.id, DocKind::Case);
        let item = Id::new();
        match (i / WEEK_PEOPLE) % 5 {
            0 | 2 => {
                let rating = r.below(11) as i64;
                raw_edit(
                    &mut conn,
                    &actor,
                    &plan,
                    commit_message("goal.progress", p.goal),
                    |tx| put_progress(tx, p.goal, rating, None),
                )?
            }
            1 => {
                let len = 250 + r.below(350);
                let notes = prose(&mut r, len);
                raw_edit(
                    &mut conn,
                    &actor,
                    &case,
                    commit_message("consultation.add", item),
                    |tx| put_case_text(tx, "consultations", "notes", &notes),
                )?
            }
            3 => {
                let note = prose(&mut r, 80);
                raw_edit(
                    &mut conn,
                    &actor,
                    &plan,
                    commit_message("goal.progress", p.goal),
                    |tx| put_progress(tx, p.goal, 5, Some(&note)),
                )?
            }
            _ => {
                let text = prose(&mut r, 150);
                raw_edit(
                    &mut conn,
                    &actor,
                    &case,
                    commit_message("note.add", item),
                    |tx| put_case_text(tx, "notes", "text", &text),
                )?
            }
        }
    }
    Ok(())
}

/// A week offline on both devices, raw.
pub fn sync_week(pair: &Path) -> Res<()> {
    let (tmp, people) = pair_copy(pair)?;
    let (a, b) = (tmp.path().join("a.db"), tmp.path().join("b.db"));
    week_of_edits(&a, &people, 0, 1)?;
    week_of_edits(&b, &people, WEEK_PEOPLE / 2, 2)?;
    sync_out(session(&a, &b)?);
    Ok(())
}
