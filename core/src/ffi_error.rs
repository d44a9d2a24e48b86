//! The one public error of the Kotlin and Swift API (feature `uniffi`): a few variants an app
//! can act on, and the single place where the core's rich [`Error`](crate::Error) is mapped onto
//! them. It lives in core (ADR 0009) so that a value refused while it is lifted at the boundary
//! (an id, an NHS number or a date that does not parse; see `uniffi_support`) reaches the app as
//! this typed error rather than as an internal one. No message contains patient data:
//! they name fields, kinds, actions and random ids only (the core's messages already do).

use crate::directory::FeedError;
use crate::hub_client::HubClientError;
use crate::identity::enrolment::EnrolRefused;
use crate::measures::MeasureError;
use crate::Error as CoreError;

/// Everything a linkwork call can fail with. Kotlin: `LinkWorkException` (a sealed class with
/// one subclass per variant); Swift: `LinkWorkError` (an enum conforming to `Error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LinkWorkError {
    /// No item of this kind with this id exists in the store (e.g. a deleted or mistyped id).
    #[error("no {kind} with id {id}")]
    NotFound {
        /// The kind of item looked for: `person`, `goal`, `step`, `consultation`, ...
        kind: String,
        /// The id that was looked for.
        id: String,
    },
    /// An argument is invalid; show `field` to the user and let them correct it.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field or argument, in the core's snake_case spelling (`nhs_number`, `rating`,
        /// `date_of_birth`, `person_id`, `answers`, `document`, `feed`, ...).
        field: String,
        /// Why it is invalid (never the value itself).
        reason: String,
    },
    /// The request conflicts with the current state: an illegal state transition (e.g.
    /// accepted -> contacting, a step already done), a store that already exists, or an item
    /// written by a newer app version with a code this build does not know (update the app to
    /// change it). Reload and show the current state.
    #[error("conflict: {reason}")]
    Conflict {
        /// What conflicts (state codes, never content).
        reason: String,
    },
    /// This store's role does not allow the action (e.g. a patient's own store editing case
    /// data or reading another person).
    #[error("not permitted on this store: {action}")]
    NotPermitted {
        /// The refused action.
        action: String,
    },
    /// The database could not be opened, read or written: not a linkwork store, written by a
    /// newer version, disk full, file damaged.
    #[error("storage error: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// The key does not open this store: another key, an encrypted store opened as
    /// `Unencrypted`, or a plain store opened with a key. Nothing was changed. Open it with its
    /// own key; a store whose key is lost cannot be read (restore from a backup or sync it
    /// again from another device).
    #[error("wrong key: {reason}")]
    WrongKey {
        /// What was found (never key material).
        reason: String,
    },
    /// This build is too old for what it met: a store written by a newer app version, or an
    /// item a newer version wrote with a code this build does not know (it is kept untouched
    /// but cannot be edited here). Ask the user to update the app.
    #[error("update required: {reason}")]
    UpdateRequired {
        /// What was newer (format numbers, kinds and ids only).
        reason: String,
    },
    /// An identity was refused: a certificate, certificate request, pairing payload or
    /// revocation list that is malformed, tampered with, from another organisation, expired,
    /// revoked, for another device, or claims a role or person it may not; a pairing code that
    /// does not match; a device not enrolled or not allowed to enrol patients. Nothing was
    /// installed or created. `reason` names the refusal (never key material or patient data).
    #[error("identity refused: {reason}")]
    Untrusted {
        /// The refusal: `malformed`, `unknown format version`, `bad signature`, `issued by
        /// another organisation`, `expired`, `not yet valid`, `revoked`, `for another device`,
        /// `role does not match`, `person does not match`, `issuer may not enrol patients`,
        /// `revocation list is not newer than the installed one`, `not enrolled`,
        /// `pairing code does not match`, `pairing offer already taken up by another device`.
        reason: String,
    },
    /// Synchronisation failed; start a new session later when `retryable`.
    #[error("sync error: {reason}")]
    Sync {
        /// Whether retrying the same exchange later may succeed.
        retryable: bool,
        /// What failed.
        reason: String,
    },
    /// The organisation's hub refused to enrol this device; nothing was installed. Show the
    /// user what to do: `CodeNotValid` (ask the administrator for a new invite code),
    /// `RequestRefused` (the code is for another kind of device or user), `Unavailable` (try
    /// again later).
    #[error("the hub refused the enrolment: {refusal:?}")]
    EnrolmentRefused {
        /// Why.
        refusal: EnrolmentRefusal,
    },
    /// An exchange with the organisation's hub failed: it closed the connection early (it
    /// refused this device or a message, or stopped), sent a frame over the limit or a message
    /// out of place. Nothing unfinished was stored; start a new exchange (later) when
    /// `retryable`.
    #[error("hub error: {reason}")]
    Hub {
        /// Whether a new exchange later may succeed.
        retryable: bool,
        /// What failed (protocol terms only).
        reason: String,
    },
    /// A bug or an unforeseen failure; report it.
    #[error("unexpected error: {reason}")]
    Unexpected {
        /// What failed.
        reason: String,
    },
}

