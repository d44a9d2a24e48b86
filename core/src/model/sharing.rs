//! Consent at the point of sharing: which consent governs an output, how recipients match,
//! and the "withheld" list an output carries for what it left out.
//!
//! Rules (also in `docs/clinical.md`):
//! * a consent record names a **purpose** and a **recipient organisation** (an organisation
//!   id: ODS code where one exists, otherwise a local id, with its name). Two records are for
//!   the same recipient when both carry an organisation id and the ids are equal ignoring
//!   case; otherwise (a record from before recipients were coded) when the names are equal
//!   ignoring case and runs of spaces. Purposes compare the same way;
//! * the summary that goes to the GP (needs, goals, onward referrals, measure change,
//!   consultations) and the person's case data in a FHIR export are governed by consent for
//!   the purpose [`GP_SHARING_PURPOSE`] (any recipient: the person's registered practice).
//!   Sharing with the person's own GP for their direct care rests on implied consent, so it
//!   is withheld when the latest such record is withdrawn or has expired, or when the person
//!   asked for codes only ([`super::Demographics::gp_codes_only`]); with no record at all it
//!   is shared;
//! * what is left out is listed, never silently dropped: [`Withheld`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{CaseRecord, ConsentDecision, ConsentRecord};
use crate::error::{Error, Result};

/// The purpose of consent to share the summary and case data with the person's GP.
pub const GP_SHARING_PURPOSE: &str = "gp-summary";

/// A name or purpose as compared: lower case, runs of white space as one space, trimmed.
pub fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether two consent records are for the same recipient (see the module rules).
pub fn same_recipient(
    a_org: Option<&str>,
    a_name: &str,
    b_org: Option<&str>,
    b_name: &str,
) -> bool {
    match (a_org, b_org) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => normalise(a_name) == normalise(b_name),
    }
}

/// Checks an organisation id: 1 to 64 ASCII letters, digits or hyphens (an ODS code such as
/// `Y02727`, or a local id such as `LOCAL-CAB-NORTH`); returned upper-cased.
///
/// # Errors
/// [`Error::InvalidInput`] for field `recipient_org`.
pub fn organisation_id(id: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::invalid(
            "recipient_org",
            "must be an ODS code or local id: 1 to 64 letters, digits or hyphens",
        ));
    }
    Ok(id.to_ascii_uppercase())
}

/// Why something was left out of an output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum WithholdReason {
    /// The person asked that the GP receive SNOMED CT codes only.
    CodesOnly,
    /// The person withdrew consent for this purpose (on `since`).
    ConsentWithdrawn,
    /// The consent for this purpose expired (on `since`).
    ConsentExpired,
    /// No consent to share with this recipient is in force.
    NoConsent,
}

/// One part of a record left out of an output, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Withheld {
    /// What was left out: `needs`, `goals`, `onward-referrals`, `measures`,
    /// `consultations`, `flags`, `contact-details`, `discharge-reason`.
    pub what: &'static str,
    /// Why.
    pub reason: WithholdReason,
    /// The purpose whose consent decided it.
    pub purpose: String,
    /// When the consent was withdrawn or expired (`None` for codes only).
    pub since: Option<NaiveDate>,
}

impl std::fmt::Display for Withheld {
    /// "goals — consent to share with GP withdrawn on 2026-11-20".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let on = self.since.map(|d| format!(" on {d}")).unwrap_or_default();
        match self.reason {
            WithholdReason::CodesOnly => {
                write!(
                    f,
                    "{} — the person asked that the GP receive codes only",
                    self.what
                )
            }
            WithholdReason::ConsentWithdrawn => {
                write!(
                    f,
                    "{} — consent for {} withdrawn{on}",
                    self.what, self.purpose
                )
            }
            WithholdReason::ConsentExpired => {
                write!(
                    f,
                    "{} — consent for {} expired{on}",
                    self.what, self.purpose
                )
            }
            WithholdReason::NoConsent => write!(
                f,
                "{} — no consent in force to share with {}",
                self.what, self.purpose
            ),
        }
    }
}

/// The latest consent record for `purpose` (any recipient), by the supersession rules of
/// [`CaseRecord::consents_in_force`], ignoring decision and expiry.
fn latest_for<'a>(case: &'a CaseRecord, purpose: &str) -> Option<&'a ConsentRecord> {
    let superseded: Vec<_> = case
        .consents
        .iter()
        .filter_map(|c| c.supersedes)
        .chain(case.newer_items.iter().filter_map(|n| n.supersedes))
        .collect();
    case.consents
        .iter()
        .filter(|c| !superseded.contains(&c.id))
        .filter(|c| normalise(&c.purpose) == normalise(purpose))
        .max_by_key(|c| (c.recorded_at, c.id))
}

/// Whether sharing with the GP for direct care is withheld at `now`, and why: codes only
/// first, then the latest [`GP_SHARING_PURPOSE`] record withdrawn or expired.
pub fn gp_sharing_withheld(
    case: &CaseRecord,
    now: DateTime<Utc>,
) -> Option<(WithholdReason, Option<NaiveDate>)> {
    if case.demographics.gp_codes_only {
        return Some((WithholdReason::CodesOnly, None));
    }
    let latest = latest_for(case, GP_SHARING_PURPOSE)?;
    match latest.decision {
        ConsentDecision::Withdrawn => Some((
            WithholdReason::ConsentWithdrawn,
            Some(latest.recorded_at.date_naive()),
        )),
        ConsentDecision::Given => latest
            .expires
            .filter(|e| *e < now.date_naive())
            .map(|e| (WithholdReason::ConsentExpired, Some(e))),
    }
}

/// The withheld entries for `parts` under one decision.
pub fn withheld(
    parts: &[&'static str],
    (reason, since): (WithholdReason, Option<NaiveDate>),
    purpose: &str,
) -> Vec<Withheld> {
    parts
        .iter()
        .map(|what| Withheld {
            what,
            reason,
            purpose: purpose.to_string(),
            since,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_match_by_org_id_else_by_name_ignoring_case_and_spaces() {
        assert!(same_recipient(
            None,
            "Citizens Advice",
            None,
            " citizens  advice"
        ));
        assert!(same_recipient(
            Some("y02727"),
            "CAB",
            Some("Y02727"),
            "Citizens Advice"
        ));
        assert!(!same_recipient(
            Some("Y02727"),
            "CAB",
            Some("Y02728"),
            "CAB"
        ));
        assert!(same_recipient(
            Some("Y02727"),
            "Citizens Advice",
            None,
            "citizens advice"
        ));
    }

    #[test]
    fn organisation_ids_are_checked_and_upper_cased() {
        assert_eq!(organisation_id(" y02727 ").ok().as_deref(), Some("Y02727"));
        assert!(organisation_id("").is_err());
        assert!(organisation_id("has space").is_err());
        assert!(organisation_id(&"A".repeat(65)).is_err());
    }
}
