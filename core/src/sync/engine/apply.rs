//! Applying one received message: its tombstones and document payloads, each checked against
//! the share policy, the schema and the signers of the changes it brings.

use std::collections::{BTreeSet, HashMap};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use chrono::{TimeZone, Utc};

use super::reply::sync_answer;
use super::{Learned, SyncSession, SyncStorage};
use crate::doc::plan_doc;
use crate::doc::received::{check_related, decode_document, identify, read_checked, Content};
use crate::error::{Error, Result};
use crate::identity::signing::SignerCheck;
use crate::identity::PublicKey;
use crate::ids::Id;
use crate::model::{DocKind, Role};
use crate::sync::session::MAX_HELD_BYTES;
use crate::sync::signed::{Receiving, SessionSigning};
use crate::sync::wire::{DocKey, Hello, Message, Payload};
use crate::sync::{digest, expansion, patient_edits, policy};

/// automerge's answers for documents that came as sync messages in the message being applied,
/// made right after applying each (when the document is at hand, its queue included), so that
/// building the reply does not load them again. Each keeps the document's automerge sync state
/// from before the answer, restored if the reply does not carry it.
pub(super) type Prepared = HashMap<DocKey, PreparedAnswer>;

pub(super) struct PreparedAnswer {
    pub(super) payload: Option<Payload>,
    pub(super) before: sync::State,
    /// Tag of the document's heads when answered.
    pub(super) tag: [u8; 8],
}

/// Applies the tombstones and document payloads of `msg`, saves the sync states of the
/// documents it touched and records the peer. Returns the people whose documents changed or
/// were erased, the documents it stored changes of, and automerge's answers prepared on the
/// way.
pub(super) fn apply_message(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    peer: &Hello,
    msg: &Message,
    check: Option<&SignerCheck<'_>>,
) -> Result<(BTreeSet<Id>, Vec<DocKey>, Prepared)> {
    let mut changed = BTreeSet::new();
    let mut stored = Vec::new();
    let mut erased = BTreeSet::new();
    let mut touched: Vec<DocKey> = Vec::new();
    let mut prepared = Prepared::new();
    let local = storage.info().clone();
    for (person, at) in &msg.tombstones {
        if storage.is_erased(*person)? {
            continue;
        }
        // Only people this store knows (see `sync::tombstones`): a tombstone for anyone else
        // is planted, and refuses the whole message.
        let known = storage.has_person(*person)? || local.person == Some(*person);
        if !known || !storage.may_share(peer, *person)? {
            return Err(Error::protocol(
                "a tombstone names a person this store does not know",
            ));
        }
        // Erasure is a signed, privileged act (ADR 0007).
        let sig = msg.tombstone_signatures.get(person);
        let new_cert = {
            let mut stored = |k: &PublicKey| storage.certificate(k);
            Receiving {
                trust: check,
                session: &mut s.signing,
                stored: &mut stored,
            }
            .check_tombstone(*person, *at, sig)?
        };
        if let Some((device, bytes)) = new_cert {
            super::keep_certificate(storage, &device, &bytes)?;
        }
        let at = Utc
            .timestamp_millis_opt(*at)
            .single()
            .ok_or_else(|| Error::protocol("a tombstone has an impossible date"))?;
        storage.erase(*person, at, sig)?;
        erased.insert(*person);
    }
    let now = Utc::now();
    // Documents come in person order (plan, then case): what validating a person's documents
    // read is handed to the storage as soon as the message moves on to the next person, so
    // nothing is loaded or read again for them.
    let mut learned = Learned::default();
    for (key, payload) in &msg.docs {
        let (person, kind) = *key;
        if learned.person != Some(person) {
            std::mem::take(&mut learned).flush(storage, now)?;
            learned.person = Some(person);
        }
        if storage.is_erased(person)? {
            continue; // the peer will learn of the erasure from our tombstones
        }
        s.generated.remove(key);
        let have = storage.document(*key)?.is_some();
        policy::check_receive(&local, peer, *key, have)?;
        if !storage.may_share(peer, person)? {
            return Err(Error::NotPermitted {
                action: "send a document outside the peer's caseload",
            });
        }
        touched.push(*key);
        // Enrolled, each change is checked against its signer instead (a patient's phone may
        // relay a link worker's edits).
        let before = match (peer.role, kind, check) {
            (Role::Patient, DocKind::Plan, None) => {
                storage.document(*key)?.map(plan_doc::read).transpose()?
            }
            _ => None,
        };
        let content = match payload {
            Payload::Whole(_) if peer.role == Role::Patient => {
                // A patient's store only ever sends its changes (the link worker holds the plan
                // it was given); whole documents would bypass `patient_edits`.
                return Err(Error::NotPermitted {
                    action: "send a whole document from a patient store",
                });
            }
            Payload::Whole(bytes) => apply_whole(storage, &mut s.signing, check, *key, bytes)?,
            Payload::Sync(bytes) => {
                apply_sync(storage, s, peer, *key, bytes, &mut prepared, check)?
            }
        };
        if let (Some(before), Some(Content::Plan(after))) = (&before, &content) {
            policy::check_patient_changes(before, after)?;
        }
        s.peer_has.insert(*key);
        if let Some(content) = content {
            changed.insert(person);
            stored.push(*key);
            learned.add(content);
        }
    }
    learned.flush(storage, now)?;
    for key in touched.iter().filter(|(p, _)| !erased.contains(p)) {
        if let Some(state) = s.states.get(key) {
            storage.save_state(peer.store_id, *key, &state.encode())?;
        }
    }
    storage.record_peer(peer, s.certificate.as_ref(), now)?;
    changed.extend(erased);
    Ok((changed, stored, prepared))
}

