//! How the domain maps onto automerge documents. `docs/schema.md` is the written contract;
//! this module is its only implementation. Every person has a plan document (shareable with the
//! person) and a case document (link-worker only).
//!
//! Layout rules that make merging lossless:
//! - every collection is a map keyed by item id (never a list), created with the document, so
//!   concurrent inserts on two devices are two keys and never collide;
//! - nested containers are created in the same change as their parent item;
//! - a missing optional field is an absent key; an unknown key is never touched.

pub mod case_doc;
pub(crate) mod conflicts;
pub mod fields;
pub(crate) mod keys;
pub mod plan_doc;
mod read;
pub mod received;
pub(crate) mod resolve;
mod write;

pub use fields::field_type;
pub use keys::{CASE_SCHEMA, PLAN_SCHEMA, SCHEMA_VERSION};

use chrono::{DateTime, Utc};

/// Who is acting and when: stamped on every item and every commit.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The acting user.
    pub user: String,
    /// The time of the action.
    pub now: DateTime<Utc>,
}

pub(crate) use read::{schema_of, Reader};
