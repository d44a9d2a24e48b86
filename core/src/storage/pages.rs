//! Paged reads of the caseload and due lists: keyset paging on each list's sort order, so a
//! page starts after the last row of the previous one whatever changed in between.

use chrono::NaiveDate;
use rusqlite::{params, Connection};

use super::projections;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::page::{check_limit, Cursor};
use crate::model::{CaseloadEntry, CaseloadQuery, DueItem, Page, PageRequest};

/// The caseload list's cursor name.
const CASELOAD: &str = "caseload";
/// The due list's cursor name.
const DUE: &str = "due";

/// One page of the caseload list (filtered by `q`'s text and status; its `limit` is ignored),
/// in the list's order: family name, given name, person id.
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a bad `limit` or cursor; storage errors.
pub(crate) fn caseload(
    conn: &Connection,
    q: &CaseloadQuery,
    page: &PageRequest,
) -> Result<Page<CaseloadEntry>> {
    let limit = check_limit(page.limit)?;
    let after = page
        .after
        .as_deref()
        .map(|c| Cursor::decode(c, CASELOAD, 3))
        .transpose()?;
    if let Some(c) = &after {
        check_id(&c.key[2])?;
    }
    let (mut sql, mut args) = projections::caseload_select(q);
    // Family names are required, so no stored name is empty: `coalesce` orders a person
    // without a case document (no names) first, as the unpaged list does.
    if let Some(c) = after {
        sql.push_str(
            " AND (coalesce(family_lc, ''), coalesce(given_lc, ''), person_id) > (?, ?, ?)",
        );
        args.extend(c.key);
    }
    sql.push_str(&format!(
        " ORDER BY coalesce(family_lc, ''), coalesce(given_lc, ''), person_id LIMIT {}",
        limit + 1
    ));
    let mut items = projections::caseload_rows(conn, &sql, &args)?;
    let next = next_cursor(&mut items, limit, CASELOAD, |e| {
        vec![
            lower(e.family_name.as_deref()),
            lower(e.given_name.as_deref()),
            e.person_id.to_string(),
        ]
    });
    Ok(Page { items, next })
}

/// One page of the open steps and active goals due on or before `until`, earliest first (due
/// date, then item id).
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a bad `limit` or cursor; storage errors.
pub(crate) fn due(
    conn: &Connection,
    until: NaiveDate,
    page: &PageRequest,
) -> Result<Page<DueItem>> {
    let limit = check_limit(page.limit)?;
    let after = page
        .after
        .as_deref()
        .map(|c| Cursor::decode(c, DUE, 2))
        .transpose()?;
    if let Some(c) = &after {
        NaiveDate::parse_from_str(&c.key[0], "%Y-%m-%d").map_err(|_| bad_cursor())?;
        check_id(&c.key[1])?;
    }
    let (due, item) = match &after {
        Some(c) => (c.key[0].clone(), c.key[1].clone()),
        None => (String::new(), String::new()),
    };
    let rows = projections::due_rows(
        conn,
        "SELECT kind, item_id, person_id, text, due FROM due_items
         WHERE due <= ?1 AND (due, item_id) > (?2, ?3) ORDER BY due, item_id LIMIT ?4",
        params![until.to_string(), due, item, (limit + 1) as i64],
    )?;
    let mut items = rows;
    let next = next_cursor(&mut items, limit, DUE, |d| {
        vec![d.due.to_string(), d.item_id.to_string()]
    });
    Ok(Page { items, next })
}

/// Trims `items` (read with one row more than `limit`) to the page and returns the cursor after
/// its last row when more rows follow.
pub(crate) fn next_cursor<T>(
    items: &mut Vec<T>,
    limit: usize,
    list: &str,
    key: impl Fn(&T) -> Vec<String>,
) -> Option<String> {
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last().map(|last| Cursor::encode(list, &key(last)))
}

/// Refuses a cursor whose id part is not an id (a cursor this build did not make).
fn check_id(text: &str) -> Result<()> {
    Id::parse("after", text)
        .map(|_| ())
        .map_err(|_| bad_cursor())
}

fn bad_cursor() -> Error {
    Error::invalid("after", "not a cursor of this list")
}

fn lower(text: Option<&str>) -> String {
    text.map(str::to_lowercase).unwrap_or_default()
}
