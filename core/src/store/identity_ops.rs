//! The store's side of identity: its device key (made at creation, or on the first open of a
//! store made before identity existed), the certificate request, installing a certificate and
//! the organisation's trust root, revocation-list updates, pairing a patient's phone (both
//! sides) and checking a peer's certificate. The secret key never leaves this file's calls:
//! it is read from the encrypted store for one signature and zeroed when dropped.

use std::path::Path;

use chrono::Utc;

use super::Store;
use crate::error::{Error, Result};
use crate::identity::pairing::{patient_certificate, PairingGrant};
use crate::identity::{
    CertRole, Certificate, CertificateRequest, ChannelPolicy, PairingPayload, Peer, PublicKey,
    Refusal, RevocationList, TrustRoot,
};
use crate::ids::Id;
use crate::key::StoreKey;
use crate::model::{NewStore, Role};
use crate::storage::{documents, identity, sync_state};
use crate::sync::SyncSession;

/// How long a paired phone's certificate lasts by default, in days.
pub const DEFAULT_PATIENT_DAYS: u32 = 365;

/// A store's identity as an app sees it: its device key, and once enrolled its certificate,
/// its organisation's trust root and the version of its newest revocation list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// The device's public key (its secret half never leaves the store).
    pub device_key: PublicKey,
    /// The installed certificate (`None`: not enrolled).
    pub certificate: Option<Certificate>,
    /// The organisation's trust root (installed with the certificate).
    pub trust_root: Option<TrustRoot>,
    /// The installed revocation list (`None`: none installed yet).
    pub revocations: Option<RevocationList>,
}

impl DeviceIdentity {
    /// Whether the store holds a certificate and a trust root.
    pub fn is_enrolled(&self) -> bool {
        self.certificate.is_some() && self.trust_root.is_some()
    }
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_secs() -> i64 {
    Utc::now().timestamp()
}

impl Store {
    /// The device's public key.
    ///
    /// # Errors
    /// Storage errors.
    pub fn device_key(&self) -> Result<PublicKey> {
        self.read(identity::public_key)
    }

    /// The store's device identity (key, certificate, trust root, revocation list).
    ///
    /// # Errors
    /// [`Error::NotAStore`] when a stored identity value is damaged; storage errors.
    pub fn device_identity(&self) -> Result<DeviceIdentity> {
        let stored = self.read(identity::load)?;
        let damaged = |_| Error::NotAStore {
            reason: "damaged identity".into(),
        };
        let device_key = stored
            .public_key
            .map(PublicKey::from_bytes)
            .ok_or_else(|| Error::NotAStore {
                reason: "missing device key".into(),
            })?;
        let trust_root = stored
            .trust_root
            .as_deref()
            .map(TrustRoot::decode)
            .transpose()
            .map_err(damaged)?;
        let certificate = stored
            .certificate
            .as_deref()
            .map(Certificate::decode)
            .transpose()
            .map_err(damaged)?;
        let revocations = match (&trust_root, stored.revocations.as_deref()) {
            (Some(root), Some(bytes)) => {
                Some(RevocationList::decode(bytes, root).map_err(damaged)?)
            }
            _ => None,
        };
        Ok(DeviceIdentity {
            device_key,
            certificate,
            trust_root,
            revocations,
        })
    }

    /// The certificate request to hand to the organisation's administrator: the device key,
    /// store id, user, role and (patient store) person, signed by the device key.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `user`) for a user name longer than a certificate holds
    /// ([`crate::identity::MAX_NAME_BYTES`]); storage errors.
    pub fn certificate_request(&self) -> Result<Vec<u8>> {
        if self.info.user.len() > crate::identity::MAX_NAME_BYTES {
            return Err(Error::invalid(
                "user",
                "is too long for a certificate (at most 200 bytes)",
            ));
        }
        let key = self.read(identity::secret_key)?;
        let request = CertificateRequest {
            device: key.public(),
            store_id: self.info.store_id,
            user: self.info.user.clone(),
            role: match self.info.role {
                Role::LinkWorker => CertRole::LinkWorker,
                Role::Patient => CertRole::Patient,
            },
            person: self.info.person,
        };
        Ok(request.encode_signed(&key))
    }

