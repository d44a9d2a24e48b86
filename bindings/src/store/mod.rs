//! [`LinkWorkStore`]: the one object an app holds, one method per core capability.
//!
//! Every method is a one-line call into [`linkwork_core::Store`] between conversions. Split by
//! concern like the core: this file has opening, identity, listeners and whole documents;
//! `people`, `plan` and `case` have the rest, `directory` has the community services directory (`directory_share`: receiving it from the hub), `hub` has enrolling with and connecting to the team hub, `reports` has reports and exports (caseload
//! report, CSV, paired change, FHIR, GP message), and `sync` has sync sessions.
//!
//! Threading: the object is `Send + Sync`; any method may be called from any thread, and
//! concurrent calls are safe (writes are serialised inside the core, reads run in parallel).
//! Methods that touch disk are written once inside `blocking_and_async!`, which exports them
//! as `async fn x` (run on the core's I/O pool: safe from the UI thread) and `x_blocking`
//! (blocks the caller: scripts and tests); so are the constructors (`create`/`createBlocking`,
//! ...), the sync and hub starts and the sessions' `receive`/`poll`.

mod case;
mod channel;
mod directory;
mod directory_share;
mod hub;
mod identity;
mod paging;
mod people;
mod plan;
mod reporting;
mod reports;
mod sync;
mod sync_state;

use std::sync::Arc;

use linkwork_core::model::NewStore;
use linkwork_core::{ListenerId, Store};

use crate::asyncify::blocking_and_async;
use crate::convert::{id, opt_id, to_i64};
use crate::listener::{ChangeListener, ListenerBridge, Subscription};
use crate::types::{DocKind, ImportOutcome, Role, StorageSizes, StoreInfo, StoreKey};
use crate::LinkWorkError;

pub use channel::{SecureChannel, SecureChannelStart};
pub use directory_share::{DirectoryDownload, DirectoryStep};
pub use hub::{HubEnrolment, HubSession};
pub use identity::Organisation;
pub use sync::{SyncSession, SyncStart};

/// An open linkwork store: one SQLite file holding a caseload (link worker) or one person's
/// plan (patient). Kotlin: `AutoCloseable` (use `use {}` or `close()`); Swift: a class freed
/// when the last reference goes. Calls after `close()` throw `IllegalStateException`.
#[derive(uniffi::Object)]
pub struct LinkWorkStore {
    inner: Store,
}

blocking_and_async! {
impl LinkWorkStore {
    /// Creates a new store file at `path` for its owner `user` (the name stamped on every edit),
    /// encrypted with `key` (`StoreKey.Unencrypted` only for tests). A patient store names its
    /// `person_id`; a link-worker store must not.
    ///
    /// Errors: `Conflict` when a store (or any non-empty file) is already there;
    /// `InvalidInput` for an empty user, a wrong `person_id` or a key that is not 32 bytes
    /// (field `key`); `Storage`.
    #[uniffi::constructor(default(person_id = None))]
    pub fn create / create_blocking(
        path: String,
        key: StoreKey,
        user: String,
        role: Role,
        person_id: Option<String>,
    ) -> Result<Arc<Self>, LinkWorkError> {
        let key = key.try_into()?;
        let new = NewStore {
            user,
            role,
            person: opt_id("person_id", person_id)?,
        };
        Ok(Arc::new(Self {
            inner: Store::create(path, new, &key)?,
        }))
    }

    /// Opens an existing store with its `key`, as the user it was created for (migrating an
    /// older format).
    ///
    /// Errors: `WrongKey` when the key does not open the store (another key, or encrypted vs
    /// unencrypted); `Storage` for a missing file, a file that is not a linkwork store, or a
    /// store written by a newer version; `InvalidInput` for a key that is not 32 bytes. The
    /// file is left untouched on every error.
    #[uniffi::constructor]
    pub fn open / open_blocking(path: String, key: StoreKey) -> Result<Arc<Self>, LinkWorkError> {
        let key = key.try_into()?;
        Ok(Arc::new(Self {
            inner: Store::open(path, &key)?,
        }))
    }

    /// Opens an existing store with its `key`, acting as `user` (e.g. a colleague on a shared
    /// hub device).
    ///
    /// Errors: as `open`; `InvalidInput` for an empty user.
    #[uniffi::constructor]
    pub fn open_as / open_as_blocking(path: String, key: StoreKey, user: String) -> Result<Arc<Self>, LinkWorkError> {
        let key = key.try_into()?;
        Ok(Arc::new(Self {
            inner: Store::open_as(path, &key, Some(&user))?,
        }))
    }
}}

