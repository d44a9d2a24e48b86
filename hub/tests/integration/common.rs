//! Shared fixtures: TLS certificates (rcgen), hubs on SQLite and on the test command's
//! PostgreSQL, phones (core stores), and a device-side client that speaks the hub's protocol
//! over a real TLS WebSocket on loopback.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linkwork_core::hub_client::{HubOutcome, HubPurpose, HubSession};
use linkwork_core::identity::enrolment::{require_hub, EnrolReply, EnrolRequest, HubMessage};
use linkwork_core::identity::{Channel, ChannelPolicy, Refusal};
use linkwork_core::model::{NewStore, Role};
use linkwork_core::{Id, Store, StoreKey};
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::server::{serve, Running, ServeOptions};
use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::store::sqlite::SqliteStore;
use linkwork_hub::store::{AuditRecord, HubStore, UserRole};
use linkwork_hub::Hub;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<tokio_rustls::client::TlsStream<TcpStream>>;

/// A TLS certificate for `localhost` and its key (PEM), self-signed: devices trust it as their
/// CA (`--ca-cert`).
pub struct Tls {
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn tls() -> Tls {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    Tls {
        cert_pem: cert.cert.pem(),
        key_pem: cert.signing_key.serialize_pem(),
    }
}

/// A self-signed TLS certificate for `localhost` valid from `not_before` to `not_after`
/// (seconds since the epoch).
pub fn tls_valid(not_before: i64, not_after: i64) -> Tls {
    let at = |t: i64| {
        rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(t.try_into().unwrap())
    };
    let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
    params.not_before = at(not_before);
    params.not_after = at(not_after);
    let key = rcgen::KeyPair::generate().unwrap();
    Tls {
        cert_pem: params.self_signed(&key).unwrap().pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Adds a goal with `text` to `person`'s plan in `store`.
pub fn add_goal(store: &Store, person: Id, text: &str) {
    store
        .add_goal(
            person,
            linkwork_core::model::NewGoal {
                text: text.into(),
                smart_detail: None,
                needs: vec![],
                target_date: None,
            },
        )
        .unwrap();
}

/// A fresh database in the test command's PostgreSQL cluster, or `None` (said loudly) when
/// `LINKWORK_TEST_POSTGRES_URL` is unset — a developer's plain `cargo test`. Under
/// `scripts/test.sh` the variable is set, and the script fails unless these tests ran.
pub async fn postgres_database(test: &str) -> Option<String> {
    let Ok(base) = std::env::var("LINKWORK_TEST_POSTGRES_URL") else {
        // Straight to the process's stderr (not eprintln!, which the test harness captures):
        // a developer's plain `cargo test` shows that these cases did not run.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED {test}: LINKWORK_TEST_POSTGRES_URL is unset (scripts/test.sh starts \
             PostgreSQL and sets it) ***"
        );
        return None;
    };
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let name = format!("hub_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    if let Ok(marker) = std::env::var("LINKWORK_TEST_POSTGRES_MARKER") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(marker)
            .unwrap();
        writeln!(f, "{test}").unwrap();
    }
    let (head, _) = base.rsplit_once('/').unwrap();
    Some(format!("{head}/{name}"))
}

/// A hub deployment under test: its directory (key file, SQLite file), its first node's hub
/// and the organisation's name.
pub struct Deployment {
    pub dir: TempDir,
    pub key_file: PathBuf,
    /// `Some(url)` on PostgreSQL.
    pub postgres: Option<String>,
}

impl Deployment {
    pub fn sqlite_path(&self) -> PathBuf {
        self.dir.path().join("hub.db")
    }

