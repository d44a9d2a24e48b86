//! Sync messages larger than one frame between a device and its hub. A person larger than a
//! sync session's batch size travels alone in one sync message, which may pass the hub's
//! 4 MiB WebSocket message limit: the sender splits such a message into leading parts of
//! exactly [`SYNC_PART_BYTES`] ([`DeviceMessage::SyncPart`], [`HubMessage::SyncPart`]) and a
//! last part (`Sync`), each sealed into its own frame; the receiver joins them ([`SyncJoin`],
//! bounded) before the sync engine reads the message. A message that fits one frame is one
//! `Sync`, as before.

use super::enrolment::{DeviceMessage, HubMessage};
use super::Refusal;

/// The most bytes of a sync message one frame carries: 4 MiB less room for the frame's
/// header and the channel's sealing (18 bytes per 64 KiB chunk), so that a sealed part stays
/// under the hub's 4 MiB WebSocket message limit.
pub const SYNC_PART_BYTES: usize = 4 * 1024 * 1024 - 64 * 1024;

/// The largest sync message a device joins from the hub's parts: the sync protocol's own
/// message limit.
pub const MAX_JOINED_BYTES: usize = crate::sync::wire::MAX_MESSAGE_BYTES;

/// Splits `message` into its leading parts (each [`SYNC_PART_BYTES`] long) and its last part.
fn split(mut message: Vec<u8>) -> (Vec<Vec<u8>>, Vec<u8>) {
    if message.len() <= SYNC_PART_BYTES {
        return (Vec::new(), message);
    }
    let last_len = match message.len() % SYNC_PART_BYTES {
        0 => SYNC_PART_BYTES,
        n => n,
    };
    let last = message.split_off(message.len() - last_len);
    let leading = message
        .chunks(SYNC_PART_BYTES)
        .map(<[u8]>::to_vec)
        .collect();
    (leading, last)
}

impl DeviceMessage {
    /// The messages that carry sync `message` to the hub, in order: one
    /// [`DeviceMessage::Sync`] when it fits a frame, else its leading
    /// [`DeviceMessage::SyncPart`]s and the last part as `Sync`.
    pub fn sync_parts(message: Vec<u8>) -> Vec<DeviceMessage> {
        let (leading, last) = split(message);
        let mut out: Vec<DeviceMessage> =
            leading.into_iter().map(DeviceMessage::SyncPart).collect();
        out.push(DeviceMessage::Sync(last));
        out
    }
}

impl HubMessage {
    /// The messages that carry sync `message` to a device, in order (as
    /// [`DeviceMessage::sync_parts`]).
    pub fn sync_parts(message: Vec<u8>) -> Vec<HubMessage> {
        let (leading, last) = split(message);
        let mut out: Vec<HubMessage> = leading.into_iter().map(HubMessage::SyncPart).collect();
        out.push(HubMessage::Sync(last));
        out
    }
}

/// Joins the parts of one sync message as they arrive. Bounded: a message over its limit, or
/// a leading part of another length than [`SYNC_PART_BYTES`] (a peer trickling small parts),
/// is refused.
#[derive(Debug)]
pub struct SyncJoin {
    joined: Vec<u8>,
    limit: usize,
}

impl SyncJoin {
    /// A join for messages of at most `limit` bytes.
    pub fn new(limit: usize) -> SyncJoin {
        SyncJoin {
            joined: Vec::new(),
            limit,
        }
    }

    /// The bytes of leading parts held.
    pub fn len(&self) -> usize {
        self.joined.len()
    }

    /// Whether no leading part is held.
    pub fn is_empty(&self) -> bool {
        self.joined.is_empty()
    }

    /// Adds a leading part.
    ///
    /// # Errors
    /// [`Refusal::Malformed`] for a part that is not [`SYNC_PART_BYTES`] long, or that takes
    /// the message past the limit (the parts held are dropped).
    pub fn part(&mut self, part: &[u8]) -> Result<(), Refusal> {
        if part.len() != SYNC_PART_BYTES || self.joined.len() + part.len() > self.limit {
            self.joined = Vec::new();
            return Err(Refusal::Malformed);
        }
        self.joined.extend_from_slice(part);
        Ok(())
    }

    /// The whole message, given its `last` part; the join is empty again.
    ///
    /// # Errors
    /// [`Refusal::Malformed`] when the message passes the limit (the parts held are dropped).
    pub fn last(&mut self, last: Vec<u8>) -> Result<Vec<u8>, Refusal> {
        let mut joined = std::mem::take(&mut self.joined);
        if joined.len() + last.len() > self.limit {
            return Err(Refusal::Malformed);
        }
        if joined.is_empty() {
            return Ok(last);
        }
        joined.extend_from_slice(&last);
        Ok(joined)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn join(limit: usize, messages: Vec<HubMessage>) -> Result<Vec<u8>, Refusal> {
        let mut join = SyncJoin::new(limit);
        for m in messages {
            // Each travels encoded, as a frame would carry it.
            match HubMessage::decode(&m.encode())? {
                HubMessage::SyncPart(part) => join.part(&part)?,
                HubMessage::Sync(last) => return join.last(last),
                _ => return Err(Refusal::Malformed),
            }
        }
        Err(Refusal::Malformed)
    }

    #[test]
    fn a_message_is_split_into_frame_sized_parts_and_joined_back() {
        for len in [
            0,
            1,
            SYNC_PART_BYTES,
            SYNC_PART_BYTES + 1,
            2 * SYNC_PART_BYTES,
            2 * SYNC_PART_BYTES + 7,
        ] {
            let message: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let parts = HubMessage::sync_parts(message.clone());
            assert_eq!(parts.len(), len.div_ceil(SYNC_PART_BYTES).max(1), "{len}");
            for p in &parts {
                assert!(p.encode().len() <= SYNC_PART_BYTES + 5);
            }
            assert_eq!(join(usize::MAX, parts).unwrap(), message, "{len}");
            let device = DeviceMessage::sync_parts(message.clone());
            assert_eq!(device.len(), len.div_ceil(SYNC_PART_BYTES).max(1));
            assert!(matches!(device.last(), Some(DeviceMessage::Sync(_))));
        }
    }

    #[test]
    fn a_message_over_the_limit_or_a_short_leading_part_is_refused() {
        let message = vec![1u8; 2 * SYNC_PART_BYTES + 10];
        assert_eq!(
            join(2 * SYNC_PART_BYTES, HubMessage::sync_parts(message.clone())),
            Err(Refusal::Malformed)
        );
        assert_eq!(
            join(SYNC_PART_BYTES, HubMessage::sync_parts(message)),
            Err(Refusal::Malformed)
        );
        let mut j = SyncJoin::new(usize::MAX);
        assert_eq!(j.part(&[1, 2, 3]), Err(Refusal::Malformed));
        assert!(j.is_empty());
        // After a refusal the join starts again from nothing.
        j.part(&vec![0; SYNC_PART_BYTES]).unwrap();
        assert_eq!(j.len(), SYNC_PART_BYTES);
        assert_eq!(j.last(vec![9]).unwrap().len(), SYNC_PART_BYTES + 1);
        assert!(j.is_empty());
    }
}
