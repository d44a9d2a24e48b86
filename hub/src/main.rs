//! `linkwork-hub`: run and administer an organisation's hub (`docs/cli.md#linkwork-hub`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use linkwork_core::directory::{DirectoryImportReport, FeedError, MAX_FEED_BYTES};
use linkwork_hub::directory::FetchLimits;
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::server::{serve, serve_loopback_plain, ServeOptions};
use linkwork_hub::store::postgres::PgStore;
use linkwork_hub::store::sqlite::SqliteStore;
use linkwork_hub::store::UserRole;
use linkwork_hub::{Hub, HubError, HubStore, Result};

/// The organisation's hub: enrolment, revocation and audit for its devices.
#[derive(Parser)]
#[command(name = "linkwork-hub", version)]
struct Cli {
    /// The database: a `postgres://` URL (several nodes may share it; over TLS with
    /// `?sslmode=verify-full&sslrootcert=CA.pem`, see docs/deploy.md#tls) or a file path for
    /// the embedded, encrypted SQLite database.
    #[arg(long)]
    database: String,
    /// The key file holding the organisation's signing key and the hub's key (mode 0600).
    /// Default with a SQLite file: the database path with `.key` appended; required with
    /// PostgreSQL.
    #[arg(long)]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the organisation: its signing key and the hub's certificate (writes the key file).
    Init {
        /// The organisation's name.
        #[arg(long)]
        org: String,
    },
    /// Serves devices over TLS WebSocket until interrupted. Without `--tls-cert` and
    /// `--tls-key`, serves plain WebSocket on a loopback address only (tests, a hub for this
    /// machine alone).
    Serve {
        /// The address to listen on (e.g. 0.0.0.0:8443; 127.0.0.1:0 picks a free port).
        #[arg(long)]
        listen: String,
        /// The TLS certificate chain (PEM).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The TLS private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Manages users.
    #[command(subcommand)]
    User(UserCommand),
    /// Prints a one-time invite code for one device of USER.
    Invite {
        /// The user's name.
        user: String,
        /// How long the code is valid, in hours (1 to 168).
        #[arg(long, default_value_t = linkwork_hub::authority::INVITE_HOURS)]
        hours: u32,
    },
    /// Manages enrolled devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Moves people between caseloads.
    #[command(subcommand)]
    Caseload(CaseloadCommand),
    /// The organisation's services directory, sent to link workers' and team leads' devices.
    #[command(subcommand)]
    Directory(DirectoryCommand),
    /// The hub's own certificate (its identity to devices, issued by the organisation).
    #[command(subcommand)]
    Cert(CertCommand),
    /// Prints the audit log.
    Audit {
        /// Only the entries about this person (their id): who had their record (`document-sent`)
        /// and who changed it (`changes-received`).
        #[arg(long)]
        person: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds a user.
    Add {
        /// The user's name (shown on their devices' certificates).
        name: String,
        /// link-worker, team-lead or admin.
        #[arg(long)]
        role: String,
        /// The user's team.
        #[arg(long)]
        team: Option<String>,
    },
}

#[derive(Subcommand)]
enum CaseloadCommand {
    /// Moves PERSON into the caseload of the link worker or team lead USER: their devices
    /// receive the person's documents on their next sync, and the previous holder's devices
    /// drop their copy on theirs (after sending any changes not yet synced).
    Move {
        /// The person's id.
        person: String,
        /// The user who takes the person on.
        #[arg(long)]
        to: String,
        /// The admin making the move (recorded in the audit log).
        #[arg(long)]
        by: String,
    },
}

#[derive(Subcommand)]
enum DirectoryCommand {
    /// Imports an Open Referral UK services feed file as the new directory (checked record by
    /// record; a feed refused whole changes nothing).
    Import {
        /// The feed file (a `/services` page, a list of pages or records, or one record).
        file: PathBuf,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fetches an Open Referral UK `/services` API (every page) as the new directory; a
    /// failed or partial fetch changes nothing.
    Fetch {
        /// The API's `/services` URL (http or https).
        url: String,
        /// The most pages read.
        #[arg(long, default_value_t = 1_000)]
        max_pages: usize,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Shows the current directory and the earlier versions kept.
    Status {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CertCommand {
    /// Shows when the hub's certificate expires.
    Show,
    /// Re-issues the hub's certificate (same key and identity) with the organisation's key,
    /// before or after the old one expires; running nodes present it from their next
    /// revocation poll, and devices keep syncing.
    Renew {
        /// How long the new certificate is valid, in days (at most 1830).
        #[arg(long, default_value_t = linkwork_core::identity::organisation::MAX_VALIDITY_DAYS)]
        days: u32,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Lists enrolled devices, and patients' phones paired offline that have connected.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revokes a device (its key, as `device list` shows it).
    Revoke {
        /// The device's public key (64 hex digits).
        device: String,
    },
}

fn is_postgres(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

fn key_path(cli: &Cli) -> Result<PathBuf> {
    match (&cli.key_file, is_postgres(&cli.database)) {
        (Some(p), _) => Ok(p.clone()),
        (None, false) => Ok(PathBuf::from(format!("{}.key", cli.database))),
        (None, true) => Err(HubError::invalid(
            "key-file",
            "is required with a PostgreSQL database",
        )),
    }
}

fn time(t: i64) -> String {
    linkwork_hub::error::utc(&t)
}

/// Whole days from now until `t` (negative once past).
fn days_left(t: i64) -> i64 {
    linkwork_hub::authority::days_left(t, linkwork_hub::authority::now())
}

async fn run(cli: Cli) -> Result<()> {
    let keys_at = key_path(&cli)?;
    if let Command::Init { org } = &cli.command {
        let keys = KeyFile::create(org)?;
        let hub = if is_postgres(&cli.database) {
            Hub::init(PgStore::open(&cli.database).await?, keys, &keys_at)
                .await
                .map(|h| h.root)?
        } else {
            let store = SqliteStore::open(Path::new(&cli.database), &keys.database_key())?;
            Hub::init(store, keys, &keys_at).await.map(|h| h.root)?
        };
        println!("organisation {} initialised", hub.name);
        println!("trust root   {}", hub.key.to_hex());
        println!(
            "key file     {} (keep it secret; back it up apart from the database)",
            keys_at.display()
        );
        return Ok(());
    }
    let keys = KeyFile::read(&keys_at)?;
    if is_postgres(&cli.database) {
        let store = PgStore::open(&cli.database).await?;
        open(store, keys, cli.command).await
    } else {
        let store = SqliteStore::open(Path::new(&cli.database), &keys.database_key())?;
        open(store, keys, cli.command).await
    }
}

/// Opens the hub and runs `command`; `cert renew` opens it even with an expired certificate
/// (which every other command refuses, saying to renew it).
async fn open<S: HubStore>(store: S, keys: KeyFile, command: Command) -> Result<()> {
    if let Command::Cert(CertCommand::Renew { days }) = command {
        let hub = Hub::renew_certificate(store, keys, days).await?;
        println!(
            "hub certificate renewed: valid until {}; running nodes present it from their next \
             poll",
            time(hub.certificate.expires_at)
        );
        return Ok(());
    }
    run_command(Hub::open(store, keys).await?, command).await
}

async fn run_command<S: HubStore>(hub: Hub<S>, command: Command) -> Result<()> {
    match command {
        Command::Init { .. } => Err(HubError::AlreadyInitialised),
        Command::Cert(CertCommand::Show) => {
            let c = &hub.certificate;
            println!(
                "hub certificate of {}: issued {}, valid until {} ({} days left)",
                hub.root.name,
                time(c.issued_at),
                time(c.expires_at),
                days_left(c.expires_at)
            );
            Ok(())
        }
        Command::Cert(CertCommand::Renew { .. }) => Ok(()),
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
        } => {
            use linkwork_hub::authority::{
                expiry_warning, now, RENEW_WITHIN_DAYS, TLS_RENEW_WITHIN_DAYS,
            };
            if let Some(warning) = expiry_warning(
                "the hub's certificate",
                hub.certificate.expires_at,
                now(),
                RENEW_WITHIN_DAYS,
                "run `linkwork-hub cert renew` before then, or devices will refuse the hub",
            ) {
                eprintln!("{warning}");
            }
            let hub = std::sync::Arc::new(hub);
            let (running, scheme) = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => {
                    let (tls, validity) = linkwork_hub::tls::server_config_from_files(&cert, &key)?;
                    if let Some(warning) = expiry_warning(
                        "the TLS certificate (--tls-cert)",
                        validity.not_after,
                        now(),
                        TLS_RENEW_WITHIN_DAYS,
                        "install a renewed certificate and key before then, or devices will \
                         refuse the hub",
                    ) {
                        eprintln!("{warning}");
                    }
                    let running = serve(hub, &listen, tls, ServeOptions::default()).await?;
                    (running, "wss")
                }
                _ => (
                    serve_loopback_plain(hub, &listen, ServeOptions::default()).await?,
                    "ws",
                ),
            };
            // Flushed at once: a script starting the hub on port 0 reads the address here.
            println!("listening on {scheme}://{}", running.addr);
            let _ = std::io::Write::flush(&mut std::io::stdout());
            // Runs until SIGINT or SIGTERM, then closes every connection.
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            running.stop().await;
            Ok(())
        }
        Command::User(UserCommand::Add { name, role, team }) => {
            let role = UserRole::from_code(&role).ok_or_else(|| {
                HubError::invalid("role", "must be link-worker, team-lead or admin")
            })?;
            let user = hub.add_user(&name, role, team.as_deref()).await?;
            println!("user {} added ({})", user.name, user.role.code());
            Ok(())
        }
        Command::Invite { user, hours } => {
            let (code, expires) = hub.invite(&user, hours).await?;
            println!("{code}");
            eprintln!(
                "one device of {user} may enrol with this code until {} (shown once)",
                time(expires)
            );
            Ok(())
        }
        Command::Device(DeviceCommand::List { json }) => {
            for d in hub.store.devices().await? {
                if json {
                    println!("{}", serde_json::to_string(&d).unwrap_or_default());
                } else {
                    let state = d
                        .revoked_at
                        .map_or_else(|| "active".to_owned(), |t| format!("revoked {}", time(t)));
                    // A patient's phone: its person, and the user whose device paired it.
                    let (role, user) = match &d.person {
                        Some(person) => {
                            ("patient", format!("person={person} paired by {}", d.user))
                        }
                        None => (d.role.code(), d.user.clone()),
                    };
                    println!(
                        "{}  {:<11}  {}  enrolled {}  {}",
                        d.key,
                        role,
                        user,
                        time(d.enrolled_at),
                        state
                    );
                }
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Revoke { device }) => {
            let list = hub.revoke(&device).await?;
            println!(
                "device revoked (revocation list version {}); its connections close within seconds",
                list.version
            );
            Ok(())
        }
        Command::Caseload(CaseloadCommand::Move { person, to, by }) => {
            if hub.move_person(&person, &to, &by).await? {
                println!("moved to the caseload of {to}; devices follow on their next sync");
            } else {
                println!("already in the caseload of {to}");
            }
            Ok(())
        }
        Command::Directory(cmd) => directory(&hub, cmd).await,
        Command::Audit { person, json } => {
            let person = person
                .map(|p| {
                    linkwork_core::Id::parse("person", p.trim())
                        .map(|id| id.to_string())
                        .map_err(HubError::from)
                })
                .transpose()?;
            for r in hub.store.audit_log().await? {
                if person.is_some() && r.entry.person != person {
                    continue;
                }
                if json {
                    println!("{}", serde_json::to_string(&r).unwrap_or_default());
                } else {
                    let e = r.entry;
                    println!(
                        "{:>6}  {}  {:<21}  device={}  user={}  {}{}",
                        r.seq,
                        time(e.at),
                        e.event,
                        e.device.as_deref().unwrap_or("-"),
                        e.user.as_deref().unwrap_or("-"),
                        e.person.map(|p| format!("person={p} ")).unwrap_or_default(),
                        e.detail.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(())
        }
    }
}

fn code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn print_report(report: &DirectoryImportReport, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
        return;
    }
    println!(
        "{}: {} records read, {} services imported, {} skipped",
        code(&report.outcome),
        report.records,
        report.imported,
        report.skipped
    );
    println!(
        "directory {} from {} (digest {})",
        report.version.feed_date.as_deref().unwrap_or("undated"),
        report.version.source,
        report.version.content_hash
    );
    for i in &report.issues {
        println!(
            "  record {:<5} {:<38} {:<40} {:<16} {}",
            i.index.map_or_else(|| "feed".into(), |n| n.to_string()),
            i.service_id.as_deref().unwrap_or("-"),
            if i.field.is_empty() { "-" } else { &i.field },
            code(&i.kind),
            code(&i.action)
        );
    }
    if report.issues_not_listed > 0 {
        println!(
            "  ... and {} more problems not listed",
            report.issues_not_listed
        );
    }
}

async fn directory<S: HubStore>(hub: &Hub<S>, cmd: DirectoryCommand) -> Result<()> {
    match cmd {
        DirectoryCommand::Import { file, json } => {
            let mut bytes = Vec::new();
            // At most one byte past the limit: an oversized file is refused without reading it.
            std::io::Read::read_to_end(
                &mut std::io::Read::take(std::fs::File::open(&file)?, MAX_FEED_BYTES as u64 + 1),
                &mut bytes,
            )?;
            if bytes.len() > MAX_FEED_BYTES {
                return Err(linkwork_core::Error::from(FeedError::TooLarge {
                    limit: MAX_FEED_BYTES,
                })
                .into());
            }
            let source = file
                .file_name()
                .map_or_else(|| "feed".into(), |n| n.to_string_lossy().into_owned());
            print_report(&hub.import_directory(bytes, &source).await?, json);
            Ok(())
        }
        DirectoryCommand::Fetch {
            url,
            max_pages,
            json,
        } => {
            let limits = FetchLimits {
                max_pages,
                ..FetchLimits::default()
            };
            print_report(&hub.fetch_directory(&url, limits).await?, json);
            Ok(())
        }
        DirectoryCommand::Status { json } => {
            let versions = hub.directory_versions().await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&versions).unwrap_or_default()
                );
                return Ok(());
            }
            if versions.is_empty() {
                println!("no directory yet (linkwork-hub directory import FILE, or fetch URL)");
            }
            for (i, d) in versions.iter().enumerate() {
                println!(
                    "{}version {}: {} services ({} records, {} skipped), {} bytes, from {}, \
                     dated {}, stored {}, digest {}",
                    if i == 0 { "current " } else { "earlier " },
                    d.version,
                    d.services,
                    d.records,
                    d.skipped,
                    d.bytes,
                    d.source,
                    d.feed_date.as_deref().unwrap_or("-"),
                    time(d.imported_at),
                    d.digest
                );
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("linkwork-hub: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linkwork-hub: {e}");
            ExitCode::FAILURE
        }
    }
}
