//! The store's sync state for apps: the peers it met, the documents it holds, the people with
//! changes a peer has not seen, the people with unresolved conflicts (from the conflict index,
//! no document loaded), and resolving a conflict by keeping a value or setting a new one.

use automerge::ReadDoc;

use super::cache::DocCache;
use super::{Projected, Store};
use crate::doc::{case_doc, conflicts, plan_doc, resolve};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{ConflictResolution, ConflictedPerson, DocKind, DocumentInfo, KnownPeer};
use crate::storage::{sync_view, WriteTx};
use crate::sync::wire::Hello;

impl Store {
    /// Every peer this store has synced with, most recently synced first: its store id, role,
    /// person (a patient's phone), the time of its latest applied message, and what its
    /// certificate said when the session was authenticated.
    ///
    /// # Errors
    /// Storage errors.
    pub fn peers(&self) -> Result<Vec<KnownPeer>> {
        self.read(sync_view::peers)
    }

    /// Every document this store holds (person, kind, stored size, heads, change rows), by
    /// person id then kind code (`case` before `plan`), from the stored rows: nothing is loaded.
    ///
    /// # Errors
    /// Storage errors.
    pub fn documents(&self) -> Result<Vec<DocumentInfo>> {
        self.read(sync_view::documents)
    }

    /// The people (by id) with changes that the peer `peer` (a [`KnownPeer::store_id`], e.g.
    /// the team hub's) has not seen: documents the share policy gives that peer whose heads
    /// differ from the heads last known shared with it, or that it never received. Computed
    /// from stored heads and per-peer sync state; no document is loaded. A person's changes
    /// that reached the peer through a third store still count until this store syncs with it.
    ///
    /// # Errors
    /// [`Error::NotFound`] (kind `peer`) for a store this one has never synced with; storage
    /// errors.
    pub fn unsynced_people(&self, peer: Id) -> Result<Vec<Id>> {
        self.db.read_tx(|tx| {
            let known = sync_view::peers(tx)?
                .into_iter()
                .find(|p| p.store_id == peer)
                .ok_or_else(|| Error::not_found("peer", peer))?;
            let hello = Hello {
                store_id: known.store_id,
                role: known.role,
                person: known.person,
            };
            super::sync_ops::unseen_by(tx, &self.info, &hello)
        })
    }

    /// The people with at least one field that devices set concurrently, with how many fields
    /// conflict in each document, by person id. Read from the conflict index, which every
    /// edit, merge and rebuild keeps in step: no document is loaded. [`Store::person`] gives
    /// the conflicts themselves.
    ///
    /// # Errors
    /// Storage errors.
    pub fn conflicted_people(&self) -> Result<Vec<ConflictedPerson>> {
        self.read(sync_view::conflicted_people)
    }

    /// Resolves the conflicted field at `path` of a person's `document` (a
    /// [`crate::model::FieldConflict`]'s document and path): keeps one of its values, or sets
    /// a new value of the field's type. One user action (`conflict.resolve`), like any edit;
    /// the resolution reaches peers with the next sync.
    ///
    /// # Errors
    /// [`Error::NotPermitted`] on a patient store; [`Error::NotFound`] for an unknown person;
    /// [`Error::InvalidInput`]: field `path` when the field has no conflict (or does not
    /// exist), field `value` when a kept value is not one of the conflict's values, or a new
    /// value does not fit the field: not of its [`crate::model::FieldType`] (the table in
    /// `doc/fields.rs`), a code its vocabulary does not hold, a map, list or unknown key
    /// (which can only be kept), or a value the typed readers refuse. Nothing changes on
    /// error.
    pub fn resolve_conflict(
        &self,
        person: Id,
        document: DocKind,
        path: &[String],
        how: &ConflictResolution,
    ) -> Result<()> {
        self.require_link_worker("resolve a conflict")?;
        self.edit_projecting(
            person,
            document,
            "conflict.resolve",
            None,
            Projected::Refresh,
            |tx, _| {
                let before = visible_items(&*tx, document)?;
                resolve::resolve(tx, document, path, how)?;
                // A value the typed readers refuse (a bad date) fails here; one that hides its
                // item (an unknown code reads as written by a newer version) shows in the count.
                let after = visible_items(&*tx, document)
                    .map_err(|_| Error::invalid("value", "not a value this field accepts"))?;
                if after != before {
                    return Err(Error::invalid("value", "not a value this field accepts"));
                }
                Ok(())
            },
        )
    }
}

/// How many items (elements of every list) a document's typed read shows. Items the read
/// leaves out as written by a newer version (`newer_items`) are not counted, so a value that
/// makes the reader set its item aside lowers the count.
fn visible_items<D: ReadDoc>(doc: &D, kind: DocKind) -> Result<usize> {
    let mut value = match kind {
        DocKind::Plan => serde_json::to_value(plan_doc::read(doc)?),
        DocKind::Case => serde_json::to_value(case_doc::read(doc)?),
    }
    .map_err(|_| Error::schema("a record that does not serialise"))?;
    if let serde_json::Value::Object(fields) = &mut value {
        fields.remove("newer_items");
    }
    Ok(count_items(&value))
}

fn count_items(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => a.len() + a.iter().map(count_items).sum::<usize>(),
        serde_json::Value::Object(m) => m.values().map(count_items).sum(),
        _ => 0,
    }
}

/// Brings the conflict index in line for a document at hand (cached, or just received).
pub(crate) fn index_conflicts<D: ReadDoc>(
    tx: &WriteTx<'_>,
    person: Id,
    kind: DocKind,
    doc: &D,
) -> Result<()> {
    sync_view::set_conflicts(tx, person, kind, conflicts::count(doc))
}

/// After a local edit: a single device's edit cannot create a conflict, only resolve one, so
/// the document is walked only when the index says it had conflicts.
pub(crate) fn index_conflicts_after_edit(
    tx: &WriteTx<'_>,
    cache: &DocCache,
    person: Id,
    kind: DocKind,
) -> Result<()> {
    if sync_view::conflict_count(tx, person, kind)? == 0 {
        return Ok(());
    }
    match cache.get(person, kind) {
        Some(doc) => index_conflicts(tx, person, kind, doc),
        None => Ok(()),
    }
}
