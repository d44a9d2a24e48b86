//! Who owns a store: a link worker's device or a patient's own phone.

use serde::Serialize;

use super::code_enum;
use crate::ids::Id;

code_enum! {
    /// The role of a store's owner; it decides what the store may hold and change.
    pub enum Role {
        /// A link worker (or the team's hub): holds case and plan documents.
        LinkWorker => "link-worker",
        /// A patient's own device: holds only their own plan document.
        Patient => "patient",
    }
}

/// A store's identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StoreInfo {
    /// A random id of this store (one per device database).
    pub store_id: Id,
    /// The acting user whose name stamps every edit.
    pub user: String,
    /// The owner's role.
    pub role: Role,
    /// On a patient store, the person it belongs to.
    #[cfg_attr(feature = "uniffi", uniffi(name = "person_id"))]
    pub person: Option<Id>,
}

/// What is needed to create a store.
#[derive(Clone, Debug)]
pub struct NewStore {
    /// The acting user (required).
    pub user: String,
    /// The owner's role.
    pub role: Role,
    /// The person a patient store belongs to (required for, and only for, patient stores).
    pub person: Option<Id>,
}
