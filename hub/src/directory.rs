//! The organisation's community services directory on the hub (`docs/directory.md#from-the-hub`):
//! importing a feed file or fetching an Open Referral UK `/services` API, validated by core's
//! own feed reader and stored by version ([`HubStore::store_directory`]), and answering a
//! device's [`DirectoryMessage::Have`] inside the authenticated channel — nothing when it is
//! up to date, else the feed in chunks (`linkwork_core::directory::share`).
//!
//! Every fetch is bounded in pages ([`FetchLimits::max_pages`]), bytes (the feed limit) and
//! time (per request and overall); only `http` and `https` URLs are fetched. A fetch or import
//! that fails anywhere stores nothing, so the directory phones receive is always the last
//! good one.

use linkwork_core::model::signed::to_i32;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use linkwork_core::directory::share::{
    self, digest_from_hex, DirectoryDigest, DirectoryMessage, HubAnswer, ShareError,
};
use linkwork_core::directory::{
    parse_feed, DirectoryImportOutcome, DirectoryImportReport, DirectoryVersion, FeedError,
    ParsedFeed, MAX_FEED_BYTES, MAX_RECORDS,
};
use linkwork_core::identity::{CertRole, Certificate};
use serde_json::Value;

use crate::authority::{now, Hub};
use crate::error::{HubError, Result};
use crate::store::{Device, HubDirectory, HubStore, UserRole};

/// Longest source label (file name or URL), in characters.
const MAX_SOURCE_CHARS: usize = 200;

/// Bounds of one `directory fetch`.
#[derive(Clone, Debug)]
pub struct FetchLimits {
    /// The most pages read; an API with more is refused (nothing stored).
    pub max_pages: usize,
    /// The most bytes read in all (every page's body together).
    pub max_bytes: usize,
    /// The longest one request may take.
    pub request_timeout: Duration,
    /// The longest the whole fetch may take.
    pub total_timeout: Duration,
}

impl Default for FetchLimits {
    fn default() -> Self {
        FetchLimits {
            max_pages: 1_000,
            max_bytes: MAX_FEED_BYTES,
            request_timeout: Duration::from_secs(60),
            total_timeout: Duration::from_secs(600),
        }
    }
}

fn fetch_error(page: usize, reason: impl Into<String>) -> HubError {
    HubError::Fetch {
        page,
        reason: reason.into(),
    }
}

/// `url` with its `page` query parameter set to `page` (added when absent).
pub fn page_url(url: &str, page: u64) -> String {
    // A fragment is never sent to the server.
    let base = url.split('#').next().unwrap_or(url);
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some("page"))
        .map(str::to_owned)
        .collect();
    params.push(format!("page={page}"));
    format!("{path}?{}", params.join("&"))
}

/// Checks that `url` is an `http` or `https` URL.
fn check_url(url: &str) -> Result<()> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
        _ => Err(HubError::invalid(
            "url",
            "must be an http:// or https:// URL",
        )),
    }
}

