//! Patient.

use serde_json::{json, Value};

use super::common::date;
use super::{NHS_NUMBER_SYSTEM, PERSON_ID_SYSTEM};
use crate::ids::Id;
use crate::model::{ContactPreference, Demographics};

/// The Patient resource. Always carries our person id as an identifier; with demographics,
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
            "identifier": identifiers
        });
    };
    if let Some(nhs) = &d.nhs_number {
        identifiers.insert(
            0,
            json!({ "use": "official", "system": NHS_NUMBER_SYSTEM, "value": nhs.as_str() }),
        );
    }
    let mut patient = json!({
        "resourceType": "Patient",
        "id": person.to_string(),
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
