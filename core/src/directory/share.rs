//! Sharing the organisation's directory from its hub to its phones, without I/O: the messages
//! both sides exchange inside the authenticated channel once it is open
//! (`docs/directory.md#from-the-hub`), the hub's decision what to answer, and the phone's
//! reassembly of a directory sent in chunks.
//!
//! ```text
//! phone                                                hub
//! Have { digest of its directory, or none }  ──────▶   (role link worker or team lead?)
//!                                            ◀──────   UpToDate | NoDirectory | NotOffered
//!                                            ◀──────   or Chunk 0..n of the hub's feed
//! ```
//!
//! The digest is the directory's content hash ([`super::DirectoryVersion::content_hash`]): the
//! SHA-256 of the cleaned services, which the phone computes itself from what it imported, so
//! a phone cannot claim a directory it does not hold, and a phone that holds the hub's
//! directory costs one small message each way. The hub sends its feed (the bytes it validated,
//! at most [`MAX_DIRECTORY_BYTES`]) in chunks of at most [`CHUNK_BYTES`]; the phone gathers
//! them in order, then imports the feed with the same rules as a file import
//! ([`crate::Store::directory_import`]) and only if its content hash is the announced digest —
//! all in one transaction, so a cut or broken transfer leaves its directory as it was.
//!
//! Who receives the directory: devices certified as link workers or team leads
//! ([`receives_directory`]). An administrator's device holds no caseload and a patient's phone
//! searches no directory: the hub answers them [`DirectoryMessage::NotOffered`], and a
//! patient's store neither asks nor imports.
//!
//! Encoding: the magic `LWY`, a version byte, a kind byte, then the fields (digests raw,
//! integers big-endian); one encoding per message, anything else refused.

use super::{DirectoryImportReport, MAX_FEED_BYTES};
use crate::error::Result;
use crate::identity::CertRole;
use crate::model::Role;
use crate::store::Store;

/// The first bytes of every directory-sharing message.
pub const SHARE_MAGIC: &[u8; 3] = b"LWY";
/// The encoding version this build writes and reads.
const VERSION: u8 = 1;
/// The largest directory a hub sends and a phone accepts, in bytes (the feed file limit).
pub const MAX_DIRECTORY_BYTES: usize = MAX_FEED_BYTES;
/// The most feed bytes in one chunk: a sealed chunk stays well under the hub's and the CLI's
/// 128 KiB WebSocket message limit.
pub const CHUNK_BYTES: usize = 48 * 1024;
/// The largest encoded message: a full chunk and its header.
pub const MAX_SHARE_MESSAGE: usize = CHUNK_BYTES + 64;

/// A directory content digest: the SHA-256 of the cleaned services.
pub type DirectoryDigest = [u8; 32];

/// A message of directory sharing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectoryMessage {
    /// Phone to hub: the digest of the directory the phone holds (`None` before its first).
    Have(Option<DirectoryDigest>),
    /// Hub to phone: the phone holds the hub's directory; nothing follows.
    UpToDate,
    /// Hub to phone: the hub holds no directory yet; nothing follows.
    NoDirectory,
    /// Hub to phone: this device's role does not receive the directory; nothing follows.
    NotOffered,
    /// Hub to phone: one piece of the hub's feed, in order from index 0.
    Chunk {
        /// The content digest of the whole directory.
        digest: DirectoryDigest,
        /// The feed's total size in bytes.
        total: u32,
        /// This chunk's position (the first is 0).
        index: u32,
        /// The chunk's bytes ([`CHUNK_BYTES`] except in the last chunk).
        bytes: Vec<u8>,
    },
}

