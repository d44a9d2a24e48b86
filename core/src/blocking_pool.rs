//! The small thread pool the core owns for the app-facing async API (ADR 0009, issue 14).
//!
//! Every store call blocks on SQLite I/O. The Kotlin `suspend` and Swift `async` calls hand that
//! work to this pool and await a oneshot channel, so neither the caller's thread (Android's main
//! thread, a single-threaded dispatcher) nor Swift's cooperative pool is ever blocked, and no
//! async runtime is needed: the foreign side's executor polls the future, the pool's waker
//! resumes it. A few fixed threads suffice: the store serialises writes and runs reads in
//! parallel on a handful of connections, so more threads would only queue inside it.
//!
//! Bounded in memory and time: the queue holds at most [`QUEUE_CAPACITY`] jobs (a further call
//! fails at once with [`PoolError::Busy`] instead of growing without limit), and a job that
//! panics becomes [`PoolError::Panicked`] for its caller while the worker carries on. A caller
//! that stops waiting (a cancelled coroutine or task) does not stop the job: the store call runs
//! to completion, its result is dropped, and nothing half-done is left behind.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use futures_channel::oneshot;

/// Worker threads of the [shared](BlockingPool::shared) pool.
pub const THREADS: usize = 4;
/// Jobs the [shared](BlockingPool::shared) pool queues before refusing more.
pub const QUEUE_CAPACITY: usize = 1024;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a job handed to the pool produced no result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The queue was full: too many calls were waiting; the job was not run. Try again later.
    #[error("too many calls waiting for the store ({0} queued)")]
    Busy(usize),
    /// The job panicked (a bug); nothing it did after the panic happened.
    #[error("the call failed unexpectedly inside the core")]
    Panicked,
    /// The pool could not start any worker thread, or its workers are gone.
    #[error("the core's worker threads are not running")]
    Unavailable,
}

/// A fixed set of worker threads fed through a bounded queue.
pub struct BlockingPool {
    sender: Option<SyncSender<Job>>,
    capacity: usize,
}

impl std::fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingPool")
            .field("running", &self.sender.is_some())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl BlockingPool {
    /// Starts `threads` workers (at least one) named `linkwork-io-N` behind a queue of
    /// `capacity` jobs. When no thread can be started every [`run`](Self::run) fails with
    /// [`PoolError::Unavailable`]. The workers end when the pool is dropped and the queue is
    /// drained.
    #[must_use]
    pub fn new(threads: usize, capacity: usize) -> Self {
        let (sender, receiver) = sync_channel::<Job>(capacity);
        let receiver = Arc::new(Mutex::new(receiver));
        let mut started = 0;
        for n in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new()
                .name(format!("linkwork-io-{n}"))
                .spawn(move || work(&receiver));
            if spawned.is_ok() {
                started += 1;
            }
        }
        Self {
            sender: (started > 0).then_some(sender),
            capacity,
        }
    }

    /// The process-wide pool of [`THREADS`] workers and [`QUEUE_CAPACITY`] queued jobs, started
    /// on first use, that the Kotlin and Swift async API runs on.
    pub fn shared() -> &'static Self {
        static POOL: OnceLock<BlockingPool> = OnceLock::new();
        POOL.get_or_init(|| Self::new(THREADS, QUEUE_CAPACITY))
    }

    /// Queues `job` and returns a future of its result, completed from the worker that ran
    /// it. Queueing happens now, not when the future is first polled, and never blocks: a full
    /// queue gives [`PoolError::Busy`] at once. Dropping the future does not cancel the job.
    pub fn run<T, F>(&self, job: F) -> impl Future<Output = Result<T, PoolError>> + Send
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, PoolError>>();
        let boxed: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(job)).map_err(|_| PoolError::Panicked);
            // The caller may have stopped waiting; the result is then dropped.
            let _ignored = tx.send(result);
        });
        let queued = match &self.sender {
            None => Err(PoolError::Unavailable),
            Some(sender) => sender.try_send(boxed).map_err(|e| match e {
                TrySendError::Full(_) => PoolError::Busy(self.capacity),
                TrySendError::Disconnected(_) => PoolError::Unavailable,
            }),
        };
        async move {
            queued?;
            // A dropped sender means the job was lost with its worker.
            rx.await.unwrap_or(Err(PoolError::Unavailable))
        }
    }
}

/// A worker: takes jobs one at a time until the pool (the sender) is gone.
fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let next = receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::sync::Barrier;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::Thread;

    /// Blocks the test thread on a future, parking between polls.
    fn block_on<T>(future: impl Future<Output = T>) -> T {
        struct Unpark(Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::park();
        }
    }

    #[test]
    fn runs_the_job_on_a_pool_thread_and_returns_its_result() {
        let pool = BlockingPool::new(2, 8);
        let caller = std::thread::current().id();
        let (value, ran_on) = block_on(pool.run(move || (21 * 2, std::thread::current().id())))
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(value, 42);
        assert_ne!(ran_on, caller);
    }

    #[test]
    #[allow(clippy::panic)]
    fn a_panicking_job_is_a_typed_error_and_the_worker_survives() {
        let pool = BlockingPool::new(1, 8);
        let failed = block_on(pool.run(|| -> u8 { panic!("bug") }));
        assert_eq!(failed, Err(PoolError::Panicked));
        // The single worker still runs the next job.
        assert_eq!(block_on(pool.run(|| 7)), Ok(7));
    }

    #[test]
    fn a_full_queue_refuses_at_once() {
        let pool = BlockingPool::new(1, 1);
        let (release, wait) = channel::<()>();
        let (started_tx, started) = channel::<()>();
        // Occupies the only worker until released.
        let busy = pool.run(move || {
            let _ = started_tx.send(());
            let _ = wait.recv();
        });
        let _ = started.recv();
        let queued = pool.run(|| 1); // fills the one queue slot
        let refused = pool.run(|| 2);
        assert_eq!(block_on(refused), Err(PoolError::Busy(1)));
        let _ = release.send(());
        assert_eq!(block_on(busy), Ok(()));
        assert_eq!(block_on(queued), Ok(1));
    }

    #[test]
    fn a_dropped_future_does_not_stop_the_job_or_the_pool() {
        let pool = BlockingPool::new(1, 4);
        let (done_tx, done) = channel::<u8>();
        drop(pool.run(move || {
            let _ = done_tx.send(5);
        }));
        assert_eq!(done.recv(), Ok(5));
        assert_eq!(block_on(pool.run(|| 3)), Ok(3));
    }

    #[test]
    fn jobs_run_in_parallel_on_several_workers() {
        let pool = BlockingPool::new(3, 8);
        // Each job waits for the other two: completes only if all three run at once.
        let barrier = Arc::new(Barrier::new(3));
        let futures: Vec<_> = (0..3)
            .map(|n| {
                let barrier = Arc::clone(&barrier);
                pool.run(move || {
                    barrier.wait();
                    n
                })
            })
            .collect();
        let results: Vec<_> = futures.into_iter().map(block_on).collect();
        assert_eq!(results, vec![Ok(0), Ok(1), Ok(2)]);
    }

    #[test]
    fn the_shared_pool_is_one_pool() {
        assert!(std::ptr::eq(BlockingPool::shared(), BlockingPool::shared()));
        assert_eq!(block_on(BlockingPool::shared().run(|| "ok")), Ok("ok"));
    }
}
