//! The community services directory: an Open Referral UK (HSDS 3.0) services feed imported
//! from a file, validated record by record, and searched offline (`docs/directory.md`).
//!
//! The directory is reference data, not a person's document: it lives in its own tables
//! (`storage/directory.rs`), carries a [`DirectoryVersion`], and an import replaces it whole in
//! one SQLite transaction or not at all. The rooms:
//! - [`feed`]: reading the untrusted feed (paged `/services` lists or full service records)
//!   into cleaned [`DirectoryService`]s plus a per-record [`DirectoryImportReport`];
//! - `clean`: text cleaning (HTML, control characters, length bounds) and field checks;
//! - [`schedule`]: which days an HSDS schedule is open;
//! - [`search`]: the query, word matching (typo-tolerant), distance and ranking;
//! - [`share`]: the organisation's hub sending its directory to phones (messages, the hub's
//!   answer, the phone's chunked download).
//!
//! A later onward referral names a service by its stable ORUK id ([`DirectoryService::id`])
//! and copies the name it had at referral time, so a newer import that renames or drops the
//! service never changes what the referral said.

mod clean;
pub mod feed;
pub mod schedule;
pub mod search;
pub mod share;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub(crate) use clean::normalise_postcode;
pub use feed::{parse_feed, ParsedFeed};
pub use schedule::{OpenOn, ScheduleRule};
pub use search::{DirectoryHit, DirectoryPage, DirectoryQuery, Near};

/// Largest feed file accepted, in bytes (a 5,000-service feed with full records is ~15 MiB).
pub const MAX_FEED_BYTES: usize = 64 * 1024 * 1024;
/// Most service records read from one feed; a feed with more is refused.
pub const MAX_RECORDS: usize = 20_000;
/// Most entries listed in an import report; further ones are only counted.
pub const MAX_REPORT_ENTRIES: usize = 2_000;

/// One service of the directory as imported: the HSDS 3.0 fields a link worker needs, cleaned
/// (HTML removed, lengths bounded, invalid values dropped). Field names follow HSDS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryService {
    /// The feed's stable service id (HSDS `id`): what a referral stores.
    pub id: String,
    /// The public name of the service.
    pub name: String,
    /// Another name it is known by.
    pub alternate_name: Option<String>,
    /// Plain-text description (HTML tags removed, entities decoded).
    pub description: Option<String>,
    /// The service's web page.
    pub url: Option<String>,
    /// The service's email address.
    pub email: Option<String>,
    /// HSDS status: `active` or `temporarily closed` (defunct and inactive services are not
    /// imported).
    pub status: Option<String>,
    /// How to apply or be referred.
    pub application_process: Option<String>,
    /// Charges, in words.
    pub fees_description: Option<String>,
    /// Who the service is for, in words.
    pub eligibility_description: Option<String>,
    /// Youngest eligible age in years, when the feed says.
    pub minimum_age: Option<u32>,
    /// Oldest eligible age in years, when the feed says.
    pub maximum_age: Option<u32>,
    /// When the feed last changed the record (as given, ISO 8601).
    pub last_modified: Option<String>,
    /// The organisation providing the service.
    pub organization: Option<DirectoryOrganization>,
    /// Where it is delivered (HSDS `service_at_locations[].location`).
    pub locations: Vec<DirectoryLocation>,
    /// When it is open: the service's schedules and those of its service-at-locations.
    pub schedules: Vec<ScheduleRule>,
    /// Named contacts.
    pub contacts: Vec<DirectoryContact>,
    /// The service's phone numbers.
    pub phones: Vec<DirectoryPhone>,
    /// Taxonomy terms from the service's attributes (needs, circumstances, service types).
    pub taxonomy_terms: Vec<TaxonomyTerm>,
    /// Prices (HSDS `cost_options`).
    pub cost_options: Vec<CostOption>,
}

/// The organisation behind a service (HSDS `organization`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryOrganization {
    /// The feed's organisation id, when given.
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// Plain-text description.
    pub description: Option<String>,
    /// Its web site.
    pub website: Option<String>,
    /// Its email address.
    pub email: Option<String>,
}

/// A place a service is delivered at (HSDS `location` with its first address).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryLocation {
    /// The feed's location id, when given.
    pub id: Option<String>,
    /// The location's name.
    pub name: Option<String>,
    /// WGS84 latitude; absent when the feed gave none or one out of range.
    pub latitude: Option<f64>,
    /// WGS84 longitude; absent when the feed gave none or one out of range.
    pub longitude: Option<f64>,
    /// The address on one line (`address_1`, `address_2`, `city`), when given.
    pub address: Option<String>,
    /// The postcode as the feed wrote it (`postal_code`).
    pub postcode: Option<String>,
}

/// A named contact of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryContact {
    /// The contact's name.
    pub name: Option<String>,
    /// Their role.
    pub title: Option<String>,
    /// Their email address.
    pub email: Option<String>,
    /// Their phone numbers.
    pub phones: Vec<DirectoryPhone>,
}

