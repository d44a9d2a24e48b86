//! Shared helpers and fixtures for linkwork's cross-crate integration tests.
//!
//! - [`TestDir`] / [`link_worker_store`] / [`patient_store`]: temporary stores;
//! - [`full_person`]: a person with every part of the record filled in ([`Fixture`]);
//! - [`Snapshot`] / [`assert_refused_unchanged`]: "a refused call changes nothing";
//! - [`exchange`] / [`fork`]: whole-document exchange between stores.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use linkwork_core::measures::{AdministrationMode, Instrument, Timepoint};
use linkwork_core::model::*;
use linkwork_core::{Error, Id, Result, Store};

pub use linkwork_core;

/// A temporary directory that holds test stores (deleted on drop).
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    /// A fresh temporary directory.
    pub fn new() -> Self {
        TestDir {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// The path of `name` inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Creates a link-worker store file `name` acting as `user`.
    pub fn link_worker(&self, name: &str, user: &str) -> Store {
        Store::create(
            self.path(name),
            NewStore {
                user: user.into(),
                role: Role::LinkWorker,
                person: None,
            },
            &linkwork_core::StoreKey::unencrypted(),
        )
        .expect("create link-worker store")
    }

    /// Creates a patient store file `name` for `person`, acting as `user`.
    pub fn patient(&self, name: &str, user: &str, person: Id) -> Store {
        Store::create(
            self.path(name),
            NewStore {
                user: user.into(),
                role: Role::Patient,
                person: Some(person),
            },
            &linkwork_core::StoreKey::unencrypted(),
        )
        .expect("create patient store")
    }

    /// Every file in the directory, by name, with its bytes.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(self.dir.path())
            .expect("read the test directory")
            .map(|e| {
                let e = e.expect("a directory entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read file"),
                )
            })
            .collect()
    }

    /// `(file, needle)` for every needle found in the raw bytes of any file in the directory.
    pub fn scan(&self, needles: &[&'static str]) -> Vec<(String, &'static str)> {
        let mut found = Vec::new();
        for (name, bytes) in self.files() {
            for &needle in needles {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    found.push((name.clone(), needle));
                }
            }
        }
        found
    }
}

impl Default for TestDir {
    fn default() -> Self {
        Self::new()
    }
}

/// A temporary directory with one link-worker store `lw.db` acting as `sam`.
pub fn link_worker_store() -> (TestDir, Store) {
    let dir = TestDir::new();
    let store = dir.link_worker("lw.db", "sam");
    (dir, store)
}

/// A patient store `patient.db` in `dir` for `person`, acting as `pat`.
pub fn patient_store(dir: &TestDir, person: Id) -> Store {
    dir.patient("patient.db", "pat", person)
}

/// A calendar date.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Today (UTC), as the core sees it.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A valid NHS number derived from `seed` (the check digit is computed; seeds whose check
/// would be 10, or whose number would be ten identical digits, which core refuses as a
/// placeholder, are skipped forward, so every call returns a valid number).
pub fn nhs_number(seed: u32) -> String {
    let mut n = seed;
    loop {
        let body = format!("{:09}", n % 1_000_000_000);
        let sum: u32 = body
            .bytes()
            .zip((2..=10).rev())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let number = match 11 - (sum % 11) {
            10 => None,
            11 => Some(format!("{body}0")),
            c => Some(format!("{body}{c}")),
        };
        match number {
            Some(number)
                if number
                    .bytes()
                    .any(|b| Some(&b) != number.as_bytes().first()) =>
            {
                return number
            }
            _ => n = n.wrapping_add(1),
        }
    }
}

/// A minimal new person.
pub fn new_person(given: &str, family: &str) -> NewPerson {
    NewPerson {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: Some(date(1950, 3, 14)),
        ..Default::default()
    }
}

/// Adds a minimal person and returns their id.
pub fn add_person(store: &Store, given: &str, family: &str) -> Id {
    store
        .add_person(new_person(given, family))
        .expect("add person")
}

/// An episode transition without reasons.
pub fn to(status: EpisodeStatus) -> EpisodeTransition {
    EpisodeTransition {
        to: status,
        discharge_reason: None,
        decline_reason: None,
        redirect_reason: None,
        consent_to_contact: (status == EpisodeStatus::Accepted).then_some(true),
        reason: None,
    }
}

