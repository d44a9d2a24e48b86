//! The hub's integration tests, one binary: real TLS WebSocket on loopback, on the embedded
//! SQLite database and on the PostgreSQL cluster the test command starts
//! (`scripts/postgres.sh`; without it the PostgreSQL cases say loudly that they are skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

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
