//! Bounds on what untrusted automerge bytes expand to, checked **before** automerge parses them.
//!
//! automerge 0.12 inflates every deflate-compressed column of a document, bundle or compressed
//! change chunk into memory with no limit (`read_to_end`), so about 500 KB of deflate made a
//! receiver allocate 1.5 GiB before any check could refuse it (issue 13; the write-up for
//! automerge is `docs/automerge-inflate-limit.md`). This module walks the chunk headers and
//! column metadata itself and inflates each compressed column as a stream into a fixed buffer,
//! counting, and gives up as soon as the total passes the limit: checking costs a 64 KiB buffer
//! and deflate's 32 KiB window, whatever the input claims.
//!
//! It also refuses automerge sync messages whose Bloom filters would make automerge allocate a
//! probe vector of any size the sender chooses (`num_probes` is a `u32` used as a capacity) or
//! divide by zero (`num_entries > 0` with no bits).
//!
//! Formats: <https://alexjg.github.io/automerge-storage-docs/> (chunks, columns) and automerge's
//! `sync.rs` (messages). Anything this parser does not understand is refused: linkwork only
//! exchanges what automerge 0.12 itself writes.

use std::io::Read;

use flate2::bufread::DeflateDecoder;

use crate::error::{Error, Result};

/// The most bytes one document (or one sync payload's changes) may expand to once its
/// compressed columns are inflated: 16 MiB. A linkwork document with years of history is a few
/// hundred KiB; automerge holds about three copies of the inflated bytes while loading, so this
/// bounds the memory one hostile payload can cost to about 50 MiB.
pub const MAX_EXPANDED_BYTES: u64 = 16 * 1024 * 1024;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DEFLATE_BIT: u64 = 0b1000;
/// automerge uses 7 probes and 10 bits per entry; anything far beyond is hostile.
const MAX_BLOOM_PROBES: u64 = 64;
const MAX_BLOOM_BITS_PER_ENTRY: u64 = 64;

/// Checks that the chunks in `bytes` (a saved document, or change chunks) expand to at most
/// `limit` bytes in all, without allocating in proportion to what they claim.
///
/// # Errors
/// [`Error::InvalidInput`] (field `document`) for bytes that are not automerge chunks or that
/// expand beyond the limit.
pub fn check_chunks(bytes: &[u8], limit: u64) -> Result<u64> {
    let mut budget = Budget { used: 0, limit };
    let mut r = Reader { bytes, pos: 0 };
    while !r.at_end() {
        chunk(&mut r, &mut budget)?;
    }
    Ok(budget.used)
}

/// Checks an automerge sync message before automerge decodes it: its Bloom filters are sane and
/// the changes it carries expand to at most `limit` bytes.
///
/// # Errors
/// [`Error::Sync`] (not retryable) for a malformed message, an absurd Bloom filter or changes
/// that expand beyond the limit.
pub fn check_sync_message(bytes: &[u8], limit: u64) -> Result<()> {
    let refuse = |_| Error::protocol("an automerge sync message is malformed or too large");
    let mut r = Reader { bytes, pos: 0 };
    let kind = r.byte().map_err(refuse)?;
    if kind != 0x42 && kind != 0x43 {
        return Err(Error::protocol("not an automerge sync message"));
    }
    hashes(&mut r).map_err(refuse)?; // heads
    hashes(&mut r).map_err(refuse)?; // need
    let haves = r.count(1).map_err(refuse)?;
    for _ in 0..haves {
        hashes(&mut r).map_err(refuse)?; // last sync
        let len = r.len().map_err(refuse)?;
        let bloom = r.take(len).map_err(refuse)?;
        check_bloom(bloom)?;
    }
    let changes = r.count(1).map_err(refuse)?;
    let mut budget = Budget { used: 0, limit };
    for _ in 0..changes {
        let len = r.len().map_err(refuse)?;
        let change = r.take(len).map_err(refuse)?;
        let mut cr = Reader {
            bytes: change,
            pos: 0,
        };
        while !cr.at_end() {
            chunk(&mut cr, &mut budget).map_err(refuse)?;
        }
    }
    Ok(())
}

