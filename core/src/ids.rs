//! Stable identifiers: every person, document item and list element has a UUID.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

use crate::error::{Error, Result};

/// A stable, globally unique identifier (a random UUID, written in its hyphenated lower-case form).
///
/// Ids are created on the device that creates the item, so two offline devices never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(Uuid);

impl Id {
    /// A new random id.
    pub fn new() -> Self {
        Id(Uuid::new_v4())
    }

    /// Parses an id given by a caller; `field` names the argument in the error.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `text` is not a UUID.
    pub fn parse(field: &'static str, text: &str) -> Result<Self> {
        Uuid::parse_str(text.trim())
            .map(Id)
            .map_err(|_| Error::invalid(field, "is not a valid id"))
    }
}

impl Id {
    /// The id's 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// An id from its 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Id(Uuid::from_bytes(bytes))
    }
}

impl Default for Id {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for Id {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Id::parse("id", s)
    }
}

/// The id of a person (the key of their plan and case documents).
pub type PersonId = Id;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = Id::new();
        assert_eq!(Id::parse("id", &id.to_string()).unwrap(), id);
    }

    #[test]
    fn rejects_garbage_with_field_name() {
        match Id::parse("goal", "not-a-uuid") {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "goal"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