    /// The `--database` argument.
    pub fn database_arg(&self) -> String {
        self.postgres
            .clone()
            .unwrap_or_else(|| self.sqlite_path().display().to_string())
    }
}

pub async fn init_sqlite(org: &str) -> (Deployment, Hub<SqliteStore>) {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("hub.key");
    let keys = KeyFile::create(org).unwrap();
    let store = SqliteStore::open(&dir.path().join("hub.db"), &keys.database_key()).unwrap();
    let hub = Hub::init(store, keys, &key_file).await.unwrap();
    (
        Deployment {
            dir,
            key_file,
            postgres: None,
        },
        hub,
    )
}

pub async fn init_postgres(test: &str, org: &str) -> Option<(Deployment, Hub<PgStore>)> {
    let url = postgres_database(test).await?;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("hub.key");
    let keys = KeyFile::create(org).unwrap();
    let hub = Hub::init(PgStore::open(&url).await.unwrap(), keys, &key_file)
        .await
        .unwrap();
    Some((
        Deployment {
            dir,
            key_file,
            postgres: Some(url),
        },
        hub,
    ))
}

/// Another node of a PostgreSQL deployment (its own connections, the same key file).
pub async fn second_node(d: &Deployment) -> Hub<PgStore> {
    let url = d.postgres.as_ref().unwrap();
    Hub::open(
        PgStore::open(url).await.unwrap(),
        KeyFile::read(&d.key_file).unwrap(),
    )
    .await
    .unwrap()
}

pub fn fast() -> ServeOptions {
    ServeOptions {
        poll: Duration::from_millis(200),
        poll_with_push: Duration::from_secs(30),
        ..ServeOptions::default()
    }
}

/// Starts `hub` on a free loopback port; returns the node and its `wss://` URL.
pub async fn start<S: HubStore>(
    hub: Arc<Hub<S>>,
    tls: &Tls,
    options: ServeOptions,
) -> (Running, String) {
    let config =
        linkwork_hub::tls::server_config(tls.cert_pem.as_bytes(), tls.key_pem.as_bytes()).unwrap();
    let running = serve(hub, "127.0.0.1:0", config, options).await.unwrap();
    let url = format!("wss://localhost:{}", running.addr.port());
    (running, url)
}

/// A phone: a link worker's (unencrypted, for speed) store in its own directory.
pub struct Phone {
    pub _dir: TempDir,
    pub store: Store,
}

pub fn phone(user: &str) -> Phone {
    phone_with(user, Role::LinkWorker, None)
}

pub fn phone_with(user: &str, role: Role, person: Option<linkwork_core::Id>) -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db");
    let store = Store::create(
        &path,
        NewStore {
            user: user.into(),
            role,
            person,
        },
        &StoreKey::unencrypted(),
    )
    .unwrap();
    Phone { _dir: dir, store }
}

