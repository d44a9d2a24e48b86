//! The period report's figures about referrals and episodes: referrals by month, source,
//! practice, PCN, age band, sex and ethnicity; waits to first contact, acceptance and first
//! consultation; contacts per person; outcomes by coded reason and episode length.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::disclosure::RawTable;
use super::{RawStatistic, ReportPeriod};
use crate::model::PersonRecord;
use crate::model::{
    age_band, CaseRecord, Code, ContactOutcome, Episode, EthnicCategory, ReferralSource, Sex,
    AGE_BANDS, NOT_STATED,
};
use crate::reports::SOURCE_NOT_RECORDED;

/// The bands of the contacts-per-person table: (label, fewest, most).
const CONTACT_BANDS: [(&str, u32, u32); 6] = [
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    ("11+", 11, u32::MAX),
];

/// The waits, in the order of the `waits` table's rows.
const WAITS: [(&str, &str); 3] = [
    ("wait.first-contact", "Days from referral to first contact"),
    ("wait.acceptance", "Days from referral to acceptance"),
    (
        "wait.first-consultation",
        "Days from referral to first consultation",
    ),
];

/// Counts keyed by label, kept in first-seen order of a fixed list, extras after.
struct Counter {
    rows: Vec<(String, u32)>,
}

impl Counter {
    fn with(labels: impl IntoIterator<Item = String>) -> Self {
        Counter {
            rows: labels.into_iter().map(|l| (l, 0)).collect(),
        }
    }

    fn add(&mut self, label: &str) {
        match self.rows.iter_mut().find(|(l, _)| l == label) {
            Some(slot) => slot.1 += 1,
            None => self.rows.push((label.to_string(), 1)),
        }
    }
}

/// The day an episode closed (its last change into a closed state), when it is closed now.
pub(crate) fn closed_on(e: &Episode) -> Option<NaiveDate> {
    if !e.status.is_closed() {
        return None;
    }
    e.history
        .iter()
        .filter(|h| h.to == e.status)
        .map(|h| h.at)
        .max()
        .map(|at| at.date_naive())
}

/// Whether the episode was open on some day of the period.
fn open_during(e: &Episode, period: &ReportPeriod) -> bool {
    e.received <= period.to && closed_on(e).is_none_or(|c| c >= period.from)
}

/// Days from the referral's receipt to `at`.
fn days_after(e: &Episode, at: DateTime<Utc>) -> f64 {
    (at.date_naive() - e.received).num_days() as f64
}

/// The episode's first successful contact (a reached attempt or a consultation) on or
/// before the period's end.
fn first_contact(case: &CaseRecord, e: &Episode, end: NaiveDate) -> Option<DateTime<Utc>> {
    let reached = case
        .contact_attempts
        .iter()
        .filter(|c| c.episode_id == e.id && c.outcome == ContactOutcome::Reached)
        .map(|c| c.at);
    reached
        .chain(first_consultation(case, e, end))
        .filter(|at| at.date_naive() <= end)
        .min()
}

fn first_consultation(case: &CaseRecord, e: &Episode, end: NaiveDate) -> Option<DateTime<Utc>> {
    case.consultations
        .iter()
        .filter(|c| c.episode_id == e.id && c.start.date_naive() <= end)
        .map(|c| c.start)
        .min()
}

/// The coded outcome of a closed episode: `status: reason`, or `status: not-stated`.
fn outcome_label(e: &Episode) -> String {
    let reason = e
        .discharge_reason
        .map(|r| r.code())
        .or(e.decline_reason.map(|r| r.code()))
        .or(e.redirect_reason.map(|r| r.code()));
    match (e.status, reason) {
        (crate::model::EpisodeStatus::UnableToContact, _) => e.status.code().to_string(),
        (s, Some(r)) => format!("{}: {r}", s.code()),
        (s, None) => format!("{}: {NOT_STATED}", s.code()),
    }
}

