//! The `meta` table: the store's identity (format marker, store id, actor, user, role, person).

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};

/// The marker that says a database is a linkwork store.
pub(crate) const FORMAT: &str = "linkwork-store";

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub(crate) fn require(conn: &Connection, key: &'static str) -> Result<String> {
    get(conn, key)?.ok_or_else(|| Error::NotAStore {
        reason: format!("missing store {key}"),
    })
}

pub(crate) fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Whether the database has any table at all (a brand-new file has none).
pub(crate) fn is_empty_database(conn: &Connection) -> Result<bool> {
    let n: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    Ok(n == 0)
}
