//! Change listeners: apps are told which people changed so screens refresh without polling.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::ids::Id;

/// Receives the ids of people whose documents changed (local edits, merges).
///
/// Called on the thread that made the change, after the store released its locks, so a
/// listener may call back into the store.
pub trait ChangeListener: Send + Sync {
    /// `people` changed; reload what shows them.
    fn people_changed(&self, people: &[Id]);
}

/// The handle of a registered listener, for removing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(pub u64);

#[derive(Default)]
pub(crate) struct Registry {
    next: AtomicU64,
    listeners: Mutex<Vec<(ListenerId, Arc<dyn ChangeListener>)>>,
}

impl Registry {
    pub(crate) fn add(&self, l: Arc<dyn ChangeListener>) -> ListenerId {
        let id = ListenerId(self.next.fetch_add(1, Ordering::Relaxed) + 1);
        self.listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, l));
        id
    }

    pub(crate) fn remove(&self, id: ListenerId) -> bool {
        let mut ls = self.listeners.lock().unwrap_or_else(|p| p.into_inner());
        let before = ls.len();
        ls.retain(|(i, _)| *i != id);
        ls.len() != before
    }

    /// Calls every listener with no lock held (the list is copied first).
    pub(crate) fn notify(&self, people: &[Id]) {
        if people.is_empty() {
            return;
        }
        let snapshot: Vec<Arc<dyn ChangeListener>> = self
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        for l in snapshot {
            l.people_changed(people);
        }
    }
}
