//! TLS between the hub and PostgreSQL: which connection URLs ask for it, and a
//! `tokio_postgres` TLS connector over `tokio-rustls` (the `ring` provider the hub's own
//! endpoint uses).
//!
//! The URL's `sslmode` decides, as in libpq, with one difference: rustls always verifies the
//! server's certificate chain *and* host name, so `require`, `verify-ca` and `verify-full` all
//! mean what libpq calls `verify-full`. `disable`, or no `sslmode` at all, connects in
//! plaintext (a Unix socket, or a database on the hub's own host). `prefer` and `allow` are
//! refused: they fall back to plaintext when TLS fails, which an attacker on the path can force.
//! The CA that signed the server's certificate comes from `sslrootcert=FILE` (PEM, the libpq
//! name); without it, the public web PKI's roots (`webpki-roots`, for a managed database with a
//! publicly trusted certificate). See `docs/deploy.md#postgresql`.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_postgres::{Config, Socket};
use tokio_rustls::{client, rustls, TlsConnector};

use crate::error::{HubError, Result};

/// The largest `sslrootcert` file read (a CA bundle is a few hundred kilobytes at most).
pub const MAX_ROOT_CERT_BYTES: u64 = 1024 * 1024;

/// A parsed PostgreSQL connection string and the TLS it asks for.
#[derive(Clone)]
pub struct PgTarget {
    /// The connection settings, `sslmode` set to `disable` or `require`.
    pub config: Config,
    /// The TLS connector (used only when `config` requires TLS).
    pub tls: PgTls,
}

impl PgTarget {
    /// Parses `url` (a `postgres://` URL or a libpq `key=value` string), taking out the TLS
    /// options tokio-postgres does not read (`sslmode` beyond `disable`/`require`,
    /// `sslrootcert`) and reading the root CA file.
    ///
    /// # Errors
    /// [`HubError::Invalid`] for a malformed string, `sslmode=prefer`/`allow` or an unknown
    /// mode, and a root CA file given without a mode that uses it; [`HubError::Tls`] for a root
    /// CA file that cannot be read, is too large, or holds no certificate.
    pub fn parse(url: &str) -> Result<PgTarget> {
        let (rest, options) = take_tls_options(url)?;
        let mut config: Config = rest
            .parse()
            .map_err(|e| HubError::invalid("database URL", format!("{e}")))?;
        let tls = match options.mode.as_deref() {
            None | Some("disable") => {
                if options.root_cert.is_some() {
                    return Err(HubError::invalid(
                        "database URL",
                        "sslrootcert needs sslmode=verify-full (or require)",
                    ));
                }
                config.ssl_mode(SslMode::Disable);
                PgTls { config: None }
            }
            Some("require" | "verify-ca" | "verify-full") => {
                config.ssl_mode(SslMode::Require);
                let tls = match &options.root_cert {
                    Some(path) => crate::tls::client_config(&read_root_cert(Path::new(path))?)?,
                    None => web_pki_config()?,
                };
                PgTls {
                    config: Some(Arc::new(tls)),
                }
            }
            Some("prefer" | "allow") => {
                return Err(HubError::invalid(
                    "database URL",
                    "sslmode=prefer/allow fall back to plaintext: use verify-full or disable",
                ))
            }
            Some(_) => return Err(HubError::invalid("database URL", "unknown sslmode")),
        };
        Ok(PgTarget { config, tls })
    }

    /// Whether connections are made over TLS.
    pub fn uses_tls(&self) -> bool {
        self.tls.config.is_some()
    }
}

/// The TLS options of a connection string.
#[derive(Debug, Default, PartialEq, Eq)]
struct TlsOptions {
    mode: Option<String>,
    root_cert: Option<String>,
}

/// Splits `sslmode` and `sslrootcert` out of `url`, returning the rest.
fn take_tls_options(url: &str) -> Result<(String, TlsOptions)> {
    let mut options = TlsOptions::default();
    let mut take = |key: &str, value: String| match key {
        "sslmode" => {
            options.mode = Some(value);
            true
        }
        "sslrootcert" => {
            options.root_cert = Some(value);
            true
        }
        _ => false,
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return Ok((url.to_owned(), options));
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| HubError::invalid("database URL", "a parameter is not UTF-8"))?;
            if !take(key, value.into_owned()) {
                kept.push(pair);
            }
        }
        if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    } else {
        // libpq's `key=value` form: these two values are plain words or paths (quoted values
        // are left to tokio-postgres, which refuses the TLS options it does not know).
        let mut kept = Vec::new();
        for word in url.split_whitespace() {
            let taken = word
                .split_once('=')
                .is_some_and(|(k, v)| !v.starts_with('\'') && take(k.trim(), v.to_owned()));
            if !taken {
                kept.push(word);
            }
        }
        kept.join(" ")
    };
    Ok((rest, options))
}

