//! The store's SQLite connections, owned in one place: opening and creating the file (with the
//! checks of [`super::connect`]), the one writer connection and what the caller keeps beside it
//! (the store's document cache), the pool of reader connections, the key every new connection
//! is given, write transactions, the WAL checkpointer and re-keying.
//!
//! Reads take `&`[`Conn`], writes `&`[`WriteTx`] (application-services' "reads on
//! `&Connection`, writes on `&Transaction`"): [`Db::read`] and [`Db::read_snapshot`] lend a
//! pooled reader, [`Db::write`] runs a closure in an `IMMEDIATE` transaction that commits when
//! the closure returns `Ok` and rolls back when it returns `Err`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::checkpoint::{self, Checkpointer};
use super::meta;
use super::migrations::{self, Migrated};
use crate::error::{Error, Result};
use crate::key::StoreKey;

/// How many idle reader connections are kept.
const MAX_IDLE_READERS: usize = 4;

/// A connection to read from: a pooled reader (inside a read transaction for
/// [`Db::read_snapshot`]) or the writer inside a write transaction. What storage's read
/// functions take.
pub(crate) type Conn = Connection;

/// An open write transaction on the writer connection ([`Db::write`]), committed or rolled
/// back by the [`Db`], never by its user. What storage's write functions take.
pub(crate) type WriteTx<'c> = Transaction<'c>;

/// What the writer keeps beside its connection, under the same lock (the store's cache of
/// loaded documents): told when another connection may have changed the database.
pub(crate) trait WriterCache {
    /// Told SQLite's `PRAGMA data_version` of the writer connection whenever the writer is
    /// taken and whenever a write transaction begins; it changes when another connection (a
    /// second handle on the file, another process) committed, and then the cache must drop what
    /// it holds.
    fn observe_data_version(&mut self, version: i64);
    /// Drops everything held: after a panic mid-write, a failed commit, or a failed read of
    /// the data version.
    fn clear(&mut self);
}

/// The writer connection and the caller's cache beside it, behind the writer lock.
pub(crate) struct Writer<S> {
    /// The one connection that writes (no other connection of this [`Db`] does).
    pub(crate) conn: Connection,
    /// The caller's state that must change only with the database ([`WriterCache`]).
    pub(crate) cache: S,
}

/// An open store file: one writer, a pool of readers, their key, the checkpointer thread.
pub(crate) struct Db<S> {
    path: PathBuf,
    writer: Mutex<Writer<S>>,
    readers: Mutex<Vec<Connection>>,
    /// The key every new connection is given. Each read holds it shared for its whole length,
    /// so [`Db::rekey`] (which takes it exclusively) waits for reads in flight.
    key: Arc<RwLock<StoreKey>>,
    /// Runs WAL checkpoints on its own thread, outside user actions (`checkpoint.rs`). Last, so
    /// it is dropped (and its thread joined) after the connections are closed.
    checkpointer: Checkpointer,
}