/// A phone number (HSDS `phone`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryPhone {
    /// The number as given.
    pub number: String,
    /// HSDS phone type (`voice`, `text`, ...).
    pub kind: Option<String>,
    /// What the number is for.
    pub description: Option<String>,
}

/// A taxonomy term attached to a service (HSDS `attributes[].taxonomy_term`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaxonomyTerm {
    /// The term's id, when given.
    pub id: Option<String>,
    /// The term's code in its taxonomy, when given.
    pub code: Option<String>,
    /// The term's name (what `--need` matches, with the code and id).
    pub name: String,
    /// The taxonomy's name (e.g. `esdNeeds`), when given.
    pub taxonomy: Option<String>,
}

/// One price of a service (HSDS `cost_option`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CostOption {
    /// Who or what the price applies to.
    pub option: Option<String>,
    /// The amount.
    pub amount: Option<f64>,
    /// ISO 4217 currency code as given (e.g. `GBP`).
    pub currency: Option<String>,
    /// What the amount buys (e.g. `per session`).
    pub amount_description: Option<String>,
}

/// Which directory a store holds: where it came from, how new it is, when it was imported and
/// a SHA-256 of its cleaned content (equal hashes mean the same directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryVersion {
    /// The label the importer gave the feed (e.g. its file name or URL).
    pub source: String,
    /// The newest `last_modified` among the imported services, when any had one.
    pub feed_date: Option<String>,
    /// When this store imported it.
    pub imported_at: DateTime<Utc>,
    /// Lower-case hex SHA-256 of the cleaned services.
    pub content_hash: String,
    /// How many services it holds.
    pub services: i32,
}

/// What an import did with the store's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DirectoryImportOutcome {
    /// The feed's services replaced the directory.
    Replaced,
    /// The feed held exactly the directory already stored; nothing was written.
    Unchanged,
}

/// What was wrong with one record (or one field of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FeedIssueKind {
    /// The record is not a JSON object.
    NotAnObject,
    /// A required field (`id`, `name`) is missing or empty.
    Missing,
    /// A second record with an id already seen.
    DuplicateId,
    /// A field has the wrong JSON type.
    WrongType,
    /// A value is out of range or malformed (coordinates, ages, dates, days).
    InvalidValue,
    /// HTML markup was removed from a text field.
    Html,
    /// A field longer than its limit was cut (text) or dropped (ids).
    TooLong,
    /// A list longer than its limit was cut.
    TooMany,
    /// A taxonomy term from a taxonomy this build does not know; it is kept.
    UnknownTaxonomy,
    /// The service is defunct or inactive.
    Inactive,
    /// The feed itself, not one record: e.g. a single page of a longer list.
    Feed,
}

/// What the import did about an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FeedIssueAction {
    /// The whole record was left out.
    Skipped,
    /// The field was left out; the record was imported.
    FieldDropped,
    /// The field was cleaned or shortened; the record was imported.
    Cleaned,
    /// Imported as given; for information.
    Kept,
}

/// One entry of an import report: which record (its position in the feed, from 0, and its id
/// when it had one), which field, what was wrong and what the import did. Never contains the
/// field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FeedIssue {
    /// Position of the record in the feed (counting across pages), or `None` for the feed.
    pub index: Option<i32>,
    /// The record's id, when it had a usable one.
    pub service_id: Option<String>,
    /// The field, as an HSDS path (e.g. `service_at_locations[0].location.latitude`).
    pub field: String,
    /// What was wrong.
    pub kind: FeedIssueKind,
    /// What the import did.
    pub action: FeedIssueAction,
}

/// The result of an import: the version now stored and every problem met, record by record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryImportReport {
    /// Whether the directory was replaced.
    pub outcome: DirectoryImportOutcome,
    /// The directory now on the store.
    pub version: DirectoryVersion,
    /// Service records read from the feed.
    pub records: i32,
    /// Services imported.
    pub imported: i32,
    /// Records left out.
    pub skipped: i32,
    /// The problems, in feed order (at most [`MAX_REPORT_ENTRIES`]).
    pub issues: Vec<FeedIssue>,
    /// Problems found beyond [`MAX_REPORT_ENTRIES`], counted only.
    pub issues_not_listed: i32,
}

/// Why a whole feed was refused. The directory already stored is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The file is larger than [`MAX_FEED_BYTES`].
    #[error("the feed is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The file is not JSON (or not UTF-8).
    #[error("the feed is not JSON")]
    NotJson,
    /// The JSON is not an ORUK / HSDS services feed.
    #[error("not an Open Referral services feed: {reason}")]
    NotOpenReferral {
        /// What was found instead (structure only).
        reason: String,
    },
    /// More than [`MAX_RECORDS`] service records.
    #[error("the feed has more than {limit} service records")]
    TooManyRecords {
        /// The limit.
        limit: usize,
    },
    /// Not one record was a valid service; `records` were read.
    #[error("no valid service in the feed ({records} records read)")]
    NoValidService {
        /// Records read.
        records: u32,
    },
    /// The feed is older than the directory on the store (by its newest `last_modified`).
    #[error("the feed is older than the directory already stored")]
    Older,
}

#[cfg(test)]
mod tests;
