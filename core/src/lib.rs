//! linkwork-core: the offline-first core of social prescribing.
//!
//! A link worker's caseload lives on the device as automerge documents (one plan document and
//! one case document per person) stored in SQLite, with projection tables for lists and search.
//! Every user action is one automerge commit stamped with the acting user and time, so two
//! devices that edited offline merge without losing anything.
//!
//! Start at [`Store`]. The rooms:
//! - [`model`]: domain types and their validation;
//! - [`doc`]: how the model maps onto automerge documents (`docs/schema.md`);
//! - `storage`: SQLite, the only module that touches it: the connections and transactions,
//!   migrations, documents, projections;
//! - [`measures`]: outcome-measure instruments and scoring;
//! - [`identity`]: device keys, the organisation's trust root, certificates, pairing and
//!   revocation;
//! - [`directory`]: the community services directory (Open Referral UK), reference data;
//! - [`hub_client`]: a device's side of enrolling with and connecting to the team hub, without
//!   I/O;
//! - [`store`]: the API, the entry point that ties them together (over `storage`);
//! - [`blocking_pool`]: the few threads the Kotlin/Swift async API runs store calls on.

pub mod blocking_pool;
pub mod directory;
pub mod doc;
pub mod error;
#[cfg(feature = "uniffi")]
pub mod ffi_error;
pub mod fhir;
pub mod gp_message;
mod history;
pub mod hub_client;
pub mod identity;
pub mod ids;
pub mod key;
pub mod measures;
pub mod model;
pub mod onward_message;
pub mod reports;
pub mod shared_session;
mod storage;
pub mod store;
pub mod sync;
#[cfg(feature = "uniffi")]
pub mod uniffi_support;

pub use error::{Error, Result};
#[cfg(feature = "uniffi")]
pub use ffi_error::LinkWorkError;
pub use ids::{Id, PersonId};
pub use key::StoreKey;
pub use shared_session::{SessionSummary, SharedSession};
pub use store::{ChangeListener, ListenerId, Store, Subscription};
pub use sync::{
    PeerInfo, SyncProgress, SyncSession, SyncStats, SyncStep, DEFAULT_MAX_MESSAGE_BYTES,
};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("linkwork_core");
