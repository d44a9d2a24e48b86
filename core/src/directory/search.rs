//! Directory search without SQL: the query and its checks, the words of a text, typo-tolerant
//! word matching, distance, and the order of results. `store/directory_ops.rs` runs a query by
//! reading candidate rows from `storage/directory.rs` and combining them here.
//!
//! Free text: every query word (stop words aside) must match a word of the service's name,
//! alternate name, organisation name, taxonomy terms or description, exactly, as a prefix, or
//! within a small edit distance (1 for words of 3 to 5 letters, 2 from 6); the score adds, per
//! query word, the best field weight times the match quality, so "lunch clb" finds "Lunch
//! Club" and ranks a name match above a description match.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::clean::normalise_postcode;
use super::schedule::OpenOn;
use super::DirectoryService;
use crate::error::{Error, Result};

/// Most results one page may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Longest free-text query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words of a free-text query that are used.
pub const MAX_QUERY_WORDS: usize = 8;
/// Longest word indexed or matched, in characters.
pub const MAX_WORD_CHARS: usize = 40;
/// Most distinct words indexed per service.
pub const MAX_WORDS_PER_SERVICE: usize = 400;
/// Largest `within_km` accepted (Great Britain fits inside).
pub const MAX_RADIUS_KM: f64 = 1_500.0;

/// Field weights of the word index: a match in the name counts most.
pub(crate) const WEIGHT_NAME: i64 = 4;
pub(crate) const WEIGHT_ORGANIZATION: i64 = 3;
pub(crate) const WEIGHT_TERM: i64 = 2;
pub(crate) const WEIGHT_DESCRIPTION: i64 = 1;

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with",
];

/// Where distance is measured from.
#[derive(Debug, Clone, PartialEq)]
pub enum Near {
    /// WGS84 coordinates (e.g. the phone's location).
    Coordinates {
        /// Latitude, -90 to 90.
        latitude: f64,
        /// Longitude, -180 to 180.
        longitude: f64,
    },
    /// A UK postcode; only usable when one of the directory's own locations carries it with
    /// coordinates (never geocoded from elsewhere).
    Postcode(String),
}

impl Near {
    /// Reads `LAT,LON` or a postcode.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `near`) for coordinates out of range or text that is
    /// neither coordinates nor a postcode.
    pub fn parse(s: &str) -> Result<Near> {
        if let Some((a, b)) = s.split_once(',') {
            let (Ok(latitude), Ok(longitude)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>())
            else {
                return Err(Error::invalid("near", "expected LAT,LON or a postcode"));
            };
            let near = Near::Coordinates {
                latitude,
                longitude,
            };
            near.check()?;
            return Ok(near);
        }
        normalise_postcode(s)
            .map(Near::Postcode)
            .ok_or_else(|| Error::invalid("near", "expected LAT,LON or a postcode"))
    }

    fn check(&self) -> Result<()> {
        match self {
            Near::Coordinates {
                latitude,
                longitude,
            } => {
                if !(-90.0..=90.0).contains(latitude) || !(-180.0..=180.0).contains(longitude) {
                    return Err(Error::invalid(
                        "near",
                        "latitude must be -90 to 90 and longitude -180 to 180",
                    ));
                }
            }
            Near::Postcode(p) => {
                if normalise_postcode(p).is_none() {
                    return Err(Error::invalid("near", "not a UK postcode"));
                }
            }
        }
        Ok(())
    }
}

/// A directory search: every filter given must hold; results come in pages.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryQuery {
    /// Free text over names, descriptions, organisations and terms (ranked, typo-tolerant).
    pub text: Option<String>,
    /// A need: matches a taxonomy term's id, code or name exactly, or a part of its name
    /// (case-insensitive).
    pub need: Option<String>,
    /// Only services with a location that has coordinates, nearest first (after text rank).
    pub near: Option<Near>,
    /// With `near`: only locations at most this far, in kilometres.
    pub within_km: Option<f64>,
    /// Only services with a schedule open on that day.
    pub open_on: Option<OpenOn>,
    /// Only services whose minimum and maximum ages (when given) admit this age in years.
    pub age: Option<u32>,
    /// Results to skip (paging).
    pub offset: u32,
    /// Results per page, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
}

