//! Batching: how much one message may carry (protocol version 2, issue 13).
//!
//! A sender keeps each message under its session's `max_message_bytes` (1 MiB by default).
//! Documents go in the order of the shared scope until the next one would not fit; the rest
//! wait for the next round and are announced as pending (`pending_docs`, `pending_bytes` in the
//! envelope) so the peer can show progress. A message always carries at least one document when
//! one is due, so a document larger than the bound still travels, alone. Each received message
//! is stored in one transaction, so an interrupted first sync keeps every batch that arrived,
//! and the next session's manifests show the sender which documents not to send again.

/// Bytes an envelope spends on one document besides its payload: person, kind, payload tag and
/// a length of up to five bytes.
pub(crate) const PER_DOC_OVERHEAD: usize = 16 + 1 + 1 + 5;

/// The room left in one message, and what had to wait for the next.
#[derive(Debug)]
pub(crate) struct Budget {
    max: usize,
    used: usize,
    docs: usize,
    /// Documents and bytes (of whole documents; automerge messages count 0 until made) that
    /// did not fit.
    pub(crate) pending: (u64, u64),
}

impl Budget {
    /// A budget of `max` bytes, of which the envelope's other parts already use `used`.
    pub(crate) fn new(max: usize, used: usize) -> Self {
        Budget {
            max,
            used,
            docs: 0,
            pending: (0, 0),
        }
    }

    /// Whether anything has been deferred: once full, later documents are only counted.
    pub(crate) fn is_full(&self) -> bool {
        self.pending.0 > 0
    }

    /// Whether a payload of `len` bytes fits (always, for the first document of a message).
    pub(crate) fn fits(&self, len: usize) -> bool {
        !self.is_full() && (self.docs == 0 || self.used + len + PER_DOC_OVERHEAD <= self.max)
    }

    /// Counts a payload of `len` bytes as carried.
    pub(crate) fn take(&mut self, len: usize) {
        self.used += len + PER_DOC_OVERHEAD;
        self.docs += 1;
    }

    /// Counts a document as waiting for a later message (`len`: its whole size if known).
    pub(crate) fn defer(&mut self, len: u64) {
        self.pending.0 += 1;
        self.pending.1 += len;
    }

    /// Whether any document was carried.
    pub(crate) fn carried_any(&self) -> bool {
        self.docs > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_document_always_fits_and_later_ones_only_within_the_bound() {
        let mut b = Budget::new(1000, 100);
        assert!(b.fits(5000), "an oversized document travels alone");
        b.take(5000);
        assert!(!b.fits(1));
        let mut b = Budget::new(1000, 100);
        b.take(400);
        assert!(b.fits(1000 - 100 - 400 - 2 * PER_DOC_OVERHEAD));
        assert!(!b.fits(1000 - 100 - 400 - 2 * PER_DOC_OVERHEAD + 1));
        b.defer(700);
        assert!(b.is_full());
        assert!(
            !b.fits(1),
            "once one waits, later ones wait too (order is kept)"
        );
        assert_eq!(b.pending, (1, 700));
    }
}
