//! The sync message envelope: a small, bounds-checked binary format carrying, for one round,
//! the sender's hello, digest, manifest, tombstones and document payloads for every document.
//!
//! ```text
//! magic "LWS" version(3)  flags(u8: 1 hello, 2 done, 4 manifest, 8 full manifest)
//! [hello: store_id(16) role(u8) has_person(u8) person(16)?]
//! digest(32) doc_count(varint) pending_docs(varint) pending_bytes(varint)
//! [manifest: count(varint) { person(16) kind(u8) heads_tag(8) }*]   (flag 8: the manifest is full)
//! tombstones: count(varint) { person(16) erased_at_ms(i64 LE) signed(u8) [signer(32) signature(64)] }*
//! docs: count(varint) { person(16) kind(u8) payload(u8: 0 whole document, 1 sync message) len(varint) bytes }*
//! signatures: count(varint) { hash(32) signer(32) signature(64) adopted(u8) valid_at(i64 LE) }*
//! certificates: count(varint) { len(varint) certificate }*
//! [drops: count(varint) { person(16) }*]   (flag 16)
//! crc32(4, LE: CRC-32 of every byte before it)
//! ```
//! The drops section (flag 16, issue 16) is the hub's "drop your copy" request (from a verified
//! hub: the people this device must stop holding, who were moved out of its caseload) or a
//! device's acknowledgement (from a device to its hub: the people it dropped or does not hold).
//! A message without drops is byte for byte a version 3 message, so the version stays 3; an
//! older version 3 build refuses a message carrying drops ("unknown flags") and stores
//! nothing.
//! Version 3 (issue 15, ADR 0007) added the signatures of the changes the documents carry,
//! the certificates of their signers, and tombstone signatures: a version 2 peer refuses a
//! version 3 message ("unsupported protocol version 3: update this app") and a version 3 store
//! refuses a version 2 message with an error naming the peer's version; neither stores
//! anything.
//! Every count and length is checked against the bytes that remain, so a hostile or truncated
//! message is an error, never a panic or an unbounded allocation.
//!
//! Version 2 (issue 13) added `pending_docs` / `pending_bytes` (what the sender still has to send
//! after this message, for progress), bounded tombstones per message, a CRC-32 trailer, and no
//! longer folds tombstones into the digest. The CRC tells damage in transit (a cut-off or
//! corrupted message: [`Error::Sync`] with `retryable`, a new session may succeed) from a
//! well-formed message that breaks the protocol (not retryable). It is not a security measure:
//! a hostile peer computes it like anyone else. A version 1 message is refused with an error that says so, and a
//! version 1 peer refuses ours with "unsupported protocol version 2": neither side stores
//! anything.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::identity::keys::PublicKey;
use crate::identity::{ChangeSignature, TombstoneSignature};
use crate::ids::Id;
use crate::model::{DocKind, Role};

const MAGIC: &[u8; 3] = b"LWS";
/// The protocol version this build speaks.
pub(crate) const VERSION: u8 = 3;
/// Largest message accepted (bytes), whatever the sender's batch size: one document larger
/// than the batch size travels alone, and documents are bounded by the import limit.
pub(crate) const MAX_MESSAGE_BYTES: usize = 80 * 1024 * 1024;
/// The most tombstones one message may carry; a sender with more spreads them over rounds.
pub(crate) const MAX_TOMBSTONES: usize = 1024;
/// The most change signatures one message may carry (137 bytes each: about 9 MiB, and about
/// three seconds of Ed25519 verification on a phone at worst).
pub(crate) const MAX_SIGNATURES: usize = 65_536;
/// The most certificates one message may carry, and the largest one accepted (a paired
/// phone's certificate carries its grant and the link worker's certificate: under 2 KiB).
pub(crate) const MAX_CERTIFICATES: usize = 1024;
pub(crate) const MAX_CERTIFICATE_BYTES: usize = 8 * 1024;
/// The bytes one change signature takes in a message.
pub(crate) const SIGNATURE_ENTRY_BYTES: usize = 32 + 32 + 64 + 1 + 8;