fn check_bloom(bytes: &[u8]) -> Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let bad = || Error::protocol("an automerge sync message has an impossible Bloom filter");
    let mut r = Reader { bytes, pos: 0 };
    let entries = r.uleb().map_err(|_| bad())?;
    let bits = r.uleb().map_err(|_| bad())?;
    let probes = r.uleb().map_err(|_| bad())?;
    if entries > 0
        && (bits == 0
            || bits > MAX_BLOOM_BITS_PER_ENTRY
            || probes == 0
            || probes > MAX_BLOOM_PROBES)
    {
        return Err(bad());
    }
    Ok(())
}

fn hashes(r: &mut Reader<'_>) -> Result<()> {
    let n = r.count(32)?;
    r.take(n * 32).map(|_| ())
}

/// Inflated bytes counted so far against the limit.
struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    fn add(&mut self, n: u64) -> Result<()> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            return Err(Error::invalid(
                "document",
                "expands beyond the size limit once decompressed",
            ));
        }
        Ok(())
    }

    /// Inflates `deflated` as a stream into a fixed buffer, counting, stopping past the limit.
    fn inflate(&mut self, deflated: &[u8]) -> Result<()> {
        let mut decoder = DeflateDecoder::new(deflated);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match decoder.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => self.add(n as u64)?,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(malformed()),
            }
        }
    }
}

fn malformed() -> Error {
    Error::invalid("document", "is not an automerge document")
}

/// One chunk: header, then its body by type.
fn chunk(r: &mut Reader<'_>, budget: &mut Budget) -> Result<()> {
    if r.take(4)? != MAGIC {
        return Err(malformed());
    }
    r.take(4)?; // checksum
    let kind = r.byte()?;
    let len = r.len()?;
    let body = r.take(len)?;
    let mut b = Reader {
        bytes: body,
        pos: 0,
    };
    match kind {
        // Document: actors, heads, change column metadata, op column metadata, change data,
        // op data, head indexes.
        0 => {
            actors(&mut b)?;
            hashes(&mut b)?;
            let changes = columns(&mut b)?;
            let ops = columns(&mut b)?;
            column_data(&mut b, &changes, budget)?;
            column_data(&mut b, &ops, budget)?;
            budget.add(body.len() as u64)
        }
        // Change: columns are never compressed inside a change chunk (automerge refuses them).
        1 => budget.add(body.len() as u64),
        // Compressed change: the whole body is deflated.
        2 => budget.inflate(body),
        // Bundle: deps, actors, change column metadata and data, op column metadata and data.
        3 => {
            hashes(&mut b)?;
            actors(&mut b)?;
            let changes = columns(&mut b)?;
            column_data(&mut b, &changes, budget)?;
            let ops = columns(&mut b)?;
            column_data(&mut b, &ops, budget)?;
            budget.add(body.len() as u64)
        }
        _ => Err(malformed()),
    }
}

fn actors(r: &mut Reader<'_>) -> Result<()> {
    let n = r.count(1)?;
    for _ in 0..n {
        let len = r.len()?;
        r.take(len)?;
    }
    Ok(())
}

/// Column metadata: `(compressed, length)` per column.
fn columns(r: &mut Reader<'_>) -> Result<Vec<(bool, usize)>> {
    let n = r.count(2)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let spec = r.uleb()?;
        let len = r.len()?;
        out.push((spec & DEFLATE_BIT != 0, len));
    }
    Ok(out)
}

