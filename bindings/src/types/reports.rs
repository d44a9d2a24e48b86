//! Reports: the caseload report (aggregates only: no names, numbers, notes or ids of people)
//! and paired change in outcome measures (a person's baseline against their latest follow-up).
//!
//! Count keys are the core's kebab-case codes, the same as in the CSV files: a
//! `ReferralSource`, `EpisodeStatus`, `Need`, `ConsultationMode` or `OnwardStatus` code
//! (`"self-referral"`, `"unable-to-contact"`, `"home-visit"`, `"no-capacity"`, ...), a referral
//! outcome, `"not-recorded"`, or a month `YYYY-MM`.

use std::time::SystemTime;

use linkwork_core::reports as r;

use super::{DifferenceConvention, Instrument};
use crate::convert::{instant, list};

/// A labelled count.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Count {
    /// What is counted: a kebab-case code as in the CSV files (`ReferralSource`,
    /// `EpisodeStatus`, `Need`, `ConsultationMode` or `OnwardStatus`: `"self-referral"`,
    /// `"home-visit"`, `"no-capacity"`, ...; a referral outcome; `"not-recorded"`) or a
    /// month `YYYY-MM`.
    pub key: String,
    /// How many.
    pub count: u32,
}

impl From<r::Count> for Count {
    fn from(c: r::Count) -> Self {
        Count {
            key: c.key,
            count: c.count,
        }
    }
}

/// Referral outcomes: what became of each referral, and where each one is now.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Outcomes {
    /// Each referral once, by outcome, zeros included, in this order: `accepted` (ever
    /// accepted, whatever happened after), `declined`, `unable-to-contact`, `redirected`,
    /// `discharged-before-acceptance`, `pending` (referred, contacting or on hold).
    pub referral_outcome: Vec<Count>,
    /// Referrals ever accepted (the `accepted` outcome).
    pub accepted: u32,
    /// Referrals declined (and never accepted).
    pub declined: u32,
    /// Referrals closed as unable to contact (and never accepted).
    pub unable_to_contact: u32,
    /// Each referral once, by current episode state (every `EpisodeStatus` code, zeros
    /// included).
    pub by_status: Vec<Count>,
}

impl From<r::Outcomes> for Outcomes {
    fn from(o: r::Outcomes) -> Self {
        Outcomes {
            referral_outcome: list(o.referral_outcome),
            accepted: o.accepted,
            declined: o.declined,
            unable_to_contact: o.unable_to_contact,
            by_status: list(o.by_status),
        }
    }
}

/// Onward referrals to one community service.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ServiceOnward {
    /// The service name, exactly as recorded.
    pub service: String,
    /// Referrals to it.
    pub total: u32,
    /// By current state (every `OnwardStatus` code, zeros included).
    pub by_status: Vec<Count>,
    /// Referrals waitlisted now (current state `no-capacity`): unmet need.
    pub unmet_need: u32,
    /// Referrals that were ever `no-capacity`, whatever happened after.
    pub ever_waitlisted: u32,
}

impl From<r::ServiceOnward> for ServiceOnward {
    fn from(s: r::ServiceOnward) -> Self {
        ServiceOnward {
            service: s.service,
            total: s.total,
            by_status: list(s.by_status),
            unmet_need: s.unmet_need,
            ever_waitlisted: s.ever_waitlisted,
        }
    }
}

/// Calendar days (UTC) from a referral being received to its first contact: the earlier of
/// its first `reached` contact attempt and its first consultation.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct TimeToFirstContact {
    /// Referrals with a first contact.
    pub n: u32,
    /// Median days; absent when `n` is 0.
    pub median_days: Option<f64>,
    /// Mean days; absent when `n` is 0.
    pub mean_days: Option<f64>,
    /// Fewest days (negative when a contact was dated before the referral).
    pub min_days: Option<i64>,
    /// Most days.
    pub max_days: Option<i64>,
    /// Referrals with no reached contact attempt and no consultation yet.
    pub not_contacted: u32,
}

