//! [`Store`]: the API, the one entry point an app holds. It runs the edit pipeline (every user
//! action as one automerge commit, projections kept in step, listeners told which people
//! changed) over `storage`, which owns the SQLite connections: `store` holds no connection and
//! writes no SQL, only calling storage's typed functions.
//!
//! Threading: `Store` is `Send + Sync`. Writes are serialised by storage's one writer
//! connection, which also guards the cache of loaded documents; reads use a small pool of reader
//! connections and never wait for a write to finish (SQLite WAL). Every method may block on
//! disk I/O: call them off an app's main thread.

mod cache;
mod case_ops;
mod directory_ops;
mod erase;
mod identity_ops;
mod listeners;
mod merge;
mod onward_ops;
mod paging;
mod people;
mod plan_ops;
mod report_ops;
mod signing_ops;
mod sync_ops;
mod sync_view;

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge};
use chrono::{DateTime, TimeZone, Utc};

pub use identity_ops::{DeviceIdentity, DEFAULT_PATIENT_DAYS};
pub use listeners::{ChangeListener, ListenerId, Subscription};
pub use merge::ImportOutcome;
pub use onward_ops::{DEFAULT_REFERRAL_RESPONSE_DAYS, MAX_REFERRAL_RESPONSE_DAYS};

use crate::doc::{case_doc, plan_doc, Actor};
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::key::StoreKey;
use crate::model::{Code, DocKind, NewStore, Role, StoreInfo};
use crate::storage::{self, documents, identity, meta, migrations, projections, Conn, WriteTx};
use cache::DocCache;

/// The store format (`PRAGMA user_version`) that added change signatures (migration 0006).
const SIGNATURES_VERSION: i64 = 6;

/// An open linkwork store (one SQLite file).
pub struct Store {
    info: StoreInfo,
    actor: ActorId,
    /// The connections: the writer with the cache of loaded documents, the readers, the key,
    /// the checkpointer.
    db: storage::Db<DocCache>,
    listeners: listeners::Registry,
    /// The time (ms since the epoch) of this store's latest action; see [`Store::actor_now`].
    last_action_ms: AtomicI64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("store_id", &self.info.store_id)
            .field("role", &self.info.role)
            .finish()
    }
}