impl Default for DirectoryQuery {
    fn default() -> Self {
        DirectoryQuery {
            text: None,
            need: None,
            near: None,
            within_km: None,
            open_on: None,
            age: None,
            offset: 0,
            limit: 20,
        }
    }
}

impl DirectoryQuery {
    /// Checks the query's bounds.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field (`text`, `need`, `near`, `within_km`, `age`,
    /// `limit`).
    pub fn validate(&self) -> Result<()> {
        if self
            .text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS)
        {
            return Err(Error::invalid(
                "text",
                format!("longer than {MAX_QUERY_CHARS} characters"),
            ));
        }
        if let Some(need) = &self.need {
            if need.trim().is_empty() || need.chars().count() > MAX_QUERY_CHARS {
                return Err(Error::invalid("need", "empty or too long"));
            }
        }
        if let Some(near) = &self.near {
            near.check()?;
        }
        if let Some(km) = self.within_km {
            if self.near.is_none() {
                return Err(Error::invalid("within_km", "needs near"));
            }
            if !(km > 0.0 && km <= MAX_RADIUS_KM) {
                return Err(Error::invalid(
                    "within_km",
                    format!("must be above 0 and at most {MAX_RADIUS_KM}"),
                ));
            }
        }
        if self.age.is_some_and(|a| a > 130) {
            return Err(Error::invalid("age", "must be 0 to 130"));
        }
        if self.limit == 0 || self.limit > MAX_PAGE_SIZE {
            return Err(Error::invalid(
                "limit",
                format!("must be 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        Ok(())
    }
}

/// One result: enough to list it; `Store::directory_service` gives the full record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryHit {
    /// The service's stable ORUK id.
    pub service_id: String,
    /// Its name.
    pub name: String,
    /// Its organisation's name.
    pub organization: Option<String>,
    /// The start of its description (at most 200 characters).
    pub summary: Option<String>,
    /// Kilometres from `near` to its nearest location, when the query had `near`.
    pub distance_km: Option<f64>,
    /// Text relevance (0 without free text); higher is better.
    pub score: f64,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DirectoryPage {
    /// Results matching the query, over all pages.
    pub total: i32,
    /// The offset of this page.
    pub offset: i32,
    /// This page's results, best first.
    pub hits: Vec<DirectoryHit>,
}

/// The lower-case words of a text: letters and digits, other characters separate, each cut
/// to [`MAX_WORD_CHARS`].
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .take(MAX_WORD_CHARS)
                .flat_map(char::to_lowercase)
                .collect()
        })
}

/// The words a free-text query searches for (stop words left out, at most
/// [`MAX_QUERY_WORDS`], no repeats).
pub(crate) fn query_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(text) {
        if !STOP_WORDS.contains(&w.as_str()) && !out.contains(&w) && out.len() < MAX_QUERY_WORDS {
            out.push(w);
        }
    }
    out
}

/// The weighted words of a service for the index: each distinct word with the weight of the
/// most important field it occurs in.
pub(crate) fn index_words(s: &DirectoryService) -> Vec<(String, i64)> {
    let mut map: HashMap<String, i64> = HashMap::new();
    let mut add = |text: &str, weight: i64| {
        for w in words(text) {
            if map.len() >= MAX_WORDS_PER_SERVICE && !map.contains_key(&w) {
                continue;
            }
            let e = map.entry(w).or_insert(weight);
            *e = (*e).max(weight);
        }
    };
    add(&s.name, WEIGHT_NAME);
    if let Some(a) = &s.alternate_name {
        add(a, WEIGHT_NAME);
    }
    if let Some(o) = &s.organization {
        add(&o.name, WEIGHT_ORGANIZATION);
    }
    for t in &s.taxonomy_terms {
        add(&t.name, WEIGHT_TERM);
    }
    if let Some(d) = &s.description {
        add(d, WEIGHT_DESCRIPTION);
    }
    let mut out: Vec<_> = map.into_iter().collect();
    out.sort();
    out
}

