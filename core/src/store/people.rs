//! People: adding, demographics, whole records, the caseload list and history.

use chrono::NaiveDate;

use super::Store;
use crate::doc::{case_doc, conflicts, plan_doc};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::*;
use crate::storage::documents;

impl Store {
    /// Adds a person with their referral: creates their plan and case documents and opens the
    /// first episode (state `referred`). Returns the person's id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for empty names, a date of birth in the future, an invalid NHS
    /// number or referral date; [`Error::NotPermitted`] on a patient store.
    pub fn add_person(&self, p: NewPerson) -> Result<Id> {
        self.require_link_worker("add a person")?;
        let demographics = validate_new(&p)?;
        let referral = validate_referral(&p.referral)?;
        let person = Id::new();
        let episode = Id::new();
        self.create_person_docs(person, |tx, a| {
            case_doc::init(tx, a, person, &demographics, episode, &referral)
        })?;
        Ok(person)
    }

    /// Updates demographics; fields left `None` are unchanged.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for bad values; [`Error::NotFound`]; [`Error::NotPermitted`].
    pub fn update_demographics(&self, person: Id, u: DemographicsUpdate) -> Result<()> {
        self.require_link_worker("change demographics")?;
        let mut u = u;
        if let Some(g) = &u.given_name {
            u.given_name = Some(text::required("given_name", g)?);
        }
        if let Some(f) = &u.family_name {
            u.family_name = Some(text::required("family_name", f)?);
        }
        if let Some(Some(dob)) = u.date_of_birth {
            check_date_of_birth(dob)?;
        }
        let nhs = match &u.nhs_number {
            None => None,
            Some(None) => Some(None),
            Some(Some(n)) => Some(Some(NhsNumber::parse(n)?)),
        };
        for (field, value) in [
            ("address", &mut u.address),
            ("phone", &mut u.phone),
            ("email", &mut u.email),
            ("communication_needs", &mut u.communication_needs),
        ] {
            if let Some(v) = value {
                *v = text::optional(field, v.as_deref())?;
            }
        }
        self.edit(person, DocKind::Case, "person.update", None, |tx, _| {
            case_doc::update_demographics(tx, &u, nhs)
        })
    }