/// Opens a TLS WebSocket to `url` + `path`, trusting only the test CA.
pub async fn ws(url: &str, path: &str, tls: &Tls) -> Ws {
    let config = linkwork_hub::tls::client_config(tls.cert_pem.as_bytes()).unwrap();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let request = format!("{url}{path}").into_client_request().unwrap();
    let (ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();
    ws
}

async fn next_binary(ws: &mut Ws) -> Option<Vec<u8>> {
    next_binary_within(ws, Duration::from_secs(10)).await
}

/// The next binary message, `None` once the hub closed the connection or lost it (waiting up
/// to two minutes: a guard against a hang, not a measure).
pub async fn next_frame(ws: &mut Ws) -> Option<Vec<u8>> {
    next_binary_within(ws, Duration::from_secs(120)).await
}

/// The next binary message, waiting up to `limit` (a guard against a hang, not a measure).
async fn next_binary_within(ws: &mut Ws, limit: Duration) -> Option<Vec<u8>> {
    loop {
        match tokio::time::timeout(limit, ws.next()).await.ok()?? {
            Ok(Message::Binary(b)) => return Some(b.to_vec()),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
}

/// Enrols `phone` with `code`; installs the certificate when the hub enrolled it.
pub async fn enrol(phone: &Phone, url: &str, tls: &Tls, code: &str) -> EnrolReply {
    let mut ws = ws(url, "/enrol", tls).await;
    let msg = EnrolRequest {
        code: code.into(),
        request: phone.store.certificate_request().unwrap(),
    };
    ws.send(Message::Binary(msg.encode().into())).await.unwrap();
    let reply = EnrolReply::decode(&next_binary(&mut ws).await.unwrap()).unwrap();
    if let EnrolReply::Enrolled {
        certificate,
        trust_root,
    } = &reply
    {
        phone
            .store
            .install_enrolment(certificate, trust_root)
            .unwrap();
    }
    reply
}

/// A device's open connection to its hub.
pub struct Live {
    pub ws: Ws,
    pub channel: Channel,
}

impl Live {
    /// The next message from the hub, `None` once the hub closed the connection.
    pub async fn next(&mut self) -> Option<HubMessage> {
        let plain = self.next_plain().await?;
        Some(HubMessage::decode(&plain).unwrap())
    }

    /// The next message from the hub as the channel opened it (every byte the hub sent in it),
    /// `None` once the hub closed the connection.
    pub async fn next_plain(&mut self) -> Option<Vec<u8>> {
        let frame = next_binary(&mut self.ws).await?;
        Some(self.channel.open(&frame).unwrap())
    }

    /// Waits up to `limit` for the hub to close the connection; true if it did.
    pub async fn closed_within(&mut self, limit: Duration) -> bool {
        closed_within(&mut self.ws, limit).await
    }
}

/// Waits up to `limit` for the hub to close `ws`; true if it did.
pub async fn closed_within(ws: &mut Ws, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// How a connection attempt ended.
pub enum Connected {
    /// The channel opened and the hub sent its first message.
    Open(Box<Live>, HubMessage),
    /// The device's own side refused the hub.
    DeviceRefused(Refusal),
    /// The hub closed the connection; every byte the device received is here.
    HubRefused { received: Vec<Vec<u8>> },
}

/// Connects a device with `policy` to the hub's `/connect` and runs the channel.
pub async fn connect(policy: ChannelPolicy, url: &str, tls: &Tls) -> Connected {
    let mut ws = ws(url, "/connect", tls).await;
    let mut received = Vec::new();
    let (mut channel, first) = match Channel::initiate(policy) {
        Ok(c) => c,
        Err(why) => return Connected::DeviceRefused(why),
    };
    ws.send(Message::Binary(first.into())).await.unwrap();
    while !channel.is_open() {
        let Some(msg) = next_binary(&mut ws).await else {
            return Connected::HubRefused { received };
        };
        received.push(msg.clone());
        match channel.receive_handshake(&msg) {
            Ok(Some(reply)) => {
                if ws.send(Message::Binary(reply.into())).await.is_err() {
                    return Connected::HubRefused { received };
                }
            }
            Ok(None) => {}
            Err(why) => return Connected::DeviceRefused(why),
        }
    }
    if let Err(why) = require_hub(channel.peer().unwrap()) {
        return Connected::DeviceRefused(why);
    }
    let Some(frame) = next_binary(&mut ws).await else {
        return Connected::HubRefused { received };
    };
    received.push(frame.clone());
    let first = HubMessage::decode(&channel.open(&frame).unwrap()).unwrap();
    Connected::Open(Box::new(Live { ws, channel }), first)
}

/// Connects an enrolled phone.
pub async fn connect_phone(phone: &Phone, url: &str, tls: &Tls) -> Connected {
    connect(phone.store.channel_policy(false).unwrap(), url, tls).await
}

/// Adds `name` with `role` and returns an invite code for one device.
pub async fn invite<S: HubStore>(hub: &Hub<S>, name: &str, role: UserRole) -> String {
    hub.add_user(name, role, Some("North")).await.unwrap();
    hub.invite(name, 1).await.unwrap().0
}

/// The audit entries of `event`.
pub fn events<'a>(log: &'a [AuditRecord], event: &str) -> Vec<&'a AuditRecord> {
    log.iter().filter(|r| r.entry.event == event).collect()
}

/// Runs the `linkwork-hub` binary against deployment `d`.
pub fn hub_cli(d: &Deployment, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_linkwork-hub"))
        .arg("--database")
        .arg(d.database_arg())
        .arg("--key-file")
        .arg(&d.key_file)
        .args(args)
        .output()
        .unwrap()
}

/// One `linkwork hub sync` as a device runs it: the core's [`HubSession`] (the code the CLI
/// and the bindings run) over a TLS WebSocket to `/connect`. `Err` when the device refused
/// something or the hub closed the connection before the exchange was complete.
pub async fn hub_session_sync(
    store: &Store,
    url: &str,
    tls: &Tls,
) -> linkwork_core::Result<HubOutcome> {
    let mut ws = ws(url, "/connect", tls).await;
    let (mut session, first) = HubSession::start(store, HubPurpose::Sync)?;
    let mut outgoing = vec![first];
    loop {
        for frame in outgoing.drain(..) {
            // A hub that closed the connection shows as the next read's end.
            let _ = ws.send(Message::Binary(frame.into())).await;
        }
        let Some(frame) = next_frame(&mut ws).await else {
            session.closed()?;
            break;
        };
        let step = session.receive(store, &frame)?;
        outgoing = step.send;
        if step.done {
            for frame in outgoing.drain(..) {
                let _ = ws.send(Message::Binary(frame.into())).await;
            }
            break;
        }
    }
    Ok(session.outcome().unwrap())
}

/// `len` characters of pseudo-random text from `seed` (which deflate cannot shrink much: the
/// documents holding it stay large on the wire).
pub fn random_text(seed: u64, len: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(ALPHABET[(state >> 58) as usize])
        })
        .collect()
}

/// A `linkwork-hub serve` process (the real binary) on deployment `d`, over TLS (its stderr
/// in `serve.stderr` in the deployment's directory); killed when dropped.
pub struct HubProcess {
    pub child: std::process::Child,
    /// Its `wss://localhost:PORT` URL.
    pub url: String,
}

impl HubProcess {
    /// Starts `linkwork-hub serve` on a free loopback port with `tls`, and waits until it
    /// listens.
    pub fn spawn(d: &Deployment, tls: &Tls) -> HubProcess {
        use std::io::BufRead;
        let (cert, key) = (d.dir.path().join("tls.pem"), d.dir.path().join("tls.key"));
        std::fs::write(&cert, &tls.cert_pem).unwrap();
        std::fs::write(&key, &tls.key_pem).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_linkwork-hub"))
            .arg("--database")
            .arg(d.database_arg())
            .arg("--key-file")
            .arg(&d.key_file)
            .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(d.dir.path().join("serve.stderr")).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening on wss://127.0.0.1:")
            .unwrap_or_else(|| panic!("linkwork-hub serve printed {line:?}"));
        let url = format!("wss://localhost:{port}");
        HubProcess { child, url }
    }

    /// SIGKILL: the process ends at once, without closing anything.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
