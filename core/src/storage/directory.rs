//! The directory's tables (`0007_directory.sql`): replacing the whole directory in one
//! transaction, and the reads a search combines. Reference data only: nothing here touches a
//! person's documents.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::directory::{DirectoryService, DirectoryVersion, ScheduleRule};
use crate::error::{Error, Result};

/// A service ready to store: the record, its normalised postcodes and its weighted words.
pub(crate) struct StoredService<'a> {
    pub service: &'a DirectoryService,
    pub postcodes: Vec<Option<String>>,
    pub words: Vec<(String, i64)>,
}

/// Runs `f` in one read transaction, so a search sees one committed directory.
pub(crate) fn snapshot<R>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<R>,
) -> Result<R> {
    let tx = conn.unchecked_transaction()?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// The directory on the store, if any.
pub(crate) fn version(conn: &Connection) -> Result<Option<DirectoryVersion>> {
    conn.query_row(
        "SELECT feed_id, feed_date, imported_at, content_hash, services
         FROM directory_version WHERE id = 1",
        [],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        },
    )
    .optional()?
    .map(|(source, feed_date, at, content_hash, services)| {
        Ok(DirectoryVersion {
            source,
            feed_date,
            imported_at: DateTime::<Utc>::from_timestamp_millis(at)
                .ok_or_else(|| Error::schema("directory import time out of range"))?,
            content_hash,
            services: i32::try_from(services).unwrap_or(i32::MAX),
        })
    })
    .transpose()
}