    /// Replaces the person's reporting fields (sex, ethnic category, GP practice, PCN) with
    /// `fields`: a field left `None` is cleared and reported as "not stated".
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `gp_practice` or `pcn`) for a bad organisation code
    /// (nothing changes); [`Error::NotFound`]; [`Error::NotPermitted`] on a patient store.
    pub fn set_reporting_fields(&self, person: Id, fields: ReportingFields) -> Result<()> {
        self.require_link_worker("change demographics")?;
        let fields = fields.validated()?;
        self.edit(person, DocKind::Case, "person.update", None, |tx, _| {
            case_doc::set_reporting(tx, &fields)
        })
    }

    /// Opens a new episode for a new referral; the current episode must be closed.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when the current episode is still open; as [`Store::add_person`].
    pub fn open_episode(&self, person: Id, referral: NewReferral) -> Result<Id> {
        self.require_link_worker("open an episode")?;
        let referral = validate_referral(&referral)?;
        let id = Id::new();
        self.edit(person, DocKind::Case, "episode.open", Some(id), |tx, a| {
            let (_, current) = case_doc::current_episode(tx)?;
            let status: EpisodeStatus = crate::doc::Reader::new(tx).code(&current, "status")?;
            if !status.is_closed() {
                return Err(Error::IllegalTransition {
                    machine: "episode",
                    from: status.to_string(),
                    to: "new episode".into(),
                });
            }
            case_doc::open_episode(tx, a, id, &referral)
        })?;
        Ok(id)
    }

    /// A person's full record: the case (link-worker stores) and the plan, in one call.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`] for another person on a patient store.
    pub fn person(&self, person: Id) -> Result<PersonRecord> {
        self.require_plan_access(person, "read another person's record")?;
        let with_case = self.info.role == Role::LinkWorker;
        // One read transaction, so the plan and the case come from the same committed state.
        let (plan, case) = self.db.read_snapshot(|conn| {
            let plan = documents::load(conn, person, DocKind::Plan)?;
            let case = if with_case {
                documents::load(conn, person, DocKind::Case)?
            } else {
                None
            };
            Ok((plan, case))
        })?;
        let plan = plan.ok_or_else(|| Error::not_found("person", person))?;
        let mut conflicts = conflicts::find(&plan, DocKind::Plan);
        if let Some(case) = &case {
            conflicts.extend(conflicts::find(case, DocKind::Case));
        }
        let mut record = PersonRecord {
            person_id: person,
            case: case.map(|d| case_doc::read(&d)).transpose()?,
            plan: plan_doc::read(&plan)?,
            conflicts,
        };
        crate::model::scope::assign_episodes(&mut record);
        Ok(record)
    }

    /// A person's plan as its document holds it: the same on every device, the person's
    /// phone included, so its items carry no `episode_id` (that comes from the case's
    /// episodes: read [`Store::person`] for it).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`] for another person on a patient store.
    pub fn plan(&self, person: Id) -> Result<Plan> {
        self.require_plan_access(person, "read another person's plan")?;
        let doc = self
            .load_doc(person, DocKind::Plan)?
            .ok_or_else(|| Error::not_found("person", person))?;
        plan_doc::read(&doc)
    }

    /// The caseload list, from projections (no document is loaded).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `limit`) for a negative limit; storage errors.
    pub fn caseload(&self, query: &CaseloadQuery) -> Result<Vec<CaseloadEntry>> {
        if query.limit.is_some_and(|l| l < 0) {
            return Err(Error::invalid("limit", "must not be negative"));
        }
        self.read(|conn| crate::storage::projections::caseload(conn, query))
    }

    /// Open steps and active goals due on or before `until`, and onward referrals whose
    /// response deadline ([`Store::referral_response_days`]) falls on or before it, from
    /// projections, earliest first.
    ///
    /// # Errors
    /// Storage errors.
    pub fn due(&self, until: NaiveDate) -> Result<Vec<DueItem>> {
        let mut due = self.read(|conn| crate::storage::projections::due(conn, until))?;
        due.extend(self.due_onward_responses(until)?);
        due.sort_by_key(|d| (d.due, d.item_id));
        Ok(due)
    }

    /// Onward referrals not yet in a final state, from projections.
    ///
    /// # Errors
    /// Storage errors.
    pub fn open_onward_referrals(&self) -> Result<Vec<OpenOnwardReferral>> {
        self.read(crate::storage::projections::open_onward)
    }

    /// The SNOMED CT codes the GP record should receive for this person, oldest first.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`] on a patient store.
    pub fn gp_codes(&self, person: Id) -> Result<Vec<GpCode>> {
        self.require_link_worker("read GP codes")?;
        let doc = self
            .load_doc(person, DocKind::Case)?
            .ok_or_else(|| Error::not_found("person", person))?;
        let case = case_doc::read(&doc)?;
        let mut codes: Vec<GpCode> = case.episodes.into_iter().flat_map(|e| e.gp_codes).collect();
        codes.sort_by(|a, b| (a.recorded_at, &a.code).cmp(&(b.recorded_at, &b.code)));
        Ok(codes)
    }

    /// Who changed what and when in this person's documents, oldest first, each change with
    /// its author as its signature proves it ([`crate::model::Author`]).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`] for another person on a patient store.
    pub fn history(&self, person: Id) -> Result<Vec<HistoryEntry>> {
        self.require_plan_access(person, "read another person's history")?;
        let mut out = Vec::new();
        let mut found = false;
        for kind in [DocKind::Plan, DocKind::Case] {
            if kind == DocKind::Case && self.info.role == Role::Patient {
                continue;
            }
            if let Some(doc) = self.load_doc(person, kind)? {
                found = true;
                out.extend(crate::history::read(&doc, kind));
            }
        }
        if !found {
            return Err(Error::not_found("person", person));
        }
        // Commit times have one-second resolution: a stable sort keeps each document's commit
        // order (automerge returns changes causally ordered) among actions of the same second.
        out.sort_by_key(|e| e.at);
        self.read(|conn| super::signing_ops::authors(conn, person, &mut out))?;
        Ok(out)
    }
}

fn validate_referral(r: &NewReferral) -> Result<NewReferral> {
    let mut reasons = Vec::new();
    for reason in &r.reasons {
        if let Some(t) = text::optional("reasons", Some(reason))? {
            reasons.push(t);
        }
    }
    if let Some(received) = r.received {
        if received > text::today() {
            return Err(Error::invalid("received", "is in the future"));
        }
    }
    Ok(NewReferral {
        source: r.source,
        referrer: text::optional("referrer", r.referrer.as_deref())?,
        reasons,
        received: r.received,
        urgency: r.urgency,
        consent_to_contact: r.consent_to_contact,
    })
}