fn read_root_cert(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let shown = || path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| HubError::Tls(format!("{}: {e}", shown())))?;
    let mut pem = Vec::new();
    file.take(MAX_ROOT_CERT_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(|e| HubError::Tls(format!("{}: {e}", shown())))?;
    if pem.len() as u64 > MAX_ROOT_CERT_BYTES {
        return Err(HubError::Tls(format!(
            "{}: larger than {MAX_ROOT_CERT_BYTES} bytes",
            shown()
        )));
    }
    Ok(pem)
}

fn web_pki_config() -> Result<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(
        rustls::ClientConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| HubError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// The hub's `tokio_postgres` TLS connector: rustls verifying the server's chain and host
/// name. Without a configuration it is never asked to connect (the URL disabled TLS).
#[derive(Clone)]
pub struct PgTls {
    config: Option<Arc<rustls::ClientConfig>>,
}

impl MakeTlsConnect<Socket> for PgTls {
    type Stream = PgTlsStream;
    type TlsConnect = PgTlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<PgTlsConnect> {
        // The name is checked when TLS is used: a plaintext connection to a Unix socket path
        // has none.
        Ok(PgTlsConnect {
            config: self.config.clone(),
            domain: domain.to_owned(),
        })
    }
}

/// One TLS handshake with the server called `domain` (see [`PgTls`]).
pub struct PgTlsConnect {
    config: Option<Arc<rustls::ClientConfig>>,
    domain: String,
}

impl TlsConnect<Socket> for PgTlsConnect {
    type Stream = PgTlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<PgTlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let config = self.config.ok_or_else(|| {
                io::Error::new(io::ErrorKind::Unsupported, "TLS is not configured")
            })?;
            let name = ServerName::try_from(self.domain)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            let tls = TlsConnector::from(config).connect(name, stream).await?;
            Ok(PgTlsStream(Box::new(tls)))
        })
    }
}

/// A TLS connection to PostgreSQL.
pub struct PgTlsStream(Box<client::TlsStream<Socket>>);

impl TlsStream for PgTlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        // SCRAM runs without channel binding (`channel_binding=prefer`): the certificate check
        // is what binds the session to the server.
        ChannelBinding::none()
    }
}

impl AsyncRead for PgTlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PgTlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str) -> (String, TlsOptions) {
        take_tls_options(url).unwrap()
    }

    #[test]
    fn tls_options_are_taken_out_of_both_forms() {
        let (rest, o) = options(
            "postgres://hub@db.example:5432/linkwork?sslmode=verify-full\
             &sslrootcert=%2Fetc%2Flinkwork%2Fdb%20ca.pem&application_name=hub",
        );
        assert_eq!(
            rest,
            "postgres://hub@db.example:5432/linkwork?application_name=hub"
        );
        assert_eq!(o.mode.as_deref(), Some("verify-full"));
        assert_eq!(o.root_cert.as_deref(), Some("/etc/linkwork/db ca.pem"));

        let (rest, o) = options("postgres://hub@db.example/linkwork?sslmode=disable");
        assert_eq!(rest, "postgres://hub@db.example/linkwork");
        assert_eq!(o.mode.as_deref(), Some("disable"));

        let (rest, o) = options("host=db.example user=hub sslmode=require sslrootcert=/ca.pem");
        assert_eq!(rest, "host=db.example user=hub");
        assert_eq!(o.mode.as_deref(), Some("require"));
        assert_eq!(o.root_cert.as_deref(), Some("/ca.pem"));

        assert_eq!(
            options("postgres://hub@h/db"),
            ("postgres://hub@h/db".to_owned(), TlsOptions::default())
        );
    }

    #[test]
    fn modes_that_can_fall_back_to_plaintext_are_refused() {
        for mode in ["prefer", "allow", "verify", "REQUIRE"] {
            let url = format!("postgres://hub@h/db?sslmode={mode}");
            assert!(
                matches!(PgTarget::parse(&url), Err(HubError::Invalid { .. })),
                "{mode}"
            );
        }
        // A root CA without TLS is a mistake in the URL, not something to ignore.
        assert!(matches!(
            PgTarget::parse("postgres://hub@h/db?sslrootcert=/ca.pem"),
            Err(HubError::Invalid { .. })
        ));
        assert!(!PgTarget::parse("postgres://hub@h/db").unwrap().uses_tls());
        assert!(PgTarget::parse("postgres://hub@h/db?sslmode=require")
            .unwrap()
            .uses_tls());
    }

    #[test]
    fn a_root_ca_file_is_bounded_and_must_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'a'; MAX_ROOT_CERT_BYTES as usize + 1]).unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, b"not a certificate").unwrap();
        for file in [&big, &empty, &dir.path().join("missing.pem")] {
            let url = format!(
                "postgres://hub@h/db?sslmode=verify-full&sslrootcert={}",
                file.display()
            );
            assert!(
                matches!(PgTarget::parse(&url), Err(HubError::Tls(_))),
                "{}",
                file.display()
            );
        }
    }
}
