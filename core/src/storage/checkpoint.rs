//! WAL checkpoints outside user actions.
//!
//! With SQLite's default, the commit that takes the WAL past 1,000 pages copies them all into
//! the database file before it returns: that user action paid for the checkpoint, which made
//! the 99th percentile of one action 13 ms at 1,000 people (`linkwork-bench`,
//! docs/performance.md). Instead the writer's auto-checkpoint is raised to
//! [`SAFETY_NET_PAGES`] (set when the store's [`Db`](super::Db) is built), which only acts if
//! this checkpointer falls far behind, and a thread owned by the `Db` checkpoints on its own
//! connection: `TRUNCATE` once writes pause for [`IDLE`], `PASSIVE` every [`EVERY_WRITES`]
//! writes while they keep coming. A passive checkpoint never waits for the writer or readers
//! and they never wait for it, so an action no longer pays for one.
//!
//! Each checkpoint opens its own connection with the store's current key, holding the key lock
//! shared, so a re-key waits for it. The thread stops when the store is dropped. Erasure does
//! not depend on it: `erase_person` checkpoints (`TRUNCATE`) on the writer itself
//! ([`Db::checkpoint_truncate`](super::Db::checkpoint_truncate)), and should
//! that meet this thread's checkpoint, the idle checkpoint that follows empties the WAL.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::key::StoreKey;
use crate::storage;

/// A pause in writes this long triggers a checkpoint of what the WAL holds.
pub(crate) const IDLE: Duration = Duration::from_millis(100);

/// While writes keep coming, a checkpoint every this many writes (about 10 WAL pages each for a
/// user action, so the WAL stays near a few hundred pages).
pub(crate) const EVERY_WRITES: u32 = 32;

/// The writer's own auto-checkpoint threshold in pages (SQLite's default is 1,000): a safety
/// net that bounds the WAL if the background checkpoints cannot keep up or cannot run.
pub(crate) const SAFETY_NET_PAGES: i64 = 4_000;

/// The background checkpointer of one store.
pub(crate) struct Checkpointer {
    wake: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread for the store at `path`. If the thread cannot be started the store
    /// still works: the writer's auto-checkpoint ([`SAFETY_NET_PAGES`]) then does the job.
    pub(crate) fn start(path: PathBuf, key: Arc<RwLock<StoreKey>>) -> Checkpointer {
        let (wake, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("linkwork-checkpoint".into())
            .spawn(move || run(&path, &key, &rx))
            .ok();
        Checkpointer {
            wake: thread.as_ref().map(|_| wake),
            thread,
        }
    }

    /// Tells the thread that a write is being made or was committed. Never blocks.
    pub(crate) fn wrote(&self) {
        if let Some(wake) = &self.wake {
            // A thread that has stopped leaves the safety net in charge.
            let _ = wake.send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel stops the thread after any checkpoint in progress.
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread: waits for writes, checkpoints when they pause or every [`EVERY_WRITES`].
fn run(path: &Path, key: &RwLock<StoreKey>, rx: &Receiver<()>) {
    let mut pending: u32 = 0;
    loop {
        let woken = if pending == 0 {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            rx.recv_timeout(IDLE)
        };
        let idle = match woken {
            Ok(()) => {
                pending += 1;
                if pending < EVERY_WRITES {
                    continue;
                }
                false
            }
            Err(RecvTimeoutError::Timeout) => true,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        pending = 0;
        checkpoint(path, key, idle);
    }
}

/// One checkpoint, on a connection opened for it (with the current key, held shared so a
/// re-key waits) and closed after it, so no connection with an old key outlives a re-key. While
/// writes keep coming it is `PASSIVE`. Once they pause it is `TRUNCATE`, which also empties the
/// WAL file (so what secure delete zeroed leaves the WAL too, even when an erasure's own
/// checkpoint met this thread's): it needs the write lock, and this connection does not wait
/// for it (busy timeout 0), so a write in progress makes it passive; a write that starts
/// meanwhile waits for the copy (a few pages). Failures are left to the next one (or the
/// safety net): nothing is lost when a checkpoint does not run, the WAL only stays longer.
fn checkpoint(path: &Path, key: &RwLock<StoreKey>, idle: bool) {
    let key = key.read().unwrap_or_else(|p| p.into_inner());
    let Ok(conn) = storage::connect_configured(path, &key) else {
        return;
    };
    if conn.busy_timeout(Duration::ZERO).is_err() {
        return;
    }
    let sql = if idle {
        "PRAGMA wal_checkpoint(TRUNCATE)"
    } else {
        "PRAGMA wal_checkpoint(PASSIVE)"
    };
    let _ = conn.query_row(sql, [], |r| r.get::<_, i64>(0));
}
