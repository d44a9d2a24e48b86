//! Which tombstones travel, and which received ones are believable (protocol version 2).
//!
//! A tombstone erases a person on every store it reaches and blocks their documents for ever,
//! so a peer must not be able to plant them at will (issue 13: one message carried 100,000
//! random tombstones dated 9999, which were kept, spread to a colleague and resent by every
//! later sync). The rules:
//!
//! - **Sent only where the peer has a reason to know.** A store sends a tombstone when the peer
//!   mentions the erased person: lists one of their documents in a manifest, or sends one. A
//!   peer that holds nothing of the person is told nothing (it will be told if it ever gets
//!   their documents from someone else, since its manifest then lists them).
//! - **Accepted only for people the receiver knows**: it holds their documents or already has
//!   their tombstone. Anything else is refused, with the whole message.
//! - **Plausible dates**: not before [`EARLIEST_MS`] and not more than a day in the future.
//! - **Bounded**: at most [`MAX_TOMBSTONES`] per message (the decoder refuses more); a sender
//!   owing more spreads them over rounds.
//! - Only link workers send them (the share policy, `policy::check_tombstones`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::wire::MAX_TOMBSTONES;
use crate::error::{Error, Result};
use crate::ids::Id;

/// The earliest erasure time believed: 2020-01-01T00:00:00Z (before linkwork existed).
pub(crate) const EARLIEST_MS: i64 = 1_577_836_800_000;

/// Refuses tombstones with dates no store could have written.
pub(crate) fn check_dates(tombstones: &[(Id, i64)], now: DateTime<Utc>) -> Result<()> {
    let latest = (now + Duration::days(1)).timestamp_millis();
    if tombstones
        .iter()
        .any(|(_, at)| *at < EARLIEST_MS || *at > latest)
    {
        return Err(Error::protocol("a tombstone has an impossible date"));
    }
    Ok(())
}

/// The next tombstones to send from those owed and not yet sent, at most [`MAX_TOMBSTONES`],
/// with their erasure times from `erased` (this store's tombstones in the shared scope).
pub(crate) fn next_batch(owed: &mut BTreeSet<Id>, erased: &HashMap<Id, i64>) -> Vec<(Id, i64)> {
    let mut out = Vec::new();
    while out.len() < MAX_TOMBSTONES {
        let Some(person) = owed.pop_first() else {
            break;
        };
        if let Some(at) = erased.get(&person) {
            out.push((person, *at));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_outside_the_plausible_window_are_refused() {
        let now = Utc::now();
        let ok = now.timestamp_millis();
        check_dates(&[(Id::new(), ok), (Id::new(), EARLIEST_MS)], now).unwrap();
        let year_9999 = 253_402_300_799_000;
        assert!(check_dates(&[(Id::new(), year_9999)], now).is_err());
        assert!(check_dates(&[(Id::new(), EARLIEST_MS - 1)], now).is_err());
        let two_days = (now + Duration::days(2)).timestamp_millis();
        assert!(check_dates(&[(Id::new(), two_days)], now).is_err());
    }

    #[test]
    fn batches_are_bounded_and_skip_people_not_erased_here() {
        let erased: HashMap<Id, i64> = (0..MAX_TOMBSTONES + 10)
            .map(|i| (Id::new(), EARLIEST_MS + i as i64))
            .collect();
        let mut owed: BTreeSet<Id> = erased.keys().copied().collect();
        owed.insert(Id::new()); // mentioned by the peer but not erased here
        let first = next_batch(&mut owed, &erased);
        assert_eq!(first.len(), MAX_TOMBSTONES);
        let second = next_batch(&mut owed, &erased);
        assert_eq!(second.len(), 10);
        assert!(owed.is_empty());
    }
}
