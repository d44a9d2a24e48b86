//! FHIR R4 export of one person's record as a JSON Bundle (type `collection`).
//!
//! Every resource has the fullUrl `urn:uuid:<id>` and refers to others by that URN; ids are
//! our item ids, or derived from them deterministically (the CarePlan from the person, the
//! referral ServiceRequest from its episode, score Observations from their response), so two
//! exports of the same record carry the same resource ids. References that name something
//! outside the bundle (a link worker, a community service, a referrer) are display-only.
//!
//! | our record | FHIR R4 | case data |
//! |---|---|---|
//! | person and demographics | `Patient` (NHS number with system [`NHS_NUMBER_SYSTEM`]) | address and telecom only |
//! | episode | `EpisodeOfCare` (status mapped, exact state in an extension) | yes |
//! | referral | `ServiceRequest` coded SNOMED CT 871731000000106 | yes |
//! | a declined episode | `Observation` coded SNOMED CT 871711000000103 "Social prescribing declined (situation)", `basedOn` the referral, the coded decline reason as value | yes |
//! | plan, steps | `CarePlan` (intent `plan`, what matters as description, steps as activities) | no |
//! | goals | `Goal` (description = the person's words, lifecycle and achievement status) | no |
//! | onward referrals | `ServiceRequest` (performer = service and organisation) | yes |
//! | measure answers | `QuestionnaireResponse` (canonical [`questionnaire_url`]) | no |
//! | measure scores | `Observation` (our code system, `derivedFrom` the response) | no |
//! | consent | `Consent` (privacy scope; a withdrawal is an `active` Consent whose provision is `deny`, and the record it replaces is `inactive`; expiry) | yes |
//! | consultations | `Encounter` (mode as class and type; notes stay on the device) | yes |
//! | risk and safeguarding flags | `Flag` | yes |
//!
//! Contact attempts and case notes are never exported. Without case data the Patient is
//! minimal (identifiers, name, birth date). Codes and extensions of our own live under
//! [`LINKWORK_FHIR_BASE`].

mod case;
mod common;
mod consent;
mod measures;
mod patient;
mod plan;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::ids::Id;
use crate::measures::Instrument;
use crate::model::{gp_sharing_withheld, withheld, PersonRecord, Withheld, GP_SHARING_PURPOSE};

pub use case::{episode_of_care_status, onward_request_status, referral_request_status};
pub use consent::consent_status;
pub use plan::{care_plan_status, goal_statuses};

/// The official identifier system of the NHS number (UK Core).
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// SNOMED CT's system URI.
pub const SNOMED_SYSTEM: &str = "http://snomed.info/sct";
/// The base of linkwork's own canonical URLs (questionnaires, code systems, extensions),
/// documented in `docs/clinical.md` (FHIR). Codes and extensions live here only where no
/// published terminology or UK Core element carries the meaning.
pub const LINKWORK_FHIR_BASE: &str = "https://fhir.linkwork.org.uk";
/// The identifier system of linkwork person ids.
pub const PERSON_ID_SYSTEM: &str = "https://fhir.linkwork.org.uk/Id/person";
/// The UK Core Patient profile, carried in the Patient's `meta.profile`.
pub const UK_CORE_PATIENT: &str = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient";
/// The UK Core extension on the NHS number identifier saying whether it was verified.
pub const NHS_NUMBER_VERIFICATION_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";
/// The code system of NHS number verification status (England).
pub const NHS_NUMBER_VERIFICATION_SYSTEM: &str =
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland";

/// The canonical URL (with version) of our Questionnaire for an instrument definition, e.g.
/// `https://fhir.linkwork.org.uk/Questionnaire/ons4|1`.
pub fn questionnaire_url(instrument: Instrument, version: &str) -> String {
    format!(
        "{LINKWORK_FHIR_BASE}/Questionnaire/{}|{version}",
        instrument.code()
    )
}

/// A FHIR export: the Bundle and what consent kept out of it.
#[derive(Clone, Debug, PartialEq)]
pub struct FhirExport {
    /// The Bundle (JSON).
    pub bundle: Value,
    /// What was left out and why (empty when nothing was).
    pub withheld: Vec<Withheld>,
}

impl FhirExport {
    /// The bundle as pretty-printed JSON text.
    ///
    /// # Errors
    /// [`crate::Error::Schema`] when the bundle cannot be written as JSON (never for a bundle
    /// built here).
    pub fn json(&self) -> crate::Result<String> {
        serde_json::to_string_pretty(&self.bundle)
            .map_err(|_| crate::Error::schema("the FHIR bundle could not be written as JSON"))
    }
}