#[uniffi::export]
impl LinkWorkStore {
    /// The store's identity: id, acting user, role and (patient stores) person. Does not block.
    pub fn info(&self) -> StoreInfo {
        self.inner.info().clone()
    }

    /// The path of the database file. Does not block.
    pub fn path(&self) -> String {
        self.inner.path().to_string_lossy().into_owned()
    }

    /// Registers a listener told which people changed after every local edit and every
    /// import or merge. Returns a token for `remove_listener`. Does not block.
    pub fn add_listener(&self, listener: Arc<dyn ChangeListener>) -> i64 {
        to_i64(
            self.inner
                .add_listener(Arc::new(ListenerBridge(listener)))
                .0,
        )
    }

    /// Removes a listener; `false` when the token was not registered (a negative token never
    /// is). Does not block.
    pub fn remove_listener(&self, token: i64) -> bool {
        u64::try_from(token).is_ok_and(|t| self.inner.remove_listener(ListenerId(t)))
    }

    /// Registers a listener until the returned [`Subscription`] is cancelled or freed (Kotlin
    /// `close()`, Swift: its last reference going). The subscription holds the store weakly:
    /// a forgotten one never keeps the store open. The Kotlin Flows and Swift AsyncStreams
    /// (`caseloadFlow`, `caseloadUpdates`, ...) are built on it. Does not block.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Arc<Subscription> {
        Subscription::new(self.inner.subscribe(Arc::new(ListenerBridge(listener))))
    }

    /// How many listeners are registered (subscriptions and `addListener` alike): for
    /// diagnostics, e.g. to check that a cancelled Flow stopped listening. Does not block.
    pub fn listener_count(&self) -> i64 {
        i64::try_from(self.inner.listener_count()).unwrap_or(i64::MAX)
    }
}

blocking_and_async! {
impl LinkWorkStore {
    /// Re-encrypts the store under `new_key`, in place: from now on it opens only with
    /// `new_key` (store the new key before calling, and keep the old one until this returns).
    /// Waits for calls in flight. Other handles on the same file must be closed first.
    ///
    /// Errors: `InvalidInput` (field `key`) when the store is unencrypted, `new_key` is
    /// `Unencrypted` or not 32 bytes; `Storage` (the store then still opens with the old key).
    pub fn rekey / rekey_blocking(&self, new_key: StoreKey) -> Result<(), LinkWorkError> {
        let new_key = new_key.try_into()?;
        Ok(self.inner.rekey(&new_key)?)
    }

    /// One of a person's documents as plain automerge bytes (for backup, transfer or any
    /// automerge implementation).
    ///
    /// Errors: `NotFound`; `NotPermitted` for case documents on a patient store or another
    /// person's plan; `InvalidInput` for a bad id.
    pub fn export_document / export_document_blocking(
        &self,
        person_id: String,
        kind: DocKind,
    ) -> Result<Vec<u8>, LinkWorkError> {
        Ok(self
            .inner
            .export_document(id("person_id", &person_id)?, kind)?)
    }

    /// Merges exported document bytes into the store: a new person's document is added, an
    /// existing one is merged without losing either side's edits; listeners are told.
    ///
    /// Errors: `InvalidInput` (field `document`) for oversized, undecodable or schema-violating
    /// bytes or a document unrelated to the stored one; `NotPermitted` when this store's role
    /// may not hold it. Nothing is stored on error.
    pub fn import_document / import_document_blocking(&self, bytes: Vec<u8>) -> Result<ImportOutcome, LinkWorkError> {
        Ok(self.inner.import_document(&bytes)?.into())
    }

    /// Compacts every document into a single snapshot (also done automatically). Takes longer
    /// than other calls on a big caseload.
    ///
    /// Errors: `Storage`.
    pub fn compact / compact_blocking(&self) -> Result<(), LinkWorkError> {
        Ok(self.inner.compact()?)
    }

    /// Rebuilds the caseload and search indexes from the documents (repair). Takes longer than
    /// other calls on a big caseload.
    ///
    /// Errors: `Storage`.
    pub fn rebuild_projections / rebuild_projections_blocking(&self) -> Result<(), LinkWorkError> {
        Ok(self.inner.rebuild_projections()?)
    }

    /// Storage figures over all documents, for diagnostics.
    ///
    /// Errors: `Storage`.
    pub fn storage_sizes / storage_sizes_blocking(&self) -> Result<StorageSizes, LinkWorkError> {
        let (snapshot_bytes, change_bytes, change_rows) = self.inner.storage_sizes()?;
        Ok(StorageSizes {
            snapshot_bytes,
            change_bytes,
            change_rows,
        })
    }
}}
