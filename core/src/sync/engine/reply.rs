//! Deciding what to send: the reply to a received message (tombstones owed, manifests, the
//! next batch, completion), a document's payload, and the signatures that travel with it.

use std::collections::{HashMap, HashSet};

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash};

use super::apply::{encode_heads, session_state, Prepared};
use super::session::{ManifestSent, Phase, Side};
use super::{hello, Scope, SyncSession, SyncStorage};
use crate::error::{Error, Result};
use crate::identity::PublicKey;
use crate::ids::Id;
use crate::model::Role;
use crate::sync::wire::{DocKey, Hello, Message, Payload, MAX_CERTIFICATES};
use crate::sync::{digest, tombstones};

/// Decides what to send after applying `msg`.
///
/// When the digests differ, the first reply carries a manifest of the documents changed since
/// the last sync with this peer (every document, the first time); documents either side
/// changed are then exchanged as automerge sync messages, or whole when the peer lacks them.
/// If differences remain that no manifest explained (e.g. the peer lost data), a full manifest
/// follows. When both digests agree the session completes and the shared heads are remembered,
/// so the next session starts from them.
pub(super) fn build_reply(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    peer: &Hello,
    msg: &Message,
    mut prepared: Prepared,
) -> Result<Option<Message>> {
    let scope = Scope::of(storage, Some(peer))?;
    if !s.peer_full_manifest {
        s.peer_has.extend(scope.synced_before.iter().copied());
    }
    let digest = scope.digest();
    // The connecting side's first message carries no count (see `start`).
    let count_unknown = s.side == Side::Listening && s.stats.messages_received == 1;
    let in_sync =
        digest == msg.digest && (count_unknown || scope.docs.len() as u64 == msg.doc_count);
    let mut out = Message {
        digest,
        doc_count: scope.docs.len() as u64,
        ..Message::default()
    };
    // The listening side introduces itself in its first message.
    if s.side == Side::Listening && s.stats.messages_sent == 0 {
        out.hello = Some(hello(storage.info()));
    }
    let mut sending = false;
    // Tombstones of erased people the peer mentions (or, for a patient's store, its own
    // person) are owed whatever the digests say: the peer holds something erased here.
    if storage.info().role == Role::LinkWorker && !scope.tombstones.is_empty() {
        let erased: HashMap<Id, i64> = scope.tombstones.iter().copied().collect();
        let mentioned = msg
            .manifest
            .iter()
            .flatten()
            .map(|((p, _), _)| *p)
            .chain(msg.docs.iter().map(|((p, _), _)| *p))
            .chain(peer.person);
        for person in mentioned {
            if erased.contains_key(&person) && !s.tombstones_sent.contains(&person) {
                s.tombstones_owed.insert(person);
            }
        }
        out.tombstones = tombstones::next_batch(&mut s.tombstones_owed, &erased);
        if !out.tombstones.is_empty() {
            s.tombstones_sent
                .extend(out.tombstones.iter().map(|(p, _)| *p));
            sending = true;
        }
    }
    if !in_sync {
        if s.manifest_sent == ManifestSent::None {
            let changed = scope.docs.iter().filter(|(k, _)| scope.dirty.contains(k));
            out.manifest = Some(changed.map(|(k, h)| (*k, digest::tag(h))).collect());
            s.manifest_sent = ManifestSent::Changed;
            sending = true;
        }
        if let Some(peer_tags) = s.peer_tags.clone() {
            let batch = super::fill::fill_batch(
                storage,
                s,
                peer,
                &scope,
                &peer_tags,
                &mut out,
                &mut prepared,
            )?;
            sending |= batch.sent_any || batch.pending.0 > 0;
            // The peer announced more documents: acknowledge (so it sends the next batch)
            // rather than declare the session complete in between.
            sending |= msg.pending_docs > 0;
            let peer_done = msg.docs.is_empty() && msg.pending_docs == 0;
            if !sending && peer_done && s.manifest_sent < ManifestSent::Full {
                out.manifest = Some(
                    scope
                        .docs
                        .iter()
                        .map(|(k, h)| (*k, digest::tag(h)))
                        .collect(),
                );
                out.full_manifest = true;
                s.manifest_sent = ManifestSent::Full;
                sending = true;
            }
        }
    }
    // "Drop your copy" (`engine::drops`): a hub's pending requests ride on every message; a
    // device's acknowledgements make it send.
    if !msg.docs.is_empty() {
        s.drops_asked_in_sync = false;
    }
    out.drops = super::drops::outgoing(storage, s, peer)?;
    if !storage.is_hub() && !out.drops.is_empty() {
        sending = true;
    }
    // Answers not sent (the digests agree, or the peer's manifest has not come): automerge's
    // state goes back to before them, as if they had never been made.
    for (key, answer) in prepared {
        s.states.insert(key, answer.before);
    }
    if sending {
        s.phase = Phase::Exchanging;
        return Ok(Some(out));
    }
    s.phase = Phase::Complete;
    s.own_pending = (0, 0);
    s.settled_tags = scope.tags();
    if in_sync {
        s.peer_has.extend(s.settled_tags.keys().copied());
        s.peer_tags = Some(s.settled_tags.clone());
        remember_shared_heads(storage, peer, &scope)?;
    }
    if msg.done {
        // Both sides are in sync with drops still pending (the device's changes reached this
        // hub in the exchange that just ended): ask once more, in a closing message.
        if storage.is_hub() && !out.drops.is_empty() && !s.drops_asked_in_sync {
            s.drops_asked_in_sync = true;
            out.done = true;
            return Ok(Some(out));
        }
        Ok(None)
    } else {
        out.done = true;
        Ok(Some(out))
    }
}