/// A discharge with a reason.
pub fn discharge(reason: DischargeReason) -> EpisodeTransition {
    EpisodeTransition {
        to: EpisodeStatus::Discharged,
        discharge_reason: Some(reason),
        decline_reason: None,
        redirect_reason: None,
        consent_to_contact: None,
        reason: Some("summary sent to GP".into()),
    }
}

/// Moves the person's current episode through `path` (discharging with `goals-met`).
pub fn walk(store: &Store, person: Id, path: &[EpisodeStatus]) {
    for &s in path {
        let t = if s == EpisodeStatus::Discharged {
            discharge(DischargeReason::GoalsMet)
        } else {
            to(s)
        };
        if s == EpisodeStatus::UnableToContact {
            // Closing as unable to contact needs an attempt in the episode.
            store
                .record_contact_attempt(
                    person,
                    NewContactAttempt {
                        at: None,
                        channel: ContactChannel::Phone,
                        outcome: ContactOutcome::NoAnswer,
                        note: None,
                    },
                )
                .unwrap_or_else(|e| panic!("contact attempt: {e}"));
        }
        store
            .transition_episode(person, t)
            .unwrap_or_else(|e| panic!("transition to {s}: {e}"));
    }
}

/// A step input.
pub fn new_step(text: &str, owner: StepOwner, due: Option<NaiveDate>) -> NewStep {
    NewStep {
        text: text.into(),
        owner,
        owner_name: None,
        goal_id: None,
        due,
    }
}

/// A local organisation id for a recipient name in tests ("Citizens Advice" ->
/// "LOCAL-CITIZENS-ADVICE"): letters and digits kept, everything else a hyphen.
pub fn org_id(recipient: &str) -> String {
    let body: String = recipient
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("LOCAL-{body}")
}

/// `plan` with every item's `episode_id` cleared, as a patient's store (which holds no
/// episodes) reads it.
pub fn without_episodes(mut plan: Plan) -> Plan {
    plan.needs.iter_mut().for_each(|n| n.episode_id = None);
    plan.goals.iter_mut().for_each(|g| g.episode_id = None);
    plan.steps.iter_mut().for_each(|s| s.episode_id = None);
    plan.measures.iter_mut().for_each(|m| m.episode_id = None);
    plan
}

/// A consent input.
pub fn new_consent(purpose: &str, recipient: &str, decision: ConsentDecision) -> NewConsent {
    NewConsent {
        purpose: purpose.into(),
        recipient: recipient.into(),
        recipient_org: Some(org_id(recipient)),
        decision,
        method: ConsentMethod::Verbal,
        capacity: Some(Capacity::HasCapacity),
        proxy: None,
        expires: None,
    }
}

/// A consultation input.
pub fn new_consultation(mode: ConsultationMode) -> NewConsultation {
    NewConsultation {
        mode,
        start: None,
        duration_minutes: Some(45),
        attendees: vec!["daughter".into()],
        notes: Some("talked about the allotment".into()),
    }
}

/// An ONS4 response input.
pub fn ons4(answers: [i64; 4], timepoint: Timepoint) -> NewMeasureResponse {
    NewMeasureResponse {
        instrument: Instrument::Ons4,
        answers: answers.iter().map(|a| Some(*a)).collect(),
        concern_labels: Vec::new(),
        pam: None,
        timepoint,
        mode: AdministrationMode::SelfCompleted,
        recorded_at: None,
    }
}

/// The ids of everything [`full_person`] created.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// The person.
    pub person: Id,
    /// The first episode (accepted).
    pub episode: Id,
    /// A goal with a target date and two progress entries.
    pub goal: Id,
    /// The goal's progress entries.
    pub progress: Vec<Id>,
    /// An open step with a due date, linked to the goal.
    pub step: Id,
    /// A done step.
    pub done_step: Id,
    /// A baseline ONS4 response.
    pub measure: Id,
    /// A contact attempt.
    pub contact: Id,
    /// A consent record (given).
    pub consent: Id,
    /// A home visit, checked in.
    pub visit: Id,
    /// A phone consultation.
    pub call: Id,
    /// An onward referral, acknowledged.
    pub onward: Id,
    /// A risk flag.
    pub flag: Id,
    /// A case note.
    pub note: Id,
}

/// The full-record person's given name.
pub const FIXTURE_GIVEN: &str = "Ada";
/// The full-record person's family name.
pub const FIXTURE_FAMILY: &str = "Lovelace";
/// The full-record person's NHS number (the NHS's published example).
pub const FIXTURE_NHS: &str = "9434765919";

