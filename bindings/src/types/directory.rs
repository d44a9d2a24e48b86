//! The community services directory (Open Referral UK / HSDS 3.0): a service's full record,
//! the directory's version, the import report and search queries and results. Reference data,
//! not a person's record: ids here are the feed's own (any text), not UUIDs.

use std::time::SystemTime;

use linkwork_core::directory as d;

use super::mirror_enum;
use crate::convert::{instant, list, opt_date_text};
use crate::LinkWorkError;

/// One service of the directory with its organisation, locations, schedules, contacts,
/// phones, taxonomy terms and prices, as imported (HTML removed, invalid values dropped). A
/// referral keeps `id` (stable across imports) and the `name` at referral time.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct DirectoryService {
    /// The feed's stable service id.
    pub id: String,
    /// The public name.
    pub name: String,
    /// Another name it is known by.
    pub alternate_name: Option<String>,
    /// Plain-text description.
    pub description: Option<String>,
    /// Web page.
    pub url: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// HSDS status (`active`, `temporarily closed`).
    pub status: Option<String>,
    /// How to apply or be referred.
    pub application_process: Option<String>,
    /// Charges, in words.
    pub fees_description: Option<String>,
    /// Who it is for, in words.
    pub eligibility_description: Option<String>,
    /// Youngest eligible age in years.
    pub minimum_age: Option<u32>,
    /// Oldest eligible age in years.
    pub maximum_age: Option<u32>,
    /// When the feed last changed it (ISO 8601 text, UTC).
    pub last_modified: Option<String>,
    /// The providing organisation.
    pub organization: Option<DirectoryOrganization>,
    /// Where it is delivered.
    pub locations: Vec<DirectoryLocation>,
    /// When it is open.
    pub schedules: Vec<DirectorySchedule>,
    /// Named contacts.
    pub contacts: Vec<DirectoryContact>,
    /// The service's phone numbers.
    pub phones: Vec<DirectoryPhone>,
    /// Needs, circumstances and service types it is tagged with.
    pub taxonomy_terms: Vec<TaxonomyTerm>,
    /// Prices.
    pub cost_options: Vec<CostOption>,
}

/// The organisation behind a service.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DirectoryOrganization {
    /// The feed's organisation id.
    pub id: Option<String>,
    /// Its name.
    pub name: String,
    /// Plain-text description.
    pub description: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Email address.
    pub email: Option<String>,
}

/// A place a service is delivered at.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct DirectoryLocation {
    /// The feed's location id.
    pub id: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// WGS84 latitude (absent when the feed gave none or an invalid one).
    pub latitude: Option<f64>,
    /// WGS84 longitude.
    pub longitude: Option<f64>,
    /// The address on one line.
    pub address: Option<String>,
    /// The postcode as written in the feed.
    pub postcode: Option<String>,
}

/// An opening schedule (HSDS RRULE fields).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DirectorySchedule {
    /// `WEEKLY` or `MONTHLY`.
    pub freq: Option<String>,
    /// Every how many weeks or months.
    pub interval: Option<u32>,
    /// Days, e.g. `TU,TH` or `2MO`.
    pub byday: Option<String>,
    /// Days of the month, e.g. `1,15`.
    pub bymonthday: Option<String>,
    /// First occurrence, `YYYY-MM-DD`.
    pub dtstart: Option<String>,
    /// First valid day, `YYYY-MM-DD`.
    pub valid_from: Option<String>,
    /// Last valid day, `YYYY-MM-DD`.
    pub valid_to: Option<String>,
    /// Opening time as given.
    pub opens_at: Option<String>,
    /// Closing time as given.
    pub closes_at: Option<String>,
    /// The feed's words about it.
    pub description: Option<String>,
}

/// A named contact.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DirectoryContact {
    /// Name.
    pub name: Option<String>,
    /// Role.
    pub title: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone numbers.
    pub phones: Vec<DirectoryPhone>,
}

/// A phone number.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DirectoryPhone {
    /// The number as given.
    pub number: String,
    /// HSDS phone type (`voice`, `text`, ...).
    pub kind: Option<String>,
    /// What it is for.
    pub description: Option<String>,
}

/// A taxonomy term (need, circumstance, service type).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TaxonomyTerm {
    /// Term id.
    pub id: Option<String>,
    /// Code in its taxonomy.
    pub code: Option<String>,
    /// Name.
    pub name: String,
    /// The taxonomy's name (e.g. `esdNeeds`).
    pub taxonomy: Option<String>,
}

/// A price.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CostOption {
    /// Who or what it applies to.
    pub option: Option<String>,
    /// Amount.
    pub amount: Option<f64>,
    /// Currency code (e.g. `GBP`).
    pub currency: Option<String>,
    /// What the amount buys.
    pub amount_description: Option<String>,
}

