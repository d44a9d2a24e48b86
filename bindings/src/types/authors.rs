//! Who made a change, as its signature proves it (ADR 0007): the author in `history`.

use linkwork_core::model as lw;

/// The author of a change as its device's signature proves it, not as its commit message
/// claims.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
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
        /// The device vouched for a change it could not prove the author of (imported, or held
        /// when it enrolled) rather than making it.
        adopted: bool,
    },
    /// Signed by a device whose certificate this store does not hold: the signature is
    /// checked, the person is not.
    Unverified {
        /// The signing device's key (64 hex digits).
        device: String,
    },
    /// No signature (made before signed changes existed).
    Unsigned,
}

impl From<lw::Author> for Author {
    fn from(a: lw::Author) -> Self {
        match a {
            lw::Author::Verified {
                name,
                role,
                device,
                adopted,
            } => Author::Verified {
                name,
                role,
                device,
                adopted,
            },
            lw::Author::Unverified { device } => Author::Unverified { device },
            lw::Author::Unsigned => Author::Unsigned,
        }
    }
}
