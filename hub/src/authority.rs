//! [`Hub`]: the organisation's enrolment authority over a [`HubStore`] — users, one-time invite
//! codes (only their hashes are stored), enrolment (the certificate's role and name come from
//! the user table, never from the device's request), revocation, the check of a device that
//! connects, and the audit log of each.

use linkwork_core::identity::enrolment::{EnrolRefused, EnrolReply, EnrolRequest};
use linkwork_core::identity::{
    CertRole, Certificate, CertificateRequest, Issuer, PairingGrant, Permissions, PublicKey,
    Refusal, RevocationList, TrustRoot,
};
use linkwork_core::Id;
use sha2::{Digest, Sha256};

use crate::error::{HubError, Result};
use crate::keyfile::KeyFile;
use crate::store::{
    AuditEntry, Claim, Device, HubStore, NewDevice, OrgRecord, Paired, User, UserRole,
};

/// How long a device certificate issued at enrolment lasts, in days.
pub const DEVICE_CERT_DAYS: u32 = 365;

/// How many days before the hub's own certificate expires `linkwork-hub serve` warns that it
/// should be renewed (`linkwork-hub cert renew`).
pub const RENEW_WITHIN_DAYS: i64 = 60;

/// How many days before the TLS certificate of `linkwork-hub serve --tls-cert` expires the
/// hub warns that it should be renewed.
pub const TLS_RENEW_WITHIN_DAYS: i64 = 30;

/// Whole days from `now` until `t` (negative once past), both in seconds since the epoch.
pub fn days_left(t: i64, now: i64) -> i64 {
    (t - now).div_euclid(86_400)
}

/// The warning `serve` prints when `what` (a certificate) expires at `expires_at`, fewer than
/// `within_days` days after `now`, saying what to do (`remedy`); `None` when it does not.
pub fn expiry_warning(
    what: &str,
    expires_at: i64,
    now: i64,
    within_days: i64,
    remedy: &str,
) -> Option<String> {
    let left = days_left(expires_at, now);
    (left < within_days).then(|| {
        format!(
            "linkwork-hub: warning: {what} expires in {left} days ({}): {remedy}",
            crate::error::utc(&expires_at)
        )
    })
}

/// How long an invite code is valid by default, and at most, in hours.
pub const INVITE_HOURS: u32 = 24;
/// The longest an invite may be made valid for, in hours (a week).
pub const MAX_INVITE_HOURS: u32 = 7 * 24;

/// Crockford's base-32 alphabet (no I, L, O, U): codes are typed from a screen or a letter.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A fresh invite code: 16 random base-32 characters (80 bits) in four groups.
///
/// # Errors
/// [`HubError::Io`] without randomness.
pub fn new_code() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| HubError::Io(std::io::Error::other(e.to_string())))?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// The stored hash of a code as typed: case, spaces and dashes do not matter, and O, I and L
/// read as 0, 1 and 1. The code has 80 random bits, so one SHA-256 suffices.
pub fn code_hash(code: &str) -> [u8; 32] {
    let normal: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let mut h = Sha256::new();
    h.update(b"linkwork-hub invite v1\0");
    h.update(normal.as_bytes());
    h.finalize().into()
}

/// The certificate role and permissions a hub user's devices get.
pub fn grant(role: UserRole) -> (CertRole, Permissions) {
    match role {
        UserRole::LinkWorker => (
            CertRole::LinkWorker,
            Permissions {
                can_erase: false,
                can_enrol_patients: true,
            },
        ),
        UserRole::TeamLead => (
            CertRole::TeamLead,
            Permissions {
                can_erase: true,
                can_enrol_patients: true,
            },
        ),
        UserRole::Admin => (CertRole::Admin, Permissions::default()),
    }
}

/// Decodes the stored hub certificate and checks it certifies the key file's hub key.
fn own_certificate(bytes: &[u8], keys: &KeyFile) -> Result<Certificate> {
    let certificate =
        Certificate::decode(bytes).map_err(|_| HubError::Corrupt("hub certificate"))?;
    if certificate.device != keys.hub_key.public() {
        return Err(HubError::KeyFile(
            "the key file's hub key is not the certified one".into(),
        ));
    }
    Ok(certificate)
}

