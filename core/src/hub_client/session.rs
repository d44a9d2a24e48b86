//! [`HubSession`]: one connection of an enrolled device to its hub's `/connect` endpoint.

use super::{bounded, HubClientError, SYNC_BATCH_BYTES};
use crate::directory::share::{DirectoryDownload, DirectoryStep};
use crate::directory::FeedError;
use crate::identity::enrolment::{require_hub, DeviceMessage, HubMessage};
use crate::identity::sync_parts::{SyncJoin, MAX_JOINED_BYTES};
use crate::identity::{Certificate, Channel, Refusal, RevocationList};
use crate::model::Role;
use crate::{Error, Id, Result, Store, SyncProgress, SyncSession, SyncStats};

/// What a connection to the hub is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HubPurpose {
    /// Authenticate, install the revocation list and bring the services directory up to date;
    /// no documents.
    Connect,
    /// As `Connect`, then one sync session of the store's documents with the hub.
    Sync,
}

/// Where a [`HubSession`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HubPhase {
    /// The authenticated channel's handshake.
    Handshake,
    /// Waiting for the hub's revocation list (sent first once the channel is open).
    Revocations,
    /// Receiving the services directory.
    Directory,
    /// The sync session of the store's documents.
    Syncing,
    /// The exchange is complete ([`HubSession::outcome`]); with a sync session, live mode may
    /// go on ([`HubSession::poll`]).
    Done,
    /// The exchange failed; start a new one.
    Failed,
}

/// What became of the hub's services directory.
#[derive(Clone, Debug, PartialEq)]
pub enum DirectoryOutcome {
    /// The hub's answer, or the import of what it sent (never `Receiving`).
    Step(DirectoryStep),
    /// The hub's directory is older than the one the store holds (imported from a newer file):
    /// the store keeps its own.
    KeptNewer,
}

/// What one frame from the hub led to.
#[derive(Clone, Debug, PartialEq)]
pub struct HubStep {
    /// Frames to send to the hub, in order, all at once (zero or more: up to
    /// [`EARLY_FRAMES`](super::EARLY_FRAMES) with the last handshake message; more when a sync
    /// message is larger than one frame and travels in parts, `crate::identity::sync_parts`).
    pub send: Vec<Vec<u8>>,
    /// Whether the exchange is complete: close the connection (or, after a sync, stay for live
    /// mode).
    pub done: bool,
    /// Where the session now is.
    pub phase: HubPhase,
    /// People whose documents this frame changed on the store.
    pub changed: Vec<Id>,
}

/// What a completed [`HubSession`] learnt and did.
#[derive(Clone, Debug, PartialEq)]
pub struct HubOutcome {
    /// The hub's verified certificate.
    pub hub: Certificate,
    /// The newest revocation list the hub sent (`None`: its organisation never revoked a
    /// device).
    pub revocations: Option<RevocationList>,
    /// Whether a list newer than the installed one was installed.
    pub revocations_installed: bool,
    /// What became of the services directory (`None` for a patient's store, which does not
    /// receive it).
    pub directory: Option<DirectoryOutcome>,
    /// People whose documents changed on this store (empty without a sync session).
    pub changed: Vec<Id>,
    /// Sync messages and bytes exchanged (zero without a sync session).
    pub stats: SyncStats,
}

/// One connection of an enrolled store's device to its hub, driven by the frames the caller's
/// transport receives. Made by [`HubSession::start`]; every frame from the hub goes to
/// [`HubSession::receive`], whose [`HubStep::send`] frames go back, until a step is `done`.
/// After an error the session is [`HubPhase::Failed`] and refuses every later frame; nothing of
/// the refused frame was stored.
#[derive(Debug)]
pub struct HubSession {
    purpose: HubPurpose,
    phase: HubPhase,
    channel: Channel,
    patient: bool,
    hub: Option<Certificate>,
    revocations: Option<RevocationList>,
    revocations_installed: bool,
    download: Option<DirectoryDownload>,
    directory: Option<DirectoryOutcome>,
    sync: Option<SyncSession>,
    /// The leading parts of a sync message from the hub larger than one frame.
    join: SyncJoin,
    /// Frames of a live-mode message larger than one frame that [`HubSession::poll`] has not
    /// handed out yet: they go before anything else.
    outbox: std::collections::VecDeque<Vec<u8>>,
}

