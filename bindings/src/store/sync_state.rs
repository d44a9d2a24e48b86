//! Sync state for apps: known peers, stored documents, people with changes a peer has not
//! seen, people with conflicts, and resolving a conflict.

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::{id, list};
use crate::types::{ConflictResolution, ConflictedPerson, DocKind, DocumentInfo, KnownPeer};
use crate::LinkWorkError;

blocking_and_async! {
impl LinkWorkStore {
    /// The peers this store has synced with, most recently synced first.
    ///
    /// Errors: `Storage`.
    pub fn peers / peers_blocking(&self) -> Result<Vec<KnownPeer>, LinkWorkError> {
        Ok(list(self.inner.peers()?))
    }

    /// Every document the store holds (person, kind, size, heads), without loading any.
    ///
    /// Errors: `Storage`.
    pub fn documents / documents_blocking(&self) -> Result<Vec<DocumentInfo>, LinkWorkError> {
        Ok(list(self.inner.documents()?))
    }

    /// Ids of the people with changes the peer `peer_store_id` (a `KnownPeer.storeId`, e.g.
    /// the team hub's) has not seen yet, within what the share policy gives that peer.
    ///
    /// Errors: `NotFound` for a store this one has never synced with; `InvalidInput` for a
    /// malformed id.
    pub fn unsynced_people / unsynced_people_blocking(&self, peer_store_id: String) -> Result<Vec<String>, LinkWorkError> {
        let people = self
            .inner
            .unsynced_people(id("peer_store_id", &peer_store_id)?)?;
        Ok(people.iter().map(ToString::to_string).collect())
    }

    /// The people with conflicted fields and how many per document, from the conflict index
    /// (no record is loaded; `person` gives the conflicts).
    ///
    /// Errors: `Storage`.
    pub fn conflicted_people / conflicted_people_blocking(&self) -> Result<Vec<ConflictedPerson>, LinkWorkError> {
        Ok(list(self.inner.conflicted_people()?))
    }

    /// Resolves the conflicted field at `path` of `document` (a `FieldConflict`'s document
    /// and path) by keeping one of its values or setting a new one. Listeners are told.
    ///
    /// Errors: `InvalidInput` with field `path` (no conflict there) or `value` (a kept value
    /// not among the conflict's, a new value that does not fit the field); `NotFound`;
    /// `NotPermitted` on a patient store. Nothing changes on error.
    pub fn resolve_conflict / resolve_conflict_blocking(
        &self,
        person_id: String,
        document: DocKind,
        path: Vec<String>,
        resolution: ConflictResolution,
    ) -> Result<(), LinkWorkError> {
        Ok(self.inner.resolve_conflict(
            id("person_id", &person_id)?,
            document,
            &path,
            &resolution,
        )?)
    }
}}