impl Store {
    /// Creates a new store file at `path` for its owner, encrypted with `key` (or plain, when
    /// `key` is [`StoreKey::unencrypted`]).
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] when a store (or any non-empty database) is already there (a
    /// store whose creation a crash cut off, with no identity and no data yet, is finished);
    /// [`Error::InvalidInput`] for an empty user, or a person given for a link-worker store or
    /// missing for a patient store; [`Error::EncryptionUnavailable`] for a key in a build
    /// without encryption; storage errors.
    pub fn create(path: impl AsRef<Path>, new: NewStore, key: &StoreKey) -> Result<Store> {
        let user = crate::model::text::required("user", &new.user)?;
        match (new.role, new.person) {
            (Role::Patient, None) => {
                return Err(Error::invalid(
                    "person",
                    "a patient store must name its person",
                ))
            }
            (Role::LinkWorker, Some(_)) => {
                return Err(Error::invalid(
                    "person",
                    "only a patient store names a person",
                ))
            }
            _ => {}
        }
        let actor = ActorId::random();
        let (db, info) = storage::Db::create(
            path.as_ref(),
            key,
            DocCache::new(actor.clone()),
            |tx| {
                meta::set(tx, "format", meta::FORMAT)?;
                meta::set(tx, "store_id", &Id::new().to_string())?;
                meta::set(tx, "actor", &ActorId::random().to_hex_string())?;
                meta::set(tx, "user", &user)?;
                meta::set(tx, "role", new.role.code())?;
                if let Some(p) = new.person {
                    meta::set(tx, "person", &p.to_string())?;
                }
                identity::ensure_device_key(tx)?;
                Ok(())
            },
            |conn| read_info(conn, None),
        )?;
        Ok(Store::new(db, info, actor))
    }

    /// Opens an existing store with its key ([`StoreKey::unencrypted`] for a plain store),
    /// acting as the user it was created for.
    ///
    /// # Errors
    /// [`Error::WrongKey`] when `key` does not open the file (another key, an encrypted store
    /// opened as unencrypted or the reverse); [`Error::NotAStore`] for a missing file, a file
    /// that is not a database, or a database that is not a linkwork store;
    /// [`Error::StoreTooNew`] for a store written by a newer version;
    /// [`Error::EncryptionUnavailable`] for a key in a build without encryption; storage
    /// errors. On any of these errors the file is not changed.
    pub fn open(path: impl AsRef<Path>, key: &StoreKey) -> Result<Store> {
        Self::open_as(path, key, None)
    }

    /// Opens an existing store acting as `user` (e.g. a colleague on a shared hub device).
    ///
    /// # Errors
    /// As [`Store::open`]; [`Error::InvalidInput`] for an empty user.
    pub fn open_as(path: impl AsRef<Path>, key: &StoreKey, user: Option<&str>) -> Result<Store> {
        Self::open_migrating(path.as_ref(), key, user, migrations::STEPS)
    }

    /// As [`Store::open`], as a future build with more migration `steps` than this one.
    #[cfg(test)]
    pub(crate) fn open_with_steps(path: &Path, key: &StoreKey, steps: &[&str]) -> Result<Store> {
        Self::open_migrating(path, key, None, steps)
    }

    fn open_migrating(
        path: &Path,
        key: &StoreKey,
        user: Option<&str>,
        steps: &[&str],
    ) -> Result<Store> {
        let user = user
            .map(|u| crate::model::text::required("user", u))
            .transpose()?;
        let actor = ActorId::random();
        let (db, migrated, info) =
            storage::Db::open(path, key, steps, DocCache::new(actor.clone()), |conn| {
                // A store made before identity existed gets its device key on its first open.
                identity::ensure_device_key(conn)?;
                read_info(conn, user)
            })?;
        let store = Store::new(db, info, actor);
        if migrated.rebuild_projections {
            store.rebuild_projections()?;
        }
        if migrated.from < SIGNATURES_VERSION {
            // A store from before signed changes (ADR 0007): if it is enrolled, it vouches for
            // the changes it holds now, so its enrolled peers can accept them.
            store.adopt_after_upgrade()?;
        }
        Ok(store)
    }

    /// A store over an open database. Every open edits as a fresh random `actor` (see
    /// [`read_info`]).
    fn new(db: storage::Db<DocCache>, info: StoreInfo, actor: ActorId) -> Store {
        Store {
            info,
            actor,
            db,
            listeners: listeners::Registry::default(),
            last_action_ms: AtomicI64::new(0),
        }
    }

    /// The store's identity: id, acting user, role and (patient stores) person.
    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Registers a listener told which people changed after every local edit (and, later, every
    /// merge). Callbacks run on the thread that made the change, after every lock is released.
    pub fn add_listener(&self, listener: Arc<dyn ChangeListener>) -> ListenerId {
        self.listeners.add(listener)
    }

    /// Removes a listener; `false` when it was not registered.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.listeners.remove(id)
    }

    /// Rebuilds every projection row and stored heads from the documents (after a migration, or
    /// to repair).
    ///
    /// # Errors
    /// Storage or schema errors; nothing changes on error.
    pub fn rebuild_projections(&self) -> Result<()> {
        self.db.write(|tx, cache| {
            for person in documents::people(tx)? {
                for kind in [DocKind::Plan, DocKind::Case] {
                    if cache.ensure(tx, person, kind)? {
                        if let Some(doc) = cache.get(person, kind) {
                            documents::set_heads(tx, person, kind, doc)?;
                        }
                    }
                }
                refresh_person(tx, cache, person, Utc::now())?;
            }
            Ok(())
        })
    }

    /// Compacts every document into a single snapshot (also done automatically as rows grow),
    /// then gives the pages this frees back to the file system (`VACUUM`): the file ends with
    /// no free pages. Takes about as long as copying the file; readers carry on meanwhile.
    ///
    /// # Errors
    /// Storage errors; the compaction is one transaction, so nothing changes when it fails (a
    /// failed `VACUUM` after it leaves the compacted store as it was, with its free pages).
    pub fn compact(&self) -> Result<()> {
        self.db.write(|tx, cache| {
            for person in documents::people(tx)? {
                for kind in [DocKind::Plan, DocKind::Case] {
                    if cache.ensure(tx, person, kind)? {
                        if let Some(doc) = cache.get(person, kind) {
                            documents::compact(tx, person, kind, doc)?;
                        }
                    }
                }
            }
            Ok(())
        })?;
        // The compaction is committed: the file is rewritten without the pages it freed, and
        // a checkpoint that a reader kept from finishing is left to the checkpointer.
        self.db.vacuum()?;
        Ok(())
    }

    /// Re-encrypts an encrypted store under `new_key`, in place; from now on it opens only with
    /// `new_key`. Waits for reads and writes in flight. Other handles on the same file (another
    /// `Store`, another process) must be closed first: they still hold the old key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `key`) when the store is unencrypted or `new_key` is
    /// [`StoreKey::unencrypted`] (neither is supported in place); storage errors (SQLCipher
    /// rolls the re-key back, so the file still opens with its old key: drop this handle and
    /// open the store again).
    pub fn rekey(&self, new_key: &StoreKey) -> Result<()> {
        self.db.rekey(new_key)
    }

    /// Storage figures: `(snapshot bytes, incremental change bytes, change rows)` over all documents.
    ///
    /// # Errors
    /// Storage errors.
    pub fn storage_sizes(&self) -> Result<(i64, i64, i64)> {
        self.read(documents::sizes)
    }

    /// Runs `f` on a pooled reader connection ([`storage::Db::read`]).
    fn read<R>(&self, f: impl FnOnce(&Conn) -> Result<R>) -> Result<R> {
        self.db.read(f)
    }

    /// The acting user and the time of an action. The time is the wall clock, but always at
    /// least a millisecond (the resolution of stored times) after this store's previous action,
    /// so items recorded one after another never tie and keep their order. Called with the
    /// writer lock held, so action times follow commit order.
    fn actor_now(&self) -> Actor {
        let wall = Utc::now().timestamp_millis();
        let next = |last: i64| wall.max(last.saturating_add(1));
        let ms =
            match self
                .last_action_ms
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| Some(next(last)))
            {
                Ok(last) | Err(last) => next(last),
            };
        Actor {
            user: self.info.user.clone(),
            now: Utc
                .timestamp_millis_opt(ms)
                .single()
                .unwrap_or_else(Utc::now),
        }
    }

    /// Refuses link-worker actions on a patient store.
    fn require_link_worker(&self, action: &'static str) -> Result<()> {
        match self.info.role {
            Role::LinkWorker => Ok(()),
            Role::Patient => Err(Error::NotPermitted { action }),
        }
    }

    /// Refuses plan edits by a patient store on anyone but its own person.
    fn require_plan_access(&self, person: Id, action: &'static str) -> Result<()> {
        match (self.info.role, self.info.person) {
            (Role::LinkWorker, _) => Ok(()),
            (Role::Patient, Some(own)) if own == person => Ok(()),
            _ => Err(Error::NotPermitted { action }),
        }
    }

    /// Applies one user action to one document as one automerge commit, stores the change and
    /// refreshes projections in one SQLite transaction, then notifies listeners. On any error the
    /// document, the database and the projections are as they were.
    fn edit<R>(
        &self,
        person: Id,
        kind: DocKind,
        action: &'static str,
        item: Option<Id>,
        f: impl FnOnce(&mut Transaction<'_>, &Actor) -> Result<R>,
    ) -> Result<R> {
        self.edit_projecting(person, kind, action, item, Projected::Refresh, f)
    }

    /// As [`Store::edit`], for an action that says what it changes in the projections
    /// ([`Projected`]), so the edited document need not be read back.
    fn edit_projecting<R>(
        &self,
        person: Id,
        kind: DocKind,
        action: &'static str,
        item: Option<Id>,
        projected: Projected,
        f: impl FnOnce(&mut Transaction<'_>, &Actor) -> Result<R>,
    ) -> Result<R> {
        self.edit_with((person, kind), action, item, projected, false, f)
    }

    /// As [`Store::edit_projecting`], for an action on an existing goal or step `item` of the
    /// person's plan: refused when the item belongs to a past episode (past episodes are
    /// read-only), checked in the same write transaction as the edit.
    fn edit_plan_item<R>(
        &self,
        person: Id,
        item: Id,
        action: &'static str,
        projected: Projected,
        f: impl FnOnce(&mut Transaction<'_>, &Actor) -> Result<R>,
    ) -> Result<R> {
        self.edit_with(
            (person, DocKind::Plan),
            action,
            Some(item),
            projected,
            true,
            f,
        )
    }

    /// The edit pipeline of [`Store::edit_projecting`] and [`Store::edit_plan_item`]
    /// (`in_current_episode`: refuse an `item` of a past episode before changing anything).
    fn edit_with<R>(
        &self,
        (person, kind): (Id, DocKind),
        action: &'static str,
        item: Option<Id>,
        projected: Projected,
        in_current_episode: bool,
        f: impl FnOnce(&mut Transaction<'_>, &Actor) -> Result<R>,
    ) -> Result<R> {
        // One write transaction holds SQLite's write lock from reading the documents to the
        // commit, so another handle on the file (another process) cannot commit in between:
        // the cached documents checked here stay current until this change is stored.
        let out = self.db.write(|tx, cache| {
            // Taken under the writer lock, so that action times follow commit order.
            let actor = self.actor_now();
            if !cache.ensure(tx, person, kind)? {
                return Err(Error::not_found(
                    if kind == DocKind::Plan {
                        "person"
                    } else {
                        "case"
                    },
                    person,
                ));
            }
            if let (true, Some(item)) = (in_current_episode, item) {
                self.refuse_past_episode(tx, cache, person, item)?;
            }
            // Only the edited document is loaded: the projections derived from the other one
            // cannot change (see `refresh_edited`).
            let doc = cache
                .get_mut(person, kind)
                .ok_or_else(|| Error::not_found("person", person))?;
            let before = doc.get_heads();
            let message = crate::history::message(&actor.user, action, item);
            let committed = doc
                .transact_with(
                    |_| {
                        CommitOptions::default()
                            .with_message(message)
                            .with_time(actor.now.timestamp())
                    },
                    |tx| f(tx, &actor),
                )
                .map_err(|failure| failure.error)?;
            let out = committed.result;
            // The one change this action made (none when it changed nothing). Taken from the
            // commit: asking the document for the changes since `before` collects every
            // change's metadata, most of an action's time (`linkwork-bench`).
            let made: Vec<_> = committed.hash.into_iter().collect();
            let bytes = doc.save_after(&before);
            let stored = match cache.get(person, kind) {
                // The change this action made, signed by this device (ADR 0007), stored with
                // its change row.
                Some(doc) => signing_ops::sign(tx, &made, false).and_then(|signed| {
                    documents::append_signed(tx, person, kind, &bytes, doc, &signed)
                }),
                None => Ok(()),
            }
            .and_then(|()| match projected {
                Projected::Refresh => Ok(false),
                Projected::Nothing => projections::touch(tx, person, None, actor.now),
                Projected::NewItem(id, item_kind) => {
                    projections::touch(tx, person, Some((id, item_kind)), actor.now)
                }
            })
            .and_then(|done| match done {
                true => Ok(()),
                false => refresh_edited(tx, cache, person, kind, actor.now),
            })
            .and_then(|()| sync_view::index_conflicts_after_edit(tx, cache, person, kind));
            if let Err(e) = stored {
                // The document holds a change that is not stored (a failed commit clears the
                // whole cache).
                cache.evict(person, kind);
                return Err(e);
            }
            Ok(out)
        })?;
        self.listeners.notify(&[person]);
        Ok(out)
    }

    /// Creates a person's two documents in one SQLite transaction.
    fn create_person_docs(
        &self,
        person: Id,
        init_case: impl FnOnce(&mut Transaction<'_>, &Actor) -> Result<()>,
    ) -> Result<()> {
        self.db.write(|tx, cache| {
            // Taken under the writer lock, so that action times follow commit order.
            let actor = self.actor_now();
            let message = crate::history::message(&actor.user, "person.add", None);
            let mut plan = Automerge::new().with_actor(self.actor.clone());
            plan.transact_with(
                |_| {
                    CommitOptions::default()
                        .with_message(message.clone())
                        .with_time(actor.now.timestamp())
                },
                |tx| plan_doc::init(tx, person),
            )
            .map_err(|f| f.error)?;
            let mut case = Automerge::new().with_actor(self.actor.clone());
            case.transact_with(
                |_| {
                    CommitOptions::default()
                        .with_message(message)
                        .with_time(actor.now.timestamp())
                },
                |tx| init_case(tx, &actor),
            )
            .map_err(|f| f.error)?;
            documents::insert(tx, person, DocKind::Plan, &plan)?;
            documents::insert(tx, person, DocKind::Case, &case)?;
            signing_ops::sign_changes(tx, person, DocKind::Plan, &plan.get_heads(), false)?;
            signing_ops::sign_changes(tx, person, DocKind::Case, &case.get_heads(), false)?;
            cache.insert(person, DocKind::Plan, plan);
            cache.insert(person, DocKind::Case, case);
            if let Err(e) = refresh_person(tx, cache, person, actor.now) {
                cache.evict(person, DocKind::Plan);
                cache.evict(person, DocKind::Case);
                return Err(e);
            }
            Ok(())
        })?;
        self.listeners.notify(&[person]);
        Ok(())
    }

    /// Loads one of a person's documents on a reader connection.
    fn load_doc(&self, person: Id, kind: DocKind) -> Result<Option<Automerge>> {
        // One read transaction: a compaction committed between reading the snapshot and the
        // change rows would otherwise lose the changes it folded into the new snapshot.
        self.db
            .read_snapshot(|conn| documents::load(conn, person, kind))
    }

    /// The person an item belongs to, checking the item's kind.
    fn owner_of(&self, item: Id, kind: &'static str) -> Result<Id> {
        match self.read(|conn| projections::item_owner(conn, item))? {
            Some((person, k)) if k == kind => Ok(person),
            _ => Err(Error::not_found(kind, item)),
        }
    }
}

/// Rewrites a person's projections from the cached documents.
fn refresh_person(
    tx: &WriteTx<'_>,
    cache: &DocCache,
    person: Id,
    now: DateTime<Utc>,
) -> Result<()> {
    let plan = cache
        .get(person, DocKind::Plan)
        .map(plan_doc::read)
        .transpose()?;
    let case = cache
        .get(person, DocKind::Case)
        .map(case_doc::read)
        .transpose()?;
    for kind in [DocKind::Plan, DocKind::Case] {
        match cache.get(person, kind) {
            Some(doc) => sync_view::index_conflicts(tx, person, kind, doc)?,
            None => storage::sync_view::set_conflicts(tx, person, kind, 0)?,
        }
    }
    projections::refresh(tx, person, plan.as_ref(), case.as_ref(), now)
}

/// What a user action changes in the projections, when the action alone can say so. The
/// projections before the action equal a rebuild (every write keeps them so), so applying this
/// keeps them equal to a rebuild (`tests/tests/integration/projections.rs` checks every action).
pub(crate) enum Projected {
    /// Anything the edited document projects may change: refresh those projections from it.
    Refresh,
    /// Nothing projected changes (e.g. what matters, needs, notes): only the caseload row's
    /// `updated_at`.
    Nothing,
    /// As `Nothing`, and the item index gains this item (its id and kind), e.g. a progress
    /// entry or a measure response, which no other projection shows.
    NewItem(Id, &'static str),
}

/// Brings a person's projections in line after a local edit of one of their documents: only
/// the projections derived from that document are read and written, so the other document is
/// neither loaded nor read (equal to [`refresh_person`]: `tests/tests/integration/projections.rs`).
fn refresh_edited(
    tx: &WriteTx<'_>,
    cache: &mut DocCache,
    person: Id,
    kind: DocKind,
    now: DateTime<Utc>,
) -> Result<()> {
    let refreshed = match (kind, cache.get(person, kind)) {
        (DocKind::Plan, Some(doc)) => {
            projections::refresh_plan(tx, person, &plan_doc::read(doc)?, now)?
        }
        (DocKind::Case, Some(doc)) => {
            projections::refresh_case(tx, person, &case_doc::read(doc)?, now)?
        }
        (_, None) => false,
    };
    if !refreshed {
        // No caseload row yet (not expected once a person exists): refresh from both.
        let other = match kind {
            DocKind::Plan => DocKind::Case,
            DocKind::Case => DocKind::Plan,
        };
        cache.ensure(tx, person, other)?;
        refresh_person(tx, cache, person, now)?;
    }
    Ok(())
}

/// What the store's `meta` rows say of it, acting as `user` (or the user it was created for).
/// The actor recorded at creation is still checked (a damaged one means a damaged file) but no
/// longer used: every open edits as a fresh random actor. If power loss rolls back commits that
/// already left the device, the next edit must not reuse their actor and sequence numbers with
/// other content, or the document forks for every peer that holds the lost changes (issue 13;
/// docs/sync.md#lost-power).
fn read_info(conn: &Conn, user: Option<String>) -> Result<StoreInfo> {
    let store_id =
        Id::parse("store_id", &meta::require(conn, "store_id")?).map_err(|_| Error::NotAStore {
            reason: "damaged store id".into(),
        })?;
    ActorId::try_from(meta::require(conn, "actor")?.as_str()).map_err(|_| Error::NotAStore {
        reason: "damaged actor id".into(),
    })?;
    let role = Role::from_code(&meta::require(conn, "role")?).ok_or_else(|| Error::NotAStore {
        reason: "unknown role".into(),
    })?;
    let person = meta::get(conn, "person")?
        .map(|p| Id::parse("person", &p))
        .transpose()
        .map_err(|_| Error::NotAStore {
            reason: "damaged person id".into(),
        })?;
    let user = match user {
        Some(u) => u,
        None => meta::require(conn, "user")?,
    };
    Ok(StoreInfo {
        store_id,
        user,
        role,
        person,
    })
}

#[cfg(test)]
mod directory_tests;
#[cfg(test)]
mod drops_tests;
#[cfg(test)]
mod signing_tests;
#[cfg(test)]
pub(crate) mod test_support;
