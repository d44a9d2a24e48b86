//! Signed changes and tombstones in a sync session (protocol version 3, ADR 0007), without
//! SQL: what a session remembers of the signatures and certificates that came and went, and
//! the check of one received change or tombstone against its signer's certificate.
//!
//! The rules an enrolled receiver applies to every change new to it:
//! - it carries a signature ([`Refusal::Unsigned`] otherwise) that verifies
//!   ([`Refusal::BadSignature`]);
//! - the signer's certificate came in the session or is stored here ([`Refusal::UnknownSigner`]),
//!   chains to this store's organisation and was valid and unrevoked now, or at the time a
//!   link worker's device relaying it attests ([`SignerCheck::valid_at`]);
//! - a patient's device wrote only its own person's plan, and only where a patient's own
//!   actions write (`patient_edits::check_change`), whoever relays the change.
//!
//! An unenrolled store (opt-in, tests and demos) checks the signatures that come (a bad one is
//! refused) but has no trust root to check signers against: it keeps them as unverified.
//!
//! Bounds: a message carries at most [`MAX_SIGNATURES`] signatures and [`MAX_CERTIFICATES`]
//! certificates (the decoder refuses more); a session keeps at most
//! [`MAX_WAITING_SIGNATURES`] signatures whose changes have not come yet and
//! [`MAX_SESSION_CERTIFICATES`] certificates. Each new change costs one Ed25519 verification,
//! each certificate its own (one to three) once per session.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, ChangeHash};

use super::patient_edits;
use super::wire::{DocKey, Message, MAX_CERTIFICATES, MAX_SIGNATURES};
use crate::error::{Error, Result};
use crate::identity::signing::{SignerCheck, HASH_BYTES};
use crate::identity::{
    CertRole, Certificate, ChangeSignature, PublicKey, Refusal, TombstoneSignature,
};
use crate::ids::Id;
use crate::model::DocKind;

/// The most received signatures a session keeps while their changes have not come (a change
/// waiting for a dependency arrives in a later message than its signature).
pub(crate) const MAX_WAITING_SIGNATURES: usize = 2 * MAX_SIGNATURES;
/// The most certificates a session keeps.
pub(crate) const MAX_SESSION_CERTIFICATES: usize = 4 * MAX_CERTIFICATES;

/// A certificate a session knows, with its bytes and whether the store holds it already.
#[derive(Debug)]
pub(crate) struct KnownCert {
    pub cert: Certificate,
    pub bytes: Vec<u8>,
    pub stored: bool,
}

/// What one session remembers of signatures and certificates.
#[derive(Debug, Default)]
pub(crate) struct SessionSigning {
    /// Sending: the hashes of the changes in the latest automerge answer made for each
    /// document (read from automerge's sync state when the answer was made).
    pub answered: HashMap<DocKey, Vec<ChangeHash>>,
    /// Sending: signers whose certificate went to the peer in this session.
    pub certs_sent: HashSet<PublicKey>,
    /// Receiving: signatures whose changes have not been applied yet.
    pub waiting: HashMap<[u8; HASH_BYTES], ChangeSignature>,
    /// Receiving: certificates that came in this session or were read from the store.
    pub certs: HashMap<PublicKey, KnownCert>,
}

impl SessionSigning {
    /// Takes in the signatures and certificates of a received message.
    ///
    /// # Errors
    /// [`Error::Untrusted`] for a certificate that is malformed or whose signatures do not
    /// verify; [`Error::Sync`] (retryable) when the session would keep more than its bounds.
    pub(crate) fn receive(&mut self, msg: &Message) -> Result<()> {
        for sig in &msg.signatures {
            self.waiting.insert(sig.hash, *sig);
        }
        if self.waiting.len() > MAX_WAITING_SIGNATURES {
            return Err(Error::Sync {
                reason: "too many signatures are waiting for their changes".into(),
                retryable: true,
            });
        }
        for bytes in &msg.certificates {
            let cert = Certificate::decode(bytes)?;
            self.certs.entry(cert.device).or_insert(KnownCert {
                cert,
                bytes: bytes.clone(),
                stored: false,
            });
        }
        if self.certs.len() > MAX_SESSION_CERTIFICATES {
            return Err(Error::Sync {
                reason: "too many certificates in one session".into(),
                retryable: true,
            });
        }
        Ok(())
    }

