//! Reports and exports: the caseload report, paired change, the FHIR R4 export and the message
//! back to the GP. Read-only: nothing here changes a document.

use chrono::Utc;

use super::Store;
use crate::doc::{case_doc, plan_doc};
use crate::error::{Error, Result};
use crate::fhir::FhirExport;
use crate::gp_message::{self, GpEvent, GpMessage};
use crate::ids::Id;
use crate::model::{DocKind, PersonRecord, Plan, Role};
use crate::reports::{person_changes, refused_pairs, CaseloadReport, PersonChange, RefusedPair};
use crate::storage::documents;

impl Store {
    /// The caseload report over every person on this store, computed offline (see
    /// [`crate::reports`] for what each table counts). Every record is read in one read
    /// transaction, so the report reflects one committed state.
    ///
    /// # Errors
    /// [`Error::NotPermitted`] on a patient store (use [`Store::paired_change`] for the
    /// person's own measures); storage or schema errors.
    pub fn caseload_report(&self) -> Result<CaseloadReport> {
        self.require_link_worker("compute the caseload report")?;
        let records = self.all_records()?;
        Ok(CaseloadReport::from_records(&records))
    }

    /// The commissioner's report for `period` over every person on this store, counts under
    /// `threshold` suppressed with secondary suppression (see [`crate::reports::period`] and
    /// `docs/clinical.md` for each figure). Read in one read transaction.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `suppress_below`) for a threshold out of bounds;
    /// [`Error::NotPermitted`] on a patient store; storage or schema errors.
    pub fn period_report(
        &self,
        period: crate::reports::period::ReportPeriod,
        threshold: u32,
    ) -> Result<crate::reports::period::PeriodReport> {
        self.require_link_worker("compute the period report")?;
        let records = self.all_records()?;
        crate::reports::period::PeriodReport::from_records(&records, period, threshold)
    }

    /// One person's paired change in outcome measures (baseline against the latest
    /// follow-up; see [`crate::reports::person_changes`]). Allowed on a patient store for its
    /// own person.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`] for another person on a patient store.
    pub fn paired_change(&self, person: Id) -> Result<Vec<PersonChange>> {
        Ok(person_changes(&self.scoped_plan(person, None)?))
    }

    /// One person's paired change within `episode` (a past episode's change stays readable).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown person or an episode not theirs;
    /// [`Error::NotPermitted`] on a patient store (which holds no episodes).
    pub fn paired_change_in_episode(&self, person: Id, episode: Id) -> Result<Vec<PersonChange>> {
        self.require_link_worker("read an episode")?;
        Ok(person_changes(&self.scoped_plan(person, Some(episode))?))
    }

    /// The instruments with responses but no paired change in the person's current episode
    /// (or `episode`), and why ([`crate::reports::refused_pairs`]): no baseline, no
    /// follow-up, or a follow-up answered before its baseline.
    ///
    /// # Errors
    /// As [`Store::paired_change_in_episode`] when `episode` is given, else as
    /// [`Store::paired_change`].
    pub fn refused_pairs(&self, person: Id, episode: Option<Id>) -> Result<Vec<RefusedPair>> {
        if episode.is_some() {
            self.require_link_worker("read an episode")?;
        }
        Ok(refused_pairs(&self.scoped_plan(person, episode)?))
    }

    /// The person's plan scoped to `episode`, or to the current episode; on a patient store
    /// (no case) the whole plan.
    fn scoped_plan(&self, person: Id, episode: Option<Id>) -> Result<Plan> {
        if self.info.role != Role::LinkWorker {
            return self.plan(person);
        }
        let record = self.person(person)?;
        match episode {
            Some(e) => {
                let known = record
                    .case
                    .as_ref()
                    .is_some_and(|c| c.episodes.iter().any(|x| x.id == e));
                if !known {
                    return Err(Error::not_found("episode", e));
                }
                Ok(record.for_episode(e).plan)
            }
            None => Ok(record.current_scope().plan),
        }
    }

    /// The person's record as a FHIR R4 Bundle (type `collection`; see [`crate::fhir`]).
    /// Case data (the episode and referral, onward referrals, consent, consultations, flags,
    /// address and telecom) is included only when `include_case_data` is true; otherwise the
    /// bundle holds a minimal Patient, the CarePlan with its Goals and the person's measures.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`] for another person on a patient store, or
    /// for `include_case_data` on a patient store.
    pub fn export_fhir(&self, person: Id, include_case_data: bool) -> Result<serde_json::Value> {
        Ok(self.fhir_export(person, include_case_data)?.bundle)
    }

    /// As [`Store::export_fhir`], with the list of what consent kept out of the bundle
    /// ([`crate::fhir::export`]: codes only, or consent to share with the GP withdrawn or
    /// expired now). The bundle covers the current episode.
    ///
    /// # Errors
    /// As [`Store::export_fhir`].
    pub fn fhir_export(&self, person: Id, include_case_data: bool) -> Result<FhirExport> {
        if include_case_data {
            self.require_link_worker("export case data")?;
        }
        let record = self.person(person)?;
        Ok(crate::fhir::export(&record, include_case_data, Utc::now()))
    }

    /// As [`Store::export_fhir`], as pretty-printed JSON text.
    ///
    /// # Errors
    /// As [`Store::export_fhir`].
    pub fn export_fhir_json(&self, person: Id, include_case_data: bool) -> Result<String> {
        let bundle = self.export_fhir(person, include_case_data)?;
        serde_json::to_string_pretty(&bundle)
            .map_err(|_| Error::schema("the FHIR bundle could not be written as JSON"))
    }

    /// The message back to the GP for `event` about the person's current episode: SNOMED CT
    /// codes with dates, the event date and link worker, and (unless the person asked for
    /// codes only) a short structured summary. See [`crate::gp_message`].
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when the episode is not in a state the event fits (e.g.
    /// `accepted` for an episode never accepted); [`Error::NotFound`]; [`Error::NotPermitted`]
    /// on a patient store.
    pub fn gp_message(&self, person: Id, event: GpEvent) -> Result<GpMessage> {
        self.require_link_worker("compose a GP message")?;
        let record = self.person(person)?;
        gp_message::gp_message(&record, event)
    }

    /// What onward referral `referral` may send to its community service: the person's name
    /// and contact details only when a consent in force today names the organisation as
    /// recipient; otherwise they are left out and listed ([`crate::onward_message`]).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown referral; [`Error::NotPermitted`] on a patient store.
    pub fn onward_message(&self, referral: Id) -> Result<crate::onward_message::OnwardMessage> {
        self.require_link_worker("prepare an onward referral")?;
        let person = self.owner_of(referral, "onward-referral")?;
        let record = self.person(person)?;
        crate::onward_message::onward_message(&record, referral, Utc::now().date_naive())
    }

    /// Every person's record (without conflict details), read in one read transaction.
    pub(super) fn all_records(&self) -> Result<Vec<PersonRecord>> {
        self.db.read_snapshot(|conn| {
            let people = documents::people(conn)?;
            let mut out = Vec::with_capacity(people.len());
            for person in people {
                let Some(plan) = documents::load(conn, person, DocKind::Plan)? else {
                    continue;
                };
                let case = documents::load(conn, person, DocKind::Case)?
                    .map(|d| case_doc::read(&d))
                    .transpose()?;
                let mut record = PersonRecord {
                    person_id: person,
                    case,
                    plan: plan_doc::read(&plan)?,
                    conflicts: Vec::new(),
                };
                crate::model::scope::assign_episodes(&mut record);
                out.push(record);
            }
            Ok(out)
        })
    }
}
