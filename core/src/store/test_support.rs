//! What core's unit tests share: a plain (unencrypted) store in a temporary directory.

use std::path::Path;

use super::Store;
use crate::ids::Id;
use crate::key::StoreKey;
use crate::model::{NewStore, Role};

/// Creates the unencrypted store file `name` in `dir`, acting as `user` with `role`; a
/// patient's store is for a new random person.
pub(crate) fn test_store(dir: &Path, name: &str, user: &str, role: Role) -> Store {
    let person = (role == Role::Patient).then(Id::new);
    Store::create(
        dir.join(name),
        NewStore {
            user: user.into(),
            role,
            person,
        },
        &StoreKey::unencrypted(),
    )
    .unwrap()
}
