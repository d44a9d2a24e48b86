//! The community services directory (Open Referral UK / HSDS 3.0): a service's full record,
//! the directory's version, the import report and search queries and results. Reference data,
//! not a person's record: ids here are the feed's own (any text), not UUIDs.
//!
//! Mirrored here: `DirectoryService` (its schedules are flattened into `DirectorySchedule`
//! rows with text dates and times) and `DirectoryQuery` (`DirectoryNear` is an enum an app can
//! build, core's `Near` holds a parsed postcode); the rest are core's own types.

use chrono::NaiveDate;
use linkwork_core::directory as d;

use super::*;
use crate::convert::{list, to_i32, to_unsigned};
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
    pub minimum_age: Option<i32>,
    /// Oldest eligible age in years.
    pub maximum_age: Option<i32>,
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

/// An opening schedule (HSDS RRULE fields).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DirectorySchedule {
    /// `WEEKLY` or `MONTHLY`.
    pub freq: Option<String>,
    /// Every how many weeks or months.
    pub interval: Option<i32>,
    /// Days, e.g. `TU,TH` or `2MO`.
    pub byday: Option<String>,
    /// Days of the month, e.g. `1,15`.
    pub bymonthday: Option<String>,
    /// First occurrence.
    pub dtstart: Option<NaiveDate>,
    /// First valid day.
    pub valid_from: Option<NaiveDate>,
    /// Last valid day.
    pub valid_to: Option<NaiveDate>,
    /// Opening time as given.
    pub opens_at: Option<String>,
    /// Closing time as given.
    pub closes_at: Option<String>,
    /// The feed's words about it.
    pub description: Option<String>,
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
    /// Eligible at this age in years (a negative age is `InvalidInput`, field `age`).
    #[uniffi(default)]
    pub age: Option<i32>,
    /// Results to skip (a negative offset is `InvalidInput`, field `offset`).
    #[uniffi(default = 0)]
    pub offset: i32,
    /// Results per page, 1 to 100.
    #[uniffi(default = 20)]
    pub limit: i32,
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
            age: q.age.map(|a| to_unsigned("age", a)).transpose()?,
            offset: to_unsigned("offset", q.offset)?,
            limit: to_unsigned("limit", q.limit)?,
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
            minimum_age: s.minimum_age.map(to_i32),
            maximum_age: s.maximum_age.map(to_i32),
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

impl From<d::ScheduleRule> for DirectorySchedule {
    fn from(r: d::ScheduleRule) -> Self {
        DirectorySchedule {
            freq: r.freq,
            interval: r.interval.map(to_i32),
            byday: r.byday,
            bymonthday: r.bymonthday,
            dtstart: r.dtstart,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            description: r.description,
        }
    }
}