/// The organisation's hub: its store, its keys and its public identity.
pub struct Hub<S> {
    /// The database.
    pub store: S,
    keys: KeyFile,
    /// The organisation's trust root.
    pub root: TrustRoot,
    /// The hub's own certificate (role hub), as read at open (or renewed by this process).
    pub certificate: Certificate,
}

impl<S: HubStore> Hub<S> {
    /// Creates the organisation `name` on an empty database: writes the key file at
    /// `key_path` (0600; refused if it exists), certifies the hub's own device key with role
    /// hub, records the trust root and the hub's certificate, and returns the hub.
    ///
    /// # Errors
    /// [`HubError::AlreadyInitialised`]; [`HubError::KeyFile`]; database errors.
    pub async fn init(store: S, keys: KeyFile, key_path: &std::path::Path) -> Result<Hub<S>> {
        store.migrate().await?;
        if store.organisation().await?.is_some() {
            return Err(HubError::AlreadyInitialised);
        }
        let root = keys.org.trust_root();
        let request = CertificateRequest {
            device: keys.hub_key.public(),
            store_id: Id::new(),
            user: format!("{} hub", root.name)
                .chars()
                .take(linkwork_core::identity::MAX_NAME_BYTES / 4)
                .collect(),
            role: CertRole::Hub,
            person: None,
        };
        let now = now();
        let certificate = keys.org.issue(
            &request,
            CertRole::Hub,
            Permissions::default(),
            now,
            linkwork_core::identity::organisation::MAX_VALIDITY_DAYS,
        )?;
        keys.write(key_path)?;
        store
            .init_organisation(&OrgRecord {
                name: root.name.clone(),
                trust_root: root.encode(),
                hub_certificate: certificate.encode(),
                created_at: now,
            })
            .await?;
        Ok(Hub {
            store,
            keys,
            root,
            certificate,
        })
    }

    /// Opens an initialised hub with its key file.
    ///
    /// # Errors
    /// [`HubError::NotInitialised`]; [`HubError::KeyFile`] when the key file is for another
    /// organisation; [`HubError::CertificateExpired`] when the hub's own certificate has
    /// expired (devices would refuse it: [`Hub::renew_certificate`]); [`HubError::Corrupt`];
    /// database errors.
    pub async fn open(store: S, keys: KeyFile) -> Result<Hub<S>> {
        let hub = Hub::load(store, keys).await?;
        if hub.certificate.expires_at <= now() {
            return Err(HubError::CertificateExpired {
                expired_at: hub.certificate.expires_at,
            });
        }
        Ok(hub)
    }

    /// Re-issues the hub's own certificate with the organisation's key: the same hub key,
    /// store id and name, valid `days` days from now (at most
    /// [`linkwork_core::identity::organisation::MAX_VALIDITY_DAYS`]); stores it (audited
    /// `hub-certificate-renew`) and returns the hub with it. Works before or after the old one
    /// expires. Devices need nothing: they check the hub's certificate against the
    /// organisation's root on each connection, and every node of the deployment presents the
    /// stored certificate from its next connection ([`Hub::current_certificate`]).
    ///
    /// # Errors
    /// As [`Hub::open`] (but not for an expired certificate); [`HubError::Core`] for `days` out
    /// of range.
    pub async fn renew_certificate(store: S, keys: KeyFile, days: u32) -> Result<Hub<S>> {
        let mut hub = Hub::load(store, keys).await?;
        let old = &hub.certificate;
        let request = CertificateRequest {
            device: old.device,
            store_id: old.store_id,
            user: old.name.clone(),
            role: CertRole::Hub,
            person: None,
        };
        let now = now();
        let certificate =
            hub.keys
                .org
                .issue(&request, CertRole::Hub, Permissions::default(), now, days)?;
        let entry = AuditEntry {
            at: now,
            event: "hub-certificate-renew".to_owned(),
            device: Some(certificate.device.to_hex()),
            user: None,
            detail: Some(format!(
                "valid until {} (was {})",
                crate::error::utc(&certificate.expires_at),
                crate::error::utc(&old.expires_at)
            )),
            person: None,
        };
        hub.store
            .set_hub_certificate(&certificate.encode(), &entry)
            .await?;
        hub.certificate = certificate;
        Ok(hub)
    }

