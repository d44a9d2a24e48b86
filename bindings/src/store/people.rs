//! People: adding, demographics, episodes, whole records, lists, history and erasure.

use chrono::NaiveDate;
use linkwork_core::model::CaseloadQuery as CoreCaseloadQuery;

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::{id, instant, list};
use crate::types::{
    CaseloadEntry, CaseloadQuery, DemographicsUpdate, DueItem, EpisodeStatus, EpisodeTransition,
    ErasedPerson, GpCode, HistoryEntry, NewPerson, NewReferral, OpenOnwardReferral, PersonRecord,
    Plan,
};
use crate::LinkWorkError;

blocking_and_async! {
impl LinkWorkStore {
    /// Adds a person with their referral (opening their first episode, state `Referred`) and
    /// returns their id.
    ///
    /// Errors: `InvalidInput` for empty names, a future or malformed date of birth, an invalid
    /// NHS number or referral date; `NotPermitted` on a patient store.
    pub fn add_person / add_person_blocking(&self, person: NewPerson) -> Result<String, LinkWorkError> {
        Ok(self.inner.add_person(person)?.to_string())
    }

    /// Updates demographics (see `DemographicsUpdate`).
    ///
    /// Errors: `InvalidInput`; `NotFound`; `NotPermitted`.
    pub fn update_demographics / update_demographics_blocking(
        &self,
        person_id: String,
        update: DemographicsUpdate,
    ) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .update_demographics(id("person_id", &person_id)?, update.try_into()?)?)
    }

    /// Opens a new episode for a new referral (the current one must be closed); returns its id.
    ///
    /// Errors: `Conflict` while the current episode is open; as `add_person`; `NotFound`.
    pub fn open_episode / open_episode_blocking(
        &self,
        person_id: String,
        referral: NewReferral,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .open_episode(id("person_id", &person_id)?, referral)?
            .to_string())
    }

    /// Moves the person's current episode to a new state and returns it. Accepting records the
    /// SNOMED CT code 871731000000106 once per episode; declining records 871711000000103.
    ///
    /// Errors: `Conflict` for a move the state machine refuses; `InvalidInput` for a discharge
    /// without a reason (or a reason without a discharge); `NotFound`; `NotPermitted`.
    pub fn transition_episode / transition_episode_blocking(
        &self,
        person_id: String,
        transition: EpisodeTransition,
    ) -> Result<EpisodeStatus, LinkWorkError> {
        Ok(self
            .inner
            .transition_episode(id("person_id", &person_id)?, transition)?)
    }

    /// A person's full record in one call: the case (link-worker stores) and the plan.
    ///
    /// Errors: `NotFound`; `NotPermitted` for another person on a patient store.
    pub fn person / person_blocking(&self, person_id: String) -> Result<PersonRecord, LinkWorkError> {
        Ok(self.inner.person(id("person_id", &person_id)?)?.into())
    }

    /// A person's plan (all a patient store holds).
    ///
    /// Errors: `NotFound`; `NotPermitted` for another person on a patient store.
    pub fn plan / plan_blocking(&self, person_id: String) -> Result<Plan, LinkWorkError> {
        Ok(self.inner.plan(id("person_id", &person_id)?)?.into())
    }

    /// The caseload list, filtered by `query` (an empty query lists everyone), in one call.
    ///
    /// Errors: `Storage`.
    pub fn caseload / caseload_blocking(&self, query: CaseloadQuery) -> Result<Vec<CaseloadEntry>, LinkWorkError> {
        let query: CoreCaseloadQuery = query;
        Ok(list(self.inner.caseload(&query)?))
    }

    /// Open steps and active goals due on or before `until`, across the
    /// caseload.
    ///
    /// Errors: `InvalidInput` for a malformed date; `Storage`.
    pub fn due / due_blocking(&self, until: NaiveDate) -> Result<Vec<DueItem>, LinkWorkError> {
        Ok(list(self.inner.due(until)?))
    }

    /// Onward referrals not yet in a final state, across the caseload.
    ///
    /// Errors: `Storage`.
    pub fn open_onward_referrals / open_onward_referrals_blocking(&self) -> Result<Vec<OpenOnwardReferral>, LinkWorkError> {
        Ok(list(self.inner.open_onward_referrals()?))
    }

    /// The SNOMED CT codes the GP record should receive for this person, oldest first.
    ///
    /// Errors: `NotFound`; `NotPermitted` on a patient store.
    pub fn gp_codes / gp_codes_blocking(&self, person_id: String) -> Result<Vec<GpCode>, LinkWorkError> {
        Ok(list(self.inner.gp_codes(id("person_id", &person_id)?)?))
    }

    /// Who changed what and when in this person's documents, oldest first.
    ///
    /// Errors: `NotFound`; `NotPermitted` for another person on a patient store.
    pub fn history / history_blocking(&self, person_id: String) -> Result<Vec<HistoryEntry>, LinkWorkError> {
        Ok(list(self.inner.history(id("person_id", &person_id)?)?))
    }

    /// Erases a person: deletes both of their documents with every stored change, their
    /// indexes and sync state, and records a tombstone that makes every peer syncing with this
    /// store erase them too (their documents are never accepted again, by sync or import).
    /// Listeners are told. Irreversible.
    ///
    /// Errors: `NotFound` for an unknown person; `NotPermitted` on a patient store;
    /// `InvalidInput` for a bad id; `Storage` (nothing changes on error).
    pub fn erase_person / erase_person_blocking(&self, person_id: String) -> Result<(), LinkWorkError> {
        Ok(self.inner.erase_person(id("person_id", &person_id)?)?)
    }

    /// People erased on this store or by a peer, with when.
    ///
    /// Errors: `Storage`.
    pub fn erased_people / erased_people_blocking(&self) -> Result<Vec<ErasedPerson>, LinkWorkError> {
        Ok(self
            .inner
            .erased_people()?
            .into_iter()
            .map(|(person, at)| ErasedPerson {
                person_id: person.to_string(),
                erased_at: instant(at),
            })
            .collect())
    }
}}
