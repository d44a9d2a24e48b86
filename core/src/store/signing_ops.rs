//! The store's side of attributable changes (ADR 0007): signing every change this device
//! makes and every tombstone it issues, adopting changes whose author it cannot prove (an
//! imported document, or what it held when it enrolled), this store's trust for the sync
//! engine (which attaches and checks signatures, `sync::engine`), and the verified author of
//! each change for `history`.

use automerge::{Automerge, ChangeHash};

use super::identity_ops::now_secs;
use super::Store;
use crate::error::Result;
use crate::identity::{Certificate, ChangeSignature, PublicKey, TombstoneSignature};
use crate::ids::Id;
use crate::model::{Author, DocKind, HistoryEntry};
use crate::storage::{documents, identity, signatures, Conn, WriteTx};
use crate::sync::engine::Trust;

/// Signs the changes `hashes` of `person`'s `kind` document with this device's key, as their
/// author (`adopted` false) or as the device vouching for them, and stores the signatures.
pub(super) fn sign_changes(
    tx: &WriteTx<'_>,
    person: Id,
    kind: DocKind,
    hashes: &[ChangeHash],
    adopted: bool,
) -> Result<()> {
    for sig in sign(tx, hashes, adopted)? {
        signatures::put(tx, person, kind, &sig)?;
    }
    Ok(())
}

/// The signatures of the changes `hashes` by this device's key, as their author (`adopted`
/// false) or as the device vouching for them, not yet stored.
pub(super) fn sign(
    tx: &WriteTx<'_>,
    hashes: &[ChangeHash],
    adopted: bool,
) -> Result<Vec<ChangeSignature>> {
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let key = identity::secret_key(tx)?;
    let valid_at = if identity::is_enrolled(tx)? {
        now_secs()
    } else {
        0
    };
    Ok(hashes
        .iter()
        .map(|h| ChangeSignature::sign(&key, h.0, adopted, valid_at))
        .collect())
}

/// The changes of `doc` that are not in the history of `before` (the heads before an edit or
/// a merge).
pub(super) fn new_hashes(doc: &Automerge, before: &[ChangeHash]) -> Vec<ChangeHash> {
    doc.get_changes_meta(before)
        .into_iter()
        .map(|c| c.hash)
        .collect()
}

/// Adopts (signs as the vouching device) every change in `hashes` with no signature stored,
/// or whose signer has no certificate here.
pub(super) fn adopt_unproven(
    tx: &WriteTx<'_>,
    person: Id,
    kind: DocKind,
    hashes: &[ChangeHash],
) -> Result<()> {
    let mut unproven = Vec::new();
    for h in hashes {
        let proven = match signatures::get(tx, person, kind, &h.0)? {
            Some(sig) => signatures::certificate(tx, &sig.signer)?.is_some(),
            None => false,
        };
        if !proven {
            unproven.push(*h);
        }
    }
    sign_changes(tx, person, kind, &unproven, true)
}

/// Signs the tombstone of `person` erased at `erased_at_ms` with this device's key.
pub(super) fn sign_tombstone(tx: &WriteTx<'_>, person: Id, erased_at_ms: i64) -> Result<()> {
    let key = identity::secret_key(tx)?;
    let sig = TombstoneSignature::sign(&key, person, erased_at_ms);
    signatures::set_tombstone_signature(tx, person, &sig)
}

impl Store {
    /// This store's trust root and revocation list, `None` when it is not enrolled.
    pub(super) fn trust(&self) -> Result<Option<Trust>> {
        let id = self.device_identity()?;
        Ok(match (id.certificate, id.trust_root) {
            (Some(_), Some(root)) => Some(Trust::new(root, id.revocations)),
            _ => None,
        })
    }

    /// After a store made before signed changes is upgraded: when it is enrolled, it adopts
    /// every change it holds (none is signed), as at enrolment.
    pub(super) fn adopt_after_upgrade(&self) -> Result<()> {
        self.db.write(|tx, _| {
            if !identity::is_enrolled(tx)? {
                return Ok(());
            }
            let own = identity::public_key(tx)?;
            self.adopt_on_enrolment(tx, &own)
        })
    }

    /// When this store enrols: its own earlier changes become valid from now, and every change
    /// it holds whose author it cannot prove (unsigned, or signed by a device whose
    /// certificate it does not hold) is adopted.
    pub(super) fn adopt_on_enrolment(&self, tx: &WriteTx<'_>, own: &PublicKey) -> Result<()> {
        signatures::set_valid_from(tx, own, now_secs())?;
        for person in documents::people(tx)? {
            for kind in [DocKind::Plan, DocKind::Case] {
                if let Some(doc) = documents::load(tx, person, kind)? {
                    adopt_unproven(tx, person, kind, &new_hashes(&doc, &[]))?;
                }
            }
        }
        Ok(())
    }
}

/// The author of each entry (by its change hash), from the stored signatures: verified when
/// a certificate chained to the organisation was found valid for the signer, unverified when
/// signed by a device whose certificate this store does not hold, unsigned otherwise.
pub(super) fn authors(conn: &Conn, person: Id, entries: &mut [HistoryEntry]) -> Result<()> {
    for e in entries.iter_mut() {
        let Ok(hash) = e.change.parse::<ChangeHash>() else {
            continue;
        };
        e.author = match signatures::get(conn, person, e.document, &hash.0)? {
            None => Author::Unsigned,
            Some(sig) => {
                let cert = match sig.valid_at {
                    0 => None,
                    _ => signatures::certificate(conn, &sig.signer)?
                        .and_then(|b| Certificate::decode(&b).ok())
                        .filter(|c| c.device == sig.signer),
                };
                match cert {
                    Some(c) => Author::Verified {
                        name: c.name,
                        role: c.role.code().to_string(),
                        device: sig.signer.to_hex(),
                        adopted: sig.adopted,
                    },
                    None => Author::Unverified {
                        device: sig.signer.to_hex(),
                    },
                }
            }
        };
    }
    Ok(())
}
