//! Reading an untrusted ORUK / HSDS 3.0 services feed: one `/services` page (`contents`,
//! `total_items`, `page_number`, ...), a JSON array of pages or of service records, or one full
//! service record. Each record is validated on its own: a bad record is skipped and a bad
//! field dropped or cleaned, each with a [`FeedIssue`]; only a feed that is not Open Referral
//! at all, too big, or without one valid service is refused whole ([`FeedError`]).
//!
//! Bounds: [`MAX_FEED_BYTES`], [`MAX_RECORDS`], per-field character limits and per-list item
//! limits below; serde_json's recursion limit bounds nesting.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::clean::clean_text;
use super::schedule::{valid_byday, valid_bymonthday, ScheduleRule};
use super::{
    CostOption, DirectoryContact, DirectoryLocation, DirectoryOrganization, DirectoryPhone,
    DirectoryService, FeedError, FeedIssue, FeedIssueAction, FeedIssueKind, TaxonomyTerm,
    MAX_FEED_BYTES, MAX_RECORDS, MAX_REPORT_ENTRIES,
};

/// Longest id (service, organisation, location, term) kept, in characters.
pub const MAX_ID_CHARS: usize = 200;
/// Longest name kept (longer ones are cut).
pub const MAX_NAME_CHARS: usize = 250;
/// Longest description kept (longer ones are cut).
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// Longest other text field kept (longer ones are cut).
pub const MAX_SHORT_CHARS: usize = 500;
/// Most items kept from one nested list (locations, schedules, phones, terms, ...).
pub const MAX_LIST_ITEMS: usize = 50;

/// Taxonomies this build knows (case-insensitive): the LGA/ORUK vocabularies and Open
/// Eligibility. Terms of other taxonomies are kept and reported as
/// [`FeedIssueKind::UnknownTaxonomy`].
pub const KNOWN_TAXONOMIES: &[&str] = &[
    "esdServiceTypes",
    "esdNeeds",
    "esdCircumstances",
    "esdInformationNeeds",
    "OpenEligibility",
    "OpenActive",
];

/// A feed read and validated, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The valid services, sorted by id, without duplicates.
    pub services: Vec<DirectoryService>,
    /// Service records read.
    pub records: u32,
    /// Records left out.
    pub skipped: u32,
    /// Problems met, in feed order (at most [`MAX_REPORT_ENTRIES`]).
    pub issues: Vec<FeedIssue>,
    /// Problems beyond the listed ones.
    pub issues_not_listed: u32,
}

impl ParsedFeed {
    /// Lower-case hex SHA-256 of the cleaned services (feed order and page splits do not
    /// matter; equal hashes mean the same directory).
    pub fn content_hash(&self) -> String {
        let bytes = serde_json::to_vec(&self.services).unwrap_or_default();
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The newest `last_modified` among the services (RFC 3339, UTC).
    pub fn feed_date(&self) -> Option<String> {
        self.services
            .iter()
            .filter_map(|s| s.last_modified.clone())
            .max()
    }
}

/// Reads and validates a feed file's bytes.
///
/// # Errors
/// [`FeedError`] when the whole feed is refused (too large, not JSON, not Open Referral, too
/// many records, or no valid service).
pub fn parse_feed(bytes: &[u8]) -> Result<ParsedFeed, FeedError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge {
            limit: MAX_FEED_BYTES,
        });
    }
    let root: Value = serde_json::from_slice(bytes).map_err(|_| FeedError::NotJson)?;
    let mut issues = Issues::default();
    let mut records: Vec<&Value> = Vec::new();
    match &root {
        Value::Object(obj) if obj.contains_key("contents") => {
            add_page(obj, &mut records, &mut issues)?;
        }
        Value::Object(obj) if obj.contains_key("id") && obj.contains_key("name") => {
            records.push(&root);
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(obj) if obj.contains_key("contents") => {
                        add_page(obj, &mut records, &mut issues)?;
                    }
                    other => records.push(other),
                }
                if records.len() > MAX_RECORDS {
                    break;
                }
            }
        }
        _ => {
            return Err(FeedError::NotOpenReferral {
                reason: "expected a services page (contents), a list, or a service record".into(),
            })
        }
    }
    if records.len() > MAX_RECORDS {
        return Err(FeedError::TooManyRecords { limit: MAX_RECORDS });
    }
    let mut seen = HashSet::new();
    let mut services = Vec::new();
    for (i, value) in records.iter().enumerate() {
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        let mut rec = Rec {
            index,
            id: None,
            issues: &mut issues,
        };
        let Some(service) = rec.service(value) else {
            continue;
        };
        if !seen.insert(service.id.clone()) {
            rec.note("id", FeedIssueKind::DuplicateId, FeedIssueAction::Skipped);
            continue;
        }
        services.push(service);
    }
    let count = u32::try_from(records.len()).unwrap_or(u32::MAX);
    if services.is_empty() {
        return Err(FeedError::NoValidService { records: count });
    }
    services.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(ParsedFeed {
        skipped: count.saturating_sub(u32::try_from(services.len()).unwrap_or(u32::MAX)),
        records: count,
        services,
        issues: issues.list,
        issues_not_listed: issues.not_listed,
    })
}