    /// Installs this device's certificate and, with it, the organisation's trust root (the
    /// first certificate decides the organisation; later ones, e.g. renewals, must come from
    /// the same one). Returns the certificate.
    ///
    /// # Errors
    /// [`Error::Untrusted`]: malformed or tampered ([`Refusal::BadSignature`]), for another
    /// device or store ([`Refusal::OtherDevice`]), from another organisation than the one
    /// installed ([`Refusal::OtherOrganisation`]), a role or person that does not fit the
    /// store ([`Refusal::RoleMismatch`], [`Refusal::PersonMismatch`]), expired, or revoked by
    /// the installed list. Nothing changes on error.
    ///
    /// On success the store's own earlier changes count as verified from now, and every change
    /// it holds whose author it cannot prove (unsigned, or signed by a device whose certificate
    /// it does not hold) is adopted: signed by this device as vouching for it (ADR 0007).
    pub fn install_certificate(&self, bytes: &[u8]) -> Result<Certificate> {
        let cert = Certificate::decode(bytes)?;
        let root = TrustRoot {
            name: cert.org_name.clone(),
            key: cert.org,
        };
        self.db.write(|tx, _| {
            let stored = identity::load(tx)?;
            let revocations = match stored.trust_root.as_deref() {
                Some(installed) => {
                    let installed = TrustRoot::decode(installed)?;
                    if installed.key != cert.org {
                        return Err(Refusal::OtherOrganisation.into());
                    }
                    stored
                        .revocations
                        .as_deref()
                        .map(|b| RevocationList::decode(b, &installed))
                        .transpose()?
                }
                None => None,
            };
            self.check_own(&cert, stored.public_key)?;
            cert.verify(&root, revocations.as_ref(), now_secs())?;
            identity::set_certificate(tx, &cert.encode(), &root.encode())?;
            // What this store holds becomes attributable (ADR 0007): its own earlier changes are
            // signed by the key just certified; changes it cannot prove the author of are adopted.
            self.adopt_on_enrolment(tx, &cert.device)?;
            Ok(())
        })?;
        Ok(cert)
    }

    /// Installs what a hub answered to this device's enrolment
    /// ([`crate::identity::enrolment::EnrolReply::Enrolled`]): checks that the trust root is the
    /// organisation that signed the certificate, then installs both as
    /// [`Store::install_certificate`] does. Returns the certificate.
    ///
    /// # Errors
    /// [`Error::Untrusted`]: [`Refusal::OtherOrganisation`] when the root did not sign the
    /// certificate, [`Refusal::RoleMismatch`] for a hub's certificate (a device never holds
    /// one), and every refusal of [`Store::install_certificate`]. Nothing changes on error.
    pub fn install_enrolment(&self, certificate: &[u8], trust_root: &[u8]) -> Result<Certificate> {
        let (cert, _) = crate::identity::enrolment::check_enrolment(certificate, trust_root)?;
        if cert.role == CertRole::Hub {
            return Err(Refusal::RoleMismatch.into());
        }
        self.install_certificate(certificate)
    }

    /// Refuses a certificate that is not this store's: another device key or store id, a role
    /// or person that does not fit.
    fn check_own(&self, cert: &Certificate, public_key: Option<[u8; 32]>) -> Result<()> {
        if public_key.map(PublicKey::from_bytes) != Some(cert.device)
            || cert.store_id != self.info.store_id
        {
            return Err(Refusal::OtherDevice.into());
        }
        if cert.role.store_role() != self.info.role {
            return Err(Refusal::RoleMismatch.into());
        }
        if cert.person != self.info.person {
            return Err(Refusal::PersonMismatch.into());
        }
        Ok(())
    }

    /// Installs the organisation's revocation list `bytes` (`linkwork trust update`). From then
    /// on certificates of the devices it names, and of patients' phones they enrolled, are
    /// refused.
    ///
    /// # Errors
    /// [`Error::Untrusted`] with [`Refusal::NotEnrolled`] before a certificate is installed;
    /// [`Refusal::OtherOrganisation`] or [`Refusal::BadSignature`] when the trust root did
    /// not sign it; [`Refusal::StaleRevocationList`] when its version is not above the
    /// installed one. Nothing changes on error.
    pub fn update_trust(&self, bytes: &[u8]) -> Result<RevocationList> {
        self.db.write(|tx, _| {
            let stored = identity::load(tx)?;
            let root =
                TrustRoot::decode(stored.trust_root.as_deref().ok_or(Refusal::NotEnrolled)?)?;
            let list = RevocationList::decode(bytes, &root)?;
            if list.version <= stored.crl_version {
                return Err(Refusal::StaleRevocationList.into());
            }
            identity::set_revocations(tx, bytes, list.version)?;
            Ok(list)
        })
    }

