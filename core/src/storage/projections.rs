//! Projection tables: the caseload list, item index, due items and open onward referrals,
//! brought in line for one person in the same transaction as that person's document change.
//! Only rows (and caseload-row columns) that differ are written: an action then dirties a few
//! pages instead of one per row and index (`linkwork-bench`, docs/performance.md).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Transaction};

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::*;

/// Item kinds indexed from a plan document: those an edit finds by id (`Store::owner_of`).
/// Progress entries and measure responses are never looked up by id, so they have no rows.
const PLAN_ITEM_KINDS: [&str; 2] = ["goal", "step"];

/// Item kinds indexed from a case document: those an edit finds by id. Episodes, contact
/// attempts and consents are never looked up by id, so they have no rows.
const CASE_ITEM_KINDS: [&str; 4] = ["consultation", "flag", "case-note", "onward-referral"];

/// Whether the item index holds items of `kind`.
pub(crate) fn indexed_kind(kind: &str) -> bool {
    PLAN_ITEM_KINDS.contains(&kind) || CASE_ITEM_KINDS.contains(&kind)
}

/// Brings every projection row of `person` in line with its documents (both, as they are now;
/// `None` for a document the store does not hold). Rows that already match are not written.
pub(crate) fn refresh(
    tx: &Transaction<'_>,
    person: Id,
    plan: Option<&Plan>,
    case: Option<&CaseRecord>,
    now: DateTime<Utc>,
) -> Result<()> {
    let key = person.to_string();
    let mut columns = plan_columns(plan);
    columns.extend(case_columns(case));
    if !update_people(tx, &key, &columns, now)? {
        insert_people(tx, &key, &columns, now)?;
    }
    sync_due(tx, &key, plan)?;
    sync_onward(tx, &key, case)?;
    let mut items = plan_items(plan);
    items.extend(case_items(case));
    sync_items(tx, person, &items, None)?;
    Ok(())
}

/// After an edit of the plan document only: brings the projections derived from the plan
/// (the caseload row's next step and active goals, due items, the plan's item ids) in line,
/// without reading the case document. Every other row depends only on the case document,
/// which did not change, so the result equals [`refresh`] with both documents.
///
/// `false` when the person has no caseload row yet (nothing is written): the caller then runs
/// [`refresh`] with both documents.
pub(crate) fn refresh_plan(
    tx: &Transaction<'_>,
    person: Id,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<bool> {
    let key = person.to_string();
    if !update_people(tx, &key, &plan_columns(Some(plan)), now)? {
        return Ok(false);
    }
    sync_due(tx, &key, Some(plan))?;
    sync_items(tx, person, &plan_items(Some(plan)), Some(&PLAN_ITEM_KINDS))?;
    Ok(true)
}

/// After an edit of the case document only: as [`refresh_plan`] for the projections derived
/// from the case (names, number, status and open referrals on the caseload row, open onward
/// referrals, the case's item ids).
pub(crate) fn refresh_case(
    tx: &Transaction<'_>,
    person: Id,
    case: &CaseRecord,
    now: DateTime<Utc>,
) -> Result<bool> {
    let key = person.to_string();
    if !update_people(tx, &key, &case_columns(Some(case)), now)? {
        return Ok(false);
    }
    sync_onward(tx, &key, Some(case))?;
    sync_items(tx, person, &case_items(Some(case)), Some(&CASE_ITEM_KINDS))?;
    Ok(true)
}

/// After an edit that changes nothing projected except, possibly, one new item of the item
/// index (the store says which: `store::Projected`): sets the caseload row's `updated_at` and
/// indexes the item when its kind is indexed ([`indexed_kind`]). `false` when the person has no
/// caseload row yet (nothing is written): the caller then refreshes.
pub(crate) fn touch(
    tx: &Transaction<'_>,
    person: Id,
    item: Option<(Id, &str)>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let key = person.to_string();
    let rows = tx
        .prepare_cached("UPDATE people SET updated_at = ?2 WHERE person_id = ?1")?
        .execute(params![key, now.timestamp_millis()])?;
    if rows == 0 {
        return Ok(false);
    }
    if let Some((id, kind)) = item.filter(|(_, kind)| indexed_kind(kind)) {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO items (item_id, person_id, kind) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![&id.as_bytes()[..], &person.as_bytes()[..], kind])?;
    }
    Ok(true)
}

