//! Referrals to directory services, their outcomes, the response deadline, a person's
//! reporting fields and the commissioner's period report. Every method touches disk (outcomes
//! and the period report read every record): each is async, with a `*Blocking` twin.

use chrono::NaiveDate;
use linkwork_core::reports::period::ReportPeriod;
use linkwork_core::reports::DEFAULT_SUPPRESSION_THRESHOLD;

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::{id, list, to_i32, to_unsigned};
use crate::types::{PeriodReport, ReportingFields, ServiceOutcomes};
use crate::LinkWorkError;

impl LinkWorkStore {
    fn period(&self, from: NaiveDate, to: NaiveDate) -> Result<ReportPeriod, LinkWorkError> {
        Ok(ReportPeriod::new(from, to)?)
    }
}

blocking_and_async! {
impl LinkWorkStore {
    /// Refers the person to the directory service `service_id` (state `Sent`), storing the
    /// service's id and its name and organisation as they are now. Returns the referral's id.
    ///
    /// Errors: `NotFound` (kind `directory service`) for an id the directory does not hold
    /// (nothing is written), or for an unknown person; `InvalidInput` for a bad need;
    /// `NotPermitted` on a patient store.
    pub fn add_onward_referral_to_service / add_onward_referral_to_service_blocking(
        &self,
        person_id: String,
        service_id: String,
        need: Option<String>,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .add_onward_referral_to_service(
                id("person_id", &person_id)?,
                &service_id,
                need.as_deref(),
            )?
            .to_string())
    }

    /// Outcomes of this store's onward referrals to each directory service, by service id.
    ///
    /// Errors: `NotPermitted` on a patient store; `Storage`.
    pub fn service_outcomes / service_outcomes_blocking(&self) -> Result<Vec<ServiceOutcomes>, LinkWorkError> {
        Ok(list(self.inner.service_outcomes()?))
    }

    /// Outcomes of this store's onward referrals to one directory service (all zero when
    /// never referred to).
    ///
    /// Errors: `NotPermitted` on a patient store; `Storage`.
    pub fn outcomes_for_service / outcomes_for_service_blocking(
        &self,
        service_id: String,
    ) -> Result<ServiceOutcomes, LinkWorkError> {
        Ok(self.inner.outcomes_for_service(&service_id)?)
    }

    /// Days an onward referral may wait for the service's answer before the due list shows
    /// it (default 14).
    ///
    /// Errors: `Storage`.
    pub fn referral_response_days / referral_response_days_blocking(&self) -> Result<i32, LinkWorkError> {
        Ok(to_i32(self.inner.referral_response_days()?))
    }

    /// Sets the onward-referral response deadline in days.
    ///
    /// Errors: `InvalidInput` (field `days`) outside 1 to 365 (negative too); `NotPermitted`
    /// on a patient store.
    pub fn set_referral_response_days / set_referral_response_days_blocking(&self, days: i32) -> Result<(), LinkWorkError> {
        Ok(self.inner.set_referral_response_days(to_unsigned("days", days)?)?)
    }

    /// Replaces the person's reporting fields (sex, ethnic category, GP practice, PCN); each
    /// absent one is cleared and reported as "not stated".
    ///
    /// Errors: `InvalidInput` (field `gp_practice` or `pcn`) for a bad code; `NotFound`;
    /// `NotPermitted` on a patient store.
    pub fn set_reporting_fields / set_reporting_fields_blocking(
        &self,
        person_id: String,
        fields: ReportingFields,
    ) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .set_reporting_fields(id("person_id", &person_id)?, fields)?)
    }

    /// The commissioner's report for the period `from` to `to` (both
    /// included), counts under `suppress_below` (default 5) suppressed with secondary
    /// suppression; suppressed counts are absent.
    ///
    /// Errors: `InvalidInput` (field `from`, `to`, `period` or `suppress_below`);
    /// `NotPermitted` on a patient store.
    pub fn period_report / period_report_blocking(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        suppress_below: Option<i32>,
    ) -> Result<PeriodReport, LinkWorkError> {
        let period = self.period(from, to)?;
        let threshold = threshold(suppress_below)?;
        Ok(self.inner.period_report(period, threshold)?.into())
    }

    /// The period report as one self-contained HTML page with inline SVG charts (referrals
    /// over time, paired change, waits), holding only published figures.
    ///
    /// Errors: as `period_report`.
    pub fn period_report_html / period_report_html_blocking(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        suppress_below: Option<i32>,
    ) -> Result<String, LinkWorkError> {
        let period = self.period(from, to)?;
        let threshold = threshold(suppress_below)?;
        Ok(self.inner.period_report(period, threshold)?.html())
    }

    /// Writes the period report as CSV files (one per table, and `statistics.csv`) into
    /// `dir`; returns the paths written.
    ///
    /// Errors: as `period_report`; `Storage` when a file cannot be written.
    pub fn period_report_csv / period_report_csv_blocking(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        suppress_below: Option<i32>,
        dir: String,
    ) -> Result<Vec<String>, LinkWorkError> {
        let period = self.period(from, to)?;
        let threshold = threshold(suppress_below)?;
        let written = self
            .inner
            .period_report(period, threshold)?
            .write_csv(std::path::Path::new(&dir))?;
        Ok(written.iter().map(|p| p.display().to_string()).collect())
    }
}}

/// The suppression threshold an app gave (`None`: the default), refused when negative
/// (`InvalidInput`, field `suppress_below`).
fn threshold(suppress_below: Option<i32>) -> Result<u32, LinkWorkError> {
    Ok(suppress_below
        .map(|t| to_unsigned("suppress_below", t))
        .transpose()?
        .unwrap_or(DEFAULT_SUPPRESSION_THRESHOLD))
}