    /// What this store brings to an authenticated channel ([`crate::identity::Channel`]): its
    /// certificate and device key, trust root and revocation list, the time now, and whether
    /// (unenrolled only) it accepts an unenrolled peer that also opted in.
    ///
    /// # Errors
    /// Storage errors; [`Error::NotAStore`] for a damaged identity.
    pub fn channel_policy(&self, allow_unenrolled: bool) -> Result<ChannelPolicy> {
        let id = self.device_identity()?;
        let own = match (id.certificate, &id.trust_root) {
            (Some(cert), Some(_)) => Some((cert, self.read(identity::secret_key)?)),
            _ => None,
        };
        Ok(ChannelPolicy {
            own,
            root: id.trust_root,
            revoked: id.revocations,
            allow_unenrolled,
            now: now_secs(),
        })
    }

    /// [`Store::sync_start`] for a peer met on an authenticated channel: the peer's hello must
    /// match its verified certificate (store id, role, person), or the session is refused.
    /// A patient's phone is refused when another phone took up its pairing grant first (a
    /// pairing offer enrols one phone); the first phone seen with a grant is recorded as its
    /// holder.
    ///
    /// # Errors
    /// [`Error::Untrusted`] with [`Refusal::GrantUsed`] for a second phone of one grant; as
    /// [`Store::sync_start`] otherwise.
    pub fn sync_start_authenticated(&self, peer: &Peer) -> Result<(SyncSession, Vec<u8>)> {
        if let Some((grant, device)) = crate::sync::engine::pairing_of(peer) {
            self.db.write(|tx, cache| {
                let mut storage = super::sync_ops::StoreSync::new(tx, cache, &self.info, None);
                crate::sync::engine::redeem(&mut storage, &grant, &device)
            })?;
        }
        let (mut s, first) = self.sync_start()?;
        s.authenticate(peer.peer_info(), crate::sync::engine::certificate_of(peer));
        Ok((s, first))
    }

    /// [`Store::sync_accept`] for a peer met on an authenticated channel (see
    /// [`Store::sync_start_authenticated`]; a second phone of one pairing grant is refused at
    /// its first message, before anything is sent to it).
    pub fn sync_accept_authenticated(&self, peer: &Peer) -> SyncSession {
        crate::sync::engine::accept_authenticated(peer)
    }

    /// Refuses erasure on an enrolled store whose certificate does not allow it (an unenrolled
    /// store keeps the role rule alone).
    pub(crate) fn require_erase_permission(&self) -> Result<()> {
        if let Some(cert) = self.device_identity()?.certificate {
            if !cert.permissions.can_erase {
                return Err(Error::NotPermitted {
                    action: "erase a person without the erase permission",
                });
            }
        }
        Ok(())
    }

    /// Checks a peer's certificate against this store's trust root and revocation list now.
    ///
    /// # Errors
    /// [`Error::Untrusted`]: [`Refusal::NotEnrolled`] when this store is not enrolled, and
    /// every refusal of [`Certificate::decode`] and [`Certificate::verify`].
    pub fn verify_peer_certificate(&self, bytes: &[u8]) -> Result<Certificate> {
        let id = self.device_identity()?;
        let root = id.trust_root.ok_or(Refusal::NotEnrolled)?;
        let cert = Certificate::decode(bytes)?;
        cert.verify(&root, id.revocations.as_ref(), now_secs())?;
        Ok(cert)
    }

