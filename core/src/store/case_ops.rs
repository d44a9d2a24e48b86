//! Case edits (link-worker only): episode transitions, contact attempts, consent,
//! consultations, onward referrals, flags and notes.

use super::{Projected, Store};
use crate::doc::case_doc;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::*;

impl Store {
    /// Moves the person's current episode to a new state. Accepting records SNOMED CT
    /// 871731000000106 once per episode; declining records 871711000000103.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] for a move the state machine refuses;
    /// [`Error::InvalidInput`] when a discharge has no reason (or a non-discharge has one);
    /// [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn transition_episode(&self, person: Id, t: EpisodeTransition) -> Result<EpisodeStatus> {
        self.require_link_worker("change an episode")?;
        let t = EpisodeTransition {
            reason: text::optional("reason", t.reason.as_deref())?,
            ..t
        };
        let change = Id::new();
        self.edit(
            person,
            DocKind::Case,
            "episode.transition",
            None,
            |tx, a| case_doc::transition_episode(tx, a, change, &t),
        )?;
        Ok(t.to)
    }

    /// Records an attempt to contact the person. Returns its id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`]; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn record_contact_attempt(&self, person: Id, c: NewContactAttempt) -> Result<Id> {
        self.require_link_worker("record a contact attempt")?;
        let c = NewContactAttempt {
            note: text::optional("note", c.note.as_deref())?,
            ..c
        };
        let id = Id::new();
        self.edit(person, DocKind::Case, "contact.add", Some(id), |tx, a| {
            case_doc::add_contact_attempt(tx, a, id, &c)
        })?;
        Ok(id)
    }

    /// Records consent for a purpose and a coded recipient organisation. Earlier records are
    /// never changed: the new record supersedes the latest one for the same purpose and
    /// recipient (matched as [`crate::model::sharing`] says, so a free-text record from an
    /// older version is superseded by a coded one with the same name). Returns its id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty purpose or recipient, a missing or malformed
    /// organisation id (`recipient_org`), an incomplete proxy, or a proxy
    /// missing when the person lacks capacity; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn record_consent(&self, person: Id, c: NewConsent) -> Result<Id> {
        self.require_link_worker("record consent")?;
        let proxy = match &c.proxy {
            Some(p) => Some(Proxy {
                name: text::required("proxy_name", &p.name)?,
                relationship: text::required("proxy_relationship", &p.relationship)?,
            }),
            None => None,
        };
        if c.capacity == Some(Capacity::LacksCapacity) && proxy.is_none() {
            return Err(Error::invalid(
                "proxy",
                "is required when the person lacks capacity",
            ));
        }
        let org = c.recipient_org.as_deref().ok_or_else(|| {
            Error::invalid(
                "recipient_org",
                "is required: the organisation's ODS code or a local id",
            )
        })?;
        let c = NewConsent {
            purpose: text::required("purpose", &c.purpose)?,
            recipient: text::required("recipient", &c.recipient)?,
            recipient_org: Some(organisation_id(org)?),
            proxy,
            ..c
        };
        let id = Id::new();
        self.edit(
            person,
            DocKind::Case,
            "consent.record",
            Some(id),
            |tx, a| case_doc::add_consent(tx, a, id, &c),
        )?;
        Ok(id)
    }

    /// Records a consultation in the current episode, which must not be closed. Returns its id.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when the episode is closed; [`Error::InvalidInput`] for a
    /// duration outside 1-1440 minutes; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn add_consultation(&self, person: Id, c: NewConsultation) -> Result<Id> {
        self.require_link_worker("record a consultation")?;
        if let Some(d) = c.duration_minutes {
            if !(1..=1440).contains(&d) {
                return Err(Error::invalid(
                    "duration_minutes",
                    "must be between 1 and 1440",
                ));
            }
        }
        let mut attendees = Vec::new();
        for a in &c.attendees {
            attendees.push(text::required("attendees", a)?);
        }
        let c = NewConsultation {
            attendees,
            notes: text::optional("notes", c.notes.as_deref())?,
            ..c
        };
        let id = Id::new();
        self.edit(
            person,
            DocKind::Case,
            "consultation.add",
            Some(id),
            |tx, a| case_doc::add_consultation(tx, a, id, &c),
        )?;
        Ok(id)
    }

    /// Lone-working safety: checks in at the start of a home visit.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a consultation that is not a home visit;
    /// [`Error::IllegalTransition`] when already checked in; [`Error::NotFound`].
    pub fn check_in(&self, consultation: Id) -> Result<()> {
        self.require_link_worker("check in")?;
        let person = self.owner_of(consultation, "consultation")?;
        self.edit(
            person,
            DocKind::Case,
            "visit.check-in",
            Some(consultation),
            |tx, a| case_doc::check_visit(tx, a, consultation, false),
        )
    }

    /// Lone-working safety: checks out at the end of a home visit (after checking in).
    ///
    /// # Errors
    /// As [`Store::check_in`]; [`Error::IllegalTransition`] when not checked in or already out.
    pub fn check_out(&self, consultation: Id) -> Result<()> {
        self.require_link_worker("check out")?;
        let person = self.owner_of(consultation, "consultation")?;
        self.edit(
            person,
            DocKind::Case,
            "visit.check-out",
            Some(consultation),
            |tx, a| case_doc::check_visit(tx, a, consultation, true),
        )
    }

    /// Replaces a consultation's notes (merged character by character with concurrent edits).
    ///
    /// # Errors
    /// [`Error::InvalidInput`]; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn set_consultation_notes(&self, consultation: Id, notes: &str) -> Result<()> {
        self.require_link_worker("edit consultation notes")?;
        let notes = text::bounded("notes", notes)?;
        let person = self.owner_of(consultation, "consultation")?;
        self.edit(
            person,
            DocKind::Case,
            "consultation.notes",
            Some(consultation),
            |tx, _| case_doc::set_consultation_notes(tx, consultation, &notes),
        )
    }

    /// Refers the person to a community service (state `sent`). Returns its id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty service; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn add_onward_referral(&self, person: Id, r: NewOnwardReferral) -> Result<Id> {
        self.require_link_worker("make an onward referral")?;
        let r = NewOnwardReferral {
            service: text::required("service", &r.service)?,
            organisation: text::optional("organisation", r.organisation.as_deref())?,
            need: text::optional("need", r.need.as_deref())?,
        };
        let id = Id::new();
        self.edit(person, DocKind::Case, "onward.add", Some(id), |tx, a| {
            case_doc::add_onward(tx, a, id, &r, None)
        })?;
        Ok(id)
    }

    /// Moves an onward referral to a new state (e.g. `no-capacity` when waitlisted).
    ///
    /// # Errors
    /// [`Error::IllegalTransition`]; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn transition_onward_referral(
        &self,
        referral: Id,
        to: OnwardStatus,
        note: Option<&str>,
    ) -> Result<()> {
        self.require_link_worker("change an onward referral")?;
        let note = text::optional("note", note)?;
        let person = self.owner_of(referral, "onward-referral")?;
        let change = Id::new();
        self.edit(
            person,
            DocKind::Case,
            "onward.transition",
            Some(referral),
            |tx, a| case_doc::transition_onward(tx, a, referral, change, to, note.as_deref()),
        )
    }

    /// Raises a risk or safeguarding flag. Returns its id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty description; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn raise_flag(&self, person: Id, kind: FlagKind, description: &str) -> Result<Id> {
        self.require_link_worker("raise a flag")?;
        let description = text::required("description", description)?;
        let id = Id::new();
        self.edit(person, DocKind::Case, "flag.raise", Some(id), |tx, a| {
            case_doc::raise_flag(tx, a, id, kind, &description)
        })?;
        Ok(id)
    }

    /// Resolves a flag.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when already resolved; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn resolve_flag(&self, flag: Id) -> Result<()> {
        self.require_link_worker("resolve a flag")?;
        let person = self.owner_of(flag, "flag")?;
        self.edit(
            person,
            DocKind::Case,
            "flag.resolve",
            Some(flag),
            |tx, a| case_doc::resolve_flag(tx, a, flag),
        )
    }

    /// Adds a case note. Returns its id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty text; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn add_case_note(&self, person: Id, text: &str) -> Result<Id> {
        self.require_link_worker("add a case note")?;
        let text = text::required("text", text)?;
        let id = Id::new();
        // A new note shows only in the item index: no name, status or referral changes, so
        // the case is not read back for its projections.
        self.edit_projecting(
            person,
            DocKind::Case,
            "note.add",
            Some(id),
            Projected::NewItem(id, "case-note"),
            |tx, a| case_doc::add_note(tx, a, id, &text),
        )?;
        Ok(id)
    }

    /// Edits a case note's text (merged character by character).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty text; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn edit_case_note(&self, note: Id, text: &str) -> Result<()> {
        self.require_link_worker("edit a case note")?;
        let text = text::required("text", text)?;
        let person = self.owner_of(note, "case-note")?;
        self.edit(person, DocKind::Case, "note.edit", Some(note), |tx, _| {
            case_doc::edit_note(tx, note, &text)
        })
    }
}