/// A caseload-row column and its value.
type Column = (&'static str, Value);

/// The caseload-row columns derived from the plan.
fn plan_columns(plan: Option<&Plan>) -> Vec<Column> {
    let next_due = plan
        .and_then(|p| {
            p.steps
                .iter()
                .filter(|s| s.done_at.is_none())
                .filter_map(|s| s.due)
                .min()
        })
        .map(|d| d.to_string());
    let active_goals = plan.map_or(0, |p| {
        p.goals
            .iter()
            .filter(|g| g.status == GoalStatus::Active)
            .count()
    });
    vec![
        ("next_step_due", text(next_due)),
        ("active_goals", Value::Integer(active_goals as i64)),
    ]
}

/// The caseload-row columns derived from the case.
fn case_columns(case: Option<&CaseRecord>) -> Vec<Column> {
    let d = case.map(|c| &c.demographics);
    let status = case
        .and_then(CaseRecord::current_episode)
        .map(|e| e.status.code().to_string());
    let open_onward = case.map_or(0, |c| {
        c.onward_referrals
            .iter()
            .filter(|o| !o.status.is_final())
            .count()
    });
    vec![
        ("given_name", text(d.map(|d| d.given_name.clone()))),
        ("family_name", text(d.map(|d| d.family_name.clone()))),
        ("given_lc", text(d.map(|d| d.given_name.to_lowercase()))),
        ("family_lc", text(d.map(|d| d.family_name.to_lowercase()))),
        (
            "date_of_birth",
            text(d.and_then(|d| d.date_of_birth).map(|d| d.to_string())),
        ),
        (
            "nhs_number",
            text(
                d.and_then(|d| d.nhs_number.as_ref())
                    .map(|n| n.as_str().to_string()),
            ),
        ),
        ("status", text(status)),
        ("open_onward", Value::Integer(open_onward as i64)),
        ("episode_from", episode_from(case)),
    ]
}

/// Where the current episode begins, as `people.episode_from` holds it: an item whose episode
/// is decided by a time before it belongs to a past episode (`model::scope`). `Null` when no
/// item can be (no episode, or only one: an item older than every episode belongs to the
/// first); `i64::MAX` when a newer version's episode is current (every readable one is past).
fn episode_from(case: Option<&CaseRecord>) -> Value {
    let Some(c) = case.filter(|c| c.episodes.len() > 1) else {
        return Value::Null;
    };
    match crate::model::record::current_of(&c.episodes, &c.newer_items) {
        Some(current) => Value::Integer(current.opened_at.timestamp_millis()),
        None => Value::Integer(i64::MAX),
    }
}

/// A person's `people.episode_from` (see [`episode_from`]): `None` when the person has no
/// caseload row, `Some(None)` when no item of theirs can be of a past episode.
pub(crate) fn current_episode_from(conn: &Connection, person: Id) -> Result<Option<Option<i64>>> {
    Ok(conn
        .prepare_cached("SELECT episode_from FROM people WHERE person_id = ?1")?
        .query_row(params![person.to_string()], |r| r.get::<_, Option<i64>>(0))
        .optional()?)
}

fn text(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::Text)
}

/// Sets `updated_at` and those of `columns` that differ on a person's caseload row; `false`
/// when there is no row. Only changed columns are written, so the four indexes on names, NHS
/// number and status are not touched by edits that leave them as they were.
fn update_people(
    tx: &Transaction<'_>,
    key: &str,
    columns: &[Column],
    now: DateTime<Utc>,
) -> Result<bool> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let current: Option<Vec<Value>> = tx
        .prepare_cached(&format!(
            "SELECT {} FROM people WHERE person_id = ?1",
            names.join(", ")
        ))?
        .query_row(params![key], |r| {
            (0..columns.len()).map(|i| r.get::<_, Value>(i)).collect()
        })
        .optional()?;
    let Some(current) = current else {
        return Ok(false);
    };
    let mut set = vec!["updated_at = ?2".to_string()];
    let mut args = vec![
        Value::Text(key.to_string()),
        Value::Integer(now.timestamp_millis()),
    ];
    for ((name, value), old) in columns.iter().zip(current) {
        if *value != old {
            args.push(value.clone());
            set.push(format!("{name} = ?{}", args.len()));
        }
    }
    tx.prepare_cached(&format!(
        "UPDATE people SET {} WHERE person_id = ?1",
        set.join(", ")
    ))?
    .execute(params_from_iter(args))?;
    Ok(true)
}

