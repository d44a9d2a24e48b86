//! The caseload report: aggregate counts over every person's record, computed offline.
//!
//! Definitions (each table's exact meaning):
//! * **referral**: one episode (a person referred twice has two referrals);
//! * **referrals by source**: every [`ReferralSource`] code plus `not-recorded`, zeros
//!   included; **by month**: the episode's received date as `YYYY-MM`, months with at least
//!   one referral, ascending;
//! * **outcomes**: each referral once in `referral-outcome` (`accepted` = ever accepted,
//!   whatever happened after; otherwise its current state: `declined`, `unable-to-contact`,
//!   `redirected`, `discharged-before-acceptance` (on hold, then discharged), or `pending`
//!   (referred, contacting or on hold)), and each referral once in `current-status` (every
//!   [`EpisodeStatus`] code, zeros included);
//! * **needs**: people with each [`Need`] recorded in their plan (every code, zeros included);
//! * **consultations by mode**: every consultation, by [`ConsultationMode`];
//! * **onward referrals by service**: grouped by the exact service name, with a count per
//!   current [`OnwardStatus`]; `unmet_need` counts referrals whose current state is
//!   `no-capacity` (waitlisted now), `ever_waitlisted` those that were ever `no-capacity`;
//! * **time to first contact**: per referral, calendar days (UTC) from the received date to
//!   the earlier of its first contact attempt with outcome `reached` and its first
//!   consultation; referrals with neither are counted in `not_contacted`, except declined
//!   referrals (the person answered: they declined);
//! * **paired change**: see [`super::paired`]; one pair per episode (a baseline in one
//!   episode never pairs with a follow-up in another), so `n` counts episodes with a pair.

use std::collections::BTreeMap;

use serde::Serialize;

use super::paired::{self, MeasureChange};
use crate::model::{
    Code, ConsultationMode, ContactOutcome, Episode, EpisodeStatus, Need, OnwardStatus,
    PersonRecord, ReferralSource,
};

/// A labelled count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Count {
    /// What is counted (a code, or a month `YYYY-MM`).
    pub key: String,
    /// How many.
    pub count: i32,
}

/// The key used for referrals with no recorded source.
pub const SOURCE_NOT_RECORDED: &str = "not-recorded";

/// The referral outcome categories, in report order (see the module documentation).
pub const REFERRAL_OUTCOMES: [&str; 6] = [
    "accepted",
    "declined",
    "unable-to-contact",
    "redirected",
    "discharged-before-acceptance",
    "pending",
];

/// Referral outcomes: what became of each referral, and where each one is now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Outcomes {
    /// Each referral once, by outcome ([`REFERRAL_OUTCOMES`] order, zeros included).
    pub referral_outcome: Vec<Count>,
    /// Referrals ever accepted (the same as the `accepted` outcome).
    pub accepted: i32,
    /// Referrals declined (and never accepted).
    pub declined: i32,
    /// Referrals closed as unable to contact (and never accepted).
    pub unable_to_contact: i32,
    /// Each referral once, by current episode state (every code, zeros included).
    pub by_status: Vec<Count>,
}

/// Onward referrals to one service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ServiceOnward {
    /// The service name, as recorded.
    pub service: String,
    /// Referrals to it.
    pub total: i32,
    /// By current state (every [`OnwardStatus`] code, zeros included).
    pub by_status: Vec<Count>,
    /// Referrals waitlisted now (current state `no-capacity`): unmet need.
    pub unmet_need: i32,
    /// Referrals that were ever `no-capacity`, whatever happened after.
    pub ever_waitlisted: i32,
}

/// Days from referral received to first contact.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TimeToFirstContact {
    /// Referrals with a first contact.
    pub n: i32,
    /// Median days; `None` when `n` is 0.
    pub median_days: Option<f64>,
    /// Mean days; `None` when `n` is 0.
    pub mean_days: Option<f64>,
    /// Fewest days (negative when a contact was dated before the referral).
    pub min_days: Option<i64>,
    /// Most days.
    pub max_days: Option<i64>,
    /// Referrals with no reached contact attempt and no consultation yet (declined referrals
    /// are not counted: the person answered).
    pub not_contacted: i32,
}