const FLAG_HELLO: u8 = 1;
const FLAG_DONE: u8 = 2;
const FLAG_MANIFEST: u8 = 4;
const FLAG_FULL_MANIFEST: u8 = 8;
const FLAG_DROPS: u8 = 16;
/// The most people one message may ask to drop (or acknowledge dropping); a hub with more
/// spreads them over sessions.
pub(crate) const MAX_DROPS: usize = 1024;

/// A document's key: its person and kind.
pub type DocKey = (Id, DocKind);

/// Who the sender of a sync message says it is (its first message only). A claim: an
/// authenticated session checks it against the peer's verified certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The sending store's id.
    pub store_id: Id,
    /// Its owner's role.
    pub role: Role,
    /// On a patient's store, its person.
    pub person: Option<Id>,
}

/// One document's content in a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Payload {
    /// The whole document (the receiver does not have it).
    Whole(Vec<u8>),
    /// An automerge sync message.
    Sync(Vec<u8>),
}

/// One round's message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Message {
    pub hello: Option<Hello>,
    pub done: bool,
    pub digest: [u8; 32],
    pub doc_count: u64,
    /// Documents the sender still has to send after this message (for progress).
    pub pending_docs: u64,
    /// Bytes of whole documents the sender still has to send after this message (an estimate:
    /// automerge sync messages are only counted once made).
    pub pending_bytes: u64,
    pub manifest: Option<Vec<(DocKey, [u8; 8])>>,
    /// The manifest lists every shared document (not only those changed since the last sync).
    pub full_manifest: bool,
    pub tombstones: Vec<(Id, i64)>,
    /// The signatures of tombstones, by person (a tombstone without one is unsigned).
    pub tombstone_signatures: HashMap<Id, TombstoneSignature>,
    pub docs: Vec<(DocKey, Payload)>,
    /// Signatures of the changes the documents carry.
    pub signatures: Vec<ChangeSignature>,
    /// Certificates of the signers (canonical bytes), each sent once per session.
    pub certificates: Vec<Vec<u8>>,
    /// "Drop your copy" requests (from a hub) or their acknowledgements (to a hub), by person.
    pub drops: Vec<Id>,
}