impl<S: WriterCache> Db<S> {
    /// Creates a store file at `path`: refuses a file that already holds a database (unless a
    /// crash cut its creation off before any data), runs every migration, then `init` in one
    /// transaction (the store's identity rows). `describe` then reads, on the writer, what the
    /// caller needs to know of the new store.
    ///
    /// # Errors
    /// [`Error::AlreadyExists`]; [`Error::InvalidInput`] (field `path`) when the folder does
    /// not exist; [`Error::EncryptionUnavailable`]; errors of `init` and `describe` (nothing
    /// of `init` is committed then); storage errors.
    pub(crate) fn create<R>(
        path: &Path,
        key: &StoreKey,
        cache: S,
        init: impl FnOnce(&WriteTx<'_>) -> Result<()>,
        describe: impl FnOnce(&Conn) -> Result<R>,
    ) -> Result<(Db<S>, R)> {
        // A creation that a crash cut off left a file with no identity and no data: finish it
        // rather than leave a file that neither opens nor can be created over.
        if path.exists()
            && std::fs::metadata(path)?.len() > 0
            && !super::connect(path, false, key)
                .and_then(|c| meta::is_unfinished_store(&c))
                .unwrap_or(false)
        {
            return Err(Error::AlreadyExists);
        }
        let mut conn = super::connect(path, true, key)?;
        if !meta::is_unfinished_store(&conn)? {
            return Err(Error::AlreadyExists);
        }
        super::configure(&conn)?;
        migrations::migrate(&mut conn, migrations::STEPS)?;
        let tx = conn.transaction()?;
        init(&tx)?;
        tx.commit()?;
        let described = describe(&conn)?;
        Ok((Db::new(path, conn, key, cache)?, described))
    }

    /// Opens an existing store file: refuses a file that is not a linkwork store or is
    /// truncated before writing anything, migrates it with `steps` (this build's
    /// [`migrations::STEPS`]; tests play a future build with more), then runs `prepare` on the
    /// writer outside any transaction (what every open checks or repairs, and reading what the
    /// caller needs).
    ///
    /// # Errors
    /// [`Error::WrongKey`], [`Error::NotAStore`], [`Error::StoreTooNew`],
    /// [`Error::EncryptionUnavailable`] (the file is not changed); errors of `prepare`;
    /// storage errors.
    pub(crate) fn open<R>(
        path: &Path,
        key: &StoreKey,
        steps: &[&str],
        cache: S,
        prepare: impl FnOnce(&Conn) -> Result<R>,
    ) -> Result<(Db<S>, Migrated, R)> {
        let mut conn = super::connect(path, false, key)?;
        super::check_is_store(&conn).map_err(super::damaged)?;
        super::check_length(&conn, path)?;
        super::configure(&conn)?;
        let migrated = migrations::migrate(&mut conn, steps)?;
        let prepared = prepare(&conn)?;
        Ok((Db::new(path, conn, key, cache)?, migrated, prepared))
    }

    fn new(path: &Path, conn: Connection, key: &StoreKey, cache: S) -> Result<Db<S>> {
        // Checkpoints run on the checkpointer's thread; the writer's own auto-checkpoint is
        // only a safety net (see `checkpoint.rs`).
        conn.pragma_update(None, "wal_autocheckpoint", checkpoint::SAFETY_NET_PAGES)?;
        let key = Arc::new(RwLock::new(key.clone()));
        Ok(Db {
            path: path.to_path_buf(),
            writer: Mutex::new(Writer { conn, cache }),
            readers: Mutex::new(Vec::new()),
            checkpointer: Checkpointer::start(path.to_path_buf(), Arc::clone(&key)),
            key,
        })
    }

    /// The path of the database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the writer lock: the writer connection and the cache, the cache told the current
    /// data version. Every write starts here, so it also wakes the checkpointer.
    fn lock_writer(&self) -> MutexGuard<'_, Writer<S>> {
        // A poisoned lock means a panic mid-write: SQLite rolled back, but the cache may hold
        // a half-made change, so it is dropped and the store carries on.
        let mut w = self.writer.lock().unwrap_or_else(|poisoned| {
            let mut w = poisoned.into_inner();
            w.cache.clear();
            w
        });
        // Another process (or another handle on the same file) may have committed since this
        // writer last looked: what the cache holds would then be stale.
        match data_version(&w.conn) {
            Ok(v) => w.cache.observe_data_version(v),
            Err(_) => w.cache.clear(),
        }
        // Every write starts here: the checkpointer runs once writes pause.
        self.checkpointer.wrote();
        w
    }