    /// Opens the hub without checking its certificate's expiry.
    async fn load(store: S, keys: KeyFile) -> Result<Hub<S>> {
        store.migrate().await?;
        let org = store
            .organisation()
            .await?
            .ok_or(HubError::NotInitialised)?;
        let root =
            TrustRoot::decode(&org.trust_root).map_err(|_| HubError::Corrupt("trust root"))?;
        if root != keys.org.trust_root() {
            return Err(HubError::KeyFile(
                "the key file is for another organisation than this database".into(),
            ));
        }
        let certificate = own_certificate(&org.hub_certificate, &keys)?;
        Ok(Hub {
            store,
            keys,
            root,
            certificate,
        })
    }

    /// The hub's certificate as stored now: a renewal by another process or node
    /// ([`Hub::renew_certificate`]) shows here, while [`Hub::certificate`] is the one read at
    /// open. A running node presents this one on each new connection.
    ///
    /// # Errors
    /// [`HubError::NotInitialised`], [`HubError::Corrupt`], [`HubError::KeyFile`]; database
    /// errors.
    pub async fn current_certificate(&self) -> Result<Certificate> {
        let org = self
            .store
            .organisation()
            .await?
            .ok_or(HubError::NotInitialised)?;
        own_certificate(&org.hub_certificate, &self.keys)
    }

    /// The hub's device key (for the authenticated channel).
    pub fn hub_key(&self) -> &linkwork_core::identity::SecretKey {
        &self.keys.hub_key
    }

    /// Appends `event` to the audit log.
    ///
    /// # Errors
    /// Database errors.
    pub async fn audit(
        &self,
        event: &str,
        device: Option<&PublicKey>,
        user: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        self.store
            .audit(&AuditEntry {
                at: now(),
                event: event.to_owned(),
                device: device.map(PublicKey::to_hex),
                user: user.map(str::to_owned),
                detail: detail.map(str::to_owned),
                person: None,
            })
            .await
    }

    /// Adds a user.
    ///
    /// # Errors
    /// [`HubError::Invalid`] for an empty or over-long name or team; [`HubError::Exists`].
    pub async fn add_user(&self, name: &str, role: UserRole, team: Option<&str>) -> Result<User> {
        let name = name.trim();
        if name.is_empty() || name.len() > linkwork_core::identity::MAX_NAME_BYTES {
            return Err(HubError::invalid("name", "must be 1 to 200 bytes"));
        }
        if team.is_some_and(|t| t.trim().is_empty() || t.len() > 200) {
            return Err(HubError::invalid("team", "must be 1 to 200 bytes"));
        }
        let user = self.store.add_user(name, role, team.map(str::trim)).await?;
        self.audit("user-add", None, Some(&user.name), Some(role.code()))
            .await?;
        Ok(user)
    }

    /// Moves `person` (their id) into the caseload of the link worker or team lead `to`, as the
    /// admin `by`, audited (`caseload-move`, with the admin as the user and the new holder as
    /// the detail). The new holder's devices receive the person's documents on their next sync;
    /// the previous holder's devices (unless their access still covers the person, a team lead
    /// of the same team) are asked to drop their copy on theirs. Moving a person to the user
    /// who already holds them changes nothing and returns `false`.
    ///
    /// # Errors
    /// [`HubError::Invalid`] for a malformed person id, a `to` user who holds no caseload (an
    /// admin) or a `by` user who is not an admin; [`HubError::NotFound`] for an unknown user or
    /// a person the hub does not know.
    pub async fn move_person(&self, person: &str, to: &str, by: &str) -> Result<bool> {
        let person = linkwork_core::Id::parse("person", person.trim())?.to_string();
        let admin = self
            .store
            .user_by_name(by.trim())
            .await?
            .ok_or(HubError::NotFound("user"))?;
        if admin.role != UserRole::Admin {
            return Err(HubError::invalid("by", "must be an admin"));
        }
        let target = self
            .store
            .user_by_name(to.trim())
            .await?
            .ok_or(HubError::NotFound("user"))?;
        if target.role == UserRole::Admin {
            return Err(HubError::invalid(
                "to",
                "must be a link worker or team lead (an admin holds no caseload)",
            ));
        }
        let current = self
            .store
            .person(&person)
            .await?
            .ok_or(HubError::NotFound("person"))?;
        if current.assigned_to == target.id {
            return Ok(false);
        }
        let entry = AuditEntry {
            at: now(),
            event: "caseload-move".to_owned(),
            device: None,
            user: Some(admin.name.clone()),
            detail: Some(format!("to {}", target.name)),
            person: Some(person.clone()),
        };
        self.store
            .assign_person(&person, target.id, &entry)
            .await?
            .ok_or(HubError::NotFound("person"))?;
        Ok(true)
    }

