//! The optional fields commissioners' reports break down by: sex, ethnic category (NHS Data
//! Dictionary), registered GP practice and primary care network. Each may be absent and is
//! then reported as "not stated".

use serde::Serialize;

use super::code_enum;
use crate::error::{Error, Result};

/// How an absent reporting field is shown in reports.
pub const NOT_STATED: &str = "not-stated";

code_enum! {
    /// The person's sex as they state it (NHS Data Dictionary "Person Stated Gender" values,
    /// as codes).
    pub enum Sex {
        /// Female.
        Female => "female",
        /// Male.
        Male => "male",
        /// Neither male nor female, or another description.
        Other => "other",
        /// The person chose not to say (reported apart from "not stated", which means never
        /// asked).
        PreferNotToSay => "prefer-not-to-say",
    }
}

code_enum! {
    /// The person's ethnic category: the NHS Data Dictionary ETHNIC CATEGORY (2001 census)
    /// letter codes, `Z` meaning the person was asked and did not state one.
    pub enum EthnicCategory {
        /// White: British.
        WhiteBritish => "A",
        /// White: Irish.
        WhiteIrish => "B",
        /// White: any other White background.
        WhiteOther => "C",
        /// Mixed: White and Black Caribbean.
        MixedWhiteBlackCaribbean => "D",
        /// Mixed: White and Black African.
        MixedWhiteBlackAfrican => "E",
        /// Mixed: White and Asian.
        MixedWhiteAsian => "F",
        /// Mixed: any other mixed background.
        MixedOther => "G",
        /// Asian or Asian British: Indian.
        AsianIndian => "H",
        /// Asian or Asian British: Pakistani.
        AsianPakistani => "J",
        /// Asian or Asian British: Bangladeshi.
        AsianBangladeshi => "K",
        /// Asian or Asian British: any other Asian background.
        AsianOther => "L",
        /// Black or Black British: Caribbean.
        BlackCaribbean => "M",
        /// Black or Black British: African.
        BlackAfrican => "N",
        /// Black or Black British: any other Black background.
        BlackOther => "P",
        /// Other ethnic groups: Chinese.
        Chinese => "R",
        /// Other ethnic groups: any other ethnic group.
        OtherGroup => "S",
        /// Not stated: asked, and the person chose not to say.
        NotStated => "Z",
    }
}

/// The optional reporting fields of a person, held in the case document's demographics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReportingFields {
    /// Sex as stated by the person.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub sex: Option<Sex>,
    /// Ethnic category (NHS Data Dictionary letter code).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub ethnicity: Option<EthnicCategory>,
    /// The registered GP practice's ODS code (e.g. `B82005`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub gp_practice: Option<String>,
    /// The primary care network's ODS code (e.g. `U12345`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub pcn: Option<String>,
}

impl ReportingFields {
    /// Checks the practice and PCN codes and returns the fields with the codes upper-cased.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `gp_practice` or `pcn`) for a code that is empty, longer
    /// than 12 characters, or holds anything but ASCII letters, digits and `-`.
    pub fn validated(self) -> Result<ReportingFields> {
        Ok(ReportingFields {
            gp_practice: ods_code("gp_practice", self.gp_practice)?,
            pcn: ods_code("pcn", self.pcn)?,
            ..self
        })
    }
}

/// An ODS-style organisation code: 1 to 12 ASCII letters, digits or `-`, upper-cased.
fn ods_code(field: &'static str, value: Option<String>) -> Result<Option<String>> {
    let Some(v) = value else {
        return Ok(None);
    };
    let v = v.trim().to_ascii_uppercase();
    if v.is_empty() || v.len() > 12 {
        return Err(Error::invalid(field, "must be 1 to 12 characters"));
    }
    if !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::invalid(field, "must be letters, digits or -"));
    }
    Ok(Some(v))
}

/// The age band of a person aged `years` (whole years) for equality reports: `0-17`,
/// `18-24`, then ten-year bands to `75-84`, and `85+`.
pub fn age_band(years: u32) -> &'static str {
    match years {
        0..=17 => "0-17",
        18..=24 => "18-24",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        65..=74 => "65-74",
        75..=84 => "75-84",
        _ => "85+",
    }
}

/// Every age band of [`age_band`], in order, then [`NOT_STATED`].
pub const AGE_BANDS: [&str; 10] = [
    "0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+", NOT_STATED,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Code;

    #[test]
    fn practice_codes_are_checked_and_upper_cased() {
        let f = ReportingFields {
            gp_practice: Some(" b82005 ".into()),
            pcn: Some("U-123".into()),
            ..Default::default()
        }
        .validated()
        .unwrap();
        assert_eq!(f.gp_practice.as_deref(), Some("B82005"));
        assert_eq!(f.pcn.as_deref(), Some("U-123"));
        for bad in ["", "B82 005", "B82005B82005X", "B8;2"] {
            let r = ReportingFields {
                gp_practice: Some(bad.into()),
                ..Default::default()
            }
            .validated();
            assert!(
                matches!(
                    r,
                    Err(Error::InvalidInput {
                        field: "gp_practice",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        let r = ReportingFields {
            pcn: Some("x y".into()),
            ..Default::default()
        }
        .validated();
        assert!(matches!(r, Err(Error::InvalidInput { field: "pcn", .. })));
    }

    #[test]
    fn ethnic_categories_use_the_data_dictionary_letters() {
        assert_eq!(
            EthnicCategory::from_code("A"),
            Some(EthnicCategory::WhiteBritish)
        );
        assert_eq!(
            EthnicCategory::from_code("Z"),
            Some(EthnicCategory::NotStated)
        );
        // The Data Dictionary skips I, O and Q.
        for gap in ["I", "O", "Q"] {
            assert_eq!(EthnicCategory::from_code(gap), None);
        }
        assert_eq!(EthnicCategory::ALL.len(), 17);
    }

    #[test]
    fn age_bands_have_edges_where_stated() {
        assert_eq!(age_band(17), "0-17");
        assert_eq!(age_band(18), "18-24");
        assert_eq!(age_band(24), "18-24");
        assert_eq!(age_band(25), "25-34");
        assert_eq!(age_band(84), "75-84");
        assert_eq!(age_band(85), "85+");
        assert!(AGE_BANDS.contains(&age_band(40)));
    }
}
