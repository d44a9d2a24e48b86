//! Framing: each message travels as a 4-byte big-endian length followed by that many bytes.
//!
//! This layer knows nothing of sync or of TCP: it reads from any `Read` and writes to any
//! `Write`, so an authenticated, encrypted channel can sit under it (wrapping the stream) or
//! over it (wrapping the frames) without changes here.
//!
//! **Bounds.** Frames over [`MAX_FRAME`] are refused before anything is allocated for them. A
//! frame must arrive whole within its deadline ([`FrameReader::with_deadlines`]): a base time
//! plus its length at a minimum rate, counted from its first byte, so a peer trickling a byte at
//! a time cannot hold a reader for longer than that, however it spaces the bytes.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// The largest message accepted or sent: 64 MiB.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

/// How long any frame may take from its first byte, whatever its size.
pub const FRAME_BASE_DEADLINE: Duration = Duration::from_secs(10);

/// The slowest rate a frame may arrive at, beyond the base deadline (bytes per second): 4 KiB/s,
/// a fifth of a slow Bluetooth link, so a 1 MiB batch may take up to about 4.5 minutes.
pub const MIN_FRAME_RATE: u64 = 4 * 1024;

/// Sends one message as a frame (length and bytes in one write).
///
/// # Errors
/// A message over [`MAX_FRAME`]; write errors.
pub fn write_frame(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|l| *l as usize <= MAX_FRAME)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a message over 64 MiB"))?;
    let mut frame = Vec::with_capacity(4 + bytes.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(bytes);
    w.write_all(&frame)?;
    w.flush()
}

/// What one read of the stream produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A whole message.
    Frame(Vec<u8>),
    /// Nothing complete arrived before the read timed out.
    Idle,
    /// The peer closed the stream (between frames).
    Closed,
}

/// Reads frames from a stream with a read timeout, keeping a partly received frame across
/// timeouts.
#[derive(Debug)]
pub struct FrameReader {
    buf: Vec<u8>,
    /// When the first byte of the frame being received arrived.
    started: Option<Instant>,
    base: Duration,
    min_rate: u64,
}

impl Default for FrameReader {
    fn default() -> Self {
        Self::with_deadlines(FRAME_BASE_DEADLINE, MIN_FRAME_RATE)
    }
}

impl FrameReader {
    /// A reader whose frames must arrive within `base` plus their length at `min_rate` bytes
    /// per second, from their first byte.
    pub fn with_deadlines(base: Duration, min_rate: u64) -> Self {
        FrameReader {
            buf: Vec::new(),
            started: None,
            base,
            min_rate: min_rate.max(1),
        }
    }

    /// The deadline of the frame being received, if one has started.
    fn deadline(&self) -> Option<Instant> {
        let started = self.started?;
        let len = self
            .buf
            .get(..4)
            .and_then(|h| <[u8; 4]>::try_from(h).ok())
            .map_or(0, |h| u64::from(u32::from_be_bytes(h)));
        Some(started + self.base + Duration::from_secs(len / self.min_rate))
    }

