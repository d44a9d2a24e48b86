//! Change observation: the app implements [`ChangeListener`] (a foreign trait) and registers it
//! with [`crate::LinkWorkStore::add_listener`]; the store tells it which people changed after
//! every local edit and every merge, so screens refresh without polling.

use std::sync::Arc;

use linkwork_core::Id;

use crate::LinkWorkError;

/// Told which people changed. Implemented by the app (Kotlin interface, Swift protocol).
///
/// Called on the thread that made the change (often a background thread: hop to the main
/// thread before touching UI), after the store released every internal lock, so the listener
/// may call back into the store. Keep it quick. Errors and exceptions thrown by it are ignored:
/// the change is already saved, and the other listeners are still told.
#[uniffi::export(foreign)]
pub trait ChangeListener: Send + Sync {
    /// The people with these ids (UUID text) changed; reload what shows them.
    // Fallible on purpose: a throwing Kotlin/Swift implementation then comes back as an error
    // value; with an infallible method uniffi would panic inside the store's notify loop.
    fn people_changed(&self, person_ids: Vec<String>) -> Result<(), LinkWorkError>;
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
}
