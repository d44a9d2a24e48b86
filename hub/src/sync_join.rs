//! Joining a device's sync message that came in parts (a person larger than one WebSocket
//! message travels alone in one sync message, split into frames:
//! `linkwork_core::identity::sync_parts`), bounded per connection ([`MAX_SYNC_MESSAGE`]) and
//! across the node ([`JOIN_BUDGET`], shared by every connection while it holds parts).

use std::sync::Arc;

use linkwork_core::identity::sync_parts::SyncJoin;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The largest sync message the hub joins from a device's parts: a document is at most
/// 16 MiB inflated (`linkwork_core::sync::MAX_EXPANDED_BYTES`), and its change signatures
/// travel with it.
pub const MAX_SYNC_MESSAGE: usize = 32 * 1024 * 1024;

/// The most bytes of parts every connection of a node holds at once; a part beyond it closes
/// its connection with "sync again" (the device retries later).
pub const JOIN_BUDGET: usize = 256 * 1024 * 1024;

/// The unit of [`JOIN_BUDGET`]'s semaphore permits.
const KIB: usize = 1024;

/// The node's budget for parts held ([`JOIN_BUDGET`]).
pub(crate) fn budget() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(JOIN_BUDGET / KIB))
}

/// Why a part or a joined message was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JoinRefused {
    /// Over [`MAX_SYNC_MESSAGE`], or a malformed part: the device broke the protocol.
    Refused,
    /// The node holds [`JOIN_BUDGET`] already: try again later.
    Busy,
}

/// One connection's sync message being joined, with its share of the node's budget.
pub(crate) struct Joining {
    join: SyncJoin,
    held: Option<OwnedSemaphorePermit>,
    budget: Arc<Semaphore>,
}

impl Joining {
    /// Nothing held yet, drawing on the node's `budget`.
    pub(crate) fn new(budget: Arc<Semaphore>) -> Joining {
        Joining {
            join: SyncJoin::new(MAX_SYNC_MESSAGE),
            held: None,
            budget,
        }
    }

    /// Holds a leading part. On a refusal everything held is dropped.
    pub(crate) fn part(&mut self, part: &[u8]) -> Result<(), JoinRefused> {
        let permits = u32::try_from(part.len().div_ceil(KIB)).map_err(|_| self.drop_all())?;
        let Ok(permit) = Arc::clone(&self.budget).try_acquire_many_owned(permits) else {
            self.drop_all();
            return Err(JoinRefused::Busy);
        };
        if self.join.part(part).is_err() {
            self.drop_all();
            return Err(JoinRefused::Refused);
        }
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        Ok(())
    }

    /// The whole message, given its last part (a message that came in one frame is that
    /// frame's); the budget it held is released.
    pub(crate) fn last(&mut self, last: Vec<u8>) -> Result<Vec<u8>, JoinRefused> {
        self.held = None;
        self.join.last(last).map_err(|_| JoinRefused::Refused)
    }

    fn drop_all(&mut self) -> JoinRefused {
        self.join = SyncJoin::new(MAX_SYNC_MESSAGE);
        self.held = None;
        JoinRefused::Refused
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use linkwork_core::identity::sync_parts::SYNC_PART_BYTES;

    use super::*;

    #[test]
    fn parts_draw_on_the_node_budget_until_the_message_is_joined() {
        let budget = budget();
        let full = budget.available_permits();
        let mut a = Joining::new(Arc::clone(&budget));
        let part = vec![1u8; SYNC_PART_BYTES];
        a.part(&part).unwrap();
        a.part(&part).unwrap();
        assert_eq!(budget.available_permits(), full - 2 * SYNC_PART_BYTES / KIB);
        assert_eq!(a.last(vec![2]).unwrap().len(), 2 * SYNC_PART_BYTES + 1);
        assert_eq!(budget.available_permits(), full);
    }

    #[test]
    fn a_message_over_the_limit_or_the_node_budget_is_refused_and_releases_its_share() {
        let part = vec![1u8; SYNC_PART_BYTES];
        let budget = budget();
        let full = budget.available_permits();
        let mut big = Joining::new(Arc::clone(&budget));
        let mut refused = None;
        for _ in 0..=MAX_SYNC_MESSAGE / SYNC_PART_BYTES {
            if let Err(why) = big.part(&part) {
                refused = Some(why);
                break;
            }
        }
        assert_eq!(refused, Some(JoinRefused::Refused));
        assert_eq!(budget.available_permits(), full);

        // A node budget smaller than two parts: the second connection is told to come back.
        let small = Arc::new(Semaphore::new(SYNC_PART_BYTES / KIB + 1));
        let mut first = Joining::new(Arc::clone(&small));
        let mut second = Joining::new(Arc::clone(&small));
        first.part(&part).unwrap();
        assert_eq!(second.part(&part), Err(JoinRefused::Busy));
        first.last(vec![]).unwrap();
        second.part(&part).unwrap();
    }
}
