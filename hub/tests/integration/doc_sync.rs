//! Document sync through the hub, in process: phones (core stores) run their sync sessions
//! against the hub's side (the core's sync engine over the hub's storage,
//! `linkwork_hub::sync`), on the embedded SQLite database and on PostgreSQL. Convergence,
//! caseload access control both ways, and the audit of what was sent and received.

use std::sync::Arc;

use automerge::Automerge;
use futures_util::SinkExt;
use linkwork_core::identity::enrolment::{DeviceMessage, EnrolReply, EnrolRequest, HubMessage};
use linkwork_core::identity::sync_parts::{SyncJoin, MAX_JOINED_BYTES};
use linkwork_core::identity::{Certificate, PairingPayload, Peer, Refusal};
use linkwork_core::model::{DocKind, NewGoal, NewPerson};
use linkwork_core::sync::engine;
use linkwork_core::{Error, Id, Store, StoreKey};
use linkwork_hub::store::{hex, HubStore, UserRole};
use linkwork_hub::sync::{Access, Device};
use linkwork_hub::{Hub, HubError};
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

pub(crate) struct Member {
    pub(crate) phone: Phone,
    pub(crate) cert: Certificate,
    pub(crate) device: Device,
}

pub(crate) async fn member<S: HubStore>(
    hub: &Hub<S>,
    name: &str,
    role: UserRole,
    team: &str,
) -> Member {
    hub.add_user(name, role, Some(team)).await.unwrap();
    let code = hub.invite(name, 1).await.unwrap().0;
    let phone = phone(name);
    let request = EnrolRequest {
        code,
        request: phone.store.certificate_request().unwrap(),
    };
    let EnrolReply::Enrolled {
        certificate,
        trust_root,
    } = hub.enrol(&request.encode(), "test").await
    else {
        panic!("enrolment refused");
    };
    let cert = phone
        .store
        .install_enrolment(&certificate, &trust_root)
        .unwrap();
    let user = hub.store.user_by_name(name).await.unwrap();
    let device = Device {
        access: Access::of(&cert, user.as_ref()),
        key: hex(cert.device.as_bytes()),
        user: Some(name.into()),
        store_id: cert.store_id,
    };
    Member {
        phone,
        cert,
        device,
    }
}

/// Runs one session from `store` (whose device is `device`, certificate `cert`) to the hub.
/// Returns every frame the hub sent.
pub(crate) async fn sync<S: HubStore>(
    hub: &Hub<S>,
    store: &Store,
    cert: &Certificate,
    device: &Device,
) -> Result<Vec<Vec<u8>>, HubError> {
    let (mut sp, first) = store
        .sync_start_authenticated(&Peer::Verified(Box::new(hub.certificate.clone())))
        .unwrap();
    let mut sh = engine::accept_authenticated(&Peer::Verified(Box::new(cert.clone())));
    let mut frames = Vec::new();
    let mut msg = Some(first);
    let mut to_hub = true;
    while let Some(m) = msg.take() {
        msg = if to_hub {
            let r = linkwork_hub::sync::receive(hub, device, &mut sh, &m).await?;
            frames.extend(r.reply.clone());
            r.reply
        } else {
            store.sync_receive(&mut sp, &m).unwrap().reply
        };
        to_hub = !to_hub;
    }
    Ok(frames)
}

pub(crate) async fn sync_member<S: HubStore>(hub: &Hub<S>, m: &Member) -> Vec<Vec<u8>> {
    sync(hub, &m.phone.store, &m.cert, &m.device).await.unwrap()
}

pub(crate) fn person(store: &Store, given: &str) -> Id {
    store
        .add_person(NewPerson {
            given_name: given.into(),
            family_name: "Hill".into(),
            ..Default::default()
        })
        .unwrap()
}

pub(crate) fn held(store: &Store) -> Vec<Id> {
    let mut people: Vec<Id> = store
        .documents()
        .unwrap()
        .into_iter()
        .map(|d| d.person_id)
        .collect();
    people.sort();
    people.dedup();
    people
}

pub(crate) fn mentions(frames: &[Vec<u8>], person: Id) -> bool {
    let id = person.as_bytes();
    let text = person.to_string();
    frames.iter().any(|f| {
        f.windows(16).any(|w| w == id) || f.windows(text.len()).any(|w| w == text.as_bytes())
    })
}

pub(crate) fn heads(store: &Store, person: Id, kind: DocKind) -> Vec<automerge::ChangeHash> {
    let mut heads = Automerge::load(&store.export_document(person, kind).unwrap())
        .unwrap()
        .get_heads();
    heads.sort();
    heads
}