    /// A one-time invite code for one device of `user`, valid `hours` hours. Only its hash is
    /// stored; the code is shown once.
    ///
    /// # Errors
    /// [`HubError::NotFound`] for an unknown user; [`HubError::Invalid`] for 0 hours or more
    /// than [`MAX_INVITE_HOURS`].
    pub async fn invite(&self, user: &str, hours: u32) -> Result<(String, i64)> {
        if hours == 0 || hours > MAX_INVITE_HOURS {
            return Err(HubError::invalid(
                "hours",
                format!("must be 1 to {MAX_INVITE_HOURS}"),
            ));
        }
        let user = self
            .store
            .user_by_name(user)
            .await?
            .ok_or(HubError::NotFound("user"))?;
        let code = new_code()?;
        let created = now();
        let expires = created + i64::from(hours) * 3600;
        self.store
            .create_invite(user.id, code_hash(&code), created, expires)
            .await?;
        self.audit("invite", None, Some(&user.name), None).await?;
        Ok((code, expires))
    }

    /// Handles one enrolment message from a device (`remote`: its address, for the audit log)
    /// and returns the reply to send. Every outcome is audited. A database failure is answered
    /// with [`EnrolRefused::Unavailable`] (the device may try again).
    pub async fn enrol(&self, message: &[u8], remote: &str) -> EnrolReply {
        match self.try_enrol(message, remote).await {
            Ok(reply) => reply,
            Err(_) => EnrolReply::Refused(EnrolRefused::Unavailable),
        }
    }

    async fn try_enrol(&self, message: &[u8], remote: &str) -> Result<EnrolReply> {
        let refuse = |why: EnrolRefused| -> Result<EnrolReply> { Ok(EnrolReply::Refused(why)) };
        let Ok(msg) = EnrolRequest::decode(message) else {
            self.audit(
                "enrol-refused",
                None,
                None,
                Some(&format!("malformed from {remote}")),
            )
            .await?;
            return refuse(EnrolRefused::RequestRefused);
        };
        // The request's signature is checked before the code is spent.
        let request = match msg.certificate_request() {
            Ok(r) => r,
            Err(why) => {
                self.audit(
                    "enrol-refused",
                    None,
                    None,
                    Some(&format!("request {why} from {remote}")),
                )
                .await?;
                return refuse(EnrolRefused::RequestRefused);
            }
        };
        let now = now();
        let claim = self.store.claim_invite(code_hash(&msg.code), now).await?;
        let why = match &claim {
            Claim::Used(_) => "code already used",
            _ => "code expired",
        };
        let user = match claim {
            Claim::Claimed(user) => user,
            Claim::Unknown => {
                self.audit(
                    "enrol-refused",
                    Some(&request.device),
                    None,
                    Some(&format!("unknown code from {remote}")),
                )
                .await?;
                return refuse(EnrolRefused::CodeNotValid);
            }
            Claim::Used(user) | Claim::Expired(user) => {
                self.audit(
                    "enrol-refused",
                    Some(&request.device),
                    Some(&user.name),
                    Some(&format!("{why} from {remote}")),
                )
                .await?;
                return refuse(EnrolRefused::CodeNotValid);
            }
        };
        let (role, permissions) = grant(user.role);
        // The name and role are the hub's, never the request's.
        let certified = CertificateRequest {
            user: user.name.clone(),
            ..request
        };
        let cert = match self
            .keys
            .org
            .issue(&certified, role, permissions, now, DEVICE_CERT_DAYS)
        {
            Ok(cert) => cert,
            Err(e) => {
                let why = match e {
                    linkwork_core::Error::Untrusted(r) => r.to_string(),
                    _ => "request not certifiable".into(),
                };
                self.audit(
                    "enrol-refused",
                    Some(&certified.device),
                    Some(&user.name),
                    Some(&format!("{why} from {remote}")),
                )
                .await?;
                return refuse(EnrolRefused::RequestRefused);
            }
        };
        let added = self
            .store
            .add_device(&NewDevice {
                key: *cert.device.as_bytes(),
                user_id: user.id,
                certificate: cert.encode(),
                enrolled_at: now,
                paired: None,
            })
            .await;
        if let Err(HubError::Exists(_)) = added {
            self.audit(
                "enrol-refused",
                Some(&cert.device),
                Some(&user.name),
                Some(&format!("device already enrolled, from {remote}")),
            )
            .await?;
            return refuse(EnrolRefused::RequestRefused);
        }
        added?;
        self.audit(
            "enrol",
            Some(&cert.device),
            Some(&user.name),
            Some(role.code()),
        )
        .await?;
        Ok(EnrolReply::Enrolled {
            certificate: cert.encode(),
            trust_root: self.root.encode(),
        })
    }

