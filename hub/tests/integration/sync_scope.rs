//! What one sync step reads (issue 16, the hub's per-step load): only the documents and
//! signatures of the device's caseload and of the people it still holds pending a drop, on the
//! embedded SQLite hub and on PostgreSQL. A link worker's step never reads another caseload.

use linkwork_core::Id;
use linkwork_hub::store::{DocumentRow, HubStore, SyncData, SyncScope, SyncWrites, UserRole};
use linkwork_hub::sync::{Access, Device};
use linkwork_hub::Hub;

use crate::common::*;
use crate::doc_sync::{held, member, person, sync_member};

/// The people whose documents, and whose signatures, a step with `device` reads.
async fn read_by<S: HubStore>(hub: &Hub<S>, device: &Device) -> (Vec<String>, Vec<String>) {
    let data: SyncData = hub.store.sync_load(&device.sync_scope()).await.unwrap();
    let mut docs: Vec<String> = data.documents.into_iter().map(|d| d.person).collect();
    docs.dedup();
    let mut signed: Vec<String> = data.signatures.into_iter().map(|s| s.0).collect();
    signed.sort();
    signed.dedup();
    (docs, signed)
}

fn ids(people: &[Id]) -> Vec<String> {
    let mut out: Vec<String> = people.iter().map(Id::to_string).collect();
    out.sort();
    out
}

async fn a_step_reads_only_the_caseload<S: HubStore>(hub: Hub<S>) {
    hub.add_user("Ada Admin", UserRole::Admin, None)
        .await
        .unwrap();
    let asha = member(&hub, "Asha Patel", UserRole::LinkWorker, "North").await;
    let ben = member(&hub, "Ben Ode", UserRole::LinkWorker, "South").await;
    let tess = member(&hub, "Tess Lead", UserRole::TeamLead, "North").await;
    let ivy = person(&asha.phone.store, "Ivy");
    let kit = person(&asha.phone.store, "Kit");
    let sam = person(&ben.phone.store, "Sam");
    sync_member(&hub, &asha).await;
    sync_member(&hub, &ben).await;
    sync_member(&hub, &tess).await;
    assert_eq!(held(&tess.phone.store), {
        let mut v = vec![ivy, kit];
        v.sort();
        v
    });

    // Each link worker's step reads their own people only; the hub holds all three.
    let (docs, signed) = read_by(&hub, &asha.device).await;
    assert_eq!(docs, ids(&[ivy, kit]));
    assert!(!signed.is_empty(), "enrolled devices sign their changes");
    assert!(signed.iter().all(|p| docs.contains(p)), "{signed:?}");
    assert_eq!(read_by(&hub, &ben.device).await.0, ids(&[sam]));
    // A team lead's: their team's caseloads (Ben is in another team).
    assert_eq!(read_by(&hub, &tess.device).await.0, ids(&[ivy, kit]));
    // A patient's phone: its person; an admin's device: nothing.
    let patient = Device {
        access: Access::Patient { person: sam },
        key: "00".repeat(32),
        user: None,
        store_id: Id::new(),
    };
    assert_eq!(read_by(&hub, &patient).await, (ids(&[sam]), ids(&[sam])));
    let nothing = Device {
        access: Access::Nothing,
        ..patient.clone()
    };
    assert_eq!(read_by(&hub, &nothing).await, (vec![], vec![]));

    // Moved to Ben: Asha's device still reads Ivy while it holds her (pending the drop), then
    // no more; Ben's reads her at once.
    hub.move_person(&ivy.to_string(), "Ben Ode", "Ada Admin")
        .await
        .unwrap();
    assert_eq!(read_by(&hub, &asha.device).await.0, ids(&[ivy, kit]));
    assert_eq!(read_by(&hub, &ben.device).await.0, ids(&[ivy, sam]));
    sync_member(&hub, &asha).await;
    assert_eq!(held(&asha.phone.store), vec![kit]);
    assert_eq!(read_by(&hub, &asha.device).await.0, ids(&[kit]));
    // Tess (North) holds Ivy, now in a South caseload, until her device drops its copy too.
    assert_eq!(read_by(&hub, &tess.device).await.0, ids(&[ivy, kit]));
    sync_member(&hub, &tess).await;
    assert_eq!(held(&tess.phone.store), vec![kit]);
    assert_eq!(read_by(&hub, &tess.device).await.0, ids(&[kit]));

    // A document of a person the hub has no caseload row for would be shared with any device
    // that may bring new people, so such a device reads it when its message names the person
    // (probed by id: no step scans the stored documents); a patient's phone does not.
    let orphan = Id::new();
    hub.store
        .sync_commit(SyncWrites {
            peer: "elsewhere".into(),
            documents: vec![(
                DocumentRow {
                    person: orphan.to_string(),
                    kind: "plan".into(),
                    bytes: vec![1],
                    heads: vec![2; 32],
                },
                None,
            )],
            ..SyncWrites::default()
        })
        .await
        .unwrap();
    assert_eq!(read_by(&hub, &asha.device).await.0, ids(&[kit]));
    let naming = |device: &Device| SyncScope {
        mentioned: vec![orphan.to_string()],
        ..device.sync_scope()
    };
    let read = |data: SyncData| -> Vec<String> {
        let mut people: Vec<String> = data.documents.into_iter().map(|d| d.person).collect();
        people.dedup();
        people
    };
    let data = hub.store.sync_load(&naming(&asha.device)).await.unwrap();
    assert_eq!(read(data), ids(&[kit, orphan]));
    let data = hub.store.sync_load(&naming(&patient)).await.unwrap();
    assert_eq!(read(data), ids(&[sam]));
}