    /// The certificate of `signer`: from the session, else from the store (`stored`).
    fn cert_of(
        &mut self,
        signer: &PublicKey,
        stored: &mut dyn FnMut(&PublicKey) -> Result<Option<Vec<u8>>>,
    ) -> Result<&KnownCert> {
        if !self.certs.contains_key(signer) {
            let bytes = stored(signer)?.ok_or(Refusal::UnknownSigner)?;
            let cert = Certificate::decode(&bytes)?;
            self.certs.insert(
                *signer,
                KnownCert {
                    cert,
                    bytes,
                    stored: true,
                },
            );
        }
        self.certs
            .get(signer)
            .ok_or_else(|| Refusal::UnknownSigner.into())
    }
}

/// What a receiver checks incoming signatures against: this store's trust (`None` on an
/// unenrolled store) and the session.
pub(crate) struct Receiving<'a, 'b> {
    pub trust: Option<&'a SignerCheck<'a>>,
    pub session: &'b mut SessionSigning,
    /// Reads a stored certificate by device key.
    pub stored: &'b mut dyn FnMut(&PublicKey) -> Result<Option<Vec<u8>>>,
}

/// A change accepted: its signature (with the time its signer was found valid) and, when the
/// signer's certificate is new to the store, the certificate to keep.
pub(crate) struct Accepted {
    pub signature: ChangeSignature,
    pub new_certificate: Option<(PublicKey, Vec<u8>)>,
}

impl Receiving<'_, '_> {
    /// Checks one change new to this store (`hash`, with its dependencies `deps`) of the
    /// document `key` (`doc` holds it). `None`: an unsigned change an unenrolled store accepts.
    ///
    /// # Errors
    /// [`Error::Untrusted`] ([`Refusal::Unsigned`], [`Refusal::BadSignature`],
    /// [`Refusal::UnknownSigner`] and the certificate refusals of [`SignerCheck::valid_at`]);
    /// [`Error::NotPermitted`] when the signer's role may not make the change.
    pub(crate) fn check_change(
        &mut self,
        key: DocKey,
        doc: &Automerge,
        hash: ChangeHash,
        deps: &[ChangeHash],
    ) -> Result<Option<Accepted>> {
        let Some(mut sig) = self.session.waiting.remove(&hash.0) else {
            return match self.trust {
                Some(_) => Err(Refusal::Unsigned.into()),
                None => Ok(None),
            };
        };
        sig.verify()?;
        let Some(trust) = self.trust else {
            sig.valid_at = 0;
            return Ok(Some(Accepted {
                signature: sig,
                new_certificate: None,
            }));
        };
        let known = self.session.cert_of(&sig.signer, self.stored)?;
        sig.valid_at = trust.valid_at(&known.cert, sig.valid_at)?;
        if known.cert.role == CertRole::Patient {
            if known.cert.person != Some(key.0) || key.1 != DocKind::Plan {
                return Err(Error::NotPermitted {
                    action: "write another person's documents from a patient's device",
                });
            }
            patient_edits::check_change(doc, hash, deps)?;
        }
        let new_certificate = (!known.stored).then(|| (sig.signer, known.bytes.clone()));
        if let Some(k) = self.session.certs.get_mut(&sig.signer) {
            k.stored = true;
        }
        Ok(Some(Accepted {
            signature: sig,
            new_certificate,
        }))
    }

    /// Checks a received tombstone of `person` erased at `erased_at_ms`: on an enrolled store
    /// it must be signed by a device whose certificate is trusted (now, or at the erasure
    /// time when a link worker's device relays it) and carries the erase permission. Returns
    /// the signer's certificate when it is new to the store.
    ///
    /// # Errors
    /// [`Error::Untrusted`] as for [`Receiving::check_change`]; [`Error::NotPermitted`] when
    /// the signer may not erase.
    pub(crate) fn check_tombstone(
        &mut self,
        person: Id,
        erased_at_ms: i64,
        sig: Option<&TombstoneSignature>,
    ) -> Result<Option<(PublicKey, Vec<u8>)>> {
        let Some(sig) = sig else {
            return match self.trust {
                Some(_) => Err(Refusal::Unsigned.into()),
                None => Ok(None),
            };
        };
        sig.verify(person, erased_at_ms)?;
        let Some(trust) = self.trust else {
            return Ok(None);
        };
        let known = self.session.cert_of(&sig.signer, self.stored)?;
        trust.valid_at(&known.cert, erased_at_ms.div_euclid(1000))?;
        if !known.cert.permissions.can_erase {
            return Err(Error::NotPermitted {
                action: "erase a person without the erase permission",
            });
        }
        let new_certificate = (!known.stored).then(|| (sig.signer, known.bytes.clone()));
        if let Some(k) = self.session.certs.get_mut(&sig.signer) {
            k.stored = true;
        }
        Ok(new_certificate)
    }
}