/// Adds a person with every part of the record filled in: demographics, referral, an accepted
/// episode, what matters, needs, review date, a goal with progress, steps (one done), a measure,
/// a contact attempt, consent, consultations, an onward referral, a flag and a note.
pub fn full_person(store: &Store) -> Fixture {
    full_person_named(store, FIXTURE_GIVEN, FIXTURE_FAMILY, Some(FIXTURE_NHS))
}

/// As [`full_person`] with other names and NHS number.
pub fn full_person_named(store: &Store, given: &str, family: &str, nhs: Option<&str>) -> Fixture {
    let person = store
        .add_person(NewPerson {
            given_name: given.into(),
            family_name: family.into(),
            date_of_birth: Some(date(1952, 12, 10)),
            nhs_number: nhs.map(str::to_string),
            address: Some("1 Analytical Row, London".into()),
            phone: Some("020 7946 0000".into()),
            email: Some("ada@example.invalid".into()),
            preferred_contact: Some(ContactPreference::Phone),
            communication_needs: Some("large print".into()),
            referral: NewReferral {
                source: Some(ReferralSource::Gp),
                referrer: Some("Dr Babbage".into()),
                reasons: vec!["loneliness".into(), "debt".into()],
                received: Some(date(2024, 1, 15)),
                urgency: Some(Urgency::Routine),
                consent_to_contact: Some(true),
            },
        })
        .expect("add full person");
    let contact = store
        .record_contact_attempt(
            person,
            NewContactAttempt {
                at: None,
                channel: ContactChannel::Phone,
                outcome: ContactOutcome::Reached,
                note: Some("spoke briefly".into()),
            },
        )
        .expect("contact attempt");
    walk(
        store,
        person,
        &[EpisodeStatus::Contacting, EpisodeStatus::Accepted],
    );
    store
        .set_what_matters(person, "Seeing my grandchildren and getting out more")
        .expect("what matters");
    store
        .add_need(person, Need::Loneliness, Some("since moving"))
        .expect("need");
    store.add_need(person, Need::Debt, None).expect("need");
    store
        .set_review_date(person, Some(date(2030, 6, 1)))
        .expect("review date");
    let goal = store
        .add_goal(
            person,
            NewGoal {
                text: "Join a walking group".into(),
                smart_detail: Some("Twice a week by June".into()),
                needs: vec![Need::Loneliness, Need::PhysicalActivity],
                target_date: Some(date(2030, 5, 1)),
            },
        )
        .expect("goal");
    let progress = vec![
        store
            .record_progress(
                goal,
                NewProgress {
                    rating: Some(3),
                    note: Some("found a group".into()),
                },
            )
            .expect("progress"),
        store
            .record_progress(
                goal,
                NewProgress {
                    rating: Some(6),
                    note: None,
                },
            )
            .expect("progress"),
    ];
    let step = store
        .add_step(
            person,
            NewStep {
                text: "Call the walking group".into(),
                owner: StepOwner::Person,
                owner_name: None,
                goal_id: Some(goal),
                due: Some(date(2030, 2, 1)),
            },
        )
        .expect("step");
    let done_step = store
        .add_step(
            person,
            NewStep {
                text: "Send the group's leaflet".into(),
                owner: StepOwner::LinkWorker,
                owner_name: None,
                goal_id: Some(goal),
                due: Some(date(2030, 1, 1)),
            },
        )
        .expect("step");
    store.complete_step(done_step).expect("complete step");
    let measure = store
        .record_measure(person, ons4([6, 7, 5, 3], Timepoint::Baseline))
        .expect("measure");
    let consent = store
        .record_consent(
            person,
            new_consent("debt support", "Citizens Advice", ConsentDecision::Given),
        )
        .expect("consent");
    let visit = store
        .add_consultation(person, new_consultation(ConsultationMode::HomeVisit))
        .expect("visit");
    store.check_in(visit).expect("check in");
    let call = store
        .add_consultation(person, new_consultation(ConsultationMode::Phone))
        .expect("call");
    let onward = store
        .add_onward_referral(
            person,
            NewOnwardReferral {
                service: "Debt advice drop-in".into(),
                organisation: Some("Citizens Advice".into()),
                need: Some("debt".into()),
            },
        )
        .expect("onward referral");
    store
        .transition_onward_referral(onward, OnwardStatus::Acknowledged, Some("email reply"))
        .expect("onward transition");
    let flag = store
        .raise_flag(person, FlagKind::Risk, "Dog at the property")
        .expect("flag");
    let note = store
        .add_case_note(person, "Prefers morning visits")
        .expect("note");
    let episode = store
        .person(person)
        .expect("record")
        .case
        .expect("case")
        .current_episode()
        .expect("episode")
        .id;
    Fixture {
        person,
        episode,
        goal,
        progress,
        step,
        done_step,
        measure,
        contact,
        consent,
        visit,
        call,
        onward,
        flag,
        note,
    }
}