/// Applies a document that came whole: stored as it came when it is new here, merged into the
/// stored one otherwise. Returns its new content when anything was new.
fn apply_whole(
    storage: &mut impl SyncStorage,
    signing: &mut SessionSigning,
    check: Option<&SignerCheck<'_>>,
    key: DocKey,
    bytes: &[u8],
) -> Result<Option<Content>> {
    let (mut incoming, p, k, content) = decode_document(bytes)?;
    if (p, k) != key {
        return Err(Error::protocol("a document does not match its key"));
    }
    let Some(mut doc) = storage.take_document(key)? else {
        verify_new(storage, signing, check, key, &incoming, &[])?;
        // New to this store: stored as it came (it was loaded and checked from exactly these
        // bytes).
        storage.insert_document(key, bytes, &incoming)?;
        return Ok(Some(content));
    };
    check_related(&doc, &incoming)?;
    let heads = doc.get_heads();
    doc.merge(&mut incoming)?;
    let new = doc.save_after(&heads);
    if new.is_empty() {
        storage.store_changes(key, &new, doc)?;
        return Ok(None);
    }
    let content = read_checked(&doc, key.1)?;
    verify_new(storage, signing, check, key, &doc, &heads)?;
    storage.store_changes(key, &new, doc)?;
    Ok(Some(content))
}

/// Applies one automerge sync message to the document `key`: checks the signature of every
/// change it brought (`check`: this store's trust, `None` when it is not enrolled), stores
/// them, keeps what must wait for a dependency in the session, and prepares automerge's
/// answer. Returns the document's new content when anything was applied.
fn apply_sync(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    peer: &Hello,
    key: DocKey,
    bytes: &[u8],
    prepared: &mut Prepared,
    check: Option<&SignerCheck<'_>>,
) -> Result<Option<Content>> {
    expansion::check_sync_message(bytes, expansion::MAX_EXPANDED_BYTES)?;
    let message = sync::Message::decode(bytes)
        .map_err(|_| Error::protocol("malformed automerge sync message"))?;
    let chunks: Vec<Vec<u8>> = message.changes.iter().map(<[u8]>::to_vec).collect();
    let held = s.held.remove(&key).unwrap_or_default();
    s.held_bytes -= held_size(&held);
    let mut candidate = storage
        .document(key)?
        .ok_or_else(|| Error::protocol("sync message for a document this store does not hold"))?
        .clone();
    let state = session_state(storage, &mut s.states, peer, key)?;
    let heads = candidate.get_heads();
    // Changes still waiting for a dependency go back into the document's queue first (the
    // loaded copy may have been reloaded without them).
    for chunk in &held {
        candidate
            .load_incremental(chunk)
            .map_err(|_| Error::protocol("the automerge sync message could not be applied"))?;
    }
    candidate
        .receive_sync_message(state, message)
        .map_err(|_| Error::protocol("the automerge sync message could not be applied"))?;
    let new = candidate.save_after(&heads);
    if peer.role == Role::Patient && !new.is_empty() {
        match check {
            // Enrolled: each change is checked against its signer below (a patient's phone may
            // relay a link worker's edits); the size bound stays.
            Some(_) if new.len() > patient_edits::MAX_PATIENT_EDIT_BYTES => {
                return Err(Error::NotPermitted {
                    action:
                        "send a plan edit larger than the patient edit limit from a patient store",
                })
            }
            Some(_) => {}
            None => patient_edits::check(&candidate, &heads, new.len())?,
        }
    }
    let content = if new.is_empty() {
        None
    } else {
        if identify(&candidate)? != key {
            return Err(Error::protocol("a document does not match its key"));
        }
        verify_new(storage, &mut s.signing, check, key, &candidate, &heads)?;
        Some(read_checked(&candidate, key.1)?)
    };
    let state = session_state(storage, &mut s.states, peer, key)?;
    let before = state.clone();
    let (payload, hashes) = sync_answer(&candidate, state);
    s.signing.answered.insert(key, hashes);
    prepared.insert(
        key,
        PreparedAnswer {
            payload,
            before,
            tag: digest::tag(&encode_heads(&candidate)),
        },
    );
    if !candidate.get_missing_deps(&[]).is_empty() {
        // automerge queued changes whose dependencies come later: the session keeps them (see
        // `SyncSession::held`). Chunks already applied are harmless to feed again and go when
        // the queue empties.
        hold(s, key, held.into_iter().chain(chunks).collect())?;
    }
    if content.is_some() {
        storage.store_changes(key, &new, candidate)?;
    }
    Ok(content)
}

