//! Sync state and paging: `peers`, `unsynced`, `doc list`, `conflicts` without a person,
//! `resolve`, and the paged forms of `person list`, `due` and `history`.

use linkwork_core::model::{
    ConflictResolution, ConflictedPerson, DocKind, DocumentInfo, FieldValue, KnownPeer, Page,
    PageRequest,
};
use linkwork_core::Error;
use serde::Serialize;
use serde_json::json;

use super::{code, id, Ctx};
use crate::args::{PageArgs, ResolveArgs, UnsyncedArgs};
use crate::error::{CliError, CliResult};
use crate::output::{self, table, when};

/// The page asked for, or `None` when neither `--limit` nor `--after` was given (the whole
/// list). `--after` alone pages by 50 rows.
pub fn page_request(a: &PageArgs) -> Option<PageRequest> {
    match (a.limit, &a.after) {
        (None, None) => None,
        (limit, after) => Some(PageRequest {
            limit: limit.map_or(50, |l| i32::try_from(l).unwrap_or(i32::MAX)),
            after: after.clone(),
        }),
    }
}

/// Prints a page: the rows as `human` shows them and, when more follow, the next cursor
/// (JSON: `{"items": [...], "next": ...}`).
///
/// # Errors
/// Serialising or writing failed.
pub fn show_page<T: Serialize>(
    ctx: &Ctx,
    page: &Page<T>,
    human: impl FnOnce(&[T]) -> String,
) -> CliResult {
    ctx.out.show(page, |p| {
        let mut text = human(&p.items);
        if let Some(next) = &p.next {
            text.push_str(&format!("next page: --after {next}\n"));
        }
        text
    })
}

/// `peers`.
///
/// # Errors
/// Opening the store.
pub fn peers(ctx: &Ctx) -> CliResult {
    let peers = ctx.store()?.peers()?;
    ctx.out.show(&peers, |p| peers_text(p))
}

fn peers_text(peers: &[KnownPeer]) -> String {
    if peers.is_empty() {
        return "no peers yet (this store has not synced)\n".into();
    }
    let rows: Vec<Vec<String>> = peers
        .iter()
        .map(|p| {
            vec![
                p.store_id.to_string(),
                output::code_of(&p.role),
                p.person.map_or_else(|| "-".into(), |x| x.to_string()),
                when(&p.last_sync),
                match (&p.certificate_name, &p.certificate_role) {
                    (Some(n), Some(r)) => format!("{n} ({r})"),
                    (Some(n), None) => n.clone(),
                    _ => "-".into(),
                },
            ]
        })
        .collect();
    table(
        &["PEER", "ROLE", "PERSON", "LAST SYNC", "CERTIFICATE"],
        &rows,
    )
}

/// `unsynced PEER`.
///
/// # Errors
/// A bad or unknown peer id.
pub fn unsynced(ctx: &Ctx, a: UnsyncedArgs) -> CliResult {
    let peer = id("peer", &a.peer)?;
    let people = ctx.store()?.unsynced_people(peer)?;
    ctx.out.show(&people, |p| {
        if p.is_empty() {
            "the peer has every change\n".into()
        } else {
            p.iter().map(|id| format!("{id}\n")).collect()
        }
    })
}

/// `doc list`.
///
/// # Errors
/// Opening the store.
pub fn documents(ctx: &Ctx) -> CliResult {
    let docs = ctx.store()?.documents()?;
    ctx.out.show(&docs, |d| documents_text(d))
}

fn documents_text(docs: &[DocumentInfo]) -> String {
    if docs.is_empty() {
        return "no documents\n".into();
    }
    let rows: Vec<Vec<String>> = docs
        .iter()
        .map(|d| {
            vec![
                d.person_id.to_string(),
                d.kind.to_string(),
                d.bytes.to_string(),
                d.heads.to_string(),
                d.change_rows.to_string(),
            ]
        })
        .collect();
    table(&["PERSON", "KIND", "BYTES", "HEADS", "CHANGE ROWS"], &rows)
}

/// `conflicts` without a person.
///
/// # Errors
/// Opening the store.
pub fn conflicted_people(ctx: &Ctx) -> CliResult {
    let people = ctx.store()?.conflicted_people()?;
    ctx.out.show(&people, |p| conflicted_text(p))
}

fn conflicted_text(people: &[ConflictedPerson]) -> String {
    if people.is_empty() {
        return "no conflicts\n".into();
    }
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|p| {
            vec![
                p.person_id.to_string(),
                p.plan_fields.to_string(),
                p.case_fields.to_string(),
            ]
        })
        .collect();
    table(&["PERSON", "PLAN FIELDS", "CASE FIELDS"], &rows)
}

/// `resolve PERSON --document KIND --path PATH (--keep VALUE | --new VALUE)`: `--keep` names
/// one of the conflict's values as `conflicts PERSON` shows it; `--new` is parsed as the
/// field's type (a date, a code of its vocabulary, ...).
///
/// # Errors
/// A bad person id or document kind; no conflict at the path; a kept value not among the
/// conflict's; a new value that does not parse as the field's type (the message says what it
/// expects); the core's refusals (a value the field does not accept, a patient store).
pub fn resolve(ctx: &Ctx, a: ResolveArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let document: DocKind = code("document", &a.document)?;
    let path: Vec<String> = a.path.split('/').map(str::to_string).collect();
    let store = ctx.store()?;
    let how = match (a.keep, a.new) {
        (Some(v), None) => {
            let record = store.person(person)?;
            let conflict = record
                .conflicts
                .into_iter()
                .find(|c| c.document == document && c.path == path)
                .ok_or_else(|| Error::invalid("path", "no conflicted field at this path"))?;
            let kept = conflict
                .values
                .into_iter()
                .map(|c| c.value)
                .find(|value| value.to_string() == v)
                .ok_or_else(|| Error::invalid("value", "not one of the conflict's values"))?;
            ConflictResolution::Keep(kept)
        }
        (None, Some(v)) => {
            let field = linkwork_core::doc::field_type(document, &path);
            ConflictResolution::New(FieldValue::parse(&field, &v)?)
        }
        _ => {
            return Err(CliError::Usage(
                "resolve needs exactly one of --keep VALUE and --new VALUE".into(),
            ))
        }
    };
    store.resolve_conflict(person, document, &path, &how)?;
    ctx.out.done(Some("resolved".into()), json!({}))
}