fn column_data(r: &mut Reader<'_>, cols: &[(bool, usize)], budget: &mut Budget) -> Result<()> {
    for (deflated, len) in cols {
        let data = r.take(*len)?;
        if *deflated {
            budget.inflate(data)?;
        }
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(malformed)?;
        let slice = self.bytes.get(self.pos..end).ok_or_else(malformed)?;
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    fn uleb(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(malformed())
    }

    /// A length that must fit in what remains.
    fn len(&mut self) -> Result<usize> {
        let n = usize::try_from(self.uleb()?).map_err(|_| malformed())?;
        if n > self.bytes.len() - self.pos {
            return Err(malformed());
        }
        Ok(n)
    }

    /// A count of items each at least `min_size` bytes.
    fn count(&mut self, min_size: usize) -> Result<usize> {
        let n = usize::try_from(self.uleb()?).map_err(|_| malformed())?;
        let remaining = self.bytes.len() - self.pos;
        if n.checked_mul(min_size).is_none_or(|need| need > remaining) {
            return Err(malformed());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};
    use flate2::write::DeflateEncoder;
    use std::io::Write;

    fn doc_with_text(len: usize) -> Vec<u8> {
        let mut d = AutoCommit::new();
        d.put(ROOT, "note", "a".repeat(len)).unwrap();
        d.save()
    }

    #[test]
    fn ordinary_documents_pass_and_are_measured() {
        let bytes = doc_with_text(10_000);
        let expanded = check_chunks(&bytes, MAX_EXPANDED_BYTES).unwrap();
        assert!(expanded >= 10_000, "{expanded}");
        assert!(bytes.len() < 1_000, "the column was compressed");
        // Incremental change chunks too.
        let mut d = AutoCommit::load(&bytes).unwrap();
        let heads = d.get_heads();
        d.put(ROOT, "x", 1).unwrap();
        let mut both = bytes.clone();
        both.extend(d.save_after(&heads));
        check_chunks(&both, MAX_EXPANDED_BYTES).unwrap();
    }

    #[test]
    fn a_small_document_that_inflates_past_the_limit_is_refused() {
        let bytes = doc_with_text(2_000_000);
        assert!(bytes.len() < 10_000);
        let err = check_chunks(&bytes, 1_000_000).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    }

    #[test]
    fn compressed_change_chunks_are_counted() {
        let mut inner = Vec::new();
        let mut enc = DeflateEncoder::new(&mut inner, flate2::Compression::best());
        enc.write_all(&vec![0u8; 3_000_000]).unwrap();
        enc.finish().unwrap();
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 2]);
        let mut len = Vec::new();
        let mut n = inner.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                len.push(b);
                break;
            }
            len.push(b | 0x80);
        }
        chunk.extend(len);
        chunk.extend(&inner);
        assert!(check_chunks(&chunk, 1_000_000).is_err());
        assert_eq!(check_chunks(&chunk, 4_000_000).unwrap(), 3_000_000);
    }

    #[test]
    fn garbage_and_truncations_are_refused_without_panicking() {
        let bytes = doc_with_text(500);
        for cut in 1..bytes.len() {
            assert!(
                check_chunks(&bytes[..cut], MAX_EXPANDED_BYTES).is_err(),
                "{cut}"
            );
        }
        assert!(check_chunks(b"not automerge", MAX_EXPANDED_BYTES).is_err());
    }

    #[test]
    fn absurd_bloom_filters_are_refused() {
        // type, no heads, no need, one have: no last_sync, bloom of 3 bytes, no changes.
        let msg =
            |entries: u8, bits: u8, probes: u8| vec![0x42, 0, 0, 1, 0, 3, entries, bits, probes, 0];
        check_sync_message(&msg(1, 10, 7), MAX_EXPANDED_BYTES).unwrap();
        assert!(check_sync_message(&msg(1, 0, 7), MAX_EXPANDED_BYTES).is_err());
        assert!(check_sync_message(&msg(1, 10, 0x7f), MAX_EXPANDED_BYTES).is_err());
        assert!(check_sync_message(&[0x42, 0], MAX_EXPANDED_BYTES).is_err());
    }

    #[test]
    fn real_sync_messages_pass() {
        use automerge::sync::{State, SyncDoc};
        let mut d = AutoCommit::new();
        d.put(ROOT, "note", "a".repeat(5_000)).unwrap();
        let doc = d.document().clone();
        let mut state = State::new();
        let first = doc.generate_sync_message(&mut state).unwrap();
        check_sync_message(&first.encode(), MAX_EXPANDED_BYTES).unwrap();
        let mut other = State::new();
        let empty = automerge::Automerge::new();
        let ask = empty.generate_sync_message(&mut other).unwrap();
        let mut doc2 = doc.clone();
        doc2.receive_sync_message(&mut state, ask).unwrap();
        let with_changes = doc2.generate_sync_message(&mut state).unwrap();
        assert!(!with_changes.changes.is_empty());
        check_sync_message(&with_changes.encode(), MAX_EXPANDED_BYTES).unwrap();
    }
}