    /// Refuses a frame that has taken longer than its deadline.
    fn check_deadline(&self) -> io::Result<()> {
        match self.deadline() {
            Some(d) if Instant::now() > d => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the peer took too long to send a message",
            )),
            _ => Ok(()),
        }
    }

    /// The next frame, or [`Incoming::Idle`] when the read timed out first, or
    /// [`Incoming::Closed`] at the end of the stream.
    ///
    /// # Errors
    /// A frame over [`MAX_FRAME`]; a frame not complete by its deadline (`TimedOut`); the
    /// stream ending inside a frame; read errors.
    pub fn next(&mut self, r: &mut impl Read) -> io::Result<Incoming> {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            if let Some(frame) = self.take()? {
                self.started = if self.buf.is_empty() {
                    None
                } else {
                    Some(Instant::now())
                };
                return Ok(Incoming::Frame(frame));
            }
            self.check_deadline()?;
            match r.read(&mut chunk) {
                Ok(0) if self.buf.is_empty() => return Ok(Incoming::Closed),
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the connection closed in the middle of a message",
                    ))
                }
                Ok(n) => {
                    if self.buf.is_empty() {
                        self.started = Some(Instant::now());
                    }
                    self.buf
                        .extend_from_slice(chunk.get(..n).unwrap_or_default());
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    self.check_deadline()?;
                    return Ok(Incoming::Idle);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Removes and returns the first whole frame in the buffer, if there is one.
    fn take(&mut self) -> io::Result<Option<Vec<u8>>> {
        let Some(header) = self.buf.get(..4).and_then(|h| <[u8; 4]>::try_from(h).ok()) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(header) as usize;
        if len > MAX_FRAME {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the peer sent a message over 64 MiB",
            ));
        }
        match self.buf.get(4..4 + len) {
            Some(body) => {
                let frame = body.to_vec();
                self.buf.drain(..4 + len);
                Ok(Some(frame))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A reader that hands out its bytes in small pieces, timing out between them.
    struct Trickle {
        pieces: Vec<Vec<u8>>,
        timed_out: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.timed_out {
                self.timed_out = true;
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.timed_out = false;
            if self.pieces.is_empty() {
                return Ok(0);
            }
            let piece = self.pieces.remove(0);
            buf[..piece.len()].copy_from_slice(&piece);
            Ok(piece.len())
        }
    }

    fn framed(messages: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in messages {
            write_frame(&mut out, m).unwrap();
        }
        out
    }

    #[test]
    fn frames_round_trip_with_big_endian_lengths() {
        let bytes = framed(&[b"hello", b"", b"x"]);
        assert_eq!(&bytes[..4], &[0, 0, 0, 5]);
        let mut r = Cursor::new(bytes);
        let mut reader = FrameReader::default();
        assert_eq!(
            reader.next(&mut r).unwrap(),
            Incoming::Frame(b"hello".to_vec())
        );
        assert_eq!(reader.next(&mut r).unwrap(), Incoming::Frame(Vec::new()));
        assert_eq!(reader.next(&mut r).unwrap(), Incoming::Frame(b"x".to_vec()));
        assert_eq!(reader.next(&mut r).unwrap(), Incoming::Closed);
    }

    #[test]
    fn partial_frames_survive_read_timeouts() {
        let bytes = framed(&[b"abcdef", b"gh"]);
        let pieces: Vec<Vec<u8>> = bytes.chunks(3).map(<[u8]>::to_vec).collect();
        let mut r = Trickle {
            pieces,
            timed_out: false,
        };
        let mut reader = FrameReader::default();
        let mut frames = Vec::new();
        let mut idles = 0;
        loop {
            match reader.next(&mut r).unwrap() {
                Incoming::Frame(f) => frames.push(f),
                Incoming::Idle => idles += 1,
                Incoming::Closed => break,
            }
        }
        assert_eq!(frames, vec![b"abcdef".to_vec(), b"gh".to_vec()]);
        assert!(idles > 2);
    }

    #[test]
    fn oversized_and_cut_off_frames_are_refused() {
        let mut header = ((MAX_FRAME + 1) as u32).to_be_bytes().to_vec();
        header.extend_from_slice(b"abc");
        let err = FrameReader::default()
            .next(&mut Cursor::new(header))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);

        let exactly_max = (MAX_FRAME as u32).to_be_bytes().to_vec();
        let err = FrameReader::default()
            .next(&mut Cursor::new(exactly_max))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");

        let mut cut = framed(&[b"abcdef"]);
        cut.truncate(7);
        let err = FrameReader::default()
            .next(&mut Cursor::new(cut))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

        let too_big = vec![0u8; MAX_FRAME + 1];
        let err = write_frame(&mut Vec::new(), &too_big).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    /// A peer that sends one byte per read, each read "taking" as long as the clock says.
    struct OneByteAtATime {
        bytes: Vec<u8>,
        pos: usize,
    }

    impl Read for OneByteAtATime {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            std::thread::sleep(Duration::from_millis(5));
            match self.bytes.get(self.pos) {
                Some(b) => {
                    buf[0] = *b;
                    self.pos += 1;
                    Ok(1)
                }
                None => Ok(0),
            }
        }
    }

    /// Issue 13, defect 2: a trickling peer is cut off when its frame's deadline passes, not
    /// held for as long as it keeps sending (each read alone never timed out before).
    #[test]
    fn a_trickled_frame_fails_at_its_deadline() {
        let bytes = framed(&[&[7u8; 200]]);
        let mut r = OneByteAtATime { bytes, pos: 0 };
        let mut reader = FrameReader::with_deadlines(Duration::from_millis(100), 1_000_000);
        let err = reader.next(&mut r).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(r.pos < 100, "it gave up early: after {} bytes", r.pos);
        // The same frame at full speed arrives.
        let mut reader = FrameReader::with_deadlines(Duration::from_millis(100), 1_000_000);
        let mut fast = Cursor::new(framed(&[&[7u8; 200]]));
        assert_eq!(
            reader.next(&mut fast).unwrap(),
            Incoming::Frame(vec![7; 200])
        );
    }
}
