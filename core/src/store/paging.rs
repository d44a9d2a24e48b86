//! Paged lists: the caseload, the due list and a person's history, a page at a time, each
//! with an opaque cursor that starts the next page after the last row of this one.

use chrono::NaiveDate;

use super::Store;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::page::{check_limit, Cursor};
use crate::model::{CaseloadEntry, CaseloadQuery, DueItem, HistoryEntry, Page, PageRequest};
use crate::storage::pages;

/// The history list's cursor name.
const HISTORY: &str = "history";

impl Store {
    /// One page of the caseload list ([`Store::caseload`] filtered by `query`'s text and
    /// status; its `limit` is ignored, `page.limit` applies), from projections. A person added,
    /// renamed or removed between pages does not make another row repeat or go missing.
    ///
    /// # Errors
    /// [`Error::InvalidInput`]: field `limit` outside 1 to [`crate::model::MAX_PAGE_SIZE`],
    /// field `after` for a cursor this list did not make; storage errors.
    pub fn caseload_page(
        &self,
        query: &CaseloadQuery,
        page: &PageRequest,
    ) -> Result<Page<CaseloadEntry>> {
        self.read(|conn| pages::caseload(conn, query, page))
    }

    /// One page of the open steps and active goals due on or before `until` ([`Store::due`]),
    /// earliest first, from projections.
    ///
    /// # Errors
    /// As [`Store::caseload_page`].
    pub fn due_page(&self, until: NaiveDate, page: &PageRequest) -> Result<Page<DueItem>> {
        self.read(|conn| pages::due(conn, until, page))
    }

    /// One page of a person's history ([`Store::history`]), oldest first. The cursor names
    /// the last change seen: changes merged in later are listed in their place by time, and
    /// those that fall before the cursor are not on later pages, but no change already listed
    /// repeats and none after the cursor is skipped.
    ///
    /// # Errors
    /// As [`Store::history`], and [`Error::InvalidInput`] for a bad `limit` or cursor (field
    /// `after`, also for a cursor of another person's history).
    pub fn history_page(&self, person: Id, page: &PageRequest) -> Result<Page<HistoryEntry>> {
        let limit = check_limit(page.limit)?;
        let after = page
            .after
            .as_deref()
            .map(|c| Cursor::decode(c, HISTORY, 2))
            .transpose()?;
        let all = self.history(person)?;
        let start = match after {
            None => 0,
            Some(c) => {
                if c.key[0] != person.to_string() {
                    return Err(Error::invalid("after", "not a cursor of this list"));
                }
                all.iter()
                    .position(|e| e.change == c.key[1])
                    .map(|i| i + 1)
                    .ok_or_else(|| Error::invalid("after", "not a cursor of this list"))?
            }
        };
        let mut items: Vec<HistoryEntry> = all.into_iter().skip(start).take(limit + 1).collect();
        let next = pages::next_cursor(&mut items, limit, HISTORY, |e| {
            vec![person.to_string(), e.change.clone()]
        });
        Ok(Page { items, next })
    }
}
