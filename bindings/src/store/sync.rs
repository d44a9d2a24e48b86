//! Sync: [`SyncSession`], one connection between this store and one peer store, over a
//! transport the app owns (Wi-Fi, Bluetooth, a socket to the team's hub). Bytes in, bytes out.
//!
//! The session is bound to the store that made it (it keeps that store open) so it can never be
//! fed to another store; `receive` and `poll` are its methods. Protocol, share policy and
//! identity: `docs/sync.md`.
//!
//! ```text
//! connecting side                         listening side
//! (session, first) = store.syncStart()
//! send(first)                   ──────▶   session = store.syncAccept()
//!                                         step = session.receive(bytes)
//!                               ◀──────   send(step.reply) if any
//! step = session.receive(bytes)
//! send(step.reply) if any       ──────▶   ...
//! ```
//! A side is finished when a step is `complete` with no `reply`.
//!
//! The core's [`SharedSession`] supplies the behaviour an app's session object needs (one call
//! at a time, a failed session staying failed, getters that never wait); this file converts.

use std::sync::Arc;

use linkwork_core::{SessionSummary, SharedSession, SyncSession as CoreSession};

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::to_unsigned;
use crate::types::{PeerInfo, SyncProgress, SyncStats, SyncStep};
use crate::LinkWorkError;

/// A new session of the connecting side and the first message to send.
#[derive(uniffi::Record)]
pub struct SyncStart {
    /// The session: feed it every message the peer sends back.
    pub session: Arc<SyncSession>,
    /// The first message (a hello and a digest of what this store holds); send it to the peer.
    pub message: Vec<u8>,
}

/// One sync connection between this store and one peer store. Made by
/// `LinkWorkStore.syncStart()` (the side that connects) or `LinkWorkStore.syncAccept()` (the
/// side that listens); feed every message received from the peer to [`SyncSession::receive`]
/// and send back its reply, until a step is `complete` with no reply.
///
/// **Threading**: usable from any thread. `receive` and `poll` are async (they can take a while
/// when a whole caseload arrives; their `*Blocking` twins block the caller). Calls on one session
/// run one at a time (a second caller waits); sessions with different peers may run in
/// parallel, also on the same store. `stats`, `peer`, `isComplete` and `changedPersonIds` do not
/// block and may be called at any time, also from a `ChangeListener` while a message is being
/// applied (a listener must not call `receive` or `poll` of that same session: it would wait
/// for itself).
///
/// **Errors**: after any error the session is finished and every later `receive` or `poll`
/// throws the same error. Nothing of the failed message was stored (earlier messages were: a
/// cut-off first sync resumes where it stopped). Drop the session and, when the error is `Sync`
/// with `retryable` (a message cut off, damaged or out of order on the way, a session that did
/// not converge) or `Storage`, start a new one, perhaps later; the state persisted per peer makes
/// the next session cheap. `NotPermitted` means the peer broke the share policy and will do
/// so again. The session keeps its store open until it is closed (Kotlin `close()`/`use {}`)
/// or freed.
#[derive(uniffi::Object)]
pub struct SyncSession {
    store: Arc<LinkWorkStore>,
    inner: SharedSession<LinkWorkError>,
}

impl SyncSession {
    pub(super) fn new(store: Arc<LinkWorkStore>, inner: CoreSession) -> Arc<Self> {
        Arc::new(Self {
            store,
            inner: SharedSession::new(inner),
        })
    }

    fn summary(&self) -> SessionSummary {
        self.inner.summary()
    }
}

#[uniffi::export]
impl SyncSession {
    /// Message and byte counts so far. Does not block.
    pub fn stats(&self) -> SyncStats {
        self.summary().stats.into()
    }

    /// Documents and bytes exchanged so far, of the total both sides have announced: what a
    /// progress bar shows during a first sync, which arrives in several messages. Does not
    /// block (it may be called from another thread while a message is being applied).
    pub fn progress(&self) -> SyncProgress {
        self.summary().progress.into()
    }

