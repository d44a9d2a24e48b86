//! Helpers shared by the sync integration tests (`tests/tests/integration/sync_*.rs`): temporary stores, an
//! in-memory session driver that can lose, replace or replay messages, fixtures, convergence
//! checks, and a test-side codec of the sync envelope (to capture, inspect and craft messages
//! a well-behaved peer would never send).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::result_large_err
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use linkwork_core::measures::{AdministrationMode, Instrument, Timepoint};
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Store, SyncSession, SyncStats, SyncStep};
use linkwork_tests::TestDir;

// ---------------------------------------------------------------------------------------------
// Stores

/// A temporary directory holding test stores: [`TestDir`], with the user named after the file.
pub struct Dir(TestDir);

impl Dir {
    pub fn new() -> Self {
        Dir(TestDir::new())
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.path(file)
    }

    /// A link-worker store in `file`, acting as the user `file` (without extension).
    pub fn link_worker(&self, file: &str) -> Store {
        self.link_worker_as(file, file.trim_end_matches(".db"))
    }

    pub fn link_worker_as(&self, file: &str, user: &str) -> Store {
        self.0.link_worker(file, user)
    }

    /// A patient store in `file` for `person`.
    pub fn patient(&self, file: &str, person: Id) -> Store {
        self.0.patient(file, file.trim_end_matches(".db"), person)
    }
}

// ---------------------------------------------------------------------------------------------
// Session driver

/// Which side a message travels to. `A` started the session (`sync_start`), `B` accepted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    A,
    B,
}

impl To {
    pub fn other(self) -> To {
        match self {
            To::A => To::B,
            To::B => To::A,
        }
    }
}

/// One session between two stores, stepped by hand.
pub struct Pair<'s> {
    pub a: &'s Store,
    pub b: &'s Store,
    pub sa: SyncSession,
    pub sb: SyncSession,
}

impl<'s> Pair<'s> {
    /// Starts a session: `a` connects, `b` listens. Returns the first message (for `b`).
    pub fn start(a: &'s Store, b: &'s Store) -> (Pair<'s>, Vec<u8>) {
        let (sa, first) = a.sync_start().expect("sync_start");
        let sb = b.sync_accept();
        (Pair { a, b, sa, sb }, first)
    }

    /// Feeds `bytes` to the side `to`.
    pub fn deliver(&mut self, to: To, bytes: &[u8]) -> Result<SyncStep, Error> {
        match to {
            To::A => self.a.sync_receive(&mut self.sa, bytes),
            To::B => self.b.sync_receive(&mut self.sb, bytes),
        }
    }

    /// Delivers `bytes` to `to`, then ping-pongs every reply until one side has nothing to
    /// send. Returns the number of messages delivered.
    pub fn run_from(&mut self, to: To, bytes: Vec<u8>) -> Result<u32, Error> {
        let mut next = Some((to, bytes));
        let mut n = 0;
        while let Some((to, bytes)) = next {
            n += 1;
            assert!(n <= 100, "the session did not finish");
            let step = self.deliver(to, &bytes)?;
            next = step.reply.map(|r| (to.other(), r));
        }
        Ok(n)
    }
}

/// A message of a driven session.
#[derive(Clone, Debug)]
pub struct Msg {
    /// 0 for the connecting side's first message.
    pub index: usize,
    pub to: To,
    pub bytes: Vec<u8>,
}

/// What the driver does with a message.
pub enum Fate {
    Deliver,
    /// The message never arrives: the session stops there.
    Lose,
    /// Other bytes arrive instead.
    Replace(Vec<u8>),
}

/// What a driven session did.
#[derive(Debug)]
pub struct Run {
    /// Every message produced, delivered or not.
    pub transcript: Vec<Msg>,
    /// Messages that arrived.
    pub delivered: u32,
    pub stats_a: SyncStats,
    pub stats_b: SyncStats,
    pub changed_a: Vec<Id>,
    pub changed_b: Vec<Id>,
    pub complete_a: bool,
    pub complete_b: bool,
    /// A message was lost (the session stopped).
    pub lost: bool,
    /// The error a side returned (the session stopped).
    pub error: Option<(To, Error)>,
}