/// Why the hub refused an enrolment (core's
/// [`EnrolRefused`](crate::identity::enrolment::EnrolRefused), in the app's shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EnrolmentRefusal {
    /// The invite code is unknown, already used or expired.
    CodeNotValid,
    /// The request does not fit the invited user (e.g. a patient's store invited as a link
    /// worker), or is malformed.
    RequestRefused,
    /// The hub could not complete the enrolment (its database is unavailable): try again.
    Unavailable,
}

impl From<CoreError> for LinkWorkError {
    fn from(e: CoreError) -> Self {
        let reason = e.to_string();
        match e {
            CoreError::InvalidInput { field, reason } => Self::InvalidInput {
                field: field.to_string(),
                reason,
            },
            CoreError::NotFound { kind, id } => Self::NotFound {
                kind: kind.to_string(),
                id,
            },
            CoreError::IllegalTransition { .. } | CoreError::AlreadyExists => {
                Self::Conflict { reason }
            }
            // Written by a newer app version: the user can act on it by updating the app.
            CoreError::NewerVersion { .. } | CoreError::StoreTooNew { .. } => {
                Self::UpdateRequired { reason }
            }
            CoreError::NotPermitted { action } => Self::NotPermitted {
                action: action.to_string(),
            },
            // Answers an instrument refuses are invalid input of the field that holds them.
            CoreError::Measure(m) => Self::InvalidInput {
                field: match m {
                    MeasureError::WrongLength { .. } | MeasureError::OutOfRange { .. } => "answers",
                    MeasureError::InvalidPam { .. } => "pam",
                    MeasureError::NotScoredHere { .. } | MeasureError::UnknownInstrument => {
                        "instrument"
                    }
                }
                .into(),
                reason,
            },
            // Raised by imported bytes that decode but do not follow the schema.
            CoreError::Schema { .. } => Self::InvalidInput {
                field: "document".into(),
                reason,
            },
            CoreError::Sync { reason, retryable } => Self::Sync { retryable, reason },
            CoreError::Hub(HubClientError::EnrolRefused(why)) => Self::EnrolmentRefused {
                refusal: match why {
                    EnrolRefused::CodeNotValid => EnrolmentRefusal::CodeNotValid,
                    EnrolRefused::RequestRefused => EnrolmentRefusal::RequestRefused,
                    EnrolRefused::Unavailable => EnrolmentRefusal::Unavailable,
                },
            },
            CoreError::Hub(e) => Self::Hub {
                retryable: e.retryable(),
                reason,
            },
            // A directory feed refused whole: an older feed conflicts with the stored one;
            // anything else is a bad file.
            CoreError::Feed(FeedError::Older) => Self::Conflict { reason },
            CoreError::Feed(_) => Self::InvalidInput {
                field: "feed".into(),
                reason,
            },
            CoreError::WrongKey { reason } => Self::WrongKey { reason },
            CoreError::Untrusted(refusal) => Self::Untrusted {
                reason: refusal.to_string(),
            },
            // A directory from the hub refused (oversized, out of order, wrong digest).
            CoreError::DirectoryShare(_) => Self::Untrusted { reason },
            CoreError::NotAStore { .. }
            | CoreError::EncryptionUnavailable
            | CoreError::Sqlite(_)
            | CoreError::Io(_) => Self::Storage { reason },
            // No catch-all: inside core the match is exhaustive, so a new variant fails to
            // compile until it is mapped here.
            CoreError::Automerge(_) => Self::Unexpected { reason },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_ask_for_an_update() {
        let item = CoreError::NewerVersion {
            kind: "goal",
            id: "g1".into(),
        };
        let store = CoreError::StoreTooNew {
            found: 9,
            supported: 3,
        };
        for e in [item, store] {
            assert!(matches!(
                LinkWorkError::from(e),
                LinkWorkError::UpdateRequired { .. }
            ));
        }
    }

    #[test]
    fn refused_feeds_are_invalid_input_and_older_feeds_conflicts() {
        assert!(matches!(
            LinkWorkError::from(CoreError::Feed(FeedError::NotJson)),
            LinkWorkError::InvalidInput { field, .. } if field == "feed"
        ));
        assert!(matches!(
            LinkWorkError::from(CoreError::Feed(FeedError::Older)),
            LinkWorkError::Conflict { .. }
        ));
    }

    #[test]
    fn hub_refusals_are_typed_and_say_whether_to_retry() {
        assert_eq!(
            LinkWorkError::from(CoreError::Hub(HubClientError::EnrolRefused(
                EnrolRefused::CodeNotValid
            ))),
            LinkWorkError::EnrolmentRefused {
                refusal: EnrolmentRefusal::CodeNotValid
            }
        );
        assert!(matches!(
            LinkWorkError::from(CoreError::Hub(HubClientError::Closed(
                "during the handshake"
            ))),
            LinkWorkError::Hub {
                retryable: true,
                ..
            }
        ));
        assert!(matches!(
            LinkWorkError::from(CoreError::Hub(HubClientError::Unexpected("a message"))),
            LinkWorkError::Hub {
                retryable: false,
                ..
            }
        ));
    }

    #[test]
    fn illegal_transitions_stay_conflicts() {
        let e = CoreError::AlreadyExists;
        assert!(matches!(
            LinkWorkError::from(e),
            LinkWorkError::Conflict { .. }
        ));
    }
}
