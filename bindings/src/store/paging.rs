//! Paged lists: the caseload, the due list and a person's history, with an opaque cursor.

use chrono::NaiveDate;
use linkwork_core::model::CaseloadQuery as CoreCaseloadQuery;

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::id;
use crate::types::{CaseloadPage, CaseloadQuery, DuePage, HistoryPage, PageRequest};
use crate::LinkWorkError;

blocking_and_async! {
impl LinkWorkStore {
    /// One page of the caseload list filtered by `query` (its `limit` is ignored). A person
    /// added or renamed between pages makes no other row repeat or go missing.
    ///
    /// Errors: `InvalidInput` with field `limit` (outside 1 to 1000) or `after` (a cursor
    /// this list did not make).
    pub fn caseload_page / caseload_page_blocking(
        &self,
        query: CaseloadQuery,
        page: PageRequest,
    ) -> Result<CaseloadPage, LinkWorkError> {
        let query: CoreCaseloadQuery = query;
        Ok(self.inner.caseload_page(&query, &page)?.into())
    }

    /// One page of the open steps and active goals due on or before `until`.
    ///
    /// Errors: as `caseloadPage`; `InvalidInput` for a malformed date.
    pub fn due_page / due_page_blocking(&self, until: NaiveDate, page: PageRequest) -> Result<DuePage, LinkWorkError> {
        Ok(self.inner.due_page(until, &page)?.into())
    }

    /// One page of a person's history, oldest first.
    ///
    /// Errors: as `caseloadPage` (also `after` for another person's cursor); `NotFound`;
    /// `NotPermitted` for another person on a patient store.
    pub fn history_page / history_page_blocking(
        &self,
        person_id: String,
        page: PageRequest,
    ) -> Result<HistoryPage, LinkWorkError> {
        Ok(self
            .inner
            .history_page(id("person_id", &person_id)?, &page)?
            .into())
    }
}}
