//! Who changed what, when: read from the documents' change history.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::code_enum;

code_enum! {
    /// Which of a person's two documents a change touched.
    pub enum DocKind {
        /// The plan document (shareable with the person).
        Plan => "plan",
        /// The case document (link-worker only).
        Case => "case",
    }
}

/// One user action in a person's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryEntry {
    /// When the action was committed (the device's clock; advisory only).
    pub at: DateTime<Utc>,
    /// The user name the commit message records (a claim of the device that made the change;
    /// [`HistoryEntry::author`] is who is proven to have made it).
    pub user: String,
    /// The action, a stable code such as `goal.progress`.
    pub action: String,
    /// The item the action touched, when there is one.
    pub item_id: Option<String>,
    /// Which document.
    pub document: DocKind,
    /// The automerge change hash (hex).
    pub change: String,
    /// Who is proven to have made the change (ADR 0007).
    pub author: Author,
}

/// The author of a change as its signature proves it (ADR 0007), not as its commit message
/// claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Author {
    /// Signed by a device whose certificate, chained to this store's organisation, was valid
    /// when the signature was checked.
    Verified {
        /// The user name the certificate binds.
        name: String,
        /// The certificate's role code (`link-worker`, `team-lead`, `admin`, `patient`).
        role: String,
        /// The signing device's key (64 hex digits).
        device: String,
        /// The device vouched for a change whose author it could not prove (it imported the
        /// change, or held it when it enrolled) rather than making it.
        adopted: bool,
    },
    /// Signed by a device whose certificate this store does not hold (an unenrolled store's,
    /// or one made before the store enrolled): the signature is checked, the person is not.
    Unverified {
        /// The signing device's key (64 hex digits).
        device: String,
    },
    /// No signature (made before signed changes existed, or by an app that does not sign).
    Unsigned,
}

impl Author {
    /// A one-line description: `Sam (link-worker)`, `Sam (link-worker, adopted)`,
    /// `unverified device 1a2b3c4d…`, or `unsigned`.
    pub fn describe(&self) -> String {
        match self {
            Author::Verified {
                name,
                role,
                adopted,
                ..
            } => {
                if *adopted {
                    format!("{name} ({role}, adopted)")
                } else {
                    format!("{name} ({role})")
                }
            }
            Author::Unverified { device } => {
                format!("unverified device {}", device.get(..8).unwrap_or(device))
            }
            Author::Unsigned => "unsigned".to_string(),
        }
    }
}
