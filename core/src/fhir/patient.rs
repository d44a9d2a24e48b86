//! Patient.

use serde_json::{json, Value};

use super::common::date;
use super::{
    NHS_NUMBER_SYSTEM, NHS_NUMBER_VERIFICATION_EXTENSION, NHS_NUMBER_VERIFICATION_SYSTEM,
    PERSON_ID_SYSTEM, UK_CORE_PATIENT,
};
use crate::ids::Id;
use crate::model::{ContactPreference, Demographics};

/// The Patient resource, claiming the UK Core Patient profile. Its NHS number carries the UK
/// Core verification status "02" (number present but not traced): linkwork checks the
/// check digit but does not trace numbers against PDS. Always carries our person id as an
/// identifier; with demographics,
/// the NHS number (official system), name and birth date; with `full`, also address and
/// telecom (the preferred channel ranked first).
pub(super) fn patient(person: Id, demographics: Option<&Demographics>, full: bool) -> Value {
    let mut identifiers = vec![json!({
        "system": PERSON_ID_SYSTEM,
        "value": person.to_string()
    })];
    let Some(d) = demographics else {
        return json!({
            "resourceType": "Patient",
            "id": person.to_string(),
            "meta": { "profile": [UK_CORE_PATIENT] },
            "identifier": identifiers
        });
    };
    if let Some(nhs) = &d.nhs_number {
        identifiers.insert(
            0,
            json!({
                "extension": [{
                    "url": NHS_NUMBER_VERIFICATION_EXTENSION,
                    "valueCodeableConcept": { "coding": [{
                        "system": NHS_NUMBER_VERIFICATION_SYSTEM,
                        "code": "02",
                        "display": "Number present but not traced"
                    }]}
                }],
                "use": "official",
                "system": NHS_NUMBER_SYSTEM,
                "value": nhs.as_str()
            }),
        );
    }
    let mut patient = json!({
        "resourceType": "Patient",
        "id": person.to_string(),
        "meta": { "profile": [UK_CORE_PATIENT] },
        "identifier": identifiers,
        "name": [{
            "use": "official",
            "text": format!("{} {}", d.given_name, d.family_name),
            "family": d.family_name,
            "given": [d.given_name]
        }],
        "birthDate": d.date_of_birth.map(date)
    });
    if full {
        let rank = |p: ContactPreference| (d.preferred_contact == Some(p)).then_some(1);
        let mut telecom = Vec::new();
        if let Some(phone) = &d.phone {
            telecom.push(json!({
                "system": "phone",
                "value": phone,
                "rank": rank(ContactPreference::Phone).or(rank(ContactPreference::Sms))
            }));
        }
        if let Some(email) = &d.email {
            telecom.push(json!({
                "system": "email",
                "value": email,
                "rank": rank(ContactPreference::Email)
            }));
        }
        if let Some(obj) = patient.as_object_mut() {
            obj.insert("telecom".into(), Value::Array(telecom));
            obj.insert(
                "address".into(),
                json!([{ "use": "home", "text": d.address }]),
            );
        }
    }
    patient
}
