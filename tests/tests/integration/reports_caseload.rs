//! The caseload report on a generated caseload of a few hundred people. A seeded generator
//! decides every person's content; the test records it through the `Store`, then computes
//! every expected count from the generator's own inputs (never by reading the store back) and
//! compares it with `Store::caseload_report()`, then checks the CSV files.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use linkwork_core::measures::{
    swemwbs_metric, AdministrationMode, Instrument, PamResult, Timepoint,
};
use linkwork_core::model::*;
use linkwork_core::reports::{CaseloadReport, Count, CSV_FILES};
use linkwork_core::{Error, Id, Store};

const PEOPLE: usize = 300;
const SEED: u64 = 0x5eed_2024_cafe_f00d;

/// SplitMix64: small, seeded, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

use EpisodeStatus::*;

/// Valid transition paths from `referred`.
const PATHS: &[&[EpisodeStatus]] = &[
    &[],
    &[Contacting],
    &[Contacting, UnableToContact],
    &[Contacting, Declined],
    &[Declined],
    &[Redirected],
    &[Contacting, Accepted],
    &[Accepted],
    &[Contacting, Accepted, Discharged],
    &[Accepted, OnHold],
    &[OnHold, Discharged],
    &[OnHold],
    &[Accepted, Discharged, Accepted],
    &[Declined, Contacting, Accepted, Discharged],
    &[Contacting, OnHold, UnableToContact],
];

const SERVICES: &[&str] = &[
    "Walking group",
    "Debt advice, drop-in",
    "Befriending \"Tea & Chat\"",
    "Food bank\nnorth",
    "=HYPERLINK(\"x\")",
];

struct EpisodePlan {
    source: Option<ReferralSource>,
    received: NaiveDate,
    contacts: Vec<(DateTime<Utc>, ContactOutcome)>,
    consultations: Vec<(DateTime<Utc>, ConsultationMode)>,
    path: &'static [EpisodeStatus],
}

impl EpisodePlan {
    fn status(&self) -> EpisodeStatus {
        self.path.last().copied().unwrap_or(Referred)
    }
}

struct MeasurePlan {
    instrument: Instrument,
    answers: Vec<Option<i64>>,
    labels: Vec<String>,
    pam: Option<PamResult>,
    timepoint: Timepoint,
    at: DateTime<Utc>,
    complete: bool,
}

struct PersonPlan {
    episodes: Vec<EpisodePlan>,
    needs: Vec<Need>,
    onward: Vec<(&'static str, Vec<OnwardStatus>)>,
    measures: Vec<MeasurePlan>,
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + Duration::days(n)
}

fn instant(d: NaiveDate, minutes: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(8, 0, 0).unwrap()) + Duration::minutes(minutes)
}

fn gen_episode(rng: &mut Rng, path: &'static [EpisodeStatus], earliest: i64) -> EpisodePlan {
    let source = if rng.chance(12) {
        None
    } else {
        Some(rng.pick(ReferralSource::ALL))
    };
    let received = day(rng.range(earliest, earliest + 300));
    let contacts = (0..rng.below(4))
        .map(|_| {
            let at = instant(received, rng.range(0, 40 * 24 * 60));
            let outcome = rng.pick(ContactOutcome::ALL);
            (at, outcome)
        })
        .collect();
    let consultations = (0..rng.below(5))
        .map(|_| {
            let at = instant(received, rng.range(60, 90 * 24 * 60));
            (at, rng.pick(ConsultationMode::ALL))
        })
        .collect();
    EpisodePlan {
        source,
        received,
        contacts,
        consultations,
        path,
    }
}

fn gen_answers(rng: &mut Rng, instrument: Instrument) -> (Vec<Option<i64>>, Vec<String>) {
    let def = instrument.definition();
    let mut answers: Vec<Option<i64>> = def
        .items
        .iter()
        .map(|i| Some(rng.range(i.min, i.max)))
        .collect();
    if instrument == Instrument::Mycaw && rng.chance(50) {
        answers[1] = None;
    }
    if rng.chance(15) {
        // An unanswered required item: incomplete.
        let required: Vec<usize> = def
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.required)
            .map(|(n, _)| n)
            .collect();
        answers[rng.pick(&required)] = None;
    }
    let labels = if instrument == Instrument::Mycaw {
        answers
            .iter()
            .take(2)
            .flatten()
            .enumerate()
            .map(|(i, _)| format!("concern {i}"))
            .collect()
    } else {
        Vec::new()
    };
    (answers, labels)
}