    /// Sets the size this side keeps each message it sends under, in bytes (default 1 MiB,
    /// at least 16 KiB). Smaller messages suit a slow or unreliable link: each is stored when
    /// it arrives, so a cut-off first sync resumes where it stopped. A document larger than the
    /// bound still travels, alone. Applies from the next message; waits for a message being
    /// applied.
    ///
    /// Errors: `InvalidInput` (field `bytes`) for a negative size.
    pub fn set_max_message_bytes(&self, bytes: i64) -> Result<(), LinkWorkError> {
        self.inner.set_max_message_bytes(
            to_unsigned::<u64>("bytes", bytes)?
                .try_into()
                .unwrap_or(usize::MAX),
        );
        Ok(())
    }

    /// Who the peer says it is, once its first message arrived. Does not block.
    pub fn peer(&self) -> Option<PeerInfo> {
        self.summary().peer.map(Into::into)
    }

    /// Whether the session has completed (see `SyncStep.complete`). Does not block.
    pub fn is_complete(&self) -> bool {
        self.summary().complete
    }

    /// Every person whose documents changed on this store during the session. Does not block.
    pub fn changed_person_ids(&self) -> Vec<String> {
        let changed = self.summary().changed_people;
        changed.iter().map(ToString::to_string).collect()
    }
}

blocking_and_async! {
impl SyncSession {
    /// Applies one message received from the peer, in one transaction, and returns the reply
    /// to send (if any), the people whose documents changed (listeners are told as well, on
    /// this thread) and whether the session is complete.
    ///
    /// Errors (each finishes the session; nothing of the message is stored): `Sync` for a
    /// malformed, truncated, out-of-order or non-converging exchange (`retryable` when a new
    /// session may succeed); `NotPermitted` when the peer sends what the share policy forbids
    /// (e.g. case documents to a patient's store, or a patient's store changing more than its
    /// progress, ticks and answers); `InvalidInput` (field `document`) for a document that
    /// breaks the schema; `Storage`.
    pub fn receive / receive_blocking(&self, message: Vec<u8>) -> Result<SyncStep, LinkWorkError> {
        self.inner
            .run(|s| self.store.inner.sync_receive(s, &message))
            .map(Into::into)
    }

    /// Live mode (both devices stay connected, e.g. during a video consultation): once the
    /// session is complete, returns a message carrying local edits made since, or `null`/`nil`
    /// when there is nothing new or a round is still in flight. Send it; the peer's reply goes
    /// to `receive` as usual. Cheap enough to call every few hundred milliseconds while the
    /// line is quiet.
    ///
    /// Errors: `Storage` (finishes the session).
    pub fn poll / poll_blocking(&self) -> Result<Option<Vec<u8>>, LinkWorkError> {
        self.inner.run(|s| self.store.inner.sync_poll(s))
    }
}}

blocking_and_async! {
impl LinkWorkStore {
    /// Starts a sync session as the side that connects: returns the session and the first
    /// message to send.
    ///
    /// Kotlin: `val (session, first) = store.syncStart()`. Swift:
    /// `let start = try await store.syncStart()`, then `start.session` and `start.message`.
    ///
    /// Errors: `Storage`.
    pub fn sync_start / sync_start_blocking(self: Arc<Self>) -> Result<SyncStart, LinkWorkError> {
        let (inner, message) = self.inner.sync_start()?;
        Ok(SyncStart {
            session: SyncSession::new(self, inner),
            message,
        })
    }
}}

#[uniffi::export]
impl LinkWorkStore {
    /// Starts a sync session as the side that listens: feed it the connecting side's first
    /// message with `receive`. Does not block.
    pub fn sync_accept(self: Arc<Self>) -> Arc<SyncSession> {
        let inner = self.inner.sync_accept();
        SyncSession::new(self, inner)
    }
}
