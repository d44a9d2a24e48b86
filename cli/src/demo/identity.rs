//! The demo's identity at work: the organisation certifying a device, strangers' devices
//! refused by Sam's during the handshake, and how certificates and proven peers are told.

use linkwork_core::identity::{
    CertRole, Certificate, CertificateRequest, OrgSigner, Peer, Permissions,
};
use linkwork_core::model::{CaseloadQuery, NewStore, Role};
use linkwork_core::{Error, Store};

use super::Story;
use crate::commands::keys::new_key_file;
use crate::error::{CliError, CliResult};
use crate::transport::{handshake_in_process, Handshake};

/// How long the organisation's certificates last, in days.
const CERT_DAYS: u32 = 365;

impl Story {
    /// Has the organisation certify `store`'s device as a link worker with `permissions`, and
    /// installs the certificate; returns it as installed.
    pub(super) fn enrol(&self, store: &Store, permissions: Permissions) -> CliResult<Certificate> {
        let request =
            CertificateRequest::decode(&store.certificate_request()?).map_err(Error::from)?;
        let cert = self.org.issue(
            &request,
            CertRole::LinkWorker,
            permissions,
            chrono::Utc::now().timestamp(),
            CERT_DAYS,
        )?;
        Ok(store.install_certificate(&cert.encode())?)
    }

    /// A stranger's device (another organisation's, then an unenrolled one) meets Sam's and is
    /// refused during the handshake, before any sync message.
    pub(super) fn stranger(&self) -> CliResult {
        self.chapter("14. A stranger's device is refused")?;
        // The strangers' stores live in their own temporary directory, never kept.
        let place = tempfile::TempDir::new().map_err(|source| CliError::File {
            action: "create a temporary directory",
            source,
        })?;
        let elsewhere = OrgSigner::create("Elsewhere PCN")?;
        let enrolled = Store::create(
            place.path().join("stranger.db"),
            NewStore {
                user: "Sam".into(),
                role: Role::LinkWorker,
                person: None,
            },
            &new_key_file(&place.path().join("stranger.key"))?,
        )?;
        let request =
            CertificateRequest::decode(&enrolled.certificate_request()?).map_err(Error::from)?;
        let cert = elsewhere.issue(
            &request,
            CertRole::Admin,
            Permissions {
                can_erase: true,
                can_enrol_patients: true,
            },
            chrono::Utc::now().timestamp(),
            CERT_DAYS,
        )?;
        enrolled.install_certificate(&cert.encode())?;
        self.say(&format!(
            "At a drop-in, a stranger's device asks to sync with Sam's. It is enrolled too, but\n\
             with another organisation, and even calls itself Sam:\n  {}\n\
             It opens the secure handshake to Sam's device:",
            describe(&cert)
        ))?;
        self.refuse(&enrolled)?;
        let unenrolled = Store::create(
            place.path().join("unenrolled.db"),
            NewStore {
                user: "Kim".into(),
                role: Role::LinkWorker,
                person: None,
            },
            &new_key_file(&place.path().join("unenrolled.key"))?,
        )?;
        self.say(
            "Then a device with no certificate at all (calling itself Kim) asks, having opted in\n\
             to unenrolled peers (an enrolled device like Sam's ignores that opt-in):",
        )?;
        self.refuse(&unenrolled)?;
        self.say(
            "Neither stranger holds anyone: Sam's device refused them before any sync message,\n\
             so they received no name, no NHS number, not even how many people Sam supports.",
        )
    }

    /// `stranger` opens the handshake to Sam's device, which must refuse it; prints the
    /// refusal and what the stranger received (nothing of Sam's certificate: a listener shows it
    /// only to a peer that proved its own).
    fn refuse(&self, stranger: &Store) -> CliResult {
        match handshake_in_process(stranger, &self.sam, true)? {
            Handshake::Refused {
                by_a: false,
                refusal,
                bytes_to_a,
                ..
            } => {
                if !stranger.caseload(&CaseloadQuery::default())?.is_empty() {
                    return Err(CliError::Failed("a refused stranger holds someone".into()));
                }
                self.say(&format!(
                    "  [refused] Sam's device: {}.\n\
                     \x20           The stranger received {bytes_to_a} bytes: Sam's device's handshake reply\n\
                     \x20           (fresh keys for this session), nothing of its certificate.",
                    Error::Untrusted(refusal)
                ))
            }
            Handshake::Refused { .. } | Handshake::Open { .. } => Err(CliError::Failed(
                "Sam's device did not refuse the stranger's device".into(),
            )),
        }
    }
}

/// A certificate in a few words: `"Sam", link-worker of Example PCN, may enrol patients,
/// expires 2027-12-07`.
pub(super) fn describe(cert: &Certificate) -> String {
    let mut may = Vec::new();
    if cert.permissions.can_enrol_patients {
        may.push("may enrol patients");
    }
    if cert.permissions.can_erase {
        may.push("may erase");
    }
    let may: String = may.iter().map(|m| format!(", {m}")).collect();
    let expires = chrono::DateTime::from_timestamp(cert.expires_at, 0)
        .map_or_else(|| "-".into(), |t| t.date_naive().to_string());
    format!(
        "\"{}\", {} of {}{may}, expires {expires}",
        cert.name,
        cert.role.code(),
        cert.org_name
    )
}

/// Who a channel proved its peer to be: `"Sam" (link-worker)`, from the verified certificate.
pub(super) fn proved(peer: &Peer) -> String {
    match peer {
        Peer::Verified(cert) => format!("\"{}\" ({})", cert.name, cert.role.code()),
        Peer::Unenrolled => "an unenrolled peer".into(),
    }
}
