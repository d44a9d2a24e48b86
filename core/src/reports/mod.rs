//! Reports computed offline from the store: paired change in outcome measures and the
//! caseload report (referrals, outcomes, needs, consultations, onward referrals, time to first
//! contact), with CSV export.
//!
//! The computations are pure functions of records ([`CaseloadReport::from_records`],
//! [`paired_change`], [`person_changes`]); the [`Store`](crate::Store) methods
//! `caseload_report` and `paired_change` load the records and call them. Reports carry
//! aggregates only: no names, NHS numbers, notes or ids of people.

mod caseload;
mod csv;
mod paired;
pub mod period;
mod services;

pub use caseload::{
    referral_outcome, CaseloadReport, Count, Outcomes, ServiceOnward, TimeToFirstContact,
    REFERRAL_OUTCOMES, SOURCE_NOT_RECORDED,
};
pub use csv::{CSV_FILES, DEFAULT_SUPPRESSION_THRESHOLD};
pub use paired::{
    is_complete, pair_for, paired_change, person_changes, refused_pairs, MeasureChange,
    PairRefusal, PersonChange, RefusedPair, QUANTITIES,
};
pub use services::{service_outcomes, ServiceOutcomes};