/// Inserts a person's caseload row.
fn insert_people(
    tx: &Transaction<'_>,
    key: &str,
    columns: &[Column],
    now: DateTime<Utc>,
) -> Result<()> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let marks: Vec<String> = (0..columns.len()).map(|i| format!("?{}", i + 3)).collect();
    let mut args = vec![
        Value::Text(key.to_string()),
        Value::Integer(now.timestamp_millis()),
    ];
    args.extend(columns.iter().map(|(_, value)| value.clone()));
    tx.prepare_cached(&format!(
        "INSERT INTO people (person_id, updated_at, {}) VALUES (?1, ?2, {})",
        names.join(", "),
        marks.join(", ")
    ))?
    .execute(params_from_iter(args))?;
    Ok(())
}

/// Brings a person's due items to exactly the plan's active goals with a target date and open
/// steps with a due date, writing only rows that differ.
fn sync_due(tx: &Transaction<'_>, key: &str, plan: Option<&Plan>) -> Result<()> {
    let mut wanted: Vec<(String, [Value; 3])> = Vec::new();
    if let Some(p) = plan {
        for g in &p.goals {
            if let (GoalStatus::Active, Some(t)) = (g.status, g.target_date) {
                wanted.push((
                    g.id.to_string(),
                    [
                        Value::Text("goal".into()),
                        Value::Text(g.text.clone()),
                        Value::Text(t.to_string()),
                    ],
                ));
            }
        }
        for s in &p.steps {
            if let (None, Some(t)) = (s.done_at, s.due) {
                wanted.push((
                    s.id.to_string(),
                    [
                        Value::Text("step".into()),
                        Value::Text(s.text.clone()),
                        Value::Text(t.to_string()),
                    ],
                ));
            }
        }
    }
    sync_rows(
        tx,
        key,
        "SELECT item_id, kind, text, due FROM due_items WHERE person_id = ?1",
        "INSERT OR REPLACE INTO due_items (item_id, person_id, kind, text, due)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        "DELETE FROM due_items WHERE item_id = ?1",
        wanted,
    )
}