/// The caseload rows, users and certificates a step reads: its own caseload's and its team's,
/// plus the people and signers its message names; never the rest of the organisation.
async fn a_step_reads_only_its_rows<S: HubStore>(hub: Hub<S>) {
    let asha = member(&hub, "Asha Patel", UserRole::LinkWorker, "North").await;
    let ben = member(&hub, "Ben Ode", UserRole::LinkWorker, "South").await;
    let tess = member(&hub, "Tess Lead", UserRole::TeamLead, "North").await;
    let ivy = person(&asha.phone.store, "Ivy");
    let sam = person(&ben.phone.store, "Sam");
    sync_member(&hub, &asha).await;
    sync_member(&hub, &ben).await;
    let key = |m: &crate::doc_sync::Member| m.cert.device.as_bytes().to_vec();
    let rows = |data: &SyncData| {
        let mut people: Vec<String> = data.people.iter().map(|p| p.person.clone()).collect();
        people.sort();
        let mut users: Vec<String> = data.users.iter().map(|u| u.name.clone()).collect();
        users.sort();
        let mut certs: Vec<Vec<u8>> = data.certificates.iter().map(|c| c.0.clone()).collect();
        certs.sort();
        (people, users, certs)
    };

    // Asha's step: Ivy's row, her own user, the certificate of Ivy's signer (her device).
    let data = hub
        .store
        .sync_load(&asha.device.sync_scope())
        .await
        .unwrap();
    assert_eq!(
        rows(&data),
        (ids(&[ivy]), vec!["Asha Patel".to_owned()], vec![key(&asha)])
    );

    // A message of hers naming Sam and Ben's device (as one that sent Sam's documents would):
    // Sam's caseload row is read, so the step refuses him instead of taking him for someone
    // new to the hub; his documents are not read; Ben's certificate is.
    let scope = SyncScope {
        mentioned: vec![sam.to_string()],
        signers: vec![key(&ben)],
        ..asha.device.sync_scope()
    };
    let data = hub.store.sync_load(&scope).await.unwrap();
    let (people, users, certs) = rows(&data);
    assert_eq!(people, ids(&[ivy, sam]));
    assert_eq!(users, vec!["Asha Patel".to_owned()]);
    let mut both = vec![key(&asha), key(&ben)];
    both.sort();
    assert_eq!(certs, both);
    let docs: Vec<String> = data.documents.iter().map(|d| d.person.clone()).collect();
    assert!(!docs.contains(&sam.to_string()), "{docs:?}");

    // A team lead's step: the team's users and caseloads (Ben is in another team).
    let data = hub
        .store
        .sync_load(&tess.device.sync_scope())
        .await
        .unwrap();
    let (people, users, _) = rows(&data);
    assert_eq!(people, ids(&[ivy]));
    assert_eq!(users, vec!["Asha Patel".to_owned(), "Tess Lead".to_owned()]);

    // Tombstones: those of the step's caseload and of the people its message names.
    hub.store
        .sync_commit(SyncWrites {
            peer: "elsewhere".into(),
            erased: vec![
                (ivy.to_string(), 1_000, None),
                (sam.to_string(), 2_000, None),
            ],
            ..SyncWrites::default()
        })
        .await
        .unwrap();
    let erased = |data: &SyncData| -> Vec<String> {
        let mut people: Vec<String> = data.tombstones.iter().map(|t| t.0.clone()).collect();
        people.sort();
        people
    };
    let store = &hub.store;
    let read = |scope: SyncScope| async move { store.sync_load(&scope).await.unwrap() };
    assert_eq!(erased(&read(asha.device.sync_scope()).await), ids(&[ivy]));
    assert_eq!(erased(&read(ben.device.sync_scope()).await), ids(&[sam]));
    assert_eq!(erased(&read(tess.device.sync_scope()).await), ids(&[ivy]));
    let naming_sam = SyncScope {
        mentioned: vec![sam.to_string()],
        ..asha.device.sync_scope()
    };
    assert_eq!(erased(&read(naming_sam).await), ids(&[ivy, sam]));

    // Grant redemptions: those of the grants the step names (a paired phone's own, the
    // certificates its message carries), never the organisation's.
    let (g1, g2) = (vec![1u8; 16], vec![2u8; 16]);
    hub.store
        .sync_commit(SyncWrites {
            peer: "elsewhere".into(),
            redemptions: vec![(g1.clone(), vec![7; 32]), (g2.clone(), vec![8; 32])],
            ..SyncWrites::default()
        })
        .await
        .unwrap();
    assert!(read(asha.device.sync_scope()).await.redemptions.is_empty());
    let naming_g1 = SyncScope {
        grants: vec![g1.clone(), vec![3; 16]],
        ..asha.device.sync_scope()
    };
    assert_eq!(read(naming_g1).await.redemptions, vec![(g1, vec![7; 32])]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_reads_only_its_rows_on_the_embedded_hub() {
    let (_d, hub) = init_sqlite("Northside").await;
    a_step_reads_only_its_rows(hub).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_reads_only_its_rows_on_postgres() {
    let Some((_d, hub)) =
        init_postgres("a_step_reads_only_its_rows_on_postgres", "Northside").await
    else {
        return;
    };
    a_step_reads_only_its_rows(hub).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_reads_only_the_caseload_on_the_embedded_hub() {
    let (_d, hub) = init_sqlite("Northside").await;
    a_step_reads_only_the_caseload(hub).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_reads_only_the_caseload_on_postgres() {
    let Some((_d, hub)) =
        init_postgres("a_step_reads_only_the_caseload_on_postgres", "Northside").await
    else {
        return;
    };
    a_step_reads_only_the_caseload(hub).await;
}