impl Message {
    /// Encodes the message.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let mut flags = 0;
        if self.hello.is_some() {
            flags |= FLAG_HELLO;
        }
        if self.done {
            flags |= FLAG_DONE;
        }
        if self.manifest.is_some() {
            flags |= FLAG_MANIFEST;
            if self.full_manifest {
                flags |= FLAG_FULL_MANIFEST;
            }
        }
        if !self.drops.is_empty() {
            flags |= FLAG_DROPS;
        }
        out.push(flags);
        if let Some(h) = &self.hello {
            out.extend_from_slice(h.store_id.as_bytes());
            out.push(role_byte(h.role));
            match h.person {
                Some(p) => {
                    out.push(1);
                    out.extend_from_slice(p.as_bytes());
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&self.digest);
        put_varint(&mut out, self.doc_count);
        put_varint(&mut out, self.pending_docs);
        put_varint(&mut out, self.pending_bytes);
        if let Some(m) = &self.manifest {
            put_varint(&mut out, m.len() as u64);
            for ((p, k), tag) in m {
                out.extend_from_slice(p.as_bytes());
                out.push(kind_byte(*k));
                out.extend_from_slice(tag);
            }
        }
        put_varint(&mut out, self.tombstones.len() as u64);
        for (p, at) in &self.tombstones {
            out.extend_from_slice(p.as_bytes());
            out.extend_from_slice(&at.to_le_bytes());
            match self.tombstone_signatures.get(p) {
                Some(sig) => {
                    out.push(1);
                    out.extend_from_slice(sig.signer.as_bytes());
                    out.extend_from_slice(&sig.signature);
                }
                None => out.push(0),
            }
        }
        put_varint(&mut out, self.docs.len() as u64);
        for ((p, k), payload) in &self.docs {
            out.extend_from_slice(p.as_bytes());
            out.push(kind_byte(*k));
            let (tag, bytes) = match payload {
                Payload::Whole(b) => (0u8, b),
                Payload::Sync(b) => (1u8, b),
            };
            out.push(tag);
            put_varint(&mut out, bytes.len() as u64);
            out.extend_from_slice(bytes);
        }
        put_varint(&mut out, self.signatures.len() as u64);
        for sig in &self.signatures {
            out.extend_from_slice(&sig.hash);
            out.extend_from_slice(sig.signer.as_bytes());
            out.extend_from_slice(&sig.signature);
            out.push(u8::from(sig.adopted));
            out.extend_from_slice(&sig.valid_at.to_le_bytes());
        }
        put_varint(&mut out, self.certificates.len() as u64);
        for cert in &self.certificates {
            put_varint(&mut out, cert.len() as u64);
            out.extend_from_slice(cert);
        }
        if !self.drops.is_empty() {
            put_varint(&mut out, self.drops.len() as u64);
            for p in &self.drops {
                out.extend_from_slice(p.as_bytes());
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes a message, refusing anything malformed, truncated, oversized or of another version.
    ///
    /// # Errors
    /// [`Error::Sync`] (not retryable) describing the structural problem.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Message> {
        if bytes.len() > MAX_MESSAGE_BYTES {
            return Err(Error::protocol("message is larger than the limit"));
        }
        // Bytes that do not even start like an envelope (two or more of the three magic bytes
        // wrong) come from something that does not speak this protocol: retrying will not help.
        let magic_misses = bytes.iter().zip(MAGIC).filter(|(b, m)| b != m).count()
            + MAGIC.len().saturating_sub(bytes.len());
        if magic_misses >= 2 {
            return Err(Error::protocol("not a linkwork sync message"));
        }
        // Then the checksum: a message damaged anywhere else (a byte of its magic or its
        // version included) is damage in transit, retryable. Version 1 had no checksum, so its
        // messages fail it and are recognised by their prefix.
        let crc_ok = bytes
            .split_last_chunk::<4>()
            .is_some_and(|(body, crc)| crc32fast::hash(body) == u32::from_le_bytes(*crc));
        let prefix_version = bytes.get(..3).filter(|m| *m == MAGIC).and(bytes.get(3));
        if !crc_ok {
            return Err(match prefix_version {
                // A version 1 message (no checksum), unless it is a current one whose version
                // byte was damaged to 1 (3 is one bit away): its checksum then matches with
                // the byte put back.
                Some(1) if !is_damaged_current(bytes) => old_version(1),
                _ => damaged(),
            });
        }
        let body = bytes.get(..bytes.len() - 4).unwrap_or_default();
        let mut r = Cursor {
            bytes: body,
            pos: 0,
        };
        if r.take(3)? != MAGIC {
            return Err(Error::protocol("not a linkwork sync message"));
        }
        let version = r.byte()?;
        if version < VERSION {
            return Err(old_version(version));
        }
        if version != VERSION {
            return Err(Error::protocol(format!(
                "unsupported protocol version {version} (this build speaks {VERSION}): \
                 update this app"
            )));
        }
        let flags = r.byte()?;
        if flags & !(FLAG_HELLO | FLAG_DONE | FLAG_MANIFEST | FLAG_FULL_MANIFEST | FLAG_DROPS) != 0
        {
            return Err(Error::protocol("unknown flags"));
        }
        let hello = if flags & FLAG_HELLO != 0 {
            let store_id = r.id()?;
            let role = role_from(r.byte()?)?;
            let person = match r.byte()? {
                0 => None,
                1 => Some(r.id()?),
                _ => return Err(Error::protocol("bad hello")),
            };
            Some(Hello {
                store_id,
                role,
                person,
            })
        } else {
            None
        };
        let digest = r.array32()?;
        let doc_count = r.varint()?;
        let pending_docs = r.varint()?;
        let pending_bytes = r.varint()?;
        let manifest = if flags & FLAG_MANIFEST != 0 {
            let n = r.count(16 + 1 + 8)?;
            let mut m = Vec::with_capacity(n);
            for _ in 0..n {
                let key = (r.id()?, kind_from(r.byte()?)?);
                let mut tag = [0u8; 8];
                tag.copy_from_slice(r.take(8)?);
                m.push((key, tag));
            }
            Some(m)
        } else {
            None
        };
        let n = r.count(16 + 8 + 1)?;
        if n > MAX_TOMBSTONES {
            return Err(Error::protocol("too many tombstones in one message"));
        }
        let mut tombstones = Vec::with_capacity(n);
        let mut tombstone_signatures = HashMap::new();
        for _ in 0..n {
            let p = r.id()?;
            tombstones.push((p, r.i64()?));
            match r.byte()? {
                0 => {}
                1 => {
                    let sig = TombstoneSignature {
                        signer: PublicKey::from_bytes(r.array32()?),
                        signature: r.array64()?,
                    };
                    if tombstone_signatures.insert(p, sig).is_some() {
                        return Err(Error::protocol("a person's tombstone came twice"));
                    }
                }
                _ => return Err(Error::protocol("bad tombstone")),
            }
        }
        let n = r.count(16 + 1 + 1 + 1)?;
        let mut docs = Vec::with_capacity(n);
        for _ in 0..n {
            let key = (r.id()?, kind_from(r.byte()?)?);
            let tag = r.byte()?;
            let len =
                usize::try_from(r.varint()?).map_err(|_| Error::protocol("length overflow"))?;
            let body = r.take(len)?.to_vec();
            let payload = match tag {
                0 => Payload::Whole(body),
                1 => Payload::Sync(body),
                _ => return Err(Error::protocol("unknown payload type")),
            };
            docs.push((key, payload));
        }
        let n = r.count(SIGNATURE_ENTRY_BYTES)?;
        if n > MAX_SIGNATURES {
            return Err(Error::protocol("too many signatures in one message"));
        }
        let mut signatures = Vec::with_capacity(n);
        for _ in 0..n {
            let hash = r.array32()?;
            let signer = PublicKey::from_bytes(r.array32()?);
            let signature = r.array64()?;
            let adopted = match r.byte()? {
                0 => false,
                1 => true,
                _ => return Err(Error::protocol("bad signature entry")),
            };
            signatures.push(ChangeSignature {
                hash,
                signer,
                signature,
                adopted,
                valid_at: r.i64()?,
            });
        }
        let n = r.count(1)?;
        if n > MAX_CERTIFICATES {
            return Err(Error::protocol("too many certificates in one message"));
        }
        let mut certificates = Vec::with_capacity(n);
        for _ in 0..n {
            let len =
                usize::try_from(r.varint()?).map_err(|_| Error::protocol("length overflow"))?;
            if len > MAX_CERTIFICATE_BYTES {
                return Err(Error::protocol("a certificate is larger than the limit"));
            }
            certificates.push(r.take(len)?.to_vec());
        }
        let mut drops = Vec::new();
        if flags & FLAG_DROPS != 0 {
            let n = r.count(16)?;
            if n == 0 || n > MAX_DROPS {
                return Err(Error::protocol("bad number of drops in one message"));
            }
            for _ in 0..n {
                let p = r.id()?;
                if drops.contains(&p) {
                    return Err(Error::protocol("a person's drop came twice"));
                }
                drops.push(p);
            }
        }
        if r.pos != body.len() {
            return Err(Error::protocol("trailing bytes"));
        }
        let full_manifest = manifest.is_some() && flags & FLAG_FULL_MANIFEST != 0;
        Ok(Message {
            hello,
            done: flags & FLAG_DONE != 0,
            digest,
            doc_count,
            pending_docs,
            pending_bytes,
            manifest,
            full_manifest,
            tombstones,
            tombstone_signatures,
            docs,
            signatures,
            certificates,
            drops,
        })
    }
}

/// Whether `bytes` (whose checksum failed) are a current message whose version byte alone was
/// damaged.
fn is_damaged_current(bytes: &[u8]) -> bool {
    let mut fixed = bytes.to_vec();
    if let Some(v) = fixed.get_mut(3) {
        *v = VERSION;
    }
    fixed
        .split_last_chunk::<4>()
        .is_some_and(|(body, crc)| crc32fast::hash(body) == u32::from_le_bytes(*crc))
}

/// A message of an older protocol version.
fn old_version(version: u8) -> Error {
    Error::protocol(format!(
        "the peer speaks sync protocol version {version}, this build version {VERSION}: \
         update the peer's app"
    ))
}

/// A message whose checksum does not match: cut off or corrupted on the way.
fn damaged() -> Error {
    Error::Sync {
        reason: "the message was cut off or damaged in transit".into(),
        retryable: true,
    }
}

fn role_byte(r: Role) -> u8 {
    match r {
        Role::LinkWorker => 1,
        Role::Patient => 2,
    }
}

fn role_from(b: u8) -> Result<Role> {
    match b {
        1 => Ok(Role::LinkWorker),
        2 => Ok(Role::Patient),
        _ => Err(Error::protocol("unknown role")),
    }
}

fn kind_byte(k: DocKind) -> u8 {
    match k {
        DocKind::Plan => 1,
        DocKind::Case => 2,
    }
}

fn kind_from(b: u8) -> Result<DocKind> {
    match b {
        1 => Ok(DocKind::Plan),
        2 => Ok(DocKind::Case),
        _ => Err(Error::protocol("unknown document kind")),
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| Error::protocol("length overflow"))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| Error::protocol("message is truncated"))?;
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    fn id(&mut self) -> Result<Id> {
        let mut b = [0u8; 16];
        b.copy_from_slice(self.take(16)?);
        Ok(Id::from_bytes(b))
    }

    fn array32(&mut self) -> Result<[u8; 32]> {
        let mut b = [0u8; 32];
        b.copy_from_slice(self.take(32)?);
        Ok(b)
    }

    fn array64(&mut self) -> Result<[u8; 64]> {
        let mut b = [0u8; 64];
        b.copy_from_slice(self.take(64)?);
        Ok(b)
    }

    fn i64(&mut self) -> Result<i64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(i64::from_le_bytes(b))
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::protocol("varint too long"))
    }

