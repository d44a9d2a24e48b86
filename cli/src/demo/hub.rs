//! The demo's team-hub chapter: the organisation's hub runs embedded in this process (its
//! SQLite database and key file in the demo's directory, plain WebSocket on a loopback port),
//! Sam's device and a team lead's new device enrol with one-time invite codes and sync through
//! it (`crate::hub_client`, the same code as `linkwork enrol` and `hub sync`), and the hub's
//! audit log says who had Rose's record. Rose's phone keeps syncing directly with Sam's device
//! (paired at the home visit): patients' phones through the hub are a later change.

use std::sync::Arc;

use linkwork_core::identity::{OrgSigner, SecretKey};
use linkwork_core::model::{NewStore, Role};
use linkwork_core::{Id, Store};
use linkwork_hub::keyfile::KeyFile;
use linkwork_hub::server::{serve_loopback_plain, ServeOptions};
use linkwork_hub::store::sqlite::SqliteStore;
use linkwork_hub::store::UserRole;
use linkwork_hub::{Hub, HubStore};

use super::Story;
use crate::commands::keys::new_key_file;
use crate::error::{CliError, CliResult};

/// The team lead who joins through the hub.
const TEAM_LEAD: &str = "Lena Okafor";

fn hub_error(e: linkwork_hub::HubError) -> CliError {
    CliError::Failed(format!("the demo's hub failed: {e}"))
}

/// What the chapter did, for the closing checks.
pub(super) struct HubChapter {
    /// The team lead's new device.
    pub lead: Store,
}

/// Starts the embedded hub, enrols Sam's device and the team lead's, syncs both, and prints
/// the audit log's lines about `rose`.
pub(super) fn chapter(story: &Story, rose: Id) -> CliResult<HubChapter> {
    story.chapter("17. The team's hub")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|source| CliError::File {
            action: "start the embedded hub",
            source,
        })?;
    // The hub signs with the organisation's key (a copy of the story's, in memory only).
    let keys = KeyFile {
        org: OrgSigner::decode_secret(&story.org.encode_secret())?,
        hub_key: SecretKey::generate()?,
    };
    let database_key = keys.database_key();
    let hub_path = story.dir.join("hub.db");
    let (hub, running, sam_code, lead_code) = runtime
        .block_on(async {
            let store = SqliteStore::open(&hub_path, &database_key)?;
            let hub = Arc::new(Hub::init(store, keys, &story.dir.join("hub.key")).await?);
            hub.add_user(super::LINK_WORKER, UserRole::LinkWorker, Some("North"))
                .await?;
            hub.add_user(TEAM_LEAD, UserRole::TeamLead, Some("North"))
                .await?;
            let (sam_code, _) = hub.invite(super::LINK_WORKER, 1).await?;
            let (lead_code, _) = hub.invite(TEAM_LEAD, 1).await?;
            let running =
                serve_loopback_plain(Arc::clone(&hub), "127.0.0.1:0", ServeOptions::default())
                    .await?;
            Ok::<_, linkwork_hub::HubError>((hub, running, sam_code, lead_code))
        })
        .map_err(hub_error)?;
    let url = format!("ws://127.0.0.1:{}", running.addr.port());
    story.say(&format!(
        "The team gets a hub: {} runs it (here embedded in this process, its database in\n\
         hub.db, listening on {url}).\n\
         The administrator adds Sam and his team lead, {TEAM_LEAD}, and gives each a\n\
         one-time invite code.",
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

    let lead = Store::create(
        story.dir.join("team-lead.db"),
        NewStore {
            user: "lena.okafor".into(),
            role: Role::LinkWorker,
            person: None,
        },
        &new_key_file(&story.dir.join("team-lead.key"))?,
    )?;
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

    let log = runtime.block_on(hub.store.audit_log()).map_err(hub_error)?;
    let rose_id = rose.to_string();
    story.say("The hub's audit log for Rose (linkwork-hub audit --person ID):")?;
    for record in log
        .iter()
        .filter(|r| r.entry.person.as_deref() == Some(rose_id.as_str()))
    {
        story.say(&format!(
            "  {:<17} {:<12} {}",
            record.entry.event,
            record.entry.user.as_deref().unwrap_or("-"),
            record.entry.detail.as_deref().unwrap_or("")
        ))?;
    }
    story.say(
        "Rose's own phone keeps syncing with Sam's device, which paired it at the home visit.",
    )?;
    runtime.block_on(running.stop());
    Ok(HubChapter { lead })
}