/// The caseload report. Aggregates only: no names, numbers, notes or ids of people.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CaseloadReport {
    /// People on the caseload.
    pub people: i32,
    /// Referrals (episodes).
    pub referrals: i32,
    /// Referrals by source.
    pub referrals_by_source: Vec<Count>,
    /// Referrals by month received.
    pub referrals_by_month: Vec<Count>,
    /// Referral outcomes.
    pub outcomes: Outcomes,
    /// People with each need recorded.
    pub needs: Vec<Count>,
    /// Consultations by mode.
    pub consultations_by_mode: Vec<Count>,
    /// Onward referrals by service, sorted by service name.
    pub onward_by_service: Vec<ServiceOnward>,
    /// Onward referrals by current state over all services (every code, zeros included).
    pub onward_by_status: Vec<Count>,
    /// Onward referrals waitlisted now over all services (unmet need).
    pub unmet_need: i32,
    /// Days from referral to first contact.
    pub time_to_first_contact: TimeToFirstContact,
    /// Paired change per measure quantity.
    pub paired_change: Vec<MeasureChange>,
}

/// Counts of every code of a vocabulary, zeros included, in vocabulary order.
struct Tally<C: Code> {
    counts: Vec<(C, i32)>,
}

impl<C: Code + PartialEq> Tally<C> {
    fn new() -> Self {
        Tally {
            counts: C::ALL.iter().map(|c| (*c, 0)).collect(),
        }
    }

    fn add(&mut self, code: C) {
        if let Some(slot) = self.counts.iter_mut().find(|(c, _)| *c == code) {
            slot.1 += 1;
        }
    }

    fn get(&self, code: C) -> i32 {
        self.counts
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0, |(_, n)| *n)
    }

    fn rows(&self) -> Vec<Count> {
        self.counts
            .iter()
            .map(|(c, n)| Count {
                key: c.code().to_string(),
                count: *n,
            })
            .collect()
    }
}

/// The referral outcome of one episode (one of [`REFERRAL_OUTCOMES`]).
pub fn referral_outcome(e: &Episode) -> &'static str {
    if e.accepted_at.is_some() {
        return "accepted";
    }
    match e.status {
        EpisodeStatus::Accepted => "accepted",
        EpisodeStatus::Declined => "declined",
        EpisodeStatus::UnableToContact => "unable-to-contact",
        EpisodeStatus::Redirected => "redirected",
        EpisodeStatus::Discharged => "discharged-before-acceptance",
        EpisodeStatus::Referred | EpisodeStatus::Contacting | EpisodeStatus::OnHold => "pending",
    }
}

/// Every episode's plan ([`PersonRecord::for_episode`]), so pairs never cross episodes; the
/// whole plan of a record without a case or episodes.
pub(crate) fn episode_plans(records: &[PersonRecord]) -> Vec<crate::model::Plan> {
    let mut plans = Vec::new();
    for record in records {
        let episodes: Vec<_> = record
            .case
            .as_ref()
            .map(|c| c.episodes.iter().map(|e| e.id).collect())
            .unwrap_or_default();
        if episodes.is_empty() {
            plans.push(record.plan.clone());
        }
        for e in episodes {
            plans.push(record.for_episode(e).plan);
        }
    }
    plans
}