impl HubSession {
    /// Starts a connection for `purpose`: the session and the first frame to send (the
    /// channel's first handshake message).
    ///
    /// # Errors
    /// [`Error::Untrusted`] (`not enrolled`) for a store not enrolled with an organisation;
    /// storage errors.
    pub fn start(store: &Store, purpose: HubPurpose) -> Result<(HubSession, Vec<u8>)> {
        let (channel, first) = Channel::initiate(store.channel_policy(false)?)?;
        Ok((
            HubSession {
                purpose,
                phase: HubPhase::Handshake,
                channel,
                patient: store.info().role == Role::Patient,
                hub: None,
                revocations: None,
                revocations_installed: false,
                download: None,
                directory: None,
                sync: None,
                join: SyncJoin::new(MAX_JOINED_BYTES),
                outbox: std::collections::VecDeque::new(),
            },
            first,
        ))
    }

    /// Where the session is.
    pub fn phase(&self) -> HubPhase {
        self.phase
    }

    /// The hub's verified certificate, once the channel is open.
    pub fn hub(&self) -> Option<&Certificate> {
        self.hub.as_ref()
    }

    /// The sync session's progress (documents and bytes of what both sides announced), once it
    /// started.
    pub fn sync_progress(&self) -> Option<SyncProgress> {
        self.sync.as_ref().map(SyncSession::progress)
    }

    /// What the session learnt and did, once it is [`HubPhase::Done`].
    pub fn outcome(&self) -> Option<HubOutcome> {
        if self.phase != HubPhase::Done {
            return None;
        }
        Some(HubOutcome {
            hub: self.hub.clone()?,
            revocations: self.revocations.clone(),
            revocations_installed: self.revocations_installed,
            directory: self.directory.clone(),
            changed: self
                .sync
                .as_ref()
                .map(SyncSession::changed_people)
                .unwrap_or_default(),
            stats: self
                .sync
                .as_ref()
                .map(SyncSession::stats)
                .unwrap_or_default(),
        })
    }

    /// Takes one frame from the hub into `store`.
    ///
    /// # Errors
    /// [`HubClientError::TooLarge`]; [`Error::Untrusted`] when the channel refuses the hub (not
    /// the organisation's hub, expired, revoked; a frame altered, replayed or reordered) or a
    /// message does not decode; [`HubClientError::Unexpected`] for a message out of place;
    /// the directory's refusals ([`Error::DirectoryShare`], [`Error::Feed`]) and the sync
    /// engine's ([`Error::Sync`], [`Error::NotPermitted`], ...); [`HubClientError::Finished`]
    /// after an error. Each ends the session.
    pub fn receive(&mut self, store: &Store, frame: &[u8]) -> Result<HubStep> {
        if self.phase == HubPhase::Failed {
            return Err(HubClientError::Finished.into());
        }
        let mut step = HubStep {
            send: Vec::new(),
            done: false,
            phase: self.phase,
            changed: Vec::new(),
        };
        match self.step(store, frame, &mut step) {
            Ok(()) => {
                // What poll has not handed out yet goes first: a sync message's parts must
                // reach the hub together.
                if !self.outbox.is_empty() {
                    let mut send: Vec<Vec<u8>> = self.outbox.drain(..).collect();
                    send.append(&mut step.send);
                    step.send = send;
                }
                step.phase = self.phase;
                step.done = self.phase == HubPhase::Done;
                Ok(step)
            }
            Err(e) => {
                self.phase = HubPhase::Failed;
                Err(e)
            }
        }
    }

