//! Key names and schema identifiers of the documents (see `docs/schema.md`).

/// The `schema` value at the root of a plan document.
pub const PLAN_SCHEMA: &str = "linkwork.plan";
/// The `schema` value at the root of a case document.
pub const CASE_SCHEMA: &str = "linkwork.case";
/// The schema version this build writes. Versions only add keys; a breaking change gets a new
/// `schema` name instead, which older builds refuse.
///
/// Version 2 adds a consent record's `recipient_org` and an episode's `decline_reason` and
/// `redirect_reason`, and scopes every item to an episode by rule (see `docs/schema.md`).
/// Version 3 adds an onward referral's `service_id` and the demographics' `sex`,
/// `ethnicity`, `gp_practice` and `pcn`.
pub const SCHEMA_VERSION: u64 = 3;

pub(crate) const SCHEMA: &str = "schema";
pub(crate) const VERSION: &str = "schema_version";
pub(crate) const PERSON: &str = "person_id";

// plan document
pub(crate) const WHAT_MATTERS: &str = "what_matters";
pub(crate) const REVIEW_DATE: &str = "review_date";
pub(crate) const NEEDS: &str = "needs";
pub(crate) const GOALS: &str = "goals";
pub(crate) const STEPS: &str = "steps";
pub(crate) const MEASURES: &str = "measures";
pub(crate) const PROGRESS: &str = "progress";
pub(crate) const PLAN_COLLECTIONS: [&str; 4] = [NEEDS, GOALS, STEPS, MEASURES];

// case document
pub(crate) const DEMOGRAPHICS: &str = "demographics";
pub(crate) const EPISODES: &str = "episodes";
pub(crate) const GP_CODES: &str = "gp_codes";
pub(crate) const CONTACT_ATTEMPTS: &str = "contact_attempts";
pub(crate) const CONSENTS: &str = "consents";
pub(crate) const CONSULTATIONS: &str = "consultations";
pub(crate) const ONWARD: &str = "onward_referrals";
pub(crate) const FLAGS: &str = "flags";
pub(crate) const NOTES: &str = "notes";
pub(crate) const HISTORY: &str = "history";
pub(crate) const CASE_COLLECTIONS: [&str; 8] = [
    EPISODES,
    GP_CODES,
    CONTACT_ATTEMPTS,
    CONSENTS,
    CONSULTATIONS,
    ONWARD,
    FLAGS,
    NOTES,
];
