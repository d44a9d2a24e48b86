//! The canonical, versioned, bounded binary encoding shared by certificates, requests, pairing
//! payloads and revocation lists.
//!
//! Every encoded value starts with a 3-byte magic naming its kind and a version byte; fields
//! follow in one fixed order: fixed-size byte arrays raw, integers big-endian, strings and byte
//! strings with a 2-byte length, options and booleans as exactly `0` or `1`. There is exactly one
//! encoding of each value, so a signature over the bytes is a signature over the value; the
//! reader refuses anything else (an unknown version, a length past its bound or past the input,
//! a flag other than 0 or 1, invalid UTF-8, trailing bytes).

use super::Refusal;

/// The version of every identity encoding this build writes and reads.
pub(crate) const VERSION: u8 = 1;

/// The most bytes any single identity value may take (a certificate with its issuer's
/// certificate inside is well under 2 KiB); larger input is refused before it is parsed.
pub(crate) const MAX_ENCODED: usize = 8 * 1024;

/// Appends fields in canonical order.
#[derive(Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// Starts a value of kind `magic` at [`VERSION`].
    pub(crate) fn new(magic: &[u8; 3]) -> Writer {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(magic);
        buf.push(VERSION);
        Writer { buf }
    }

    pub(crate) fn fixed(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn flag(&mut self, v: bool) -> &mut Self {
        self.buf.push(u8::from(v));
        self
    }

    /// A byte string of at most `u16::MAX` bytes (callers bound their fields far lower).
    pub(crate) fn bytes(&mut self, v: &[u8]) -> &mut Self {
        let len = u16::try_from(v.len()).unwrap_or(u16::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(&v[..usize::from(len)]);
        self
    }

    pub(crate) fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads fields in canonical order from untrusted bytes, refusing anything out of bounds.
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Checks the size bound, the magic and the version.
    pub(crate) fn new(input: &'a [u8], magic: &[u8; 3]) -> Result<Reader<'a>, Refusal> {
        if input.len() > MAX_ENCODED {
            return Err(Refusal::Malformed);
        }
        if input.len() < 4 || &input[..3] != magic {
            return Err(Refusal::Malformed);
        }
        if input[3] != VERSION {
            return Err(Refusal::UnknownVersion);
        }
        Ok(Reader { input, pos: 4 })
    }

    /// How many bytes have been read (to slice the signed part of a value).
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Refusal> {
        let end = self.pos.checked_add(n).ok_or(Refusal::Malformed)?;
        let out = self.input.get(self.pos..end).ok_or(Refusal::Malformed)?;
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn fixed<const N: usize>(&mut self) -> Result<[u8; N], Refusal> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Refusal> {
        Ok(u64::from_be_bytes(self.fixed()?))
    }

    pub(crate) fn i64(&mut self) -> Result<i64, Refusal> {
        Ok(i64::from_be_bytes(self.fixed()?))
    }

    pub(crate) fn flag(&mut self) -> Result<bool, Refusal> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Refusal::Malformed),
        }
    }

    /// A byte string of at most `max` bytes.
    pub(crate) fn bytes(&mut self, max: usize) -> Result<&'a [u8], Refusal> {
        let len = usize::from(u16::from_be_bytes(self.fixed()?));
        if len > max {
            return Err(Refusal::Malformed);
        }
        self.take(len)
    }

    /// A UTF-8 string of at most `max` bytes.
    pub(crate) fn str(&mut self, max: usize) -> Result<String, Refusal> {
        std::str::from_utf8(self.bytes(max)?)
            .map(str::to_owned)
            .map_err(|_| Refusal::Malformed)
    }

    /// Refuses trailing bytes.
    pub(crate) fn end(&self) -> Result<(), Refusal> {
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(Refusal::Malformed)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_trailing_bytes_bad_flags_and_versions() {
        let mut w = Writer::new(b"TST");
        w.u64(7).flag(true).str("name").bytes(&[1, 2, 3]);
        let bytes = w.finish();
        let mut r = Reader::new(&bytes, b"TST").unwrap();
        assert_eq!(r.u64().unwrap(), 7);
        assert!(r.flag().unwrap());
        assert_eq!(r.str(16).unwrap(), "name");
        assert_eq!(r.bytes(3).unwrap(), &[1, 2, 3]);
        r.end().unwrap();

        let mut longer = bytes.clone();
        longer.push(0);
        let mut r = Reader::new(&longer, b"TST").unwrap();
        r.u64().unwrap();
        r.flag().unwrap();
        r.str(16).unwrap();
        r.bytes(3).unwrap();
        assert_eq!(r.end(), Err(Refusal::Malformed));

        let mut bad_flag = bytes.clone();
        bad_flag[12] = 2;
        let mut r = Reader::new(&bad_flag, b"TST").unwrap();
        r.u64().unwrap();
        assert_eq!(r.flag(), Err(Refusal::Malformed));

        let mut future = bytes.clone();
        future[3] = VERSION + 1;
        assert!(matches!(
            Reader::new(&future, b"TST"),
            Err(Refusal::UnknownVersion)
        ));
        assert!(matches!(
            Reader::new(&bytes, b"XXX"),
            Err(Refusal::Malformed)
        ));
        let mut r = Reader::new(&bytes, b"TST").unwrap();
        r.u64().unwrap();
        r.flag().unwrap();
        assert_eq!(r.str(3), Err(Refusal::Malformed), "over the field's bound");
        assert!(matches!(
            Reader::new(&vec![0u8; MAX_ENCODED + 1], b"TST"),
            Err(Refusal::Malformed)
        ));
    }
}
