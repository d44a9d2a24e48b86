//! Change listeners: apps are told which people changed so screens refresh without polling.
//!
//! Two ways to register: [`Store::subscribe`] gives back a [`Subscription`] whose drop
//! unregisters (what the Kotlin Flows and Swift AsyncStreams use: cancelling the collector
//! drops it), and [`Store::add_listener`] / [`Store::remove_listener`] with a [`ListenerId`].
//! A subscription refers to the store's listener list weakly, so holding one never keeps a
//! store (or its SQLite connections) alive, and dropping it after the store is gone is harmless.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::Store;
use crate::ids::Id;

/// Receives the ids of people whose documents changed (local edits, merges).
///
/// Called on the thread that made the change, after the store released its locks, so a
/// listener may call back into the store.
pub trait ChangeListener: Send + Sync {
    /// `people` changed; reload what shows them.
    fn people_changed(&self, people: &[Id]);

    /// A sync session with a peer completed (a round of live sync too), whether or not it
    /// changed anybody: the sync status (peers' last sync times, what a peer has not seen)
    /// may have changed, so reload what shows it. Called after [`people_changed`] of the same
    /// message, on the thread that ran the sync. Does nothing unless implemented.
    ///
    /// [`people_changed`]: ChangeListener::people_changed
    fn sync_completed(&self) {}
}

/// The handle of a registered listener, for removing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(pub u64);

type Entries = Mutex<Vec<(ListenerId, Arc<dyn ChangeListener>)>>;

/// Keeps a listener registered with [`Store::subscribe`] until it is dropped or
/// [cancelled](Subscription::cancel). Holds the store's listener list weakly: it neither keeps
/// the store alive nor fails once the store is gone.
#[must_use = "the listener is unregistered as soon as the subscription is dropped"]
pub struct Subscription {
    entries: Weak<Entries>,
    id: ListenerId,
}

impl Subscription {
    /// Unregisters the listener now (what dropping does); later changes are not reported.
    /// Returns whether it was still registered (false once cancelled, or when the store is
    /// gone).
    pub fn cancel(&self) -> bool {
        self.entries
            .upgrade()
            .is_some_and(|entries| remove(&entries, self.id))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish()
    }
}

fn lock(entries: &Entries) -> MutexGuard<'_, Vec<(ListenerId, Arc<dyn ChangeListener>)>> {
    // Only whole entries are pushed and removed under this lock: a poisoned one is consistent.
    entries.lock().unwrap_or_else(|p| p.into_inner())
}

fn remove(entries: &Entries, id: ListenerId) -> bool {
    let mut ls = lock(entries);
    let before = ls.len();
    ls.retain(|(i, _)| *i != id);
    ls.len() != before
}

#[derive(Default)]
pub(crate) struct Registry {
    next: AtomicU64,
    /// Shared with [`Subscription`]s, which hold it weakly.
    listeners: Arc<Entries>,
}

impl Registry {
    pub(crate) fn add(&self, l: Arc<dyn ChangeListener>) -> ListenerId {
        let id = ListenerId(self.next.fetch_add(1, Ordering::Relaxed) + 1);
        lock(&self.listeners).push((id, l));
        id
    }

    pub(crate) fn remove(&self, id: ListenerId) -> bool {
        remove(&self.listeners, id)
    }

    /// Registers `l` for as long as the returned subscription lives.
    fn subscribe(&self, l: Arc<dyn ChangeListener>) -> Subscription {
        Subscription {
            id: self.add(l),
            entries: Arc::downgrade(&self.listeners),
        }
    }

    fn len(&self) -> usize {
        lock(&self.listeners).len()
    }

    /// Calls every listener with no lock held (the list is copied first).
    pub(crate) fn notify(&self, people: &[Id]) {
        if people.is_empty() {
            return;
        }
        for l in self.snapshot() {
            l.people_changed(people);
        }
    }

    /// Tells every listener that a sync session completed, with no lock held.
    pub(crate) fn notify_sync_completed(&self) {
        for l in self.snapshot() {
            l.sync_completed();
        }
    }

    fn snapshot(&self) -> Vec<Arc<dyn ChangeListener>> {
        lock(&self.listeners)
            .iter()
            .map(|(_, l)| l.clone())
            .collect()
    }
}

impl Store {
    /// Registers `listener` until the returned [`Subscription`] is dropped or cancelled: it is
    /// told which people changed after every local edit, import and merged sync message (see
    /// [`ChangeListener`] for the thread it is called on). The subscription holds the store
    /// weakly, so a listener an app forgets to cancel never keeps the store open.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Subscription {
        self.listeners.subscribe(listener)
    }

    /// How many listeners are registered now (subscriptions and `add_listener` alike), for
    /// diagnostics and for tests that check a cancelled observer really went away.
    pub fn listener_count(&self) -> usize {
        self.listeners.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl ChangeListener for Counting {
        fn people_changed(&self, people: &[Id]) {
            self.0.fetch_add(people.len(), Ordering::Relaxed);
        }
    }

    #[test]
    fn a_dropped_subscription_stops_the_listener() {
        let registry = Registry::default();
        let counting = Arc::new(Counting::default());
        let subscription = registry.subscribe(counting.clone());
        registry.notify(&[Id::new()]);
        assert_eq!(registry.len(), 1);
        drop(subscription);
        assert_eq!(registry.len(), 0);
        registry.notify(&[Id::new()]);
        assert_eq!(counting.0.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn cancel_is_idempotent_and_leaves_other_listeners() {
        let registry = Registry::default();
        let first = registry.subscribe(Arc::new(Counting::default()));
        let _second = registry.subscribe(Arc::new(Counting::default()));
        assert!(first.cancel());
        assert!(!first.cancel());
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn a_subscription_does_not_keep_the_registry_alive() {
        let registry = Registry::default();
        let subscription = registry.subscribe(Arc::new(Counting::default()));
        let weak = Arc::downgrade(&registry.listeners);
        drop(registry);
        assert!(weak.upgrade().is_none());
        // Cancelling (and dropping) after the store is gone is harmless.
        assert!(!subscription.cancel());
    }
}
