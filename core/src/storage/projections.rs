//! Projection tables: the caseload list, item index, due items and open onward referrals,
//! rewritten for one person in the same transaction as that person's document change.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rusqlite::{params, params_from_iter, Connection, Transaction};

use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::*;

/// Rewrites every projection row of `person` from its documents.
pub(crate) fn refresh(
    tx: &Transaction<'_>,
    person: Id,
    plan: Option<&Plan>,
    case: Option<&CaseRecord>,
    now: DateTime<Utc>,
) -> Result<()> {
    let key = person.to_string();
    for table in ["people", "due_items", "open_onward"] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE person_id = ?1"))?
            .execute(params![key])?;
    }
    let mut items: Vec<(String, &str)> = Vec::new();
    let d = case.map(|c| &c.demographics);
    let status = case
        .and_then(CaseRecord::current_episode)
        .map(|e| e.status.code());
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
    let open_onward: Vec<&OnwardReferral> = case
        .map(|c| {
            c.onward_referrals
                .iter()
                .filter(|o| !o.status.is_final())
                .collect()
        })
        .unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO people (person_id, given_name, family_name, given_lc, family_lc, date_of_birth,
            nhs_number, status, next_step_due, active_goals, open_onward, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        key,
        d.map(|d| d.given_name.as_str()),
        d.map(|d| d.family_name.as_str()),
        d.map(|d| d.given_name.to_lowercase()),
        d.map(|d| d.family_name.to_lowercase()),
        d.and_then(|d| d.date_of_birth).map(|d| d.to_string()),
        d.and_then(|d| d.nhs_number.as_ref()).map(|n| n.as_str()),
        status,
        next_due,
        active_goals as i64,
        open_onward.len() as i64,
        now.timestamp_millis(),
    ])?;
    let mut due = tx.prepare_cached(
        "INSERT OR REPLACE INTO due_items (item_id, person_id, kind, text, due) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    if let Some(p) = plan {
        for g in &p.goals {
            items.push((g.id.to_string(), "goal"));
            for e in &g.progress {
                items.push((e.id.to_string(), "progress"));
            }
            if let (GoalStatus::Active, Some(t)) = (g.status, g.target_date) {
                due.execute(params![
                    g.id.to_string(),
                    key,
                    "goal",
                    g.text,
                    t.to_string()
                ])?;
            }
        }
        for s in &p.steps {
            items.push((s.id.to_string(), "step"));
            if let (None, Some(t)) = (s.done_at, s.due) {
                due.execute(params![
                    s.id.to_string(),
                    key,
                    "step",
                    s.text,
                    t.to_string()
                ])?;
            }
        }
        for m in &p.measures {
            items.push((m.id.to_string(), "measure"));
        }
    }
    if let Some(c) = case {
        let groups: [(&str, Vec<Id>); 6] = [
            ("episode", c.episodes.iter().map(|x| x.id).collect()),
            (
                "contact-attempt",
                c.contact_attempts.iter().map(|x| x.id).collect(),
            ),
            ("consent", c.consents.iter().map(|x| x.id).collect()),
            (
                "consultation",
                c.consultations.iter().map(|x| x.id).collect(),
            ),
            ("flag", c.flags.iter().map(|x| x.id).collect()),
            ("case-note", c.notes.iter().map(|x| x.id).collect()),
        ];
        for (kind, ids) in groups {
            for id in ids {
                items.push((id.to_string(), kind));
            }
        }
        let mut onward = tx.prepare_cached(
            "INSERT OR REPLACE INTO open_onward (referral_id, person_id, service, status, sent_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for o in &c.onward_referrals {
            items.push((o.id.to_string(), "onward-referral"));
        }
        for o in open_onward {
            onward.execute(params![
                o.id.to_string(),
                key,
                o.service,
                o.status.code(),
                o.sent_at.timestamp_millis()
            ])?;
        }
    }
    sync_items(tx, &key, &items)?;
    Ok(())
}

/// Brings a person's rows of the item index to exactly `items`, touching only rows that differ.
/// Item ids are random keys, so one person's rows lie on dozens of pages: rewriting them all on
/// every edit wrote about 400 KB per action at 250 people (`linkwork-bench`), this about 160 KB.
fn sync_items(tx: &Transaction<'_>, key: &str, items: &[(String, &str)]) -> Result<()> {
    let mut existing: std::collections::HashMap<String, String> = tx
        .prepare_cached("SELECT item_id, kind FROM items WHERE person_id = ?1")?
        .query_map(params![key], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO items (item_id, person_id, kind) VALUES (?1, ?2, ?3)",
    )?;
    for (id, kind) in items {
        match existing.remove(id) {
            Some(k) if k == *kind => {}
            _ => {
                insert.execute(params![id, key, kind])?;
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
    for table in ["people", "items", "due_items", "open_onward"] {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE person_id = ?1"))?
            .execute(params![key])?;
    }
    Ok(())
}

/// The person an item belongs to, and the item's kind.
pub(crate) fn item_owner(conn: &Connection, item: Id) -> Result<Option<(Id, String)>> {
    use rusqlite::OptionalExtension;
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT person_id, kind FROM items WHERE item_id = ?1")?
        .query_row(params![item.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(p, k)| Ok((parse_id(&p)?, k))).transpose()
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
    sql.push_str(" ORDER BY family_lc, given_lc, person_id");
    if let Some(limit) = q.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let mut stmt = conn.prepare_cached(&sql)?;
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
            active_goals: u32::try_from(goals).unwrap_or(0),
            open_onward_referrals: u32::try_from(onward).unwrap_or(0),
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
    let mut stmt = conn.prepare_cached(
        "SELECT kind, item_id, person_id, text, due FROM due_items WHERE due <= ?1 ORDER BY due, item_id",
    )?;
    let rows = stmt.query_map(params![until.to_string()], |r| {
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
