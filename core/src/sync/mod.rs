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