/// Fetches an Open Referral UK `/services` API at `url` (blocking; run it off the async
/// runtime), following its pages (`page_number`, `total_pages`, `last_page`) from the first,
/// and returns one feed holding every page's records.
///
/// # Errors
/// [`HubError::Invalid`] (field `url`) for anything but an `http(s)` URL; [`HubError::Fetch`]
/// for a request that fails, times out, answers an error status or more bytes than the
/// limits allow, a page that is not JSON or not a services page, an API that does not move on
/// to the next page, more pages than [`FetchLimits::max_pages`], an empty page before the
/// last, or fewer records in all than the first page's `total_items` (a partial fetch).
pub fn fetch_feed(url: &str, limits: &FetchLimits) -> Result<Vec<u8>> {
    check_url(url)?;
    let started = Instant::now();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(limits.request_timeout))
        .max_redirects(5)
        .build()
        .into();
    let mut records: Vec<Value> = Vec::new();
    let mut used = 0usize;
    let mut page = 1u64;
    let mut announced: Option<u64> = None;
    let mut target = url.to_owned();
    for fetched in 1..=limits.max_pages.saturating_add(1) {
        if fetched > limits.max_pages {
            return Err(fetch_error(
                fetched,
                format!("the API has more than {} pages", limits.max_pages),
            ));
        }
        let remaining = limits
            .total_timeout
            .checked_sub(started.elapsed())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| fetch_error(fetched, "the fetch took too long"))?;
        let mut response = agent
            .get(&target)
            .header("Accept", "application/json")
            .config()
            .timeout_global(Some(remaining.min(limits.request_timeout)))
            .build()
            .call()
            .map_err(|e| fetch_error(fetched, e.to_string()))?;
        let budget = limits.max_bytes.saturating_sub(used);
        let body = response
            .body_mut()
            .with_config()
            .limit(budget as u64)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => fetch_error(
                    fetched,
                    format!("the API sent more than {} bytes in all", limits.max_bytes),
                ),
                e => fetch_error(fetched, e.to_string()),
            })?;
        used += body.len();
        let value: Value = serde_json::from_slice(&body)
            .map_err(|_| fetch_error(fetched, "the answer is not JSON"))?;
        drop(body);
        let Value::Object(mut obj) = value else {
            if fetched == 1 {
                // A plain list of records (or of pages): one answer is the whole feed.
                return serde_json::to_vec(&value).map_err(|e| fetch_error(1, e.to_string()));
            }
            return Err(fetch_error(fetched, "not a services page"));
        };
        let Some(Value::Array(contents)) = obj.remove("contents") else {
            if fetched == 1 && obj.contains_key("id") {
                // One full service record.
                return serde_json::to_vec(&Value::Object(obj))
                    .map_err(|e| fetch_error(1, e.to_string()));
            }
            return Err(fetch_error(
                fetched,
                "not a services page (no contents list)",
            ));
        };
        let number = obj
            .get("page_number")
            .and_then(Value::as_u64)
            .unwrap_or(page);
        if fetched == 1 {
            // The first answer says where the API counts from, and how many records to expect.
            page = number;
            announced = obj.get("total_items").and_then(Value::as_u64);
        } else if number != page {
            return Err(fetch_error(
                fetched,
                format!("asked for page {page}, the API answered page {number}"),
            ));
        }
        let empty = contents.is_empty();
        records.extend(contents);
        if records.len() > MAX_RECORDS {
            return Err(HubError::Core(
                FeedError::TooManyRecords { limit: MAX_RECORDS }.into(),
            ));
        }
        let total_pages = obj.get("total_pages").and_then(Value::as_u64);
        let last = obj.get("last_page").and_then(Value::as_bool);
        let more = match (last, total_pages) {
            (Some(last), _) => !last,
            (None, Some(total)) => page < total,
            (None, None) => false,
        };
        if more && empty {
            return Err(fetch_error(
                fetched,
                "an empty page where the API says more follow",
            ));
        }
        if !more {
            break;
        }
        page += 1;
        target = page_url(url, page);
    }
    if let Some(total) = announced.filter(|t| (records.len() as u64) < *t) {
        return Err(fetch_error(
            page as usize,
            format!(
                "the API announced {total} records and sent {}",
                records.len()
            ),
        ));
    }
    serde_json::to_vec(&serde_json::json!({ "contents": records }))
        .map_err(|e| fetch_error(page as usize, e.to_string()))
}

fn check_source(source: &str) -> Result<&str> {
    let source = source.trim();
    if source.is_empty()
        || source.chars().count() > MAX_SOURCE_CHARS
        || source.chars().any(char::is_control)
    {
        return Err(HubError::invalid(
            "source",
            format!("must be 1 to {MAX_SOURCE_CHARS} printable characters"),
        ));
    }
    Ok(source)
}

fn version_of(d: &HubDirectory) -> DirectoryVersion {
    DirectoryVersion {
        source: d.source.clone(),
        feed_date: d.feed_date.clone(),
        imported_at: DateTime::<Utc>::from_timestamp(d.imported_at, 0).unwrap_or_default(),
        content_hash: d.digest.clone(),
        services: i32::try_from(d.services).unwrap_or(i32::MAX),
    }
}

