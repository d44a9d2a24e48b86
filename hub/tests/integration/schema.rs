//! The PostgreSQL schema across versions (the embedded SQLite database has the same tests as
//! unit tests in `store::sqlite`): a database frozen at version 4 (that release's migrations,
//! with a person in a caseload) migrates to this build's schema, the same as a fresh
//! database's, keeping its rows; and the caseload index a sync step reads by is usable.

use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::store::HubStore;
use tokio_postgres::{Client, NoTls};

use crate::common::*;

const VERSION_4: [&str; 4] = [
    include_str!("../../src/store/migrations/postgres/0001_init.sql"),
    include_str!("../../src/store/migrations/postgres/0002_documents.sql"),
    include_str!("../../src/store/migrations/postgres/0003_directory.sql"),
    include_str!("../../src/store/migrations/postgres/0004_grant_redemptions.sql"),
];

async fn client(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

/// Tables and columns, indexes and triggers, as text.
async fn schema(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
           || ' ' || coalesce(column_default, '') \
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
        "SELECT event_object_table || ' ' || trigger_name || ' ' || event_manipulation \
         FROM information_schema.triggers ORDER BY 1",
    ] {
        for row in client.query(sql, &[]).await.unwrap() {
            out.push(row.get::<_, String>(0));
        }
    }
    out
}

#[tokio::test]
async fn a_version_4_postgres_database_migrates_to_the_fresh_schema() {
    let Some(old_url) = postgres_database("schema_version_4").await else {
        return;
    };
    let fresh_url = postgres_database("schema_fresh").await.unwrap();
    let old = client(&old_url).await;
    for sql in VERSION_4 {
        old.batch_execute(sql).await.unwrap();
    }
    old.batch_execute(
        "CREATE TABLE hub_schema_migrations \
           (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL); \
         INSERT INTO hub_schema_migrations VALUES (1, 0), (2, 0), (3, 0), (4, 0); \
         INSERT INTO users (name, role) VALUES ('Asha', 'link-worker'); \
         INSERT INTO people SELECT 'p1', id, id FROM users;",
    )
    .await
    .unwrap();
    let before = schema(&old).await;
    assert!(!before
        .iter()
        .any(|s| s.contains("people_assigned_to") || s.contains("users_team")));

    PgStore::open(&old_url)
        .await
        .unwrap()
        .migrate()
        .await
        .unwrap();
    PgStore::open(&fresh_url)
        .await
        .unwrap()
        .migrate()
        .await
        .unwrap();
    let fresh = client(&fresh_url).await;
    assert_eq!(schema(&old).await, schema(&fresh).await);
    let version: i32 = old
        .query_one("SELECT max(version) FROM hub_schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, 7);
    let kept: i64 = old
        .query_one("SELECT count(*) FROM people WHERE person_id = 'p1'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(kept, 1);

    // The index a step's caseload rows are read by (forced: on a table this small the planner
    // would rather read it whole).
    let plan: Vec<String> = old
        .simple_query(
            "SET enable_seqscan = off; \
             EXPLAIN SELECT person_id FROM people WHERE assigned_to = 1",
        )
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
            _ => None,
        })
        .collect();
    assert!(
        plan.iter().any(|l| l.contains("people_assigned_to")),
        "{plan:?}"
    );
}