/// Brings a person's open onward referrals to exactly those of the case not in a final state,
/// writing only rows that differ.
fn sync_onward(tx: &Transaction<'_>, key: &str, case: Option<&CaseRecord>) -> Result<()> {
    let wanted: Vec<(String, [Value; 3])> = case
        .map(|c| {
            c.onward_referrals
                .iter()
                .filter(|o| !o.status.is_final())
                .map(|o| {
                    (
                        o.id.to_string(),
                        [
                            Value::Text(o.service.clone()),
                            Value::Text(o.status.code().to_string()),
                            Value::Integer(o.sent_at.timestamp_millis()),
                        ],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    sync_rows(
        tx,
        key,
        "SELECT referral_id, service, status, sent_at FROM open_onward WHERE person_id = ?1",
        "INSERT OR REPLACE INTO open_onward (referral_id, person_id, service, status, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        "DELETE FROM open_onward WHERE referral_id = ?1",
        wanted,
    )
}

/// Brings a person's rows of a projection keyed by item id (id, person, three values) to
/// exactly `wanted`: `select` lists the person's rows (id and the three values), `upsert`
/// writes one row (id, person, values), `delete` removes one by id. Rows that already match
/// are not written: these tables are keyed by random ids, so rewriting them all dirtied a page
/// per row on every edit.
fn sync_rows(
    tx: &Transaction<'_>,
    key: &str,
    select: &str,
    upsert: &str,
    delete: &str,
    wanted: Vec<(String, [Value; 3])>,
) -> Result<()> {
    let mut existing: HashMap<String, [Value; 3]> = tx
        .prepare_cached(select)?
        .query_map(params![key], |r| {
            Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?]))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut write = tx.prepare_cached(upsert)?;
    for (id, values) in wanted {
        if existing.remove(&id).as_ref() == Some(&values) {
            continue;
        }
        let [a, b, c] = values;
        write.execute(params![id, key, a, b, c])?;
    }
    let mut remove = tx.prepare_cached(delete)?;
    for id in existing.keys() {
        remove.execute(params![id])?;
    }
    Ok(())
}

/// The plan's item ids and kinds, for the item index (goals and steps).
fn plan_items(plan: Option<&Plan>) -> Vec<(Id, &'static str)> {
    let mut items = Vec::new();
    if let Some(p) = plan {
        items.extend(p.goals.iter().map(|g| (g.id, "goal")));
        items.extend(p.steps.iter().map(|s| (s.id, "step")));
        // Items only a newer version can read are indexed too, so an edit addressed to one
        // finds it and is refused with `Error::NewerVersion` rather than `NotFound`.
        for n in p
            .newer_items
            .iter()
            .filter(|n| PLAN_ITEM_KINDS.contains(&n.kind))
        {
            items.push((n.id, n.kind));
        }
    }
    items
}

/// The case's item ids and kinds, for the item index (consultations, flags, notes, onward
/// referrals).
fn case_items(case: Option<&CaseRecord>) -> Vec<(Id, &'static str)> {
    let mut items = Vec::new();
    if let Some(c) = case {
        items.extend(c.consultations.iter().map(|x| (x.id, "consultation")));
        items.extend(c.flags.iter().map(|x| (x.id, "flag")));
        items.extend(c.notes.iter().map(|x| (x.id, "case-note")));
        items.extend(c.onward_referrals.iter().map(|x| (x.id, "onward-referral")));
        for n in c
            .newer_items
            .iter()
            .filter(|n| CASE_ITEM_KINDS.contains(&n.kind))
        {
            items.push((n.id, n.kind));
        }
    }
    items
}

/// Brings a person's rows of the item index to exactly `items`, touching only rows that differ.
/// With `only`, rows of other kinds are left alone (they come from the other document).
/// Item ids are random keys, so one person's rows lie on many pages: rewriting them all on
/// every edit wrote about 400 KB per action at 250 people (`linkwork-bench`), this about 160 KB.
fn sync_items(
    tx: &Transaction<'_>,
    person: Id,
    items: &[(Id, &str)],
    only: Option<&[&str]>,
) -> Result<()> {
    let owner = &person.as_bytes()[..];
    let mut existing: HashMap<Vec<u8>, String> = tx
        .prepare_cached("SELECT item_id, kind FROM items WHERE person_id = ?1")?
        .query_map(params![owner], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
        })?
        .filter(|row| match (row, only) {
            (Ok((_, kind)), Some(kinds)) => kinds.contains(&kind.as_str()),
            _ => true,
        })
        .collect::<rusqlite::Result<_>>()?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO items (item_id, person_id, kind) VALUES (?1, ?2, ?3)",
    )?;
    for (id, kind) in items {
        let key = &id.as_bytes()[..];
        match existing.remove(key) {
            Some(k) if k == *kind => {}
            _ => {
                insert.execute(params![key, owner, kind])?;
            }
        }
    }
    let mut delete = tx.prepare_cached("DELETE FROM items WHERE item_id = ?1")?;
    for id in existing.keys() {
        delete.execute(params![id])?;
    }
    Ok(())
}

/// Removes every projection row of `person`.
pub(crate) fn remove(tx: &Transaction<'_>, person: Id) -> Result<()> {
    let key = person.to_string();
    for table in ["people", "due_items", "open_onward", "conflicts"] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE person_id = ?1"))?
            .execute(params![key])?;
    }
    // The item index keys people by their id's 16 bytes.
    tx.prepare_cached("DELETE FROM items WHERE person_id = ?1")?
        .execute(params![&person.as_bytes()[..]])?;
    Ok(())
}

/// The person an item belongs to, and the item's kind (`None` also for items of kinds the
/// index does not hold: see [`indexed_kind`]).
pub(crate) fn item_owner(conn: &Connection, item: Id) -> Result<Option<(Id, String)>> {
    let row: Option<(Vec<u8>, String)> = conn
        .prepare_cached("SELECT person_id, kind FROM items WHERE item_id = ?1")?
        .query_row(params![&item.as_bytes()[..]], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    row.map(|(p, k)| {
        let bytes: [u8; 16] = p
            .try_into()
            .map_err(|_| Error::schema("stored id is not an id"))?;
        Ok((Id::from_bytes(bytes), k))
    })
    .transpose()
}

fn parse_id(text: &str) -> Result<Id> {
    Id::parse("id", text).map_err(|_| Error::schema("stored id is not an id"))
}

fn parse_date(text: Option<String>) -> Option<NaiveDate> {
    text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

/// Escapes LIKE wildcards so user text matches literally.
fn like_prefix(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The caseload list, filtered and sorted by family then given name.
pub(crate) fn caseload(conn: &Connection, q: &CaseloadQuery) -> Result<Vec<CaseloadEntry>> {
    let (mut sql, args) = caseload_select(q);
    sql.push_str(" ORDER BY family_lc, given_lc, person_id");
    if let Some(limit) = q.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    caseload_rows(conn, &sql, &args)
}

/// The caseload query's `SELECT ... WHERE ...` for `q`'s text and status (no order, no limit),
/// and its arguments.
pub(crate) fn caseload_select(q: &CaseloadQuery) -> (String, Vec<String>) {
    let mut sql = String::from(
        "SELECT person_id, given_name, family_name, date_of_birth, nhs_number, status, next_step_due,
                active_goals, open_onward, updated_at FROM people WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let lc = like_prefix(&text.to_lowercase());
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        sql.push_str(
            " AND (given_lc LIKE ? ESCAPE '\\' OR family_lc LIKE ? ESCAPE '\\'
                   OR (given_lc || ' ' || family_lc) LIKE ? ESCAPE '\\'",
        );
        args.extend([lc.clone(), lc.clone(), lc]);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            sql.push_str(" OR nhs_number LIKE ? ESCAPE '\\'");
            args.push(like_prefix(&digits));
        }
        sql.push(')');
    }
    if let Some(s) = q.status {
        sql.push_str(" AND status = ?");
        args.push(s.code().to_string());
    }
    (sql, args)
}

/// Runs a caseload query made from [`caseload_select`].
pub(crate) fn caseload_rows(
    conn: &Connection,
    sql: &str,
    args: &[String],
) -> Result<Vec<CaseloadEntry>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, i64>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, given, family, dob, nhs, status, due, goals, onward, updated) = row?;
        out.push(CaseloadEntry {
            person_id: parse_id(&id)?,
            given_name: given,
            family_name: family,
            date_of_birth: parse_date(dob),
            nhs_number: nhs,
            status: status.as_deref().and_then(EpisodeStatus::from_code),
            next_step_due: parse_date(due),
            active_goals: i32::try_from(goals).unwrap_or(0),
            open_onward_referrals: i32::try_from(onward).unwrap_or(0),
            updated_at: Utc
                .timestamp_millis_opt(updated)
                .single()
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Open steps and active goals due on or before `until`, earliest first.
pub(crate) fn due(conn: &Connection, until: NaiveDate) -> Result<Vec<DueItem>> {
    due_rows(
        conn,
        "SELECT kind, item_id, person_id, text, due FROM due_items WHERE due <= ?1 ORDER BY due, item_id",
        params![until.to_string()],
    )
}

/// Runs a due-list query selecting `kind, item_id, person_id, text, due`.
pub(crate) fn due_rows(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<DueItem>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, item, person, text, due) = row?;
        out.push(DueItem {
            kind: if kind == "goal" {
                DueKind::Goal
            } else {
                DueKind::Step
            },
            item_id: parse_id(&item)?,
            person_id: parse_id(&person)?,
            text,
            due: parse_date(Some(due)).ok_or_else(|| Error::schema("stored due date"))?,
        });
    }
    Ok(out)
}

/// Onward referrals not in a final state, oldest first.
pub(crate) fn open_onward(conn: &Connection) -> Result<Vec<OpenOnwardReferral>> {
    let mut stmt = conn.prepare_cached(
        "SELECT referral_id, person_id, service, status, sent_at FROM open_onward ORDER BY sent_at, referral_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, person, service, status, sent) = row?;
        out.push(OpenOnwardReferral {
            referral_id: parse_id(&id)?,
            person_id: parse_id(&person)?,
            service,
            status: OnwardStatus::from_code(&status)
                .ok_or_else(|| Error::schema("stored onward status"))?,
            sent_at: Utc.timestamp_millis_opt(sent).single().unwrap_or_default(),
        });
    }
    Ok(out)
}
