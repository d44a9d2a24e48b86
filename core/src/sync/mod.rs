//! Sync between two stores over any transport: the app moves opaque bytes, the core decides
//! what to send. One message per round carries every document that needs it; a digest of the
//! shared documents' heads comes first, so two stores already in sync finish in one round trip.
//!
//! - [`wire`]: the message envelope;
//! - [`policy`]: which documents a peer may see and send, by role;
//! - [`digest`]: the digest and per-document tags computed from stored heads;
//! - [`session`]: what an app sees of a session (counts, progress, the peer, each step);
//! - `signed`: the signatures and certificates a session carries, and the check of each
//!   received change and tombstone against its signer (ADR 0007);
//! - [`engine`]: the protocol's decisions over a storage trait ([`engine::SyncStorage`]) and the
//!   per-connection state an app holds ([`SyncSession`]), shared by the phone's store and the
//!   team hub.
//!
//! A store's steps are `Store::sync_start`, `Store::sync_accept`, `Store::sync_receive` and
//! `Store::sync_poll` (`store/sync_ops.rs`): each opens a transaction, runs the engine over the
//! store's SQLite storage and commits.

pub(crate) mod batch;
pub(crate) mod digest;
pub mod engine;
pub(crate) mod expansion;
pub(crate) mod patient_edits;
pub(crate) mod policy;
pub mod session;
pub(crate) mod signed;
pub(crate) mod tombstones;
pub(crate) mod wire;

pub use session::{
    PeerInfo, SyncProgress, SyncSession, SyncStats, SyncStep, DEFAULT_MAX_MESSAGE_BYTES,
    MIN_MAX_MESSAGE_BYTES,
};

/// Checks that `bytes` are one well-formed sync message of this protocol version, without a
/// store: the same bounds-checked decoding `Store::sync_receive` starts with. A transport may
/// use it to drop garbage early; the fuzz targets (`fuzz/`) use it to reach the decoder directly.
///
/// # Errors
/// [`crate::Error::Sync`] (not retryable) for truncated, oversized, corrupted or
/// other-version input.
pub fn check_message(bytes: &[u8]) -> crate::Result<()> {
    wire::Message::decode(bytes).map(|_| ())
}

/// Whom one sync message names: every person (its hello's, its manifest's, its tombstones',
/// its documents', its drops'), every signer (of its change and tombstone signatures) and
/// every pairing grant its certificates take up, each once, sorted. What a team hub reads the rows of before applying the message, so that
/// a step reads the device's caseload and what the message names rather than the whole
/// organisation (`linkwork-hub`'s per-step load).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    /// The people the message names.
    pub people: Vec<crate::Id>,
    /// The devices whose signatures it carries.
    pub signers: Vec<crate::identity::PublicKey>,
    /// The pairing grants (grant ids) taken up by the paired phones whose certificates it
    /// carries: the grants a store records or refuses while applying it. Certificates that do
    /// not decode name none (the message is refused when applied).
    pub grants: Vec<[u8; 16]>,
}

/// [`Mentions`] of the sync message `bytes`, decoded as [`check_message`] does.
///
/// # Errors
/// As [`check_message`].
pub fn mentions(bytes: &[u8]) -> crate::Result<Mentions> {
    let msg = wire::Message::decode(bytes)?;
    let mut people: Vec<crate::Id> = msg
        .hello
        .iter()
        .filter_map(|h| h.person)
        .chain(msg.manifest.iter().flatten().map(|((p, _), _)| *p))
        .chain(msg.tombstones.iter().map(|(p, _)| *p))
        .chain(msg.tombstone_signatures.keys().copied())
        .chain(msg.docs.iter().map(|((p, _), _)| *p))
        .chain(msg.drops.iter().copied())
        .collect();
    people.sort();
    people.dedup();
    let mut signers: Vec<crate::identity::PublicKey> = msg
        .signatures
        .iter()
        .map(|s| s.signer)
        .chain(msg.tombstone_signatures.values().map(|t| t.signer))
        .collect();
    signers.sort();
    signers.dedup();
    let mut grants: Vec<[u8; 16]> = msg
        .certificates
        .iter()
        .filter_map(|c| crate::identity::Certificate::decode(c).ok())
        .filter_map(|c| match c.issuer {
            crate::identity::Issuer::Pairing(grant) => Some(grant.grant_id),
            crate::identity::Issuer::Organisation => None,
        })
        .collect();
    grants.sort();
    grants.dedup();
    Ok(Mentions {
        people,
        signers,
        grants,
    })
}
