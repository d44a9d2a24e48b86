//! "Drop your copy" (issue 16): a person moved out of a device's caseload leaves that device.
//!
//! The hub's storage lists the people a device holds that its access no longer covers
//! ([`SyncStorage::drops_for`]); every message the hub sends that device carries them as
//! requests, while the person stays shared with it (so its unsynced changes still reach the
//! hub). A device honours a request only from its verified hub, and only once the hub has every
//! change it holds of that person (its sync state with the hub shares its heads); it then
//! deletes its copy ([`SyncStorage::drop_copy`]) and acknowledges in its next message, and the
//! hub forgets what it shared with the device ([`SyncStorage::copy_dropped`]). A request for a
//! person the device does not hold is acknowledged too (idempotent). The record is not erased:
//! no tombstone is made and every other device keeps its copy.

use automerge::sync;
use automerge::ChangeHash;

use super::{SyncSession, SyncStorage};
use crate::error::{Error, Result};
use crate::identity::CertRole;
use crate::ids::Id;
use crate::model::DocKind;
use crate::sync::wire::{Hello, Message, MAX_DROPS};

/// Whether the session's peer proved on the channel that it is its organisation's hub.
fn peer_is_hub(s: &SyncSession) -> bool {
    s.certificate
        .as_ref()
        .is_some_and(|(_, role)| role == CertRole::Hub.code())
}

/// Applies the drops of a received message: on a hub, a device's acknowledgements (of people
/// it was asked to drop; others are ignored); on a device, its hub's requests. Returns the
/// people dropped (a device) or acknowledged (a hub).
///
/// # Errors
/// [`Error::NotPermitted`] for drops from a peer that is not a verified hub (a peer phone), or
/// requests sent to a hub; storage errors.
pub(super) fn receive(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    peer: &Hello,
    msg: &Message,
) -> Result<Vec<Id>> {
    if msg.drops.is_empty() {
        return Ok(Vec::new());
    }
    if storage.is_hub() {
        if peer_is_hub(s) {
            return Err(Error::NotPermitted {
                action: "ask a hub to drop its copy",
            });
        }
        let pending = storage.drops_for(peer)?;
        let mut acknowledged = Vec::new();
        for person in &msg.drops {
            if pending.contains(person) {
                storage.copy_dropped(peer, *person)?;
                acknowledged.push(*person);
            }
        }
        return Ok(acknowledged);
    }
    if !peer_is_hub(s) {
        return Err(Error::NotPermitted {
            action: "ask this device to drop its copy (only its verified hub may)",
        });
    }
    let mut dropped = Vec::new();
    // The hub's message says what it holds of the documents it shares with this device: when
    // that is exactly what this side holds, the hub has every change.
    let mut same_digest = None;
    for person in &msg.drops {
        if storage.has_person(*person)? {
            let in_sync = match same_digest {
                Some(same) => same,
                None => {
                    let same = super::Scope::of(storage, Some(peer))?.digest() == msg.digest;
                    same_digest = Some(same);
                    same
                }
            };
            if !in_sync && !hub_has_everything(storage, s, peer, *person)? {
                // Unsynced changes: they go to the hub first; it asks again.
                continue;
            }
            storage.drop_copy(*person)?;
            forget(s, *person);
            dropped.push(*person);
        }
        s.drops_to_ack.insert(*person);
    }
    Ok(dropped)
}

/// Whether the peer holds every change this store holds of `person` (for each of their
/// documents, its heads are among the heads shared with the peer).
fn hub_has_everything(
    storage: &mut impl SyncStorage,
    s: &SyncSession,
    peer: &Hello,
    person: Id,
) -> Result<bool> {
    for kind in [DocKind::Plan, DocKind::Case] {
        let key = (person, kind);
        let Some(heads) = storage.document(key)?.map(automerge::Automerge::get_heads) else {
            continue;
        };
        // What this session's exchange established, or what was stored when a session (this
        // one included) completed with both sides in sync.
        let shares = |shared: &[ChangeHash]| heads.iter().all(|h| shared.contains(h));
        if s.states
            .get(&key)
            .is_some_and(|st| shares(&st.shared_heads))
        {
            continue;
        }
        let stored = storage
            .load_state(peer.store_id, key)?
            .and_then(|b| sync::State::decode(&b).ok())
            .map(|state| state.shared_heads)
            .unwrap_or_default();
        if !shares(&stored) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Forgets what the session remembers of a dropped person's documents.
fn forget(s: &mut SyncSession, person: Id) {
    s.states.retain(|(p, _), _| *p != person);
    s.held.retain(|(p, _), _| *p != person);
    s.held_bytes = s.held.values().flatten().map(Vec::len).sum();
    s.generated.retain(|(p, _), _| *p != person);
    s.sent_whole.retain(|(p, _), _| *p != person);
    s.settled_tags.retain(|(p, _), _| *p != person);
    s.peer_has.retain(|(p, _)| *p != person);
    if let Some(tags) = &mut s.peer_tags {
        tags.retain(|(p, _), _| *p != person);
    }
}

/// The drops `out` carries: on a hub, the requests still pending for the peer (`None` when
/// there are none); on a device, its acknowledgements, which make it send.
pub(super) fn outgoing(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    peer: &Hello,
) -> Result<Vec<Id>> {
    if storage.is_hub() {
        let mut pending = storage.drops_for(peer)?;
        pending.sort();
        pending.dedup();
        pending.truncate(MAX_DROPS);
        return Ok(pending);
    }
    let mut acks = Vec::new();
    while acks.len() < MAX_DROPS {
        let Some(p) = s.drops_to_ack.pop_first() else {
            break;
        };
        acks.push(p);
    }
    Ok(acks)
}