impl From<r::TimeToFirstContact> for TimeToFirstContact {
    fn from(t: r::TimeToFirstContact) -> Self {
        TimeToFirstContact {
            n: t.n,
            median_days: t.median_days,
            mean_days: t.mean_days,
            min_days: t.min_days,
            max_days: t.max_days,
            not_contacted: t.not_contacted,
        }
    }
}

/// The caseload's paired change in one quantity of one instrument: people with a complete
/// baseline and a complete follow-up, and the distribution of their differences.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasureChange {
    /// The instrument.
    pub instrument: Instrument,
    /// The quantity, as in `PersonChange.quantity`.
    pub quantity: String,
    /// Whether a lower value of the quantity is better.
    pub lower_is_better: bool,
    /// How the differences are taken (MYCaW: baseline minus follow-up).
    pub convention: DifferenceConvention,
    /// People with a baseline and a follow-up for this quantity.
    pub n: u32,
    /// Mean difference (per `convention`); absent when `n` is 0.
    pub mean_change: Option<f64>,
    /// Mean baseline value of the pairs; absent when `n` is 0.
    pub mean_baseline: Option<f64>,
    /// Mean follow-up value of the pairs; absent when `n` is 0.
    pub mean_follow_up: Option<f64>,
    /// People whose value got better (direction-aware).
    pub improved: u32,
    /// People whose value did not change.
    pub same: u32,
    /// People whose value got worse (direction-aware).
    pub worse: u32,
    /// Smallest difference; absent when `n` is 0.
    pub min: Option<f64>,
    /// Median difference (the mean of the middle two for an even `n`); absent when `n` is 0.
    pub median: Option<f64>,
    /// Largest difference; absent when `n` is 0.
    pub max: Option<f64>,
    /// The published meaningful-change threshold; absent when none is published.
    pub meaningful_threshold: Option<f64>,
    /// Pairs improved by at least the threshold; absent without a threshold.
    pub meaningfully_improved: Option<u32>,
    /// Pairs worse by at least the threshold; absent without a threshold.
    pub meaningfully_worse: Option<u32>,
    /// The direct loneliness question only: share of pairs answering "often/always" at
    /// baseline (0 to 1); its means are absent.
    pub often_always_baseline: Option<f64>,
    /// As `often_always_baseline`, at follow-up.
    pub often_always_follow_up: Option<f64>,
}

impl From<r::MeasureChange> for MeasureChange {
    fn from(m: r::MeasureChange) -> Self {
        MeasureChange {
            instrument: m.instrument.into(),
            quantity: m.quantity,
            lower_is_better: m.lower_is_better,
            convention: m.convention.into(),
            n: m.n,
            mean_change: m.mean_change,
            mean_baseline: m.mean_baseline,
            mean_follow_up: m.mean_follow_up,
            meaningful_threshold: m.meaningful_threshold,
            meaningfully_improved: m.meaningfully_improved,
            meaningfully_worse: m.meaningfully_worse,
            often_always_baseline: m.often_always_baseline,
            often_always_follow_up: m.often_always_follow_up,
            improved: m.improved,
            same: m.same,
            worse: m.worse,
            min: m.min,
            median: m.median,
            max: m.max,
        }
    }
}

