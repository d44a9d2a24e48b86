//! PostgreSQL over TLS: the hub connects without a TLS implementation of its own (see
//! docs/deploy.md), so a URL that requires TLS (`sslmode=require`) is refused with a database
//! error rather than silently connecting in plaintext; `sslmode=disable` (or a Unix socket)
//! connects as before.

use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::HubError;

use crate::common::*;

#[tokio::test]
async fn a_database_url_that_requires_tls_is_refused_not_downgraded() {
    let Some(url) = postgres_database("database_tls").await else {
        return;
    };
    match PgStore::open(&format!("{url}?sslmode=require")).await {
        Err(HubError::Database(_)) => {}
        Err(e) => panic!("expected a database error, got {e}"),
        Ok(_) => panic!("sslmode=require must not connect without TLS"),
    }
    PgStore::open(&format!("{url}?sslmode=disable"))
        .await
        .unwrap();
}