/// Every month (`YYYY-MM`) the period touches.
fn months(period: &ReportPeriod) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (period.from.year(), period.from.month());
    while (y, m) <= (period.to.year(), period.to.month()) {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// The period's referral and episode tables and statistics.
pub(crate) fn figures(
    records: &[PersonRecord],
    period: &ReportPeriod,
) -> (Vec<RawTable>, Vec<RawStatistic>) {
    let mut by_month = Counter::with(months(period));
    let mut by_source = Counter::with(
        ReferralSource::ALL
            .iter()
            .map(|s| s.code().to_string())
            .chain([SOURCE_NOT_RECORDED.to_string()]),
    );
    let mut by_practice = Counter::with([]);
    let mut by_pcn = Counter::with([]);
    let mut by_age = Counter::with(AGE_BANDS.iter().map(|b| (*b).to_string()));
    let mut by_sex = Counter::with(
        Sex::ALL
            .iter()
            .map(|s| s.code().to_string())
            .chain([NOT_STATED.to_string()]),
    );
    let mut by_ethnicity = Counter::with(
        EthnicCategory::ALL
            .iter()
            .map(|e| e.code().to_string())
            .chain([NOT_STATED.to_string()]),
    );
    let mut waits: [Vec<f64>; 3] = Default::default();
    let mut not_yet = [0u32; 3];
    let mut outcomes = Counter::with([]);
    let mut lengths: Vec<f64> = Vec::new();
    let mut contact_bands = Counter::with(CONTACT_BANDS.iter().map(|(l, _, _)| (*l).to_string()));
    let mut contacts_per_person: Vec<f64> = Vec::new();

    for record in records {
        let Some(case) = &record.case else { continue };
        let d = &case.demographics;
        let mut open_in_period = false;
        for e in &case.episodes {
            open_in_period |= open_during(e, period);
            if let Some(closed) = closed_on(e).filter(|c| period.contains(*c)) {
                outcomes.add(&outcome_label(e));
                lengths.push((closed - e.received).num_days() as f64);
            }
            if !period.contains(e.received) {
                continue;
            }
            by_month.add(&e.received.format("%Y-%m").to_string());
            by_source.add(e.source.map_or(SOURCE_NOT_RECORDED, |s| s.code()));
            by_practice.add(d.reporting.gp_practice.as_deref().unwrap_or(NOT_STATED));
            by_pcn.add(d.reporting.pcn.as_deref().unwrap_or(NOT_STATED));
            let age = d
                .date_of_birth
                .and_then(|dob| e.received.years_since(dob))
                .map_or(NOT_STATED, age_band);
            by_age.add(age);
            by_sex.add(d.reporting.sex.map_or(NOT_STATED, |s| s.code()));
            by_ethnicity.add(d.reporting.ethnicity.map_or(NOT_STATED, |s| s.code()));
            let accepted = e.accepted_at.filter(|a| a.date_naive() <= period.to);
            let reached = [
                first_contact(case, e, period.to),
                accepted,
                first_consultation(case, e, period.to),
            ];
            for (i, at) in reached.into_iter().enumerate() {
                match at {
                    Some(at) => {
                        if let Some(w) = waits.get_mut(i) {
                            w.push(days_after(e, at));
                        }
                    }
                    None => {
                        if let Some(n) = not_yet.get_mut(i) {
                            *n += 1;
                        }
                    }
                }
            }
        }
        if open_in_period {
            let in_period = |at: DateTime<Utc>| period.contains(at.date_naive());
            let contacts = case
                .contact_attempts
                .iter()
                .filter(|c| c.outcome == ContactOutcome::Reached && in_period(c.at))
                .count()
                + case
                    .consultations
                    .iter()
                    .filter(|c| in_period(c.start))
                    .count();
            let contacts = u32::try_from(contacts).unwrap_or(u32::MAX);
            if let Some((label, _, _)) = CONTACT_BANDS
                .iter()
                .find(|(_, lo, hi)| (*lo..=*hi).contains(&contacts))
            {
                contact_bands.add(label);
            }
            contacts_per_person.push(f64::from(contacts));
        }
    }

    let sorted = |mut c: Counter| {
        c.rows.sort();
        c.rows
    };
    let mut outcome_rows = sorted(outcomes);
    outcome_rows.retain(|(_, n)| *n > 0);
    let waits_table = RawTable {
        name: "waits",
        title: "Referrals received in the period: reached each step by the period's end",
        row_label: "step",
        columns: vec!["reached".into(), "not-yet".into()],
        rows: WAITS
            .iter()
            .zip(waits.iter().zip(not_yet))
            .map(|((name, _), (w, n))| (name.to_string(), vec![w.len() as u32, n]))
            .collect(),
    };
    let tables = vec![
        RawTable::single(
            "referrals_by_month",
            "Referrals received, by month",
            "month",
            "referrals",
            by_month.rows,
        ),
        RawTable::single(
            "referrals_by_source",
            "Referrals received, by source",
            "source",
            "referrals",
            by_source.rows,
        ),
        RawTable::single(
            "referrals_by_practice",
            "Referrals received, by GP practice",
            "practice",
            "referrals",
            sorted(by_practice),
        ),
        RawTable::single(
            "referrals_by_pcn",
            "Referrals received, by primary care network",
            "pcn",
            "referrals",
            sorted(by_pcn),
        ),
        RawTable::single(
            "referrals_by_age_band",
            "Referrals received, by age band at referral",
            "age_band",
            "referrals",
            by_age.rows,
        ),
        RawTable::single(
            "referrals_by_sex",
            "Referrals received, by sex",
            "sex",
            "referrals",
            by_sex.rows,
        ),
        RawTable::single(
            "referrals_by_ethnicity",
            "Referrals received, by ethnic category (NHS Data Dictionary)",
            "ethnic_category",
            "referrals",
            by_ethnicity.rows,
        ),
        waits_table,
        RawTable::single(
            "contacts_per_person",
            "People supported in the period, by contacts in the period",
            "contacts",
            "people",
            contact_bands.rows,
        ),
        RawTable::single(
            "outcomes_by_reason",
            "Episodes closed in the period, by outcome and coded reason",
            "outcome",
            "episodes",
            outcome_rows,
        ),
    ];
    let mut stats: Vec<RawStatistic> = WAITS
        .iter()
        .zip(waits)
        .enumerate()
        .map(|(row, ((name, title), values))| RawStatistic {
            name: (*name).to_string(),
            title: (*title).to_string(),
            unit: "days",
            values,
            cell: ("waits", row, 0),
        })
        .collect();
    let closed_rows = tables
        .iter()
        .find(|t| t.name == "outcomes_by_reason")
        .map_or(0, |t| t.rows.len());
    stats.push(RawStatistic {
        name: "episode.length".into(),
        title: "Days from referral to closing, episodes closed in the period".into(),
        unit: "days",
        values: lengths,
        cell: ("outcomes_by_reason", closed_rows, 0),
    });
    let band_rows = CONTACT_BANDS.len();
    stats.push(RawStatistic {
        name: "contacts.per-person".into(),
        title: "Contacts in the period per person supported".into(),
        unit: "contacts",
        values: contacts_per_person,
        cell: ("contacts_per_person", band_rows, 0),
    });
    (tables, stats)
}
