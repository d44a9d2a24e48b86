//! The demo's team-hub chapter: the organisation's hub runs embedded in this process (its
//! SQLite database and key file in the demo's directory, plain WebSocket on a loopback port).
//! Sam's device, a team lead's new device and Kim's new tablet enrol with one-time invite
//! codes and sync through it (`crate::hub_client`, the same code as `linkwork enrol` and
//! `hub sync`); Rose's phone, paired offline by Sam's device at the home visit, syncs its plan
//! through the hub too (the hub verifies the pairing chain); the administrator moves Jo to
//! Kim's caseload, and Sam's device is asked to drop its copy; the hub's audit log says who had
//! Rose's record and where Jo went.

use std::sync::Arc;

use linkwork_core::identity::{OrgSigner, SecretKey};
use linkwork_core::model::{NewProgress, NewStore, Role};
use linkwork_core::{Id, Store};
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::server::{serve_loopback_plain, Running, ServeOptions};
use linkwork_hub::store::sqlite::SqliteStore;
use linkwork_hub::store::UserRole;
use linkwork_hub::{Hub, HubStore};

use super::{Devices, Story};
use crate::commands::keys::new_key_file;
use crate::error::{CliError, CliResult};

/// The team lead who joins through the hub.
const TEAM_LEAD: &str = "Lena Okafor";

/// The administrator who moves people between caseloads.
const ADMIN: &str = "Ade Admin";

fn hub_error(e: linkwork_hub::HubError) -> CliError {
    CliError::Failed(format!("the demo's hub failed: {e}"))
}

/// What the chapter did, for the closing checks.
pub(super) struct HubChapter {
    /// The team lead's new device.
    pub lead: Store,
    /// Kim's new tablet, enrolled with the hub.
    pub tablet: Store,
}

/// The embedded hub: its runtime, the hub, the running node, its URL and the invite codes.
struct Embedded {
    runtime: tokio::runtime::Runtime,
    hub: Arc<Hub<SqliteStore>>,
    running: Running,
    url: String,
    /// Sam's, Lena's and Kim's codes.
    codes: [String; 3],
}

/// Starts the hub on the story's organisation key (a copy, in memory only), adds the users and
/// makes their invite codes.
fn start(story: &Story) -> CliResult<Embedded> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|source| CliError::File {
            action: "start the embedded hub",
            source,
        })?;
    let keys = KeyFile {
        org: OrgSigner::decode_secret(&story.org.encode_secret())?,
        hub_key: SecretKey::generate()?,
    };
    let database_key = keys.database_key();
    let hub_path = story.dir.join("hub.db");
    let key_path = story.dir.join("hub.key");
    let (hub, running, codes) = runtime
        .block_on(async {
            let store = SqliteStore::open(&hub_path, &database_key)?;
            let hub = Arc::new(Hub::init(store, keys, &key_path).await?);
            let users = [
                (super::LINK_WORKER, UserRole::LinkWorker),
                (TEAM_LEAD, UserRole::TeamLead),
                (super::COLLEAGUE, UserRole::LinkWorker),
            ];
            let mut codes = Vec::new();
            for (name, role) in users {
                hub.add_user(name, role, Some("North")).await?;
                codes.push(hub.invite(name, 1).await?.0);
            }
            hub.add_user(ADMIN, UserRole::Admin, None).await?;
            let running =
                serve_loopback_plain(Arc::clone(&hub), "127.0.0.1:0", ServeOptions::default())
                    .await?;
            Ok::<_, linkwork_hub::HubError>((hub, running, codes))
        })
        .map_err(hub_error)?;
    let url = format!("ws://127.0.0.1:{}", running.addr.port());
    let codes: [String; 3] = codes
        .try_into()
        .map_err(|_| CliError::Failed("the demo's hub made no invite codes".into()))?;
    Ok(Embedded {
        runtime,
        hub,
        running,
        url,
        codes,
    })
}

/// A new device's store in the story's directory (`file`.db, its key beside it).
fn new_device(story: &Story, file: &str, user: &str) -> CliResult<Store> {
    Ok(Store::create(
        story.dir.join(format!("{file}.db")),
        NewStore {
            user: user.into(),
            role: Role::LinkWorker,
            person: None,
        },
        &new_key_file(&story.dir.join(format!("{file}.key")))?,
    )?)
}

