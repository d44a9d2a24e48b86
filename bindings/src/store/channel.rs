//! [`SecureChannel`]: the authenticated, encrypted channel an app runs over its own transport
//! before syncing (`docs/security.md#identity`), and sync sessions bound to it.
//!
//! ```text
//! connecting side                                   listening side
//! start = store.secureChannelInitiate(false)
//! send(start.message)                   ──────▶    ch = store.secureChannelAccept(false)
//!                                                  send(ch.receiveHandshake(bytes)!)
//! send(ch.receiveHandshake(bytes)!)     ◀──────    (no certificate yet)
//!   (this side's certificate)           ──────▶    send(ch.receiveHandshake(bytes)!); ch.isOpen()
//! ch.receiveHandshake(bytes) == null    ◀──────    (its certificate, once it checked ours)
//! ch.isOpen()
//! In a loop: feed each message to receiveHandshake and send any reply until isOpen().
//! Then syncStartAuthenticated(ch) / syncAcceptAuthenticated(ch), and every sync message
//! goes through ch.seal(...) before sending and ch.open(...) after receiving.
//! ```

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use linkwork_core::identity::{Channel, Peer};
use linkwork_core::Error as CoreError;

use super::sync::{SyncSession, SyncStart};
use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::types::DeviceCertificate;
use crate::LinkWorkError;

/// One side of an authenticated, encrypted channel with a peer device: a Noise XX handshake in
/// which both sides prove the device key of a certificate of this store's organisation (neither
/// expired nor revoked), then sealed messages. An enrolled store never accepts a peer without a
/// certificate; two unenrolled stores connect only when both passed `allowUnenrolled`.
///
/// Errors of every method: `Untrusted` (the peer was refused, or a frame was altered, replayed,
/// reordered or cut off: the channel is then closed for good; drop it and reconnect).
#[derive(uniffi::Object)]
pub struct SecureChannel {
    inner: Mutex<Channel>,
}

/// A new channel of the connecting side and the first handshake message to send.
#[derive(uniffi::Record)]
pub struct SecureChannelStart {
    /// The channel: feed it the peer's handshake reply.
    pub channel: Arc<SecureChannel>,
    /// The first handshake message; send it to the peer.
    pub message: Vec<u8>,
}

impl SecureChannel {
    fn lock(&self) -> MutexGuard<'_, Channel> {
        // A panic inside a call leaves a channel whose next call fails on its own state.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn peer(&self) -> Result<Peer, LinkWorkError> {
        let ch = self.lock();
        match (ch.is_open(), ch.peer()) {
            (true, Some(p)) => Ok(p.clone()),
            _ => Err(CoreError::from(linkwork_core::identity::Refusal::ChannelBroken).into()),
        }
    }
}

#[uniffi::export]
impl SecureChannel {
    /// Applies one handshake message from the peer; returns the message to send back, if any.
    /// When it returns with `isOpen()` true, the peer is proven.
    pub fn receive_handshake(&self, message: Vec<u8>) -> Result<Option<Vec<u8>>, LinkWorkError> {
        Ok(self
            .lock()
            .receive_handshake(&message)
            .map_err(CoreError::from)?)
    }

    /// Whether the handshake finished and the peer was accepted.
    pub fn is_open(&self) -> bool {
        self.lock().is_open()
    }

    /// The peer's verified certificate (`null`/`nil` before the channel is open, or for an
    /// unenrolled peer accepted by opt-in).
    pub fn peer_certificate(&self) -> Option<DeviceCertificate> {
        match self.lock().peer() {
            Some(Peer::Verified(cert)) => Some((**cert).clone().into()),
            _ => None,
        }
    }

    /// Encrypts one message (at most 64 MiB) into one frame for the peer.
    pub fn seal(&self, message: Vec<u8>) -> Result<Vec<u8>, LinkWorkError> {
        Ok(self.lock().seal(&message).map_err(CoreError::from)?)
    }

    /// Decrypts one frame from the peer.
    pub fn open(&self, frame: Vec<u8>) -> Result<Vec<u8>, LinkWorkError> {
        Ok(self.lock().open(&frame).map_err(CoreError::from)?)
    }
}

blocking_and_async! {
impl LinkWorkStore {
    /// `syncStart` with the peer proven on `channel`: the share policy follows the peer's
    /// certificate, and a hello claiming another store, role or person is refused
    /// (`Untrusted`). Seal the messages with the channel.
    ///
    /// Errors: `Untrusted` when the channel is not open; `Storage`.
    pub fn sync_start_authenticated / sync_start_authenticated_blocking(
        self: Arc<Self>,
        channel: Arc<SecureChannel>,
    ) -> Result<SyncStart, LinkWorkError> {
        let peer = channel.peer()?;
        let (inner, message) = self.inner.sync_start_authenticated(&peer)?;
        Ok(SyncStart {
            session: SyncSession::new(self, inner),
            message,
        })
    }
}}

#[uniffi::export]
impl LinkWorkStore {
    /// `syncAccept` with the peer proven on `channel` (see `syncStartAuthenticated`).
    ///
    /// Errors: `Untrusted` when the channel is not open.
    pub fn sync_accept_authenticated(
        self: Arc<Self>,
        channel: Arc<SecureChannel>,
    ) -> Result<Arc<SyncSession>, LinkWorkError> {
        let peer = channel.peer()?;
        let inner = self.inner.sync_accept_authenticated(&peer);
        Ok(SyncSession::new(self, inner))
    }
}

blocking_and_async! {
impl LinkWorkStore {
    /// Starts an authenticated channel as the side that connects. `allow_unenrolled` is an
    /// unenrolled store's opt-in to another unenrolled store that opted in too (tests, demos);
    /// an enrolled store ignores it.
    ///
    /// Errors: `Untrusted` (`not enrolled`) for an unenrolled store without the opt-in;
    /// `Storage`.
    pub fn secure_channel_initiate / secure_channel_initiate_blocking(
        &self,
        allow_unenrolled: bool,
    ) -> Result<SecureChannelStart, LinkWorkError> {
        let policy = self.inner.channel_policy(allow_unenrolled)?;
        let (channel, message) = Channel::initiate(policy).map_err(CoreError::from)?;
        Ok(SecureChannelStart {
            channel: Arc::new(SecureChannel {
                inner: Mutex::new(channel),
            }),
            message,
        })
    }

    /// Starts an authenticated channel as the side that listens (see
    /// `secureChannelInitiate`).
    ///
    /// Errors: as `secureChannelInitiate`.
    pub fn secure_channel_accept / secure_channel_accept_blocking(
        &self,
        allow_unenrolled: bool,
    ) -> Result<Arc<SecureChannel>, LinkWorkError> {
        let policy = self.inner.channel_policy(allow_unenrolled)?;
        let channel = Channel::accept(policy).map_err(CoreError::from)?;
        Ok(Arc::new(SecureChannel {
            inner: Mutex::new(channel),
        }))
    }
}}
