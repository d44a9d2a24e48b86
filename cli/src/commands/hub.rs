//! `linkwork enrol URL --code CODE`, `linkwork hub connect URL` (revocations and the services
//! directory) and `linkwork hub sync URL` (documents): the device side of the organisation's hub
//! (`crate::hub_client` moves the bytes; the protocol is the core's).

use std::time::{Duration, Instant};

use chrono::Utc;
use linkwork_core::directory::share::DirectoryStep;
use serde_json::json;

use crate::args::{EnrolArgs, HubCmd};
use crate::commands::number;
use crate::commands::sync::{json_line, people_list};
use crate::commands::Ctx;
use crate::error::CliError;
use crate::error::CliResult;
use crate::hub_client::{DirectoryOutcome, LiveEnd, LiveEvent};
use crate::output::print_text;

/// Enrols the store's device with the hub using a one-time invite code.
///
/// # Errors
/// The hub's refusal, network and TLS errors, the core's refusals installing the certificate.
pub fn enrol(ctx: &Ctx, a: EnrolArgs) -> CliResult {
    let store = ctx.store()?;
    let cert = crate::hub_client::enrol(&store, &a.url, &a.code, a.ca_cert.as_deref())?;
    ctx.out.done(
        Some(format!(
            "enrolled with {} as {} ({}); certificate valid until {}",
            cert.org_name,
            cert.name,
            cert.role.code(),
            chrono::DateTime::from_timestamp(cert.expires_at, 0)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        )),
        json!({
            "organisation": cert.org_name,
            "organisation_key": cert.org.to_hex(),
            "device": cert.device.to_hex(),
            "name": cert.name,
            "role": cert.role.code(),
            "expires_at": cert.expires_at,
        }),
    )
}