/// Everything observable about a store and one person, for "nothing changed" checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// `store.person(id)`.
    pub record: PersonRecord,
    /// `store.history(id)`.
    pub history: Vec<HistoryEntry>,
    /// The whole caseload list.
    pub caseload: Vec<CaseloadEntry>,
    /// Everything due up to 9999-12-31.
    pub due: Vec<DueItem>,
    /// Open onward referrals.
    pub open_onward: Vec<OpenOnwardReferral>,
    /// `store.storage_sizes()`.
    pub sizes: (i64, i64, i64),
}

impl Snapshot {
    /// Takes a snapshot of `store` and `person`.
    pub fn take(store: &Store, person: Id) -> Self {
        Snapshot {
            record: store.person(person).expect("person"),
            history: store.history(person).expect("history"),
            caseload: store.caseload(&CaseloadQuery::default()).expect("caseload"),
            due: store.due(date(9999, 12, 31)).expect("due"),
            open_onward: store.open_onward_referrals().expect("open onward"),
            sizes: store.storage_sizes().expect("sizes"),
        }
    }
}

/// Runs `f`, which must fail; asserts that nothing observable about `store` and `person`
/// changed, and returns the error for the caller to match.
#[track_caller]
pub fn assert_refused_unchanged<T: std::fmt::Debug>(
    store: &Store,
    person: Id,
    f: impl FnOnce() -> Result<T>,
) -> Error {
    let before = Snapshot::take(store, person);
    let err = match f() {
        Ok(v) => panic!("expected an error, got Ok({v:?})"),
        Err(e) => err_checked(e),
    };
    let after = Snapshot::take(store, person);
    assert_same(
        &before,
        &after,
        &format!("a refused call changed the store ({err})"),
    );
    err
}

/// Asserts two snapshots are equal, naming the part that differs.
#[track_caller]
pub fn assert_same(before: &Snapshot, after: &Snapshot, context: &str) {
    assert_eq!(before.record.plan, after.record.plan, "plan: {context}");
    assert_eq!(before.record, after.record, "case: {context}");
    assert_eq!(before.history, after.history, "history: {context}");
    assert_eq!(before.caseload, after.caseload, "caseload: {context}");
    assert_eq!(before.due, after.due, "due: {context}");
    assert_eq!(
        before.open_onward, after.open_onward,
        "open onward: {context}"
    );
    assert_eq!(before.sizes, after.sizes, "storage sizes: {context}");
}

fn err_checked(e: Error) -> Error {
    // Error messages never carry patient data; they must at least render.
    assert!(!e.to_string().is_empty());
    e
}

/// Asserts `err` is `InvalidInput` for `field`.
#[track_caller]
pub fn assert_invalid(err: &Error, field: &str) {
    match err {
        Error::InvalidInput { field: f, .. } => assert_eq!(*f, field, "{err}"),
        other => panic!("expected InvalidInput for {field}, got {other:?}"),
    }
}

/// Asserts `err` is `NotFound` of `kind`.
#[track_caller]
pub fn assert_not_found(err: &Error, kind: &str) {
    match err {
        Error::NotFound { kind: k, .. } => assert_eq!(*k, kind, "{err}"),
        other => panic!("expected NotFound {kind}, got {other:?}"),
    }
}

/// Asserts `err` is `IllegalTransition` of `machine` from `from` to `to`.
#[track_caller]
pub fn assert_illegal(err: &Error, machine: &str, from: &str, to: &str) {
    match err {
        Error::IllegalTransition {
            machine: m,
            from: f,
            to: t,
        } => {
            assert_eq!(*m, machine, "{err}");
            assert_eq!(f, from, "{err}");
            assert_eq!(t, to, "{err}");
        }
        other => panic!("expected IllegalTransition {machine} {from}->{to}, got {other:?}"),
    }
}

/// Asserts `err` is `NotPermitted`.
#[track_caller]
pub fn assert_not_permitted(err: &Error) {
    assert!(
        matches!(err, Error::NotPermitted { .. }),
        "expected NotPermitted, got {err:?}"
    );
}

