//! Filling one sync message with document payloads within the session's batch size (see
//! `sync::batch` for the rules).

use std::collections::HashMap;

use super::apply::{Prepared, PreparedAnswer};
use super::reply::payload_for;
use super::{Scope, SyncSession, SyncStorage};
use crate::error::Result;
use crate::ids::Id;
use crate::model::DocKind;
use crate::sync::batch::Budget;
use crate::sync::digest;
use crate::sync::wire::{DocKey, Hello, Message, Payload, SIGNATURE_ENTRY_BYTES};

fn other_kind(kind: DocKind) -> DocKind {
    match kind {
        DocKind::Plan => DocKind::Case,
        DocKind::Case => DocKind::Plan,
    }
}

/// What filling a message did.
pub(super) struct Filled {
    /// At least one document went into the message.
    pub(super) sent_any: bool,
    /// Documents (and whole-document bytes) left for later rounds.
    pub(super) pending: (u64, u64),
}

/// How to take back a payload that did not fit.
enum Undo {
    /// automerge's answer made while applying the message: it goes back to `prepared`, whose
    /// leftovers restore the sync state.
    Prepared(PreparedAnswer),
    /// A payload made now: the sync state and what the peer is believed to hold go back.
    Made {
        state: Option<automerge::sync::State>,
        peer_had: bool,
    },
}

/// Adds to `out` the payload of every document that needs one, in scope order, until the
/// session's batch size is reached; the rest are counted as pending (and announced in
/// `out`). Documents sent whole earlier in the session and unchanged since are skipped.
pub(super) fn fill_batch(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    peer: &Hello,
    scope: &Scope,
    peer_tags: &HashMap<DocKey, [u8; 8]>,
    out: &mut Message,
    prepared: &mut Prepared,
) -> Result<Filled> {
    let mut budget = Budget::new(s.max_message_bytes, out.encode().len());
    let mut sizes: Option<HashMap<DocKey, u64>> = None;
    // A person whose first document went whole into this message: their other one goes
    // too (its room was reserved), so a receiver never holds half a person.
    let mut reserved: Option<Id> = None;
    for (key, heads) in &scope.docs {
        let tag = digest::tag(heads);
        let peer_tag = peer_tags.get(key);
        let differs = match peer_tag {
            Some(t) => *t != tag,
            None => scope.dirty.contains(key),
        };
        if !(differs || s.states.contains_key(key) || !s.peer_has.contains(key)) {
            continue;
        }
        if s.sent_whole.get(key) == Some(&tag)
            && !s.states.contains_key(key)
            && peer_tag.is_none_or(|t| *t == tag)
        {
            continue; // sent whole this session, unchanged since
        }
        let whole = !s.peer_has.contains(key);
        let (whole_size, group_size) = if whole {
            let sizes = match &mut sizes {
                Some(sizes) => sizes,
                None => sizes.insert(storage.saved_sizes()?),
            };
            // With the signatures of every change the document holds.
            let mut signed = |k: DocKey| -> Result<u64> {
                let n = storage.signature_count(k)?;
                Ok((n * SIGNATURE_ENTRY_BYTES) as u64)
            };
            let own = sizes.get(key).copied().unwrap_or(0) + signed(*key)?;
            let other = (key.0, other_kind(key.1));
            let with_other = if s.peer_has.contains(&other) {
                own
            } else {
                own + sizes.get(&other).copied().unwrap_or(0) + signed(other)?
            };
            (own, with_other)
        } else {
            (0, 0)
        };
        let forced = reserved == Some(key.0);
        if !forced && !budget.fits(usize::try_from(group_size).unwrap_or(usize::MAX)) {
            if whole || prepared.get(key).is_some_and(|a| a.payload.is_some()) {
                budget.defer(whole_size);
            } else if s.generated.get(key) != Some(&tag) {
                budget.defer(0);
            }
            continue;
        }
        let (payload, undo) = if let Some(answer) = prepared.remove(key) {
            (answer.payload.clone(), Undo::Prepared(answer))
        } else if s.peer_has.contains(key)
            && s.states.contains_key(key)
            && s.generated.get(key) == Some(&tag)
        {
            // automerge answered for this document at these heads and has heard nothing
            // about it since: it would have nothing to add, so the document is not loaded.
            continue;
        } else {
            let undo = Undo::Made {
                state: s.states.get(key).cloned(),
                peer_had: s.peer_has.contains(key),
            };
            (payload_for(storage, s, peer, *key)?, undo)
        };
        let Some(payload) = payload else {
            if let Undo::Prepared(answer) = undo {
                s.generated.insert(*key, answer.tag);
            }
            continue;
        };
        // The signatures of the changes it carries travel with it (ADR 0007).
        let signed = match &payload {
            Payload::Whole(_) => storage.signature_count(*key)?,
            Payload::Sync(_) => s.signing.answered.get(key).map_or(0, Vec::len),
        };
        let len = match &payload {
            Payload::Whole(b) | Payload::Sync(b) => b.len(),
        } + signed * SIGNATURE_ENTRY_BYTES;
        if !forced && !budget.fits(len) {
            match undo {
                Undo::Prepared(answer) => {
                    prepared.insert(*key, answer);
                }
                Undo::Made { state, peer_had } => {
                    match state {
                        Some(state) => s.states.insert(*key, state),
                        None => s.states.remove(key),
                    };
                    s.generated.remove(key);
                    if !peer_had {
                        s.peer_has.remove(key);
                    }
                }
            }
            budget.defer(if whole { len as u64 } else { 0 });
            continue;
        }
        if let Undo::Prepared(answer) = undo {
            s.generated.insert(*key, answer.tag);
        }
        if matches!(payload, Payload::Whole(_)) {
            s.sent_whole.insert(*key, tag);
            reserved = Some(key.0);
        }
        budget.take(len);
        out.docs.push((*key, payload));
    }
    out.pending_docs = budget.pending.0;
    out.pending_bytes = budget.pending.1;
    s.own_pending = budget.pending;
    Ok(Filled {
        sent_any: budget.carried_any(),
        pending: budget.pending,
    })
}
