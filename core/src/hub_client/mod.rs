//! The device side of the organisation's team hub, without I/O: what a phone (or the
//! `linkwork` CLI) sends and decides when it enrols with a hub and when it connects to one.
//! The caller owns the transport (a TLS WebSocket to the hub's `/enrol` or `/connect`
//! endpoint, one binary message per frame) and only moves bytes:
//!
//! ```text
//! (enrolment, request) = Enrolment::start(store, code)     (endpoint /enrol)
//! send(request); certificate = enrolment.receive(store, next_frame)?
//!
//! (session, first) = HubSession::start(store, HubPurpose::Sync)   (endpoint /connect)
//! send(first)
//! loop: step = session.receive(store, next_frame)?; send every frame of step.send
//!       until step.done; if the hub closes first: session.closed() says why
//! outcome = session.outcome()
//! ```
//!
//! Round trips inside the WebSocket: the channel's first handshake message goes out, the hub's
//! answer proves the hub, and the device's last handshake message travels in one flight with
//! its directory request and its sync session's first message ([`EARLY_FRAMES`]). The hub
//! admits the device, then answers all of it at once: the revocation list, the directory, and
//! the sync answer, which for a device with nothing to do ends the session. An idle reconnect
//! is therefore two round trips after the WebSocket upgrade, the least Noise XX allows (the
//! device proves itself only in the third handshake message, and nothing is answered before).
//!
//! [`HubSession`] runs the authenticated channel (the peer must be the organisation's hub),
//! installs every newer revocation list the hub sends, brings the services directory up to
//! date (link workers' and team leads' stores) and, for [`HubPurpose::Sync`], runs one sync
//! session with the hub inside the channel (a sync message larger than a frame travels in
//! parts, joined up to the sync protocol's message limit). Every frame is bounded
//! ([`MAX_FRAME_BYTES`]) before it is opened; every refusal is a typed [`HubClientError`] or the core's own error (the
//! channel's, the sync engine's, the directory's), after which the exchange is over.

mod enrol;
mod session;
#[cfg(test)]
mod tests;

pub use enrol::Enrolment;
pub use session::{DirectoryOutcome, HubOutcome, HubPhase, HubPurpose, HubSession, HubStep};

use crate::identity::enrolment::EnrolRefused;

/// The largest frame a device accepts from the hub (the hub's own WebSocket message limit). A
/// sync message larger than that (a person larger than the batch size travels alone) comes in
/// parts, each a frame ([`crate::identity::sync_parts`]), and is sent the same way.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// The batch size a device keeps its sync messages to the hub under (the hub does the same).
pub const SYNC_BATCH_BYTES: usize = 512 * 1024;

/// The most sealed frames a device sends right behind its last handshake message, before the
/// hub has admitted it: the services-directory request (not from a patient's phone) and the
/// sync session's first message (a hello and a 32-byte digest, whatever the caseload's size).
/// Both are small and fixed in size, well within what the hub reads from a connection before
/// admitting its device (`linkwork_hub::preauth::PREAUTH_BYTES`); the hub opens them only
/// after admitting it.
pub const EARLY_FRAMES: usize = 2;

/// Why an exchange with the hub failed on the device's side (besides the core's refusals of
/// what the hub sent: `Untrusted`, `Sync`, `DirectoryShare`, `Feed`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HubClientError {
    /// The hub refused the enrolment: the code is unknown, used or expired, or the request does
    /// not fit the invited user; nothing was installed.
    #[error("the hub refused the enrolment: {0}")]
    EnrolRefused(EnrolRefused),
    /// The hub closed the connection before the exchange was complete (it refused this device,
    /// or a message of it, or it stopped). Nothing unfinished was stored; a new exchange may
    /// succeed.
    #[error("the hub closed the connection {0}")]
    Closed(&'static str),
    /// The hub sent a message this build does not expect at this point of the exchange.
    #[error("the hub sent {0}")]
    Unexpected(&'static str),
    /// A frame from the hub is larger than [`MAX_FRAME_BYTES`]; it was not read.
    #[error("a frame of {size} bytes from the hub is over the limit of {limit}")]
    TooLarge {
        /// The frame's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The exchange already ended (completed or failed): start a new one.
    #[error("the exchange with the hub already ended")]
    Finished,
}

impl HubClientError {
    /// Whether a new exchange with the hub later may succeed (a hub that closed or was
    /// unavailable), as opposed to one the hub or this build will refuse again.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            HubClientError::Closed(_) | HubClientError::EnrolRefused(EnrolRefused::Unavailable)
        )
    }
}

/// Refuses a frame over [`MAX_FRAME_BYTES`] before anything reads it.
fn bounded(frame: &[u8]) -> Result<&[u8], HubClientError> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(HubClientError::TooLarge {
            size: frame.len(),
            limit: MAX_FRAME_BYTES,
        });
    }
    Ok(frame)
}
