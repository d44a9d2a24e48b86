//! Digests and tags over stored document heads, so comparing two stores never loads documents.
//!
//! A document's tag is the XOR of its head hashes (change hashes are SHA-256, so distinct
//! head sets give distinct XORs unless someone forges collisions, which can only make a sync
//! skip work, never corrupt it). The digest XORs the tags of every document in scope and travels
//! with the document count. Tombstones are not folded in (protocol version 2): an erasure
//! changes the digest through the documents it deleted, and a tombstone the peer has no reason
//! to know would otherwise keep two stores' digests apart for ever.

use crate::sync::wire::DocKey;

/// The XOR of a document's stored heads (sorted 32-byte hashes, concatenated).
pub(crate) fn heads_xor(heads: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for chunk in heads.chunks(32) {
        for (o, b) in out.iter_mut().zip(chunk) {
            *o ^= b;
        }
    }
    out
}

/// A document's 8-byte manifest tag.
pub(crate) fn tag(heads: &[u8]) -> [u8; 8] {
    let x = heads_xor(heads);
    let mut t = [0u8; 8];
    t.copy_from_slice(&x[..8]);
    t
}

/// The digest of a scope: its documents with their heads.
pub(crate) fn digest<'a>(docs: impl IntoIterator<Item = (&'a DocKey, &'a [u8])>) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (_, heads) in docs {
        for (o, b) in out.iter_mut().zip(heads_xor(heads)) {
            *o ^= b;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Id;
    use crate::model::DocKind;

    #[test]
    fn equal_scopes_equal_digests_and_any_difference_shows() {
        let p = Id::new();
        let k = (p, DocKind::Plan);
        let a = [1u8; 32].to_vec();
        let b = [2u8; 32].to_vec();
        let d1 = digest([(&k, a.as_slice())]);
        assert_eq!(d1, digest([(&k, a.as_slice())]));
        assert_ne!(d1, digest([(&k, b.as_slice())]));
        assert_ne!(d1, digest([]));
    }
}
