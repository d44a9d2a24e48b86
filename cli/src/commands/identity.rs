//! Device identity and the organisation's trust root: `org init|issue|revoke` (files in the
//! organisation's folder, no store), `device show|request|install`, `patient pair` and
//! `trust update`.
//!
//! The organisation's folder holds `org.key` (its secret signing key, created readable and
//! writable by its owner only, never overwritten), `trust-root` (public), `revocations.crl`
//! (the newest revocation list, so the next one follows it) and `issued/STORE-ID.cert` (every
//! certificate issued, so `org revoke` can name a device by its store id).

use std::path::Path;

use chrono::{TimeZone, Utc};
use linkwork_core::identity::{
    CertRole, Certificate, CertificateRequest, Issuer, OrgSigner, Permissions, PublicKey,
    RevocationList,
};
use linkwork_core::{Error, Id};
use serde_json::json;

use super::{id, number, write_atomically, Ctx};
use crate::args::{
    DeviceCmd, OrgCmd, OrgInitArgs, OrgIssueArgs, OrgRevokeArgs, PatientCmd, PatientPairArgs,
    TrustCmd,
};
use crate::error::{CliError, CliResult};

const KEY_FILE: &str = "org.key";
const ROOT_FILE: &str = "trust-root";
const CRL_FILE: &str = "revocations.crl";
const ISSUED_DIR: &str = "issued";

/// Reads a whole file given on the command line (at most 1 MiB: every identity file is a few
/// hundred bytes).
///
/// # Errors
/// [`CliError::File`] naming `action`.
pub fn read_file(path: &Path, action: &'static str) -> CliResult<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|source| CliError::File { action, source })?;
    let mut bytes = Vec::new();
    file.take(1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|source| CliError::File { action, source })?;
    Ok(bytes)
}

fn write(path: &Path, bytes: &[u8], action: &'static str) -> CliResult {
    write_atomically(path, bytes).map_err(|source| CliError::File { action, source })
}

fn now() -> i64 {
    Utc::now().timestamp()
}

fn day(secs: i64) -> String {
    Utc.timestamp_opt(secs, 0)
        .single()
        .map_or_else(|| secs.to_string(), |t| t.format("%Y-%m-%d").to_string())
}

/// `org ...` commands.
///
/// # Errors
/// Files that cannot be read or written; requests refused by the core.
pub fn org(ctx: &Ctx, cmd: OrgCmd) -> CliResult {
    match cmd {
        OrgCmd::Init(a) => org_init(ctx, a),
        OrgCmd::Issue(a) => org_issue(ctx, a),
        OrgCmd::Revoke(a) => org_revoke(ctx, a),
    }
}

fn org_init(ctx: &Ctx, a: OrgInitArgs) -> CliResult {
    let signer = OrgSigner::create(&a.name)?;
    if a.dir.exists()
        && std::fs::read_dir(&a.dir)
            .map_err(|source| CliError::File {
                action: "read the organisation folder",
                source,
            })?
            .next()
            .is_some()
    {
        return Err(CliError::Failed(
            "the organisation folder is not empty (an organisation is never overwritten)".into(),
        ));
    }
    std::fs::create_dir_all(a.dir.join(ISSUED_DIR)).map_err(|source| CliError::File {
        action: "create the organisation folder",
        source,
    })?;
    write_secret(&a.dir.join(KEY_FILE), &signer.encode_secret())?;
    let root = signer.trust_root();
    write(
        &a.dir.join(ROOT_FILE),
        &root.encode(),
        "write the trust root",
    )?;
    ctx.out.done(
        Some(format!("organisation {}\nkey {}", root.name, root.key)),
        json!({ "name": root.name, "key": root.key.to_hex() }),
    )
}

/// Creates the organisation's key file with mode 0600 (never replacing one).
fn write_secret(path: &Path, bytes: &[u8]) -> CliResult {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let action = "create the organisation key file";
    let mut file = options
        .open(path)
        .map_err(|source| CliError::File { action, source })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|source| CliError::File { action, source })
}

fn signer(dir: &Path) -> CliResult<OrgSigner> {
    let bytes = zeroize::Zeroizing::new(read_file(
        &dir.join(KEY_FILE),
        "read the organisation key file",
    )?);
    Ok(OrgSigner::decode_secret(&bytes)?)
}

fn org_issue(ctx: &Ctx, a: OrgIssueArgs) -> CliResult {
    let signer = signer(&a.dir)?;
    let request = CertificateRequest::decode(&read_file(&a.request, "read the request")?)
        .map_err(Error::from)?;
    let role = CertRole::from_code(&a.role).ok_or_else(|| {
        Error::invalid(
            "role",
            "expected one of link-worker, team-lead, admin, patient, hub",
        )
    })?;
    let days: u32 = number("expires", &a.expires, "must be a whole number of days")?;
    let permissions = Permissions {
        can_erase: a.can_erase,
        can_enrol_patients: a.can_enrol_patients,
    };
    let cert = signer.issue(&request, role, permissions, now(), days)?;
    let bytes = cert.encode();
    write(&a.out, &bytes, "write the certificate")?;
    write(
        &a.dir
            .join(ISSUED_DIR)
            .join(format!("{}.cert", cert.store_id)),
        &bytes,
        "keep a copy of the certificate",
    )?;
    ctx.out.done(
        Some(format!(
            "certified {} as {} until {}",
            cert.device,
            cert.role.code(),
            day(cert.expires_at)
        )),
        json!({
            "device": cert.device.to_hex(),
            "store_id": cert.store_id.to_string(),
            "role": cert.role.code(),
            "expires_at": cert.expires_at,
        }),
    )
}

