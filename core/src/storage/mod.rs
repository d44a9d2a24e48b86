//! SQLite storage: the only module that uses rusqlite. Documents are stored as a compacted
//! snapshot plus incremental change rows; projection tables are updated in the same transaction
//! as the document they describe.

pub(crate) mod documents;
pub(crate) mod meta;
pub(crate) mod migrations;
pub(crate) mod projections;
pub(crate) mod sync_state;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// Opens a connection without changing the file: checks only that it is a readable SQLite
/// database. Call [`configure`] once the file is known to be a linkwork store (or is new).
pub(crate) fn connect(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| not_a_store(e, path))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // A file that is not a database fails on its first read; this read writes nothing.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| not_a_store(e, path))?;
    Ok(conn)
}

/// Sets linkwork's pragmas: WAL, foreign keys, secure delete, in-memory temp storage.
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// A reader or writer connection to an existing store, configured.
pub(crate) fn connect_configured(path: &Path) -> Result<Connection> {
    let conn = connect(path, false)?;
    configure(&conn)?;
    Ok(conn)
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