    /// A count of items each at least `min_size` bytes: refused when the rest cannot hold them.
    fn count(&mut self, min_size: usize) -> Result<usize> {
        let n = usize::try_from(self.varint()?).map_err(|_| Error::protocol("count overflow"))?;
        let remaining = self.bytes.len() - self.pos;
        if n.checked_mul(min_size).is_none_or(|need| need > remaining) {
            return Err(Error::protocol("count exceeds message size"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        let p = Id::new();
        Message {
            hello: Some(Hello {
                store_id: Id::new(),
                role: Role::Patient,
                person: Some(p),
            }),
            done: true,
            digest: [7; 32],
            doc_count: 3,
            pending_docs: 7,
            pending_bytes: 70_000,
            manifest: Some(vec![((p, DocKind::Plan), [1; 8])]),
            full_manifest: true,
            tombstones: vec![(p, 1_700_000_000_000), (Id::new(), 1_700_000_000_001)],
            tombstone_signatures: [(
                p,
                TombstoneSignature {
                    signer: PublicKey::from_bytes([3; 32]),
                    signature: [4; 64],
                },
            )]
            .into_iter()
            .collect(),
            docs: vec![
                ((p, DocKind::Plan), Payload::Sync(vec![1, 2, 3])),
                ((p, DocKind::Case), Payload::Whole(vec![9; 300])),
            ],
            signatures: vec![ChangeSignature {
                hash: [5; 32],
                signer: PublicKey::from_bytes([3; 32]),
                signature: [6; 64],
                adopted: true,
                valid_at: 1_700_000_000,
            }],
            certificates: vec![vec![7; 40]],
            drops: vec![Id::new()],
        }
    }

    #[test]
    fn mentions_name_every_person_and_signer_once() {
        let m = sample();
        let got = crate::sync::mentions(&m.encode()).unwrap();
        let mut people: Vec<Id> = m
            .tombstones
            .iter()
            .map(|(p, _)| *p)
            .chain(m.drops.iter().copied())
            .chain(m.hello.as_ref().and_then(|h| h.person))
            .collect();
        people.sort();
        people.dedup();
        // The manifest's and documents' person is the first tombstone's: named once.
        assert_eq!(got.people, people);
        assert_eq!(got.signers, vec![PublicKey::from_bytes([3; 32])]);
        // Its one certificate does not decode: it names no grant.
        assert!(got.grants.is_empty());
        assert!(crate::sync::mentions(b"garbage").is_err());
    }

    #[test]
    fn mentions_name_the_grant_a_paired_phones_certificate_takes_up() {
        use crate::identity::certificate::CertificateBody;
        use crate::identity::keys::SecretKey;
        use crate::identity::pairing::{patient_certificate, PairingGrant, PairingPayload};
        use crate::identity::{CertRole, Issuer, Permissions};
        let now = chrono::Utc::now().timestamp();
        let (org, worker) = (
            SecretKey::generate().unwrap(),
            SecretKey::generate().unwrap(),
        );
        let worker_cert = CertificateBody {
            org: org.public(),
            org_name: "Org".into(),
            device: worker.public(),
            store_id: Id::new(),
            role: CertRole::LinkWorker,
            name: "Asha".into(),
            person: None,
            permissions: Permissions {
                can_erase: false,
                can_enrol_patients: true,
            },
            issued_at: now,
            expires_at: now + 3600,
            issuer: Issuer::Organisation,
        }
        .sign(&org);
        let person = Id::new();
        let grant =
            PairingGrant::issue(&worker, worker_cert.clone(), person, now, now + 3600).unwrap();
        let grant_id = grant.grant_id;
        let payload = PairingPayload { grant };
        let phone = SecretKey::generate().unwrap();
        let paired = patient_certificate(&payload, &phone, Id::new(), "Rose".into(), now);
        let m = Message {
            // An organisation's certificate takes up no grant; the paired phone's twice, once.
            certificates: vec![worker_cert.encode(), paired.encode(), paired.encode()],
            ..sample()
        };
        assert_eq!(
            crate::sync::mentions(&m.encode()).unwrap().grants,
            vec![grant_id]
        );
    }

    #[test]
    fn round_trips() {
        let m = sample();
        assert_eq!(Message::decode(&m.encode()).unwrap(), m);
        let empty = Message::default();
        assert_eq!(Message::decode(&empty.encode()).unwrap(), empty);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().encode();
        for cut in 0..bytes.len() {
            assert!(Message::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// Recomputes the CRC trailer after a test edits a message's body.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        bytes.truncate(bytes.len() - 4);
        let crc = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes
    }

    #[test]
    fn trailing_bytes_and_bad_magic_refused() {
        let mut bytes = sample().encode();
        bytes.insert(bytes.len() - 4, 0);
        assert!(Message::decode(&reseal(bytes)).is_err());
        assert!(Message::decode(b"XYZ\x01\x00").is_err());
    }

    /// Bytes that are not an envelope at all are not worth retrying; a damaged envelope is.
    #[test]
    fn foreign_bytes_are_not_retryable() {
        for foreign in [&b""[..], b"\x01\x02\x03", b"hello", b"GET / HTTP/1.1"] {
            assert!(
                matches!(
                    Message::decode(foreign),
                    Err(Error::Sync {
                        retryable: false,
                        ..
                    })
                ),
                "{foreign:?}"
            );
        }
        let mut one_off = sample().encode();
        one_off[0] = b'X';
        assert!(matches!(
            Message::decode(&one_off),
            Err(Error::Sync {
                retryable: true,
                ..
            })
        ));
    }

    /// Damage in transit is retryable; a well-formed message that breaks the format is not.
    #[test]
    fn damage_is_retryable_and_malformed_content_is_not() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x10;
            assert!(
                matches!(
                    Message::decode(&damaged),
                    Err(Error::Sync {
                        retryable: true,
                        ..
                    })
                ),
                "byte {i}"
            );
        }
        // The version byte damaged to 1 (one bit from 3) is damage too, not a version 1 peer.
        let mut to_one = bytes.clone();
        to_one[3] ^= 0x02;
        assert!(matches!(
            Message::decode(&to_one),
            Err(Error::Sync {
                retryable: true,
                ..
            })
        ));
        let mut bad_role = bytes.clone();
        bad_role[5 + 16] = 9; // the hello's role
        assert!(matches!(
            Message::decode(&reseal(bad_role)),
            Err(Error::Sync {
                retryable: false,
                ..
            })
        ));
    }

    #[test]
    fn huge_counts_do_not_allocate() {
        let mut bytes = Message::default().encode();
        bytes.truncate(bytes.len() - 4);
        // Replace the final "0 certificates" count with a huge varint.
        bytes.pop();
        bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        bytes.extend_from_slice(&[0; 4]);
        let bytes = reseal(bytes);
        assert!(matches!(
            Message::decode(&bytes),
            Err(Error::Sync {
                retryable: false,
                ..
            })
        ));
    }

    #[test]
    fn other_versions_refused_with_a_clear_error() {
        let mut bytes = sample().encode();
        bytes[3] = 4;
        let bytes = reseal(bytes);
        let Err(Error::Sync { reason, retryable }) = Message::decode(&bytes) else {
            panic!("version 4 accepted");
        };
        assert!(!retryable && reason.contains("update this app"), "{reason}");
        // A version 2 peer (before signed changes): refused, naming its version.
        let mut v2 = sample().encode();
        v2[3] = 2;
        let Err(Error::Sync { reason, retryable }) = Message::decode(&reseal(v2)) else {
            panic!("version 2 accepted");
        };
        assert!(!retryable && reason.contains("version 2"), "{reason}");
        // A version 1 message (no checksum): the old envelope with version byte 1.
        let mut v1 = sample().encode();
        v1.truncate(v1.len() - 4);
        v1[3] = 1;
        let Err(Error::Sync { reason, retryable }) = Message::decode(&v1) else {
            panic!("version 1 accepted");
        };
        assert!(!retryable);
        assert!(reason.contains("version 1"), "{reason}");
    }

    #[test]
    fn oversized_certificates_are_refused() {
        let mut m = Message {
            certificates: vec![vec![0; MAX_CERTIFICATE_BYTES]],
            ..Message::default()
        };
        assert!(Message::decode(&m.encode()).is_ok());
        m.certificates[0].push(0);
        assert!(Message::decode(&m.encode()).is_err());
    }

    #[test]
    fn more_tombstones_than_the_bound_are_refused() {
        let mut m = Message {
            tombstones: (0..MAX_TOMBSTONES).map(|_| (Id::new(), 0)).collect(),
            ..Message::default()
        };
        assert!(Message::decode(&m.encode()).is_ok());
        m.tombstones.push((Id::new(), 0));
        assert!(Message::decode(&m.encode()).is_err());
    }

    #[test]
    fn drops_are_bounded_and_unique_and_absent_drops_keep_the_version_3_layout() {
        let mut m = Message {
            drops: (0..MAX_DROPS).map(|_| Id::new()).collect(),
            ..Message::default()
        };
        assert_eq!(Message::decode(&m.encode()).unwrap(), m);
        m.drops.push(Id::new());
        assert!(Message::decode(&m.encode()).is_err());
        let twice = Id::new();
        m.drops = vec![twice, twice];
        assert!(Message::decode(&m.encode()).is_err());
        // Without drops, no flag and no section: what an older version 3 build reads.
        m.drops.clear();
        let bytes = m.encode();
        assert_eq!(bytes[4] & FLAG_DROPS, 0);
        // A drops flag with an empty section is malformed.
        let mut body = bytes[..bytes.len() - 4].to_vec();
        body[4] |= FLAG_DROPS;
        body.push(0);
        let crc = crc32fast::hash(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        assert!(Message::decode(&body).is_err());
    }
}
