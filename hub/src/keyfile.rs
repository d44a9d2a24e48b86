//! The hub's key file: the organisation's signing key and the hub's own device key, kept
//! outside the database in a file only its owner may read (mode 0600). `init` writes it; every
//! hub node of a deployment reads a copy. The database holds only public values (the trust root
//! and the hub's certificate), so a database backup alone can issue no certificate; the
//! embedded SQLite database is encrypted under a key derived from this file
//! (`docs/deploy.md#key-custody`).

use std::io::Write;
use std::path::Path;

use linkwork_core::identity::{OrgSigner, SecretKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{HubError, Result};

const HEADER: &str = "linkwork-hub key file v1";

/// The secrets of a hub deployment.
pub struct KeyFile {
    /// The organisation's signing side.
    pub org: OrgSigner,
    /// The hub's device key (certified with role hub).
    pub hub_key: SecretKey,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile").finish_non_exhaustive()
    }
}

fn unhex(s: &str) -> Result<Zeroizing<Vec<u8>>> {
    let bad = || HubError::KeyFile("damaged".into());
    if s.len() % 2 != 0 {
        return Err(bad());
    }
    let mut out = Zeroizing::new(Vec::with_capacity(s.len() / 2));
    for pair in s.as_bytes().chunks(2) {
        let digits = std::str::from_utf8(pair).map_err(|_| bad())?;
        out.push(u8::from_str_radix(digits, 16).map_err(|_| bad())?);
    }
    Ok(out)
}

impl KeyFile {
    /// A new organisation called `name` with a fresh hub key.
    ///
    /// # Errors
    /// [`HubError::Core`] for an empty or over-long name, or without randomness.
    pub fn create(name: &str) -> Result<KeyFile> {
        Ok(KeyFile {
            org: OrgSigner::create(name)?,
            hub_key: SecretKey::generate()?,
        })
    }

    /// Writes the file at `path`, readable and writable by its owner only. Refuses to replace
    /// an existing file.
    ///
    /// # Errors
    /// [`HubError::KeyFile`] when the file exists; [`HubError::Io`].
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                HubError::KeyFile(format!("{} already exists", path.display()))
            } else {
                HubError::Io(e)
            }
        })?;
        let text = Zeroizing::new(format!(
            "{HEADER}\norg {}\nhub {}\n",
            crate::store::hex(&self.org.encode_secret()),
            crate::store::hex(self.hub_key.to_secret_bytes().as_slice()),
        ));
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        Ok(())
    }

    /// Reads the file at `path`, refusing one that others than its owner may read.
    ///
    /// # Errors
    /// [`HubError::KeyFile`] when missing, too open, or damaged.
    pub fn read(path: &Path) -> Result<KeyFile> {
        let meta = std::fs::metadata(path)
            .map_err(|e| HubError::KeyFile(format!("{}: {e}", path.display())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(HubError::KeyFile(format!(
                    "{} may be read by others than its owner (chmod 600 it)",
                    path.display()
                )));
            }
        }
        if meta.len() > 4096 {
            return Err(HubError::KeyFile("damaged".into()));
        }
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(HubError::KeyFile("not a linkwork-hub key file".into()));
        }
        let mut field = |name: &str| -> Result<Zeroizing<Vec<u8>>> {
            let line = lines.next().unwrap_or_default();
            let value = line
                .strip_prefix(name)
                .and_then(|l| l.strip_prefix(' '))
                .ok_or_else(|| HubError::KeyFile("damaged".into()))?;
            unhex(value)
        };
        let org = OrgSigner::decode_secret(&field("org")?)
            .map_err(|_| HubError::KeyFile("damaged".into()))?;
        let hub_key = SecretKey::from_secret_bytes(&field("hub")?)
            .map_err(|_| HubError::KeyFile("damaged".into()))?;
        Ok(KeyFile { org, hub_key })
    }

    /// The key the embedded SQLite database is encrypted under (derived from the hub key).
    pub fn database_key(&self) -> Zeroizing<[u8; 32]> {
        let mut h = Sha256::new();
        h.update(b"linkwork-hub sqlite database key v1\0");
        h.update(self.hub_key.to_secret_bytes().as_slice());
        Zeroizing::new(h.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_open_permissions_damage_and_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("org.key");
        let keys = KeyFile::create("Northside").unwrap();
        keys.write(&path).unwrap();
        let back = KeyFile::read(&path).unwrap();
        assert_eq!(back.org.trust_root(), keys.org.trust_root());
        assert_eq!(back.hub_key.public(), keys.hub_key.public());
        assert_eq!(*back.database_key(), *keys.database_key());
        assert!(matches!(keys.write(&path), Err(HubError::KeyFile(_))));

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(KeyFile::read(&path), Err(HubError::KeyFile(_))));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("hub ", "hub zz")).unwrap();
        assert!(matches!(KeyFile::read(&path), Err(HubError::KeyFile(_))));
    }
}