fn gen_person(rng: &mut Rng) -> PersonPlan {
    let path = rng_path(rng);
    let first = gen_episode(rng, path, 0);
    let mut episodes = vec![first];
    if episodes[0].status().is_closed() && rng.chance(30) {
        let path = rng_path(rng);
        episodes.push(gen_episode(rng, path, 400));
    }
    let needs = Need::ALL
        .iter()
        .copied()
        .filter(|_| rng.chance(30))
        .collect();
    let onward = (0..rng.below(4))
        .map(|_| {
            let service = rng.pick(SERVICES);
            let mut path = Vec::new();
            let mut at = OnwardStatus::Sent;
            for _ in 0..rng.below(4) {
                let next = next_states(at);
                if next.is_empty() {
                    break;
                }
                at = rng.pick(next);
                path.push(at);
            }
            (service, path)
        })
        .collect();
    let measures = (0..rng.below(8))
        .enumerate()
        .map(|(k, _)| {
            let instrument = rng.pick(&Instrument::ALL);
            let timepoint =
                rng.pick(&[Timepoint::Baseline, Timepoint::Review, Timepoint::FollowUp]);
            // Distinct instants: a random day plus k seconds.
            let at = instant(day(rng.range(0, 700)), 0) + Duration::seconds(k as i64);
            if instrument == Instrument::Pam {
                let score = rng.range(0, 1000) as f64 / 10.0;
                // The level the published ranges give for the score.
                let level = linkwork_core::measures::PAM_LEVEL_RANGES
                    .iter()
                    .find(|(_, low, high)| (*low..=*high).contains(&score))
                    .map_or(1, |(level, _, _)| *level);
                let pam = PamResult::new(score, level, "PAM-13 v2").unwrap();
                return MeasurePlan {
                    instrument,
                    answers: Vec::new(),
                    labels: Vec::new(),
                    pam: Some(pam),
                    timepoint,
                    at,
                    complete: true,
                };
            }
            let (answers, labels) = gen_answers(rng, instrument);
            let complete = instrument
                .definition()
                .items
                .iter()
                .zip(&answers)
                .all(|(i, a)| a.is_some() || !i.required);
            MeasurePlan {
                instrument,
                answers,
                labels,
                pam: None,
                timepoint,
                at,
                complete,
            }
        })
        .collect();
    PersonPlan {
        episodes,
        needs,
        onward,
        measures,
    }
}

fn rng_path(rng: &mut Rng) -> &'static [EpisodeStatus] {
    rng.pick(PATHS)
}

fn record_episode_content(s: &Store, p: Id, e: &EpisodePlan) {
    for (at, outcome) in &e.contacts {
        s.record_contact_attempt(
            p,
            NewContactAttempt {
                at: Some(*at),
                channel: ContactChannel::Phone,
                outcome: *outcome,
                note: None,
            },
        )
        .unwrap();
    }
    for (start, mode) in &e.consultations {
        s.add_consultation(
            p,
            NewConsultation {
                mode: *mode,
                start: Some(*start),
                duration_minutes: Some(30),
                attendees: Vec::new(),
                notes: None,
            },
        )
        .unwrap();
    }
    for to in e.path {
        if *to == EpisodeStatus::UnableToContact {
            // Closing as unable to contact needs an attempt in the episode.
            s.record_contact_attempt(
                p,
                NewContactAttempt {
                    at: None,
                    channel: ContactChannel::Phone,
                    outcome: ContactOutcome::NoAnswer,
                    note: None,
                },
            )
            .unwrap();
        }
        s.transition_episode(
            p,
            EpisodeTransition {
                to: *to,
                discharge_reason: (*to == Discharged).then_some(DischargeReason::GoalsMet),
                decline_reason: None,
                redirect_reason: None,
                consent_to_contact: (*to == EpisodeStatus::Accepted).then_some(true),
                reason: None,
            },
        )
        .unwrap();
    }
}

