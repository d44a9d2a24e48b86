//! People: demographics, the caseload list and a person's whole record.
//!
//! Mirrored here: `DemographicsUpdate` (core's `Option<Option<T>>` becomes a value plus a
//! `clear` list) and `PersonRecord` (it holds the mirrored plan and case records).

use chrono::NaiveDate;
use linkwork_core::model as lw;

use super::*;
use crate::convert::list;
use crate::LinkWorkError;

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
    /// New date of birth.
    #[uniffi(default)]
    pub date_of_birth: Option<NaiveDate>,
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
            date_of_birth: patch("date_of_birth", u.date_of_birth, c, F::DateOfBirth)?,
            nhs_number: patch("nhs_number", u.nhs_number, c, F::NhsNumber)?,
            address: patch("address", u.address, c, F::Address)?,
            phone: patch("phone", u.phone, c, F::Phone)?,
            email: patch("email", u.email, c, F::Email)?,
            preferred_contact: patch(
                "preferred_contact",
                u.preferred_contact,
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