/// `hub connect`: authenticates with the hub, installs its current revocation list and brings
/// the services directory up to date; `hub sync`: the same, then syncs the store's documents
/// with the hub.
///
/// # Errors
/// The hub's refusal, the core's refusal of the hub, network and TLS errors.
pub fn hub(ctx: &Ctx, cmd: HubCmd) -> CliResult {
    match cmd {
        HubCmd::Connect(a) => {
            let store = ctx.store()?;
            let c = crate::hub_client::connect(&store, &a.url, a.ca_cert.as_deref())?;
            let version = c.revocations.as_ref().map(|l| l.version);
            let revoked = c.revocations.as_ref().map_or(0, |l| l.revoked.len());
            let text = match (&c.revocations, c.revocations_installed) {
                (None, _) => "no device of the organisation is revoked".to_owned(),
                (Some(l), true) => format!(
                    "installed revocation list version {} ({revoked} devices revoked)",
                    l.version
                ),
                (Some(l), false) => {
                    format!("revocation list version {} is already installed", l.version)
                }
            };
            let (directory_text, directory_json) = directory_outcome(c.directory.as_ref());
            ctx.out.done(
                Some(format!(
                    "authenticated with the hub of {}; {text}; {directory_text}",
                    c.hub.org_name
                )),
                json!({
                    "hub": c.hub.device.to_hex(),
                    "organisation": c.hub.org_name,
                    "revocation_version": version,
                    "revoked": revoked,
                    "installed": c.revocations_installed,
                    "directory": directory_json,
                }),
            )
        }
        HubCmd::Sync(a) => {
            let deadline = a
                .duration
                .as_deref()
                .map(|text| {
                    let secs: f64 = number("duration", text, "must be a number of seconds")?;
                    if !(secs.is_finite() && secs > 0.0 && secs <= 1e9) {
                        return Err(CliError::from(linkwork_core::Error::invalid(
                            "duration",
                            "must be more than 0 seconds",
                        )));
                    }
                    Ok(Instant::now() + Duration::from_secs_f64(secs))
                })
                .transpose()?;
            let store = ctx.store()?;
            let (r, ended) = if a.live {
                let out = ctx.out;
                let mut on_event = |event: LiveEvent<'_>| match event {
                    LiveEvent::Started(caught_up) if out.is_json() => json_line(&json!({
                        "event": "live",
                        "at": Utc::now(),
                        "changed_people": caught_up.changed,
                    })),
                    LiveEvent::Started(caught_up) => print_text(&format!(
                        "{} synced ({} people changed here); live: waiting for edits\n",
                        Utc::now().format("%H:%M:%S%.3f"),
                        caught_up.changed.len()
                    )),
                    LiveEvent::Merged(people) if out.is_json() => json_line(&json!({
                        "event": "merged",
                        "at": Utc::now(),
                        "people": people,
                    })),
                    LiveEvent::Merged(people) => print_text(&format!(
                        "{} merged changes to {}\n",
                        Utc::now().format("%H:%M:%S%.3f"),
                        people_list(people)
                    )),
                };
                let (r, ended) = crate::hub_client::sync_live(
                    &store,
                    &a.url,
                    a.ca_cert.as_deref(),
                    deadline,
                    &mut on_event,
                )?;
                (r, Some(ended))
            } else {
                (
                    crate::hub_client::sync(&store, &a.url, a.ca_cert.as_deref())?,
                    None,
                )
            };
            let (ended_text, ended_json) = match ended {
                None => (String::new(), None),
                Some(LiveEnd::Duration) => (
                    "; live mode ended: --duration passed".into(),
                    Some("duration"),
                ),
                Some(LiveEnd::HubClosed) => (
                    "; live mode ended: the hub closed the connection".into(),
                    Some("hub_closed"),
                ),
            };
            let (directory_text, directory_json) = directory_outcome(r.directory.as_ref());
            ctx.out.done(
                Some(format!(
                    "synced with the hub of {}: {} people changed here ({} messages, {} bytes); \
                     {directory_text}{ended_text}",
                    r.hub.org_name,
                    r.changed.len(),
                    r.stats.messages_sent + r.stats.messages_received,
                    r.stats.bytes_sent + r.stats.bytes_received,
                )),
                json!({
                    "hub": r.hub.device.to_hex(),
                    "organisation": r.hub.org_name,
                    "changed_people": r.changed.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "messages": r.stats.messages_sent + r.stats.messages_received,
                    "bytes": r.stats.bytes_sent + r.stats.bytes_received,
                    "revocations_installed": r.revocations_installed,
                    "directory": directory_json,
                    "live": ended.is_some(),
                    "ended": ended_json,
                }),
            )
        }
    }
}

/// What became of the services directory, in words and as JSON.
fn directory_outcome(outcome: Option<&DirectoryOutcome>) -> (String, serde_json::Value) {
    let step = match outcome {
        Some(DirectoryOutcome::KeptNewer) => {
            return (
                "the hub's services directory is older than this store's, which is kept".into(),
                json!({ "outcome": "kept_newer" }),
            )
        }
        Some(DirectoryOutcome::Step(step)) => Some(step),
        None => None,
    };
    match step {
        None => (
            "a patient's store does not receive the services directory".into(),
            json!({ "outcome": "not_offered" }),
        ),
        Some(DirectoryStep::UpToDate) => (
            "the services directory is up to date".into(),
            json!({ "outcome": "up_to_date" }),
        ),
        Some(DirectoryStep::NoDirectory) => (
            "the hub has no services directory yet".into(),
            json!({ "outcome": "no_directory" }),
        ),
        Some(DirectoryStep::NotOffered | DirectoryStep::Receiving { .. }) => (
            "the hub does not send this device the services directory".into(),
            json!({ "outcome": "not_offered" }),
        ),
        Some(DirectoryStep::Applied(report)) => (
            format!(
                "services directory received: {} services ({} skipped)",
                report.imported, report.skipped
            ),
            json!({
                "outcome": "received",
                "report": report,
            }),
        ),
    }
}