fn record(s: &Store, i: usize, plan: &PersonPlan) {
    let referral = |e: &EpisodePlan| NewReferral {
        source: e.source,
        received: Some(e.received),
        ..Default::default()
    };
    let p = s
        .add_person(NewPerson {
            given_name: format!("Given{i}"),
            family_name: format!("Family{i}"),
            referral: referral(&plan.episodes[0]),
            ..Default::default()
        })
        .unwrap();
    for (n, e) in plan.episodes.iter().enumerate() {
        if n > 0 {
            s.open_episode(p, referral(e)).unwrap();
        }
        record_episode_content(s, p, e);
    }
    for need in &plan.needs {
        s.add_need(p, *need, None).unwrap();
    }
    for (service, path) in &plan.onward {
        let id = s
            .add_onward_referral(
                p,
                NewOnwardReferral {
                    service: (*service).into(),
                    organisation: None,
                    need: None,
                },
            )
            .unwrap();
        for to in path {
            s.transition_onward_referral(id, *to, None).unwrap();
        }
    }
    for m in &plan.measures {
        s.record_measure(
            p,
            NewMeasureResponse {
                instrument: m.instrument,
                answers: m.answers.clone(),
                concern_labels: m.labels.clone(),
                pam: m.pam.clone(),
                timepoint: m.timepoint,
                mode: AdministrationMode::ReadOut,
                recorded_at: Some(m.at),
            },
        )
        .unwrap();
    }
}

// ---- the expected report, from the generator's inputs ------------------------------------

fn counts<K: Ord + Clone>(keys: impl IntoIterator<Item = K>) -> BTreeMap<K, i32> {
    let mut out = BTreeMap::new();
    for k in keys {
        *out.entry(k).or_insert(0) += 1;
    }
    out
}

fn as_map(rows: &[Count]) -> BTreeMap<String, i32> {
    rows.iter().map(|c| (c.key.clone(), c.count)).collect()
}

/// Every code of a vocabulary with its expected count (zeros included), as the report lists it.
fn full<C: Code>(got: &BTreeMap<String, i32>) -> Vec<(String, i32)> {
    C::ALL
        .iter()
        .map(|c| {
            (
                c.code().to_string(),
                got.get(c.code()).copied().unwrap_or(0),
            )
        })
        .collect()
}

fn rows(list: &[Count]) -> Vec<(String, i32)> {
    list.iter().map(|c| (c.key.clone(), c.count)).collect()
}

/// One person's expected quantities for an instrument: (quantity, baseline, follow-up,
/// difference, lower is better), computed here from the raw answers.
fn expected_pairs(plan: &PersonPlan) -> Vec<(Instrument, &'static str, f64, f64, bool)> {
    let mut out = Vec::new();
    for instrument in Instrument::ALL {
        let pick = |t: Timepoint| {
            plan.measures
                .iter()
                .filter(move |m| m.instrument == instrument && m.timepoint == t && m.complete)
        };
        let (Some(b), Some(f)) = (
            pick(Timepoint::Baseline).min_by_key(|m| m.at),
            pick(Timepoint::FollowUp).max_by_key(|m| m.at),
        ) else {
            continue;
        };
        // A follow-up answered before its baseline never pairs.
        if f.at <= b.at {
            continue;
        }
        let a = |m: &MeasurePlan, i: usize| m.answers[i].unwrap() as f64;
        let sum = |m: &MeasurePlan| m.answers.iter().flatten().sum::<i64>();
        match instrument {
            Instrument::Ons4 => {
                for (i, q) in ["life-satisfaction", "worthwhile", "happiness", "anxiety"]
                    .into_iter()
                    .enumerate()
                {
                    out.push((instrument, q, a(b, i), a(f, i), q == "anxiety"));
                }
            }
            Instrument::Wemwbs => {
                out.push((instrument, "total", sum(b) as f64, sum(f) as f64, false))
            }
            Instrument::Swemwbs => out.push((
                instrument,
                "metric",
                swemwbs_metric(sum(b)).unwrap(),
                swemwbs_metric(sum(f)).unwrap(),
                false,
            )),
            Instrument::Ucla3 => {
                out.push((instrument, "total", sum(b) as f64, sum(f) as f64, true))
            }
            Instrument::LonelinessDirect => {
                out.push((instrument, "answer", a(b, 0), a(f, 0), true))
            }
            Instrument::Mycaw => {
                out.push((instrument, "concern-1", a(b, 0), a(f, 0), true));
                if b.answers[1].is_some() && f.answers[1].is_some() {
                    out.push((instrument, "concern-2", a(b, 1), a(f, 1), true));
                }
                out.push((instrument, "wellbeing", a(b, 2), a(f, 2), true));
            }
            Instrument::Pam => out.push((
                instrument,
                "score",
                b.pam.as_ref().unwrap().score,
                f.pam.as_ref().unwrap().score,
                false,
            )),
        }
    }
    out
}

