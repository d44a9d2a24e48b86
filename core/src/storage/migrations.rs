//! Ordered schema migrations keyed by `PRAGMA user_version`: a fresh database runs every step,
//! an older one runs the missing steps, each in one transaction.

use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};

/// The SQL of each version, in order; index 0 is version 1. Never edit a released step: add one.
pub(crate) const STEPS: &[&str] = &[
    include_str!("migrations/0001_documents.sql"),
    include_str!("migrations/0002_projections.sql"),
    include_str!("migrations/0003_sync.sql"),
];

/// The store format this build writes.
pub(crate) const CURRENT_VERSION: i64 = STEPS.len() as i64;

/// What a migration run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Migrated {
    /// The version before.
    pub from: i64,
    /// Projections must be rebuilt from the documents (a step changed their tables).
    pub rebuild_projections: bool,
}

/// Steps after which projections must be rebuilt (their tables were created or changed).
const REBUILDS_PROJECTIONS: &[i64] = &[2, 3];

/// Brings the schema up to [`CURRENT_VERSION`], refusing a newer store.
pub(crate) fn migrate(conn: &mut Connection) -> Result<Migrated> {
    let from: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if from > CURRENT_VERSION {
        return Err(Error::StoreTooNew {
            found: from,
            supported: CURRENT_VERSION,
        });
    }
    let mut out = Migrated {
        from,
        rebuild_projections: false,
    };
    for version in (from + 1)..=CURRENT_VERSION {
        let tx = conn.transaction()?;
        apply(&tx, version)?;
        tx.commit()?;
        out.rebuild_projections |= from > 0 && REBUILDS_PROJECTIONS.contains(&version);
    }
    Ok(out)
}

fn apply(tx: &Transaction<'_>, version: i64) -> Result<()> {
    let sql = usize::try_from(version - 1)
        .ok()
        .and_then(|i| STEPS.get(i))
        .ok_or_else(|| Error::schema("unknown store migration"))?;
    tx.execute_batch(sql)?;
    tx.pragma_update(None, "user_version", version)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    //! Migrating a frozen older store, compared with a fresh one.

    use std::path::Path;

    use super::*;
    use crate::model::{
        CaseloadQuery, EpisodeStatus, EpisodeTransition, NewGoal, NewPerson, NewStore, Role,
    };
    use crate::Store;

    /// Version 1 of the schema exactly as released (a copy, so that later edits of
    /// `0001_documents.sql` cannot change what this test migrates from).
    const FROZEN_V1: &str = r#"-- Version 1: store identity and the documents (snapshot + incremental change rows).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE documents (
    person_id      TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('plan', 'case')),
    snapshot       BLOB NOT NULL,
    snapshot_bytes INTEGER NOT NULL,
    change_bytes   INTEGER NOT NULL DEFAULT 0,
    change_rows    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, kind)
) STRICT;

CREATE TABLE doc_changes (
    id        INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    bytes     BLOB NOT NULL,
    FOREIGN KEY (person_id, kind) REFERENCES documents (person_id, kind) ON DELETE CASCADE
) STRICT;