/// The caseload report, computed offline over every person on a link worker's store.
/// Aggregates only: no names, numbers, notes or ids of people. A referral is one episode.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CaseloadReport {
    /// People on the caseload.
    pub people: u32,
    /// Referrals (episodes).
    pub referrals: u32,
    /// Referrals by source: every `ReferralSource` code, zeros included, then `not-recorded`.
    pub referrals_by_source: Vec<Count>,
    /// Referrals by month received (`YYYY-MM`), months with a referral only, ascending.
    pub referrals_by_month: Vec<Count>,
    /// Referral outcomes (accepted, declined, unable to contact, ...).
    pub outcomes: Outcomes,
    /// People with each need recorded in their plan (every `Need` code, zeros included).
    pub needs: Vec<Count>,
    /// Consultations by mode (every `ConsultationMode` code, zeros included).
    pub consultations_by_mode: Vec<Count>,
    /// Onward referrals by service, sorted by service name, with unmet need.
    pub onward_by_service: Vec<ServiceOnward>,
    /// Onward referrals by current state over all services (every code, zeros included).
    pub onward_by_status: Vec<Count>,
    /// Onward referrals waitlisted now (`no-capacity`) over all services: unmet need.
    pub unmet_need: u32,
    /// Days from referral to first contact.
    pub time_to_first_contact: TimeToFirstContact,
    /// Paired change per measure quantity: one row per quantity of every instrument (ONS4's
    /// four items, WEMWBS total, SWEMWBS metric, UCLA 3 total, direct loneliness answer,
    /// MYCaW's concerns and wellbeing, PAM score), rows with `n` = 0 included.
    pub paired_change: Vec<MeasureChange>,
}

impl From<r::CaseloadReport> for CaseloadReport {
    fn from(c: r::CaseloadReport) -> Self {
        CaseloadReport {
            people: c.people,
            referrals: c.referrals,
            referrals_by_source: list(c.referrals_by_source),
            referrals_by_month: list(c.referrals_by_month),
            outcomes: c.outcomes.into(),
            needs: list(c.needs),
            consultations_by_mode: list(c.consultations_by_mode),
            onward_by_service: list(c.onward_by_service),
            onward_by_status: list(c.onward_by_status),
            unmet_need: c.unmet_need,
            time_to_first_contact: c.time_to_first_contact.into(),
            paired_change: list(c.paired_change),
        }
    }
}

/// One person's change in one reported quantity of one instrument: the earliest complete
/// baseline against the latest complete follow-up (review responses and incomplete answers
/// never pair).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PersonChange {
    /// The instrument.
    pub instrument: Instrument,
    /// The quantity: an ONS4 item code (`life-satisfaction`, `worthwhile`, `happiness`,
    /// `anxiety`), `total`, `metric`, `answer`, `concern-1`, `concern-2`, `wellbeing`, or
    /// `score` (PAM's licensed activation score).
    pub quantity: String,
    /// Whether a lower value of the quantity is better (ONS4 anxiety, UCLA 3, loneliness,
    /// MYCaW).
    pub lower_is_better: bool,
    /// How `difference` is taken.
    pub convention: DifferenceConvention,
    /// The baseline value.
    pub baseline: f64,
    /// The follow-up value.
    pub follow_up: f64,
    /// Signed difference per `convention`, rounded to 2 decimal places.
    pub difference: f64,
    /// `true` improved, `false` worse, absent when unchanged.
    pub improved: Option<bool>,
    /// The baseline response's id.
    pub baseline_response: String,
    /// The follow-up response's id.
    pub follow_up_response: String,
    /// When the baseline was answered.
    pub baseline_at: SystemTime,
    /// When the follow-up was answered.
    pub follow_up_at: SystemTime,
    /// The published meaningful-change threshold; absent when none is published.
    pub meaningful_threshold: Option<f64>,
    /// Whether the change reaches that threshold; absent without a threshold.
    pub meaningful: Option<bool>,
}

impl From<r::PersonChange> for PersonChange {
    fn from(c: r::PersonChange) -> Self {
        PersonChange {
            meaningful_threshold: c.meaningful_threshold,
            meaningful: c.meaningful,
            instrument: c.instrument.into(),
            quantity: c.quantity,
            lower_is_better: c.lower_is_better,
            convention: c.convention.into(),
            baseline: c.baseline,
            follow_up: c.follow_up,
            difference: c.difference,
            improved: c.improved,
            baseline_response: c.baseline_response.to_string(),
            follow_up_response: c.follow_up_response.to_string(),
            baseline_at: instant(c.baseline_at),
            follow_up_at: instant(c.follow_up_at),
        }
    }
}