/// Adds a page's `contents`; notes a page that is only part of a longer list.
fn add_page<'v>(
    page: &'v Map<String, Value>,
    records: &mut Vec<&'v Value>,
    issues: &mut Issues,
) -> Result<(), FeedError> {
    let Some(Value::Array(contents)) = page.get("contents") else {
        return Err(FeedError::NotOpenReferral {
            reason: "contents is not a list".into(),
        });
    };
    let total_pages = page.get("total_pages").and_then(Value::as_u64).unwrap_or(1);
    let last = page.get("last_page").and_then(Value::as_bool);
    if total_pages > 1 || last == Some(false) {
        issues.add(
            None,
            None,
            "page_number".into(),
            FeedIssueKind::Feed,
            FeedIssueAction::Kept,
        );
    }
    records.extend(contents.iter().take(MAX_RECORDS + 1));
    Ok(())
}

#[derive(Default)]
struct Issues {
    list: Vec<FeedIssue>,
    not_listed: u32,
}

impl Issues {
    fn add(
        &mut self,
        index: Option<u32>,
        service_id: Option<String>,
        field: String,
        kind: FeedIssueKind,
        action: FeedIssueAction,
    ) {
        if self.list.len() < MAX_REPORT_ENTRIES {
            self.list.push(FeedIssue {
                index: index.map(crate::model::signed::to_i32),
                service_id,
                field,
                kind,
                action,
            });
        } else {
            self.not_listed = self.not_listed.saturating_add(1);
        }
    }
}

type Obj = Map<String, Value>;

/// Reads one record, noting its problems.
struct Rec<'i> {
    index: u32,
    id: Option<String>,
    issues: &'i mut Issues,
}