impl Run {
    pub fn bytes_a_to_b(&self) -> u64 {
        self.stats_a.bytes_sent
    }

    pub fn bytes_b_to_a(&self) -> u64 {
        self.stats_b.bytes_sent
    }

    pub fn bytes_total(&self) -> u64 {
        self.stats_a.bytes_sent + self.stats_b.bytes_sent
    }

    pub fn round_trips(&self) -> u32 {
        self.stats_a.round_trips()
    }
}

/// Runs a session from `a` (connecting) to `b` (listening), asking `fate` about every message.
pub fn drive(a: &Store, b: &Store, mut fate: impl FnMut(&Msg) -> Fate) -> Run {
    let (mut pair, first) = Pair::start(a, b);
    let mut transcript = Vec::new();
    let mut next = Some(Msg {
        index: 0,
        to: To::B,
        bytes: first,
    });
    let mut delivered = 0;
    let mut lost = false;
    let mut error = None;
    while let Some(msg) = next.take() {
        if msg.index >= 100 {
            let tail: Vec<String> = transcript
                .iter()
                .rev()
                .take(6)
                .map(|m: &Msg| format!("#{} to {:?}: {}", m.index, m.to, summary(&m.bytes)))
                .collect();
            panic!(
                "the session did not finish; last messages:\n{}",
                tail.join("\n")
            );
        }
        transcript.push(msg.clone());
        let bytes = match fate(&msg) {
            Fate::Deliver => msg.bytes,
            Fate::Lose => {
                lost = true;
                break;
            }
            Fate::Replace(other) => other,
        };
        delivered += 1;
        match pair.deliver(msg.to, &bytes) {
            Ok(step) => {
                next = step.reply.map(|bytes| Msg {
                    index: msg.index + 1,
                    to: msg.to.other(),
                    bytes,
                });
            }
            Err(e) => {
                error = Some((msg.to, e));
                break;
            }
        }
    }
    Run {
        transcript,
        delivered,
        stats_a: pair.sa.stats(),
        stats_b: pair.sb.stats(),
        changed_a: pair.sa.changed_people(),
        changed_b: pair.sb.changed_people(),
        complete_a: pair.sa.is_complete(),
        complete_b: pair.sb.is_complete(),
        lost,
        error,
    }
}

/// Runs a session to the end; `Err` with the receiving side when a side refuses a message.
pub fn try_sync(a: &Store, b: &Store) -> Result<Run, (To, Error)> {
    let mut run = drive(a, b, |_| Fate::Deliver);
    match run.error.take() {
        Some(e) => Err(e),
        None => Ok(run),
    }
}

/// Runs a session to the end, which must succeed and complete on both sides.
#[track_caller]
pub fn sync(a: &Store, b: &Store) -> Run {
    let run = match try_sync(a, b) {
        Ok(run) => run,
        Err((to, e)) => panic!("sync failed on side {to:?}: {e:?}"),
    };
    assert!(
        run.complete_a && run.complete_b,
        "the session ended incomplete: {run:?}"
    );
    run
}

