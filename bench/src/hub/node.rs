//! The hub under test: an organisation set up in-process through `linkwork-hub`'s library
//! (users, invites, enrolment: not measured), then served by the real `linkwork-hub` binary in
//! a process of its own, whose memory and CPU the bench reads from `/proc`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use linkwork_core::identity::enrolment::{EnrolReply, EnrolRequest};
use linkwork_core::model::Role;
use linkwork_core::Store;
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::store::sqlite::SqliteStore;
use linkwork_hub::store::UserRole;
use linkwork_hub::{Hub, HubStore};

use crate::support::{e, store, Res};

/// Which database the hub runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    /// The embedded, encrypted SQLite file (the default deployment).
    Sqlite,
    /// PostgreSQL at this URL (a throwaway cluster: `scripts/bench-hub.sh`).
    Postgres(String),
}

impl Backend {
    /// The name in tables.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

/// An organisation on disk: its database, key file and TLS files.
pub struct Org {
    /// The `--database` argument.
    pub database: String,
    /// The key file.
    pub key_file: PathBuf,
    /// The TLS certificate (PEM), self-signed for `localhost`.
    pub cert: PathBuf,
    /// The TLS key (PEM).
    pub key: PathBuf,
}

/// Creates the organisation in `dir` on `backend` and enrols one link worker's device per
/// entry of `users` (each entry: the user's name and how many devices), each its own store
/// in `dir`, set up by `fill` before enrolment. Returns the org and the stores, in order.
pub fn set_up(dir: &Path, backend: &Backend, users: &[(String, usize)]) -> Res<(Org, Vec<Store>)> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).map_err(e)?;
    let org = Org {
        database: match backend {
            Backend::Sqlite => dir.join("hub.db").display().to_string(),
            Backend::Postgres(url) => url.clone(),
        },
        key_file: dir.join("hub.key"),
        cert: dir.join("tls.pem"),
        key: dir.join("tls.key"),
    };
    std::fs::write(&org.cert, cert.cert.pem()).map_err(e)?;
    std::fs::write(&org.key, cert.signing_key.serialize_pem()).map_err(e)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(e)?;
    let keys = KeyFile::create("Bench Social Prescribing").map_err(e)?;
    let stores = runtime.block_on(async {
        match backend {
            Backend::Sqlite => {
                let db =
                    SqliteStore::open(Path::new(&org.database), &keys.database_key()).map_err(e)?;
                enrol_all(
                    Hub::init(db, keys, &org.key_file).await.map_err(e)?,
                    dir,
                    users,
                )
                .await
            }
            Backend::Postgres(url) => {
                let db = PgStore::open(url).await.map_err(e)?;
                enrol_all(
                    Hub::init(db, keys, &org.key_file).await.map_err(e)?,
                    dir,
                    users,
                )
                .await
            }
        }
    })?;
    Ok((org, stores))
}

async fn enrol_all<S: HubStore>(
    hub: Hub<S>,
    dir: &Path,
    users: &[(String, usize)],
) -> Res<Vec<Store>> {
    let mut stores = Vec::new();
    for (name, devices) in users {
        hub.add_user(name, UserRole::LinkWorker, Some("bench"))
            .await
            .map_err(e)?;
        for d in 0..*devices {
            let (code, _) = hub.invite(name, 24).await.map_err(e)?;
            let s = store(dir, &format!("{name}-{d}"), Role::LinkWorker, None)?;
            let request = EnrolRequest {
                code,
                request: s.certificate_request().map_err(e)?,
            };
            match hub.enrol(&request.encode(), "bench").await {
                EnrolReply::Enrolled {
                    certificate,
                    trust_root,
                } => {
                    s.install_enrolment(&certificate, &trust_root).map_err(e)?;
                }
                EnrolReply::Refused(why) => return Err(format!("enrolment refused: {why}")),
            }
            stores.push(s);
        }
    }
    Ok(stores)
}

/// A running `linkwork-hub serve` process.
pub struct Node {
    child: Child,
    /// Where it listens (`127.0.0.1:PORT`).
    pub addr: String,
}

/// The `linkwork-hub` binary: `LINKWORK_HUB_BIN`, else beside this executable (cargo builds
/// both into the same directory: `scripts/bench-hub.sh` builds both).
fn hub_binary() -> Res<PathBuf> {
    if let Some(p) = std::env::var_os("LINKWORK_HUB_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(e)?;
    let p = exe
        .parent()
        .ok_or("no directory of the bench executable")?
        .join("linkwork-hub");
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "{} not found: build it (cargo build --release -p linkwork-hub) or set LINKWORK_HUB_BIN",
            p.display()
        ))
    }
}

impl Node {
    /// Starts `linkwork-hub serve` on a free loopback port for `org` over TLS (or, `tls`
    /// false, plain WebSocket), and waits until it listens.
    pub fn start(org: &Org, tls: bool) -> Res<Node> {
        let mut command = Command::new(hub_binary()?);
        command
            .arg("--database")
            .arg(&org.database)
            .arg("--key-file")
            .arg(&org.key_file)
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0");
        if tls {
            command
                .arg("--tls-cert")
                .arg(&org.cert)
                .arg("--tls-key")
                .arg(&org.key);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(e)?;
        let stdout = child.stdout.take().ok_or("no stdout of the hub")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(e)?;
        let listening = line.trim();
        let Some(addr) = listening
            .strip_prefix("listening on wss://")
            .or_else(|| listening.strip_prefix("listening on ws://"))
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the hub did not start: {line}"));
        };
        Ok(Node {
            addr: addr.to_owned(),
            child,
        })
    }

    fn proc_file(&self, name: &str) -> Res<String> {
        std::fs::read_to_string(format!("/proc/{}/{name}", self.child.id())).map_err(e)
    }

    /// The hub process's resident memory (VmRSS), in KiB.
    pub fn rss_kb(&self) -> Res<u64> {
        let status = self.proc_file("status")?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| "no VmRSS".into())
    }

    /// The hub process's CPU time so far (user + system), in seconds (clock ticks of 10 ms,
    /// the kernel's USER_HZ on Linux).
    pub fn cpu_s(&self) -> Res<f64> {
        let stat = self.proc_file("stat")?;
        // Fields after the command name (which may hold spaces) in parentheses.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).ok_or("bad stat")?;
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| -> Res<u64> {
            f.get(i)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| "bad stat".into())
        };
        // utime and stime are fields 14 and 15 of stat; index 11 and 12 after the ')'.
        Ok((ticks(11)? + ticks(12)?) as f64 / 100.0)
    }

    /// Stops the process (SIGKILL: the bench's database is thrown away).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The stores as shared handles for worker threads.
pub fn shared(stores: Vec<Store>) -> Vec<Arc<Store>> {
    stores.into_iter().map(Arc::new).collect()
}
