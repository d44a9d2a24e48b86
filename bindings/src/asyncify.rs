//! One definition, two exports: [`blocking_and_async!`] turns each store method that touches
//! disk into `x_blocking` (runs on the caller's thread: scripts, tests, a thread the app owns)
//! and `async fn x` (Kotlin `suspend`, Swift `async`), which runs `x_blocking` on the core's
//! [`BlockingPool`](linkwork_core::blocking_pool::BlockingPool) and awaits its result, so
//! neither the UI thread nor Swift's cooperative pool ever waits for SQLite.

use std::future::Future;

use linkwork_core::blocking_pool::{BlockingPool, PoolError};

use crate::LinkWorkError;

/// Runs `job` on the shared pool. A job the pool could not run, or one that panicked, becomes
/// `LinkWorkError.Unexpected` (`Busy`: too many calls waiting, retry later).
pub(crate) fn on_pool<T, F>(job: F) -> impl Future<Output = Result<T, LinkWorkError>> + Send
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, LinkWorkError> + Send + 'static,
{
    let pending = BlockingPool::shared().run(job);
    async move {
        pending.await.unwrap_or_else(|e: PoolError| {
            Err(LinkWorkError::Unexpected {
                reason: e.to_string(),
            })
        })
    }
}

/// `impl Obj { /// docs  pub fn name / name_blocking(&self, args...) -> Result<..> { body } ... }`
/// exports, for every method, `name_blocking` with that body and `async fn name` running it on
/// the pool (holding the object until it ran).
macro_rules! blocking_and_async {
    (impl $obj:ident { $(
        $(#[$meta:meta])*
        pub fn $name:ident / $blocking:ident (&$self:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block
    )* }) => {
        #[uniffi::export]
        impl $obj { $(
            $(#[$meta])*
            ///
            /// Blocking variant of the async call of the same name without `Blocking`: runs on
            /// the caller's thread (for scripts and tests; never the UI thread).
            pub fn $blocking(&$self $(, $arg: $ty)*) -> $ret $body
        )* }

        #[uniffi::export]
        impl $obj { $(
            $(#[$meta])*
            ///
            /// Async (Kotlin `suspend`, Swift `async`): runs on the core's few I/O threads,
            /// never on the caller's; cancelling the caller does not undo a call already
            /// started. Pool refusals are `Unexpected`.
            pub async fn $name($self: std::sync::Arc<Self> $(, $arg: $ty)*) -> $ret {
                $crate::asyncify::on_pool(move || $self.$blocking($($arg),*)).await
            }
        )* }
    };
}
pub(crate) use blocking_and_async;