/// What a device is sent in answer to its [`DirectoryMessage::Have`]: one short message, or
/// the hub's feed chunk by chunk (made as they are sent, so only the feed is held in memory).
pub struct Reply {
    single: Option<DirectoryMessage>,
    digest: DirectoryDigest,
    feed: Vec<u8>,
    offset: usize,
    index: u32,
}

impl Reply {
    fn one(message: DirectoryMessage) -> Reply {
        Reply {
            single: Some(message),
            digest: [0; 32],
            feed: Vec::new(),
            offset: 0,
            index: 0,
        }
    }
}

impl Iterator for Reply {
    type Item = DirectoryMessage;

    fn next(&mut self) -> Option<DirectoryMessage> {
        if let Some(m) = self.single.take() {
            return Some(m);
        }
        if self.offset >= self.feed.len() {
            return None;
        }
        let end = (self.offset + share::CHUNK_BYTES).min(self.feed.len());
        let message = DirectoryMessage::Chunk {
            digest: self.digest,
            total: u32::try_from(self.feed.len()).unwrap_or(u32::MAX),
            index: self.index,
            bytes: self.feed[self.offset..end].to_vec(),
        };
        self.offset = end;
        self.index += 1;
        Some(message)
    }
}

impl<S: HubStore> Hub<S> {
    /// The stored directory versions, newest (current) first.
    ///
    /// # Errors
    /// Database errors.
    pub async fn directory_versions(&self) -> Result<Vec<HubDirectory>> {
        self.store.directory_versions().await
    }

    /// Validates `feed` (untrusted: a file or a fetched API) with core's feed reader and, if
    /// it holds another directory than the current one, stores it as the newest version
    /// labelled `source`. The report is the one a phone's import gives: every bad record and
    /// field, and the version now current.
    ///
    /// # Errors
    /// [`HubError::Core`] with [`FeedError`] when the feed is refused whole (too large, not
    /// JSON, not Open Referral, too many records, no valid service, older than the current
    /// directory): nothing is stored. [`HubError::Invalid`] (field `source`); database errors.
    pub async fn import_directory(
        &self,
        feed: Vec<u8>,
        source: &str,
    ) -> Result<DirectoryImportReport> {
        let source = check_source(source)?.to_owned();
        let (parsed, feed) =
            tokio::task::spawn_blocking(move || parse_feed(&feed).map(|p| (p, feed)))
                .await
                .map_err(|e| HubError::Database(e.to_string()))?
                .map_err(linkwork_core::Error::from)?;
        let digest = parsed.content_hash();
        let current = self.store.directory_versions().await?.into_iter().next();
        let report = |outcome, d: &HubDirectory, parsed: ParsedFeed| DirectoryImportReport {
            outcome,
            version: version_of(d),
            records: to_i32(parsed.records),
            imported: i32::try_from(parsed.services.len()).unwrap_or(i32::MAX),
            skipped: to_i32(parsed.skipped),
            issues: parsed.issues,
            issues_not_listed: to_i32(parsed.issues_not_listed),
        };
        if let Some(current) = &current {
            if current.digest == digest {
                return Ok(report(DirectoryImportOutcome::Unchanged, current, parsed));
            }
            if let (Some(old), Some(new)) = (&current.feed_date, &parsed.feed_date()) {
                if new < old {
                    return Err(linkwork_core::Error::from(FeedError::Older).into());
                }
            }
        }
        let new = HubDirectory {
            version: 0,
            digest,
            source,
            feed_date: parsed.feed_date(),
            imported_at: now(),
            services: i64::try_from(parsed.services.len()).unwrap_or(i64::MAX),
            records: i64::from(parsed.records),
            skipped: i64::from(parsed.skipped),
            bytes: 0,
        };
        let stored = self.store.store_directory(&new, &feed).await?;
        self.audit(
            "directory-import",
            None,
            None,
            Some(&format!(
                "version {} ({} services, digest {})",
                stored.version, stored.services, stored.digest
            )),
        )
        .await?;
        Ok(report(DirectoryImportOutcome::Replaced, &stored, parsed))
    }

