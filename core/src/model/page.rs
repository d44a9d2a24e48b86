//! Paging for long lists: a page size and an opaque cursor that names the last row seen by its
//! sort key, so a row added or removed between pages neither repeats nor skips another row.

use serde::Serialize;

use crate::error::{Error, Result};

/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// The longest cursor accepted (a cursor is made by this build and is far shorter).
const MAX_CURSOR_CHARS: usize = 4_096;

/// Which page of a list to return.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PageRequest {
    /// At most this many rows, 1 to [`MAX_PAGE_SIZE`].
    pub limit: i32,
    /// The cursor of the previous page ([`Page::next`]); `None` for the first page.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub after: Option<String>,
}

impl PageRequest {
    /// The first page of `limit` rows.
    pub fn first(limit: i32) -> PageRequest {
        PageRequest { limit, after: None }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    /// The rows, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when this page ends the list. Opaque: it holds the
    /// last row's sort key (which may include a name), so keep it as privately as the list.
    pub next: Option<String>,
}

/// The parts of a cursor: the list it belongs to and the last row's sort key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub list: String,
    pub key: Vec<String>,
}

impl Cursor {
    /// Encodes a cursor for `list` after the row whose sort key is `key`.
    pub(crate) fn encode(list: &str, key: &[String]) -> String {
        let json = serde_json::json!({ "l": list, "k": key }).to_string();
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Decodes a cursor of `list` whose key has `parts` parts.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `after`) for anything this build did not make for `list`.
    pub(crate) fn decode(text: &str, list: &str, parts: usize) -> Result<Cursor> {
        let bad = || Error::invalid("after", "not a cursor of this list");
        if text.len() > MAX_CURSOR_CHARS || text.len() % 2 != 0 {
            return Err(bad());
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(bad)?;
        #[derive(serde::Deserialize)]
        struct Raw {
            l: String,
            k: Vec<String>,
        }
        let raw: Raw = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if raw.l != list || raw.k.len() != parts {
            return Err(bad());
        }
        Ok(Cursor {
            list: raw.l,
            key: raw.k,
        })
    }
}

/// Checks a page size.
///
/// # Errors
/// [`Error::InvalidInput`] (field `limit`) for 0, a negative limit or more than
/// [`MAX_PAGE_SIZE`].
pub(crate) fn check_limit(limit: i32) -> Result<usize> {
    match u32::try_from(limit) {
        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n as usize),
        _ => Err(Error::invalid("limit", "must be between 1 and 1000")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let key = vec!["lovelace".to_string(), "ada".into(), "id".into()];
        let c = Cursor::encode("caseload", &key);
        assert_eq!(Cursor::decode(&c, "caseload", 3).unwrap().key, key);
        for bad in [
            "",
            "zz",
            "abc",
            &c[..c.len() - 2],
            &"00".repeat(3000),
            "7b7d", // {}
        ] {
            assert!(
                matches!(Cursor::decode(bad, "caseload", 3), Err(Error::InvalidInput { field, .. }) if field == "after"),
                "{bad}"
            );
        }
        assert!(
            Cursor::decode(&c, "due", 3).is_err(),
            "another list's cursor"
        );
        assert!(
            Cursor::decode(&c, "caseload", 2).is_err(),
            "another key shape"
        );
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert!(check_limit(0).is_err());
        assert!(check_limit(-1).is_err());
        assert!(check_limit(i32::MIN).is_err());
        assert!(check_limit(1001).is_err());
        assert_eq!(
            check_limit(1000).unwrap(),
            usize::try_from(MAX_PAGE_SIZE).unwrap()
        );
    }
}