/// Starts the embedded hub; enrols Sam's device, the team lead's and Kim's tablet and syncs
/// them; syncs Rose's phone through it; moves Jo to Kim; prints the audit log's lines about
/// Rose and Jo.
pub(super) fn chapter(story: &Story, d: &Devices, rose: Id, jo: Id) -> CliResult<HubChapter> {
    story.chapter("18. The team's hub")?;
    let Embedded {
        runtime,
        hub,
        running,
        url,
        codes: [sam_code, lead_code, kim_code],
    } = start(story)?;
    story.say(&format!(
        "The team gets a hub: {} runs it (here embedded in this process, its database in\n\
         hub.db, listening on {url}).\n\
         The administrator adds Sam, his colleague Kim and their team lead, {TEAM_LEAD}, and\n\
         gives each a one-time invite code.",
        super::ORGANISATION
    ))?;

    let cert = crate::hub_client::enrol(&story.sam, &url, &sam_code, None)?;
    story.say(&format!(
        "Sam's device enrols with its code: the hub certifies it as {} ({}).",
        cert.name,
        cert.role.code()
    ))?;
    let synced = crate::hub_client::sync(&story.sam, &url, None)?;
    story.say(&format!(
        "  [hub sync] Sam's device -> hub: {} messages, {} bytes; the hub now holds his caseload.",
        synced.stats.messages_sent + synced.stats.messages_received,
        synced.stats.bytes_sent + synced.stats.bytes_received,
    ))?;

    let lead = new_device(story, "team-lead", "lena.okafor")?;
    let cert = crate::hub_client::enrol(&lead, &url, &lead_code, None)?;
    let received = crate::hub_client::sync(&lead, &url, None)?;
    story.say(&format!(
        "{}'s new device enrols ({}) and syncs: it receives the team's caseload ({}).",
        cert.name,
        cert.role.code(),
        story.names_of(&received.changed)
    ))?;
    let spent = crate::hub_client::enrol(&lead, &url, &lead_code, None);
    story.say(&format!(
        "The code is spent: trying it again, the hub answers \"{}\".",
        spent.err().map_or_else(String::new, |e| e.to_string())
    ))?;

    rose_through_the_hub(story, d, rose, &url)?;
    let tablet = new_device(story, "kim-tablet", "kim")?;
    jo_moves_to_kim(story, &runtime, &hub, &tablet, jo, (&url, &kim_code))?;

    let log = runtime.block_on(hub.store.audit_log()).map_err(hub_error)?;
    story.say("The hub's audit log for Rose and Jo (linkwork-hub audit --person ID):")?;
    for (who, id) in [("Rose", rose), ("Jo", jo)] {
        let id = id.to_string();
        for record in log
            .iter()
            .filter(|r| r.entry.person.as_deref() == Some(id.as_str()))
        {
            story.say(&format!(
                "  {who:<4} {:<21} {:<12} {}",
                record.entry.event,
                record.entry.user.as_deref().unwrap_or("(Rose's phone)"),
                record.entry.detail.as_deref().unwrap_or("")
            ))?;
        }
    }
    runtime.block_on(running.stop());
    Ok(HubChapter { lead, tablet })
}

/// Rose's phone, paired offline by Sam's device, records progress and syncs through the hub;
/// Sam's device receives it there.
fn rose_through_the_hub(story: &Story, d: &Devices, rose: Id, url: &str) -> CliResult {
    let goal = d
        .phone
        .plan(rose)?
        .goals
        .first()
        .map(|g| g.id)
        .ok_or_else(|| CliError::Failed("Rose's plan has no goal".into()))?;
    d.phone.record_progress(
        goal,
        NewProgress {
            rating: Some(7),
            note: Some("Went to the lunch club on my own".into()),
        },
    )?;
    let synced = crate::hub_client::sync(&d.phone, url, None)?;
    let held = d
        .phone
        .caseload(&linkwork_core::model::CaseloadQuery::default())?;
    if held.len() != 1 || held.iter().any(|r| r.person_id != rose) {
        return Err(CliError::Failed(
            "Rose's phone holds someone else's documents after the hub".into(),
        ));
    }
    story.say(&format!(
        "Rose records progress at home (7/10) and her phone syncs through the hub: it was\n\
         never enrolled by the hub, but paired offline by Sam's device, which the hub enrolled;\n\
         the hub verifies that chain (organisation -> Sam's device -> pairing -> phone) and\n\
         shares her plan only ({} messages, {} bytes).",
        synced.stats.messages_sent + synced.stats.messages_received,
        synced.stats.bytes_sent + synced.stats.bytes_received,
    ))?;
    let sam = crate::hub_client::sync(&story.sam, url, None)?;
    if story.sam.plan(rose)? != d.phone.plan(rose)? {
        return Err(CliError::Failed(
            "Sam's device did not receive Rose's progress through the hub".into(),
        ));
    }
    story.say(&format!(
        "  [hub sync] Sam's device: updated: {} (her progress, without a visit).",
        story.names_of(&sam.changed)
    ))
}

/// Kim's tablet enrols; the administrator moves Jo from Sam's caseload to Kim's: her tablet
/// receives Jo, and Sam's device drops its copy.
fn jo_moves_to_kim(
    story: &Story,
    runtime: &tokio::runtime::Runtime,
    hub: &Hub<SqliteStore>,
    tablet: &Store,
    jo: Id,
    (url, code): (&str, &str),
) -> CliResult {
    let cert = crate::hub_client::enrol(tablet, url, code, None)?;
    crate::hub_client::sync(tablet, url, None)?;
    story.say(&format!(
        "Kim starts using the hub from a new tablet: it enrols ({}) and syncs; her caseload\n\
         on the hub is empty, so it receives no one.",
        cert.role.code()
    ))?;
    runtime
        .block_on(hub.move_person(&jo.to_string(), super::COLLEAGUE, ADMIN))
        .map_err(hub_error)?;
    story.say(&format!(
        "Jo would rather see Kim: {ADMIN} moves Jo to Kim's caseload\n\
         (linkwork-hub caseload move JO --to Kim --by \"{ADMIN}\")."
    ))?;
    let received = crate::hub_client::sync(tablet, url, None)?;
    story.say(&format!(
        "  [hub sync] Kim's tablet: receives {}.",
        story.names_of(&received.changed)
    ))?;
    let dropped = crate::hub_client::sync(&story.sam, url, None)?;
    if story.sam.person(jo).is_ok() || tablet.person(jo).is_err() {
        return Err(CliError::Failed(
            "Jo did not move from Sam's device to Kim's tablet".into(),
        ));
    }
    story.say(&format!(
        "  [hub sync] Sam's device: the hub asks it to drop its copy of {} (\"drop your copy\",\n\
         \x20           not an erasure: Jo's record lives on with Kim); it no longer holds Jo.",
        story.names_of(&dropped.changed)
    ))
}
