//! The hub's integration tests, one binary: real TLS WebSocket on loopback, on the embedded
//! SQLite database and on the PostgreSQL cluster the test command starts
//! (`scripts/postgres.sh`; without it the PostgreSQL cases say loudly that they are skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

/// Two tests running `$body(hub)` (an `async fn` taking the initialised hub of organisation
/// "Northside"): `$embedded` on the embedded SQLite hub, `$postgres` on the test cluster's
/// PostgreSQL (a database named after the test; skipped loudly without the cluster).
macro_rules! on_both_hubs {
    ($embedded:ident, $postgres:ident, $body:path) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn $embedded() {
            let (_d, hub) = crate::common::init_sqlite("Northside").await;
            $body(hub).await;
        }

        #[tokio::test(flavor = "multi_thread")]
        async fn $postgres() {
            let Some((_d, hub)) =
                crate::common::init_postgres(stringify!($postgres), "Northside").await
            else {
                return;
            };
            $body(hub).await;
        }
    };
}

mod backup;
mod caseload;
mod certificate;
mod common;
mod connection;
mod database_tls;
mod directory;
mod doc_sync;
mod enrolment;
mod failures;
mod large_documents;
mod live;
mod own_postgres;
mod patient_phone;
mod preauth;
mod round_trips;
mod schema;
mod sync_scope;
