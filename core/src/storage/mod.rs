//! SQLite storage: the only module that uses rusqlite. Documents are stored as a compacted
//! snapshot plus incremental change rows; projection tables are updated in the same transaction
//! as the document they describe.

pub(crate) mod documents;
pub(crate) mod meta;
pub(crate) mod migrations;
pub(crate) mod projections;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// Opens a connection with linkwork's pragmas. `create` allows creating a new file.
pub(crate) fn connect(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| not_a_store(e, path))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // A file that is not a database fails here, on the first read.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| not_a_store(e, path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
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
