//! PostgreSQL over TLS (`store::pg_tls`): the test cluster is switched to `ssl = on` with a
//! server certificate for `localhost` from a test CA (rcgen). A hub whose URL says
//! `sslmode=verify-full` with that CA connects over TLS (the server says so) and works; one
//! given another CA, or a host name the certificate is not for, is refused with a database
//! error instead of connecting; `sslmode=disable` still connects in plaintext, and
//! `sslmode=prefer` (which can be downgraded) is refused before connecting.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::store::HubStore;
use linkwork_hub::HubError;
use tokio::sync::OnceCell;

use crate::common::*;

/// A test CA's certificate (PEM) and a server certificate it signed for `names`, with its key.
fn ca_and_server(names: &[&str]) -> (String, String, String) {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "linkwork test database CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (ca.pem(), server.pem(), key.serialize_pem())
}

/// Writes `contents` into the cluster's data directory, owned by its owner (the server reads
/// it; a key must not be readable by others).
fn write_owned(dir: &Path, name: &str, contents: &str) {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    let owner = std::fs::metadata(dir).unwrap();
    std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The test CA the cluster's certificate is signed by, once per test process: the cluster
/// (started by the test command, on this machine) gets a certificate for `localhost`, `ssl =
/// on` and a reload. The files stay in its data directory, so a restart keeps TLS working.
static CLUSTER_CA: OnceCell<String> = OnceCell::const_new();

async fn cluster_ca(base: &str) -> String {
    CLUSTER_CA
        .get_or_init(|| async {
            let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            let dir: String = client
                .query_one("SHOW data_directory", &[])
                .await
                .unwrap()
                .get(0);
            let (ca, cert, key) = ca_and_server(&["localhost"]);
            write_owned(Path::new(&dir), "linkwork_test_server.crt", &cert);
            write_owned(Path::new(&dir), "linkwork_test_server.key", &key);
            // One statement each: ALTER SYSTEM refuses to run inside a (multi-statement,
            // implicit) transaction.
            for sql in [
                "ALTER SYSTEM SET ssl_cert_file = 'linkwork_test_server.crt'",
                "ALTER SYSTEM SET ssl_key_file = 'linkwork_test_server.key'",
                "ALTER SYSTEM SET ssl = on",
                "SELECT pg_reload_conf()",
            ] {
                client.batch_execute(sql).await.unwrap();
            }
            ca
        })
        .await
        .clone()
}

/// `url` (a database of the test cluster at 127.0.0.1) reached by the host name `host` (its
/// address stays 127.0.0.1), with `params`.
fn by_name(url: &str, host: &str, params: &str) -> String {
    let (_, rest) = url.split_once('@').unwrap();
    let (addr, db) = rest.split_once('/').unwrap();
    let port = addr.rsplit_once(':').map_or("5432", |(_, p)| p);
    let (user, _) = url
        .trim_start_matches("postgres://")
        .split_once('@')
        .unwrap();
    format!("postgres://{user}@{host}:{port}/{db}?hostaddr=127.0.0.1&{params}")
}

async fn uses_tls(store: &PgStore) -> bool {
    // The hub's own connection reports whether it is encrypted.
    store.connection_uses_tls().await.unwrap()
}

#[tokio::test]
async fn the_hub_reaches_postgres_over_tls_and_refuses_a_wrong_ca_or_host_name() {
    let Some(url) = postgres_database("database_tls").await else {
        return;
    };
    let base = std::env::var("LINKWORK_TEST_POSTGRES_URL").unwrap();
    let ca = cluster_ca(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("db-ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    let (other_ca, _, _) = ca_and_server(&["localhost"]);
    let other_ca_file = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca_file, other_ca).unwrap();

    let verified = by_name(
        &url,
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", ca_file.display()),
    );
    // The reload is asynchronous: wait (bounded) until the server offers TLS.
    let mut store = None;
    for _ in 0..200 {
        match PgStore::open(&verified).await {
            Ok(s) => {
                store = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let store = store.expect("the cluster offers TLS with the test CA's certificate");
    assert!(uses_tls(&store).await);
    // The hub works over it: schema and organisation.
    store.migrate().await.unwrap();
    assert_eq!(store.organisation().await.unwrap(), None);

    // `require` means the same checks (rustls always verifies).
    let required = by_name(
        &url,
        "localhost",
        &format!("sslmode=require&sslrootcert={}", ca_file.display()),
    );
    assert!(uses_tls(&PgStore::open(&required).await.unwrap()).await);

    // Another CA: refused, not connected.
    let wrong_ca = by_name(
        &url,
        "localhost",
        &format!(
            "sslmode=verify-full&sslrootcert={}",
            other_ca_file.display()
        ),
    );
    match PgStore::open(&wrong_ca).await {
        Err(HubError::Database(why)) => assert!(why.contains("certificate"), "{why}"),
        Err(e) => panic!("expected a database error, got {e}"),
        Ok(_) => panic!("a certificate from another CA must not be accepted"),
    }
    // The right CA, but a name the certificate is not for (its address is the same server).
    let wrong_name = by_name(
        &url,
        "db.linkwork.test",
        &format!("sslmode=verify-full&sslrootcert={}", ca_file.display()),
    );
    match PgStore::open(&wrong_name).await {
        Err(HubError::Database(why)) => assert!(why.contains("certificate"), "{why}"),
        Err(e) => panic!("expected a database error, got {e}"),
        Ok(_) => panic!("a certificate for another host name must not be accepted"),
    }
    // Without the test CA the public roots apply: refused too.
    let public_roots = by_name(&url, "localhost", "sslmode=verify-full");
    assert!(matches!(
        PgStore::open(&public_roots).await,
        Err(HubError::Database(_))
    ));

    // Plaintext when the URL says so; a mode that could be downgraded is refused up front.
    let plain = PgStore::open(&format!("{url}?sslmode=disable"))
        .await
        .unwrap();
    assert!(!uses_tls(&plain).await);
    assert!(matches!(
        PgStore::open(&format!("{url}?sslmode=prefer")).await,
        Err(HubError::Invalid { .. })
    ));
}
