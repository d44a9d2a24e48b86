//! [`HubError`]: every way a hub command or connection fails. Messages carry no key material
//! and no patient data.

use linkwork_core::identity::Refusal;

/// A hub failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// The database (PostgreSQL or the embedded SQLite file) failed or is unreachable.
    #[error("database: {0}")]
    Database(String),
    /// The database holds a value this build cannot read.
    #[error("database holds a damaged {0}")]
    Corrupt(&'static str),
    /// `init` ran already on this database.
    #[error("the hub is already initialised for an organisation")]
    AlreadyInitialised,
    /// No organisation yet: run `linkwork-hub init` first.
    #[error("the hub is not initialised (run `linkwork-hub init --org NAME`)")]
    NotInitialised,
    /// A user name, or a device key, is already taken.
    #[error("{0} already exists")]
    Exists(&'static str),
    /// Another sync step (another device, or another hub node) changed a document this step
    /// also changed, after this step read it: nothing of this step was stored; sync again.
    #[error("a document changed during this sync step; sync again")]
    Concurrent,
    /// No such user or device.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// An argument is not valid.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which argument.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The organisation key file is missing, unreadable, readable by others than its owner,
    /// damaged, or for another organisation than the database's.
    #[error("key file: {0}")]
    KeyFile(String),
    /// TLS configuration or handshake failure.
    #[error("tls: {0}")]
    Tls(String),
    /// An identity value was refused.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// Reading or writing a file or socket failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Fetching the services directory failed at page `page` (counting from 1): nothing was
    /// stored.
    #[error("directory fetch failed at page {page}: {reason}")]
    Fetch {
        /// The page being read.
        page: usize,
        /// Why (the HTTP error, a limit, or what the answer was instead of a page).
        reason: String,
    },
    /// Core refused an operation.
    #[error("{0}")]
    Core(#[from] linkwork_core::Error),
    /// The hub's own certificate (its identity on the authenticated channel, issued by the
    /// organisation) has expired: devices refuse the hub until it is renewed.
    #[error(
        "the hub's certificate expired at {} (devices refuse the hub): run `linkwork-hub cert renew`",
        utc(.expired_at)
    )]
    CertificateExpired {
        /// When it expired (seconds since the epoch).
        expired_at: i64,
    },
    /// The TLS certificate `serve` was given (`--tls-cert`) has expired, or one of its chain
    /// has: every device would refuse the handshake until a renewed one is installed.
    #[error(
        "the TLS certificate (--tls-cert) expired at {} (devices refuse it): install a renewed \
         certificate and key",
        utc(.expired_at)
    )]
    TlsCertificateExpired {
        /// When it (the first of its chain to expire) expired, seconds since the epoch.
        expired_at: i64,
    },
}

/// `t` (seconds since the epoch) as a UTC date and time.
pub fn utc(t: &i64) -> String {
    chrono::DateTime::from_timestamp(*t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// The hub's result type.
pub type Result<T, E = HubError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        HubError::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for HubError {
    fn from(e: tokio_postgres::Error) -> Self {
        // tokio-postgres says only "error performing TLS handshake" or "error connecting to
        // server": the cause (a certificate from another CA, a refused connection) is what an
        // operator needs. A server's own error is left at its kind: its details may quote
        // values.
        use std::error::Error as _;
        match e.source() {
            Some(cause) if e.as_db_error().is_none() => HubError::Database(format!("{e}: {cause}")),
            _ => HubError::Database(e.to_string()),
        }
    }
}

impl HubError {
    /// An invalid argument.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> HubError {
        HubError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