    /// Runs `f` in one write transaction on the writer, with the cache: commits when `f`
    /// returns `Ok`, rolls back when it returns `Err`. The transaction is `IMMEDIATE`, so
    /// SQLite's write lock is held from `f`'s first read to the commit and what `f` read stays
    /// current. When the commit fails the cache is cleared (it may hold what was not stored).
    ///
    /// # Errors
    /// `f`'s error; storage errors beginning or committing.
    pub(crate) fn write<R>(&self, f: impl FnOnce(&WriteTx<'_>, &mut S) -> Result<R>) -> Result<R> {
        self.write_if(|tx, cache| f(tx, cache).map(|out| (out, true)))
    }

    /// As [`Db::write`], for a write that may find nothing to store: `f` returns whether to
    /// commit, and `false` rolls the transaction back (an import that learned nothing leaves
    /// every row as it was).
    ///
    /// # Errors
    /// As [`Db::write`].
    pub(crate) fn write_if<R>(
        &self,
        f: impl FnOnce(&WriteTx<'_>, &mut S) -> Result<(R, bool)>,
    ) -> Result<R> {
        let mut w = self.lock_writer();
        let Writer { conn, cache } = &mut *w;
        let tx = begin_write(conn, cache)?;
        let (out, commit) = f(&tx, cache)?;
        if commit {
            if let Err(e) = tx.commit() {
                cache.clear();
                return Err(e.into());
            }
        }
        Ok(out)
    }

    /// Runs `f` on a pooled reader connection (keyed before its first read; one is opened when
    /// none is idle). Each statement sees the latest commit; for several statements that must
    /// agree use [`Db::read_snapshot`].
    ///
    /// # Errors
    /// `f`'s error; storage errors opening a connection.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Conn) -> Result<R>) -> Result<R> {
        // Held for the whole read: a re-key waits for it, and no connection with the old key
        // goes back to the pool afterwards.
        let key = self.key.read().unwrap_or_else(|p| p.into_inner());
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => super::connect_configured(&self.path, &key)?,
        };
        let out = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
        out
    }

    /// As [`Db::read`], inside one read transaction, so everything `f` reads comes from one
    /// committed state (a person's plan and case; a document's snapshot and its change rows,
    /// which a compaction committed in between would otherwise fold away).
    ///
    /// # Errors
    /// As [`Db::read`].
    pub(crate) fn read_snapshot<R>(&self, f: impl FnOnce(&Conn) -> Result<R>) -> Result<R> {
        self.read(|conn| {
            let tx = conn.unchecked_transaction()?;
            let out = f(&tx)?;
            tx.finish()?;
            Ok(out)
        })
    }

    /// As [`Db::read_snapshot`], lending the read transaction itself, for code shared with
    /// write paths (the sync engine's storage takes a transaction either way). Nothing `f` does
    /// is committed: the transaction is rolled back when `f` returns.
    ///
    /// # Errors
    /// As [`Db::read`].
    pub(crate) fn read_tx<R>(&self, f: impl FnOnce(&WriteTx<'_>) -> Result<R>) -> Result<R> {
        self.read(|conn| {
            let tx = conn.unchecked_transaction()?;
            let out = f(&tx)?;
            tx.finish()?;
            Ok(out)
        })
    }

    /// A read on the writer connection with the cache beside it, in one deferred transaction
    /// that is never committed: for reads that want the documents the cache already holds
    /// (live sync's poll) without taking SQLite's write lock.
    ///
    /// # Errors
    /// `f`'s error; storage errors.
    pub(crate) fn read_on_writer<R>(
        &self,
        f: impl FnOnce(&WriteTx<'_>, &mut S) -> Result<R>,
    ) -> Result<R> {
        let mut w = self.lock_writer();
        let Writer { conn, cache } = &mut *w;
        let tx = conn.transaction()?;
        let out = f(&tx, cache)?;
        tx.finish()?;
        Ok(out)
    }

    /// Re-encrypts the store under `new_key` on the writer, waiting for reads and writes in
    /// flight; idle readers (which hold the old key) are closed, and every connection opened
    /// from now on gets the new key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `key`) when the store is unencrypted or `new_key` is
    /// [`StoreKey::unencrypted`]; storage errors (SQLCipher rolls the re-key back, so the file
    /// still opens with its old key, but this `Db`'s writer may not: drop it and open again).
    pub(crate) fn rekey(&self, new_key: &StoreKey) -> Result<()> {
        let w = self.lock_writer();
        let mut key = self.key.write().unwrap_or_else(|p| p.into_inner());
        if !key.is_encrypted() {
            return Err(Error::invalid(
                "key",
                "an unencrypted store cannot be encrypted in place",
            ));
        }
        if !new_key.is_encrypted() {
            return Err(Error::invalid(
                "key",
                "an encrypted store can only be re-keyed with another key",
            ));
        }
        // Idle readers hold the old key; no read is in flight (the key lock is held).
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        super::rekey(&w.conn, new_key)?;
        *key = new_key.clone();
        Ok(())
    }

    /// Checkpoints the WAL into the file and empties it, on the writer
    /// ([`super::checkpoint_truncate`]: a few tries while a reader holds an old snapshot).
    /// Returns whether it completed.
    ///
    /// # Errors
    /// Storage errors other than busy.
    pub(crate) fn checkpoint_truncate(&self) -> Result<bool> {
        let w = self.lock_writer();
        super::checkpoint_truncate(&w.conn)
    }

    /// Rewrites the file without its free pages (SQLite `VACUUM`, on the writer, outside any
    /// transaction), then checkpoints and empties the WAL. Returns whether the checkpoint
    /// completed (a reader holding an old snapshot can keep it from finishing; the
    /// checkpointer finishes it later).
    ///
    /// # Errors
    /// Storage errors (busy after the busy timeout); SQLite rolls a failed `VACUUM` back.
    pub(crate) fn vacuum(&self) -> Result<bool> {
        let w = self.lock_writer();
        w.conn.execute_batch("VACUUM")?;
        super::checkpoint_truncate(&w.conn)
    }
}

/// Begins a write transaction that holds SQLite's write lock from the start (`IMMEDIATE`), and
/// tells the cache the data version, so it drops what it holds if another connection committed
/// since ([`Db::write`]).
///
/// # Errors
/// Storage errors (busy after the busy timeout).
fn begin_write<'c, S: WriterCache>(conn: &'c mut Connection, cache: &mut S) -> Result<WriteTx<'c>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    cache.observe_data_version(data_version(&tx)?);
    Ok(tx)
}