/// Why a directory-sharing message or transfer was refused. The phone's directory is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShareError {
    /// Not a well-formed directory message (wrong magic or kind, truncated, trailing bytes,
    /// longer than [`MAX_SHARE_MESSAGE`]).
    #[error("malformed directory message")]
    Malformed,
    /// Written by a newer encoding than this build knows.
    #[error("directory message of an unknown version")]
    UnknownVersion,
    /// The announced directory is larger than [`MAX_DIRECTORY_BYTES`].
    #[error("the directory is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A chunk out of order, of the wrong size, or of another directory than the chunks before.
    #[error("directory chunks out of order or inconsistent")]
    OutOfOrder,
    /// The directory received does not have the content digest the hub announced.
    #[error("the directory received does not match its digest")]
    DigestMismatch,
    /// A message the receiving side never accepts (a phone's `Have` sent to a phone, a
    /// chunk after the transfer finished).
    #[error("unexpected directory message")]
    Unexpected,
    /// A patient's store neither asks for nor imports the organisation's directory.
    #[error("a patient's store does not receive the directory")]
    NotForThisStore,
}

impl ShareError {
    /// The identity refusal standing for this error where a [`crate::identity::Refusal`] is
    /// expected ([`crate::identity::enrolment::HubMessage::decode`]).
    pub fn to_refusal(self) -> crate::identity::Refusal {
        match self {
            ShareError::UnknownVersion => crate::identity::Refusal::UnknownVersion,
            _ => crate::identity::Refusal::Malformed,
        }
    }
}

/// Whether a device certified with `role` receives the organisation's directory: link
/// workers and team leads do; administrators, patients and hubs do not.
pub fn receives_directory(role: CertRole) -> bool {
    matches!(role, CertRole::LinkWorker | CertRole::TeamLead)
}

/// Whether `bytes` (a message opened from the channel) is a directory-sharing message, to
/// dispatch it before decoding.
pub fn is_share_message(bytes: &[u8]) -> bool {
    bytes.starts_with(SHARE_MAGIC)
}

/// Lower-case hex of a digest, as [`super::DirectoryVersion::content_hash`] writes it.
pub fn digest_hex(digest: &DirectoryDigest) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest from its lower-case hex form; `None` for anything else.
pub fn digest_from_hex(hex: &str) -> Option<DirectoryDigest> {
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// What a hub answers a phone's [`DirectoryMessage::Have`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HubAnswer {
    /// Send [`DirectoryMessage::NotOffered`]: the device's role does not receive it.
    NotOffered,
    /// Send [`DirectoryMessage::NoDirectory`].
    NoDirectory,
    /// Send [`DirectoryMessage::UpToDate`].
    UpToDate,
    /// Send the directory: [`chunks`] of the hub's feed.
    Send,
}

/// The hub's decision for a device certified with `role` that holds `have`, when the hub's
/// own directory has digest `hub` (`None`: it has none).
pub fn answer(
    role: CertRole,
    have: Option<DirectoryDigest>,
    hub: Option<DirectoryDigest>,
) -> HubAnswer {
    match hub {
        _ if !receives_directory(role) => HubAnswer::NotOffered,
        None => HubAnswer::NoDirectory,
        Some(h) if have == Some(h) => HubAnswer::UpToDate,
        Some(_) => HubAnswer::Send,
    }
}

/// The chunks that send `feed` (whose content digest is `digest`), in order.
///
/// # Errors
/// [`ShareError::TooLarge`] for an empty feed or one over [`MAX_DIRECTORY_BYTES`].
pub fn chunks(
    digest: DirectoryDigest,
    feed: &[u8],
) -> std::result::Result<impl Iterator<Item = DirectoryMessage> + '_, ShareError> {
    let total = u32::try_from(feed.len())
        .ok()
        .filter(|_| !feed.is_empty() && feed.len() <= MAX_DIRECTORY_BYTES)
        .ok_or(ShareError::TooLarge {
            limit: MAX_DIRECTORY_BYTES,
        })?;
    Ok(feed
        .chunks(CHUNK_BYTES)
        .enumerate()
        .map(move |(i, bytes)| DirectoryMessage::Chunk {
            digest,
            total,
            index: u32::try_from(i).unwrap_or(u32::MAX),
            bytes: bytes.to_vec(),
        }))
}

const HAVE: u8 = 1;
const UP_TO_DATE: u8 = 2;
const NO_DIRECTORY: u8 = 3;
const NOT_OFFERED: u8 = 4;
const CHUNK: u8 = 5;

