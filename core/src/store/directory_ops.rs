//! The community services directory on a store: import (replacing the directory whole, in one
//! transaction), offline search and a service's full record (`docs/directory.md`). Reference
//! data: no person's document changes and no listener is told.

use crate::model::signed::to_i32;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::Store;
use crate::directory::search::{self, Candidate};
use crate::directory::share::{self, DirectoryDigest, ShareError};
use crate::directory::{
    feed, DirectoryHit, DirectoryImportOutcome, DirectoryImportReport, DirectoryPage,
    DirectoryQuery, DirectoryService, DirectoryVersion, FeedError, Near,
};
use crate::error::{Error, Result};
use crate::storage::directory::{self as table, StoredService};

/// Longest feed source label, in characters.
const MAX_SOURCE_CHARS: usize = 200;

impl Store {
    /// Imports an Open Referral UK / HSDS 3.0 services feed (`bytes`, untrusted) labelled
    /// `source` (e.g. the file name). Every record is checked on its own: bad records are
    /// skipped and bad fields dropped or cleaned, each listed in the report. The valid services
    /// replace the store's directory in one transaction; a feed with the same content leaves it
    /// as it is ([`DirectoryImportOutcome::Unchanged`]).
    ///
    /// # Errors
    /// [`Error::Feed`] when the whole feed is refused (too large, not JSON, not Open Referral,
    /// too many records, no valid service, older than the stored directory): the stored
    /// directory is unchanged. [`Error::InvalidInput`] (field `source`) for an empty or
    /// over-long label. Storage errors (nothing changes).
    pub fn directory_import(&self, bytes: &[u8], source: &str) -> Result<DirectoryImportReport> {
        self.import_directory(bytes, source, None)
    }

    /// Imports a directory feed received from the organisation's hub
    /// ([`crate::directory::share::DirectoryDownload`]): as [`Store::directory_import`]
    /// (labelled `hub`), and only if the feed's content hash is `digest`.
    ///
    /// # Errors
    /// As [`Store::directory_import`]; [`ShareError::DigestMismatch`] (nothing written).
    pub(crate) fn directory_import_shared(
        &self,
        bytes: &[u8],
        digest: &DirectoryDigest,
    ) -> Result<DirectoryImportReport> {
        self.import_directory(bytes, "hub", Some(digest))
    }

    fn import_directory(
        &self,
        bytes: &[u8],
        source: &str,
        expected: Option<&DirectoryDigest>,
    ) -> Result<DirectoryImportReport> {
        let source = source.trim();
        if source.is_empty()
            || source.chars().count() > MAX_SOURCE_CHARS
            || source.chars().any(char::is_control)
        {
            return Err(Error::invalid(
                "source",
                format!("must be 1 to {MAX_SOURCE_CHARS} printable characters"),
            ));
        }
        let parsed = feed::parse_feed(bytes)?;
        let content_hash = parsed.content_hash();
        if expected.is_some_and(|d| share::digest_hex(d) != content_hash) {
            return Err(ShareError::DigestMismatch.into());
        }
        let feed_date = parsed.feed_date();
        let stored: Vec<StoredService<'_>> = parsed
            .services
            .iter()
            .map(|service| StoredService {
                service,
                postcodes: service
                    .locations
                    .iter()
                    .map(|l| {
                        l.postcode
                            .as_deref()
                            .and_then(crate::directory::normalise_postcode)
                    })
                    .collect(),
                words: search::index_words(service),
            })
            .collect();
        // An unchanged feed writes nothing (the stored version's import time stays).
        self.db.write_if(|tx, _| {
            let current = table::version(tx)?;
            let report = |outcome, version| DirectoryImportReport {
                outcome,
                version,
                records: to_i32(parsed.records),
                imported: i32::try_from(parsed.services.len()).unwrap_or(i32::MAX),
                skipped: to_i32(parsed.skipped),
                issues: parsed.issues.clone(),
                issues_not_listed: to_i32(parsed.issues_not_listed),
            };
            if let Some(current) = current {
                if current.content_hash == content_hash {
                    return Ok((report(DirectoryImportOutcome::Unchanged, current), false));
                }
                if let (Some(old), Some(new)) = (&current.feed_date, &feed_date) {
                    if new < old {
                        return Err(FeedError::Older.into());
                    }
                }
            }
            let version = DirectoryVersion {
                source: source.to_string(),
                feed_date,
                // Stored to the millisecond, like every instant of the store.
                imported_at: DateTime::from_timestamp_millis(Utc::now().timestamp_millis())
                    .unwrap_or_default(),
                content_hash,
                services: i32::try_from(stored.len()).unwrap_or(i32::MAX),
            };
            table::replace(tx, &stored, &version)?;
            Ok((report(DirectoryImportOutcome::Replaced, version), true))
        })
    }