/// The parts of a bundle that sharing with the GP governs (see [`export`]): the first three
/// are exported without case data too.
const GOVERNED: [&str; 6] = [
    "goals",
    "care-plan",
    "measures",
    "onward-referrals",
    "consultations",
    "flags",
];

/// Builds the Bundle of `record` (see [`export`]).
pub fn bundle(record: &PersonRecord, include_case_data: bool, at: DateTime<Utc>) -> Value {
    export(record, include_case_data, at).bundle
}

/// Builds the Bundle of `record`'s current episode ([`PersonRecord::current_scope`]). Case
/// data (see the module table) is included only when `include_case_data` is true and the
/// record has a case; `at` is the bundle's timestamp and the moment against which consent
/// (withdrawal, expiry) and planned consultations are judged.
///
/// Consent is applied here: when the person asked for codes only or their consent to share
/// with the GP is withdrawn or expired at `at` ([`gp_sharing_withheld`]), the bundle holds
/// only the Patient's identifiers, name and birth date, the episode with its referral and
/// GP codes, and the consent records; goals, the care plan, measures, onward referrals,
/// consultations and flags are left out and listed in [`FhirExport::withheld`].
pub fn export(record: &PersonRecord, include_case_data: bool, at: DateTime<Utc>) -> FhirExport {
    let scoped = record.current_scope();
    let record = &scoped;
    let person = record.person_id;
    let case = record.case.as_ref();
    let decision = case.and_then(|c| gp_sharing_withheld(c, at));
    let allowed = decision.is_none();
    let mut withheld_parts: Vec<&'static str> = Vec::new();
    if !allowed {
        // Only what this export would otherwise have carried is listed.
        withheld_parts.extend(GOVERNED.iter().take(if include_case_data { 6 } else { 3 }));
        if include_case_data {
            withheld_parts.push("contact-details");
        }
    }
    let shared_case = case.filter(|_| include_case_data);
    let mut entries: Vec<Value> = Vec::new();
    let mut push = |id: Id, resource: Value| {
        if let Some(resource) = common::prune(resource) {
            entries.push(common::entry(id, resource));
        }
    };

    push(
        person,
        patient::patient(
            person,
            case.map(|c| &c.demographics),
            include_case_data && allowed,
        ),
    );

    let care_plan_id = common::derived_id(person, common::SALT_CARE_PLAN);
    if let Some(c) = shared_case {
        for e in &c.episodes {
            push(e.id, case::episode_of_care(e, person));
            push(case::referral_id(e.id), case::referral_request(e, person));
            for code in &e.gp_codes {
                if let Some((id, observation)) = case::gp_code_observation(e, code, person) {
                    push(id, observation);
                }
            }
        }
    }
    if !allowed {
        if let Some(c) = shared_case {
            let today = at.date_naive();
            for consent in &c.consents {
                push(
                    consent.id,
                    consent::consent(consent, &c.consents, person, today),
                );
            }
        }
        return FhirExport {
            bundle: finish(entries, at),
            withheld: decision
                .map(|d| withheld(&withheld_parts, d, GP_SHARING_PURPOSE))
                .unwrap_or_default(),
        };
    }

    let onward: Vec<Id> = shared_case
        .map(|c| c.onward_referrals.iter().map(|o| o.id).collect())
        .unwrap_or_default();
    push(
        care_plan_id,
        plan::care_plan(
            care_plan_id,
            &record.plan,
            person,
            case.and_then(|c| c.current_episode()).map(|e| e.status),
            &onward,
        ),
    );
    for g in &record.plan.goals {
        push(g.id, plan::goal(g, person));
    }
    if let Some(c) = shared_case {
        for o in &c.onward_referrals {
            push(o.id, case::onward_request(o, person, care_plan_id));
        }
    }

    for m in &record.plan.measures {
        if m.instrument != Instrument::Pam {
            push(m.id, measures::questionnaire_response(m, person));
        }
        for (id, observation) in measures::observations(m, person) {
            push(id, observation);
        }
    }

    if let Some(c) = shared_case {
        let today = at.date_naive();
        for consent in &c.consents {
            push(
                consent.id,
                consent::consent(consent, &c.consents, person, today),
            );
        }
        for consultation in &c.consultations {
            push(consultation.id, case::encounter(consultation, person, at));
        }
        for flag in &c.flags {
            push(flag.id, case::flag(flag, person));
        }
    }

    FhirExport {
        bundle: finish(entries, at),
        withheld: Vec::new(),
    }
}

fn finish(entries: Vec<Value>, at: DateTime<Utc>) -> Value {
    json!({
        "resourceType": "Bundle",
        "id": Id::new().to_string(),
        "type": "collection",
        "timestamp": common::instant(at),
        "entry": entries
    })
}
