//! Documents that come from elsewhere (another device, a file, a hub): loading untrusted bytes
//! within bounds, identifying and validating them against the schema, and checking that a
//! document is related to the stored one of the same person. Shared by `import_document` and
//! the sync engine; no storage.

use automerge::{Automerge, ChangeHash, ReadDoc};

use super::{case_doc, plan_doc, schema_of, CASE_SCHEMA, PLAN_SCHEMA};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::{CaseRecord, DocKind, Plan};

/// Largest document accepted from elsewhere (bytes); larger input is refused before decoding.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// A document's content as the schema's readers see it: what validating it produced, kept so
/// that a store can refresh what it derives from the document (projections) without reading
/// the document again.
#[derive(Clone, Debug)]
pub enum Content {
    /// A plan document's content.
    Plan(Plan),
    /// A case document's content (boxed: a case record is several times the size of a plan).
    Case(Box<CaseRecord>),
}

/// Loads untrusted document bytes, identifies and validates them: `(document, person, kind,
/// content)`.
///
/// # Errors
/// [`Error::InvalidInput`] for oversized or undecodable bytes; [`Error::Schema`] for a document
/// that does not follow the linkwork schema.
pub(crate) fn decode_document(bytes: &[u8]) -> Result<(Automerge, Id, DocKind, Content)> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(Error::invalid(
            "document",
            "is larger than the import limit",
        ));
    }
    // Bounded before automerge inflates anything (see `sync::expansion`).
    crate::sync::expansion::check_chunks(bytes, crate::sync::expansion::MAX_EXPANDED_BYTES)?;
    let incoming = Automerge::load(bytes)
        .map_err(|_| Error::invalid("document", "is not an automerge document"))?;
    let (person, kind) = identify(&incoming)?;
    let content = read_checked(&incoming, kind)?;
    Ok((incoming, person, kind, content))
}

/// The person and kind a document's root says it is.
///
/// # Errors
/// [`Error::Schema`] for a document without a known schema.
pub(crate) fn identify(doc: &Automerge) -> Result<(Id, DocKind)> {
    let (schema, _version, person) = schema_of(doc)?;
    let kind = match schema.as_str() {
        PLAN_SCHEMA => DocKind::Plan,
        CASE_SCHEMA => DocKind::Case,
        _ => return Err(Error::schema("unknown document schema")),
    };
    Ok((person, kind))
}

/// Reads the whole document with the schema's readers: anything they refuse is refused.
pub(crate) fn read_checked(doc: &Automerge, kind: DocKind) -> Result<Content> {
    match kind {
        DocKind::Plan => plan_doc::read(doc).map(Content::Plan),
        DocKind::Case => case_doc::read(doc).map(|c| Content::Case(Box::new(c))),
    }
}

/// Refuses a document that does not share the stored document's first change: an unrelated
/// document with the same person id would otherwise merge into conflicting containers.
pub(crate) fn check_related(stored: &Automerge, incoming: &Automerge) -> Result<()> {
    let roots = |d: &Automerge| -> Vec<ChangeHash> {
        d.get_changes(&[])
            .iter()
            .filter(|c| c.deps().is_empty())
            .map(|c| c.hash())
            .collect()
    };
    let stored_roots = roots(stored);
    let shared = roots(incoming).iter().any(|h| stored_roots.contains(h))
        || stored_roots
            .iter()
            .any(|h| incoming.get_change_by_hash(h).is_some());
    if shared {
        Ok(())
    } else {
        Err(Error::schema(
            "document is unrelated to the stored document of that person",
        ))
    }
}
