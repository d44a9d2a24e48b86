//! SQLite: the only module that uses rusqlite (`store` is the API apps call, and reaches
//! SQLite only through the typed functions here). [`Db`] owns the connections: opening and
//! creating the file, the writer and the reader pool, transactions, the WAL checkpointer and
//! re-keying (`db.rs`, `checkpoint.rs`). Documents are stored as a compacted snapshot plus
//! incremental change rows; projection tables are updated in the same transaction as the
//! document they describe.

mod checkpoint;
mod db;
pub(crate) mod directory;
pub(crate) mod documents;
pub(crate) mod identity;
pub(crate) mod meta;
pub(crate) mod migrations;
pub(crate) mod pages;
pub(crate) mod projections;
pub(crate) mod signatures;
pub(crate) mod sync_state;
pub(crate) mod sync_view;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::key::StoreKey;

pub(crate) use db::{Conn, Db, WriteTx, WriterCache};

/// The first 16 bytes of every plain (unencrypted) SQLite database file. An encrypted file
/// starts with a random salt instead.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Opens a connection without changing the file: keys it (before its first read) and checks
/// only that it is a readable SQLite database. Call [`configure`] once the file is known to be
/// a linkwork store (or is new).
fn connect(path: &Path, create: bool, key: &StoreKey) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    if create && !parent_exists(path) {
        return Err(Error::invalid(
            "path",
            "the folder for the store does not exist",
        ));
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| not_a_store(e, path))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // SQLCipher logs its errors (e.g. a failed page decryption) to stderr or logcat by
    // default; the caller gets them as typed errors instead. Plain SQLite ignores the pragma.
    conn.execute_batch("PRAGMA cipher_log_level = NONE")?;
    apply_key(&conn, key)?;
    // A file that is not a database (or not one for this key) fails on its first read; this
    // read writes nothing.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| unreadable(e, path, key))?;
    Ok(conn)
}

/// Whether this build's SQLite is SQLCipher (`PRAGMA cipher_version` answers only there).
fn has_encryption(conn: &Connection) -> Result<bool> {
    let mut stmt = conn.prepare("PRAGMA cipher_version")?;
    let mut rows = stmt.query([])?;
    Ok(rows.next()?.is_some())
}

/// Gives the connection its key (nothing for an unencrypted store). Must run before the
/// connection's first read.
fn apply_key(conn: &Connection, key: &StoreKey) -> Result<()> {
    let Some(literal) = key.sqlcipher_literal() else {
        return Ok(());
    };
    if !has_encryption(conn)? {
        return Err(Error::EncryptionUnavailable);
    }
    // A raw key (`x'<64 hex>'`): SQLCipher uses it as is, with no PBKDF2 per connection.
    let sql = Zeroizing::new(format!("PRAGMA key = \"{}\"", literal.as_str()));
    conn.execute_batch(&sql)?;
    Ok(())
}

/// Re-encrypts the store under `new` (SQLCipher `PRAGMA rekey`) on a connection opened with the
/// current key; the connection then uses the new key.
fn rekey(conn: &Connection, new: &StoreKey) -> Result<()> {
    let Some(literal) = new.sqlcipher_literal() else {
        return Err(Error::invalid(
            "key",
            "an encrypted store can only be re-keyed with another key",
        ));
    };
    let sql = Zeroizing::new(format!("PRAGMA rekey = \"{}\"", literal.as_str()));
    conn.execute_batch(&sql)?;
    Ok(())
}

/// Sets linkwork's pragmas: WAL, foreign keys, secure delete, in-memory temp storage.
fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Refuses databases that are not linkwork stores, before anything is written to them.
fn check_is_store(conn: &Connection) -> Result<()> {
    // A foreign database may have its own `meta` table: it must have linkwork's columns.
    let has_meta: bool = conn.query_row(
        "SELECT count(*) FROM pragma_table_info('meta') WHERE name IN ('key', 'value')",
        [],
        |r| r.get::<_, i64>(0),
    )? == 2;
    if !has_meta {
        return Err(Error::NotAStore {
            reason: "no linkwork metadata".into(),
        });
    }
    match meta::get(conn, "format")? {
        Some(f) if f == meta::FORMAT => Ok(()),
        _ => Err(Error::NotAStore {
            reason: "not a linkwork store".into(),
        }),
    }
}

/// Refuses a truncated file before anything is written to it: with no WAL to hold newer
/// pages, the file must be as long as the page count its header (or first page) records.
fn check_length(conn: &Connection, path: &Path) -> Result<()> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    if wal_len > 0 {
        return Ok(());
    }
    let pages = pragma_int(conn, "PRAGMA page_count").map_err(damaged)?;
    let page_size = pragma_int(conn, "PRAGMA page_size")?;
    let len = std::fs::metadata(path)?.len();
    if u64::try_from(pages.saturating_mul(page_size)).unwrap_or(u64::MAX) > len {
        return Err(Error::NotAStore {
            reason: "the file is truncated (shorter than its recorded size)".into(),
        });
    }
    Ok(())
}