/// Sends both of `person`'s documents from `from` to `to`; returns whether `to` changed.
pub fn send(from: &Store, to: &Store, person: Id) -> bool {
    let mut changed = false;
    for kind in [DocKind::Plan, DocKind::Case] {
        let bytes = from.export_document(person, kind).expect("export");
        changed |= to.import_document(&bytes).expect("import").changed;
    }
    changed
}

/// Exchanges both of `person`'s documents between `a` and `b`, both ways.
pub fn exchange(a: &Store, b: &Store, person: Id) {
    send(a, b, person);
    send(b, a, person);
}

/// A new link-worker store `name` acting as `user`, holding a copy of `person`'s documents.
pub fn fork(from: &Store, dir: &TestDir, name: &str, user: &str, person: Id) -> Store {
    let store = dir.link_worker(name, user);
    assert!(send(from, &store, person));
    store
}

/// The bytes of a file.
pub fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

/// The one caseload entry of `person`.
pub fn entry(store: &Store, person: Id) -> CaseloadEntry {
    store
        .caseload(&CaseloadQuery::default())
        .expect("caseload")
        .into_iter()
        .find(|e| e.person_id == person)
        .expect("person in caseload")
}

/// The ids of a caseload search.
pub fn search(store: &Store, text: Option<&str>, status: Option<EpisodeStatus>) -> Vec<Id> {
    store
        .caseload(&CaseloadQuery {
            text: text.map(str::to_string),
            status,
            limit: None,
        })
        .expect("caseload")
        .into_iter()
        .map(|e| e.person_id)
        .collect()
}

/// The person's case record (link-worker stores).
pub fn case(store: &Store, person: Id) -> CaseRecord {
    store.person(person).expect("person").case.expect("case")
}

/// The person's current episode.
pub fn current(store: &Store, person: Id) -> Episode {
    case(store, person)
        .current_episode()
        .expect("current episode")
        .clone()
}

/// What the crash-safety test (`tests/crash_safety.rs`) and its child process
/// (`src/bin/crash_writer.rs`) must agree on: the stores' key, how a store is created and
/// opened, the seeded generator, and the date an action number stands for.
pub mod crash {
    use std::path::Path;

    use chrono::NaiveDate;
    use linkwork_core::model::{NewStore, Role};
    use linkwork_core::{Result, Store, StoreKey};

    /// The stores' key: encrypted, as on a phone.
    pub const KEY: [u8; 32] = *b"crash-safety-test-key-32-bytes!!";

    /// [`KEY`] as a store key.
    pub fn key() -> StoreKey {
        StoreKey::from_bytes(&KEY).expect("a 32-byte key")
    }

    /// Opens the store the way an app does, with its key; the one place that knows
    /// `Store::open`'s signature.
    pub fn open_store(path: &Path) -> Result<Store> {
        Store::open(path, &key())
    }

    /// Creates a link worker's store acting as `sam`; the one place that knows
    /// `Store::create`'s signature.
    pub fn create_store(path: &Path) -> Result<Store> {
        let new = NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        };
        Store::create(path, new, &key())
    }

    /// xorshift64: a seeded, reproducible sequence (the seed must be non-zero).
    pub struct Rng(pub u64);

    impl Rng {
        /// The next number, reduced to `0..n`.
        pub fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// The date action number `n` writes: 2030-01-01 plus `n % 365` days.
    pub fn date(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 1, 1).expect("valid date") + chrono::Days::new(n % 365)
    }
}

/// History entries with their authors set aside: what every device holding the same changes
/// lists alike. Authors depend on what each device could prove (ADR 0007): a document file
/// carries no signatures, so a device that imported it vouches for its changes itself.
pub fn claims(entries: Vec<HistoryEntry>) -> Vec<HistoryEntry> {
    entries
        .into_iter()
        .map(|mut e| {
            e.author = Author::Unsigned;
            e
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed 0 would be `0000000000`, which passes the check digit but core refuses as a
    /// placeholder (a property test once generated it).
    #[test]
    fn nhs_number_returns_numbers_core_accepts_even_for_placeholder_seeds() {
        for seed in [0, 111_111_111, 1_000_003, 999_999_999] {
            let n = nhs_number(seed);
            assert!(NhsNumber::parse(&n).is_ok(), "seed {seed} gave {n}");
        }
    }
}
