//! Case edits (link-worker stores only): contact attempts, consent, consultations and
//! home-visit safety, onward referrals, flags and notes.

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::id;
use crate::types::{
    FlagKind, NewConsent, NewConsultation, NewContactAttempt, NewOnwardReferral, OnwardStatus,
};
use crate::LinkWorkError;

blocking_and_async! {
impl LinkWorkStore {
    /// Records an attempt to contact the person and returns its id.
    ///
    /// Errors: `InvalidInput`; `NotFound`; `NotPermitted`.
    pub fn record_contact_attempt / record_contact_attempt_blocking(
        &self,
        person_id: String,
        attempt: NewContactAttempt,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .record_contact_attempt(id("person_id", &person_id)?, attempt)?
            .to_string())
    }

    /// Records consent for a purpose and recipient and returns its id; it supersedes the latest
    /// earlier record for the same purpose and recipient.
    ///
    /// Errors: `InvalidInput` for empty purpose or recipient, an incomplete proxy, or no proxy
    /// when the person lacks capacity; `NotFound`; `NotPermitted`.
    pub fn record_consent / record_consent_blocking(
        &self,
        person_id: String,
        consent: NewConsent,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .record_consent(id("person_id", &person_id)?, consent)?
            .to_string())
    }

    /// Records a consultation in the current episode (which must be open) and returns its id.
    ///
    /// Errors: `Conflict` when the episode is closed; `InvalidInput` for a duration outside
    /// 1-1440 minutes; `NotFound`; `NotPermitted`.
    pub fn add_consultation / add_consultation_blocking(
        &self,
        person_id: String,
        consultation: NewConsultation,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .add_consultation(id("person_id", &person_id)?, consultation)?
            .to_string())
    }

    /// Lone-working safety: checks in at the start of a home visit.
    ///
    /// Errors: `InvalidInput` for a consultation that is not a home visit; `Conflict` when
    /// already checked in; `NotFound`; `NotPermitted`.
    pub fn check_in / check_in_blocking(&self, consultation_id: String) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .check_in(id("consultation_id", &consultation_id)?)?)
    }

    /// Lone-working safety: checks out at the end of a home visit.
    ///
    /// Errors: as `check_in`; `Conflict` when not checked in or already checked out.
    pub fn check_out / check_out_blocking(&self, consultation_id: String) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .check_out(id("consultation_id", &consultation_id)?)?)
    }

    /// Replaces a consultation's notes (merged character by character with concurrent edits
    /// from other devices).
    ///
    /// Errors: `InvalidInput`; `NotFound`; `NotPermitted`.
    pub fn set_consultation_notes / set_consultation_notes_blocking(
        &self,
        consultation_id: String,
        notes: String,
    ) -> Result<(), LinkWorkError> {
        Ok(self
            .inner
            .set_consultation_notes(id("consultation_id", &consultation_id)?, &notes)?)
    }

    /// Refers the person to a community service (state `Sent`) and returns the referral's id.
    ///
    /// Errors: `InvalidInput` for an empty service; `NotFound`; `NotPermitted`.
    pub fn add_onward_referral / add_onward_referral_blocking(
        &self,
        person_id: String,
        referral: NewOnwardReferral,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .add_onward_referral(id("person_id", &person_id)?, referral)?
            .to_string())
    }

    /// Moves an onward referral to a new state (e.g. `NoCapacity` when waitlisted).
    ///
    /// Errors: `Conflict` for a move the state machine refuses; `NotFound`; `NotPermitted`.
    #[uniffi::method(default(note = None))]
    pub fn transition_onward_referral / transition_onward_referral_blocking(
        &self,
        referral_id: String,
        to: OnwardStatus,
        note: Option<String>,
    ) -> Result<(), LinkWorkError> {
        Ok(self.inner.transition_onward_referral(
            id("referral_id", &referral_id)?,
            to,
            note.as_deref(),
        )?)
    }

    /// Raises a risk or safeguarding flag and returns its id.
    ///
    /// Errors: `InvalidInput` for an empty description; `NotFound`; `NotPermitted`.
    pub fn raise_flag / raise_flag_blocking(
        &self,
        person_id: String,
        kind: FlagKind,
        description: String,
    ) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .raise_flag(id("person_id", &person_id)?, kind, &description)?
            .to_string())
    }

    /// Resolves a flag.
    ///
    /// Errors: `Conflict` when already resolved; `NotFound`; `NotPermitted`.
    pub fn resolve_flag / resolve_flag_blocking(&self, flag_id: String) -> Result<(), LinkWorkError> {
        Ok(self.inner.resolve_flag(id("flag_id", &flag_id)?)?)
    }

    /// Adds a case note and returns its id.
    ///
    /// Errors: `InvalidInput` for empty text; `NotFound`; `NotPermitted`.
    pub fn add_case_note / add_case_note_blocking(&self, person_id: String, text: String) -> Result<String, LinkWorkError> {
        Ok(self
            .inner
            .add_case_note(id("person_id", &person_id)?, &text)?
            .to_string())
    }

    /// Edits a case note's text (merged character by character).
    ///
    /// Errors: `InvalidInput` for empty text; `NotFound`; `NotPermitted`.
    pub fn edit_case_note / edit_case_note_blocking(&self, note_id: String, text: String) -> Result<(), LinkWorkError> {
        Ok(self.inner.edit_case_note(id("note_id", &note_id)?, &text)?)
    }
}}