impl DirectoryMessage {
    /// The canonical bytes (sealed by the channel before they are sent).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(SHARE_MAGIC);
        out.push(VERSION);
        match self {
            DirectoryMessage::Have(digest) => {
                out.push(HAVE);
                match digest {
                    Some(d) => {
                        out.push(1);
                        out.extend_from_slice(d);
                    }
                    None => out.push(0),
                }
            }
            DirectoryMessage::UpToDate => out.push(UP_TO_DATE),
            DirectoryMessage::NoDirectory => out.push(NO_DIRECTORY),
            DirectoryMessage::NotOffered => out.push(NOT_OFFERED),
            DirectoryMessage::Chunk {
                digest,
                total,
                index,
                bytes,
            } => {
                out.reserve(bytes.len() + 48);
                out.push(CHUNK);
                out.extend_from_slice(digest);
                out.extend_from_slice(&total.to_be_bytes());
                out.extend_from_slice(&index.to_be_bytes());
                let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(bytes);
            }
        }
        out
    }

    /// Decodes a message from the peer (opened by the channel): strictly, refusing anything
    /// longer than [`MAX_SHARE_MESSAGE`] before reading it.
    ///
    /// # Errors
    /// [`ShareError::Malformed`], [`ShareError::UnknownVersion`].
    pub fn decode(bytes: &[u8]) -> std::result::Result<DirectoryMessage, ShareError> {
        if bytes.len() > MAX_SHARE_MESSAGE || !is_share_message(bytes) || bytes.len() < 5 {
            return Err(ShareError::Malformed);
        }
        if bytes[3] != VERSION {
            return Err(ShareError::UnknownVersion);
        }
        let mut r = Cursor {
            input: bytes,
            pos: 5,
        };
        let out = match bytes[4] {
            HAVE => DirectoryMessage::Have(match r.take(1)?[0] {
                0 => None,
                1 => Some(r.digest()?),
                _ => return Err(ShareError::Malformed),
            }),
            UP_TO_DATE => DirectoryMessage::UpToDate,
            NO_DIRECTORY => DirectoryMessage::NoDirectory,
            NOT_OFFERED => DirectoryMessage::NotOffered,
            CHUNK => {
                let digest = r.digest()?;
                let total = r.u32()?;
                let index = r.u32()?;
                let len = usize::try_from(r.u32()?).map_err(|_| ShareError::Malformed)?;
                if len > CHUNK_BYTES {
                    return Err(ShareError::Malformed);
                }
                DirectoryMessage::Chunk {
                    digest,
                    total,
                    index,
                    bytes: r.take(len)?.to_vec(),
                }
            }
            _ => return Err(ShareError::Malformed),
        };
        if r.pos != bytes.len() {
            return Err(ShareError::Malformed);
        }
        Ok(out)
    }
}

struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], ShareError> {
        let end = self.pos.checked_add(n).ok_or(ShareError::Malformed)?;
        let out = self.input.get(self.pos..end).ok_or(ShareError::Malformed)?;
        self.pos = end;
        Ok(out)
    }

    fn digest(&mut self) -> std::result::Result<DirectoryDigest, ShareError> {
        let mut d = [0u8; 32];
        d.copy_from_slice(self.take(32)?);
        Ok(d)
    }

    fn u32(&mut self) -> std::result::Result<u32, ShareError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_be_bytes(b))
    }
}

/// What a phone's [`DirectoryDownload`] made of one message from the hub.
#[derive(Clone, Debug, PartialEq)]
pub enum DirectoryStep {
    /// A chunk was taken; more follow.
    Receiving {
        /// Bytes received so far.
        received: u64,
        /// The directory's size in bytes.
        total: u64,
    },
    /// The phone holds the hub's directory.
    UpToDate,
    /// The hub holds no directory yet.
    NoDirectory,
    /// This device's role does not receive the directory.
    NotOffered,
    /// The directory was received whole and imported (or found identical): the import report.
    Applied(DirectoryImportReport),
}

/// A phone's side of one directory transfer: takes the hub's answer to its
/// [`DirectoryMessage::Have`], gathers the chunks in order (refusing a transfer over
/// [`MAX_DIRECTORY_BYTES`] before gathering it) and, once whole, imports the feed if its
/// content digest is the announced one. One download per `Have`; a refusal ends it.
#[derive(Debug, Default)]
pub struct DirectoryDownload {
    digest: Option<DirectoryDigest>,
    total: usize,
    next: u32,
    buf: Vec<u8>,
    finished: bool,
}

