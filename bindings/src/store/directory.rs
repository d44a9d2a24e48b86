//! The community services directory: import a feed, search offline, a service's full record,
//! the directory's version. Reference data: no person's record changes and no listener is
//! told. Every method touches disk (import and search for longer on a big directory): each is
//! async, with a `*Blocking` twin.

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::types::{
    DirectoryImportReport, DirectoryPage, DirectoryQuery, DirectoryService, DirectoryVersion,
};
use crate::LinkWorkError;

blocking_and_async! {
impl LinkWorkStore {
    /// Imports an Open Referral UK / HSDS 3.0 services feed (the bytes of a `/services` page,
    /// a list of pages or records, or one record; at most 64 MiB and 20,000 records) labelled
    /// `source` (e.g. the file name or URL). Bad records are skipped and bad fields dropped or
    /// cleaned, each listed in the report; the valid services replace the directory in one
    /// transaction (`Unchanged` when the content is the same).
    ///
    /// Errors: `InvalidInput` with field `feed` when the whole feed is refused (not JSON, not
    /// Open Referral, too large, too many records, no valid service) and field `source` for
    /// an empty label; `Conflict` when the feed is older than the stored directory. On every
    /// error the stored directory is unchanged.
    pub fn directory_import / directory_import_blocking(
        &self,
        feed: Vec<u8>,
        source: String,
    ) -> Result<DirectoryImportReport, LinkWorkError> {
        Ok(self.inner.directory_import(&feed, &source)?)
    }

    /// The directory on this store, or `None` before the first import.
    ///
    /// Errors: `Storage`.
    pub fn directory_version / directory_version_blocking(&self) -> Result<Option<DirectoryVersion>, LinkWorkError> {
        Ok(self.inner.directory_version()?)
    }

    /// Searches the directory offline; every filter given must hold; ranked (text relevance,
    /// then distance, then name) and paged.
    ///
    /// Errors: `InvalidInput` naming the field (`text`, `need`, `near`, `within_km`,
    /// `open`, `age`, `limit`), including `near` for a postcode that no location of the
    /// directory carries with coordinates (never guessed).
    pub fn directory_search / directory_search_blocking(&self, query: DirectoryQuery) -> Result<DirectoryPage, LinkWorkError> {
        let query = query.try_into()?;
        Ok(self.inner.directory_search(&query)?)
    }

    /// A service's full record by its directory id.
    ///
    /// Errors: `NotFound` (kind `directory service`).
    pub fn directory_service / directory_service_blocking(&self, service_id: String) -> Result<DirectoryService, LinkWorkError> {
        Ok(self.inner.directory_service(&service_id)?.into())
    }
}}