CREATE INDEX doc_changes_by_doc ON doc_changes (person_id, kind, id);
"#;

    /// The meta keys a version-1 store had.
    const V1_META: &str = "'format', 'store_id', 'actor', 'user', 'role', 'person'";

    type SchemaRow = (String, String, String, Option<String>);

    /// Tables and indexes as `(type, name, table, sql)`, whitespace normalised, sorted.
    fn schema(path: &Path) -> Vec<SchemaRow> {
        let conn = Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT type, name, tbl_name, sql FROM sqlite_master
                 WHERE type IN ('table', 'index') ORDER BY type, name",
            )
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .unwrap();
        let mut out: Vec<SchemaRow> = rows
            .map(|row| {
                let (kind, name, table, sql) = row.unwrap();
                let sql = sql.map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "));
                (kind, name, table, sql)
            })
            .collect();
        out.sort();
        out
    }

    fn user_version(path: &Path) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    }

    fn new_store(path: &Path) -> Store {
        Store::create(
            path,
            NewStore {
                user: "sam".into(),
                role: Role::LinkWorker,
                person: None,
            },
            &crate::StoreKey::unencrypted(),
        )
        .unwrap()
    }

    #[test]
    fn a_frozen_version_1_store_migrates_to_the_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        // A real person's documents, written by this build into a scratch store.
        let source = dir.path().join("source.db");
        let (person, record) = {
            let s = new_store(&source);
            let p = s
                .add_person(NewPerson {
                    given_name: "Ada".into(),
                    family_name: "Lovelace".into(),
                    nhs_number: Some("9434765919".into()),
                    ..Default::default()
                })
                .unwrap();
            s.transition_episode(
                p,
                EpisodeTransition {
                    to: EpisodeStatus::Accepted,
                    discharge_reason: None,
                    reason: None,
                },
            )
            .unwrap();
            s.add_goal(
                p,
                NewGoal {
                    text: "Join a walking group".into(),
                    ..Default::default()
                },
            )
            .unwrap();
            (p, s.person(p).unwrap())
        };

        // A version-1 database: the frozen schema, its meta rows and document rows only.
        let old = dir.path().join("old.db");
        {
            let conn = Connection::open(&old).unwrap();
            conn.execute_batch(FROZEN_V1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute("ATTACH DATABASE ?1 AS src", [source.to_str().unwrap()])
                .unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO meta (key, value)
                     SELECT key, value FROM src.meta WHERE key IN ({V1_META});
                 INSERT INTO documents
                     (person_id, kind, snapshot, snapshot_bytes, change_bytes, change_rows)
                     SELECT person_id, kind, snapshot, snapshot_bytes, change_bytes, change_rows
                     FROM src.documents;
                 INSERT INTO doc_changes (id, person_id, kind, bytes)
                     SELECT id, person_id, kind, bytes FROM src.doc_changes;
                 DETACH DATABASE src;"
            ))
            .unwrap();
            let docs: i64 = conn
                .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
                .unwrap();
            assert_eq!(docs, 2);
        }
        assert_eq!(user_version(&old), 1);
        let before = schema(&old);
        assert!(before.iter().all(|(_, name, _, _)| name != "people"));

        let fresh = dir.path().join("fresh.db");
        drop(new_store(&fresh));

        let s = Store::open(&old, &crate::StoreKey::unencrypted()).unwrap();
        // The projection was rebuilt from the documents: the caseload shows the person.
        let list = s.caseload(&CaseloadQuery::default()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].person_id, person);
        assert_eq!(list[0].family_name.as_deref(), Some("Lovelace"));
        assert_eq!(list[0].nhs_number.as_deref(), Some("9434765919"));
        assert_eq!(list[0].status, Some(EpisodeStatus::Accepted));
        assert_eq!(list[0].active_goals, 1);
        let found = s
            .caseload(&CaseloadQuery {
                text: Some("ada".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1);
        // The documents are intact and editable.
        assert_eq!(s.person(person).unwrap(), record);
        s.add_case_note(person, "after migration").unwrap();
        drop(s);

        assert_eq!(user_version(&old), CURRENT_VERSION);
        assert_eq!(user_version(&fresh), CURRENT_VERSION);
        assert_eq!(schema(&old), schema(&fresh));
        // Opening again migrates nothing and keeps everything.
        let s = Store::open(&old, &crate::StoreKey::unencrypted()).unwrap();
        assert_eq!(s.caseload(&CaseloadQuery::default()).unwrap().len(), 1);
        assert_eq!(
            s.person(person).unwrap().case.unwrap().notes.len(),
            1,
            "the note written after migrating"
        );
    }

    #[test]
    fn every_step_is_applied_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("steps.db");
        let mut conn = Connection::open(&path).unwrap();
        let out = migrate(&mut conn).unwrap();
        assert_eq!(out.from, 0);
        assert!(
            !out.rebuild_projections,
            "a new store has nothing to rebuild"
        );
        let again = migrate(&mut conn).unwrap();
        assert_eq!(again.from, CURRENT_VERSION);
        assert!(!again.rebuild_projections);
        drop(conn);
        assert_eq!(user_version(&path), CURRENT_VERSION);
        // Step 1 of the shipped file is still the frozen version 1.
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            norm(STEPS[0]),
            norm(FROZEN_V1),
            "a released step was edited"
        );
    }

    #[test]
    fn a_store_from_a_newer_version_is_refused_and_left_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        drop(new_store(&path));
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", CURRENT_VERSION + 1)
                .unwrap();
        }
        let bytes = std::fs::read(&path).unwrap();
        for _ in 0..2 {
            match Store::open(&path, &crate::StoreKey::unencrypted()) {
                Err(Error::StoreTooNew { found, supported }) => {
                    assert_eq!(found, CURRENT_VERSION + 1);
                    assert_eq!(supported, CURRENT_VERSION);
                }
                other => panic!("expected StoreTooNew, got {other:?}"),
            }
            assert!(matches!(
                Store::open_as(&path, &crate::StoreKey::unencrypted(), Some("kim")),
                Err(Error::StoreTooNew { .. })
            ));
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file was changed");
        assert_eq!(user_version(&path), CURRENT_VERSION + 1);
    }
}
