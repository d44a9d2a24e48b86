//! The documented PostgreSQL backup procedure (docs/deploy.md, "Backups"): `pg_dump -Fc` of the
//! hub's database, `pg_restore --no-owner` into an empty database, and a node opened on the
//! restored database with the same key file serves the devices enrolled before the backup,
//! with users and the audit log intact.

use std::path::PathBuf;
use std::sync::Arc;

use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::Hub;

use crate::common::*;

/// A PostgreSQL client program (`pg_dump`, `pg_restore`) of the newest installed version, the
/// one `scripts/postgres.sh` starts the cluster with.
fn pg_program(name: &str) -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .unwrap()
        .map(|e| e.unwrap().path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    versions.sort_by_key(|p| {
        p.components()
            .nth(4)
            .and_then(|c| c.as_os_str().to_str()?.parse::<u32>().ok())
    });
    versions.pop().unwrap()
}

#[tokio::test]
async fn pg_dump_and_pg_restore_give_a_hub_that_serves_its_enrolled_devices() {
    let Some((d, hub)) = init_postgres("backup", "North").await else {
        return;
    };
    let tls = tls();
    let code = invite(&hub, "Asha", UserRole::LinkWorker).await;
    let hub = Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, fast()).await;
    let asha = phone("Asha");
    enrol(&asha, &url, &tls, &code).await;
    node.stop().await;
    let before = hub.store.audit_log().await.unwrap();

    let source = d.postgres.clone().unwrap();
    let dump = d.dir.path().join("hub.dump");
    let out = std::process::Command::new(pg_program("pg_dump"))
        .args(["-Fc", "--file"])
        .arg(&dump)
        .arg(format!("--dbname={source}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target = postgres_database("backup_restore").await.unwrap();
    let out = std::process::Command::new(pg_program("pg_restore"))
        .args(["--no-owner", "--exit-on-error"])
        .arg(format!("--dbname={target}"))
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let restored = Hub::open(
        PgStore::open(&target).await.unwrap(),
        KeyFile::read(&d.key_file).unwrap(),
    )
    .await
    .unwrap();
    let after = restored.store.audit_log().await.unwrap();
    assert_eq!(after.len(), before.len());
    assert!(restored.store.user_by_name("Asha").await.unwrap().is_some());
    let restored = Arc::new(restored);
    let (node, url) = start(restored.clone(), &tls, fast()).await;
    let Connected::Open(_, _) = connect_phone(&asha, &url, &tls).await else {
        panic!("the restored hub admits a device enrolled before the backup");
    };
    node.stop().await;
}