impl CaseloadReport {
    /// Computes the report from whole records (people without a case document contribute
    /// only their plan: needs and measures).
    pub fn from_records(records: &[PersonRecord]) -> CaseloadReport {
        let mut sources = Tally::<ReferralSource>::new();
        let mut no_source = 0i32;
        let mut months: BTreeMap<String, i32> = BTreeMap::new();
        let mut outcome_counts = [0i32; REFERRAL_OUTCOMES.len()];
        let mut statuses = Tally::<EpisodeStatus>::new();
        let mut needs = Tally::<Need>::new();
        let mut modes = Tally::<ConsultationMode>::new();
        let mut services: BTreeMap<String, (Tally<OnwardStatus>, i32)> = BTreeMap::new();
        let mut onward_statuses = Tally::<OnwardStatus>::new();
        let mut first_contact_days: Vec<i64> = Vec::new();
        let mut not_contacted = 0i32;
        let mut referrals = 0i32;

        for record in records {
            let mut seen_needs: Vec<Need> = Vec::new();
            for n in &record.plan.needs {
                if !seen_needs.contains(&n.need) {
                    seen_needs.push(n.need);
                    needs.add(n.need);
                }
            }
            let Some(case) = &record.case else {
                continue;
            };
            for e in &case.episodes {
                referrals += 1;
                match e.source {
                    Some(s) => sources.add(s),
                    None => no_source += 1,
                }
                *months
                    .entry(e.received.format("%Y-%m").to_string())
                    .or_insert(0) += 1;
                let outcome = referral_outcome(e);
                if let Some(i) = REFERRAL_OUTCOMES.iter().position(|o| *o == outcome) {
                    if let Some(slot) = outcome_counts.get_mut(i) {
                        *slot += 1;
                    }
                }
                statuses.add(e.status);
                let reached = case
                    .contact_attempts
                    .iter()
                    .filter(|c| c.episode_id == e.id && c.outcome == ContactOutcome::Reached)
                    .map(|c| c.at);
                let consulted = case
                    .consultations
                    .iter()
                    .filter(|c| c.episode_id == e.id)
                    .map(|c| c.start);
                match reached.chain(consulted).min() {
                    Some(first) => {
                        first_contact_days.push((first.date_naive() - e.received).num_days())
                    }
                    // A declined referral was answered by the person: not "not contacted".
                    None if outcome != "declined" => not_contacted += 1,
                    None => {}
                }
            }
            for c in &case.consultations {
                modes.add(c.mode);
            }
            for o in &case.onward_referrals {
                let (tally, ever) = services
                    .entry(o.service.clone())
                    .or_insert_with(|| (Tally::new(), 0));
                tally.add(o.status);
                if o.status == OnwardStatus::NoCapacity
                    || o.history.iter().any(|h| h.to == OnwardStatus::NoCapacity)
                {
                    *ever += 1;
                }
                onward_statuses.add(o.status);
            }
        }

        let mut referrals_by_source = sources.rows();
        referrals_by_source.push(Count {
            key: SOURCE_NOT_RECORDED.into(),
            count: no_source,
        });
        let referral_outcome = REFERRAL_OUTCOMES
            .iter()
            .zip(outcome_counts)
            .map(|(k, n)| Count {
                key: (*k).to_string(),
                count: n,
            })
            .collect();
        let [accepted, declined, unable_to_contact, ..] = outcome_counts;
        first_contact_days.sort_unstable();
        let as_f64: Vec<f64> = first_contact_days.iter().map(|d| *d as f64).collect();
        let onward_by_service = services
            .into_iter()
            .map(|(service, (tally, ever))| ServiceOnward {
                service,
                total: tally.counts.iter().map(|(_, n)| n).sum(),
                unmet_need: tally.get(OnwardStatus::NoCapacity),
                ever_waitlisted: ever,
                by_status: tally.rows(),
            })
            .collect();
        CaseloadReport {
            people: i32::try_from(records.len()).unwrap_or(i32::MAX),
            referrals,
            referrals_by_source,
            referrals_by_month: months
                .into_iter()
                .map(|(key, count)| Count { key, count })
                .collect(),
            outcomes: Outcomes {
                referral_outcome,
                accepted,
                declined,
                unable_to_contact,
                by_status: statuses.rows(),
            },
            needs: needs.rows(),
            consultations_by_mode: modes.rows(),
            onward_by_service,
            unmet_need: onward_statuses.get(OnwardStatus::NoCapacity),
            onward_by_status: onward_statuses.rows(),
            time_to_first_contact: TimeToFirstContact {
                n: i32::try_from(first_contact_days.len()).unwrap_or(i32::MAX),
                median_days: paired::median_sorted(&as_f64),
                mean_days: paired::mean(&mut as_f64.iter().copied()),
                min_days: first_contact_days.first().copied(),
                max_days: first_contact_days.last().copied(),
                not_contacted,
            },
            paired_change: paired::paired_change(episode_plans(records).iter()),
        }
    }
}
