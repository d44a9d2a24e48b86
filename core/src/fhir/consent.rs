//! Consent records as Consent resources.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::common::{code_extension, date, display};
use super::common::{extension_url, instant, reference};
use crate::ids::Id;
use crate::model::{Code, ConsentDecision, ConsentRecord};

/// Consent.status: a record that another supersedes is `inactive`; otherwise a withdrawal is
/// `rejected`, a consent past its expiry date `inactive`, and a consent in force `active`.
pub fn consent_status(c: &ConsentRecord, all: &[ConsentRecord], today: NaiveDate) -> &'static str {
    if all.iter().any(|other| other.supersedes == Some(c.id)) {
        return "inactive";
    }
    match c.decision {
        ConsentDecision::Withdrawn => "rejected",
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
                "reference": display(&c.recipient)
            }],
            "purpose": [{ "display": c.purpose }]
        }
    })
}
