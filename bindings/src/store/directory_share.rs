//! The organisation's services directory from its hub, over the app's own connection to the
//! hub (`docs/directory.md#from-the-hub`). Once the authenticated channel to the hub is open:
//!
//! ```text
//! send(channel.seal(store.directoryHaveMessage()))
//! val download = store.directoryDownload()
//! loop: step = download.receive(channel.open(frame))
//!       Receiving -> read the next frame;  NotDirectory -> another kind of hub message
//!       UpToDate / NoDirectory / NotOffered / Applied -> done
//! ```
//!
//! A directory arrives in chunks and is imported whole, only if it matches the digest the hub
//! announced, with the rules of `directoryImport`; on any error the store's directory is
//! unchanged.
//!
//! `DirectoryStep` is written here rather than derived on core's
//! `linkwork_core::directory::share::DirectoryStep` because its foreign shape differs: it has a
//! `NotDirectory` step (an app feeds it every message from the hub; core's caller decodes
//! first) and names the import report. The report itself is core's, derived there.

use std::sync::{Arc, Mutex, PoisonError};

use linkwork_core::directory::share::{
    self, DirectoryDownload as CoreDownload, DirectoryMessage, DirectoryStep as CoreStep,
};
use linkwork_core::Error as CoreError;

use super::LinkWorkStore;
use crate::asyncify::blocking_and_async;
use crate::convert::to_i64;
use crate::LinkWorkError;
use linkwork_core::directory::DirectoryImportReport;

/// What a [`DirectoryDownload`] made of one message from the hub.
#[derive(uniffi::Enum)]
pub enum DirectoryStep {
    /// Not a directory message (e.g. the hub's revocation list): handle it elsewhere.
    NotDirectory,
    /// A chunk was taken; read the next message.
    Receiving {
        /// Bytes received so far.
        received: i64,
        /// The directory's size in bytes.
        total: i64,
    },
    /// The store holds the hub's directory; done.
    UpToDate,
    /// The hub has no directory yet; done.
    NoDirectory,
    /// This device's role does not receive the directory; done.
    NotOffered,
    /// The directory was received whole and imported; done.
    Applied {
        /// The import report (per-record problems, the version now held).
        report: DirectoryImportReport,
    },
}

impl From<CoreStep> for DirectoryStep {
    fn from(s: CoreStep) -> Self {
        match s {
            CoreStep::Receiving { received, total } => DirectoryStep::Receiving {
                received: to_i64(received),
                total: to_i64(total),
            },
            CoreStep::UpToDate => DirectoryStep::UpToDate,
            CoreStep::NoDirectory => DirectoryStep::NoDirectory,
            CoreStep::NotOffered => DirectoryStep::NotOffered,
            CoreStep::Applied(report) => DirectoryStep::Applied { report },
        }
    }
}

/// One directory transfer from the hub into a store, started after sending
/// `directoryHaveMessage()`. Feed it every message opened from the hub's channel until it
/// returns a step other than `Receiving` or `NotDirectory`; after that, or after an error,
/// start a new one.
#[derive(uniffi::Object)]
pub struct DirectoryDownload {
    store: Arc<LinkWorkStore>,
    inner: Mutex<CoreDownload>,
}

blocking_and_async! {
impl DirectoryDownload {
    /// Takes one message opened from the hub's channel. Touches disk when the last chunk
    /// arrives (the import).
    ///
    /// Errors: `Untrusted` for a directory message that is malformed, over 64 MiB, out of
    /// order, or does not match its digest, or for any message after the transfer ended;
    /// `InvalidInput` (field `feed`) or `Conflict` (older) for a directory the import refuses;
    /// `Storage`. The store's directory is then unchanged.
    pub fn receive / receive_blocking(&self, message: Vec<u8>) -> Result<DirectoryStep, LinkWorkError> {
        if !share::is_share_message(&message) {
            return Ok(DirectoryStep::NotDirectory);
        }
        let decoded = DirectoryMessage::decode(&message).map_err(CoreError::from)?;
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(inner.receive(&self.store.inner, &decoded)?.into())
    }
}}

#[uniffi::export]
impl DirectoryDownload {
    /// Whether the transfer ended (answered, applied or refused).
    pub fn is_finished(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_finished()
    }
}

#[uniffi::export]
impl LinkWorkStore {
    /// A new transfer of the hub's directory into this store.
    pub fn directory_download(self: Arc<Self>) -> Arc<DirectoryDownload> {
        Arc::new(DirectoryDownload {
            store: self,
            inner: Mutex::new(CoreDownload::new()),
        })
    }
}

blocking_and_async! {
impl LinkWorkStore {
    /// The message telling the hub which directory this store holds (its content digest):
    /// seal it with the hub's channel and send it, then feed the answers to
    /// `directoryDownload()`. 38 bytes or fewer.
    ///
    /// Errors: `Untrusted` for a patient's store (only link workers and team leads receive the
    /// directory); `Storage`.
    pub fn directory_have_message / directory_have_message_blocking(&self) -> Result<Vec<u8>, LinkWorkError> {
        Ok(self.inner.directory_have()?.encode())
    }
}}