/// One person's pair: baseline, follow-up, lower is better.
type Pair = (f64, f64, bool);

fn close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: {a} != {b}"),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

fn check_report(report: &CaseloadReport, plans: &[PersonPlan]) {
    let episodes: Vec<&EpisodePlan> = plans.iter().flat_map(|p| &p.episodes).collect();
    assert_eq!(report.people as usize, plans.len());
    assert_eq!(report.referrals as usize, episodes.len());

    // Referrals by source (every code, then not-recorded) and by month.
    let by_source = counts(episodes.iter().map(|e| {
        e.source
            .map_or("not-recorded".to_string(), |s| s.code().to_string())
    }));
    let mut expected = full::<ReferralSource>(&by_source);
    expected.push((
        "not-recorded".into(),
        by_source.get("not-recorded").copied().unwrap_or(0),
    ));
    assert_eq!(rows(&report.referrals_by_source), expected);
    let by_month = counts(
        episodes
            .iter()
            .map(|e| e.received.format("%Y-%m").to_string()),
    );
    assert_eq!(as_map(&report.referrals_by_month), by_month);
    let months: Vec<&String> = report.referrals_by_month.iter().map(|c| &c.key).collect();
    assert!(months.windows(2).all(|w| w[0] < w[1]), "months ascending");

    // Outcomes: every referral once by outcome, and once by current status.
    let outcome = |e: &EpisodePlan| -> &'static str {
        if e.path.contains(&Accepted) {
            return "accepted";
        }
        match e.status() {
            Declined => "declined",
            UnableToContact => "unable-to-contact",
            Redirected => "redirected",
            Discharged => "discharged-before-acceptance",
            _ => "pending",
        }
    };
    let by_outcome = counts(episodes.iter().map(|e| outcome(e)));
    let expected: Vec<(String, i32)> = [
        "accepted",
        "declined",
        "unable-to-contact",
        "redirected",
        "discharged-before-acceptance",
        "pending",
    ]
    .iter()
    .map(|k| ((*k).to_string(), by_outcome.get(k).copied().unwrap_or(0)))
    .collect();
    assert_eq!(rows(&report.outcomes.referral_outcome), expected);
    assert_eq!(
        report.outcomes.accepted,
        by_outcome.get("accepted").copied().unwrap_or(0)
    );
    assert_eq!(
        report.outcomes.declined,
        by_outcome.get("declined").copied().unwrap_or(0)
    );
    assert_eq!(
        report.outcomes.unable_to_contact,
        by_outcome.get("unable-to-contact").copied().unwrap_or(0)
    );
    let by_status = counts(episodes.iter().map(|e| e.status().code().to_string()));
    assert_eq!(
        rows(&report.outcomes.by_status),
        full::<EpisodeStatus>(&by_status)
    );

    // Needs (people) and consultations (all, by mode).
    let needs = counts(
        plans
            .iter()
            .flat_map(|p| p.needs.iter().map(|n| n.code().to_string())),
    );
    assert_eq!(rows(&report.needs), full::<Need>(&needs));
    let modes = counts(
        episodes
            .iter()
            .flat_map(|e| e.consultations.iter().map(|(_, m)| m.code().to_string())),
    );
    assert_eq!(
        rows(&report.consultations_by_mode),
        full::<ConsultationMode>(&modes)
    );

    // Onward referrals by service and status; unmet need = waitlisted now.
    let onward: Vec<(&str, OnwardStatus, bool)> = plans
        .iter()
        .flat_map(|p| &p.onward)
        .map(|(service, path)| {
            (
                *service,
                path.last().copied().unwrap_or(OnwardStatus::Sent),
                path.contains(&OnwardStatus::NoCapacity),
            )
        })
        .collect();
    let services: Vec<&str> = {
        let mut s: Vec<&str> = onward.iter().map(|o| o.0).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let got: Vec<&str> = report
        .onward_by_service
        .iter()
        .map(|s| s.service.as_str())
        .collect();
    assert_eq!(got, services);
    for s in &report.onward_by_service {
        let mine: Vec<&(&str, OnwardStatus, bool)> =
            onward.iter().filter(|o| o.0 == s.service).collect();
        assert_eq!(s.total as usize, mine.len());
        let statuses = counts(mine.iter().map(|o| o.1.code().to_string()));
        assert_eq!(rows(&s.by_status), full::<OnwardStatus>(&statuses));
        assert_eq!(
            s.unmet_need as usize,
            mine.iter()
                .filter(|o| o.1 == OnwardStatus::NoCapacity)
                .count()
        );
        assert_eq!(
            s.ever_waitlisted as usize,
            mine.iter().filter(|o| o.2).count()
        );
    }
    let all_statuses = counts(onward.iter().map(|o| o.1.code().to_string()));
    assert_eq!(
        rows(&report.onward_by_status),
        full::<OnwardStatus>(&all_statuses)
    );
    assert_eq!(
        report.unmet_need as usize,
        onward
            .iter()
            .filter(|o| o.1 == OnwardStatus::NoCapacity)
            .count()
    );

    // Time to first contact: reached attempts or consultations, whichever first.
    let mut days: Vec<i64> = Vec::new();
    let mut not_contacted = 0;
    for e in &episodes {
        let first = e
            .contacts
            .iter()
            .filter(|(_, o)| *o == ContactOutcome::Reached)
            .map(|(at, _)| *at)
            .chain(e.consultations.iter().map(|(at, _)| *at))
            .min();
        match first {
            Some(at) => days.push((at.date_naive() - e.received).num_days()),
            // A declined referral was answered: not "not contacted".
            None if outcome(e) != "declined" => not_contacted += 1,
            None => {}
        }
    }
    days.sort_unstable();
    let t = &report.time_to_first_contact;
    assert_eq!(t.n as usize, days.len());
    assert_eq!(t.not_contacted, not_contacted);
    assert_eq!(t.min_days, days.first().copied());
    assert_eq!(t.max_days, days.last().copied());
    let as_f: Vec<f64> = days.iter().map(|d| *d as f64).collect();
    close(t.median_days, median(&as_f), "median days");
    close(
        t.mean_days,
        Some(as_f.iter().sum::<f64>() / as_f.len() as f64),
        "mean days",
    );
    assert!(t.n > 100, "enough contacted referrals to mean something");

    // Paired change per quantity.
    let mut pairs: BTreeMap<(String, String), Vec<Pair>> = BTreeMap::new();
    for p in plans {
        for (instrument, q, b, f, lower) in expected_pairs(p) {
            pairs
                .entry((instrument.code().to_string(), q.to_string()))
                .or_default()
                .push((b, f, lower));
        }
    }
    assert_eq!(report.paired_change.len(), 12);
    let mut with_pairs = 0;
    for m in &report.paired_change {
        let key = (m.instrument.code().to_string(), m.quantity.clone());
        let mine = pairs.get(&key).cloned().unwrap_or_default();
        let what = format!("{}/{}", key.0, key.1);
        assert_eq!(m.n as usize, mine.len(), "{what} n");
        let mycaw = m.instrument == Instrument::Mycaw;
        let mut diffs: Vec<f64> = mine
            .iter()
            .map(|(b, f, _)| {
                let d = if mycaw { b - f } else { f - b };
                (d * 100.0).round() / 100.0
            })
            .collect();
        let better = |(b, f, lower): &(f64, f64, bool)| if *lower { f < b } else { f > b };
        let improved = mine.iter().filter(|x| better(x)).count();
        let same = mine.iter().filter(|(b, f, _)| b == f).count();
        assert_eq!(m.improved as usize, improved, "{what} improved");
        assert_eq!(m.same as usize, same, "{what} same");
        assert_eq!(
            m.worse as usize,
            mine.len() - improved - same,
            "{what} worse"
        );
        // The direct loneliness question reports shares, never a mean of answer codes.
        let loneliness = m.instrument == Instrument::LonelinessDirect;
        let mean = (!diffs.is_empty() && !loneliness)
            .then(|| diffs.iter().sum::<f64>() / diffs.len() as f64);
        close(m.mean_change, mean, &format!("{what} mean"));
        if loneliness && !mine.is_empty() {
            let often = mine.iter().filter(|(b, _, _)| *b == 5.0).count() as f64;
            close(
                m.often_always_baseline,
                Some(often / mine.len() as f64),
                "loneliness often/always at baseline",
            );
        }
        diffs.sort_by(f64::total_cmp);
        close(m.median, median(&diffs), &format!("{what} median"));
        close(m.min, diffs.first().copied(), &format!("{what} min"));
        close(m.max, diffs.last().copied(), &format!("{what} max"));
        if !mine.is_empty() {
            with_pairs += 1;
        }
    }
    assert_eq!(with_pairs, 12, "the generator pairs every quantity");
}

