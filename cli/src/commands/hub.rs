//! `linkwork enrol URL --code CODE`, `linkwork hub connect URL` (revocations and the services
//! directory) and `linkwork hub sync URL` (documents): the device side of the organisation's hub
//! (`crate::hub_client` moves the bytes; the protocol is the core's).

use linkwork_core::directory::share::DirectoryStep;
use serde_json::json;

use crate::args::{EnrolArgs, HubCmd};
use crate::commands::Ctx;
use crate::error::CliResult;
use crate::hub_client::DirectoryOutcome;

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
            let store = ctx.store()?;
            let r = crate::hub_client::sync(&store, &a.url, a.ca_cert.as_deref())?;
            let (directory_text, directory_json) = directory_outcome(r.directory.as_ref());
            ctx.out.done(
                Some(format!(
                    "synced with the hub of {}: {} people changed here ({} messages, {} bytes); \
                     {directory_text}",
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