fn org_revoke(ctx: &Ctx, a: OrgRevokeArgs) -> CliResult {
    let signer = signer(&a.dir)?;
    let root = signer.trust_root();
    let device = match PublicKey::parse_hex(&a.device) {
        Ok(k) => k,
        Err(_) => {
            let store: Id = id("device", &a.device)?;
            let path = a.dir.join(ISSUED_DIR).join(format!("{store}.cert"));
            if !path.exists() {
                return Err(Error::not_found("device", store).into());
            }
            Certificate::decode(&read_file(&path, "read the issued certificate")?)
                .map_err(Error::from)?
                .device
        }
    };
    let crl_path = a.dir.join(CRL_FILE);
    let previous = if crl_path.exists() {
        Some(
            RevocationList::decode(&read_file(&crl_path, "read the revocation list")?, &root)
                .map_err(Error::from)?,
        )
    } else {
        None
    };
    let list = signer.revoke(previous.as_ref(), device, now())?;
    let bytes = list.encode();
    write(&a.out, &bytes, "write the revocation list")?;
    write(&crl_path, &bytes, "keep the revocation list")?;
    ctx.out.done(
        Some(format!(
            "revoked {device} (revocation list version {})",
            list.version
        )),
        json!({ "device": device.to_hex(), "version": list.version }),
    )
}

/// `device ...` commands.
///
/// # Errors
/// Opening the store; files; the core's refusals.
pub fn device(ctx: &Ctx, cmd: DeviceCmd) -> CliResult {
    let store = ctx.store()?;
    match cmd {
        DeviceCmd::Show => {
            let id = store.device_identity()?;
            let value = json!({
                "device": id.device_key.to_hex(),
                "enrolled": id.is_enrolled(),
                "organisation": id.trust_root.as_ref().map(|r| r.name.clone()),
                "organisation_key": id.trust_root.as_ref().map(|r| r.key.to_hex()),
                "role": id.certificate.as_ref().map(|c| c.role.code()),
                "name": id.certificate.as_ref().map(|c| c.name.clone()),
                "can_erase": id.certificate.as_ref().map(|c| c.permissions.can_erase),
                "can_enrol_patients":
                    id.certificate.as_ref().map(|c| c.permissions.can_enrol_patients),
                "expires_at": id.certificate.as_ref().map(|c| c.expires_at),
                "paired": id.certificate.as_ref().map(|c| matches!(c.issuer, Issuer::Pairing(_))),
                "revocation_list_version": id.revocations.as_ref().map(|r| r.version),
            });
            ctx.out.show(&value, |_| show_identity(&id))
        }
        DeviceCmd::Request(a) => {
            write(&a.out, &store.certificate_request()?, "write the request")?;
            ctx.out.done(
                Some(format!("device {}", store.device_key()?)),
                json!({ "device": store.device_key()?.to_hex() }),
            )
        }
        DeviceCmd::Install(a) => {
            let cert = store.install_certificate(&read_file(&a.file, "read the certificate")?)?;
            ctx.out.done(
                Some(format!(
                    "enrolled in {} as {} until {}",
                    cert.org_name,
                    cert.role.code(),
                    day(cert.expires_at)
                )),
                json!({ "organisation": cert.org_name, "role": cert.role.code() }),
            )
        }
    }
}

fn show_identity(id: &linkwork_core::store::DeviceIdentity) -> String {
    let mut s = format!("device   {}\n", id.device_key);
    match (&id.certificate, &id.trust_root) {
        (Some(c), Some(r)) => {
            s.push_str(&format!("org      {} ({})\n", r.name, r.key));
            s.push_str(&format!("role     {}\n", c.role.code()));
            s.push_str(&format!(
                "may      {}{}\n",
                if c.permissions.can_erase {
                    "erase "
                } else {
                    ""
                },
                if c.permissions.can_enrol_patients {
                    "enrol-patients"
                } else {
                    ""
                }
            ));
            s.push_str(&format!("expires  {}\n", day(c.expires_at)));
        }
        _ => s.push_str("not enrolled\n"),
    }
    if let Some(r) = &id.revocations {
        s.push_str(&format!("revocation list version {}\n", r.version));
    }
    s
}

/// `patient pair`.
///
/// # Errors
/// Opening the store; the core's refusals; writing the payload.
pub fn patient(ctx: &Ctx, cmd: PatientCmd) -> CliResult {
    match cmd {
        PatientCmd::Pair(a) => patient_pair(ctx, a),
    }
}

fn patient_pair(ctx: &Ctx, a: PatientPairArgs) -> CliResult {
    let store = ctx.store()?;
    let person = id("person", &a.person)?;
    let days: u32 = number("expires", &a.expires, "must be a whole number of days")?;
    let payload = store.pair_patient(person, days)?;
    write(&a.out, &payload.encode(), "write the pairing payload")?;
    let code = payload.code();
    ctx.out.done(
        Some(format!(
            "pairing code {code} (valid 15 minutes; the patient's phone runs init --role \
             patient --pairing FILE --code {code})"
        )),
        json!({ "code": code, "pair_by": payload.grant.pair_by }),
    )
}

/// `trust update CRL`.
///
/// # Errors
/// Opening the store; the core's refusals.
pub fn trust(ctx: &Ctx, cmd: TrustCmd) -> CliResult {
    match cmd {
        TrustCmd::Update(a) => {
            let store = ctx.store()?;
            let list = store.update_trust(&read_file(&a.file, "read the revocation list")?)?;
            ctx.out.done(
                Some(format!(
                    "revocation list version {} ({} devices revoked)",
                    list.version,
                    list.revoked.len()
                )),
                json!({ "version": list.version, "revoked": list.revoked.len() }),
            )
        }
    }
}
