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

/// `impl Obj { /// docs  pub fn name / name_blocking(RECEIVER, args...) -> Result<..> { body } ... }`
/// exports, for every item, `name_blocking` with that body and `async fn name` running it on the
/// pool (holding the object until it ran). RECEIVER is `&self`, `self: Arc<Self>` (a method
/// whose result keeps the object, e.g. a session bound to its store) or absent: an associated
/// function such as a constructor (put `#[uniffi::constructor]` among its attributes: both
/// variants get every attribute).
macro_rules! blocking_and_async {
    (impl $obj:ident { $($items:tt)* }) => {
        $crate::asyncify::blocking_and_async!(@each $obj $($items)*);
    };
    (@each $obj:ident) => {};
    (@each $obj:ident
        $(#[$meta:meta])*
        pub fn $name:ident / $blocking:ident (&$self:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::asyncify::blocking_and_async!(@pair $obj [$(#[$meta])*]
            [$blocking(&$self $(, $arg: $ty)*) -> $ret $body]
            [$name($self: std::sync::Arc<Self> $(, $arg: $ty)*) -> $ret {
                $crate::asyncify::on_pool(move || $self.$blocking($($arg),*)).await
            }]);
        $crate::asyncify::blocking_and_async!(@each $obj $($rest)*);
    };
    (@each $obj:ident
        $(#[$meta:meta])*
        pub fn $name:ident / $blocking:ident ($self:ident : Arc<Self> $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::asyncify::blocking_and_async!(@pair $obj [$(#[$meta])*]
            [$blocking($self: std::sync::Arc<Self> $(, $arg: $ty)*) -> $ret $body]
            [$name($self: std::sync::Arc<Self> $(, $arg: $ty)*) -> $ret {
                $crate::asyncify::on_pool(move || $self.$blocking($($arg),*)).await
            }]);
        $crate::asyncify::blocking_and_async!(@each $obj $($rest)*);
    };
    (@each $obj:ident
        $(#[$meta:meta])*
        pub fn $name:ident / $blocking:ident ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::asyncify::blocking_and_async!(@pair $obj [$(#[$meta])*]
            [$blocking($($arg: $ty),*) -> $ret $body]
            [$name($($arg: $ty),*) -> $ret {
                $crate::asyncify::on_pool(move || Self::$blocking($($arg),*)).await
            }]);
        $crate::asyncify::blocking_and_async!(@each $obj $($rest)*);
    };
    (@pair $obj:ident [$(#[$meta:meta])*] [$($blocking:tt)*] [$($async:tt)*]) => {
        #[uniffi::export]
        impl $obj {
            $(#[$meta])*
            ///
            /// Blocking variant of the async call of the same name without `Blocking`: runs on
            /// the caller's thread (for scripts and tests; never the UI thread).
            pub fn $($blocking)*

            $(#[$meta])*
            ///
            /// Async (Kotlin `suspend`, Swift `async`): runs on the core's few I/O threads,
            /// never on the caller's; cancelling the caller does not undo a call already
            /// started. Pool refusals are `Unexpected`.
            pub async fn $($async)*
        }
    };
}
pub(crate) use blocking_and_async;
