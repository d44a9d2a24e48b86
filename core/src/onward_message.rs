//! What an onward referral may send to the community service, decided by consent.
//!
//! A community organisation gets the minimum it needs to contact the person (name, phone,
//! preferred contact method and communication needs) and only when a consent record **in
//! force** today names it as recipient (by organisation id, or by name ignoring case and
//! spacing, see [`crate::model::sharing`]) for any purpose. Otherwise the contact details are
//! left out and listed in [`OnwardMessage::withheld`]: the app tells the link worker to record
//! consent first. linkwork sends nothing itself; the app uses this message to fill in the
//! referral.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{normalise, ContactPreference, PersonRecord, Withheld, WithholdReason};

/// The referral details a community service may receive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OnwardMessage {
    /// The onward referral.
    pub referral_id: Id,
    /// The service.
    pub service: String,
    /// The organisation running it, as recorded on the referral.
    pub organisation: Option<String>,
    /// The need it addresses.
    pub need: Option<String>,
    /// The consent record relied on; `None` when none is in force (then no contact details).
    pub consent_id: Option<Id>,
    /// Given name (only with consent).
    pub given_name: Option<String>,
    /// Family name (only with consent).
    pub family_name: Option<String>,
    /// Phone (only with consent).
    pub phone: Option<String>,
    /// Preferred contact method (only with consent).
    pub preferred_contact: Option<ContactPreference>,
    /// Communication needs (only with consent).
    pub communication_needs: Option<String>,
    /// What was left out and why (empty when nothing was).
    pub withheld: Vec<Withheld>,
}

/// Builds the message for onward referral `referral` of `record`, judging consent on `today`.
///
/// # Errors
/// [`Error::NotPermitted`] without the case (a patient's store); [`Error::NotFound`] for a
/// referral the person does not have.
pub fn onward_message(
    record: &PersonRecord,
    referral: Id,
    today: NaiveDate,
) -> Result<OnwardMessage> {
    let case = record.case.as_ref().ok_or(Error::NotPermitted {
        action: "prepare an onward referral without the case",
    })?;
    let o = case
        .onward_referrals
        .iter()
        .find(|o| o.id == referral)
        .ok_or_else(|| Error::not_found("onward-referral", referral))?;
    let recipient = o.organisation.as_deref().unwrap_or(&o.service);
    let consent = case.consents_in_force(today).into_iter().find(|c| {
        normalise(&c.recipient) == normalise(recipient)
            || c.recipient_org
                .as_deref()
                .is_some_and(|org| org.eq_ignore_ascii_case(recipient.trim()))
    });
    let d = &case.demographics;
    let shared = consent.is_some();
    let withheld = if shared {
        Vec::new()
    } else {
        vec![Withheld {
            what: "contact-details",
            reason: WithholdReason::NoConsent,
            purpose: recipient.to_string(),
            since: None,
        }]
    };
    Ok(OnwardMessage {
        referral_id: o.id,
        service: o.service.clone(),
        organisation: o.organisation.clone(),
        need: o.need.clone(),
        consent_id: consent.map(|c| c.id),
        given_name: shared.then(|| d.given_name.clone()),
        family_name: shared.then(|| d.family_name.clone()),
        phone: d.phone.clone().filter(|_| shared),
        preferred_contact: d.preferred_contact.filter(|_| shared),
        communication_needs: d.communication_needs.clone().filter(|_| shared),
        withheld,
    })
}