/// Replaces the whole directory (every table) with `services` and `version`.
pub(crate) fn replace(
    tx: &Transaction<'_>,
    services: &[StoredService<'_>],
    version: &DirectoryVersion,
) -> Result<()> {
    for table in [
        "directory_words",
        "directory_vocab",
        "directory_terms",
        "directory_locations",
        "directory_schedules",
        "directory_records",
        "directory_services",
        "directory_version",
    ] {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let mut service_stmt = tx.prepare(
        "INSERT INTO directory_services
             (service_id, name, org_name, min_age, max_age, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut record_stmt =
        tx.prepare("INSERT INTO directory_records (row, record) VALUES (?1, ?2)")?;
    let mut word_stmt =
        tx.prepare("INSERT INTO directory_words (word, row, weight) VALUES (?1, ?2, ?3)")?;
    let mut vocab_stmt = tx.prepare("INSERT OR IGNORE INTO directory_vocab (word) VALUES (?1)")?;
    let mut term_stmt = tx.prepare(
        "INSERT INTO directory_terms (row, term_id, code, name, taxonomy)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut loc_stmt = tx.prepare(
        "INSERT INTO directory_locations (row, latitude, longitude, postcode)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut sched_stmt = tx.prepare(
        "INSERT INTO directory_schedules
             (row, freq, interval, byday, bymonthday, dtstart, valid_from, valid_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for stored in services {
        let s = stored.service;
        let record = serde_json::to_string(s).map_err(|e| Error::schema(e.to_string()))?;
        let summary: Option<String> = s
            .description
            .as_ref()
            .map(|d| d.chars().take(200).collect());
        service_stmt.execute(params![
            s.id,
            s.name,
            s.organization.as_ref().map(|o| &o.name),
            s.minimum_age,
            s.maximum_age,
            summary,
        ])?;
        let row = tx.last_insert_rowid();
        record_stmt.execute(params![row, record])?;
        for (word, weight) in &stored.words {
            vocab_stmt.execute(params![word])?;
            word_stmt.execute(params![word, row, weight])?;
        }
        for t in &s.taxonomy_terms {
            term_stmt.execute(params![row, t.id, t.code, t.name, t.taxonomy])?;
        }
        for (l, postcode) in s.locations.iter().zip(&stored.postcodes) {
            loc_stmt.execute(params![row, l.latitude, l.longitude, postcode])?;
        }
        for r in &s.schedules {
            sched_stmt.execute(params![
                row,
                r.freq,
                r.interval,
                r.byday,
                r.bymonthday,
                r.dtstart.map(|d| d.to_string()),
                r.valid_from.map(|d| d.to_string()),
                r.valid_to.map(|d| d.to_string()),
            ])?;
        }
    }
    tx.execute(
        "INSERT INTO directory_version (id, feed_id, feed_date, imported_at, content_hash, services)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
        params![
            version.source,
            version.feed_date,
            version.imported_at.timestamp_millis(),
            version.content_hash,
            version.services
        ],
    )?;
    Ok(())
}

/// The full record of one service.
pub(crate) fn service(conn: &Connection, id: &str) -> Result<Option<DirectoryService>> {
    let record: Option<String> = conn
        .query_row(
            "SELECT r.record FROM directory_services s JOIN directory_records r USING (row)
             WHERE s.service_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    record
        .map(|r| {
            serde_json::from_str(&r)
                .map_err(|_| Error::schema("stored directory record unreadable"))
        })
        .transpose()
}

/// Every service's row and name.
pub(crate) fn names(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached("SELECT row, name FROM directory_services")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every distinct indexed word.
pub(crate) fn vocabulary(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT word FROM directory_vocab")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The services a word occurs in, with its weight there.
pub(crate) fn rows_with_word(conn: &Connection, word: &str) -> Result<Vec<(i64, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT row, weight FROM directory_words WHERE word = ?1")?;
    let rows = stmt.query_map([word], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Services with a taxonomy term whose id, code or name is `need`, or whose name contains it
/// (case-insensitive).
pub(crate) fn rows_with_need(conn: &Connection, need: &str) -> Result<HashSet<i64>> {
    let lower = need.trim().to_lowercase();
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT row FROM directory_terms
         WHERE term_id = ?1 OR lower(code) = ?2 OR instr(lower(name), ?2) > 0",
    )?;
    let rows = stmt.query_map(params![need.trim(), lower], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Services whose age bounds (when given) admit `age`.
pub(crate) fn rows_for_age(conn: &Connection, age: u32) -> Result<HashSet<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT row FROM directory_services
         WHERE (min_age IS NULL OR min_age <= ?1) AND (max_age IS NULL OR max_age >= ?1)",
    )?;
    let rows = stmt.query_map([age], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every schedule with its service row (only the fields that decide days).
pub(crate) fn schedules(conn: &Connection) -> Result<Vec<(i64, ScheduleRule)>> {
    let date = |s: Option<String>| s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
    let mut stmt = conn.prepare_cached(
        "SELECT row, freq, interval, byday, bymonthday, dtstart, valid_from, valid_to
         FROM directory_schedules",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            ScheduleRule {
                freq: r.get(1)?,
                interval: r.get(2)?,
                byday: r.get(3)?,
                bymonthday: r.get(4)?,
                dtstart: date(r.get(5)?),
                valid_from: date(r.get(6)?),
                valid_to: date(r.get(7)?),
                ..ScheduleRule::default()
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every location with coordinates: `(row, latitude, longitude)`.
pub(crate) fn coordinates(conn: &Connection) -> Result<Vec<(i64, f64, f64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT row, latitude, longitude FROM directory_locations
         WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The mean coordinates of the directory's locations with this normalised postcode.
pub(crate) fn postcode_point(conn: &Connection, postcode: &str) -> Result<Option<(f64, f64)>> {
    let (lat, lon): (Option<f64>, Option<f64>) = conn.query_row(
        "SELECT avg(latitude), avg(longitude) FROM directory_locations
         WHERE postcode = ?1 AND latitude IS NOT NULL AND longitude IS NOT NULL",
        [postcode],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(lat.zip(lon))
}

/// What a result lists, for these rows: `(service_id, name, org_name, summary)`.
pub(crate) fn hit(
    conn: &Connection,
    row: i64,
) -> Result<(String, String, Option<String>, Option<String>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT service_id, name, org_name, summary FROM directory_services WHERE row = ?1",
    )?;
    Ok(stmt.query_row([row], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?)
}
