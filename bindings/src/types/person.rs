//! People: demographics, the caseload list and a person's whole record.

use linkwork_core::model as lw;

use super::{mirror_enum, patch, CaseRecord, EpisodeStatus, FieldConflict, NewReferral, Plan};
use crate::convert::{date_text, instant, list, opt_date, opt_date_text};
use crate::LinkWorkError;

mirror_enum! {
    /// How the person prefers to be contacted.
    pub enum ContactPreference = lw::ContactPreference {
        /// Telephone call.
        Phone,
        /// Text message.
        Sms,
        /// Email.
        Email,
        /// Post.
        Letter,
        /// In person.
        InPerson,
    }
}

/// What is needed to add a person to the caseload (with the referral that brings them).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct NewPerson {
    /// Given name (required).
    pub given_name: String,
    /// Family name (required).
    pub family_name: String,
    /// Date of birth, `YYYY-MM-DD`; must not be in the future.
    #[uniffi(default)]
    pub date_of_birth: Option<String>,
    /// NHS number (10 digits with a valid check digit; spaces and hyphens are ignored).
    #[uniffi(default)]
    pub nhs_number: Option<String>,
    /// Postal address.
    #[uniffi(default)]
    pub address: Option<String>,
    /// Telephone number.
    #[uniffi(default)]
    pub phone: Option<String>,
    /// Email address.
    #[uniffi(default)]
    pub email: Option<String>,
    /// Preferred contact method.
    #[uniffi(default)]
    pub preferred_contact: Option<ContactPreference>,
    /// Communication needs (interpreter, large print, BSL, ...).
    #[uniffi(default)]
    pub communication_needs: Option<String>,
    /// The referral; it opens the person's first episode (state `Referred`).
    pub referral: NewReferral,
}

impl TryFrom<NewPerson> for lw::NewPerson {
    type Error = LinkWorkError;
    fn try_from(p: NewPerson) -> Result<Self, LinkWorkError> {
        Ok(lw::NewPerson {
            given_name: p.given_name,
            family_name: p.family_name,
            date_of_birth: opt_date("date_of_birth", p.date_of_birth)?,
            nhs_number: p.nhs_number,
            address: p.address,
            phone: p.phone,
            email: p.email,
            preferred_contact: p.preferred_contact.map(Into::into),
            communication_needs: p.communication_needs,
            referral: p.referral.try_into()?,
        })
    }
}

/// A person's demographics (link-worker stores only).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Demographics {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// NHS number, 10 digits without spaces.
    pub nhs_number: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Preferred contact method.
    pub preferred_contact: Option<ContactPreference>,
    /// Communication needs.
    pub communication_needs: Option<String>,
    /// The person objects to sharing with the GP anything beyond the SNOMED CT codes.
    pub gp_codes_only: bool,
    /// Sex, ethnic category, GP practice and PCN for reports (set with
    /// `set_reporting_fields`).
    pub reporting: super::ReportingFields,
}

impl From<lw::Demographics> for Demographics {
    fn from(d: lw::Demographics) -> Self {
        Demographics {
            given_name: d.given_name,
            family_name: d.family_name,
            date_of_birth: opt_date_text(d.date_of_birth),
            nhs_number: d.nhs_number.map(|n| n.as_str().to_string()),
            address: d.address,
            phone: d.phone,
            email: d.email,
            preferred_contact: d.preferred_contact.map(Into::into),
            communication_needs: d.communication_needs,
            gp_codes_only: d.gp_codes_only,
            reporting: d.reporting.into(),
        }
    }
}

/// An optional demographic field that [`DemographicsUpdate::clear`] can remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DemographicsField {
    /// Date of birth.
    DateOfBirth,
    /// NHS number.
    NhsNumber,
    /// Postal address.
    Address,
    /// Telephone number.
    Phone,
    /// Email address.
    Email,
    /// Preferred contact method.
    PreferredContact,
    /// Communication needs.
    CommunicationNeeds,
}

/// A change to demographics: fields left `null`/`nil` are unchanged; fields named in `clear`
/// are removed (setting and clearing the same field is `InvalidInput`).
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct DemographicsUpdate {
    /// New given name.
    #[uniffi(default)]
    pub given_name: Option<String>,
    /// New family name.
    #[uniffi(default)]
    pub family_name: Option<String>,
    /// New date of birth, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub date_of_birth: Option<String>,
    /// New NHS number.
    #[uniffi(default)]
    pub nhs_number: Option<String>,
    /// New address.
    #[uniffi(default)]
    pub address: Option<String>,
    /// New phone.
    #[uniffi(default)]
    pub phone: Option<String>,
    /// New email.
    #[uniffi(default)]
    pub email: Option<String>,
    /// New preferred contact method.
    #[uniffi(default)]
    pub preferred_contact: Option<ContactPreference>,
    /// New communication needs.
    #[uniffi(default)]
    pub communication_needs: Option<String>,
    /// New "only SNOMED CT codes to the GP" setting.
    #[uniffi(default)]
    pub gp_codes_only: Option<bool>,
    /// Optional fields to remove.
    #[uniffi(default)]
    pub clear: Vec<DemographicsField>,
}