/// A document's heads as stored: the sorted change hashes, concatenated.
pub(super) fn encode_heads(doc: &Automerge) -> Vec<u8> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads.iter().flat_map(|h| h.0).collect()
}

/// Checks the signature of every change of `doc` not in the history of `before` (the changes a
/// received payload brought) and stores what the checks accepted (see `sync::signed`).
fn verify_new(
    storage: &mut impl SyncStorage,
    signing: &mut SessionSigning,
    check: Option<&SignerCheck<'_>>,
    key: DocKey,
    doc: &Automerge,
    before: &[ChangeHash],
) -> Result<()> {
    for meta in doc.get_changes_meta(before) {
        let accepted = {
            let mut stored = |k: &PublicKey| storage.certificate(k);
            Receiving {
                trust: check,
                session: signing,
                stored: &mut stored,
            }
            .check_change(key, doc, meta.hash, &meta.deps)?
        };
        if let Some(accepted) = accepted {
            if let Some((device, bytes)) = &accepted.new_certificate {
                super::keep_certificate(storage, device, bytes)?;
            }
            storage.put_signature(key, &accepted.signature)?;
        }
    }
    Ok(())
}

/// Keeps `chunks` as the changes of `key` waiting for a dependency, within the session's bound.
pub(super) fn hold(s: &mut SyncSession, key: DocKey, chunks: Vec<Vec<u8>>) -> Result<()> {
    s.held_bytes += held_size(&chunks);
    s.held.insert(key, chunks);
    if s.held_bytes > MAX_HELD_BYTES {
        return Err(Error::Sync {
            reason: "too many changes are waiting for their dependencies".into(),
            retryable: true,
        });
    }
    Ok(())
}

pub(super) fn held_size(chunks: &[Vec<u8>]) -> usize {
    chunks.iter().map(Vec::len).sum()
}

/// The session's automerge sync state for `key` (from `states`, the session's), loaded from
/// the persisted state on first use.
pub(super) fn session_state<'s>(
    storage: &mut impl SyncStorage,
    states: &'s mut HashMap<DocKey, sync::State>,
    peer: &Hello,
    key: DocKey,
) -> Result<&'s mut sync::State> {
    match states.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::hash_map::Entry::Vacant(e) => {
            let state = match storage.load_state(peer.store_id, key)? {
                Some(bytes) => sync::State::decode(&bytes).unwrap_or_default(),
                None => sync::State::new(),
            };
            Ok(e.insert(state))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn held_changes_are_bounded_and_counted() {
        let mut s = SyncSession::default();
        let a: DocKey = (Id::new(), DocKind::Plan);
        let b: DocKey = (Id::new(), DocKind::Case);
        hold(&mut s, a, vec![vec![0; 1000], vec![0; 24]]).unwrap();
        assert_eq!(s.held_bytes, 1024);
        // A document's held changes are replaced as a whole (apply_sync takes them out first).
        let taken = s.held.remove(&a).unwrap();
        s.held_bytes -= held_size(&taken);
        assert_eq!(s.held_bytes, 0);
        hold(&mut s, a, vec![vec![0; MAX_HELD_BYTES / 2]]).unwrap();
        let err = hold(&mut s, b, vec![vec![0; MAX_HELD_BYTES / 2 + 1]]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Sync {
                    retryable: true,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
