//! Reports and exports: the caseload report and its CSV files, paired change, the FHIR R4
//! export and the message back to the GP. Read-only: nothing here changes a document.
//!
//! Every method touches disk (the caseload report reads every record on the store): each is
//! async, with a `*Blocking` twin (`blocking_and_async!`).

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::{id, list, to_unsigned};
use crate::types::{
    CaseloadReport, FhirExport, GpEvent, GpMessage, OnwardMessage, PersonChange, RefusedPair,
    Withheld,
};
use crate::LinkWorkError;

blocking_and_async! {
impl LinkWorkStore {
    /// The caseload report over every person on this store, computed offline: referrals by
    /// source and month, outcomes, needs, consultations by mode, onward referrals by service
    /// with unmet need, time to first contact and paired change per measure. Reflects one
    /// committed state. Takes longer than other reads on a big caseload.
    ///
    /// Errors: `NotPermitted` on a patient store (use `paired_change` for the person's own
    /// measures); `Storage`.
    pub fn caseload_report / caseload_report_blocking(&self) -> Result<CaseloadReport, LinkWorkError> {
        Ok(self.inner.caseload_report()?)
    }

    /// Computes the caseload report and writes it as one CSV file per table into `dir`
    /// (created if missing; files of the same names are replaced): `referrals_by_source.csv`,
    /// `referrals_by_month.csv`, `outcomes.csv`, `needs.csv`, `consultations_by_mode.csv`,
    /// `onward_by_service.csv`, `time_to_first_contact.csv`, `paired_change.csv` (RFC 4180,
    /// CRLF, a header row). Returns the paths written, in that order.
    ///
    /// Errors: `NotPermitted` on a patient store; `Storage` when the directory or a file
    /// cannot be written.
    pub fn write_report_csv / write_report_csv_blocking(&self, dir: String) -> Result<Vec<String>, LinkWorkError> {
        let written = self.inner.caseload_report()?.write_csv(dir)?;
        Ok(written
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect())
    }

    /// As `write_report_csv`, for a commissioner: every count from 1 to `threshold - 1` is
    /// written `*` and every statistic over fewer than `threshold` people is left empty
    /// (small-number suppression; pass 5 unless your governance sets another threshold).
    ///
    ///
    /// Errors: as `write_report_csv`.
    pub fn write_commissioner_report_csv / write_commissioner_report_csv_blocking(
        &self,
        dir: String,
        threshold: i32,
    ) -> Result<Vec<String>, LinkWorkError> {
        let threshold = to_unsigned("threshold", threshold)?;
        let written = self
            .inner
            .caseload_report()?
            .write_csv_for_commissioner(dir, threshold)?;
        Ok(written
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect())
    }

    /// What onward referral `referral_id` may send to its community service: the person's
    /// name, phone, preferred contact and communication needs only when a consent in force
    /// today names the referral's organisation (or service) as recipient; otherwise they are
    /// left out and listed in `withheld`.
    ///
    /// Errors: `NotFound` for an unknown referral; `NotPermitted` on a patient store;
    /// `InvalidInput` for a bad id.
    pub fn onward_message / onward_message_blocking(&self, referral_id: String) -> Result<OnwardMessage, LinkWorkError> {
        Ok(self
            .inner
            .onward_message(id("referral_id", &referral_id)?)?
            .into())
    }

    /// One person's paired change within `episode_id` (a past episode stays readable).
    ///
    ///
    /// Errors: `NotFound` for an unknown person or an episode not theirs; `NotPermitted` on a
    /// patient store; `InvalidInput` for a bad id.
    pub fn paired_change_in_episode / paired_change_in_episode_blocking(
        &self,
        person_id: String,
        episode_id: String,
    ) -> Result<Vec<PersonChange>, LinkWorkError> {
        Ok(list(self.inner.paired_change_in_episode(
            id("person_id", &person_id)?,
            id("episode_id", &episode_id)?,
        )?))
    }

    /// The instruments with responses but no paired change in the person's current episode
    /// (or `episode_id`), and why: no baseline, no follow-up, or a follow-up answered before
    /// its baseline.
    ///
    /// Errors: as `paired_change`; with `episode_id`, as `paired_change_in_episode`.
    pub fn refused_pairs / refused_pairs_blocking(
        &self,
        person_id: String,
        episode_id: Option<String>,
    ) -> Result<Vec<RefusedPair>, LinkWorkError> {
        let episode = episode_id.map(|e| id("episode_id", &e)).transpose()?;
        Ok(list(
            self.inner
                .refused_pairs(id("person_id", &person_id)?, episode)?,
        ))
    }

    /// As `export_fhir`, with the list of what consent kept out of the bundle: when the
    /// person asked for codes only, or their consent to share with the GP (purpose
    /// `gp-summary`) is withdrawn or expired now, goals, the care plan, measures, onward
    /// referrals, consultations and flags are left out and listed.
    ///
    /// Errors: as `export_fhir`.
    pub fn fhir_export / fhir_export_blocking(
        &self,
        person_id: String,
        include_case_data: bool,
    ) -> Result<FhirExport, LinkWorkError> {
        let export = self
            .inner
            .fhir_export(id("person_id", &person_id)?, include_case_data)?;
        Ok(FhirExport {
            json: export.json()?,
            withheld: list::<_, Withheld>(export.withheld),
        })
    }

    /// One person's paired change in outcome measures in their current episode (the whole
    /// plan on a patient store): for each instrument with a complete baseline and a complete
    /// follow-up answered after it, the earliest baseline against the latest follow-up,
    /// one entry per reported quantity, direction-aware (ONS4 anxiety, UCLA 3, loneliness and
    /// MYCaW: lower is better). Allowed on a patient store for its own person.
    ///
    /// Errors: `NotFound`; `NotPermitted` for another person on a patient store;
    /// `InvalidInput` for a bad id.
    pub fn paired_change / paired_change_blocking(&self, person_id: String) -> Result<Vec<PersonChange>, LinkWorkError> {
        Ok(list(
            self.inner.paired_change(id("person_id", &person_id)?)?,
        ))
    }

    /// The person's record as a FHIR R4 Bundle (type `collection`), as JSON text: Patient
    /// (NHS number with system `https://fhir.nhs.uk/Id/nhs-number`), CarePlan with Goals,
    /// measures as QuestionnaireResponse and Observation; with `include_case_data` also the
    /// episode (EpisodeOfCare), the referral (ServiceRequest, SNOMED CT 871731000000106),
    /// onward referrals, consent, consultations, flags, address and telecom. Case data leaves
    /// only when `include_case_data` is true.
    ///
    /// Errors: `NotFound`; `NotPermitted` for another person on a patient store, or for
    /// `include_case_data` on a patient store; `InvalidInput` for a bad id.
    pub fn export_fhir / export_fhir_blocking(
        &self,
        person_id: String,
        include_case_data: bool,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .export_fhir_json(id("person_id", &person_id)?, include_case_data)?)
    }

    /// The message back to the GP for `event` about the person's current episode: the SNOMED
    /// CT codes with their dates, the event date, the link worker, the patient's identifiers
    /// and, unless the person asked for codes only (`DemographicsUpdate.gpCodesOnly`), a
    /// short structured summary.
    ///
    /// Errors: `Conflict` when the episode is not in a state the event fits (`Accepted` for
    /// an episode never accepted, `Declined` for one not declined, `Discharged` for one not
    /// discharged); `NotFound`; `NotPermitted` on a patient store; `InvalidInput` for a bad
    /// id.
    pub fn gp_message / gp_message_blocking(
        &self,
        person_id: String,
        event: GpEvent,
    ) -> Result<GpMessage, LinkWorkError> {
        Ok(self
            .inner
            .gp_message(id("person_id", &person_id)?, event)?
            .into())
    }
}}