impl TryFrom<DemographicsUpdate> for lw::DemographicsUpdate {
    type Error = LinkWorkError;
    fn try_from(u: DemographicsUpdate) -> Result<Self, LinkWorkError> {
        use DemographicsField as F;
        let c = &u.clear;
        Ok(lw::DemographicsUpdate {
            given_name: u.given_name,
            family_name: u.family_name,
            date_of_birth: patch(
                "date_of_birth",
                opt_date("date_of_birth", u.date_of_birth)?,
                c,
                F::DateOfBirth,
            )?,
            nhs_number: patch("nhs_number", u.nhs_number, c, F::NhsNumber)?,
            address: patch("address", u.address, c, F::Address)?,
            phone: patch("phone", u.phone, c, F::Phone)?,
            email: patch("email", u.email, c, F::Email)?,
            preferred_contact: patch(
                "preferred_contact",
                u.preferred_contact.map(Into::into),
                c,
                F::PreferredContact,
            )?,
            communication_needs: patch(
                "communication_needs",
                u.communication_needs,
                c,
                F::CommunicationNeeds,
            )?,
            gp_codes_only: u.gp_codes_only,
        })
    }
}

/// A person's full record in one call: the case (absent on a patient's own store), the plan,
/// and the fields devices set concurrently.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PersonRecord {
    /// The person's id.
    pub person_id: String,
    /// The case document, when this store holds it (link-worker stores).
    pub case_record: Option<CaseRecord>,
    /// The plan document.
    pub plan: Plan,
    /// Fields of either document that devices set concurrently (empty almost always). The
    /// record shows one value of each; show the conflict and let the user pick, which is a new
    /// edit of the field (e.g. `updateGoal`) and resolves it everywhere after the next sync.
    pub conflicts: Vec<FieldConflict>,
}

impl From<lw::PersonRecord> for PersonRecord {
    fn from(r: lw::PersonRecord) -> Self {
        PersonRecord {
            person_id: r.person_id.to_string(),
            case_record: r.case.map(Into::into),
            plan: r.plan.into(),
            conflicts: list(r.conflicts),
        }
    }
}

/// One row of the caseload list (read from index tables; no document is loaded).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct CaseloadEntry {
    /// The person's id.
    pub person_id: String,
    /// Given name (absent on a patient store).
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// NHS number.
    pub nhs_number: Option<String>,
    /// Current episode status.
    pub status: Option<EpisodeStatus>,
    /// The earliest due date of an open step, `YYYY-MM-DD`.
    pub next_step_due: Option<String>,
    /// Number of active goals.
    pub active_goals: u32,
    /// Number of open onward referrals.
    pub open_onward_referrals: u32,
    /// When either of the person's documents last changed on this device.
    pub updated_at: std::time::SystemTime,
}

impl From<lw::CaseloadEntry> for CaseloadEntry {
    fn from(e: lw::CaseloadEntry) -> Self {
        CaseloadEntry {
            person_id: e.person_id.to_string(),
            given_name: e.given_name,
            family_name: e.family_name,
            date_of_birth: opt_date_text(e.date_of_birth),
            nhs_number: e.nhs_number,
            status: e.status.map(Into::into),
            next_step_due: e.next_step_due.map(date_text),
            active_goals: e.active_goals,
            open_onward_referrals: e.open_onward_referrals,
            updated_at: instant(e.updated_at),
        }
    }
}

/// Filters for the caseload list; every set field must match (an empty query lists everyone).
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct CaseloadQuery {
    /// Matches the start of the given or family name, or of "given family", case-insensitively,
    /// or the NHS number's digits (spaces ignored).
    #[uniffi(default)]
    pub text: Option<String>,
    /// Only people whose current episode has this status.
    #[uniffi(default)]
    pub status: Option<EpisodeStatus>,
    /// At most this many rows.
    #[uniffi(default)]
    pub limit: Option<u32>,
}

impl From<CaseloadQuery> for lw::CaseloadQuery {
    fn from(q: CaseloadQuery) -> Self {
        lw::CaseloadQuery {
            text: q.text,
            status: q.status.map(Into::into),
            limit: q.limit,
        }
    }
}
