//! `linkwork enrol URL --code CODE` and `linkwork hub connect|sync URL`: the device side of the
//! organisation's hub (`crate::hub_client` moves the bytes; the protocol is the core's).

use serde_json::json;

use crate::args::{EnrolArgs, HubCmd};
use crate::commands::Ctx;
use crate::error::CliResult;

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

/// `hub connect`: authenticates with the hub and installs its current revocation list;
/// `hub sync`: syncs the store's documents with the hub.
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
            let text = match (&c.revocations, c.installed) {
                (None, _) => "no device of the organisation is revoked".to_owned(),
                (Some(l), true) => format!(
                    "installed revocation list version {} ({revoked} devices revoked)",
                    l.version
                ),
                (Some(l), false) => {
                    format!("revocation list version {} is already installed", l.version)
                }
            };
            ctx.out.done(
                Some(format!(
                    "authenticated with the hub of {}; {text}",
                    c.hub.org_name
                )),
                json!({
                    "hub": c.hub.device.to_hex(),
                    "organisation": c.hub.org_name,
                    "revocation_version": version,
                    "revoked": revoked,
                    "installed": c.installed,
                }),
            )
        }
        HubCmd::Sync(a) => {
            let store = ctx.store()?;
            let r = crate::hub_client::sync(&store, &a.url, a.ca_cert.as_deref())?;
            ctx.out.done(
                Some(format!(
                    "synced with the hub of {}: {} people changed here ({} messages, {} bytes)",
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
                }),
            )
        }
    }
}