/// Syncs every pair once, in order.
pub fn sync_mesh(stores: &[&Store]) {
    for (i, a) in stores.iter().enumerate() {
        for b in &stores[i + 1..] {
            sync(a, b);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing stores

/// Every person's record on a link-worker store, by id (people from the caseload).
pub fn records(s: &Store) -> BTreeMap<Id, PersonRecord> {
    people(s)
        .into_iter()
        .map(|p| (p, s.person(p).expect("person record")))
        .collect()
}

/// The ids of the caseload, sorted.
pub fn people(s: &Store) -> Vec<Id> {
    let mut ids: Vec<Id> = caseload(s).into_iter().map(|e| e.person_id).collect();
    ids.sort();
    ids
}

pub fn caseload(s: &Store) -> Vec<CaseloadEntry> {
    s.caseload(&CaseloadQuery::default()).expect("caseload")
}

/// The caseload projection without `updated_at` (a store-local time), sorted by person.
pub fn caseload_view(s: &Store) -> Vec<CaseloadEntry> {
    let epoch = Utc.timestamp_opt(0, 0).single().expect("epoch");
    let mut v: Vec<CaseloadEntry> = caseload(s)
        .into_iter()
        .map(|e| CaseloadEntry {
            updated_at: epoch,
            ..e
        })
        .collect();
    v.sort_by_key(|e| e.person_id);
    v
}

/// Every link-worker store holds the same records (documents) and caseload projection.
#[track_caller]
pub fn assert_converged(stores: &[&Store]) {
    let (first, rest) = stores.split_first().expect("stores");
    let want = records(first);
    let want_list = caseload_view(first);
    assert_eq!(
        want.len(),
        want_list.len(),
        "records and caseload disagree on {:?}",
        first.info().user
    );
    for s in rest {
        let got = records(s);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{} and {} hold different people",
            first.info().user,
            s.info().user
        );
        for (p, r) in &want {
            assert_eq!(
                got.get(p),
                Some(r),
                "{} and {} differ on person {p}",
                first.info().user,
                s.info().user
            );
        }
        let got_list = caseload_view(s);
        assert_eq!(
            got_list.len(),
            want_list.len(),
            "{} and {} list different numbers of people",
            first.info().user,
            s.info().user
        );
        for (g, w) in got_list.iter().zip(&want_list) {
            assert_eq!(
                g,
                w,
                "{} and {} have different caseload projections",
                s.info().user,
                first.info().user
            );
        }
    }
}

/// The patient store holds exactly `person`'s plan, equal to the link worker's (conflicts
/// included, as far as the plan goes).
#[track_caller]
pub fn assert_patient_matches(patient: &Store, link_worker: &Store, person: Id) {
    assert_eq!(
        people(patient),
        vec![person],
        "the patient store's caseload"
    );
    let mine = patient.person(person).expect("patient's own record");
    let theirs = link_worker.person(person).expect("link worker's record");
    assert!(mine.case.is_none(), "a patient record has no case");
    // A patient's store holds no episodes, so its items carry none; compare without them.
    assert_eq!(
        mine.plan,
        linkwork_tests::without_episodes(theirs.plan),
        "the patient's plan differs"
    );
    let plan_conflicts: Vec<FieldConflict> = theirs
        .conflicts
        .into_iter()
        .filter(|c| c.document == DocKind::Plan)
        .collect();
    assert_eq!(mine.conflicts, plan_conflicts, "plan conflicts differ");
    assert_eq!(
        doc_rows(patient.path()),
        vec![(person.to_string(), "plan".to_string())],
        "the patient's database holds other documents"
    );
}

/// `(person, kind)` of every document row in a store's database file.
pub fn doc_rows(path: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(path).expect("open database");
    let mut stmt = conn
        .prepare("SELECT person_id, kind FROM documents ORDER BY person_id, kind")
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<Vec<(String, String)>, _>>()
        .expect("rows");
    rows
}

/// How many rows of any table mention `person` (documents, changes, projections, sync state).
pub fn rows_mentioning(path: &Path, person: Id) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(path).expect("open database");
    let p = person.to_string();
    let mut out = Vec::new();
    for table in [
        "documents",
        "doc_changes",
        "people",
        "items",
        "due_items",
        "open_onward",
        "sync_state",
    ] {
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE person_id = ?1"),
                [&p],
                |r| r.get(0),
            )
            .expect("count");
        if n > 0 {
            out.push((table.to_string(), n));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Fixtures

pub fn add_person(s: &Store, given: &str) -> Id {
    s.add_person(NewPerson {
        given_name: given.into(),
        family_name: "Tester".into(),
        ..Default::default()
    })
    .expect("add person")
}

pub fn add_goal(s: &Store, person: Id, text: &str) -> Id {
    s.add_goal(
        person,
        NewGoal {
            text: text.into(),
            ..Default::default()
        },
    )
    .expect("add goal")
}

pub fn add_step(s: &Store, person: Id, goal: Option<Id>, text: &str, due: Option<NaiveDate>) -> Id {
    s.add_step(
        person,
        NewStep {
            text: text.into(),
            owner: StepOwner::Person,
            owner_name: None,
            goal_id: goal,
            due,
        },
    )
    .expect("add step")
}

pub fn progress(s: &Store, goal: Id, rating: i32) -> Id {
    s.record_progress(
        goal,
        NewProgress {
            rating: Some(rating),
            note: Some(format!("rated {rating} by {}", s.info().user)),
        },
    )
    .expect("record progress")
}

pub fn ons4(s: &Store, person: Id, first: i64) -> Id {
    s.record_measure(
        person,
        NewMeasureResponse {
            instrument: Instrument::Ons4,
            answers: vec![Some(first), Some(5), Some(3), Some(6)],
            concern_labels: vec![],
            pam: None,
            timepoint: Timepoint::Baseline,
            mode: AdministrationMode::SelfCompleted,
            recorded_at: None,
        },
    )
    .expect("record measure")
}

pub fn consent(s: &Store, person: Id, recipient: &str) -> Id {
    s.record_consent(
        person,
        NewConsent {
            purpose: "share with services".into(),
            recipient: recipient.into(),
            recipient_org: Some(linkwork_tests::org_id(recipient)),
            decision: ConsentDecision::Given,
            method: ConsentMethod::Verbal,
            capacity: Some(Capacity::HasCapacity),
            proxy: None,
            expires: None,
        },
    )
    .expect("record consent")
}

pub fn consultation(s: &Store, person: Id, notes: &str) -> Id {
    s.add_consultation(
        person,
        NewConsultation {
            mode: ConsultationMode::HomeVisit,
            start: None,
            duration_minutes: Some(45),
            attendees: vec![s.info().user.clone()],
            notes: Some(notes.into()),
        },
    )
    .expect("add consultation")
}

pub fn set_phone(s: &Store, person: Id, phone: &str) {
    s.update_demographics(
        person,
        DemographicsUpdate {
            phone: Some(Some(phone.into())),
            ..Default::default()
        },
    )
    .expect("update demographics")
}

pub use linkwork_tests::date;

/// A person with a goal and a step (and progress on the goal), as a link worker adds them.
#[derive(Clone, Copy, Debug)]
pub struct Planned {
    pub person: Id,
    pub goal: Id,
    pub step: Id,
}

pub fn planned_person(s: &Store, given: &str) -> Planned {
    let person = add_person(s, given);
    s.set_what_matters(person, "Getting out of the house more")
        .expect("what matters");
    let goal = add_goal(s, person, "Walk to the park");
    let step = add_step(
        s,
        person,
        Some(goal),
        "Join the walking group",
        Some(date(2031, 5, 1)),
    );
    progress(s, goal, 3);
    Planned { person, goal, step }
}

/// A person record with something in every part a sync test looks at: demographics, plan
/// (what matters, need, goal, progress, step, measure) and case (consent, consultation, note).
pub fn rich_person(s: &Store, given: &str) -> Planned {
    let p = planned_person(s, given);
    s.add_need(p.person, Need::Loneliness, Some("lives alone"))
        .expect("need");
    ons4(s, p.person, 4);
    consent(s, p.person, "walking group");
    consultation(s, p.person, "first visit");
    s.add_case_note(p.person, "met at home").expect("note");
    set_phone(s, p.person, "01632 960001");
    p
}

/// Progress entry ids of a goal (duplicates would show up as repeated ids).
pub fn progress_ids(s: &Store, person: Id, goal: Id) -> Vec<Id> {
    let plan = s.plan(person).expect("plan");
    let g = plan
        .goals
        .iter()
        .find(|g| g.id == goal)
        .expect("goal in plan");
    g.progress.iter().map(|p| p.id).collect()
}

pub fn goal_count(s: &Store, person: Id) -> usize {
    s.plan(person).expect("plan").goals.len()
}

// ---------------------------------------------------------------------------------------------
// Envelope codec (mirrors core/src/sync/wire.rs, protocol version 3)

const FLAG_HELLO: u8 = 1;
const FLAG_DONE: u8 = 2;
const FLAG_MANIFEST: u8 = 4;
const FLAG_FULL_MANIFEST: u8 = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireHello {
    pub store_id: Id,
    pub role: Role,
    pub person: Option<Id>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireDoc {
    pub person: Id,
    pub kind: DocKind,
    /// The whole document (`true`) or an automerge sync message.
    pub whole: bool,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wire {
    pub hello: Option<WireHello>,
    pub done: bool,
    pub digest: [u8; 32],
    pub doc_count: u64,
    pub pending_docs: u64,
    pub pending_bytes: u64,
    pub manifest: Option<Vec<(Id, DocKind, [u8; 8])>>,
    pub full_manifest: bool,
    pub tombstones: Vec<(Id, i64)>,
    /// Each tombstone's signature (signer 32 bytes + signature 64), by index; missing: none.
    pub tombstone_sigs: Vec<Option<Vec<u8>>>,
    pub docs: Vec<WireDoc>,
    /// Change signature entries, raw (137 bytes each: hash, signer, signature, adopted,
    /// valid_at).
    pub signatures: Vec<Vec<u8>>,
    /// Signers' certificates, raw.
    pub certificates: Vec<Vec<u8>>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn kind_byte(k: DocKind) -> u8 {
    match k {
        DocKind::Plan => 1,
        DocKind::Case => 2,
    }
}

fn kind_of(b: u8) -> DocKind {
    match b {
        1 => DocKind::Plan,
        2 => DocKind::Case,
        other => panic!("kind byte {other}"),
    }
}

impl Wire {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = b"LWS\x03".to_vec();
        let mut flags = 0;
        if self.hello.is_some() {
            flags |= FLAG_HELLO;
        }
        if self.done {
            flags |= FLAG_DONE;
        }
        if self.manifest.is_some() {
            flags |= FLAG_MANIFEST;
            if self.full_manifest {
                flags |= FLAG_FULL_MANIFEST;
            }
        }
        out.push(flags);
        if let Some(h) = &self.hello {
            out.extend_from_slice(h.store_id.as_bytes());
            out.push(match h.role {
                Role::LinkWorker => 1,
                Role::Patient => 2,
            });
            match h.person {
                Some(p) => {
                    out.push(1);
                    out.extend_from_slice(p.as_bytes());
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&self.digest);
        put_varint(&mut out, self.doc_count);
        put_varint(&mut out, self.pending_docs);
        put_varint(&mut out, self.pending_bytes);
        if let Some(m) = &self.manifest {
            put_varint(&mut out, m.len() as u64);
            for (p, k, tag) in m {
                out.extend_from_slice(p.as_bytes());
                out.push(kind_byte(*k));
                out.extend_from_slice(tag);
            }
        }
        put_varint(&mut out, self.tombstones.len() as u64);
        for (i, (p, at)) in self.tombstones.iter().enumerate() {
            out.extend_from_slice(p.as_bytes());
            out.extend_from_slice(&at.to_le_bytes());
            match self.tombstone_sigs.get(i).cloned().flatten() {
                Some(sig) => {
                    out.push(1);
                    out.extend_from_slice(&sig);
                }
                None => out.push(0),
            }
        }
        put_varint(&mut out, self.docs.len() as u64);
        for d in &self.docs {
            out.extend_from_slice(d.person.as_bytes());
            out.push(kind_byte(d.kind));
            out.push(if d.whole { 0 } else { 1 });
            put_varint(&mut out, d.bytes.len() as u64);
            out.extend_from_slice(&d.bytes);
        }
        put_varint(&mut out, self.signatures.len() as u64);
        for sig in &self.signatures {
            out.extend_from_slice(sig);
        }
        put_varint(&mut out, self.certificates.len() as u64);
        for c in &self.certificates {
            put_varint(&mut out, c.len() as u64);
            out.extend_from_slice(c);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes a well-formed message (panics otherwise: test input only).
    pub fn decode(bytes: &[u8]) -> Wire {
        let (bytes, crc) = bytes.split_last_chunk::<4>().expect("a CRC trailer");
        assert_eq!(crc32fast::hash(bytes), u32::from_le_bytes(*crc), "CRC");
        let mut r = Reader { bytes, pos: 0 };
        assert_eq!(r.take(4), b"LWS\x03", "magic and version");
        let flags = r.byte();
        let hello = (flags & FLAG_HELLO != 0).then(|| {
            let store_id = r.id();
            let role = match r.byte() {
                1 => Role::LinkWorker,
                2 => Role::Patient,
                other => panic!("role byte {other}"),
            };
            let person = (r.byte() == 1).then(|| r.id());
            WireHello {
                store_id,
                role,
                person,
            }
        });
        let mut digest = [0u8; 32];
        digest.copy_from_slice(r.take(32));
        let doc_count = r.varint();
        let pending_docs = r.varint();
        let pending_bytes = r.varint();
        let manifest = (flags & FLAG_MANIFEST != 0).then(|| {
            (0..r.varint())
                .map(|_| {
                    let p = r.id();
                    let k = kind_of(r.byte());
                    let mut tag = [0u8; 8];
                    tag.copy_from_slice(r.take(8));
                    (p, k, tag)
                })
                .collect()
        });
        let mut tombstone_sigs = Vec::new();
        let tombstones = (0..r.varint())
            .map(|_| {
                let p = r.id();
                let mut at = [0u8; 8];
                at.copy_from_slice(r.take(8));
                tombstone_sigs.push((r.byte() == 1).then(|| r.take(96).to_vec()));
                (p, i64::from_le_bytes(at))
            })
            .collect();
        let docs = (0..r.varint())
            .map(|_| {
                let person = r.id();
                let kind = kind_of(r.byte());
                let whole = r.byte() == 0;
                let len = r.varint() as usize;
                WireDoc {
                    person,
                    kind,
                    whole,
                    bytes: r.take(len).to_vec(),
                }
            })
            .collect();
        let signatures = (0..r.varint()).map(|_| r.take(137).to_vec()).collect();
        let certificates = (0..r.varint())
            .map(|_| {
                let len = r.varint() as usize;
                r.take(len).to_vec()
            })
            .collect();
        assert_eq!(r.pos, bytes.len(), "trailing bytes");
        Wire {
            hello,
            done: flags & FLAG_DONE != 0,
            digest,
            doc_count,
            pending_docs,
            pending_bytes,
            full_manifest: manifest.is_some() && flags & FLAG_FULL_MANIFEST != 0,
            manifest,
            tombstones,
            tombstone_sigs,
            docs,
            signatures,
            certificates,
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        s
    }

    fn byte(&mut self) -> u8 {
        self.take(1)[0]
    }

    fn id(&mut self) -> Id {
        let mut b = [0u8; 16];
        b.copy_from_slice(self.take(16));
        Id::from_bytes(b)
    }

    fn varint(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte();
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return v;
            }
            shift += 7;
        }
    }
}

/// A hello naming `s` (what its first message says about it).
pub fn hello_of(s: &Store) -> WireHello {
    WireHello {
        store_id: s.info().store_id,
        role: s.info().role,
        person: s.info().person,
    }
}

/// A one-line description of a message, for failure reports.
pub fn summary(bytes: &[u8]) -> String {
    let w = Wire::decode(bytes);
    let docs: Vec<String> = w
        .docs
        .iter()
        .map(|d| {
            format!(
                "{}:{:?}:{}{}",
                &d.person.to_string()[..8],
                d.kind,
                if d.whole { "whole" } else { "sync" },
                d.bytes.len()
            )
        })
        .collect();
    format!(
        "{} bytes hello={} done={} digest={:02x?} count={} manifest={:?} full={} tombstones={} docs=[{}]",
        bytes.len(),
        w.hello.is_some(),
        w.done,
        &w.digest[..4],
        w.doc_count,
        w.manifest.as_ref().map(|m| m.len()),
        w.full_manifest,
        w.tombstones.len(),
        docs.join(", ")
    )
}

/// Whether a message carries a whole document of `kind`.
pub fn carries_whole(bytes: &[u8], kind: DocKind) -> bool {
    Wire::decode(bytes)
        .docs
        .iter()
        .any(|d| d.whole && d.kind == kind)
}

#[track_caller]
pub fn assert_not_permitted<T: std::fmt::Debug>(r: Result<T, Error>) {
    match r {
        Err(Error::NotPermitted { .. }) => {}
        other => panic!("expected NotPermitted, got {other:?}"),
    }
}
