//! The organisation's team hub over the app's own WebSocket: [`HubEnrolment`] (endpoint
//! `/enrol`) and [`HubSession`] (endpoint `/connect`), thin objects over core's sans-I/O
//! `linkwork_core::hub_client` (every decision is there). The app opens a WebSocket to the hub
//! (`wss://HOST[:PORT]/enrol` or `/connect`; one binary message per frame) and moves bytes:
//!
//! ```text
//! val start = store.hubEnrol(code)                  // open wss://HOST/enrol
//! send(start.message); cert = start.enrolment.receive(nextBinaryMessage())
//!   (hub closed first: start.enrolment.closed() throws why)
//!
//! val start = store.hubSession(HubPurpose.SYNC)     // open wss://HOST/connect
//! send(start.message)
//! loop { step = start.session.receive(nextBinaryMessage()); step.send.forEach(::send)
//!        if (step.done) break }                     // hub closed first: session.closed()
//! val outcome = start.session.outcome()
//! ```

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use linkwork_core::directory::share::DirectoryStep as CoreStep;
use linkwork_core::directory::DirectoryImportReport;
use linkwork_core::hub_client::{
    DirectoryOutcome, Enrolment, HubOutcome as CoreOutcome, HubPhase, HubPurpose,
    HubSession as CoreSession,
};

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::to_i64;
use crate::types::{DeviceCertificate, SyncProgress, SyncStats};
use crate::LinkWorkError;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a call leaves a state machine whose next call fails on its own state.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One enrolment of this store's device with its organisation's hub (see the module's
/// outline). One answer ends it.
#[derive(uniffi::Object)]
pub struct HubEnrolment {
    store: Arc<LinkWorkStore>,
    inner: Mutex<Enrolment>,
}

/// A new enrolment and the one message to send to the hub's `/enrol` endpoint.
#[derive(uniffi::Record)]
pub struct HubEnrolmentStart {
    /// The enrolment: give it the hub's answer.
    pub enrolment: Arc<HubEnrolment>,
    /// The invite code and this device's signed certificate request; send it.
    pub message: Vec<u8>,
}

blocking_and_async! {
impl HubEnrolment {
    /// Takes the hub's answer: installs the certificate and the organisation's trust root and
    /// returns the certificate.
    ///
    /// Errors: `EnrolmentRefused` (`CodeNotValid`, `RequestRefused`, `Unavailable`; nothing
    /// installed); `Hub` for an answer over the size limit or a second answer; `Untrusted` for
    /// an answer that does not decode or that the store refuses to install; `Storage`.
    pub fn receive / receive_blocking(&self, frame: Vec<u8>) -> Result<DeviceCertificate, LinkWorkError> {
        let cert = lock(&self.inner).receive(&self.store.inner, &frame)?;
        Ok(cert.into())
    }
}}

#[uniffi::export]
impl HubEnrolment {
    /// Call when the hub closed the connection: throws `Hub` (`retryable`) when no answer had
    /// arrived. Does not block.
    pub fn closed(&self) -> Result<(), LinkWorkError> {
        Ok(lock(&self.inner).closed()?)
    }
}

/// One connection of this enrolled store's device to its hub (see the module's outline):
/// the authenticated channel (the peer must be the organisation's hub), the revocation list,
/// the services directory (link workers' and team leads' stores) and, for `HubPurpose.SYNC`,
/// one sync session of the store's documents. After any error it is finished: drop it and
/// (when the error is retryable) connect again later.
///
/// **Threading**: usable from any thread; calls run one at a time. `receive` and `poll` are
/// async (their `*Blocking` variants block on disk I/O); the getters do not block.
#[derive(uniffi::Object)]
pub struct HubSession {
    store: Arc<LinkWorkStore>,
    inner: Mutex<CoreSession>,
}

/// A new hub session and the first frame to send to the hub's `/connect` endpoint.
#[derive(uniffi::Record)]
pub struct HubSessionStart {
    /// The session: give it every binary message from the hub.
    pub session: Arc<HubSession>,
    /// The channel's first handshake message; send it.
    pub message: Vec<u8>,
}

/// What one frame from the hub led to.
#[derive(uniffi::Record)]
pub struct HubStep {
    /// Frames to send to the hub, in order.
    pub send: Vec<Vec<u8>>,
    /// The exchange is complete: close the connection (or stay, after a sync, for live mode
    /// with `poll`).
    pub done: bool,
    /// Where the session now is.
    pub phase: HubPhase,
    /// Ids of the people whose documents this frame changed (listeners were told too).
    pub changed_person_ids: Vec<String>,
}

/// What became of the hub's services directory on this store.
#[derive(uniffi::Enum)]
pub enum HubDirectoryOutcome {
    /// This store does not receive the directory (a patient's store, or a role the hub does
    /// not send it to).
    NotOffered,
    /// The store already held the hub's directory.
    UpToDate,
    /// The hub has no directory yet.
    NoDirectory,
    /// The directory was received and imported.
    Received {
        /// The import report.
        report: DirectoryImportReport,
    },
    /// The hub's directory is older than the store's, which is kept.
    KeptNewer,
}

impl From<Option<DirectoryOutcome>> for HubDirectoryOutcome {
    fn from(o: Option<DirectoryOutcome>) -> Self {
        match o {
            None
            | Some(DirectoryOutcome::Step(CoreStep::NotOffered | CoreStep::Receiving { .. })) => {
                HubDirectoryOutcome::NotOffered
            }
            Some(DirectoryOutcome::Step(CoreStep::UpToDate)) => HubDirectoryOutcome::UpToDate,
            Some(DirectoryOutcome::Step(CoreStep::NoDirectory)) => HubDirectoryOutcome::NoDirectory,
            Some(DirectoryOutcome::Step(CoreStep::Applied(report))) => {
                HubDirectoryOutcome::Received { report }
            }
            Some(DirectoryOutcome::KeptNewer) => HubDirectoryOutcome::KeptNewer,
        }
    }
}

/// What a completed hub session learnt and did.
#[derive(uniffi::Record)]
pub struct HubOutcome {
    /// The hub's verified certificate.
    pub hub: DeviceCertificate,
    /// The version of the newest revocation list the hub sent (`null`/`nil`: the organisation
    /// never revoked a device).
    pub revocation_version: Option<i64>,
    /// Whether a list newer than the installed one was installed.
    pub revocations_installed: bool,
    /// What became of the services directory.
    pub directory: HubDirectoryOutcome,
    /// Ids of the people whose documents changed on this store during the sync.
    pub changed_person_ids: Vec<String>,
    /// Sync messages and bytes exchanged (zero without a sync).
    pub stats: SyncStats,
}

impl From<CoreOutcome> for HubOutcome {
    fn from(o: CoreOutcome) -> Self {
        HubOutcome {
            hub: o.hub.into(),
            revocation_version: o.revocations.map(|l| to_i64(l.version)),
            revocations_installed: o.revocations_installed,
            directory: o.directory.into(),
            changed_person_ids: o.changed.iter().map(ToString::to_string).collect(),
            stats: o.stats.into(),
        }
    }
}

blocking_and_async! {
impl HubSession {
    /// Takes one binary message from the hub; send every frame of the step's `send`, in order.
    ///
    /// Errors (each finishes the session; nothing of the refused frame was stored): `Untrusted`
    /// when the peer is not the organisation's hub or a frame was altered; `Hub` for a frame
    /// over the limit or a message out of place; `Sync`, `NotPermitted`, `InvalidInput` from
    /// the sync session; `Untrusted`/`InvalidInput`/`Conflict` for a refused directory;
    /// `Storage`.
    pub fn receive / receive_blocking(&self, frame: Vec<u8>) -> Result<HubStep, LinkWorkError> {
        let step = lock(&self.inner).receive(&self.store.inner, &frame)?;
        Ok(HubStep {
            send: step.send,
            done: step.done,
            phase: step.phase,
            changed_person_ids: step.changed.iter().map(ToString::to_string).collect(),
        })
    }

    /// Live mode after a completed sync: a frame with the store's edits made since (send it;
    /// the hub's answer goes to `receive`), or `null`/`nil` when there is nothing new. A
    /// message larger than one frame comes one frame per call: call again until `null`/`nil`.
    ///
    /// Errors: `Hub` before the sync completed or without a sync; `Storage`.
    pub fn poll / poll_blocking(&self) -> Result<Option<Vec<u8>>, LinkWorkError> {
        Ok(lock(&self.inner).poll(&self.store.inner)?)
    }
}}

#[uniffi::export]
impl HubSession {
    /// Call when the hub closed the connection: throws `Hub` (`retryable`) when the exchange
    /// was not complete (closed during the handshake or before the revocation list: the hub
    /// refused this device, e.g. revoked). Does not block.
    pub fn closed(&self) -> Result<(), LinkWorkError> {
        Ok(lock(&self.inner).closed()?)
    }

    /// Where the session is.
    pub fn phase(&self) -> HubPhase {
        lock(&self.inner).phase()
    }

    /// The sync's progress once it started (for a progress bar during a first sync).
    pub fn progress(&self) -> Option<SyncProgress> {
        lock(&self.inner).sync_progress().map(Into::into)
    }

    /// What the session learnt and did, once it is done (`null`/`nil` before).
    pub fn outcome(&self) -> Option<HubOutcome> {
        lock(&self.inner).outcome().map(Into::into)
    }
}

blocking_and_async! {
impl LinkWorkStore {
    /// Starts enrolling this store's device with a hub using the one-time invite `code` its
    /// user was given: send the returned message to `wss://HOST[:PORT]/enrol`.
    ///
    /// Errors: `InvalidInput` (field `code`) for an empty or over-long code; `Storage`.
    pub fn hub_enrol / hub_enrol_blocking(self: Arc<Self>, code: String) -> Result<HubEnrolmentStart, LinkWorkError> {
        let (inner, message) = Enrolment::start(&self.inner, &code)?;
        Ok(HubEnrolmentStart {
            enrolment: Arc::new(HubEnrolment {
                store: self,
                inner: Mutex::new(inner),
            }),
            message,
        })
    }

    /// Starts a connection of this enrolled store's device to its hub for `purpose`: send the
    /// returned message to `wss://HOST[:PORT]/connect`.
    ///
    /// Errors: `Untrusted` (`not enrolled`) for a store not enrolled; `Storage`.
    pub fn hub_session / hub_session_blocking(
        self: Arc<Self>,
        purpose: HubPurpose,
    ) -> Result<HubSessionStart, LinkWorkError> {
        let (inner, message) = CoreSession::start(&self.inner, purpose)?;
        Ok(HubSessionStart {
            session: Arc::new(HubSession {
                store: self,
                inner: Mutex::new(inner),
            }),
            message,
        })
    }
}}