    /// On a link worker's enrolled store whose certificate allows enrolling patients: a pairing
    /// payload for `person` (who must be in this caseload) to show to the person's phone. The
    /// phone's certificate will last `days` days (at most as long as this device's own).
    /// Show the payload's [`PairingPayload::code`] beside it.
    ///
    /// # Errors
    /// [`Error::NotPermitted`] on a patient store; [`Error::NotFound`] for a person not in the
    /// caseload; [`Error::Untrusted`] with [`Refusal::NotEnrolled`] before enrolment,
    /// [`Refusal::MayNotEnrol`] without the permission, or when this device's certificate is
    /// expired or revoked; [`Error::InvalidInput`] (field `expires`) for 0 days.
    pub fn pair_patient(&self, person: Id, days: u32) -> Result<PairingPayload> {
        self.require_link_worker("enrol a patient's device")?;
        if days == 0 || days > crate::identity::organisation::MAX_VALIDITY_DAYS {
            return Err(Error::invalid("expires", "must be at least one day"));
        }
        if !self.read(|c| documents::has_person(c, person))?
            || self.read(|c| sync_state::is_erased(c, person))?
        {
            return Err(Error::not_found("person", person));
        }
        let id = self.device_identity()?;
        let (Some(cert), Some(root)) = (id.certificate, id.trust_root) else {
            return Err(Refusal::NotEnrolled.into());
        };
        let now = now_secs();
        cert.verify(&root, id.revocations.as_ref(), now)?;
        let key = self.read(identity::secret_key)?;
        let grant = PairingGrant::issue(
            &key,
            cert,
            person,
            now,
            now.saturating_add(i64::from(days) * 86_400),
        )?;
        drop(key);
        self.db.write(|tx, _| {
            identity::record_grant(
                tx,
                &grant.grant_id,
                &person.to_string(),
                grant.issued_at,
                grant.pair_by,
            )
        })?;
        Ok(PairingPayload { grant })
    }

