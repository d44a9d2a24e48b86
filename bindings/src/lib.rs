//! linkwork-ffi: the Kotlin (`org.linkwork`) and Swift (`LinkWork`) API of linkwork-core,
//! made with uniffi proc-macros.
//!
//! A thin layer with no logic of its own: every call converts its arguments, calls
//! [`linkwork_core::Store`] and converts the result back. The rooms:
//! - [`store`]: the [`LinkWorkStore`] object, one method per core capability, and the
//!   [`SyncSession`] object of one sync connection with a peer store;
//! - [`types`]: records and enums mirroring the core's model, measures, reports and GP
//!   messages;
//! - [`error`]: the one public error, [`LinkWorkError`], and its single mapping from the core;
//! - [`listener`]: the foreign [`ChangeListener`] told which people changed;
//! - [`scoring`]: pure measure functions (scoring, definitions, change) that need no store;
//! - `asyncify`: the macro making each disk call both async and blocking;
//! - `convert`: ids (UUID text) and instants in the hand-written records; calendar dates are
//!   core's `NaiveDate` custom type (Kotlin `LocalDate`, Swift `DateComponents`), used here
//!   through `use_remote_type!`.
//!
//! Threading: every object is `Send + Sync` and every method may be called from any thread.
//! Every call that touches disk (store methods, the constructors, sync and hub starts, the
//! sessions' `receive`/`poll`, `DirectoryDownload::receive`) is exported twice from one
//! definition (`asyncify::blocking_and_async!`): `async fn x` (Kotlin `suspend`, Swift `async`),
//! run on the core's [`linkwork_core::blocking_pool`], and `x_blocking` on the caller's thread.

pub(crate) mod asyncify;
mod convert;
pub mod listener;
pub mod scoring;
pub mod store;
pub mod types;

pub use linkwork_core::LinkWorkError;
pub use listener::{ChangeListener, ListenerError, Subscription};
pub use scoring::{instrument_definition, measure_change, score_measure};
pub use store::{
    DirectoryDownload, DirectoryStep, LinkWorkStore, Organisation, SecureChannel,
    SecureChannelStart, SyncSession, SyncStart,
};
pub use types::*;

uniffi::setup_scaffolding!();

// Core declares how `NaiveDate` crosses (`linkwork_core::uniffi_support`); the records and
// arguments written here use the same declaration.
use chrono::NaiveDate;
uniffi::use_remote_type!(linkwork_core::NaiveDate);
