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

/// Whether the database holds no store yet: a brand-new file, or one whose creation was cut off
/// (the app killed, the battery flat) before its identity was written. `Store::create` writes
/// the `meta` rows last, in one transaction, and nothing is ever written to a store without
/// them, so such a database holds no data and finishing the creation over it loses nothing. A
/// database without linkwork's `meta` table, or with a row in any table, is not unfinished.
pub(crate) fn is_unfinished_store(conn: &Connection) -> Result<bool> {
    if is_empty_database(conn)? {
        return Ok(true);
    }
    let tables = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    if !tables.iter().any(|t| t == "meta") {
        return Ok(false);
    }
    for table in &tables {
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM \"{}\")",
            table.replace('"', "\"\"")
        );
        if conn.query_row(&sql, [], |r| r.get::<_, bool>(0))? {
            return Ok(false);
        }
    }
    Ok(true)
}