/// The connection's `PRAGMA data_version`: changes when another connection commits.
fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache that counts how often it was told to drop what it holds.
    #[derive(Default)]
    struct Counted {
        version: Option<i64>,
        dropped: u32,
    }

    impl WriterCache for Counted {
        fn observe_data_version(&mut self, version: i64) {
            if self.version.is_some_and(|v| v != version) {
                self.dropped += 1;
            }
            self.version = Some(version);
        }

        fn clear(&mut self) {
            self.dropped += 1;
        }
    }

    fn create(path: &Path) -> Db<Counted> {
        let (db, ()) = Db::create(
            path,
            &StoreKey::unencrypted(),
            Counted::default(),
            |tx| meta::set(tx, "format", meta::FORMAT),
            |_| Ok(()),
        )
        .unwrap();
        db
    }

    fn value(db: &Db<Counted>) -> Option<String> {
        db.read(|conn| meta::get(conn, "k")).unwrap()
    }

    #[test]
    fn a_write_commits_on_ok_and_rolls_back_on_err_or_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let db = create(&dir.path().join("w.db"));
        let refused = db.write(|tx, _| {
            meta::set(tx, "k", "refused")?;
            Err::<(), _>(Error::invalid("k", "refused"))
        });
        assert!(
            matches!(refused, Err(Error::InvalidInput { .. })),
            "{refused:?}"
        );
        assert_eq!(value(&db), None, "an Err committed");
        db.write_if(|tx, _| {
            meta::set(tx, "k", "unwanted")?;
            Ok(((), false))
        })
        .unwrap();
        assert_eq!(value(&db), None, "a write asked to roll back committed");
        db.write(|tx, _| meta::set(tx, "k", "kept")).unwrap();
        assert_eq!(value(&db).as_deref(), Some("kept"));
    }

    #[test]
    fn the_cache_is_dropped_when_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let db = create(&path);
        db.write(|tx, _| meta::set(tx, "k", "one")).unwrap();
        let (other, _, ()) = Db::open(
            &path,
            &StoreKey::unencrypted(),
            migrations::STEPS,
            Counted::default(),
            |_| Ok(()),
        )
        .unwrap();
        // (The checkpointer's own checkpoints may drop it too: counted from here.)
        let before = db.lock_writer().cache.dropped;
        other.write(|tx, _| meta::set(tx, "k", "two")).unwrap();
        assert!(
            db.lock_writer().cache.dropped > before,
            "a stale cache was kept"
        );
        db.write(|tx, _| meta::set(tx, "k", "three")).unwrap();
        assert_eq!(value(&other).as_deref(), Some("three"));
    }
}