    /// The directory on this store, or `None` before the first import.
    ///
    /// # Errors
    /// Storage errors.
    pub fn directory_version(&self) -> Result<Option<DirectoryVersion>> {
        self.read(table::version)
    }

    /// One service's full record by its ORUK id.
    ///
    /// # Errors
    /// [`Error::NotFound`] (kind `directory service`) when the directory has no such service;
    /// storage errors.
    pub fn directory_service(&self, service_id: &str) -> Result<DirectoryService> {
        self.read(|c| table::service(c, service_id.trim()))?
            .ok_or_else(|| Error::not_found("directory service", service_id.trim()))
    }

    /// Searches the directory offline: every filter of `query` must hold; results are ranked
    /// (text relevance, then distance, then name) and paged. An empty query lists every
    /// service by name.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a query out of bounds, or (field `near`) a postcode that no
    /// location of the directory carries with coordinates; storage errors.
    pub fn directory_search(&self, query: &DirectoryQuery) -> Result<DirectoryPage> {
        query.validate()?;
        let today = Utc::now().date_naive();
        self.read(|conn| {
            table::snapshot(conn, |conn| {
                let mut candidates: HashMap<i64, Candidate> = table::names(conn)?
                    .into_iter()
                    .map(|(row, name)| {
                        let c = Candidate {
                            row,
                            name,
                            score: 0.0,
                            distance_km: None,
                        };
                        (row, c)
                    })
                    .collect();
                let words = query.text.as_deref().map(search::query_words);
                if let Some(words) = words.filter(|w| !w.is_empty()) {
                    let vocabulary = table::vocabulary(conn)?;
                    for q in &words {
                        let mut best: HashMap<i64, f64> = HashMap::new();
                        for word in &vocabulary {
                            let Some(quality) = search::match_quality(q, word) else {
                                continue;
                            };
                            for (row, weight) in table::rows_with_word(conn, word)? {
                                let s = best.entry(row).or_insert(0.0);
                                *s = s.max(quality * weight as f64);
                            }
                        }
                        candidates.retain(|row, c| match best.get(row) {
                            Some(s) => {
                                c.score += s;
                                true
                            }
                            None => false,
                        });
                    }
                }
                if let Some(need) = &query.need {
                    let rows = table::rows_with_need(conn, need)?;
                    candidates.retain(|row, _| rows.contains(row));
                }
                if let Some(age) = query.age {
                    let rows = table::rows_for_age(conn, age)?;
                    candidates.retain(|row, _| rows.contains(row));
                }
                if let Some(on) = query.open_on {
                    let rows: HashSet<i64> = table::schedules(conn)?
                        .into_iter()
                        .filter(|(_, rule)| rule.is_open(on, today))
                        .map(|(row, _)| row)
                        .collect();
                    candidates.retain(|row, _| rows.contains(row));
                }
                if let Some(near) = &query.near {
                    let (lat, lon) = match near {
                        Near::Coordinates {
                            latitude,
                            longitude,
                        } => (*latitude, *longitude),
                        Near::Postcode(p) => table::postcode_point(conn, p)?.ok_or_else(|| {
                            Error::invalid(
                                "near",
                                "no location in the directory has that postcode with \
                                 coordinates; give LAT,LON instead",
                            )
                        })?,
                    };
                    let mut nearest: HashMap<i64, f64> = HashMap::new();
                    for (row, a, o) in table::coordinates(conn)? {
                        let d = search::haversine_km(lat, lon, a, o);
                        let e = nearest.entry(row).or_insert(d);
                        *e = e.min(d);
                    }
                    let within = query.within_km.unwrap_or(f64::MAX);
                    candidates.retain(|row, c| match nearest.get(row) {
                        Some(d) if *d <= within => {
                            c.distance_km = Some(*d);
                            true
                        }
                        _ => false,
                    });
                }
                let mut ordered: Vec<Candidate> = candidates.into_values().collect();
                search::order(&mut ordered);
                let total = i32::try_from(ordered.len()).unwrap_or(i32::MAX);
                let mut hits = Vec::new();
                for c in ordered
                    .into_iter()
                    .skip(query.offset as usize)
                    .take(query.limit as usize)
                {
                    let (service_id, name, organization, summary) = table::hit(conn, c.row)?;
                    hits.push(DirectoryHit {
                        service_id,
                        name,
                        organization,
                        summary,
                        distance_km: c.distance_km,
                        score: c.score,
                    });
                }
                Ok(DirectoryPage {
                    total,
                    offset: to_i32(query.offset),
                    hits,
                })
            })
        })
    }
}
