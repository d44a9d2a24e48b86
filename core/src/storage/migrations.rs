//! Ordered schema migrations keyed by `PRAGMA user_version`: a fresh database runs every step,
//! an older one runs the missing steps, each in one transaction.

use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};

/// The SQL of each version, in order; index 0 is version 1. Never edit a released step: add one.
pub(crate) const STEPS: &[&str] = &[
    include_str!("migrations/0001_documents.sql"),
    include_str!("migrations/0002_projections.sql"),
    include_str!("migrations/0003_sync.sql"),
    include_str!("migrations/0004_identity.sql"),
    include_str!("migrations/0005_directory.sql"),
    include_str!("migrations/0006_signatures.sql"),
    include_str!("migrations/0007_sync_state.sql"),
    include_str!("migrations/0008_grant_redemptions.sql"),
    include_str!("migrations/0009_document_state.sql"),
    include_str!("migrations/0010_compact_signatures.sql"),
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
const REBUILDS_PROJECTIONS: &[i64] = &[2, 3, SYNC_STATE_STEP, DOC_STATE_STEP];

/// The version of the step that adds the conflict index (`0007_sync_state.sql`): its tables
/// start empty and are filled by the rebuild.
const SYNC_STATE_STEP: i64 = 7;

/// The version of the step that moves heads and counters to `doc_state`
/// (`0009_document_state.sql`): it adds `people.episode_from`, filled by the rebuild.
const DOC_STATE_STEP: i64 = 9;

/// Brings the schema up to the version of the last of `steps` ([`STEPS`] in every build; a
/// test plays a future build by adding steps, each taken to change projection tables),
/// refusing a newer store. A refused store is not written to: the version is read before any
/// step runs.
pub(super) fn migrate(conn: &mut Connection, steps: &[&str]) -> Result<Migrated> {
    let supported = steps.len() as i64;
    let from: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if from > supported {
        return Err(Error::StoreTooNew {
            found: from,
            supported,
        });
    }
    let mut out = Migrated {
        from,
        rebuild_projections: false,
    };
    for version in (from + 1)..=supported {
        let tx = conn.transaction()?;
        apply(&tx, steps, version)?;
        tx.commit()?;
        out.rebuild_projections |=
            from > 0 && (REBUILDS_PROJECTIONS.contains(&version) || version > CURRENT_VERSION);
    }
    Ok(out)
}

fn apply(tx: &Transaction<'_>, steps: &[&str], version: i64) -> Result<()> {
    let sql = usize::try_from(version - 1)
        .ok()
        .and_then(|i| steps.get(i))
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
        CaseloadQuery, EpisodeStatus, EpisodeTransition, NewGoal, NewPerson, NewStep, NewStore,
        Role, StepOwner,
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

    /// Adds a person and accepts their referral: the start of every fixture here.
    fn accepted_person(s: &Store) -> crate::ids::Id {
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
                decline_reason: None,
                redirect_reason: None,
                consent_to_contact: Some(true),
                reason: None,
            },
        )
        .unwrap();
        p
    }

    /// An accepted person with a goal and a progress entry of each rating in `ratings`.
    fn person_with_goal(s: &Store, ratings: &[i32]) -> (crate::ids::Id, crate::ids::Id) {
        let p = accepted_person(s);
        let goal = s
            .add_goal(
                p,
                NewGoal {
                    text: "Join a walking group".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        for rating in ratings {
            s.record_progress(
                goal,
                crate::model::NewProgress {
                    rating: Some(*rating),
                    note: None,
                },
            )
            .unwrap();
        }
        (p, goal)
    }

    #[test]
    fn a_frozen_version_1_store_migrates_to_the_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        // A real person's documents, written by this build into a scratch store.
        let source = dir.path().join("source.db");
        let (person, record) = {
            let s = new_store(&source);
            let p = accepted_person(&s);
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
                     SELECT d.person_id, d.kind, d.snapshot, s.snapshot_bytes, s.change_bytes,
                            s.change_rows
                     FROM src.documents d JOIN src.doc_current s USING (person_id, kind);
                 INSERT INTO doc_changes (id, person_id, kind, bytes)
                     SELECT row_number() OVER (ORDER BY person_id, kind, id), person_id, kind,
                            bytes
                     FROM src.doc_changes;
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
    fn steps_named_by_version_are_the_steps_they_name() {
        let sql = |v: i64| STEPS[usize::try_from(v - 1).unwrap()];
        assert!(sql(SYNC_STATE_STEP).contains("CREATE TABLE conflicts"));
        assert!(sql(DOC_STATE_STEP).contains("CREATE TABLE doc_state"));
    }

    #[test]
    fn every_step_is_applied_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("steps.db");
        let mut conn = Connection::open(&path).unwrap();
        let out = migrate(&mut conn, STEPS).unwrap();
        assert_eq!(out.from, 0);
        assert!(
            !out.rebuild_projections,
            "a new store has nothing to rebuild"
        );
        let again = migrate(&mut conn, STEPS).unwrap();
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

    /// The `documents` and `items` tables as the released steps before `0009_document_state.sql`
    /// left them (copies, so that edits of those steps cannot change what this test migrates
    /// from).
    const FROZEN_BEFORE_DOC_STATE: &[&str] = &[
        "CREATE TABLE documents ( person_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN \
         ('plan', 'case')), snapshot BLOB NOT NULL, snapshot_bytes INTEGER NOT NULL, \
         change_bytes INTEGER NOT NULL DEFAULT 0, change_rows INTEGER NOT NULL DEFAULT 0, \
         heads BLOB NOT NULL DEFAULT x'', PRIMARY KEY (person_id, kind) ) STRICT",
        "CREATE TABLE items ( item_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, kind TEXT NOT \
         NULL ) STRICT",
    ];

    /// SQL turning a 16-byte blob column into a UUID's hyphenated lower-case text.
    fn uuid_text(col: &str) -> String {
        let h = format!("hex({col})");
        format!(
            "lower(substr({h}, 1, 8) || '-' || substr({h}, 9, 4) || '-' || substr({h}, 13, 4) \
             || '-' || substr({h}, 17, 4) || '-' || substr({h}, 21, 12))"
        )
    }

    #[test]
    fn a_store_from_before_document_state_keeps_heads_counters_and_looked_up_items() {
        let dir = tempfile::tempdir().unwrap();
        // A person written by this build: a goal with progress, a step, a case note, a second
        // document change row so the counters are not zero.
        let source = dir.path().join("source.db");
        let (person, goal, note, record) = {
            let s = new_store(&source);
            let (p, goal) = person_with_goal(&s, &[6]);
            s.add_step(
                p,
                NewStep {
                    text: "Phone the group".into(),
                    owner: StepOwner::Person,
                    owner_name: None,
                    goal_id: Some(goal),
                    due: None,
                },
            )
            .unwrap();
            let note = s.add_case_note(p, "before the upgrade").unwrap();
            (p, goal, note, s.person(p).unwrap())
        };
        let state_sql = "SELECT person_id, kind, heads, snapshot_bytes, change_bytes, change_rows \
                         FROM doc_current";
        let source_state = dump_sql(&source, state_sql);
        assert!(source_state
            .iter()
            .any(|row| !row.contains("Integer(0), Integer(0)")));
        let source_items = dump_sql(&source, "SELECT item_id, person_id, kind FROM items");
        let signatures_sql = SIGNATURES_SQL;
        let source_signatures = dump_sql(&source, signatures_sql);
        assert!(!source_signatures.is_empty());

        // The store as the released steps before this one leave it, with the same rows (heads
        // and counters back on `documents`, every item kind in the index, ids as text).
        let step = STEPS
            .iter()
            .position(|s| s.contains("CREATE TABLE doc_state"))
            .unwrap();
        let old = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&old).unwrap();
            migrate(&mut conn, &STEPS[..step]).unwrap();
            let tables: Vec<String> = schema(&old)
                .into_iter()
                .filter(|(t, name, _, _)| t == "table" && (name == "documents" || name == "items"))
                .filter_map(|(_, _, _, sql)| sql)
                .collect();
            let frozen: Vec<String> = FROZEN_BEFORE_DOC_STATE
                .iter()
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            assert_eq!(tables, frozen, "a released step was edited");
            conn.execute("ATTACH DATABASE ?1 AS src", [source.to_str().unwrap()])
                .unwrap();
            let (item, owner) = (uuid_text("item_id"), uuid_text("person_id"));
            let old_signatures = old_signatures_from_src();
            conn.execute_batch(&format!(
                "INSERT INTO meta SELECT * FROM src.meta;
                 INSERT INTO device_identity SELECT * FROM src.device_identity;
                 INSERT INTO documents (person_id, kind, snapshot, snapshot_bytes, change_bytes,
                                        change_rows, heads)
                     SELECT d.person_id, d.kind, d.snapshot, s.snapshot_bytes, s.change_bytes,
                            s.change_rows, s.heads
                     FROM src.documents d JOIN src.doc_current s USING (person_id, kind);
                 INSERT INTO doc_changes (id, person_id, kind, bytes)
                     SELECT row_number() OVER (ORDER BY person_id, kind, id), person_id, kind,
                            bytes
                     FROM src.doc_changes;
                 {old_signatures}
                 INSERT INTO people (person_id, given_name, family_name, given_lc, family_lc,
                                     date_of_birth, nhs_number, status, next_step_due,
                                     active_goals, open_onward, updated_at)
                     SELECT person_id, given_name, family_name, given_lc, family_lc,
                            date_of_birth, nhs_number, status, next_step_due, active_goals,
                            open_onward, updated_at
                     FROM src.people;
                 INSERT INTO due_items SELECT * FROM src.due_items;
                 INSERT INTO items (item_id, person_id, kind)
                     SELECT {item}, {owner}, kind FROM src.items;
                 DETACH DATABASE src;"
            ))
            .unwrap();
            // Rows the old index held for kinds never looked up by id, and a damaged row.
            let key = person.to_string();
            let mut extra: Vec<(String, &str)> = record.plan.goals[0]
                .progress
                .iter()
                .map(|e| (e.id.to_string(), "progress"))
                .collect();
            let case = record.case.as_ref().unwrap();
            extra.extend(case.episodes.iter().map(|e| (e.id.to_string(), "episode")));
            extra.push(("not-an-id".into(), "goal"));
            for (id, kind) in &extra {
                conn.execute(
                    "INSERT INTO items (item_id, person_id, kind) VALUES (?1, ?2, ?3)",
                    rusqlite::params![id, key, kind],
                )
                .unwrap();
            }
            assert_eq!(
                extra.len(),
                3,
                "one progress entry, one episode, one damaged row"
            );
        }
        assert_eq!(user_version(&old), step as i64);

        let fresh = dir.path().join("fresh.db");
        drop(new_store(&fresh));
        let s = open(&old).unwrap();
        assert_eq!(user_version(&old), CURRENT_VERSION);
        assert_eq!(schema(&old), schema(&fresh));
        assert_eq!(
            dump_sql(&old, state_sql),
            source_state,
            "heads or counters changed"
        );
        assert_eq!(
            dump_sql(&old, "SELECT item_id, person_id, kind FROM items"),
            source_items,
            "the item index is not the looked-up kinds, by 16-byte id"
        );
        assert_eq!(
            dump_sql(&old, signatures_sql),
            source_signatures,
            "a change signature changed"
        );
        assert_eq!(s.person(person).unwrap(), record);
        // Items are found by id: the goal and the note are editable; counters keep counting.
        s.record_progress(
            goal,
            crate::model::NewProgress {
                rating: Some(7),
                note: None,
            },
        )
        .unwrap();
        s.edit_case_note(note, "after the upgrade").unwrap();
    }

    /// Every change row with its place among its document's rows (row ids are numbered per
    /// document since `0010_compact_signatures.sql`, and across the table before).
    const CHANGES_SQL: &str = "SELECT person_id, kind, \
                               (SELECT count(*) FROM doc_changes d WHERE d.person_id = c.person_id \
                                AND d.kind = c.kind AND d.id <= c.id), bytes \
                               FROM doc_changes c";

    /// Every change signature with its signer's key (what a signature says, whatever number
    /// its signer has, in `change_signatures` or waiting on its change row).
    const SIGNATURES_SQL: &str = "SELECT c.person_id, c.kind, c.hash, s.key, c.signature, \
                                  c.adopted, c.valid_at \
                                  FROM change_signatures c JOIN signers s ON s.id = c.signer \
                                  UNION ALL \
                                  SELECT unhex(replace(c.person_id, '-', '')), c.kind, c.hash, \
                                  s.key, c.signature, c.adopted, c.valid_at \
                                  FROM doc_changes c JOIN signers s ON s.id = c.signer";

    /// SQL copying the attached current store `src`'s change signatures (stored, and waiting on
    /// change rows) into a store from before `0010_compact_signatures.sql` (person ids as text,
    /// signers by key).
    fn old_signatures_from_src() -> String {
        format!(
            "INSERT INTO change_signatures (hash, person_id, kind, signer, signature, adopted,
                                            valid_at)
                 SELECT c.hash, {}, c.kind, s.key, c.signature, c.adopted, c.valid_at
                 FROM src.change_signatures c JOIN src.signers s ON s.id = c.signer;
             INSERT INTO change_signatures (hash, person_id, kind, signer, signature, adopted,
                                            valid_at)
                 SELECT c.hash, c.person_id, c.kind, s.key, c.signature, c.adopted, c.valid_at
                 FROM src.doc_changes c JOIN src.signers s ON s.id = c.signer;",
            uuid_text("c.person_id")
        )
    }

    /// Bytes as lower-case hex, for an SQL blob literal.
    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `doc_changes` and `change_signatures` as the released steps before
    /// `0010_compact_signatures.sql` left them (copies, so that edits of those steps cannot
    /// change what this test migrates from).
    const FROZEN_BEFORE_COMPACT_SIGNATURES: &[&str] = &[
        "CREATE TABLE \"change_signatures\" ( hash BLOB PRIMARY KEY CHECK (length(hash) = 32), \
         person_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('plan', 'case')), signer \
         BLOB NOT NULL CHECK (length(signer) = 32), signature BLOB NOT NULL CHECK \
         (length(signature) = 64), adopted INTEGER NOT NULL CHECK (adopted IN (0, 1)), valid_at \
         INTEGER ) STRICT, WITHOUT ROWID",
        "CREATE TABLE doc_changes ( id INTEGER PRIMARY KEY, person_id TEXT NOT NULL, kind TEXT \
         NOT NULL, bytes BLOB NOT NULL, FOREIGN KEY (person_id, kind) REFERENCES documents \
         (person_id, kind) ON DELETE CASCADE ) STRICT",
    ];

    #[test]
    fn a_store_from_before_compact_signatures_keeps_every_change_row_and_signature() {
        let dir = tempfile::tempdir().unwrap();
        // A person written by this build, with change rows pending on both documents.
        let source = dir.path().join("source.db");
        let (person, goal, record, history) = {
            let s = new_store(&source);
            let (p, goal) = person_with_goal(&s, &[3, 5]);
            s.add_case_note(p, "before the upgrade").unwrap();
            (p, goal, s.person(p).unwrap(), s.history(p).unwrap())
        };
        assert!(matches!(
            history[0].author,
            crate::model::Author::Unverified { .. }
        ));
        let changes_sql = CHANGES_SQL;
        let source_changes = dump_sql(&source, changes_sql);
        assert!(source_changes.len() >= 2, "no change rows to carry over");
        let current_sql = "SELECT * FROM doc_current";
        let source_current = dump_sql(&source, current_sql);
        let source_signatures = dump_sql(&source, SIGNATURES_SQL);
        // This build keeps an action's signature on its change row until compaction.
        let on_rows = dump_sql(
            &source,
            "SELECT hash FROM doc_changes WHERE hash IS NOT NULL",
        );
        assert!(!on_rows.is_empty() && on_rows.len() < source_signatures.len());

        // The store as the released steps before this one leave it, holding the same rows,
        // plus a second signer's signature.
        let step = STEPS
            .iter()
            .position(|s| s.contains("CREATE TABLE signers"))
            .unwrap();
        let old = dir.path().join("old.db");
        let (other_signer, other_hash, other_signature) = ([7u8; 32], [9u8; 32], [5u8; 64]);
        {
            let mut conn = Connection::open(&old).unwrap();
            migrate(&mut conn, &STEPS[..step]).unwrap();
            let tables: Vec<String> = schema(&old)
                .into_iter()
                .filter(|(t, name, _, _)| {
                    t == "table" && (name == "doc_changes" || name == "change_signatures")
                })
                .filter_map(|(_, _, _, sql)| sql)
                .collect();
            let frozen: Vec<String> = FROZEN_BEFORE_COMPACT_SIGNATURES
                .iter()
                .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            assert_eq!(tables, frozen, "a released step was edited");
            conn.execute("ATTACH DATABASE ?1 AS src", [source.to_str().unwrap()])
                .unwrap();
            let old_signatures = old_signatures_from_src();
            conn.execute_batch(&format!(
                "INSERT INTO meta SELECT * FROM src.meta;
                 INSERT INTO device_identity SELECT * FROM src.device_identity;
                 INSERT INTO documents SELECT * FROM src.documents;
                 INSERT INTO doc_state (person_id, kind, heads, snapshot_bytes, change_bytes,
                                        change_rows)
                     SELECT person_id, kind, heads, snapshot_bytes, change_bytes, change_rows
                     FROM src.doc_current;
                 INSERT INTO doc_changes (id, person_id, kind, bytes)
                     SELECT row_number() OVER (ORDER BY person_id, kind, id), person_id, kind,
                            bytes
                     FROM src.doc_changes;
                 {old_signatures}
                 INSERT INTO people SELECT * FROM src.people;
                 INSERT INTO due_items SELECT * FROM src.due_items;
                 INSERT INTO items SELECT * FROM src.items;
                 DETACH DATABASE src;"
            ))
            .unwrap();
            conn.execute(
                "INSERT INTO change_signatures (hash, person_id, kind, signer, signature,
                                                adopted, valid_at)
                 VALUES (?1, ?2, 'case', ?3, ?4, 1, 1700000000)",
                rusqlite::params![
                    other_hash.as_slice(),
                    person.to_string(),
                    other_signer.as_slice(),
                    other_signature.as_slice()
                ],
            )
            .unwrap();
        }
        assert_eq!(user_version(&old), step as i64);

        let fresh = dir.path().join("fresh.db");
        drop(new_store(&fresh));
        let s = open(&old).unwrap();
        assert_eq!(user_version(&old), CURRENT_VERSION);
        assert_eq!(schema(&old), schema(&fresh));
        assert_eq!(
            dump_sql(&old, changes_sql),
            source_changes,
            "a change row changed"
        );
        assert_eq!(
            dump_sql(&old, current_sql),
            source_current,
            "heads, sizes or row counts changed"
        );
        let mut expected = source_signatures.clone();
        expected.extend(dump_sql(
            &old,
            &format!(
                "SELECT x'{}', 'case', x'{}', x'{}', x'{}', 1, 1700000000",
                hex(person.as_bytes()),
                hex(&other_hash),
                hex(&other_signer),
                hex(&other_signature)
            ),
        ));
        expected.sort();
        assert_eq!(
            dump_sql(&old, SIGNATURES_SQL),
            expected,
            "a change signature changed"
        );
        let signers: i64 = Connection::open(&old)
            .unwrap()
            .query_row("SELECT count(*) FROM signers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(signers, 2, "each signer numbered once");
        // The documents read as before, each change keeps its author, and the store keeps
        // appending change rows and signatures after the carried-over ones.
        assert_eq!(s.person(person).unwrap(), record);
        assert_eq!(s.history(person).unwrap(), history);
        s.record_progress(
            goal,
            crate::model::NewProgress {
                rating: Some(8),
                note: None,
            },
        )
        .unwrap();
        let after = s.history(person).unwrap();
        assert_eq!(after.len(), history.len() + 1);
        assert!(after.iter().all(|e| e.author == history[0].author));
        assert_eq!(s.plan(person).unwrap().goals[0].progress.len(), 3);
        assert_eq!(dump_sql(&old, SIGNATURES_SQL).len(), expected.len() + 1);

        // The signatures waiting on the source's change rows move to `change_signatures` when
        // it is compacted, and every signature stays readable and the same.
        let src = open(&source).unwrap();
        src.compact().unwrap();
        assert!(dump_sql(&source, changes_sql).is_empty());
        assert_eq!(dump_sql(&source, SIGNATURES_SQL), source_signatures);
        assert_eq!(
            dump_sql(&source, "SELECT count(*) FROM change_signatures"),
            [format!("[Integer({})]", source_signatures.len())]
        );
        assert_eq!(src.history(person).unwrap(), history);
    }

    /// Every row `sql` returns, as text, sorted.
    fn dump_sql(path: &Path, sql: &str) -> Vec<String> {
        let conn = Connection::open(path).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let values: Vec<rusqlite::types::Value> =
                    (0..n).map(|i| r.get(i)).collect::<Result<_, _>>()?;
                Ok(format!("{values:?}"))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        rows.sort();
        rows
    }

    /// A future version's step on top of the current schema: a new column on a projection and
    /// on `documents`, and a new table filled from existing rows (a data migration).
    const FUTURE_STEP: &str = "
        ALTER TABLE people ADD COLUMN preferred_name TEXT;
        ALTER TABLE documents ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE reminders (
            item_id   TEXT PRIMARY KEY,
            person_id TEXT NOT NULL,
            due       TEXT NOT NULL
        ) STRICT;
        INSERT INTO reminders (item_id, person_id, due)
            SELECT item_id, person_id, due FROM due_items;
    ";

    /// Every row of every table, as text, sorted; only the columns `columns` names for a table
    /// (all of them when absent), leaving out `people.updated_at` (a rebuild rewrites it).
    fn dump(
        path: &Path,
        columns: Option<&std::collections::BTreeMap<String, Vec<String>>>,
    ) -> std::collections::BTreeMap<String, (Vec<String>, Vec<String>)> {
        let conn = Connection::open(path).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let mut out = std::collections::BTreeMap::new();
        for table in tables {
            let cols: Vec<String> = match columns {
                Some(c) => match c.get(&table) {
                    Some(cols) => cols.clone(),
                    None => continue,
                },
                None => conn
                    .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .map(|r| r.unwrap())
                    .filter(|c: &String| !(table == "people" && c == "updated_at"))
                    .collect(),
            };
            let sql = format!("SELECT {} FROM {table}", cols.join(", "));
            let mut stmt = conn.prepare(&sql).unwrap();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    let values: Vec<rusqlite::types::Value> = (0..cols.len())
                        .map(|i| r.get(i))
                        .collect::<Result<_, _>>()?;
                    Ok(format!("{values:?}"))
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            rows.sort();
            out.insert(table, (cols, rows));
        }
        out
    }

    /// Runs a whole sync session between two stores.
    fn sync(a: &Store, b: &Store) {
        let (mut sa, mut msg) = a.sync_start().unwrap();
        let mut sb = b.sync_accept();
        let mut to_b = true;
        for _ in 0..50 {
            let step = if to_b {
                b.sync_receive(&mut sb, &msg)
            } else {
                a.sync_receive(&mut sa, &msg)
            }
            .unwrap();
            match step.reply {
                Some(reply) => {
                    msg = reply;
                    to_b = !to_b;
                }
                None => return,
            }
        }
        panic!("the sync session did not end");
    }

    fn open(path: &Path) -> Result<Store> {
        Store::open(path, &crate::StoreKey::unencrypted())
    }

    #[test]
    fn a_future_schema_bump_keeps_every_current_row_and_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let peer_path = dir.path().join("peer.db");
        let (person, record) = {
            let s = new_store(&path);
            let p = accepted_person(&s);
            let due = chrono::NaiveDate::from_ymd_opt(2031, 3, 1).unwrap();
            let goal = s
                .add_goal(
                    p,
                    NewGoal {
                        text: "Join a walking group".into(),
                        target_date: Some(due),
                        ..Default::default()
                    },
                )
                .unwrap();
            s.add_step(
                p,
                NewStep {
                    text: "Phone the group".into(),
                    owner: StepOwner::Person,
                    owner_name: None,
                    goal_id: Some(goal),
                    due: Some(due),
                },
            )
            .unwrap();
            s.add_case_note(p, "before the upgrade").unwrap();
            // A tombstone, and sync state and a peer row from a session with another store.
            let gone = s.add_person(NewPerson {
                given_name: "Bob".into(),
                family_name: "Gone".into(),
                ..Default::default()
            });
            s.erase_person(gone.unwrap()).unwrap();
            let peer = new_store(&peer_path);
            sync(&s, &peer);
            assert_eq!(peer.person(p).unwrap(), s.person(p).unwrap());
            (p, s.person(p).unwrap())
        };
        let before = dump(&path, None);
        for table in [
            "documents",
            "people",
            "due_items",
            "sync_state",
            "tombstones",
            "peers",
        ] {
            assert!(
                !before[table].1.is_empty(),
                "no rows in {table} to carry over"
            );
        }
        let old_columns = before
            .iter()
            .map(|(t, (cols, _))| (t.clone(), cols.clone()))
            .collect();

        // The future build opens the store: it migrates one step further.
        let future: Vec<&str> = STEPS.iter().copied().chain([FUTURE_STEP]).collect();
        let s = Store::open_with_steps(&path, &crate::StoreKey::unencrypted(), &future).unwrap();
        assert_eq!(user_version(&path), CURRENT_VERSION + 1);
        let after = dump(&path, Some(&old_columns));
        assert_eq!(
            after, before,
            "a current row changed in the future version's migration"
        );
        let future = dump(&path, None);
        assert_eq!(
            future["reminders"].1.len(),
            before["due_items"].1.len(),
            "the data migration filled the new table"
        );
        assert!(future["documents"].0.contains(&"archived".to_string()));
        // Everything reads as before, stays editable, and syncs with a current-version peer.
        assert_eq!(s.person(person).unwrap(), record);
        let list = s.caseload(&CaseloadQuery::default()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].nhs_number.as_deref(), Some("9434765919"));
        assert_eq!(list[0].status, Some(EpisodeStatus::Accepted));
        s.add_case_note(person, "after the upgrade").unwrap();
        let peer = open(&peer_path).unwrap();
        sync(&s, &peer);
        assert_eq!(peer.person(person).unwrap().case.unwrap().notes.len(), 2);
        drop(s);
        drop(peer);

        // This build, back on a current version, refuses the upgraded file and leaves it alone.
        let files = |p: &Path| {
            let mut names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let bytes = std::fs::read(&path).unwrap();
        let listing = files(&path);
        match open(&path) {
            Err(Error::StoreTooNew { found, supported }) => {
                assert_eq!((found, supported), (CURRENT_VERSION + 1, CURRENT_VERSION));
            }
            other => panic!("expected StoreTooNew, got {other:?}"),
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "the file was changed");
        assert_eq!(
            files(&path),
            listing,
            "files appeared or vanished beside the store"
        );
    }
}