/// Which directory a store holds.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DirectoryVersion {
    /// The label given at import (e.g. the file name).
    pub source: String,
    /// The newest `last_modified` among its services.
    pub feed_date: Option<String>,
    /// When it was imported.
    pub imported_at: SystemTime,
    /// Lower-case hex SHA-256 of the cleaned services (equal means same content).
    pub content_hash: String,
    /// How many services it holds.
    pub services: u32,
}

mirror_enum! {
    /// What an import did with the store's directory.
    pub enum DirectoryImportOutcome = d::DirectoryImportOutcome {
        /// The feed replaced the directory.
        Replaced,
        /// Same content as stored: nothing written.
        Unchanged,
    }
}

mirror_enum! {
    /// What was wrong with a record or field of a feed.
    pub enum FeedIssueKind = d::FeedIssueKind {
        /// Not a JSON object.
        NotAnObject,
        /// A required field (`id`, `name`) missing or empty.
        Missing,
        /// An id already seen earlier in the feed.
        DuplicateId,
        /// Wrong JSON type.
        WrongType,
        /// Out of range or malformed (coordinates, ages, dates, days).
        InvalidValue,
        /// HTML removed.
        Html,
        /// Too long: text cut, ids dropped.
        TooLong,
        /// A list cut to its limit.
        TooMany,
        /// A term of an unknown taxonomy (kept).
        UnknownTaxonomy,
        /// A defunct or inactive service.
        Inactive,
        /// About the feed, not a record (e.g. only one page of several).
        Feed,
    }
}

mirror_enum! {
    /// What an import did about an issue.
    pub enum FeedIssueAction = d::FeedIssueAction {
        /// The record was left out.
        Skipped,
        /// The field was left out.
        FieldDropped,
        /// The field was cleaned or shortened.
        Cleaned,
        /// Kept as given.
        Kept,
    }
}

/// One problem of an import: which record (position from 0 and id), which field, what and
/// what was done. Never the field's value.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FeedIssue {
    /// Position of the record in the feed, or `None` for the feed itself.
    pub index: Option<u32>,
    /// The record's id, when usable.
    pub service_id: Option<String>,
    /// The HSDS field path.
    pub field: String,
    /// What was wrong.
    pub kind: FeedIssueKind,
    /// What was done.
    pub action: FeedIssueAction,
}

/// The result of an import.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DirectoryImportReport {
    /// Replaced or unchanged.
    pub outcome: DirectoryImportOutcome,
    /// The directory now on the store.
    pub version: DirectoryVersion,
    /// Records read.
    pub records: u32,
    /// Services imported.
    pub imported: u32,
    /// Records left out.
    pub skipped: u32,
    /// Problems, in feed order (at most 2,000).
    pub issues: Vec<FeedIssue>,
    /// Problems beyond those listed.
    pub issues_not_listed: u32,
}

/// Where distance is measured from.
#[derive(Clone, Debug, PartialEq, uniffi::Enum)]
pub enum DirectoryNear {
    /// WGS84 coordinates (e.g. the phone's location).
    Coordinates {
        /// -90 to 90.
        latitude: f64,
        /// -180 to 180.
        longitude: f64,
    },
    /// A UK postcode, usable only when a location of the directory carries it with
    /// coordinates (else `InvalidInput` with field `near`).
    Postcode {
        /// The postcode, any spacing or case.
        postcode: String,
    },
}