/// Records, for every shared document, that the peer holds exactly our current heads.
fn remember_shared_heads(
    storage: &mut impl SyncStorage,
    peer: &Hello,
    scope: &Scope,
) -> Result<()> {
    for (key, heads) in scope.docs.iter().filter(|(k, _)| scope.dirty.contains(k)) {
        let state = sync::State {
            shared_heads: heads
                .chunks(32)
                .filter_map(|c| ChangeHash::try_from(c).ok())
                .collect(),
            ..sync::State::new()
        };
        storage.save_state(peer.store_id, *key, &state.encode())?;
    }
    Ok(())
}

/// The payload that brings the peer's copy of `key` up to date: the whole document when the
/// peer lacks it, else an automerge sync message (or nothing when automerge has nothing to
/// say).
pub(super) fn payload_for(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    peer: &Hello,
    key: DocKey,
) -> Result<Option<Payload>> {
    if !s.peer_has.contains(&key) {
        // Sent as stored (the snapshot and its change rows load as one document), without
        // loading it.
        let Some(bytes) = storage.saved_bytes(key)? else {
            return Ok(None);
        };
        s.peer_has.insert(key);
        return Ok(Some(Payload::Whole(bytes)));
    }
    if storage.document(key)?.is_none() {
        return Ok(None);
    }
    session_state(storage, &mut s.states, peer, key)?;
    let Some(doc) = storage.document(key)? else {
        return Ok(None);
    };
    let Some(state) = s.states.get_mut(&key) else {
        return Ok(None);
    };
    let tag = digest::tag(&encode_heads(doc));
    let held = s.held.get(&key).filter(|h| !h.is_empty());
    let (payload, hashes) = match held {
        // With the held changes back in its queue, the document asks the peer for their
        // missing dependencies (without them it would ask for the held changes again).
        Some(held) => {
            let mut with_held = doc.clone();
            let heads = with_held.get_heads();
            for chunk in held {
                with_held.load_incremental(chunk).map_err(|_| {
                    Error::protocol("the automerge sync message could not be applied")
                })?;
            }
            if with_held.get_heads() == heads {
                sync_answer(&with_held, state)
            } else {
                // The dependencies arrived meanwhile (another session stored them): the next
                // message applies and stores the held changes; until then speak for what is
                // stored.
                sync_answer(doc, state)
            }
        }
        None => sync_answer(doc, state),
    };
    s.signing.answered.insert(key, hashes);
    s.generated.insert(key, tag);
    Ok(payload)
}

