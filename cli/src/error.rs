//! The CLI's error type and its exit codes.
//!
//! Every failure is printed as one line, `error: <message>`, on stderr. Core errors are shown
//! with their `Display`, which never contains patient data; the CLI's own messages follow the
//! same rule (they name options and files, never values).

use std::fmt;
use std::process::ExitCode;

use linkwork_core::Error;

/// Exit code for usage errors (clap's own code).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for invalid input (a value the core refused).
pub const EXIT_INVALID: u8 = 3;
/// Exit code for an unknown id.
pub const EXIT_NOT_FOUND: u8 = 4;
/// Exit code for an illegal transition or an action the store's role does not permit.
pub const EXIT_REFUSED: u8 = 5;
/// Exit code for everything else (storage, files).
pub const EXIT_OTHER: u8 = 1;
/// Exit code for a temporary failure (sysexits' `EX_TEMPFAIL`): the hub could not be reached,
/// the connection to it was lost mid-exchange, or it asked the device to come back later.
/// Nothing unfinished was stored: run the command again later.
pub const EXIT_RETRY: u8 = 75;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The core refused the action or failed.
    Core(Error),
    /// The command line is incomplete (e.g. `--db` missing).
    Usage(String),
    /// A file could not be read or written.
    File {
        /// What was being done ("read the document file").
        action: &'static str,
        /// The underlying error (its message names no patient data).
        source: std::io::Error,
    },
    /// A network connection failed, or the peer broke the framing (`sync serve|connect`).
    Net {
        /// What was being done ("connect to the peer").
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The hub could not be reached, the connection to it was lost mid-exchange, or it
    /// closed the connection asking the device to come back later (it was stopping, or busy):
    /// a new exchange later may succeed ([`EXIT_RETRY`]).
    Unavailable {
        /// What was being done ("read from the hub").
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Something else went wrong (a sync that did not finish, a demo check that failed).
    Failed(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    /// The numeric exit code (see the `EXIT_*` constants).
    pub fn code(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::File { .. } | CliError::Net { .. } | CliError::Failed(_) => EXIT_OTHER,
            CliError::Unavailable { .. } => EXIT_RETRY,
            CliError::Core(e) => match e {
                Error::InvalidInput { .. }
                | Error::Measure(_)
                | Error::Schema { .. }
                | Error::Feed(_) => EXIT_INVALID,
                Error::NotFound { .. } => EXIT_NOT_FOUND,
                Error::IllegalTransition { .. }
                | Error::NotPermitted { .. }
                | Error::Untrusted(_)
                | Error::DirectoryShare(_) => EXIT_REFUSED,
                _ => EXIT_OTHER,
            },
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Core(e) => e.fmt(f),
            CliError::Usage(m) => f.write_str(m),
            CliError::File { action, source } | CliError::Net { action, source } => {
                write!(f, "could not {action}: {source}")
            }
            CliError::Unavailable { action, source } => {
                write!(f, "could not {action}: {source} (try again later)")
            }
            CliError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CliError {}

impl CliError {
    /// A network error while doing `action`.
    pub fn net(action: &'static str) -> impl FnOnce(std::io::Error) -> CliError {
        move |source| CliError::Net { action, source }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Core(e)
    }
}

impl From<linkwork_core::measures::MeasureError> for CliError {
    fn from(e: linkwork_core::measures::MeasureError) -> Self {
        CliError::Core(Error::Measure(e))
    }
}

/// Shorthand result for commands.
pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_error_kind() {
        assert_eq!(
            CliError::from(Error::invalid("rating", "x")).code(),
            EXIT_INVALID
        );
        assert_eq!(
            CliError::from(Error::not_found("goal", "x")).code(),
            EXIT_NOT_FOUND
        );
        assert_eq!(
            CliError::from(Error::NotPermitted { action: "x" }).code(),
            EXIT_REFUSED
        );
        assert_eq!(CliError::Usage("x".into()).code(), EXIT_USAGE);
        assert_eq!(CliError::from(Error::AlreadyExists).code(), EXIT_OTHER);
        let lost = CliError::Unavailable {
            action: "read from the hub",
            source: std::io::Error::other("reset"),
        };
        assert_eq!(lost.code(), EXIT_RETRY);
    }
}
