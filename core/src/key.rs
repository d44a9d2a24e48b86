//! [`StoreKey`]: the key a store is encrypted with (SQLCipher), or an explicit "no encryption".
//!
//! The app keeps the key in the platform's key store (Android Keystore, iOS Keychain) and passes
//! it whenever it opens the store. Keys are 32 raw bytes, given to SQLCipher as a raw key
//! (`PRAGMA key = "x'<64 hex>'"`), so opening a connection derives nothing from a passphrase:
//! no PBKDF2 run per pooled connection. The bytes are zeroed when the key is dropped and never
//! printed.

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The length of a store key in bytes (256 bits).
pub const KEY_LEN: usize = 32;

/// How a store's file is protected: encrypted with a 32-byte key, or (tests, tools) explicitly
/// not encrypted. `Debug` never shows the key; the bytes are zeroed on drop (`Zeroizing`).
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey {
    bytes: Option<Zeroizing<[u8; KEY_LEN]>>,
}

impl StoreKey {
    /// No encryption: the store is a plain SQLite file. Only for tests, tools and data that
    /// holds nothing sensitive; it must be asked for explicitly.
    pub fn unencrypted() -> StoreKey {
        StoreKey { bytes: None }
    }

    /// A key of exactly [`KEY_LEN`] (32) raw bytes, e.g. from a random generator kept in the
    /// platform's key store.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `key`) when `bytes` is not 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<StoreKey> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if bytes.len() != KEY_LEN {
            return Err(Error::invalid("key", "a store key is exactly 32 bytes"));
        }
        key.copy_from_slice(bytes);
        Ok(StoreKey { bytes: Some(key) })
    }

    /// Whether this key encrypts (`false` for [`StoreKey::unencrypted`]).
    pub fn is_encrypted(&self) -> bool {
        self.bytes.is_some()
    }

    /// The raw bytes, if any (for the storage layer, which hands them to SQLCipher).
    pub(crate) fn raw(&self) -> Option<&[u8; KEY_LEN]> {
        self.bytes.as_deref()
    }

    /// The SQLCipher raw-key literal `x'<64 hex>'`, zeroed on drop.
    pub(crate) fn sqlcipher_literal(&self) -> Option<Zeroizing<String>> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let raw = self.raw()?;
        let mut s = Zeroizing::new(String::with_capacity(2 * KEY_LEN + 3));
        s.push_str("x'");
        for b in raw.iter() {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        s.push('\'');
        Some(s)
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_encrypted() {
            "StoreKey(encrypted, <redacted>)"
        } else {
            "StoreKey(unencrypted)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_bytes_and_never_printed() {
        assert!(StoreKey::from_bytes(&[7u8; 31]).is_err());
        assert!(StoreKey::from_bytes(&[7u8; 33]).is_err());
        let key = StoreKey::from_bytes(&[0xabu8; 32]).unwrap();
        assert!(key.is_encrypted());
        let shown = format!("{key:?}");
        assert!(!shown.to_lowercase().contains("ab"), "{shown}");
        assert!(!format!("{:?}", StoreKey::unencrypted()).contains("redacted"));
        let literal = key.sqlcipher_literal().unwrap();
        assert_eq!(literal.len(), 67);
        assert!(literal.starts_with("x'abab") && literal.ends_with("ab'"));
        assert!(StoreKey::unencrypted().sqlcipher_literal().is_none());
    }
}