// ---- CSV ------------------------------------------------------------------------------------

/// A strict RFC 4180 parser (CRLF records, quoted fields with doubled quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '"' => panic!("a quote inside an unquoted field"),
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\n' => panic!("a bare LF ends a record"),
            other => field.push(other),
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(
        field.is_empty() && record.is_empty(),
        "last record not ended by CRLF"
    );
    records
}

fn check_csv(report: &CaseloadReport, dir: &std::path::Path) {
    let written = report.write_csv(dir).unwrap();
    assert_eq!(written.len(), CSV_FILES.len());
    let read = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for secret in ["Given", "Family", "concern 0"] {
            assert!(!text.contains(secret), "{name} carries personal data");
        }
        let records = parse_csv(&text);
        let width = records[0].len();
        assert!(records.iter().all(|r| r.len() == width), "{name}: ragged");
        records
    };
    let headers = [
        ("referrals_by_source.csv", vec!["source", "referrals"]),
        ("referrals_by_month.csv", vec!["month", "referrals"]),
        ("outcomes.csv", vec!["basis", "outcome", "referrals"]),
        ("needs.csv", vec!["need", "people"]),
        ("consultations_by_mode.csv", vec!["mode", "consultations"]),
        (
            "time_to_first_contact.csv",
            vec![
                "n",
                "median_days",
                "mean_days",
                "min_days",
                "max_days",
                "not_contacted",
            ],
        ),
        (
            "paired_change.csv",
            vec![
                "instrument",
                "quantity",
                "lower_is_better",
                "difference",
                "n",
                "mean_change",
                "mean_baseline",
                "mean_follow_up",
                "improved",
                "same",
                "worse",
                "min",
                "median",
                "max",
                "meaningful_threshold",
                "meaningfully_improved",
                "meaningfully_worse",
                "often_always_baseline",
                "often_always_follow_up",
            ],
        ),
    ];
    for (name, header) in &headers {
        assert_eq!(&read(name)[0], header, "{name} header");
    }
    let mut onward_header = vec!["service".to_string(), "total".to_string()];
    onward_header.extend(OnwardStatus::ALL.iter().map(|s| s.code().to_string()));
    onward_header.extend(["unmet_need".to_string(), "ever_waitlisted".to_string()]);
    let onward = read("onward_by_service.csv");
    assert_eq!(onward[0], onward_header);

    // Content equals the report, row by row.
    let pairs = |rows: &[Vec<String>]| -> Vec<(String, i32)> {
        rows[1..]
            .iter()
            .map(|r| (r[0].clone(), r[1].parse().unwrap()))
            .collect()
    };
    assert_eq!(
        pairs(&read("referrals_by_source.csv")),
        rows(&report.referrals_by_source)
    );
    assert_eq!(
        pairs(&read("referrals_by_month.csv")),
        rows(&report.referrals_by_month)
    );
    assert_eq!(pairs(&read("needs.csv")), rows(&report.needs));
    assert_eq!(
        pairs(&read("consultations_by_mode.csv")),
        rows(&report.consultations_by_mode)
    );
    let outcomes = read("outcomes.csv");
    assert_eq!(
        outcomes.len() - 1,
        report.outcomes.referral_outcome.len() + report.outcomes.by_status.len()
    );
    assert_eq!(
        outcomes[1],
        [
            "referral-outcome",
            "accepted",
            &report.outcomes.accepted.to_string()
        ]
    );
    // Services with commas, quotes and line breaks survive; formulas are neutralised.
    let services: Vec<&str> = onward[1..].iter().map(|r| r[0].as_str()).collect();
    let expected: Vec<String> = report
        .onward_by_service
        .iter()
        .map(|s| {
            if s.service.starts_with('=') {
                format!("'{}", s.service)
            } else {
                s.service.clone()
            }
        })
        .collect();
    assert_eq!(services, expected);
    for (row, s) in onward[1..].iter().zip(&report.onward_by_service) {
        assert_eq!(row[1], s.total.to_string());
        assert_eq!(row[row.len() - 2], s.unmet_need.to_string());
        assert_eq!(row[row.len() - 1], s.ever_waitlisted.to_string());
    }
    let first_contact = read("time_to_first_contact.csv");
    assert_eq!(
        first_contact[1][0],
        report.time_to_first_contact.n.to_string()
    );
    let paired = read("paired_change.csv");
    assert_eq!(paired.len(), 13);
    for (row, m) in paired[1..].iter().zip(&report.paired_change) {
        assert_eq!(row[0], m.instrument.code());
        assert_eq!(row[1], m.quantity);
        assert_eq!(row[4], m.n.to_string());
        match m.mean_change {
            Some(want) => {
                let mean: f64 = row[5].parse().unwrap();
                assert!((mean - want).abs() < 1e-4);
            }
            None => assert_eq!(row[5], ""),
        }
        assert_eq!(
            row[3],
            if m.instrument == Instrument::Mycaw {
                "baseline-minus-follow-up"
            } else {
                "follow-up-minus-baseline"
            }
        );
    }
}

