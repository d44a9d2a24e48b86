//! What core's unit tests share: a plain (unencrypted) store in a temporary directory, a
//! person added to it, and the people whose documents it holds.

use std::collections::HashSet;
use std::path::Path;

use super::Store;
use crate::ids::Id;
use crate::key::StoreKey;
use crate::model::{NewPerson, NewStore, Role};

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

/// Adds a person called `given` Hill to `store`; returns their id.
pub(crate) fn person(store: &Store, given: &str) -> Id {
    store
        .add_person(NewPerson {
            given_name: given.into(),
            family_name: "Hill".into(),
            ..Default::default()
        })
        .unwrap()
}

/// The people whose documents `store` holds.
pub(crate) fn held(store: &Store) -> HashSet<Id> {
    store
        .documents()
        .unwrap()
        .into_iter()
        .map(|d| d.person_id)
        .collect()
}