fn sorted(mut ids: Vec<Id>) -> Vec<Id> {
    ids.sort();
    ids
}

async fn team_converges_within_caseloads<S: HubStore>(d: &Deployment, hub: Hub<S>) {
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let bob = member(&hub, "bob", UserRole::LinkWorker, "North").await;
    let lead = member(&hub, "lena", UserRole::TeamLead, "North").await;
    let admin = member(&hub, "ada", UserRole::Admin, "North").await;
    let rose = person(&ann.phone.store, "Rose");
    let iris = person(&bob.phone.store, "Iris");

    sync_member(&hub, &ann).await;
    sync_member(&hub, &bob).await;
    let to_lead = sync_member(&hub, &lead).await;
    assert_eq!(held(&lead.phone.store), sorted(vec![rose, iris]));
    assert!(mentions(&to_lead, rose) && mentions(&to_lead, iris));

    // The team lead edits Rose's plan; Ann gets the edit, Bob never hears of Rose.
    lead.phone
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
    sync_member(&hub, &lead).await;
    let to_ann = sync_member(&hub, &ann).await;
    let to_bob = sync_member(&hub, &bob).await;
    assert_eq!(held(&ann.phone.store), vec![rose]);
    assert_eq!(held(&bob.phone.store), vec![iris]);
    assert!(!mentions(&to_ann, iris), "Ann never receives Bob's person");
    assert!(!mentions(&to_bob, rose), "Bob never receives Ann's person");
    for kind in [DocKind::Plan, DocKind::Case] {
        assert_eq!(
            heads(&ann.phone.store, rose, kind),
            heads(&lead.phone.store, rose, kind)
        );
        assert_eq!(
            heads(&bob.phone.store, iris, kind),
            heads(&lead.phone.store, iris, kind)
        );
    }

    // An admin's device receives no clinical document.
    let to_admin = sync_member(&hub, &admin).await;
    assert!(held(&admin.phone.store).is_empty());
    assert!(!mentions(&to_admin, rose) && !mentions(&to_admin, iris));

    // Out of caseload, the other way: Bob's phone gets Rose's plan by another route and syncs;
    // the hub refuses the whole message and stores nothing of it.
    let before = hub.store.audit_log().await.unwrap().len();
    bob.phone
        .store
        .import_document(
            &ann.phone
                .store
                .export_document(rose, DocKind::Plan)
                .unwrap(),
        )
        .unwrap();
    let refused = sync(&hub, &bob.phone.store, &bob.cert, &bob.device)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, HubError::Core(Error::NotPermitted { .. })),
        "{refused:?}"
    );
    let log = hub.store.audit_log().await.unwrap();
    assert!(
        log[before..]
            .iter()
            .all(|r| r.entry.event != "changes-received"),
        "nothing of the refused message was stored"
    );

    // The audit says who had Rose's record: Ann and the team lead, never Bob or the admin.
    let rose_text = rose.to_string();
    let about_rose = |r: &&linkwork_hub::store::AuditRecord| {
        r.entry.person.as_deref() == Some(rose_text.as_str())
    };
    let had: Vec<&str> = events(&log, "document-sent")
        .into_iter()
        .filter(about_rose)
        .filter_map(|r| r.entry.user.as_deref())
        .collect();
    assert!(had.contains(&"lena") && had.contains(&"ann"), "{had:?}");
    assert!(!had.contains(&"bob") && !had.contains(&"ada"), "{had:?}");
    let changed: Vec<&str> = events(&log, "changes-received")
        .into_iter()
        .filter(about_rose)
        .filter_map(|r| r.entry.user.as_deref())
        .collect();
    assert!(
        changed.contains(&"ann") && changed.contains(&"lena"),
        "{changed:?}"
    );

    // `linkwork-hub audit --person` answers the same from the command line.
    let out = hub_cli(d, &["audit", "--person", &rose_text, "--json"]);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected = log.iter().filter(about_rose).count();
    assert!(expected > 0);
    assert_eq!(lines.len(), expected);
    assert!(lines.iter().all(|l| l["person"] == rose_text.as_str()));
    assert!(lines
        .iter()
        .all(|l| l["user"] != "bob" && l["user"] != "ada"));
}