/// A search: every filter given must hold. An empty query lists every service by name.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct DirectoryQuery {
    /// Free text (names, descriptions, organisations, terms; typo-tolerant, ranked).
    #[uniffi(default)]
    pub text: Option<String>,
    /// A need: a taxonomy term's id, code or name, or part of its name.
    #[uniffi(default)]
    pub need: Option<String>,
    /// Only services with located places, nearest first after text relevance.
    #[uniffi(default)]
    pub near: Option<DirectoryNear>,
    /// With `near`: at most this many kilometres.
    #[uniffi(default)]
    pub within_km: Option<f64>,
    /// Open on a weekday (`monday`, `mon`, `mo`) or a date `YYYY-MM-DD`.
    #[uniffi(default)]
    pub open_on: Option<String>,
    /// Eligible at this age in years.
    #[uniffi(default)]
    pub age: Option<u32>,
    /// Results to skip.
    #[uniffi(default = 0)]
    pub offset: u32,
    /// Results per page, 1 to 100.
    #[uniffi(default = 20)]
    pub limit: u32,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct DirectoryHit {
    /// The service's stable id (for `directory_service`).
    pub service_id: String,
    /// Its name.
    pub name: String,
    /// Its organisation's name.
    pub organization: Option<String>,
    /// The start of its description.
    pub summary: Option<String>,
    /// Kilometres to its nearest location, with `near`.
    pub distance_km: Option<f64>,
    /// Text relevance (0 without text); higher is better.
    pub score: f64,
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct DirectoryPage {
    /// Matching services over all pages.
    pub total: u32,
    /// This page's offset.
    pub offset: u32,
    /// Best first.
    pub hits: Vec<DirectoryHit>,
}

impl TryFrom<DirectoryQuery> for d::DirectoryQuery {
    type Error = LinkWorkError;

    fn try_from(q: DirectoryQuery) -> Result<Self, LinkWorkError> {
        Ok(d::DirectoryQuery {
            text: q.text,
            need: q.need,
            near: q
                .near
                .map(|n| match n {
                    DirectoryNear::Coordinates {
                        latitude,
                        longitude,
                    } => Ok(d::Near::Coordinates {
                        latitude,
                        longitude,
                    }),
                    DirectoryNear::Postcode { postcode } => d::Near::parse(&postcode),
                })
                .transpose()?,
            within_km: q.within_km,
            open_on: q.open_on.as_deref().map(d::OpenOn::parse).transpose()?,
            age: q.age,
            offset: q.offset,
            limit: q.limit,
        })
    }
}

impl From<d::DirectoryService> for DirectoryService {
    fn from(s: d::DirectoryService) -> Self {
        DirectoryService {
            id: s.id,
            name: s.name,
            alternate_name: s.alternate_name,
            description: s.description,
            url: s.url,
            email: s.email,
            status: s.status,
            application_process: s.application_process,
            fees_description: s.fees_description,
            eligibility_description: s.eligibility_description,
            minimum_age: s.minimum_age,
            maximum_age: s.maximum_age,
            last_modified: s.last_modified,
            organization: s.organization.map(|o| DirectoryOrganization {
                id: o.id,
                name: o.name,
                description: o.description,
                website: o.website,
                email: o.email,
            }),
            locations: list(s.locations),
            schedules: list(s.schedules),
            contacts: s
                .contacts
                .into_iter()
                .map(|c| DirectoryContact {
                    name: c.name,
                    title: c.title,
                    email: c.email,
                    phones: list(c.phones),
                })
                .collect(),
            phones: list(s.phones),
            taxonomy_terms: s
                .taxonomy_terms
                .into_iter()
                .map(|t| TaxonomyTerm {
                    id: t.id,
                    code: t.code,
                    name: t.name,
                    taxonomy: t.taxonomy,
                })
                .collect(),
            cost_options: s
                .cost_options
                .into_iter()
                .map(|c| CostOption {
                    option: c.option,
                    amount: c.amount,
                    currency: c.currency,
                    amount_description: c.amount_description,
                })
                .collect(),
        }
    }
}

impl From<d::DirectoryLocation> for DirectoryLocation {
    fn from(l: d::DirectoryLocation) -> Self {
        DirectoryLocation {
            id: l.id,
            name: l.name,
            latitude: l.latitude,
            longitude: l.longitude,
            address: l.address,
            postcode: l.postcode,
        }
    }
}

impl From<d::ScheduleRule> for DirectorySchedule {
    fn from(r: d::ScheduleRule) -> Self {
        DirectorySchedule {
            freq: r.freq,
            interval: r.interval,
            byday: r.byday,
            bymonthday: r.bymonthday,
            dtstart: opt_date_text(r.dtstart),
            valid_from: opt_date_text(r.valid_from),
            valid_to: opt_date_text(r.valid_to),
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            description: r.description,
        }
    }
}

impl From<d::DirectoryPhone> for DirectoryPhone {
    fn from(p: d::DirectoryPhone) -> Self {
        DirectoryPhone {
            number: p.number,
            kind: p.kind,
            description: p.description,
        }
    }
}

impl From<d::DirectoryVersion> for DirectoryVersion {
    fn from(v: d::DirectoryVersion) -> Self {
        DirectoryVersion {
            source: v.source,
            feed_date: v.feed_date,
            imported_at: instant(v.imported_at),
            content_hash: v.content_hash,
            services: v.services,
        }
    }
}

impl From<d::FeedIssue> for FeedIssue {
    fn from(i: d::FeedIssue) -> Self {
        FeedIssue {
            index: i.index,
            service_id: i.service_id,
            field: i.field,
            kind: i.kind.into(),
            action: i.action.into(),
        }
    }
}

impl From<d::DirectoryImportReport> for DirectoryImportReport {
    fn from(r: d::DirectoryImportReport) -> Self {
        DirectoryImportReport {
            outcome: r.outcome.into(),
            version: r.version.into(),
            records: r.records,
            imported: r.imported,
            skipped: r.skipped,
            issues: list(r.issues),
            issues_not_listed: r.issues_not_listed,
        }
    }
}

impl From<d::DirectoryHit> for DirectoryHit {
    fn from(h: d::DirectoryHit) -> Self {
        DirectoryHit {
            service_id: h.service_id,
            name: h.name,
            organization: h.organization,
            summary: h.summary,
            distance_km: h.distance_km,
            score: h.score,
        }
    }
}

impl From<d::DirectoryPage> for DirectoryPage {
    fn from(p: d::DirectoryPage) -> Self {
        DirectoryPage {
            total: p.total,
            offset: p.offset,
            hits: list(p.hits),
        }
    }
}
