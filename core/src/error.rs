//! The one rich error type of the core. Messages never contain patient data: they name fields,
//! kinds and ids (random UUIDs), never names, numbers, notes or answers.

use crate::measures::MeasureError;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value is invalid; `field` names the argument, `reason` says why.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field or argument that is invalid.
        field: &'static str,
        /// Why it is invalid (never contains the value itself).
        reason: String,
    },
    /// No item of this kind with this id exists in the store.
    #[error("no {kind} with id {id}")]
    NotFound {
        /// The kind of item looked for (person, goal, step, ...).
        kind: &'static str,
        /// The id that was looked for.
        id: String,
    },
    /// A state machine refused a transition.
    #[error("cannot move {machine} from {from} to {to}")]
    IllegalTransition {
        /// Which state machine (episode, onward referral, step, consultation).
        machine: &'static str,
        /// The current state.
        from: String,
        /// The requested state.
        to: String,
    },
    /// The store's role does not allow this action (e.g. a patient store editing case data).
    #[error("not permitted on this store: {action}")]
    NotPermitted {
        /// The refused action.
        action: &'static str,
    },
    /// An outcome measure's answers are invalid.
    #[error(transparent)]
    Measure(#[from] MeasureError),
    /// A stored or received document does not follow the linkwork schema.
    #[error("document does not follow the schema: {reason}")]
    Schema {
        /// What is wrong (structure only, no content).
        reason: String,
    },
    /// The database file was written by a newer version of linkwork.
    #[error("store format {found} is newer than this build supports ({supported})")]
    StoreTooNew {
        /// The store's format version.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },
    /// The file is not a linkwork store (or is damaged beyond opening).
    #[error("not a linkwork store: {reason}")]
    NotAStore {
        /// What was found instead.
        reason: String,
    },
    /// The key does not open this store: another key, an encrypted store opened as
    /// unencrypted, a plain store opened with a key, or a file that is not a store encrypted for
    /// this key. Nothing was changed.
    #[error("wrong key: {reason}")]
    WrongKey {
        /// What was found (never key material).
        reason: String,
    },
    /// A key was given but this build has no encryption (linkwork-core without its
    /// `encryption` feature). Nothing was written in plain text.
    #[error("this build cannot encrypt stores (built without the `encryption` feature)")]
    EncryptionUnavailable,
    /// The store already exists (when creating).
    #[error("a store already exists at that path")]
    AlreadyExists,
    /// The item carries a code (a status, a mode, an instrument, ...) that only a newer version
    /// of linkwork knows. Readers leave such an item out and the document keeps it untouched;
    /// this build refuses to edit it. Update the app to change it.
    #[error("{kind} {id} was written by a newer version of linkwork")]
    NewerVersion {
        /// The item's kind (goal, step, episode, consultation, ...).
        kind: &'static str,
        /// The item's id.
        id: String,
    },
    /// A sync message could not be used: malformed, from an incompatible version, or out of
    /// order. `retryable` says whether starting a new session may succeed.
    #[error("sync failed: {reason}")]
    Sync {
        /// What went wrong (protocol terms only).
        reason: String,
        /// Whether a new session may succeed (e.g. a message was lost or cut off).
        retryable: bool,
    },
    /// An identity value (certificate, request, pairing payload, revocation list) or a peer's
    /// identity was refused: see [`crate::identity::Refusal`]. Nothing was installed or shared.
    #[error("identity refused: {0}")]
    Untrusted(#[from] crate::identity::Refusal),
    /// A community services feed was refused whole (not Open Referral, too large, no valid
    /// service, older than the stored directory); the stored directory is unchanged.
    #[error(transparent)]
    Feed(#[from] crate::directory::FeedError),
    /// A directory sent by the organisation's hub was refused (oversized, out of order, not
    /// matching its digest, or to a patient's store); the stored directory is unchanged.
    #[error(transparent)]
    DirectoryShare(#[from] crate::directory::share::ShareError),
    /// An exchange with the organisation's hub failed on the device's side: the hub refused
    /// the enrolment, closed early or sent something out of place
    /// ([`crate::hub_client::HubClientError`]). Nothing unfinished was stored.
    #[error(transparent)]
    Hub(#[from] crate::hub_client::HubClientError),
    /// SQLite failed.
    #[error("storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// automerge failed to load or apply document bytes.
    #[error("document error: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// A filesystem operation failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    /// Shorthand for a non-retryable [`Error::Sync`].
    pub fn protocol(reason: impl Into<String>) -> Self {
        Error::Sync {
            reason: reason.into(),
            retryable: false,
        }
    }

    /// Shorthand for [`Error::Schema`].
    pub fn schema(reason: impl Into<String>) -> Self {
        Error::Schema {
            reason: reason.into(),
        }
    }
}
