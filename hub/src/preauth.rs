//! Limits on a connection before its device has authenticated.
//!
//! The hub's WebSocket reader ([`tokio_tungstenite`]) takes one message-size limit when the
//! WebSocket is accepted and cannot change it on an open stream (`WebSocketStream` has
//! `get_config` but no `set_config`; rebuilding it with `from_raw_socket` would drop bytes its
//! reader had already buffered). That limit must be large for sync
//! ([`crate::server::MAX_MESSAGE`]), so an unauthenticated peer could make the hub buffer a
//! 4 MiB frame before the channel handshake refuses it. [`PreAuth`] sits under the WebSocket,
//! over the TLS stream's plaintext, and lets at most [`PREAUTH_BYTES`] through in total until
//! the hub calls [`PreAuth::admitted`]; the next read past the budget fails, and the WebSocket
//! reader sees an I/O error, so the hub never holds more than the budget (plus the reader's own
//! read chunk) of an unauthenticated peer's bytes. The WebSocket upgrade request, the channel
//! handshake (a few hundred bytes each way) and an enrolment request (at most
//! [`linkwork_core::identity::enrolment::MAX_MESSAGE_BYTES`]) all fit well within it.
//!
//! The number of unauthenticated connections a node holds at once is capped separately
//! ([`crate::server::ServeOptions::max_unauthenticated`]), and the whole pre-authentication
//! stage has one deadline ([`crate::server::HANDSHAKE_TIMEOUT`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How many bytes a connection may send before its device is admitted.
pub const PREAUTH_BYTES: usize = 64 * 1024;

/// A stream that refuses to read more than a budget of bytes until it is marked admitted.
#[derive(Debug)]
pub struct PreAuth<S> {
    inner: S,
    /// Bytes still allowed; `None` once admitted.
    remaining: Option<usize>,
    exceeded: bool,
}

impl<S> PreAuth<S> {
    /// Wraps `inner` with the pre-authentication budget [`PREAUTH_BYTES`].
    pub fn new(inner: S) -> Self {
        Self::with_budget(inner, PREAUTH_BYTES)
    }

    /// Wraps `inner` with a budget of `bytes`.
    pub fn with_budget(inner: S, bytes: usize) -> Self {
        PreAuth {
            inner,
            remaining: Some(bytes),
            exceeded: false,
        }
    }

    /// Lifts the budget: the device has authenticated and been admitted, and from now on only
    /// the WebSocket's own message limit applies.
    pub fn admitted(&mut self) {
        self.remaining = None;
    }

    /// Whether a read was refused because the peer sent more than the budget.
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PreAuth<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(remaining) = this.remaining else {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        };
        if remaining == 0 {
            this.exceeded = true;
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "pre-authentication limit exceeded",
            )));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        let read = buf.filled().len() - before;
        if read > remaining {
            // Hand on only what the budget allows; the rest is discarded with the connection,
            // which the next read refuses.
            buf.set_filled(before + remaining);
            this.remaining = Some(0);
        } else {
            this.remaining = Some(remaining - read);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PreAuth<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn reads_past_the_budget_are_refused_before_admission() {
        let data = vec![7u8; 1024 * 1024];
        let mut s = PreAuth::with_budget(&data[..], 1000);
        let mut got = Vec::new();
        let err = s.read_to_end(&mut got).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(got.len(), 1000, "no byte past the budget is handed on");
        assert!(s.exceeded());
    }

    #[tokio::test]
    async fn a_peer_under_the_budget_reads_normally() {
        let data = vec![7u8; 999];
        let mut s = PreAuth::with_budget(&data[..], 1000);
        let mut got = Vec::new();
        s.read_to_end(&mut got).await.unwrap();
        assert_eq!(got.len(), 999);
        assert!(!s.exceeded());
    }

    #[tokio::test]
    async fn admission_lifts_the_budget() {
        let data = vec![7u8; 1024 * 1024];
        let mut s = PreAuth::with_budget(&data[..], 1000);
        let mut first = [0u8; 600];
        s.read_exact(&mut first).await.unwrap();
        s.admitted();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).await.unwrap();
        assert_eq!(600 + rest.len(), data.len());
        assert!(!s.exceeded());
    }
}