/// A patient's phone paired from `offer` (store file `name` in `dir`), with its certificate
/// and the device the hub sees.
pub(crate) fn paired_phone(
    dir: &tempfile::TempDir,
    offer: &PairingPayload,
    name: &str,
) -> (Store, Certificate, Device) {
    let phone = Store::create_paired(
        dir.path().join(name),
        &offer.encode(),
        &offer.code(),
        "Rose",
        &StoreKey::unencrypted(),
    )
    .unwrap();
    let cert = phone.device_identity().unwrap().certificate.unwrap();
    let device = Device {
        access: Access::of(&cert, None),
        key: hex(cert.device.as_bytes()),
        user: None,
        store_id: cert.store_id,
    };
    (phone, cert, device)
}

async fn a_patients_phone_gets_only_its_plan<S: HubStore>(hub: Hub<S>) {
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let rose = person(&ann.phone.store, "Rose");
    let iris = person(&ann.phone.store, "Iris");
    sync_member(&hub, &ann).await;
    let offer = ann.phone.store.pair_patient(rose, 30).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (patient, cert, device) = paired_phone(&dir, &offer, "rose.db");
    assert_eq!(device.access, Access::Patient { person: rose });
    let frames = sync(&hub, &patient, &cert, &device).await.unwrap();
    assert!(!mentions(&frames, iris), "no frame names another person");
    assert_eq!(held(&patient), vec![rose]);
    assert!(patient
        .documents()
        .unwrap()
        .iter()
        .all(|d| d.kind == DocKind::Plan));

    // A second phone taking up the same offer (a photographed QR code) is refused: the hub
    // recorded the first phone as the grant's holder, and sends the second nothing.
    let (thief, thief_cert, thief_device) = paired_phone(&dir, &offer, "thief.db");
    let refused = sync(&hub, &thief, &thief_cert, &thief_device)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            HubError::Core(Error::Untrusted(Refusal::GrantUsed))
        ),
        "{refused:?}"
    );
    assert!(thief.documents().unwrap().is_empty());
    // The first phone still syncs.
    sync(&hub, &patient, &cert, &device).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_converges_through_the_embedded_hub_within_caseloads() {
    let (d, hub) = init_sqlite("Northside").await;
    team_converges_within_caseloads(&d, hub).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_converges_through_the_postgres_hub_within_caseloads() {
    let Some((d, hub)) = init_postgres(
        "a_team_converges_through_the_postgres_hub_within_caseloads",
        "Northside",
    )
    .await
    else {
        return;
    };
    team_converges_within_caseloads(&d, hub).await;
}

on_both_hubs!(
    a_patients_phone_gets_only_its_plan_through_the_embedded_hub,
    a_patients_phone_gets_only_its_plan_through_the_postgres_hub,
    a_patients_phone_gets_only_its_plan
);

/// One sync session over the hub's `/connect` (TLS WebSocket, the authenticated channel), as
/// `linkwork hub sync` runs it (a sync message larger than a frame in parts, both ways). Returns
/// every message the hub sent, as the channel opened it (the revocation list first); `Err`
/// when the hub closed the connection mid-session.
pub(crate) async fn sync_over_network(
    store: &Store,
    hub_cert: &Certificate,
    url: &str,
    tls: &Tls,
) -> Result<Vec<Vec<u8>>, ()> {
    let Connected::Open(mut live, revocations) =
        connect(store.channel_policy(false).unwrap(), url, tls).await
    else {
        panic!("an enrolled phone is admitted");
    };
    let mut received = vec![revocations.encode()];
    let (mut session, first) = store
        .sync_start_authenticated(&Peer::Verified(Box::new(hub_cert.clone())))
        .unwrap();
    let mut outgoing = Some(first);
    let mut join = SyncJoin::new(MAX_JOINED_BYTES);
    loop {
        if let Some(bytes) = outgoing.take() {
            for part in DeviceMessage::sync_parts(bytes) {
                let frame = live.channel.seal(&part.encode()).unwrap();
                live.ws.send(Message::Binary(frame.into())).await.unwrap();
            }
        }
        let plain = live.next_plain().await.ok_or(())?;
        received.push(plain.clone());
        match HubMessage::decode(&plain).unwrap() {
            HubMessage::SyncPart(part) => join.part(&part).unwrap(),
            HubMessage::Sync(last) => {
                let bytes = join.last(last).unwrap();
                let step = store.sync_receive(&mut session, &bytes).unwrap();
                match step.reply {
                    Some(reply) => outgoing = Some(reply),
                    None => {
                        assert!(step.complete);
                        return Ok(received);
                    }
                }
            }
            HubMessage::SyncDone => {
                assert!(session.is_complete());
                return Ok(received);
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_sync_through_the_connection_and_refusals_close_it() {
    let (_d, hub) = init_sqlite("Northside").await;
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let bob = member(&hub, "bob", UserRole::LinkWorker, "North").await;
    let lead = member(&hub, "lena", UserRole::TeamLead, "North").await;
    let hub_cert = hub.certificate.clone();
    let tls = tls();
    let hub = Arc::new(hub);
    let (running, url) = start(Arc::clone(&hub), &tls, fast()).await;
    let rose = person(&ann.phone.store, "Rose");
    sync_over_network(&ann.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    sync_over_network(&lead.phone.store, &hub_cert, &url, &tls)
        .await
        .unwrap();
    assert_eq!(held(&lead.phone.store), vec![rose]);
    for kind in [DocKind::Plan, DocKind::Case] {
        assert_eq!(
            heads(&ann.phone.store, rose, kind),
            heads(&lead.phone.store, rose, kind)
        );
    }
    // Bob's phone brings Rose, outside his caseload: refused, audited, the connection closed.
    bob.phone
        .store
        .import_document(
            &ann.phone
                .store
                .export_document(rose, DocKind::Plan)
                .unwrap(),
        )
        .unwrap();
    assert!(sync_over_network(&bob.phone.store, &hub_cert, &url, &tls)
        .await
        .is_err());
    let log = hub.store.audit_log().await.unwrap();
    let refused = events(&log, "sync-refused");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].entry.user.as_deref(), Some("bob"));
    running.stop().await;
}

/// Two sync steps read the same document; the first commits; the second, built on what it
/// read, must not overwrite the first's changes.
async fn a_stale_step_stores_nothing<S: HubStore>(hub: Hub<S>) {
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let rose = person(&ann.phone.store, "Rose");
    sync_member(&hub, &ann).await;
    let reader = linkwork_hub::store::SyncScope {
        peer: "reader".into(),
        ..ann.device.sync_scope()
    };
    let data = hub.store.sync_load(&reader).await.unwrap();
    let plan = data
        .documents
        .iter()
        .find(|d| d.kind == "plan")
        .unwrap()
        .clone();
    let stale = || linkwork_hub::store::SyncWrites {
        peer: "reader".into(),
        documents: vec![(
            linkwork_hub::store::DocumentRow {
                bytes: vec![1, 2, 3],
                heads: vec![9; 32],
                ..plan.clone()
            },
            Some(plan.heads.clone()),
        )],
        states: vec![(rose.to_string(), "plan".into(), vec![7])],
        ..Default::default()
    };
    // Another step changes the plan first.
    hub.store.sync_commit(stale()).await.unwrap();
    let err = hub.store.sync_commit(stale()).await.unwrap_err();
    assert!(matches!(err, HubError::Concurrent), "{err:?}");
    // A document that another step created meanwhile is not overwritten either.
    let created = linkwork_hub::store::SyncWrites {
        documents: vec![(plan.clone(), None)],
        ..stale()
    };
    let err = hub.store.sync_commit(created).await.unwrap_err();
    assert!(matches!(err, HubError::Concurrent), "{err:?}");
    let now = hub.store.sync_load(&reader).await.unwrap();
    let stored = now.documents.iter().find(|d| d.kind == "plan").unwrap();
    assert_eq!(stored.heads, vec![9; 32], "the first step's write stands");
    assert_eq!(now.states.len(), 1, "the refused commit stored nothing");
}

on_both_hubs!(
    a_stale_step_stores_nothing_on_the_embedded_hub,
    a_stale_step_stores_nothing_on_postgres,
    a_stale_step_stores_nothing
);

#[tokio::test(flavor = "multi_thread")]
async fn two_hub_nodes_on_one_postgres_database_converge() {
    let Some((d, hub)) = init_postgres(
        "two_hub_nodes_on_one_postgres_database_converge",
        "Northside",
    )
    .await
    else {
        return;
    };
    let other = second_node(&d).await;
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let lead = member(&hub, "lena", UserRole::TeamLead, "North").await;
    let rose = person(&ann.phone.store, "Rose");
    sync_member(&hub, &ann).await;
    sync_member(&other, &lead).await;
    assert_eq!(held(&lead.phone.store), vec![rose]);
    lead.phone
        .store
        .add_goal(
            rose,
            NewGoal {
                text: "join the walking group".into(),
                smart_detail: None,
                needs: vec![],
                target_date: None,
            },
        )
        .unwrap();
    sync_member(&other, &lead).await;
    sync_member(&hub, &ann).await;
    for kind in [DocKind::Plan, DocKind::Case] {
        assert_eq!(
            heads(&ann.phone.store, rose, kind),
            heads(&lead.phone.store, rose, kind)
        );
    }
}
