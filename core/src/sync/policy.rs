//! The share policy: which documents two stores exchange, decided by their roles.
//!
//! - link worker <-> link worker (the team's devices and hub): every plan and case document and
//!   every tombstone, both ways;
//! - link worker <-> patient P: only P's plan document. The patient store may send changes to it
//!   that record goal progress, tick or untick steps and add measure answers, and nothing else;
//! - patient <-> patient: nothing (refused).
//!
//! Peers identify themselves in their hello; a real deployment must authenticate that identity
//! on the transport (see `docs/sync.md`).

use super::wire::{DocKey, Hello};
use crate::error::{Error, Result};
use crate::model::{DocKind, Plan, Role, StoreInfo};

/// Refuses pairings the policy does not allow at all.
pub(crate) fn check_pairing(local: &StoreInfo, peer: &Hello) -> Result<()> {
    if peer.store_id == local.store_id {
        return Err(Error::NotPermitted {
            action: "sync a store with itself",
        });
    }
    match (local.role, peer.role) {
        (Role::Patient, Role::Patient) => Err(Error::NotPermitted {
            action: "sync two patient stores",
        }),
        (_, Role::Patient) if peer.person.is_none() => {
            Err(Error::protocol("a patient store must name its person"))
        }
        _ => Ok(()),
    }
}

/// Whether `key` may be shared with `peer` (sent to it, or compared with it).
pub(crate) fn in_scope(local: &StoreInfo, peer: &Hello, key: DocKey) -> bool {
    let (person, kind) = key;
    match (local.role, peer.role) {
        (Role::LinkWorker, Role::LinkWorker) => true,
        (Role::LinkWorker, Role::Patient) => kind == DocKind::Plan && peer.person == Some(person),
        (Role::Patient, Role::LinkWorker) => kind == DocKind::Plan && local.person == Some(person),
        (Role::Patient, Role::Patient) => false,
    }
}

/// Refuses a document the peer may not send us. `have` says whether we already hold it.
pub(crate) fn check_receive(
    local: &StoreInfo,
    peer: &Hello,
    key: DocKey,
    have: bool,
) -> Result<()> {
    if !in_scope(local, peer, key) {
        return Err(Error::NotPermitted {
            action: match (local.role, key.1) {
                (Role::Patient, DocKind::Case) => "receive a case document on a patient store",
                (Role::Patient, DocKind::Plan) => {
                    "receive another person's plan on a patient store"
                }
                _ => "receive a document outside the peer's share",
            },
        });
    }
    if peer.role == Role::Patient && !have {
        return Err(Error::NotPermitted {
            action: "accept a new document from a patient store",
        });
    }
    Ok(())
}

/// Refuses tombstones from a patient store (only link workers erase).
pub(crate) fn check_tombstones(peer: &Hello, count: usize) -> Result<()> {
    if count > 0 && peer.role == Role::Patient {
        return Err(Error::NotPermitted {
            action: "erase a person from a patient store",
        });
    }
    Ok(())
}

/// Refuses a merged plan that differs from `before` in more than a patient may change: new
/// progress entries, steps ticked or unticked, new measure answers.
pub(crate) fn check_patient_changes(before: &Plan, after: &Plan) -> Result<()> {
    let refuse = |what: &'static str| Err(Error::NotPermitted { action: what });
    if before.what_matters != after.what_matters
        || before.needs != after.needs
        || before.review_date != after.review_date
    {
        return refuse("change the plan from a patient store");
    }
    if before.goals.len() != after.goals.len() {
        return refuse("add or remove goals from a patient store");
    }
    for (b, a) in before.goals.iter().zip(&after.goals) {
        let same_goal = b.id == a.id
            && b.text == a.text
            && b.smart_detail == a.smart_detail
            && b.needs == a.needs
            && b.target_date == a.target_date
            && b.status == a.status
            && b.created_by == a.created_by
            && b.created_at == a.created_at;
        let kept_progress = b.progress.iter().all(|p| a.progress.contains(p));
        if !same_goal || !kept_progress {
            return refuse("change a goal from a patient store");
        }
    }
    if before.steps.len() != after.steps.len() {
        return refuse("add or remove steps from a patient store");
    }
    for b in &before.steps {
        let Some(a) = after.steps.iter().find(|s| s.id == b.id) else {
            return refuse("add or remove steps from a patient store");
        };
        let same_step = b.text == a.text
            && b.owner == a.owner
            && b.owner_name == a.owner_name
            && b.goal_id == a.goal_id
            && b.due == a.due
            && b.created_by == a.created_by
            && b.created_at == a.created_at;
        if !same_step {
            return refuse("change a step other than ticking it from a patient store");
        }
    }
    if !before.measures.iter().all(|m| after.measures.contains(m)) {
        return refuse("change recorded measures from a patient store");
    }
    // Items only a newer version can read are compared by content: this build cannot tell
    // which of their changes a patient may make, so it accepts none.
    if before.newer_items != after.newer_items {
        return refuse("change items written by a newer app version from a patient store");
    }
    Ok(())
}

/// Whether a tombstone of `person` belongs to the shared scope with `peer`.
pub(crate) fn tombstone_in_scope(local: &StoreInfo, peer: &Hello, person: crate::ids::Id) -> bool {
    match (local.role, peer.role) {
        (Role::LinkWorker, Role::LinkWorker) => true,
        (Role::LinkWorker, Role::Patient) => peer.person == Some(person),
        (Role::Patient, Role::LinkWorker) => local.person == Some(person),
        (Role::Patient, Role::Patient) => false,
    }
}
