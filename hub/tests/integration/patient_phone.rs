//! A patient's phone paired offline by a link worker's device, syncing through the hub over
//! the real `/connect` (TLS WebSocket, the authenticated channel), on SQLite and PostgreSQL:
//! admitted on the pairing chain, scoped to its person's plan both ways, never sent another
//! person's identifier in any frame, recorded and audited, and refused once it or the device
//! that paired it is revoked, or when another phone took up its grant first.

use std::sync::Arc;

use linkwork_core::identity::{Certificate, PairingPayload};
use linkwork_core::model::{DocKind, NewGoal, NewPerson, NewProgress};
use linkwork_core::{Id, Store};
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::Hub;

use crate::common::*;
use crate::doc_sync::{heads, held, member, paired_phone, sync_over_network};

/// What identifies a person in a frame besides their id: NHS number and names.
struct Someone {
    nhs: &'static str,
    given: &'static str,
    family: &'static str,
}

impl Someone {
    /// The identifiers of this person (whose id is `id`: its 16 bytes and its text) that
    /// `frames` contain, by name (empty: none).
    fn found_in(&self, id: Id, frames: &[Vec<u8>]) -> Vec<&'static str> {
        let id_text = id.to_string();
        let needles: [(&'static str, &[u8]); 5] = [
            ("id", id.as_bytes()),
            ("id text", id_text.as_bytes()),
            ("nhs number", self.nhs.as_bytes()),
            ("given name", self.given.as_bytes()),
            ("family name", self.family.as_bytes()),
        ];
        needles
            .into_iter()
            .filter(|(_, needle)| {
                frames
                    .iter()
                    .any(|f| f.windows(needle.len()).any(|w| w == *needle))
            })
            .map(|(what, _)| what)
            .collect()
    }
}

fn add(store: &Store, who: &Someone) -> Id {
    store
        .add_person(NewPerson {
            given_name: who.given.into(),
            family_name: who.family.into(),
            nhs_number: Some(who.nhs.into()),
            ..Default::default()
        })
        .unwrap()
}

/// Whether the hub refuses `phone` at `/connect` (closes the connection after the channel).
async fn refused(phone: &Store, url: &str, tls: &Tls) -> bool {
    matches!(
        connect(phone.channel_policy(false).unwrap(), url, tls).await,
        Connected::HubRefused { .. }
    )
}

fn paired(dir: &tempfile::TempDir, offer: &PairingPayload, name: &str) -> (Store, Certificate) {
    let (store, cert, _) = paired_phone(dir, offer, name);
    (store, cert)
}