/// A pragma's integer answer (SQLCipher answers some pragmas as text).
fn pragma_int(conn: &Connection, sql: &str) -> Result<i64> {
    use rusqlite::types::Value;
    let value: Value = conn.query_row(sql, [], |r| r.get(0))?;
    match value {
        Value::Integer(n) => Ok(n),
        Value::Text(t) => t.trim().parse().map_err(|_| Error::NotAStore {
            reason: "the file is damaged".into(),
        }),
        _ => Err(Error::NotAStore {
            reason: "the file is damaged".into(),
        }),
    }
}

/// Turns SQLite's "corrupt" and "not a database" failures while opening into
/// [`Error::NotAStore`]; other errors pass through.
fn damaged(e: Error) -> Error {
    match &e {
        Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if matches!(
                f.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            ) =>
        {
            Error::NotAStore {
                reason: "the file is damaged".into(),
            }
        }
        _ => e,
    }
}

/// Copies every page in the WAL into the main file and empties the WAL (`wal_checkpoint
/// (TRUNCATE)`), retrying a few times while a reader holds an old snapshot or another
/// connection is checkpointing. Returns whether it completed. With secure delete on, this is
/// what makes deleted rows leave the file: the zeroed pages replace the old ones in the main
/// file, and the WAL that still held them is emptied.
fn checkpoint_truncate(conn: &Connection) -> Result<bool> {
    for attempt in 0..5u32 {
        match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(f, _))
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) => {}
            Err(e) => return Err(e.into()),
        }
        std::thread::sleep(Duration::from_millis(10 << attempt));
    }
    Ok(false)
}

/// A reader or writer connection to an existing store, keyed and configured.
fn connect_configured(path: &Path, key: &StoreKey) -> Result<Connection> {
    let conn = connect(path, false, key)?;
    configure(&conn)?;
    Ok(conn)
}

/// Explains a first read that failed: a wrong key, a plain store opened with a key, an
/// encrypted store opened without one, or a file that is no database at all.
fn unreadable(e: rusqlite::Error, path: &Path, key: &StoreKey) -> Error {
    let not_a_database = matches!(
        &e,
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase
    );
    if !not_a_database {
        return not_a_store(e, path);
    }
    let (header, len) = match read_header(path) {
        Ok(found) => found,
        Err(_) => return not_a_store(e, path),
    };
    let plain = &header == SQLITE_HEADER;
    // An encrypted file starts with a random 16-byte salt and is whole pages long.
    let salted = header.iter().any(|b| *b != header[0]) && len >= 1024 && len % 512 == 0;
    match (key.is_encrypted(), plain) {
        (true, true) => Error::WrongKey {
            reason: "the file is not encrypted: open it as an unencrypted store".into(),
        },
        (true, false) => Error::WrongKey {
            reason: "the key does not open this file (another key, or not an encrypted store)"
                .into(),
        },
        (false, false) if salted => Error::WrongKey {
            reason: "the file is not a plain SQLite database: if it is an encrypted store, \
                     open it with its key"
                .into(),
        },
        (false, _) => not_a_store(e, path),
    }
}

/// The file's first 16 bytes (zeros past its end) and its length.
fn read_header(path: &Path) -> std::io::Result<([u8; 16], u64)> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut header = [0u8; 16];
    let mut filled = 0;
    let mut reader = file.take(16);
    while filled < header.len() {
        match reader.read(&mut header[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok((header, len))
}

/// Whether the folder a new store would go in exists (a bare file name means the working
/// directory, which does).
fn parent_exists(path: &Path) -> bool {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.is_dir(),
        _ => true,
    }
}

fn not_a_store(e: rusqlite::Error, path: &Path) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            ) =>
        {
            Error::NotAStore {
                reason: "the file is not a SQLite database or is damaged".into(),
            }
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::CannotOpen => {
            if path.exists() {
                Error::Sqlite(e)
            } else {
                Error::NotAStore {
                    reason: "no store at that path".into(),
                }
            }
        }
        _ => Error::Sqlite(e),
    }
}

/// Runs `sql` on a plain (unencrypted) store file outside any [`Db`]: tests that play an old or
/// damaged store reshape the file with it.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn execute_raw(path: &Path, sql: &str) {
    Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NewStore, Role};
    use crate::Store;

    /// With the `encryption` feature the SQLite linked in is SQLCipher and a key encrypts;
    /// without it a key is refused and nothing is written in plain text.
    #[test]
    fn a_key_encrypts_or_is_refused_never_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let key = StoreKey::from_bytes(&[7; 32]).unwrap();
        let memory = Connection::open_in_memory().unwrap();
        let created = Store::create(
            &path,
            NewStore {
                user: "sam".into(),
                role: Role::LinkWorker,
                person: None,
            },
            &key,
        );
        if cfg!(feature = "encryption") {
            assert!(has_encryption(&memory).unwrap());
            let store = created.unwrap();
            drop(store);
            let header = std::fs::read(&path).unwrap();
            assert_ne!(&header[..16], SQLITE_HEADER);
        } else {
            assert!(!has_encryption(&memory).unwrap());
            assert!(
                matches!(created, Err(Error::EncryptionUnavailable)),
                "{created:?}"
            );
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            assert_eq!(len, 0, "nothing written without encryption");
            assert!(matches!(
                Store::open(&path, &key),
                Err(Error::EncryptionUnavailable)
            ));
        }
    }
}
