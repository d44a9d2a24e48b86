//! Items written by a newer app version with codes this build does not know.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::Id;

/// An item this build leaves out of what it reads because it carries a code (a status, a
/// mode, an instrument, ...) that only a newer version of linkwork knows.
///
/// The document keeps the item untouched and sync carries it on; an edit addressed to it fails
/// with [`crate::Error::NewerVersion`]. An app can say "N items need a newer version of the
/// app" instead of pretending they do not exist.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewerItem {
    /// The item's kind: `goal`, `step`, `measure`, `episode`, `contact-attempt`, `consent`,
    /// `consultation`, `onward-referral`, `flag`, `status-change` (an episode's history entry)
    /// or `onward-change` (an onward referral's history entry).
    pub kind: &'static str,
    /// The item's id.
    pub id: Id,
    /// When it was created, opened or recorded, if this build can read that key.
    pub at: Option<DateTime<Utc>>,
    /// For a consent record: the record it supersedes, which is then not in force either.
    pub supersedes: Option<Id>,
    /// A hash of the item's whole content (keys and values, nested objects included), so a
    /// change to the item can be detected without reading it. Not stable across builds.
    #[serde(skip)]
    pub(crate) fingerprint: u64,
}