/// automerge's sync message for one document, if it has anything to say, and the hashes of the
/// changes it carries (whose signatures go with it: automerge adds them to the state's
/// `sent_hashes` as it sends them).
pub(super) fn sync_answer(
    doc: &Automerge,
    state: &mut sync::State,
) -> (Option<Payload>, Vec<ChangeHash>) {
    // Changes the peer still needs although we sent them (a peer that lost its session, or an
    // older version that lost queued changes) are sent again.
    if let Some(need) = state.their_need.clone() {
        for hash in &need {
            state.sent_hashes.remove(hash);
        }
    }
    let sent_before = state.sent_hashes.clone();
    let payload = doc
        .generate_sync_message(state)
        .map(|m| Payload::Sync(m.encode()));
    let carried = match payload {
        Some(_) => state
            .sent_hashes
            .difference(&sent_before)
            .copied()
            .collect(),
        None => Vec::new(),
    };
    (payload, carried)
}

/// Adds to `out` the signatures of the changes its documents carry, the certificates of their
/// signers not yet sent in this session, and the signatures of its tombstones. An enrolled
/// store sends no unsigned tombstone (an enrolled peer would refuse the message).
pub(super) fn attach_signatures(
    storage: &mut impl SyncStorage,
    s: &mut SyncSession,
    out: &mut Message,
) -> Result<()> {
    let mut seen = HashSet::new();
    for (key, payload) in &out.docs {
        match payload {
            Payload::Whole(_) => {
                for sig in storage.document_signatures(*key)? {
                    if seen.insert(sig.hash) {
                        out.signatures.push(sig);
                    }
                }
            }
            Payload::Sync(_) => {
                let hashes = s.signing.answered.get(key).cloned().unwrap_or_default();
                for h in hashes {
                    if seen.insert(h.0) {
                        if let Some(sig) = storage.signature(*key, &h.0)? {
                            out.signatures.push(sig);
                        }
                    }
                }
            }
        }
    }
    if !out.tombstones.is_empty() {
        let signed = storage.tombstone_signatures()?;
        if storage.is_enrolled()? {
            out.tombstones.retain(|(p, _)| signed.contains_key(p));
        }
        for (p, _) in &out.tombstones {
            if let Some(sig) = signed.get(p) {
                out.tombstone_signatures.insert(*p, *sig);
            }
        }
    }
    let signers: Vec<PublicKey> = out
        .signatures
        .iter()
        .map(|sig| sig.signer)
        .chain(out.tombstone_signatures.values().map(|t| t.signer))
        .collect();
    for signer in signers {
        if out.certificates.len() >= MAX_CERTIFICATES {
            break; // the rest go in the next message that needs them
        }
        if s.signing.certs_sent.contains(&signer) {
            continue;
        }
        if let Some(bytes) = storage.certificate(&signer)? {
            out.certificates.push(bytes);
        }
        s.signing.certs_sent.insert(signer);
    }
    Ok(())
}

/// Encodes a message this side sends, counting it.
pub(super) fn encode(s: &mut SyncSession, msg: &Message) -> Vec<u8> {
    let bytes = msg.encode();
    s.docs_done += msg.docs.len() as u64;
    if msg.docs.iter().any(|(_, p)| matches!(p, Payload::Whole(_))) {
        s.batches += 1;
    }
    s.stats.messages_sent += 1;
    s.stats.bytes_sent += bytes.len() as u64;
    bytes
}
