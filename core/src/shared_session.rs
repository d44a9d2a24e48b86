//! A sync session shared between threads, as an app holds one: [`SharedSession`].
//!
//! A [`SyncSession`] is a plain value driven by `&mut`; an app's session object is called from
//! several threads (a reader loop, a live-mode poll timer, a progress bar, a change listener).
//! This wrapper adds what that needs, so the Kotlin/Swift layer stays a thin conversion:
//! - protocol calls (`receive`, `poll`) run one at a time;
//! - **once a call fails the session stays failed**: every later call returns the same error
//!   without touching the store (the protocol requires abandoning a failed session; here a
//!   caller cannot forget to);
//! - the non-blocking getters read a [`SessionSummary`] copied after every call, so they never
//!   wait for a message being applied (a listener called during `receive` may read them).

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::Error;
use crate::ids::Id;
use crate::sync::{PeerInfo, SyncProgress, SyncSession, SyncStats};

/// What the non-blocking getters of a [`SharedSession`] report, copied after every call.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSummary {
    /// Message and byte counts so far.
    pub stats: SyncStats,
    /// Documents and bytes exchanged of the totals both sides announced.
    pub progress: SyncProgress,
    /// Who the peer says it is, once its first message arrived.
    pub peer: Option<PeerInfo>,
    /// Whether the session has completed.
    pub complete: bool,
    /// Every person whose documents changed on this store during the session.
    pub changed_people: Vec<Id>,
}

impl SessionSummary {
    fn of(s: &SyncSession) -> Self {
        SessionSummary {
            stats: s.stats(),
            progress: s.progress(),
            peer: s.peer(),
            complete: s.is_complete(),
            changed_people: s.changed_people(),
        }
    }
}

struct State<E> {
    session: SyncSession,
    /// The error that finished the session.
    failed: Option<E>,
}

/// A [`SyncSession`] usable from several threads; `E` is the caller's error type (the app's
/// `LinkWorkError` in the bindings), kept to be returned again after a failure.
pub struct SharedSession<E> {
    /// The protocol state, held for the whole of a call.
    state: Mutex<State<E>>,
    /// What the getters report.
    summary: Mutex<SessionSummary>,
}

impl<E: Clone + From<Error>> SharedSession<E> {
    /// Wraps a session made by `Store::sync_start`, `sync_accept` or their authenticated forms.
    pub fn new(session: SyncSession) -> Self {
        SharedSession {
            summary: Mutex::new(SessionSummary::of(&session)),
            state: Mutex::new(State {
                session,
                failed: None,
            }),
        }
    }

    /// Runs one protocol call (e.g. `|s| store.sync_receive(s, &bytes)`), waiting for a call
    /// in progress. Refuses a failed session with its error; records the error that fails one.
    ///
    /// # Errors
    /// The call's error, or the one that failed the session earlier.
    pub fn run<T>(&self, call: impl FnOnce(&mut SyncSession) -> Result<T, Error>) -> Result<T, E> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| {
            // A bug panicked inside an earlier call: the session's state cannot be trusted.
            let mut state = poisoned.into_inner();
            state.failed.get_or_insert_with(|| {
                E::from(Error::Sync {
                    reason: "an earlier call on this sync session failed; start a new session"
                        .into(),
                    retryable: true,
                })
            });
            state
        });
        if let Some(e) = &state.failed {
            return Err(e.clone());
        }
        let result = call(&mut state.session).map_err(E::from);
        if let Err(e) = &result {
            state.failed = Some(e.clone());
        }
        *self.summary_lock() = SessionSummary::of(&state.session);
        result
    }

    /// The figures copied after the latest call. Does not wait for a call in progress.
    pub fn summary(&self) -> SessionSummary {
        self.summary_lock().clone()
    }

    /// Sets the size this side keeps each message under (see
    /// [`SyncSession::set_max_message_bytes`]); waits for a call in progress.
    pub fn set_max_message_bytes(&self, bytes: usize) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.session.set_max_message_bytes(bytes);
    }

    fn summary_lock(&self) -> MutexGuard<'_, SessionSummary> {
        // Only whole values are written under this lock: a poisoned one is still consistent.
        self.summary.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use crate::store::test_support::test_store;
    use crate::Store;

    /// A copyable stand-in for an app's error.
    #[derive(Clone, Debug, PartialEq)]
    struct AppError(String);

    impl From<Error> for AppError {
        fn from(e: Error) -> Self {
            AppError(e.to_string())
        }
    }

    fn store(dir: &tempfile::TempDir, name: &str) -> Store {
        test_store(dir.path(), name, "sam.worker", Role::LinkWorker)
    }

    #[test]
    fn a_failed_session_keeps_its_error_and_never_calls_again() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = store(&dir, "s.db");
        let shared: SharedSession<AppError> = SharedSession::new(store.sync_accept());
        let first = shared.run(|s| store.sync_receive(s, b"not a sync message"));
        let Err(first) = first else {
            panic!("garbage was accepted")
        };
        let mut called = false;
        let second = shared.run(|_| {
            called = true;
            Ok(())
        });
        assert_eq!(second, Err(first));
        assert!(!called, "a failed session must not run another call");
        assert!(!shared.summary().complete);
    }

    #[test]
    fn the_summary_follows_each_call() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = (store(&dir, "a.db"), store(&dir, "b.db"));
        let (session, hello) = a.sync_start().unwrap_or_else(|e| panic!("{e}"));
        let starter: SharedSession<AppError> = SharedSession::new(session);
        let listener: SharedSession<AppError> = SharedSession::new(b.sync_accept());
        assert_eq!(listener.summary().stats.messages_received, 0);
        let step = listener
            .run(|s| b.sync_receive(s, &hello))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(listener.summary().stats.messages_received, 1);
        assert!(listener.summary().peer.is_some());
        if let Some(reply) = step.reply {
            let back = starter
                .run(|s| a.sync_receive(s, &reply))
                .unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(starter.summary().complete, back.complete);
        }
    }
}