    /// The organisation's current revocation list, decoded.
    ///
    /// # Errors
    /// [`HubError::Corrupt`] for a stored list that does not verify; database errors.
    pub async fn revocations(&self) -> Result<Option<RevocationList>> {
        self.store
            .revocation_list()
            .await?
            .map(|(_, bytes)| {
                RevocationList::decode(&bytes, &self.root)
                    .map_err(|_| HubError::Corrupt("revocation list"))
            })
            .transpose()
    }

    /// Revokes the enrolled device whose key is `device_hex`: signs the next revocation list,
    /// stores it, marks the device revoked and tells every node (which close its connection).
    ///
    /// # Errors
    /// [`HubError::NotFound`] for a device the hub never enrolled; [`HubError::Invalid`] for
    /// a malformed key or an already revoked device; database errors.
    pub async fn revoke(&self, device_hex: &str) -> Result<RevocationList> {
        let key = PublicKey::parse_hex(device_hex)
            .map_err(|_| HubError::invalid("device", "is not a device key (64 hex digits)"))?;
        let device = self
            .store
            .device(key.as_bytes())
            .await?
            .ok_or(HubError::NotFound("device"))?;
        if device.revoked_at.is_some() {
            return Err(HubError::invalid("device", "is already revoked"));
        }
        for _ in 0..8 {
            let previous = self.revocations().await?;
            let now = now();
            let list = self.keys.org.revoke(previous.as_ref(), key, now)?;
            if self
                .store
                .store_revocation(key.as_bytes(), list.version, &list.encode(), now)
                .await?
            {
                self.audit(
                    "revoke",
                    Some(&key),
                    Some(&device.user),
                    Some(&format!("list version {}", list.version)),
                )
                .await?;
                return Ok(list);
            }
        }
        Err(HubError::Database(
            "another node kept revoking at the same time: try again".into(),
        ))
    }

    /// Decides whether the device that proved `cert` on a channel may stay connected: it must
    /// be a device this hub enrolled (the same key), not revoked (in the table or the list) and
    /// still valid; or a patient's phone paired offline by one ([`Hub::admit_paired`]). Returns
    /// its record.
    ///
    /// # Errors
    /// [`Refusal::NotEnrolled`] for a device the hub never enrolled, [`Refusal::Revoked`],
    /// [`Refusal::Expired`] and the other refusals of [`Certificate::verify`];
    /// [`HubError`] database errors.
    pub async fn admit(&self, cert: &Certificate) -> Result<std::result::Result<Device, Refusal>> {
        if let Issuer::Pairing(grant) = &cert.issuer {
            return self.admit_paired(cert, grant).await;
        }
        let Some(device) = self.store.device(cert.device.as_bytes()).await? else {
            return Ok(Err(Refusal::NotEnrolled));
        };
        if device.revoked_at.is_some() {
            return Ok(Err(Refusal::Revoked));
        }
        let list = self.revocations().await?;
        if let Err(why) = cert.verify(&self.root, list.as_ref(), now()) {
            return Ok(Err(why));
        }
        Ok(Ok(device))
    }

