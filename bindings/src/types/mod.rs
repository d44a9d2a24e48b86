//! Records and enums crossing the FFI, mirroring the core's model by concern. Inputs are
//! `New*` and `*Update` records (converted with `TryFrom`, because ids and dates are parsed);
//! outputs convert with `From`.
//!
//! Conventions: ids are UUID text; calendar dates (date of birth, due, target, review, expiry,
//! referral received) are `YYYY-MM-DD` text; instants are `SystemTime` (Kotlin `Instant`,
//! Swift `Date`).

pub mod authors;
pub mod case;
pub mod directory;
pub mod documents;
pub mod episode;
pub mod gp_message;
pub mod identity;
pub mod key;
pub mod measures;
pub mod onward;
pub mod person;
pub mod plan;
pub mod reporting;
pub mod reports;
pub mod sharing;
pub mod sync;
pub mod sync_state;

pub use authors::*;
pub use case::*;
pub use directory::*;
pub use documents::*;
pub use episode::*;
pub use gp_message::*;
pub use identity::*;
pub use key::*;
pub use measures::*;
pub use onward::*;
pub use person::*;
pub use plan::*;
pub use reporting::*;
pub use reports::*;
pub use sharing::*;
pub use sync::*;
pub use sync_state::*;

/// Declares a fieldless `uniffi::Enum` mirroring a core enum variant for variant, with `From`
/// both ways (a variant added in the core fails to compile here until it is mirrored).
macro_rules! mirror_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident = $core:ty {
            $($(#[$vmeta:meta])* $variant:ident,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                type Core = $core;
                match v {
                    $(Core::$variant => Self::$variant,)+
                }
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => Self::$variant,)+
                }
            }
        }
    };
}
pub(crate) use mirror_enum;

/// One optional field of an update: `None` when absent, `Some(None)` when cleared,
/// `Some(Some(v))` when set; both set and cleared is `InvalidInput`.
pub(crate) fn patch<T, F: PartialEq>(
    field: &'static str,
    value: Option<T>,
    clear: &[F],
    which: F,
) -> Result<Option<Option<T>>, crate::LinkWorkError> {
    match (value, clear.contains(&which)) {
        (Some(_), true) => Err(crate::LinkWorkError::InvalidInput {
            field: field.into(),
            reason: "is both set and cleared".into(),
        }),
        (Some(v), false) => Ok(Some(Some(v))),
        (None, true) => Ok(Some(None)),
        (None, false) => Ok(None),
    }
}