    /// Creates a patient's store on their phone from a pairing payload shown by their link
    /// worker's device, after the patient confirmed the six-digit `code`: the store belongs to
    /// the payload's person, its device key is made, and its certificate (taking up the grant,
    /// signed by the new device key) and the organisation's trust root are installed.
    ///
    /// # Errors
    /// [`Error::Untrusted`]: a malformed or tampered payload, an issuer that may not enrol
    /// patients, [`Refusal::WrongCode`], [`Refusal::Expired`] (the pairing window of 15
    /// minutes, or the link worker's certificate, has passed); as [`Store::create`] otherwise.
    /// No file is created on an identity error.
    pub fn create_paired(
        path: impl AsRef<Path>,
        payload: &[u8],
        code: &str,
        user: &str,
        key: &StoreKey,
    ) -> Result<Store> {
        let payload = PairingPayload::decode(payload)?;
        let now = now_secs();
        payload.check(code, now)?;
        let new = NewStore {
            user: user.to_owned(),
            role: Role::Patient,
            person: Some(payload.grant.person),
        };
        let path = path.as_ref();
        let store = Store::create(path, new, key)?;
        let enrolled = store.read(identity::secret_key).and_then(|secret| {
            let cert = patient_certificate(
                &payload,
                &secret,
                store.info.store_id,
                store.info.user.clone(),
                now,
            );
            drop(secret);
            store.install_certificate(&cert.encode())
        });
        match enrolled {
            Ok(_) => Ok(store),
            Err(e) => {
                // A phone that could not be enrolled keeps no half-made store (it holds nothing).
                drop(store);
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_has_a_device_key_that_it_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let new = NewStore {
            user: "Asha".into(),
            role: Role::LinkWorker,
            person: None,
        };
        let store = Store::create(&path, new, &StoreKey::unencrypted()).unwrap();
        let key = store.device_key().unwrap();
        assert!(!store.device_identity().unwrap().is_enrolled());
        drop(store);
        let again = Store::open(&path, &StoreKey::unencrypted()).unwrap();
        assert_eq!(again.device_key().unwrap(), key);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod key_storage_tests {
    use super::*;
    use crate::identity::OrgSigner;

    fn new_lw() -> NewStore {
        NewStore {
            user: "Asha".into(),
            role: Role::LinkWorker,
            person: None,
        }
    }

    #[test]
    fn a_store_from_before_identity_gets_a_key_on_first_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        drop(Store::create(&path, new_lw(), &StoreKey::unencrypted()).unwrap());
        {
            // Play a store made before identity: no identity tables, an older format.
            // The version before the identity step, wherever the step sits.
            let before = crate::storage::migrations::STEPS
                .iter()
                .position(|sql| sql.contains("CREATE TABLE device_identity"))
                .unwrap();
            // Undo the identity step and every later one: drop the views and tables they
            // create (views first: a view over a dropped table stops later ALTERs).
            let later = &crate::storage::migrations::STEPS[before..];
            let created = |what: &str| -> Vec<String> {
                later
                    .iter()
                    .flat_map(|step| step.split(what).skip(1))
                    .filter_map(|rest| rest.split_whitespace().next())
                    .map(str::to_string)
                    .collect()
            };
            let tables = created("CREATE TABLE ");
            let mut sql = String::new();
            for view in created("CREATE VIEW ") {
                sql.push_str(&format!("DROP VIEW IF EXISTS {view};"));
            }
            for table in &tables {
                sql.push_str(&format!("DROP TABLE IF EXISTS {table};"));
            }
            for step in later {
                // Columns later steps added to older tables go too.
                for line in step.lines() {
                    let words: Vec<&str> = line.trim_end_matches(';').split_whitespace().collect();
                    if let ["ALTER", "TABLE", table, "ADD", "COLUMN", column, ..] = words[..] {
                        sql.push_str(&format!("ALTER TABLE {table} DROP COLUMN {column};"));
                    }
                    // Columns later steps moved to a table of their own come back (the store
                    // has no documents, so no values are needed), on tables still there.
                    if let ["ALTER", "TABLE", table, "DROP", "COLUMN", column] = words[..] {
                        if !tables.iter().any(|t| t == table) {
                            sql.push_str(&format!(
                                "ALTER TABLE {table} ADD COLUMN {column} ANY NOT NULL DEFAULT x'';"
                            ));
                        }
                    }
                }
            }
            crate::storage::execute_raw(&path, &format!("{sql} PRAGMA user_version = {before};"));
        }
        let s = Store::open(&path, &StoreKey::unencrypted()).unwrap();
        let key = s.device_key().unwrap();
        drop(s);
        let s = Store::open(&path, &StoreKey::unencrypted()).unwrap();
        assert_eq!(s.device_key().unwrap(), key, "made once, then kept");
    }

    #[test]
    fn the_secret_key_is_only_inside_the_encrypted_file_and_never_in_what_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("enc.db");
        let key = StoreKey::from_bytes(&[7u8; 32]).unwrap();
        let s = Store::create(&path, new_lw(), &key).unwrap();
        let secret = s.read(identity::secret_key).unwrap().to_secret_bytes();
        let org = OrgSigner::create("Org").unwrap();
        let request = s.certificate_request().unwrap();
        let cert = org
            .issue(
                &CertificateRequest::decode(&request).unwrap(),
                CertRole::LinkWorker,
                crate::identity::Permissions {
                    can_erase: false,
                    can_enrol_patients: true,
                },
                now_secs(),
                30,
            )
            .unwrap();
        s.install_certificate(&cert.encode()).unwrap();
        let person = s
            .add_person(crate::model::NewPerson {
                given_name: "Rose".into(),
                family_name: "Hill".into(),
                ..Default::default()
            })
            .unwrap();
        let pairing = s.pair_patient(person, 30).unwrap().encode();
        let debug = format!("{:?} {:?}", s.device_identity().unwrap(), s);
        drop(s);
        let mut file = std::fs::read(&path).unwrap();
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        file.extend(std::fs::read(wal).unwrap_or_default());
        let contains = |hay: &[u8]| hay.windows(32).any(|w| w == secret.as_slice());
        assert!(!contains(&file), "the secret key is stored encrypted");
        assert!(!contains(&request) && !contains(&pairing) && !contains(&cert.encode()));
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!debug.contains(&hex));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod claim_tests {
    use super::*;
    use crate::sync::engine::{check_claim, Hello};
    use crate::sync::PeerInfo;

    #[test]
    fn a_hello_must_say_what_the_certificate_proved() {
        let proven = PeerInfo {
            store_id: Id::new(),
            role: Role::Patient,
            person: Some(Id::new()),
        };
        let honest = Hello {
            store_id: proven.store_id,
            role: proven.role,
            person: proven.person,
        };
        check_claim(Some(&proven), &honest).unwrap();
        check_claim(None, &honest).unwrap();
        let refused = |h: Hello| match check_claim(Some(&proven), &h).unwrap_err() {
            Error::Untrusted(r) => r,
            other => panic!("{other:?}"),
        };
        let as_worker = Hello {
            role: Role::LinkWorker,
            person: None,
            ..honest.clone()
        };
        assert_eq!(refused(as_worker), Refusal::RoleMismatch);
        let other_person = Hello {
            person: Some(Id::new()),
            ..honest.clone()
        };
        assert_eq!(refused(other_person), Refusal::PersonMismatch);
        let other_store = Hello {
            store_id: Id::new(),
            ..honest
        };
        assert_eq!(refused(other_store), Refusal::OtherDevice);
    }
}