/// How well an indexed `word` matches a query word: 1 exact, 0.8 prefix, 0.6 one edit, 0.4
/// two edits (edits allowed by the query word's length); `None` for no match.
pub(crate) fn match_quality(query: &str, word: &str) -> Option<f64> {
    if query == word {
        return Some(1.0);
    }
    let qlen = query.chars().count();
    if qlen >= 2 && word.starts_with(query) {
        return Some(0.8);
    }
    let allowed = match qlen {
        0..=2 => return None,
        3..=5 => 1,
        _ => 2,
    };
    match edit_distance(query, word, allowed)? {
        1 => Some(0.6),
        2 => Some(0.4),
        _ => None,
    }
}

/// Optimal string alignment distance (a transposition counts one edit), or `None` when above
/// `max`. Cost is bounded: words are at most [`MAX_WORD_CHARS`].
fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
    }
    let dist = d[a.len() * w + b.len()];
    (dist <= max).then_some(dist)
}

/// Great-circle distance in kilometres (haversine, mean Earth radius 6,371 km).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371.0 * h.sqrt().clamp(0.0, 1.0).asin()
}

/// A service still in the running, while filters are applied.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub row: i64,
    pub name: String,
    pub score: f64,
    pub distance_km: Option<f64>,
}

/// Orders candidates: text score (high first), then distance (near first), then name and row.
pub(crate) fn order(c: &mut [Candidate]) {
    c.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| {
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
            })
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.row.cmp(&b.row))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_match_within_their_budget() {
        assert_eq!(match_quality("club", "club"), Some(1.0));
        assert_eq!(match_quality("clb", "club"), Some(0.6));
        assert_eq!(match_quality("lunc", "lunch"), Some(0.8));
        assert_eq!(match_quality("gardenign", "gardening"), Some(0.6));
        assert_eq!(match_quality("walkign", "walking"), Some(0.6));
        assert_eq!(match_quality("cb", "club"), None);
        assert_eq!(match_quality("clb", "clubhouse"), None);
        assert_eq!(match_quality("choir", "chair"), Some(0.6));
        assert_eq!(match_quality("xyz", "club"), None);
    }

    #[test]
    fn query_words_drop_stop_words_and_repeats() {
        assert_eq!(
            query_words("The Lunch club, for the lunch!"),
            vec!["lunch", "club"]
        );
        assert!(query_words("the and of").is_empty());
        assert_eq!(query_words(&"w ".repeat(50)).len(), 1);
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // Leeds station to York station: about 35 km.
        let d = haversine_km(53.7955, -1.5479, 53.9581, -1.0931);
        assert!((33.0..37.0).contains(&d), "{d}");
        assert!(haversine_km(10.0, 10.0, 10.0, 10.0).abs() < 1e-9);
    }

    #[test]
    fn near_parses_coordinates_or_postcodes() {
        assert_eq!(
            Near::parse("53.8, -1.55").ok(),
            Some(Near::Coordinates {
                latitude: 53.8,
                longitude: -1.55
            })
        );
        assert_eq!(
            Near::parse("ls1 4ap").ok(),
            Some(Near::Postcode("LS14AP".into()))
        );
        assert!(Near::parse("91,0").is_err());
        assert!(Near::parse("here").is_err());
    }

    #[test]
    fn queries_are_bounded() {
        let ok = DirectoryQuery::default();
        assert!(ok.validate().is_ok());
        let big = DirectoryQuery {
            limit: MAX_PAGE_SIZE + 1,
            ..ok.clone()
        };
        assert!(big.validate().is_err());
        let radius_alone = DirectoryQuery {
            within_km: Some(5.0),
            ..ok.clone()
        };
        assert!(radius_alone.validate().is_err());
        let long = DirectoryQuery {
            text: Some("x".repeat(MAX_QUERY_CHARS + 1)),
            ..ok
        };
        assert!(long.validate().is_err());
    }
}
