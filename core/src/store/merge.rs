//! Whole-document exchange: export a document as plain automerge bytes, and merge bytes from
//! another device or automerge implementation after checking them against the schema and the
//! store's role. The sync protocol builds on the same merge step.

use automerge::Automerge;

use super::cache::DocCache;
use super::{refresh_person, Store};
use crate::doc::received::{check_related, read_checked};
pub(crate) use crate::doc::received::{decode_document, Content};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{DocKind, Role};
use crate::storage::{documents, sync_state, WriteTx};

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The person the document belongs to.
    pub person: Id,
    /// Which document.
    pub kind: DocKind,
    /// Whether the store learned anything new (false when it already had every change).
    pub changed: bool,
}

impl Store {
    /// One of a person's documents as plain automerge bytes (loadable by any automerge
    /// implementation).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NotPermitted`] for case documents on a patient store or
    /// another person's plan.
    pub fn export_document(&self, person: Id, kind: DocKind) -> Result<Vec<u8>> {
        match kind {
            DocKind::Case => self.require_link_worker("export a case document")?,
            DocKind::Plan => self.require_plan_access(person, "export another person's plan")?,
        }
        let doc = self
            .load_doc(person, kind)?
            .ok_or_else(|| Error::not_found("document", person))?;
        Ok(doc.save())
    }

    /// Merges automerge bytes of a plan or case document into the store: a new person's
    /// document is added, an existing one is merged (nothing is lost on either side).
    /// Projections are updated in the same transaction and listeners are told.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for oversized or undecodable bytes; [`Error::Schema`] for a
    /// document that does not follow the linkwork schema or is unrelated to the stored document
    /// of the same person; [`Error::NotPermitted`] when the store's role may not hold it (a
    /// patient store receiving a case document or another person's plan). Nothing is stored on
    /// error.
    pub fn import_document(&self, bytes: &[u8]) -> Result<ImportOutcome> {
        let (incoming, person, kind, content) = decode_document(bytes)?;
        match (self.info.role, kind) {
            (Role::Patient, DocKind::Case) => {
                return Err(Error::NotPermitted {
                    action: "hold a case document",
                })
            }
            (Role::Patient, DocKind::Plan) if self.info.person != Some(person) => {
                return Err(Error::NotPermitted {
                    action: "hold another person's plan",
                })
            }
            _ => {}
        }
        // An import that learned nothing writes nothing (the row's `updated_at` stays): its
        // transaction is rolled back.
        let changed = self.db.write_if(|tx, cache| {
            if sync_state::is_erased(tx, person)? {
                return Err(Error::NotPermitted {
                    action: "restore an erased person",
                });
            }
            cache.ensure(tx, person, kind)?;
            let before = cache
                .get(person, kind)
                .map(|d| d.get_heads())
                .unwrap_or_default();
            let changed = merge_whole(tx, cache, person, kind, incoming, content)?.is_some();
            if changed {
                // Changes from a file carry no signatures: this device vouches for them
                // (ADR 0007), so they can travel to enrolled peers.
                let adopted = cache
                    .get(person, kind)
                    .map(|d| super::signing_ops::new_hashes(d, &before))
                    .unwrap_or_default();
                let stored = super::signing_ops::adopt_unproven(tx, person, kind, &adopted)
                    .and_then(|()| refresh_person(tx, cache, person, chrono::Utc::now()));
                if let Err(e) = stored {
                    cache.evict(person, kind);
                    return Err(e);
                }
            }
            Ok((changed, changed))
        })?;
        if changed {
            self.listeners.notify(&[person]);
        }
        Ok(ImportOutcome {
            person,
            kind,
            changed,
        })
    }
}

/// Merges a whole, already validated document (`content` is what validating it read) into the
/// cache and the database (inside `tx`, which the caller commits after refreshing
/// projections). Returns the merged document's content when anything was new, `None` when the
/// store already had every change. On error the cached document is evicted, so the cache never
/// runs ahead of the database.
pub(crate) fn merge_whole(
    tx: &WriteTx<'_>,
    cache: &mut DocCache,
    person: Id,
    kind: DocKind,
    mut incoming: Automerge,
    content: Content,
) -> Result<Option<Content>> {
    let exists = cache.ensure(tx, person, kind)?;
    let other = if kind == DocKind::Plan {
        DocKind::Case
    } else {
        DocKind::Plan
    };
    cache.ensure(tx, person, other)?;
    if !exists {
        documents::insert(tx, person, kind, &incoming)?;
        cache.insert(person, kind, incoming);
        return Ok(Some(content));
    }
    let doc = cache
        .get_mut(person, kind)
        .ok_or_else(|| Error::not_found("document", person))?;
    let result = (|| {
        check_related(doc, &incoming)?;
        let before = doc.get_heads();
        doc.merge(&mut incoming)?;
        let bytes = doc.save_after(&before);
        let content = read_checked(doc, kind)?;
        documents::append(tx, person, kind, &bytes, doc)?;
        Ok((!bytes.is_empty()).then_some(content))
    })();
    if result.is_err() {
        cache.evict(person, kind);
    }
    result
}