impl Rec<'_> {
    fn note(&mut self, field: &str, kind: FeedIssueKind, action: FeedIssueAction) {
        self.issues.add(
            Some(self.index),
            self.id.clone(),
            field.to_string(),
            kind,
            action,
        );
    }

    fn service(&mut self, value: &Value) -> Option<DirectoryService> {
        let Value::Object(obj) = value else {
            self.note("", FeedIssueKind::NotAnObject, FeedIssueAction::Skipped);
            return None;
        };
        let Some(id) = self.id(obj, "id", "") else {
            self.note("id", FeedIssueKind::Missing, FeedIssueAction::Skipped);
            return None;
        };
        self.id = Some(id.clone());
        let Some(name) = self.text(obj, "name", "", MAX_NAME_CHARS) else {
            self.note("name", FeedIssueKind::Missing, FeedIssueAction::Skipped);
            return None;
        };
        let status = self.text(obj, "status", "", MAX_SHORT_CHARS);
        if let Some(s) = status.as_deref() {
            if s.eq_ignore_ascii_case("defunct") || s.eq_ignore_ascii_case("inactive") {
                self.note("status", FeedIssueKind::Inactive, FeedIssueAction::Skipped);
                return None;
            }
        }
        let (minimum_age, maximum_age) = self.ages(obj);
        let mut schedules = self.schedules(obj, "");
        let mut locations = Vec::new();
        for (i, sal) in self
            .objects(obj, "service_at_locations", "", MAX_LIST_ITEMS)
            .into_iter()
            .enumerate()
        {
            let prefix = format!("service_at_locations[{i}].");
            schedules.extend(self.schedules(sal, &prefix));
            if let Some(loc) = self.object(sal, "location", &prefix) {
                locations.push(self.location(loc, &format!("{prefix}location.")));
            }
        }
        schedules.truncate(MAX_LIST_ITEMS);
        Some(DirectoryService {
            alternate_name: self.text(obj, "alternate_name", "", MAX_NAME_CHARS),
            description: self.text(obj, "description", "", MAX_DESCRIPTION_CHARS),
            url: self.text(obj, "url", "", MAX_SHORT_CHARS),
            email: self.text(obj, "email", "", MAX_SHORT_CHARS),
            status,
            application_process: self.text(obj, "application_process", "", MAX_SHORT_CHARS),
            fees_description: self.text(obj, "fees_description", "", MAX_SHORT_CHARS),
            eligibility_description: self.text(obj, "eligibility_description", "", MAX_SHORT_CHARS),
            minimum_age,
            maximum_age,
            last_modified: self.instant(obj, "last_modified", ""),
            organization: self.organization(obj),
            locations,
            schedules,
            contacts: self.contacts(obj),
            phones: self.phones(obj, ""),
            taxonomy_terms: self.terms(obj),
            cost_options: self.costs(obj),
            id,
            name,
        })
    }

    fn ages(&mut self, obj: &Obj) -> (Option<u32>, Option<u32>) {
        let age = |rec: &mut Self, key: &str| {
            let v = obj.get(key)?;
            let n = v
                .as_f64()
                .filter(|n| n.fract() == 0.0 && (0.0..=130.0).contains(n));
            if n.is_none() && !v.is_null() {
                rec.note(
                    key,
                    FeedIssueKind::InvalidValue,
                    FeedIssueAction::FieldDropped,
                );
            }
            n.map(|n| n as u32)
        };
        let (min, max) = (age(self, "minimum_age"), age(self, "maximum_age"));
        match (min, max) {
            (Some(a), Some(b)) if a > b => {
                self.note(
                    "maximum_age",
                    FeedIssueKind::InvalidValue,
                    FeedIssueAction::FieldDropped,
                );
                (Some(a), None)
            }
            ages => ages,
        }
    }

    fn organization(&mut self, obj: &Obj) -> Option<DirectoryOrganization> {
        let org = self.object(obj, "organization", "")?;
        let p = "organization.";
        let Some(name) = self.text(org, "name", p, MAX_NAME_CHARS) else {
            self.note(
                "organization.name",
                FeedIssueKind::Missing,
                FeedIssueAction::FieldDropped,
            );
            return None;
        };
        Some(DirectoryOrganization {
            id: self.id(org, "id", p),
            name,
            description: self.text(org, "description", p, MAX_DESCRIPTION_CHARS),
            website: self.text(org, "website", p, MAX_SHORT_CHARS),
            email: self.text(org, "email", p, MAX_SHORT_CHARS),
        })
    }

    fn location(&mut self, loc: &Obj, p: &str) -> DirectoryLocation {
        let lat = self.number(loc, "latitude", p);
        let lon = self.number(loc, "longitude", p);
        let (latitude, longitude) = match (lat, lon) {
            (Some(a), Some(o))
                if (-90.0..=90.0).contains(&a)
                    && (-180.0..=180.0).contains(&o)
                    && !(a == 0.0 && o == 0.0) =>
            {
                (Some(a), Some(o))
            }
            (None, None) => (None, None),
            _ => {
                self.note(
                    &format!("{p}latitude"),
                    FeedIssueKind::InvalidValue,
                    FeedIssueAction::FieldDropped,
                );
                (None, None)
            }
        };
        let address = self.objects(loc, "addresses", p, MAX_LIST_ITEMS);
        let (mut line, mut postcode) = (None, None);
        if let Some(a) = address.first() {
            let ap = format!("{p}addresses[0].");
            let parts: Vec<String> = ["address_1", "address_2", "city"]
                .iter()
                .filter_map(|k| self.text(a, k, &ap, MAX_SHORT_CHARS))
                .collect();
            line = (!parts.is_empty()).then(|| parts.join(", "));
            postcode = self.text(a, "postal_code", &ap, 16);
        }
        DirectoryLocation {
            id: self.id(loc, "id", p),
            name: self.text(loc, "name", p, MAX_NAME_CHARS),
            latitude,
            longitude,
            address: line,
            postcode,
        }
    }

    fn schedules(&mut self, obj: &Obj, p: &str) -> Vec<ScheduleRule> {
        let mut out = Vec::new();
        for (i, s) in self
            .objects(obj, "schedules", p, MAX_LIST_ITEMS)
            .into_iter()
            .enumerate()
        {
            let sp = format!("{p}schedules[{i}].");
            let mut freq = self.text(s, "freq", &sp, 16);
            if freq.as_deref().is_some_and(|f| {
                !f.eq_ignore_ascii_case("WEEKLY") && !f.eq_ignore_ascii_case("MONTHLY")
            }) {
                self.note(
                    &format!("{sp}freq"),
                    FeedIssueKind::InvalidValue,
                    FeedIssueAction::FieldDropped,
                );
                freq = None;
            }
            let byday = self.checked(s, "byday", &sp, valid_byday);
            let bymonthday = self.checked(s, "bymonthday", &sp, valid_bymonthday);
            let interval = s.get("interval").and_then(|v| {
                let n = v.as_u64().filter(|n| (1..=52).contains(n));
                if n.is_none() && !v.is_null() {
                    self.note(
                        &format!("{sp}interval"),
                        FeedIssueKind::InvalidValue,
                        FeedIssueAction::FieldDropped,
                    );
                }
                n.and_then(|n| u32::try_from(n).ok())
            });
            let valid_from = self.date(s, "valid_from", &sp);
            let mut valid_to = self.date(s, "valid_to", &sp);
            if let (Some(f), Some(t)) = (valid_from, valid_to) {
                if t < f {
                    self.note(
                        &format!("{sp}valid_to"),
                        FeedIssueKind::InvalidValue,
                        FeedIssueAction::FieldDropped,
                    );
                    valid_to = None;
                }
            }
            out.push(ScheduleRule {
                freq,
                interval,
                byday,
                bymonthday,
                dtstart: self.date(s, "dtstart", &sp),
                valid_from,
                valid_to,
                opens_at: self.checked(s, "opens_at", &sp, valid_time),
                closes_at: self.checked(s, "closes_at", &sp, valid_time),
                description: self.text(s, "description", &sp, MAX_SHORT_CHARS),
            });
        }
        out
    }

    fn contacts(&mut self, obj: &Obj) -> Vec<DirectoryContact> {
        let mut out = Vec::new();
        for (i, c) in self
            .objects(obj, "contacts", "", MAX_LIST_ITEMS)
            .into_iter()
            .enumerate()
        {
            let p = format!("contacts[{i}].");
            out.push(DirectoryContact {
                name: self.text(c, "name", &p, MAX_NAME_CHARS),
                title: self.text(c, "title", &p, MAX_SHORT_CHARS),
                email: self.text(c, "email", &p, MAX_SHORT_CHARS),
                phones: self.phones(c, &p),
            });
        }
        out
    }

    fn phones(&mut self, obj: &Obj, p: &str) -> Vec<DirectoryPhone> {
        let mut out = Vec::new();
        for (i, ph) in self
            .objects(obj, "phones", p, MAX_LIST_ITEMS)
            .into_iter()
            .enumerate()
        {
            let pp = format!("{p}phones[{i}].");
            let Some(number) = self.text(ph, "number", &pp, 64) else {
                self.note(
                    &format!("{pp}number"),
                    FeedIssueKind::Missing,
                    FeedIssueAction::FieldDropped,
                );
                continue;
            };
            out.push(DirectoryPhone {
                number,
                kind: self.text(ph, "type", &pp, 32),
                description: self.text(ph, "description", &pp, MAX_SHORT_CHARS),
            });
        }
        out
    }

    fn terms(&mut self, obj: &Obj) -> Vec<TaxonomyTerm> {
        let mut out = Vec::new();
        for (i, attr) in self
            .objects(obj, "attributes", "", MAX_LIST_ITEMS)
            .into_iter()
            .enumerate()
        {
            let p = format!("attributes[{i}].");
            let Some(term) = self.object(attr, "taxonomy_term", &p) else {
                continue;
            };
            let tp = format!("{p}taxonomy_term.");
            let Some(name) = self.text(term, "name", &tp, MAX_NAME_CHARS) else {
                self.note(
                    &format!("{tp}name"),
                    FeedIssueKind::Missing,
                    FeedIssueAction::FieldDropped,
                );
                continue;
            };
            let taxonomy = self
                .text(term, "taxonomy", &tp, MAX_NAME_CHARS)
                .or_else(|| {
                    let detail = term.get("taxonomy_detail")?.as_object()?;
                    self.text(
                        detail,
                        "name",
                        &format!("{tp}taxonomy_detail."),
                        MAX_NAME_CHARS,
                    )
                });
            if let Some(t) = taxonomy.as_deref() {
                if !KNOWN_TAXONOMIES.iter().any(|k| k.eq_ignore_ascii_case(t)) {
                    self.note(
                        &format!("{tp}taxonomy"),
                        FeedIssueKind::UnknownTaxonomy,
                        FeedIssueAction::Kept,
                    );
                }
            }
            out.push(TaxonomyTerm {
                id: self.id(term, "id", &tp),
                code: self.text(term, "code", &tp, MAX_SHORT_CHARS),
                name,
                taxonomy,
            });
        }
        out
    }

    fn costs(&mut self, obj: &Obj) -> Vec<CostOption> {
        let mut out = Vec::new();
        for (i, c) in self
            .objects(obj, "cost_options", "", MAX_LIST_ITEMS)
            .into_iter()
            .enumerate()
        {
            let p = format!("cost_options[{i}].");
            let amount = self.number(c, "amount", &p).filter(|a| {
                let ok = *a >= 0.0;
                if !ok {
                    self.note(
                        &format!("{p}amount"),
                        FeedIssueKind::InvalidValue,
                        FeedIssueAction::FieldDropped,
                    );
                }
                ok
            });
            out.push(CostOption {
                option: self.text(c, "option", &p, MAX_SHORT_CHARS),
                amount,
                currency: self.checked(c, "currency", &p, |s| {
                    s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic())
                }),
                amount_description: self.text(c, "amount_description", &p, MAX_SHORT_CHARS),
            });
        }
        out
    }

    // Field readers: each notes its own problem and returns `None` for a dropped field.

    fn text(&mut self, obj: &Obj, key: &str, p: &str, max: usize) -> Option<String> {
        match obj.get(key)? {
            Value::Null => None,
            Value::String(raw) => {
                let c = clean_text(raw, max);
                if c.had_html {
                    self.note(
                        &format!("{p}{key}"),
                        FeedIssueKind::Html,
                        FeedIssueAction::Cleaned,
                    );
                }
                if c.truncated {
                    self.note(
                        &format!("{p}{key}"),
                        FeedIssueKind::TooLong,
                        FeedIssueAction::Cleaned,
                    );
                }
                (!c.text.is_empty()).then_some(c.text)
            }
            _ => {
                self.note(
                    &format!("{p}{key}"),
                    FeedIssueKind::WrongType,
                    FeedIssueAction::FieldDropped,
                );
                None
            }
        }
    }

    /// A text that must pass `ok`, else dropped as invalid.
    fn checked(&mut self, obj: &Obj, key: &str, p: &str, ok: fn(&str) -> bool) -> Option<String> {
        let t = self.text(obj, key, p, MAX_SHORT_CHARS)?;
        if ok(&t) {
            Some(t)
        } else {
            self.note(
                &format!("{p}{key}"),
                FeedIssueKind::InvalidValue,
                FeedIssueAction::FieldDropped,
            );
            None
        }
    }

    fn id(&mut self, obj: &Obj, key: &str, p: &str) -> Option<String> {
        let raw = match obj.get(key)? {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            Value::Null => return None,
            _ => {
                self.note(
                    &format!("{p}{key}"),
                    FeedIssueKind::WrongType,
                    FeedIssueAction::FieldDropped,
                );
                return None;
            }
        };
        if raw.chars().count() > MAX_ID_CHARS {
            self.note(
                &format!("{p}{key}"),
                FeedIssueKind::TooLong,
                FeedIssueAction::FieldDropped,
            );
            return None;
        }
        if raw.chars().any(char::is_control) {
            self.note(
                &format!("{p}{key}"),
                FeedIssueKind::InvalidValue,
                FeedIssueAction::FieldDropped,
            );
            return None;
        }
        (!raw.is_empty()).then_some(raw)
    }

    fn number(&mut self, obj: &Obj, key: &str, p: &str) -> Option<f64> {
        let v = obj.get(key)?;
        let n = match v {
            Value::Null => return None,
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|n| n.is_finite());
        if n.is_none() {
            self.note(
                &format!("{p}{key}"),
                FeedIssueKind::WrongType,
                FeedIssueAction::FieldDropped,
            );
        }
        n
    }

    fn date(&mut self, obj: &Obj, key: &str, p: &str) -> Option<NaiveDate> {
        let t = self.text(obj, key, p, 40)?;
        let d = NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok().or_else(|| {
            DateTime::parse_from_rfc3339(&t)
                .ok()
                .map(|d| d.date_naive())
        });
        if d.is_none() {
            self.note(
                &format!("{p}{key}"),
                FeedIssueKind::InvalidValue,
                FeedIssueAction::FieldDropped,
            );
        }
        d
    }

    fn instant(&mut self, obj: &Obj, key: &str, p: &str) -> Option<String> {
        let t = self.text(obj, key, p, 40)?;
        let at = DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                let d = NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()?;
                Some(d.and_hms_opt(0, 0, 0)?.and_utc())
            });
        if at.is_none() {
            self.note(
                &format!("{p}{key}"),
                FeedIssueKind::InvalidValue,
                FeedIssueAction::FieldDropped,
            );
        }
        at.map(|a| a.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    fn object<'v>(&mut self, obj: &'v Obj, key: &str, p: &str) -> Option<&'v Obj> {
        match obj.get(key)? {
            Value::Object(o) => Some(o),
            Value::Null => None,
            _ => {
                self.note(
                    &format!("{p}{key}"),
                    FeedIssueKind::WrongType,
                    FeedIssueAction::FieldDropped,
                );
                None
            }
        }
    }

    fn objects<'v>(&mut self, obj: &'v Obj, key: &str, p: &str, max: usize) -> Vec<&'v Obj> {
        let items = match obj.get(key) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.note(
                    &format!("{p}{key}"),
                    FeedIssueKind::WrongType,
                    FeedIssueAction::FieldDropped,
                );
                return Vec::new();
            }
        };
        if items.len() > max {
            self.note(
                &format!("{p}{key}"),
                FeedIssueKind::TooMany,
                FeedIssueAction::Cleaned,
            );
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().take(max).enumerate() {
            match item {
                Value::Object(o) => out.push(o),
                _ => self.note(
                    &format!("{p}{key}[{i}]"),
                    FeedIssueKind::WrongType,
                    FeedIssueAction::FieldDropped,
                ),
            }
        }
        out
    }
}

/// `HH:MM` or `HH:MM:SS`, optionally followed by `Z` or an offset.
fn valid_time(s: &str) -> bool {
    let (hm, _zone) = s.split_at(s.find(['Z', '+', '-']).unwrap_or(s.len()));
    let parts: Vec<&str> = hm.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0] < "24"
        && parts[1] < "60"
}
