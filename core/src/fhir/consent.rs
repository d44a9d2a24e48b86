//! Consent records as Consent resources.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::common::{code_extension, date, display};
use super::common::{extension_url, instant, reference};
use crate::ids::Id;
use crate::model::{Code, ConsentDecision, ConsentRecord};

/// The identifier system of organisation codes (ODS codes; local ids use the same slot, see
/// `docs/clinical.md`).
const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";

/// Consent.status: a record that another supersedes is `inactive`; otherwise a consent past
/// its expiry date is `inactive`, and both a consent in force and a withdrawal in force are
/// `active`: FHIR R4 records a withdrawal as an active Consent whose provision is `deny`
/// (policy OPTOUT), not as `rejected` (which means the consent was never agreed).
pub fn consent_status(c: &ConsentRecord, all: &[ConsentRecord], today: NaiveDate) -> &'static str {
    if all.iter().any(|other| other.supersedes == Some(c.id)) {
        return "inactive";
    }
    match c.decision {
        ConsentDecision::Withdrawn => "active",
        ConsentDecision::Given if c.expires.is_some_and(|e| e < today) => "inactive",
        ConsentDecision::Given => "active",
    }
}

/// A Consent: privacy scope, the decision as opt-in / opt-out policy rule and provision
/// (permit / deny), the recipient as the provision's actor and the purpose in words.
pub(super) fn consent(
    c: &ConsentRecord,
    all: &[ConsentRecord],
    patient: Id,
    today: NaiveDate,
) -> Value {
    let (rule, provision) = match c.decision {
        ConsentDecision::Given => ("OPTIN", "permit"),
        ConsentDecision::Withdrawn => ("OPTOUT", "deny"),
    };
    let performer = match &c.proxy {
        Some(p) => display(&format!("{} ({})", p.name, p.relationship)),
        None => reference(patient),
    };
    // Only a superseded record that is in this export can be referenced.
    let supersedes = c
        .supersedes
        .filter(|s| all.iter().any(|other| other.id == *s))
        .map(|s| json!({ "url": extension_url("supersedes"), "valueReference": reference(s) }));
    json!({
        "resourceType": "Consent",
        "id": c.id.to_string(),
        "extension": [
            code_extension("consent-method", c.method.code()),
            code_extension("capacity", c.capacity.code()),
            supersedes,
        ],
        "status": consent_status(c, all, today),
        "scope": {
            "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                "code": "patient-privacy",
                "display": "Privacy Consent"
            }]
        },
        "category": [{
            "coding": [{ "system": "http://loinc.org", "code": "59284-0" }],
            "text": "Consent to share information"
        }],
        "patient": reference(patient),
        "dateTime": instant(c.recorded_at),
        "performer": [performer],
        "policyRule": {
            "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": rule }]
        },
        "provision": {
            "type": provision,
            "period": c.expires.map(|e| json!({ "end": date(e) })),
            "actor": [{
                "role": {
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "code": "IRCP",
                        "display": "information recipient"
                    }]
                },
                "reference": match &c.recipient_org {
                    Some(org) => json!({
                        "identifier": { "system": ODS_SYSTEM, "value": org },
                        "display": c.recipient
                    }),
                    None => display(&c.recipient),
                }
            }],
            "purpose": [{ "display": c.purpose }]
        }
    })
}
