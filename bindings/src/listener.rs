//! Change observation: the app implements [`ChangeListener`] (a foreign trait) and registers it
//! with [`crate::LinkWorkStore::add_listener`]; the store tells it which people changed after
//! every local edit and every merge, so screens refresh without polling.

use std::sync::{Arc, Mutex, PoisonError};

use linkwork_core::Id;

/// Told which people changed. Implemented by the app (Kotlin interface, Swift protocol).
///
/// Called on the thread that made the change (often a background thread: hop to the main
/// thread before touching UI), after the store released every internal lock, so the listener
/// may call back into the store. Keep it quick. Errors and exceptions thrown by it are ignored:
/// the change is already saved, and the other listeners are still told.
#[uniffi::export(foreign)]
pub trait ChangeListener: Send + Sync {
    /// The people with these ids (UUID text) changed; reload what shows them. An **empty**
    /// list means a sync session completed (also one that changed nobody): only the sync
    /// status (peers' last sync times, what a peer has not seen) may have changed.
    // Fallible on purpose: a throwing Kotlin/Swift implementation then comes back as an error
    // value; with an infallible method uniffi would panic inside the store's notify loop.
    fn people_changed(&self, person_ids: Vec<String>) -> Result<(), ListenerError>;
}

/// What a listener that threw amounts to: it is ignored (the change is already saved and the
/// other listeners are still told). Kotlin `ListenerException`, Swift `ListenerError`; a
/// listener need not throw it, any exception it throws arrives as `Failed`.
///
/// Its own type rather than `LinkWorkError` because uniffi's Kotlin cannot lower an error
/// declared in another crate (core's) from a callback of this one.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ListenerError {
    /// The listener threw.
    #[error("the change listener failed: {reason}")]
    Failed {
        /// What it threw.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: e.reason }
    }
}

/// Adapts an app's listener to the core's listener trait.
pub(crate) struct ListenerBridge(pub(crate) Arc<dyn ChangeListener>);

impl linkwork_core::ChangeListener for ListenerBridge {
    fn people_changed(&self, people: &[Id]) {
        let ids: Vec<String> = people.iter().map(Id::to_string).collect();
        // The edit is already saved: a failing listener must neither fail the caller's call
        // nor keep the other listeners from being told, so its error is dropped.
        let _ignored = self.0.people_changed(ids);
    }

    fn sync_completed(&self) {
        let _ignored = self.0.people_changed(Vec::new());
    }
}

/// A listener registered with `LinkWorkStore.subscribe`: it is told about changes until
/// [`Subscription::cancel`] is called or the object is freed (Kotlin `close()`/`use {}`, Swift
/// when its last reference goes). Holds the store weakly. Usable from any thread.
#[derive(uniffi::Object)]
pub struct Subscription(Mutex<Option<linkwork_core::Subscription>>);

impl Subscription {
    pub(crate) fn new(inner: linkwork_core::Subscription) -> Arc<Self> {
        Arc::new(Self(Mutex::new(Some(inner))))
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the listener now; later changes are not reported. Returns whether it was still
    /// registered (false after an earlier `cancel`, or once the store is gone). Does not block.
    pub fn cancel(&self) -> bool {
        // Taking it out under the lock and dropping it after keeps `cancel` idempotent.
        let taken = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        taken.is_some_and(|s| s.cancel())
    }
}