#[test]
fn generated_caseload_report_matches_independent_counts() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(
        dir.path().join("caseload.db"),
        NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    let mut rng = Rng(SEED);
    let plans: Vec<PersonPlan> = (0..PEOPLE).map(|_| gen_person(&mut rng)).collect();
    let started = Instant::now();
    for (i, plan) in plans.iter().enumerate() {
        record(&s, i, plan);
    }
    let recorded = started.elapsed();

    let started = Instant::now();
    let report = s.caseload_report().unwrap();
    let computed = started.elapsed();
    eprintln!(
        "caseload of {PEOPLE} people, {} referrals: recorded in {recorded:.2?}, report in {computed:.2?}",
        report.referrals
    );
    // Speed is the benchmark's business (`linkwork-bench`), not a timed assert that flakes
    // under CI load; the times above are printed for whoever reads the log.
    check_report(&report, &plans);
    check_csv(&report, &dir.path().join("csv"));

    // The JSON form serialises every table.
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "referrals_by_source",
        "referrals_by_month",
        "outcomes",
        "needs",
        "consultations_by_mode",
        "onward_by_service",
        "time_to_first_contact",
        "paired_change",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn empty_caseload_and_patient_store() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(
        dir.path().join("empty.db"),
        NewStore {
            user: "sam".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    let report = s.caseload_report().unwrap();
    assert_eq!((report.people, report.referrals), (0, 0));
    assert!(report.referrals_by_source.iter().all(|c| c.count == 0));
    assert_eq!(report.time_to_first_contact.mean_days, None);
    assert_eq!(report.paired_change.len(), 12);
    let files = report.write_csv(dir.path().join("out")).unwrap();
    let paired = std::fs::read_to_string(&files[7]).unwrap();
    assert!(paired.contains("ons4,anxiety,true,follow-up-minus-baseline,0,,,,0,0,0,,,,,,,,\r\n"));

    let patient = Store::create(
        dir.path().join("patient.db"),
        NewStore {
            user: "pat".into(),
            role: Role::Patient,
            person: Some(Id::new()),
        },
        &linkwork_core::StoreKey::unencrypted(),
    )
    .unwrap();
    assert!(matches!(
        patient.caseload_report(),
        Err(Error::NotPermitted { .. })
    ));
}