    /// Whether `person` (id text) is in `user`'s caseload as the hub knows it: assigned to
    /// them, or for a team lead to any user of their team. A person the hub has no caseload
    /// row for is in nobody's.
    ///
    /// # Errors
    /// Database errors.
    async fn holds(&self, user: &User, person: &str) -> Result<bool> {
        let Some(row) = self.store.person(person).await? else {
            return Ok(false);
        };
        if row.assigned_to == user.id {
            return Ok(true);
        }
        Ok(match (user.role, &user.team) {
            (UserRole::TeamLead, Some(team)) => self
                .store
                .user_by_id(row.assigned_to)
                .await?
                .is_some_and(|assignee| assignee.team.as_ref() == Some(team)),
            _ => false,
        })
    }

    /// [`Hub::admit`] for a patient's phone that took up `grant` (its certificate's issuer):
    /// the whole chain must verify (the organisation's signature over the link worker's
    /// certificate, the grant's and the phone's own, validity, neither device on the
    /// revocation list); the device that signed the grant must be one this hub enrolled (a
    /// link worker's or team lead's, not another patient's phone) and not revoked; the grant
    /// must not be held by another phone. The first time, the grant's person must be in the
    /// caseload of the user whose device paired it (their own, or their team's for a team
    /// lead; refused and audited `pair-refused` otherwise), and the phone is recorded as a
    /// device of that user (audited `pair`, with its person), so that it is listed and can be
    /// revoked; later, it must not be revoked itself, and keeps its person's plan wherever
    /// their caseload moves.
    ///
    /// # Errors
    /// As [`Hub::admit`]; [`Refusal::NotEnrolled`] when the pairing device is not one the hub
    /// enrolled; [`Refusal::NotInCaseload`]; [`Refusal::GrantUsed`].
    async fn admit_paired(
        &self,
        cert: &Certificate,
        grant: &PairingGrant,
    ) -> Result<std::result::Result<Device, Refusal>> {
        let list = self.revocations().await?;
        if let Err(why) = cert.verify(&self.root, list.as_ref(), now()) {
            return Ok(Err(why));
        }
        let Some(pairer) = self.store.device(grant.issuer.device.as_bytes()).await? else {
            return Ok(Err(Refusal::NotEnrolled));
        };
        // The grant's certificate for that key is the organisation's (verified above); it may
        // be an earlier one than the hub's record (the device was certified before it
        // enrolled, or has renewed since).
        if pairer.person.is_some() {
            return Ok(Err(Refusal::NotEnrolled));
        }
        if pairer.revoked_at.is_some() {
            return Ok(Err(Refusal::Revoked));
        }
        let Some(user) = self.store.user_by_name(&pairer.user).await? else {
            return Ok(Err(Refusal::NotEnrolled));
        };
        let person = grant.person.to_string();
        // Only a phone's first admission is checked against the pairing user's caseload: once
        // recorded, it keeps syncing its person's plan when they move to another link worker
        // (docs/security.md, "Patients' phones paired offline").
        let known = self
            .store
            .device(cert.device.as_bytes())
            .await?
            .is_some_and(|d| d.person.as_deref() == Some(person.as_str()));
        if !known && !self.holds(&user, &person).await? {
            self.store
                .audit(&AuditEntry {
                    at: now(),
                    event: "pair-refused".to_owned(),
                    device: Some(cert.device.to_hex()),
                    user: Some(pairer.user.clone()),
                    detail: Some(format!(
                        "{} (paired by {})",
                        Refusal::NotInCaseload,
                        pairer.key
                    )),
                    person: Some(person),
                })
                .await?;
            return Ok(Err(Refusal::NotInCaseload));
        }
        let new = NewDevice {
            key: *cert.device.as_bytes(),
            user_id: user.id,
            certificate: cert.encode(),
            enrolled_at: now(),
            paired: Some((person.clone(), *grant.issuer.device.as_bytes())),
        };
        let device = match self.store.pair_device(&new, grant.grant_id).await? {
            Paired::GrantUsed => return Ok(Err(Refusal::GrantUsed)),
            Paired::Known(device) => device,
            Paired::New(device) => {
                self.store
                    .audit(&AuditEntry {
                        at: now(),
                        event: "pair".to_owned(),
                        device: Some(cert.device.to_hex()),
                        user: Some(pairer.user.clone()),
                        detail: Some(format!("paired by {}", pairer.key)),
                        person: Some(person),
                    })
                    .await?;
                device
            }
        };
        if device.revoked_at.is_some() {
            return Ok(Err(Refusal::Revoked));
        }
        Ok(Ok(device))
    }
}
