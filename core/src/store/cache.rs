//! A small cache of loaded documents held by the writer, so consecutive edits of the same
//! person do not reload their documents from SQLite.

use std::collections::HashMap;

use automerge::{ActorId, Automerge};

use crate::error::Result;
use crate::ids::Id;
use crate::model::DocKind;
use crate::storage::{documents, Conn, WriterCache};

/// How many documents stay loaded.
const CAPACITY: usize = 64;

/// Loaded documents keyed by person and kind, with a use counter for eviction.
pub(crate) struct DocCache {
    docs: HashMap<(Id, DocKind), (u64, Automerge)>,
    clock: u64,
    actor: ActorId,
    /// SQLite's `data_version` when the cache was last known to match the database.
    data_version: Option<i64>,
}

impl DocCache {
    /// An empty cache whose documents edit as `actor` (the store's device actor).
    pub(crate) fn new(actor: ActorId) -> Self {
        DocCache {
            docs: HashMap::new(),
            clock: 0,
            actor,
            data_version: None,
        }
    }

    /// Loads a document into the cache if needed; `false` when it does not exist.
    pub(crate) fn ensure(&mut self, conn: &Conn, person: Id, kind: DocKind) -> Result<bool> {
        self.clock += 1;
        if let Some(entry) = self.docs.get_mut(&(person, kind)) {
            entry.0 = self.clock;
            return Ok(true);
        }
        let Some(mut doc) = documents::load(conn, person, kind)? else {
            return Ok(false);
        };
        // Loading gives a random actor; this store's edits must always use its own.
        doc.set_actor(self.actor.clone());
        self.make_room();
        self.docs.insert((person, kind), (self.clock, doc));
        Ok(true)
    }

    /// Drops the least recently used document when the cache is full.
    fn make_room(&mut self) {
        if self.docs.len() >= CAPACITY {
            if let Some(oldest) = self
                .docs
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| *k)
            {
                self.docs.remove(&oldest);
            }
        }
    }

    pub(crate) fn get(&self, person: Id, kind: DocKind) -> Option<&Automerge> {
        self.docs.get(&(person, kind)).map(|(_, d)| d)
    }

    pub(crate) fn get_mut(&mut self, person: Id, kind: DocKind) -> Option<&mut Automerge> {
        self.docs.get_mut(&(person, kind)).map(|(_, d)| d)
    }

    /// Caches a new or replaced document. Bounded like loading: without eviction here, every
    /// document created or received in a process stayed in memory (about 100 KB a person
    /// while generating a caseload, found by `linkwork-bench`).
    pub(crate) fn insert(&mut self, person: Id, kind: DocKind, mut doc: Automerge) {
        doc.set_actor(self.actor.clone());
        self.clock += 1;
        if !self.docs.contains_key(&(person, kind)) {
            self.make_room();
        }
        self.docs.insert((person, kind), (self.clock, doc));
    }

    /// Drops a document whose in-memory state may differ from what is stored.
    pub(crate) fn evict(&mut self, person: Id, kind: DocKind) {
        self.docs.remove(&(person, kind));
    }

    /// Drops every document.
    pub(crate) fn clear(&mut self) {
        self.docs.clear();
    }
}

impl WriterCache for DocCache {
    /// Drops every document when another connection changed the database since last seen.
    fn observe_data_version(&mut self, version: i64) {
        if self.data_version != Some(version) {
            self.docs.clear();
            self.data_version = Some(version);
        }
    }

    fn clear(&mut self) {
        DocCache::clear(self);
    }
}
