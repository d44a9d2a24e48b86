//! Store keys: `key new` (a random key file), `rekey`, and reading `--key-file`.
//!
//! A key file holds the 32 key bytes either raw (exactly 32 bytes) or as 64 hexadecimal
//! characters (surrounding whitespace ignored). `key new` writes hex, created readable by its
//! owner only. Key bytes are zeroed after use and never printed.

use std::io::Write as _;
use std::path::Path;

use linkwork_core::key::KEY_LEN;
use linkwork_core::StoreKey;
use serde_json::json;
use zeroize::Zeroizing;

use super::Ctx;
use crate::args::{KeyCmd, KeyNewArgs, RekeyArgs};
use crate::error::{CliError, CliResult};

/// `key new`.
///
/// # Errors
/// The file exists or cannot be written; no randomness available.
pub fn key(ctx: &Ctx, c: KeyCmd) -> CliResult {
    match c {
        KeyCmd::New(a) => key_new(ctx, a),
    }
}

fn key_new(ctx: &Ctx, a: KeyNewArgs) -> CliResult {
    new_key_file(&a.out)?;
    ctx.out.done(
        Some(a.out.display().to_string()),
        json!({ "path": a.out.display().to_string() }),
    )
}

/// Writes a new random key to `path` as 64 hex characters (created with mode 0600 on Unix;
/// an existing file is refused) and returns it.
///
/// # Errors
/// The file exists or cannot be written; no randomness available.
pub fn new_key_file(path: &Path) -> CliResult<StoreKey> {
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(&mut bytes[..])
        .map_err(|_| CliError::Failed("no secure random numbers available".into()))?;
    let mut text = Zeroizing::new(String::with_capacity(2 * KEY_LEN + 1));
    for b in bytes.iter() {
        text.push(hex_digit(b >> 4));
        text.push(hex_digit(b & 0x0f));
    }
    text.push('\n');
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| CliError::File {
        action: if source.kind() == std::io::ErrorKind::AlreadyExists {
            "create the key file (it already exists; key files are never overwritten)"
        } else {
            "create the key file"
        },
        source,
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| CliError::File {
            action: "write the key file",
            source,
        })?;
    Ok(StoreKey::from_bytes(&bytes[..])?)
}

/// `rekey --new-key-file FILE`: re-encrypts the store under the new key.
///
/// # Errors
/// Opening the store; reading the new key file; the core's re-key errors.
pub fn rekey(ctx: &Ctx, a: RekeyArgs) -> CliResult {
    let store = ctx.store()?;
    let new_key = read_key_file(&a.new_key_file)?;
    store.rekey(&new_key)?;
    ctx.out.done(None, json!({}))
}

/// Reads a key file: exactly 32 raw bytes, or 64 hex characters with optional surrounding
/// whitespace.
///
/// # Errors
/// [`CliError::File`] when the file cannot be read; [`CliError::Usage`] when it holds no key.
pub fn read_key_file(path: &Path) -> CliResult<StoreKey> {
    let data = Zeroizing::new(std::fs::read(path).map_err(|source| CliError::File {
        action: "read the key file",
        source,
    })?);
    if data.len() == KEY_LEN {
        return Ok(StoreKey::from_bytes(&data)?);
    }
    let text = data.trim_ascii();
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    let bad = || {
        CliError::Usage(
            "the key file must hold 32 raw bytes or 64 hexadecimal characters (make one with \
             `linkwork key new --out FILE`)"
                .into(),
        )
    };
    if text.len() != 2 * KEY_LEN {
        return Err(bad());
    }
    for (out, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(hi), Some(lo)) => *out = (hi << 4) | lo,
            _ => return Err(bad()),
        }
    }
    Ok(StoreKey::from_bytes(&bytes[..])?)
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