    /// Fetches the `/services` API at `url` within `limits` and imports what it returned
    /// ([`Hub::import_directory`], labelled with the URL).
    ///
    /// # Errors
    /// As [`fetch_feed`] and [`Hub::import_directory`]; nothing is stored on any error.
    pub async fn fetch_directory(
        &self,
        url: &str,
        limits: FetchLimits,
    ) -> Result<DirectoryImportReport> {
        check_url(url)?;
        let owned = url.to_owned();
        let feed = tokio::task::spawn_blocking(move || fetch_feed(&owned, &limits))
            .await
            .map_err(|e| HubError::Database(e.to_string()))??;
        self.import_directory(feed, url).await
    }

    /// The hub's answer to a device's directory-sharing `message` (opened from the channel
    /// with the device proven as `cert`, admitted as `device`): link workers and team leads
    /// get the current directory when their digest differs from it, anyone else
    /// [`DirectoryMessage::NotOffered`]. A send is audited (`directory-sent`).
    ///
    /// # Errors
    /// [`HubError::Core`] with [`ShareError`] for a malformed message or one a device may not
    /// send (anything but `Have`): close the connection. Database errors.
    pub async fn answer_directory(
        &self,
        cert: &Certificate,
        device: &Device,
        message: &[u8],
    ) -> Result<Reply> {
        let have = match DirectoryMessage::decode(message) {
            Ok(DirectoryMessage::Have(have)) => have,
            Ok(_) => return Err(linkwork_core::Error::from(ShareError::Unexpected).into()),
            Err(e) => return Err(linkwork_core::Error::from(e).into()),
        };
        // Both the verified certificate and the hub's own user table must say link worker or
        // team lead.
        let role = if matches!(device.role, UserRole::LinkWorker | UserRole::TeamLead) {
            cert.role
        } else {
            CertRole::Admin
        };
        let current = self.store.directory_versions().await?.into_iter().next();
        let digest = current.as_ref().and_then(|d| digest_from_hex(&d.digest));
        match share::answer(role, have, digest) {
            HubAnswer::NotOffered => Ok(Reply::one(DirectoryMessage::NotOffered)),
            HubAnswer::NoDirectory => Ok(Reply::one(DirectoryMessage::NoDirectory)),
            HubAnswer::UpToDate => Ok(Reply::one(DirectoryMessage::UpToDate)),
            HubAnswer::Send => {
                let (Some(current), Some(digest)) = (current, digest) else {
                    return Ok(Reply::one(DirectoryMessage::NoDirectory));
                };
                let Some(feed) = self.store.directory_feed(current.version).await? else {
                    // Replaced and pruned since: the device asks again on its next connection.
                    return Ok(Reply::one(DirectoryMessage::NoDirectory));
                };
                if feed.is_empty() || feed.len() > share::MAX_DIRECTORY_BYTES {
                    return Err(HubError::Corrupt("directory feed"));
                }
                self.audit(
                    "directory-sent",
                    Some(&cert.device),
                    Some(&device.user),
                    Some(&format!(
                        "version {} ({} bytes)",
                        current.version,
                        feed.len()
                    )),
                )
                .await?;
                Ok(Reply {
                    single: None,
                    digest,
                    feed,
                    offset: 0,
                    index: 0,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_set_or_add_the_page_parameter() {
        assert_eq!(
            page_url("https://x.example/services", 2),
            "https://x.example/services?page=2"
        );
        assert_eq!(
            page_url("https://x.example/services?per_page=50&page=1", 3),
            "https://x.example/services?per_page=50&page=3"
        );
        assert_eq!(
            page_url("https://x.example/services?pages=9#top", 2),
            "https://x.example/services?pages=9&page=2"
        );
    }

    #[test]
    fn only_http_and_https_urls_are_fetched() {
        for bad in [
            "file:///etc/passwd",
            "ftp://x.example/services",
            "wss://x.example",
            "https://",
            "x.example/services",
        ] {
            assert!(
                matches!(
                    fetch_feed(bad, &FetchLimits::default()),
                    Err(HubError::Invalid { field: "url", .. })
                ),
                "{bad}"
            );
        }
    }
}