async fn a_paired_phone_syncs_its_plan_through_the_hub<S: HubStore>(hub: Hub<S>) {
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let lena = member(&hub, "lena", UserRole::TeamLead, "North").await;
    let rose = add(
        &ann.phone.store,
        &Someone {
            nhs: "9434765919",
            given: "Roseanna",
            family: "Pemberton",
        },
    );
    let iris = Someone {
        nhs: "9434765870",
        given: "Iridessa",
        family: "Quarrington",
    };
    let iris_id = add(&ann.phone.store, &iris);
    let walk = ann
        .phone
        .store
        .add_goal(
            rose,
            NewGoal {
                text: "walk to the shops".into(),
                smart_detail: None,
                needs: vec![],
                target_date: None,
            },
        )
        .unwrap();
    let hub_cert = hub.certificate.clone();
    let tls = tls();
    let hub = Arc::new(hub);
    let (running, url) = start(Arc::clone(&hub), &tls, fast()).await;
    sync_over_network(&ann.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();

    // Rose's phone, paired offline at a home visit, syncs through the hub: her plan only.
    let offer = ann.phone.store.pair_patient(rose, 30).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (phone, cert) = paired(&dir, &offer, "rose.db");
    let frames = sync_over_network(&phone, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(held(&phone), vec![rose]);
    assert!(phone
        .documents()
        .unwrap()
        .iter()
        .all(|d| d.kind == DocKind::Plan));
    assert_eq!(phone.plan(rose).unwrap().goals.len(), 1);
    // No frame the hub sent names Iris in any way; the control: the team lead's first sync
    // (both people) does, so the scan finds what is there.
    assert_eq!(iris.found_in(iris_id, &frames), Vec::<&str>::new());
    let control = sync_over_network(&lena.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    let mut both = vec![rose, iris_id];
    both.sort();
    assert_eq!(held(&lena.phone.store), both);
    assert_eq!(
        iris.found_in(iris_id, &control),
        vec!["id", "id text", "nhs number", "given name", "family name"]
    );

    // The other way: her progress reaches Ann's phone through the hub.
    phone
        .record_progress(
            walk,
            NewProgress {
                rating: Some(7),
                note: Some("walked there and back".into()),
            },
        )
        .unwrap();
    let frames = sync_over_network(&phone, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(iris.found_in(iris_id, &frames), Vec::<&str>::new());
    sync_over_network(&ann.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(
        heads(&ann.phone.store, rose, DocKind::Plan),
        heads(&phone, rose, DocKind::Plan)
    );
    let progress = &ann.phone.store.plan(rose).unwrap().goals[0].progress;
    assert_eq!(progress.len(), 1);
    assert_eq!(progress[0].rating, Some(7));

    // The hub recorded the phone (listed, revocable) under Ann, who paired it, and audited
    // the pairing and every document it sent to the phone: Rose's plan, never anyone else's.
    let key = cert.device.to_hex();
    let device = hub
        .store
        .device(cert.device.as_bytes())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(device.person.as_deref(), Some(rose.to_string().as_str()));
    assert_eq!(device.user, "ann");
    assert_eq!(device.paired_by, Some(ann.cert.device.to_hex()));
    let log = hub.store.audit_log().await.unwrap();
    let pairs = events(&log, "pair");
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].entry.device.as_deref(), Some(key.as_str()));
    assert_eq!(pairs[0].entry.user.as_deref(), Some("ann"));
    let sent: Vec<_> = events(&log, "document-sent")
        .into_iter()
        .filter(|r| r.entry.device.as_deref() == Some(key.as_str()))
        .collect();
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|r| r.entry.person == Some(rose.to_string())
        && r.entry.detail.as_deref() == Some("plan")
        && r.entry.user.is_none()));
    assert!(events(&log, "changes-received")
        .iter()
        .any(|r| r.entry.device.as_deref() == Some(key.as_str())));

    // A second phone taking up the same offer (a photographed QR code) is refused at once.
    let (thief, _) = paired(&dir, &offer, "thief.db");
    assert!(refused(&thief, &url, &tls).await);
    assert!(thief.documents().unwrap().is_empty());
    let log = hub.store.audit_log().await.unwrap();
    assert!(events(&log, "authenticate-refused").iter().any(|r| r
        .entry
        .detail
        .as_deref()
        .is_some_and(|d| d.starts_with("pairing offer already taken up"))));

    // Revoking the phone refuses it; revoking the link worker's device refuses every phone it
    // paired (a second phone for Rose, admitted until then).
    let (second, _) = paired(
        &dir,
        &ann.phone.store.pair_patient(rose, 30).unwrap(),
        "2.db",
    );
    sync_over_network(&second, &hub_cert, &url, &tls)
        .await
        .unwrap();
    hub.revoke(&key).await.unwrap();
    assert!(refused(&phone, &url, &tls).await);
    assert!(!refused(&second, &url, &tls).await);
    hub.revoke(&ann.cert.device.to_hex()).await.unwrap();
    assert!(refused(&second, &url, &tls).await);
    running.stop().await;
}

on_both_hubs!(
    a_paired_phone_syncs_its_plan_through_the_embedded_hub,
    a_paired_phone_syncs_its_plan_through_the_postgres_hub,
    a_paired_phone_syncs_its_plan_through_the_hub
);

/// The hole this closes: any enrolled link worker's device could sign a pairing for anyone.
/// A phone's first admission needs its person in the caseload of the user whose device paired
/// it (a team lead's: their team's); refused (`NotInCaseload`, audited `pair-refused` without
/// names) otherwise, and for a person the hub does not know yet (until the link worker syncs
/// them). Once admitted, the phone keeps its plan when the person moves to another worker.
async fn a_phone_paired_outside_the_pairers_caseload_is_refused<S: HubStore>(hub: Hub<S>) {
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let bob = member(&hub, "bob", UserRole::LinkWorker, "South").await;
    let lena = member(&hub, "lena", UserRole::TeamLead, "North").await;
    hub.add_user("ada", UserRole::Admin, None).await.unwrap();
    let rose = add(
        &ann.phone.store,
        &Someone {
            nhs: "9434765919",
            given: "Roseanna",
            family: "Pemberton",
        },
    );
    let iris = add(
        &ann.phone.store,
        &Someone {
            nhs: "9434765870",
            given: "Iridessa",
            family: "Quarrington",
        },
    );
    let hub_cert = hub.certificate.clone();
    let tls = tls();
    let hub = Arc::new(hub);
    let (running, url) = start(Arc::clone(&hub), &tls, fast()).await;
    let dir = tempfile::tempdir().unwrap();

    // Paired before Ann's device ever synced Rose: the hub has her in nobody's caseload yet.
    let (early, early_cert) = paired(
        &dir,
        &ann.phone.store.pair_patient(rose, 30).unwrap(),
        "early.db",
    );
    let before = early.documents().unwrap().len();
    assert!(refused(&early, &url, &tls).await);
    assert_eq!(early.documents().unwrap().len(), before);
    sync_over_network(&ann.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    // Once she is in Ann's caseload, the same phone is admitted on its next try.
    sync_over_network(&early, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(held(&early), vec![rose]);

    // Iris moves to Bob; Ann's device still holds her copy (it has not synced since) and
    // signs a pairing for her: refused, audited, and the phone gets nothing.
    assert!(hub
        .move_person(&iris.to_string(), "bob", "ada")
        .await
        .unwrap());
    let (stolen, stolen_cert) = paired(
        &dir,
        &ann.phone.store.pair_patient(iris, 30).unwrap(),
        "stolen.db",
    );
    let before = stolen.plan(iris).ok().map(|p| p.goals.len());
    assert!(refused(&stolen, &url, &tls).await);
    assert_eq!(stolen.plan(iris).ok().map(|p| p.goals.len()), before);
    assert!(hub
        .store
        .device(stolen_cert.device.as_bytes())
        .await
        .unwrap()
        .is_none());
    let log = hub.store.audit_log().await.unwrap();
    let refusals = events(&log, "pair-refused");
    assert_eq!(refusals.len(), 2);
    let last = refusals[1];
    assert_eq!(
        last.entry.device.as_deref(),
        Some(stolen_cert.device.to_hex().as_str())
    );
    assert_eq!(last.entry.user.as_deref(), Some("ann"));
    assert_eq!(last.entry.person, Some(iris.to_string()));
    let detail = last.entry.detail.as_deref().unwrap();
    assert!(detail.starts_with("person not in the pairing user's caseload"));
    assert!(!detail.contains("Iridessa") && !detail.contains("9434765870"));
    assert_eq!(
        refusals[0].entry.device.as_deref(),
        Some(early_cert.device.to_hex().as_str())
    );
    assert!(events(&log, "pair")
        .iter()
        .all(|r| r.entry.device.as_deref() != Some(stolen_cert.device.to_hex().as_str())));

    // Bob, who holds Iris now, pairs her phone: admitted. Ann's team lead pairs a phone for
    // Rose (Ann's, in her team): admitted. Bob pairing for Rose (another team's): refused.
    sync_over_network(&bob.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    let (iris_phone, _) = paired(
        &dir,
        &bob.phone.store.pair_patient(iris, 30).unwrap(),
        "iris.db",
    );
    sync_over_network(&iris_phone, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(held(&iris_phone), vec![iris]);
    sync_over_network(&lena.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    let (by_lead, _) = paired(
        &dir,
        &lena.phone.store.pair_patient(rose, 30).unwrap(),
        "lead.db",
    );
    sync_over_network(&by_lead, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(held(&by_lead), vec![rose]);

    // Rose moves to Bob: the phone Ann paired keeps syncing her plan (her consent is to the
    // service, not to one worker), and receives what Bob adds.
    assert!(hub
        .move_person(&rose.to_string(), "bob", "ada")
        .await
        .unwrap());
    sync_over_network(&bob.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    add_goal(&bob.phone.store, rose, "join the walking group");
    sync_over_network(&bob.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    sync_over_network(&early, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(held(&early), vec![rose]);
    assert_eq!(early.plan(rose).unwrap().goals.len(), 1);
    running.stop().await;
}

on_both_hubs!(
    a_phone_paired_outside_the_pairers_caseload_is_refused_by_the_embedded_hub,
    a_phone_paired_outside_the_pairers_caseload_is_refused_by_the_postgres_hub,
    a_phone_paired_outside_the_pairers_caseload_is_refused
);