    /// Live mode, once a sync session completed: a frame carrying the store's edits made since,
    /// or `None` when there is nothing new or a round is still in flight. A message larger than
    /// one frame is handed out a frame per call (call again until `None`; a frame from the hub
    /// meanwhile sends the rest first, in its [`HubStep::send`]).
    ///
    /// # Errors
    /// [`HubClientError::Finished`] when the session is not done or has no sync session;
    /// storage errors (the session then fails).
    pub fn poll(&mut self, store: &Store) -> Result<Option<Vec<u8>>> {
        let (HubPhase::Done, Some(session)) = (self.phase, self.sync.as_mut()) else {
            return Err(HubClientError::Finished.into());
        };
        if let Some(frame) = self.outbox.pop_front() {
            return Ok(Some(frame));
        }
        let message = match store.sync_poll(session) {
            Ok(m) => m,
            Err(e) => {
                self.phase = HubPhase::Failed;
                return Err(e);
            }
        };
        let Some(message) = message else {
            return Ok(None);
        };
        let frames = self.seal_sync(message)?;
        self.outbox.extend(frames);
        Ok(self.outbox.pop_front())
    }

    /// The transport closed: `Ok` when the exchange was complete, else why it is not.
    ///
    /// # Errors
    /// [`HubClientError::Closed`] before the exchange was complete (during the handshake: the
    /// hub refused this device).
    pub fn closed(&mut self) -> Result<()> {
        let during = match self.phase {
            HubPhase::Done => return Ok(()),
            HubPhase::Failed => return Err(HubClientError::Finished.into()),
            HubPhase::Handshake => "during the handshake (it refused this device)",
            HubPhase::Revocations => {
                "before sending the revocation list (it refused this device: revoked, expired or not enrolled by it)"
            }
            HubPhase::Directory => "before sending the services directory",
            HubPhase::Syncing => "during the sync session",
        };
        self.phase = HubPhase::Failed;
        Err(HubClientError::Closed(during).into())
    }

    fn step(&mut self, store: &Store, frame: &[u8], step: &mut HubStep) -> Result<()> {
        let frame = bounded(frame)?;
        if self.phase == HubPhase::Handshake {
            if let Some(last) = self.channel.receive_handshake(frame)? {
                // The device's last handshake message (message 3): its first requests go with it.
                step.send.push(last);
                self.send_early(store, step)?;
            }
            if !self.channel.is_open() {
                return Ok(());
            }
            // Message 4 proved the hub: from here on its frames are opened and applied.
            let peer = self.channel.peer().ok_or(Refusal::ChannelBroken)?;
            let hub = require_hub(peer)?.clone();
            if let Some(session) = self.sync.as_mut() {
                crate::sync::engine::bind_peer(session, peer);
            }
            self.hub = Some(hub);
            self.phase = HubPhase::Revocations;
            return Ok(());
        }
        let message = HubMessage::decode(&self.channel.open(frame)?)?;
        match (self.phase, message) {
            (_, HubMessage::Revocations(list)) => {
                self.install_revocations(store, list)?;
                if self.phase == HubPhase::Revocations {
                    self.after_revocations();
                }
            }
            (HubPhase::Directory, HubMessage::Directory(m)) => {
                let download = self.download.get_or_insert_with(DirectoryDownload::new);
                let outcome = match download.receive(store, &m) {
                    Ok(DirectoryStep::Receiving { .. }) => return Ok(()),
                    Ok(s) => DirectoryOutcome::Step(s),
                    Err(Error::Feed(FeedError::Older)) => DirectoryOutcome::KeptNewer,
                    Err(e) => return Err(e),
                };
                self.directory = Some(outcome);
                self.download = None;
                self.phase = self.after_directory();
            }
            (HubPhase::Syncing | HubPhase::Done, HubMessage::SyncPart(part)) => {
                self.join.part(&part)?;
            }
            (HubPhase::Syncing | HubPhase::Done, HubMessage::Sync(last)) => {
                let bytes = self.join.last(last)?;
                let session = self.sync.as_mut().ok_or(HubClientError::Unexpected(
                    "a sync message before a session",
                ))?;
                let received = store.sync_receive(session, &bytes)?;
                step.changed = received.changed_people;
                match received.reply {
                    Some(reply) => step.send.extend(self.seal_sync(reply)?),
                    None if received.complete => self.phase = HubPhase::Done,
                    // Live mode: rounds started by either side may cross (as over the TCP
                    // transport); the session settles with the next message either way.
                    None if self.phase == HubPhase::Done => {}
                    None => {
                        return Err(HubClientError::Unexpected(
                            "a sync message that left the session waiting with nothing to send",
                        )
                        .into())
                    }
                }
            }
            // Live mode: the hub's answer to a round this device started (crossing rounds may
            // leave this side not yet complete: the next message settles it).
            (HubPhase::Done, HubMessage::SyncDone) => {}
            (HubPhase::Syncing, HubMessage::SyncDone) => {
                let complete = self.sync.as_ref().is_some_and(SyncSession::is_complete);
                if !complete {
                    return Err(HubClientError::Unexpected(
                        "the end of the sync session before this device was complete",
                    )
                    .into());
                }
                self.phase = HubPhase::Done;
            }
            (_, HubMessage::Directory(_)) => {
                return Err(HubClientError::Unexpected("a directory message out of place").into())
            }
            (_, HubMessage::Sync(_) | HubMessage::SyncPart(_) | HubMessage::SyncDone) => {
                return Err(HubClientError::Unexpected("a sync message out of place").into())
            }
        }
        Ok(())
    }

