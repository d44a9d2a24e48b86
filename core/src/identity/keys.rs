//! Ed25519 keys (`ed25519-dalek`): a device's or an organisation's secret signing key, and the
//! public keys that name devices and organisations.
//!
//! Secret keys are 32 random bytes from the operating system (`getrandom`), held in
//! `ed25519_dalek::SigningKey` (zeroed on drop), never printed (`Debug` is redacted) and never
//! returned to an app: a device key is read from the encrypted store for one signature and
//! dropped. Every signature is over a domain-separation label followed by the canonical bytes,
//! so a signature made for one kind of value can never be replayed as another kind.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::Refusal;
use crate::error::{Error, Result};

/// The length of a public key, a secret key and half a signature, in bytes.
pub const KEY_BYTES: usize = 32;

/// The length of a signature in bytes.
pub const SIGNATURE_BYTES: usize = 64;

/// What a signature covers: each kind of signed value has its own label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Domain {
    Certificate,
    Request,
    Grant,
    Revocation,
    NoiseStatic,
    Change,
    AdoptedChange,
    Tombstone,
}

impl Domain {
    fn label(self) -> &'static [u8] {
        match self {
            Domain::Certificate => b"linkwork certificate v1\0",
            Domain::Request => b"linkwork certificate request v1\0",
            Domain::Grant => b"linkwork pairing grant v1\0",
            Domain::Revocation => b"linkwork revocation list v1\0",
            Domain::NoiseStatic => b"linkwork noise static key v1\0",
            Domain::Change => b"linkwork change v1\0",
            Domain::AdoptedChange => b"linkwork adopted change v1\0",
            Domain::Tombstone => b"linkwork tombstone v1\0",
        }
    }
}

/// An Ed25519 public key: names a device (its device key) or an organisation (its trust root).
/// Shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicKey([u8; KEY_BYTES]);

impl PublicKey {
    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> PublicKey {
        PublicKey(bytes)
    }

    /// Parses 64 hex digits.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `device`) for anything else.
    pub fn parse_hex(s: &str) -> Result<PublicKey> {
        let s = s.trim();
        let bad = || Error::invalid("device", "a device key is 64 hex digits");
        if s.len() != 2 * KEY_BYTES || !s.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; KEY_BYTES];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(PublicKey(out))
    }

    /// The key as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks `signature` over `domain` + `message` strictly (no malleable or small-order
    /// encodings: `verify_strict`).
    pub(crate) fn verify(
        &self,
        domain: Domain,
        message: &[u8],
        signature: &[u8; SIGNATURE_BYTES],
    ) -> std::result::Result<(), Refusal> {
        let key = VerifyingKey::from_bytes(&self.0).map_err(|_| Refusal::BadSignature)?;
        let sig = Signature::from_bytes(signature);
        key.verify_strict(&labelled(domain, message), &sig)
            .map_err(|_| Refusal::BadSignature)
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

fn labelled(domain: Domain, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(domain.label().len() + message.len());
    out.extend_from_slice(domain.label());
    out.extend_from_slice(message);
    out
}

/// A secret Ed25519 signing key: a device's (kept only inside its encrypted store) or an
/// organisation's (kept by its admin). Zeroed on drop; `Debug` shows only the public half.
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// A new key from the operating system's random generator.
    ///
    /// # Errors
    /// [`Error::Io`] when the operating system has no randomness to give.
    pub fn generate() -> Result<SecretKey> {
        let mut seed = Zeroizing::new([0u8; KEY_BYTES]);
        getrandom::fill(seed.as_mut_slice())
            .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// The key from its 32 secret bytes (as [`SecretKey::to_secret_bytes`] gave them).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `secret key`) when `bytes` is not 32 bytes long.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<SecretKey> {
        let seed: Zeroizing<[u8; KEY_BYTES]> = Zeroizing::new(
            bytes
                .try_into()
                .map_err(|_| Error::invalid("secret key", "a secret key is 32 bytes"))?,
        );
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// The 32 secret bytes, zeroed when dropped: only for storing the key where it lives (the
    /// encrypted store, the organisation's key file).
    pub fn to_secret_bytes(&self) -> Zeroizing<[u8; KEY_BYTES]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `domain` + `message`.
    pub(crate) fn sign(&self, domain: Domain, message: &[u8]) -> [u8; SIGNATURE_BYTES] {
        self.0.sign(&labelled(domain, message)).to_bytes()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(public {}, secret redacted)", self.public())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_domain_message_and_key() {
        let k = SecretKey::generate().unwrap();
        let sig = k.sign(Domain::Certificate, b"body");
        k.public()
            .verify(Domain::Certificate, b"body", &sig)
            .unwrap();
        assert_eq!(
            k.public().verify(Domain::Revocation, b"body", &sig),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            k.public().verify(Domain::Certificate, b"bodY", &sig),
            Err(Refusal::BadSignature)
        );
        let other = SecretKey::generate().unwrap();
        assert_eq!(
            other.public().verify(Domain::Certificate, b"body", &sig),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn debug_never_shows_the_secret_and_bytes_round_trip() {
        let k = SecretKey::generate().unwrap();
        let secret_hex: String = k
            .to_secret_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let shown = format!("{k:?}");
        assert!(!shown.contains(&secret_hex));
        assert!(shown.contains("redacted"));
        let back = SecretKey::from_secret_bytes(k.to_secret_bytes().as_slice()).unwrap();
        assert_eq!(back.public(), k.public());
        assert_eq!(
            PublicKey::parse_hex(&k.public().to_hex()).unwrap(),
            k.public()
        );
        assert!(PublicKey::parse_hex("zz").is_err());
    }
}
