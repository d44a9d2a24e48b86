//! The key a store is opened with.
//!
//! Mirrored: core's `StoreKey` zeroizes a private buffer; apps pass an enum.

use linkwork_core::StoreKey as CoreKey;

use crate::LinkWorkError;

/// How a store's file is protected. Kotlin: `StoreKey.Encrypted(key)` / `StoreKey.Unencrypted`;
/// Swift: `.encrypted(key:)` / `.unencrypted`.
///
/// An app keeps a random 32-byte key in the platform's key store (Android Keystore, iOS
/// Keychain) and passes it every time it opens the store. A store created encrypted opens only
/// with its key; a wrong key is `LinkWorkError.WrongKey` and changes nothing.
#[derive(uniffi::Enum)]
pub enum StoreKey {
    /// Encrypted (SQLCipher, AES-256) with exactly 32 random bytes, used as a raw key (no
    /// passphrase derivation).
    Encrypted {
        /// The 32 key bytes. The library zeroes its copy after use; it never logs or returns
        /// them.
        key: Vec<u8>,
    },
    /// No encryption: a plain SQLite file. Only for tests and data with nothing sensitive.
    Unencrypted,
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreKey::Encrypted { .. } => "StoreKey::Encrypted(<redacted>)",
            StoreKey::Unencrypted => "StoreKey::Unencrypted",
        })
    }
}

impl TryFrom<StoreKey> for CoreKey {
    type Error = LinkWorkError;

    /// `InvalidInput` (field `key`) unless the key is 32 bytes. The bytes received are zeroed.
    fn try_from(key: StoreKey) -> Result<CoreKey, LinkWorkError> {
        match key {
            StoreKey::Unencrypted => Ok(CoreKey::unencrypted()),
            StoreKey::Encrypted { mut key } => {
                let out = CoreKey::from_bytes(&key);
                key.fill(0);
                Ok(out?)
            }
        }
    }
}