impl DirectoryDownload {
    /// A download waiting for the hub's answer.
    pub fn new() -> DirectoryDownload {
        DirectoryDownload::default()
    }

    /// Whether the transfer ended (answered, applied or refused).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Takes one message from the hub into `store`.
    ///
    /// # Errors
    /// [`ShareError`] (as [`crate::Error::DirectoryShare`]): `TooLarge`, `OutOfOrder`,
    /// `DigestMismatch`, `Unexpected` (a `Have`, or anything after the end),
    /// `NotForThisStore` (a patient's store); the import's own refusals
    /// ([`crate::Error::Feed`]: not a feed, no valid service, older than the directory held).
    /// After an error the download is finished and the store's directory unchanged.
    pub fn receive(&mut self, store: &Store, message: &DirectoryMessage) -> Result<DirectoryStep> {
        if self.finished {
            return Err(ShareError::Unexpected.into());
        }
        let out = self.step(store, message);
        if !matches!(out, Ok(DirectoryStep::Receiving { .. })) {
            self.finished = true;
            self.buf = Vec::new();
        }
        out
    }

    fn step(&mut self, store: &Store, message: &DirectoryMessage) -> Result<DirectoryStep> {
        if store.info().role == Role::Patient {
            return Err(ShareError::NotForThisStore.into());
        }
        let (digest, total, index, bytes) = match message {
            DirectoryMessage::UpToDate => return Ok(DirectoryStep::UpToDate),
            DirectoryMessage::NoDirectory => return Ok(DirectoryStep::NoDirectory),
            DirectoryMessage::NotOffered => return Ok(DirectoryStep::NotOffered),
            DirectoryMessage::Have(_) => return Err(ShareError::Unexpected.into()),
            DirectoryMessage::Chunk {
                digest,
                total,
                index,
                bytes,
            } => (digest, *total as usize, *index, bytes),
        };
        match self.digest {
            None => {
                if total > MAX_DIRECTORY_BYTES {
                    return Err(ShareError::TooLarge {
                        limit: MAX_DIRECTORY_BYTES,
                    }
                    .into());
                }
                if total == 0 || index != 0 {
                    return Err(ShareError::OutOfOrder.into());
                }
                self.digest = Some(*digest);
                self.total = total;
                // Grown as chunks arrive, never beyond the announced (bounded) total.
                self.buf = Vec::with_capacity(total.min(4 * CHUNK_BYTES));
            }
            Some(d) if d != *digest || self.total != total || index != self.next => {
                return Err(ShareError::OutOfOrder.into());
            }
            Some(_) => {}
        }
        let remaining = self.total - self.buf.len();
        if bytes.len() != remaining.min(CHUNK_BYTES) {
            return Err(ShareError::OutOfOrder.into());
        }
        self.buf.extend_from_slice(bytes);
        self.next = self.next.saturating_add(1);
        if self.buf.len() < self.total {
            return Ok(DirectoryStep::Receiving {
                received: self.buf.len() as u64,
                total: self.total as u64,
            });
        }
        let feed = std::mem::take(&mut self.buf);
        let report = store.directory_import_shared(&feed, digest)?;
        Ok(DirectoryStep::Applied(report))
    }
}

impl Store {
    /// The message that tells the hub which directory this store holds (send it sealed, once
    /// the channel to the hub is open; feed the answers to a [`DirectoryDownload`]).
    ///
    /// # Errors
    /// [`ShareError::NotForThisStore`] for a patient's store; storage errors.
    pub fn directory_have(&self) -> Result<DirectoryMessage> {
        if self.info().role == Role::Patient {
            return Err(ShareError::NotForThisStore.into());
        }
        let version = self.directory_version()?;
        Ok(DirectoryMessage::Have(
            version.and_then(|v| digest_from_hex(&v.content_hash)),
        ))
    }
}

#[cfg(test)]
#[path = "share_tests.rs"]
mod tests;