    /// This step sends the device's last handshake message (message 3): the directory request
    /// and the sync session's first message go in the same flight ([`EARLY_FRAMES`](super::EARLY_FRAMES)), so that
    /// the hub answers everything with its own last handshake message and an idle reconnect
    /// needs no round trip after the handshake. Neither carries a document or anything of a
    /// person: the request names the directory version this store holds; the first sync
    /// message is this store's hello (its store id, role and person, as its certificate in
    /// message 3 says) and a 32-byte digest of its documents' heads. They are sealed for the
    /// peer of message 2, which proves itself the organisation's hub only in message 4: until
    /// then nothing it sends is opened, and the session is bound to the hub's certificate
    /// before its first sync message is applied. The hub opens them only once it has admitted
    /// this device.
    fn send_early(&mut self, store: &Store, step: &mut HubStep) -> Result<()> {
        if !self.patient {
            let have = store.directory_have()?.encode();
            step.send.push(self.channel.seal_early(&have)?);
            self.download = Some(DirectoryDownload::new());
        }
        if self.purpose == HubPurpose::Sync {
            let (mut session, first) = store.sync_start()?;
            session.set_max_message_bytes(SYNC_BATCH_BYTES);
            self.sync = Some(session);
            let frame = DeviceMessage::Sync(first).encode();
            step.send.push(self.channel.seal_early(&frame)?);
        }
        Ok(())
    }

    /// The revocation list arrived (first thing after the channel opened): wait for the
    /// directory this device asked for, or go on without it.
    fn after_revocations(&mut self) {
        self.phase = if self.patient {
            self.after_directory()
        } else {
            HubPhase::Directory
        };
    }

    /// The directory is settled: done, or the sync session (already started) goes on.
    fn after_directory(&self) -> HubPhase {
        match self.purpose {
            HubPurpose::Connect => HubPhase::Done,
            HubPurpose::Sync => HubPhase::Syncing,
        }
    }

    /// The sealed frames that carry sync `message` (one, unless it is larger than a frame).
    fn seal_sync(&mut self, message: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        let mut frames = Vec::new();
        for part in DeviceMessage::sync_parts(message) {
            frames.push(self.channel.seal(&part.encode())?);
        }
        Ok(frames)
    }

    /// Installs `list` when it is newer than the installed one.
    fn install_revocations(&mut self, store: &Store, list: Option<Vec<u8>>) -> Result<()> {
        let Some(bytes) = list else {
            return Ok(());
        };
        let identity = store.device_identity()?;
        let root = identity.trust_root.ok_or(Refusal::Unauthenticated)?;
        let list = RevocationList::decode(&bytes, &root)?;
        let installed_version = identity.revocations.map_or(0, |l| l.version);
        if list.version > installed_version {
            store.update_trust(&bytes)?;
            self.revocations_installed = true;
        }
        if self
            .revocations
            .as_ref()
            .is_none_or(|l| l.version < list.version)
        {
            self.revocations = Some(list);
        }
        Ok(())
    }
}
