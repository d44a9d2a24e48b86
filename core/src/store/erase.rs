//! Erasure: a person's documents, change rows, projections and sync state are deleted, and a
//! tombstone makes every peer that syncs with this store do the same.

use chrono::{DateTime, Utc};

use super::Store;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::DocKind;
use crate::storage::{documents, sync_state};

impl Store {
    /// Erases a person: deletes both documents with every stored change, their projections and
    /// sync state, records a tombstone that travels to peers on the next sync, and checkpoints
    /// the WAL into the file and empties it (secure delete is on, so freed cells and pages are
    /// overwritten with zeros): the person's bytes are gone from the file and its WAL, not only
    /// unlinked.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown person; [`Error::NotPermitted`] on a patient store,
    /// or on an enrolled store whose certificate lacks the erase permission; storage errors
    /// (nothing changes on error).
    pub fn erase_person(&self, person: Id) -> Result<()> {
        self.require_link_worker("erase a person")?;
        self.require_erase_permission()?;
        self.db.write(|tx, cache| {
            if !documents::has_person(tx, person)? {
                return Err(Error::not_found("person", person));
            }
            let at = Utc::now();
            sync_state::erase(tx, person, at)?;
            // Erasure is a signed act (ADR 0007): peers check the signer may erase.
            super::signing_ops::sign_tombstone(tx, person, at.timestamp_millis())?;
            cache.evict(person, DocKind::Plan);
            cache.evict(person, DocKind::Case);
            Ok(())
        })?;
        // Secure delete zeroed the freed cells and pages; the checkpoint writes them over the
        // old pages in the main file and empties the WAL that still held the old ones. A reader
        // holding an old snapshot for longer (busy timeout, five tries) delays that to the next
        // checkpoint (the store's checkpointer truncates the WAL when writes pause). The
        // erasure itself is committed: a failed checkpoint is not an error of the erasure.
        let _wiped = self.db.checkpoint_truncate();
        self.listeners.notify(&[person]);
        Ok(())
    }

    /// People erased on this store or by a peer: `(person, when)`.
    ///
    /// # Errors
    /// Storage errors.
    pub fn erased_people(&self) -> Result<Vec<(Id, DateTime<Utc>)>> {
        self.read(sync_state::tombstones)
    }
}
