//! A person's demographics and the NHS number check.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::code_enum;
use super::episode::NewReferral;
use super::text;
use crate::error::{Error, Result};

/// A validated NHS number: ten digits whose last is the modulus-11 check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Validates an NHS number; spaces and hyphens (as printed on letters) are ignored.
    ///
    /// Check digit: weights 10..2 over the first nine digits, `11 - (sum mod 11)`, 11 becomes 0,
    /// and 10 means the number is invalid. Ten identical digits (`0000000000`,
    /// `1111111111`, ...) pass that check or are placeholders typed to get past a form; they
    /// are refused.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for field `nhs_number` (the number itself is never echoed).
    pub fn parse(value: &str) -> Result<Self> {
        let digits: String = value.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("nhs_number", "must be 10 digits"));
        }
        let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        if d.windows(2).all(|w| w.first() == w.get(1)) {
            return Err(Error::invalid(
                "nhs_number",
                "is a placeholder, not an NHS number",
            ));
        }
        let sum: u32 = d
            .iter()
            .take(9)
            .zip((2..=10).rev())
            .map(|(x, w)| x * w)
            .sum();
        let check = match 11 - (sum % 11) {
            11 => 0,
            10 => return Err(Error::invalid("nhs_number", "is not a valid NHS number")),
            c => c,
        };
        if d.get(9) != Some(&check) {
            return Err(Error::invalid("nhs_number", "check digit does not match"));
        }
        Ok(NhsNumber(digits))
    }

    /// The ten digits without spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

code_enum! {
    /// How the person prefers to be contacted.
    pub enum ContactPreference {
        /// Telephone call.
        Phone => "phone",
        /// Text message.
        Sms => "sms",
        /// Email.
        Email => "email",
        /// Post.
        Letter => "letter",
        /// In person.
        InPerson => "in-person",
    }
}

/// A person's demographics, held in the case document (link-worker only).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Demographics {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// NHS number, when known (people without one are still recordable).
    pub nhs_number: Option<NhsNumber>,
    /// Postal address, free text.
    pub address: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Preferred contact method.
    pub preferred_contact: Option<ContactPreference>,
    /// Communication needs (interpreter, large print, BSL, ...).
    pub communication_needs: Option<String>,
    /// The person objects to sharing with the GP anything beyond the SNOMED CT codes.
    pub gp_codes_only: bool,
    /// Sex, ethnic category, GP practice and PCN for commissioners' reports (each optional;
    /// schema version 3), set with `Store::set_reporting_fields`.
    pub reporting: super::ReportingFields,
}

/// What is needed to add a person to the caseload.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NewPerson {
    /// Given name (required).
    pub given_name: String,
    /// Family name (required).
    pub family_name: String,
    /// Date of birth; mandatory in the information standard, must not be in the future.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub date_of_birth: Option<NaiveDate>,
    /// NHS number text, validated with its check digit.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub nhs_number: Option<String>,
    /// Postal address.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub address: Option<String>,
    /// Telephone number.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phone: Option<String>,
    /// Email address.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub email: Option<String>,
    /// Preferred contact method.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub preferred_contact: Option<ContactPreference>,
    /// Communication needs.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub communication_needs: Option<String>,
    /// The referral that brings the person to the caseload (opens the first episode).
    pub referral: NewReferral,
}

/// A change to demographics: `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct DemographicsUpdate {
    /// New given name.
    pub given_name: Option<String>,
    /// New family name.
    pub family_name: Option<String>,
    /// New date of birth.
    pub date_of_birth: Option<Option<NaiveDate>>,
    /// New NHS number text.
    pub nhs_number: Option<Option<String>>,
    /// New address.
    pub address: Option<Option<String>>,
    /// New phone.
    pub phone: Option<Option<String>>,
    /// New email.
    pub email: Option<Option<String>>,
    /// New preferred contact.
    pub preferred_contact: Option<Option<ContactPreference>>,
    /// New communication needs.
    pub communication_needs: Option<Option<String>>,
    /// New "codes only to the GP" setting.
    pub gp_codes_only: Option<bool>,
}

/// Refuses a date of birth in the future.
///
/// # Errors
/// [`Error::InvalidInput`] for field `date_of_birth`.
pub fn check_date_of_birth(dob: NaiveDate) -> Result<NaiveDate> {
    if dob > text::today() {
        return Err(Error::invalid("date_of_birth", "is in the future"));
    }
    Ok(dob)
}

/// Validated demographics ready to be written (see [`NewPerson`]).
pub(crate) fn validate_new(p: &NewPerson) -> Result<Demographics> {
    Ok(Demographics {
        given_name: text::required("given_name", &p.given_name)?,
        family_name: text::required("family_name", &p.family_name)?,
        date_of_birth: p.date_of_birth.map(check_date_of_birth).transpose()?,
        nhs_number: p.nhs_number.as_deref().map(NhsNumber::parse).transpose()?,
        address: text::optional("address", p.address.as_deref())?,
        phone: text::optional("phone", p.phone.as_deref())?,
        email: text::optional("email", p.email.as_deref())?,
        preferred_contact: p.preferred_contact,
        communication_needs: text::optional(
            "communication_needs",
            p.communication_needs.as_deref(),
        )?,
        gp_codes_only: false,
        reporting: super::ReportingFields::default(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn valid_nhs_numbers_pass() {
        // 943 476 5919 is the NHS's published example number.
        assert_eq!(
            NhsNumber::parse("943 476 5919").unwrap().as_str(),
            "9434765919"
        );
        assert!(NhsNumber::parse("401-023-2137").is_ok());
    }

    #[test]
    fn wrong_check_digit_fails() {
        assert!(NhsNumber::parse("9434765918").is_err());
    }

    #[test]
    fn remainder_ten_is_invalid() {
        // First nine digits summing to a remainder of 1 give check 10: never valid.
        // 1000000010: sum = 1*10 + 1*2 = 12, 12 mod 11 = 1, 11-1 = 10.
        for last in 0..=9 {
            assert!(NhsNumber::parse(&format!("100000001{last}")).is_err());
        }
    }

    #[test]
    fn check_eleven_becomes_zero() {
        // 400000002: sum = 4*10 + 2*2 = 44, 44 mod 11 = 0 -> 11 -> 0.
        assert!(NhsNumber::parse("4000000020").is_ok());
    }

    #[test]
    fn ten_identical_digits_are_refused() {
        // 0000000000 passes the modulus-11 check (sum 0, check 0) but is no one's number.
        for digit in 0..=9 {
            let n = digit.to_string().repeat(10);
            assert!(NhsNumber::parse(&n).is_err(), "{n}");
        }
    }

    #[test]
    fn wrong_length_and_letters_fail() {
        assert!(NhsNumber::parse("943476591").is_err());
        assert!(NhsNumber::parse("94347659190").is_err());
        assert!(NhsNumber::parse("94347659a9").is_err());
    }

    #[test]
    fn future_date_of_birth_refused() {
        let tomorrow = text::today().succ_opt().unwrap();
        assert!(check_date_of_birth(tomorrow).is_err());
        assert!(check_date_of_birth(text::today()).is_ok());
    }

    #[test]
    fn new_person_requires_names() {
        let p = NewPerson {
            given_name: " ".into(),
            family_name: "Smith".into(),
            ..Default::default()
        };
        assert!(matches!(
            validate_new(&p),
            Err(Error::InvalidInput {
                field: "given_name",
                ..
            })
        ));
    }
}
