//! Onward referrals that meet the services directory: referring to a directory service by its
//! id, each service's outcomes, and the response deadline that puts unanswered referrals in
//! the due list (`docs/directory.md`).

use chrono::{Duration, NaiveDate};

use super::Store;
use crate::doc::case_doc;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{text, DocKind, DueItem, DueKind, NewOnwardReferral, OnwardStatus};
use crate::reports::{service_outcomes, ServiceOutcomes};
use crate::storage::meta;

/// Days an onward referral may wait for the service's answer before it is overdue, unless
/// the store says otherwise ([`Store::set_referral_response_days`]).
pub const DEFAULT_REFERRAL_RESPONSE_DAYS: u32 = 14;
/// The longest response deadline accepted, in days.
pub const MAX_REFERRAL_RESPONSE_DAYS: u32 = 365;
/// The `meta` key holding the response deadline.
const RESPONSE_DAYS_KEY: &str = "referral_response_days";

impl Store {
    /// Refers the person to the directory service `service_id` (state `sent`). The referral
    /// stores the service's stable id, and its name and organisation as they are now, so a
    /// later directory import that renames or drops the service changes nothing in the
    /// record. Returns the referral's id.
    ///
    /// # Errors
    /// [`Error::NotFound`] (kind `directory service`) when the directory has no such service
    /// (nothing is written); [`Error::InvalidInput`] for a `need` over the length limit;
    /// [`Error::NotFound`] for an unknown person; [`Error::NotPermitted`] on a patient store.
    pub fn add_onward_referral_to_service(
        &self,
        person: Id,
        service_id: &str,
        need: Option<&str>,
    ) -> Result<Id> {
        self.require_link_worker("make an onward referral")?;
        let service = self.directory_service(service_id)?;
        let r = NewOnwardReferral {
            service: text::required("service", &service.name)?,
            organisation: service.organization.map(|o| o.name),
            need: text::optional("need", need)?,
        };
        let id = Id::new();
        self.edit(person, DocKind::Case, "onward.add", Some(id), |tx, a| {
            case_doc::add_onward(tx, a, id, &r, Some(&service.id))
        })?;
        Ok(id)
    }

    /// Outcomes of the onward referrals this store made to each directory service, sorted by
    /// service id (services never referred to are absent).
    ///
    /// # Errors
    /// [`Error::NotPermitted`] on a patient store; storage or schema errors.
    pub fn service_outcomes(&self) -> Result<Vec<ServiceOutcomes>> {
        self.require_link_worker("read referral outcomes")?;
        Ok(service_outcomes(&self.all_records()?))
    }

    /// Outcomes of the onward referrals this store made to the directory service
    /// `service_id`; all zero when it was never referred to.
    ///
    /// # Errors
    /// As [`Store::service_outcomes`].
    pub fn outcomes_for_service(&self, service_id: &str) -> Result<ServiceOutcomes> {
        let id = service_id.trim();
        Ok(self
            .service_outcomes()?
            .into_iter()
            .find(|s| s.service_id == id)
            .unwrap_or_else(|| ServiceOutcomes {
                service_id: id.to_string(),
                ..Default::default()
            }))
    }

    /// Days an onward referral may stay unanswered (state `sent`) before the due list shows
    /// it: the stored setting, else [`DEFAULT_REFERRAL_RESPONSE_DAYS`].
    ///
    /// # Errors
    /// Storage errors.
    pub fn referral_response_days(&self) -> Result<u32> {
        self.read(|conn| {
            Ok(meta::get(conn, RESPONSE_DAYS_KEY)?
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|d| (1..=MAX_REFERRAL_RESPONSE_DAYS).contains(d))
                .unwrap_or(DEFAULT_REFERRAL_RESPONSE_DAYS))
        })
    }

    /// Sets the onward-referral response deadline of this store, in days.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `days`) outside 1 to [`MAX_REFERRAL_RESPONSE_DAYS`];
    /// [`Error::NotPermitted`] on a patient store; storage errors.
    pub fn set_referral_response_days(&self, days: u32) -> Result<()> {
        self.require_link_worker("set the referral response deadline")?;
        if !(1..=MAX_REFERRAL_RESPONSE_DAYS).contains(&days) {
            return Err(Error::invalid(
                "days",
                format!("must be 1 to {MAX_REFERRAL_RESPONSE_DAYS}"),
            ));
        }
        self.db
            .write(|tx, _| meta::set(tx, RESPONSE_DAYS_KEY, &days.to_string()))
    }

    /// Onward referrals still unanswered (state `sent`) whose response deadline (sending
    /// date plus [`Store::referral_response_days`]) falls on or before `until`, as due-list
    /// rows of kind [`DueKind::OnwardResponse`] (the text is the service's name).
    pub(super) fn due_onward_responses(&self, until: NaiveDate) -> Result<Vec<DueItem>> {
        let days = i64::from(self.referral_response_days()?);
        Ok(self
            .open_onward_referrals()?
            .into_iter()
            .filter(|o| o.status == OnwardStatus::Sent)
            .filter_map(|o| {
                let due = o
                    .sent_at
                    .date_naive()
                    .checked_add_signed(Duration::days(days))?;
                Some(DueItem {
                    kind: DueKind::OnwardResponse,
                    item_id: o.referral_id,
                    person_id: o.person_id,
                    text: o.service,
                    due,
                })
            })
            .filter(|d| d.due <= until)
            .collect())
    }
}
