//! Reassignment (`caseload move`) and "drop your copy" (issue 16), on the embedded SQLite hub
//! and on PostgreSQL: the new link worker's phone receives the person on its next sync; the old
//! one sends its unsynced changes first, then drops its copy (documents and projections, no
//! tombstone), tells its listeners, and is never offered the person again; a team lead of the
//! same team keeps them; the move and the drop are audited.

use std::sync::{Arc, Mutex};

use linkwork_core::model::{DocKind, NewGoal};
use linkwork_core::{ChangeListener, Id};
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::{Hub, HubError};

use crate::common::*;
use crate::doc_sync::{heads, held, member, mentions, person, sync_member};

#[derive(Default)]
struct Seen(Mutex<Vec<Id>>);

impl ChangeListener for Seen {
    fn people_changed(&self, people: &[Id]) {
        self.0.lock().unwrap().extend_from_slice(people);
    }
}

/// Moves `person` into the caseload of `to` as the admin "Ada Admin", with the
/// `linkwork-hub caseload move` command (another process, as an operator runs it).
pub(crate) fn move_by_cli(d: &Deployment, person: Id, to: &str) {
    let id = person.to_string();
    let args = ["caseload", "move", &id, "--to", to, "--by", "Ada Admin"];
    let out = hub_cli(d, &args);
    assert!(out.status.success(), "{out:?}");
}

async fn a_move_hands_the_person_over<S: HubStore>(d: &Deployment, hub: Hub<S>) {
    hub.add_user("Ada Admin", UserRole::Admin, None)
        .await
        .unwrap();
    let asha = member(&hub, "Asha Patel", UserRole::LinkWorker, "North").await;
    let ben = member(&hub, "Ben Ode", UserRole::LinkWorker, "North").await;
    let tess = member(&hub, "Tess Lead", UserRole::TeamLead, "North").await;
    let ivy = person(&asha.phone.store, "Ivy");
    let kept = person(&asha.phone.store, "Kit");
    sync_member(&hub, &asha).await;
    sync_member(&hub, &tess).await;
    sync_member(&hub, &ben).await;
    assert_eq!(held(&ben.phone.store), Vec::<Id>::new());
    assert!(held(&tess.phone.store).contains(&ivy));

    // Refusals change nothing.
    let id = ivy.to_string();
    assert!(matches!(
        hub.move_person(&id, "Ben Ode", "Asha Patel").await,
        Err(HubError::Invalid { .. })
    ));
    assert!(matches!(
        hub.move_person(&id, "Ada Admin", "Ada Admin").await,
        Err(HubError::Invalid { .. })
    ));
    assert!(matches!(
        hub.move_person(&Id::new().to_string(), "Ben Ode", "Ada Admin")
            .await,
        Err(HubError::NotFound("person"))
    ));
    assert!(matches!(
        hub.move_person(&id, "Nobody", "Ada Admin").await,
        Err(HubError::NotFound("user"))
    ));

    // Asha edits Ivy's plan after her last sync: the edit must reach the hub before she drops.
    asha.phone
        .store
        .add_goal(
            ivy,
            NewGoal {
                text: "Walk to the allotment".into(),
                smart_detail: None,
                needs: vec![],
                target_date: None,
            },
        )
        .unwrap();
    let last_heads = heads(&asha.phone.store, ivy, DocKind::Plan);

    // Moved by the admin, through the CLI (the same call as `Hub::move_person`).
    move_by_cli(d, ivy, "Ben Ode");
    assert!(hub
        .move_person(&id, "Ben Ode", "Ada Admin")
        .await
        .is_ok_and(|moved| !moved));

    let seen = Arc::new(Seen::default());
    let _sub = asha.phone.store.subscribe(seen.clone());
    sync_member(&hub, &asha).await;
    assert_eq!(held(&asha.phone.store), vec![kept]);
    assert!(asha.phone.store.person(ivy).is_err());
    assert!(asha.phone.store.erased_people().unwrap().is_empty());
    assert!(seen.0.lock().unwrap().contains(&ivy));

    // The new link worker receives Ivy with Asha's last edit; the team lead keeps her.
    sync_member(&hub, &ben).await;
    assert_eq!(held(&ben.phone.store), vec![ivy]);
    assert_eq!(heads(&ben.phone.store, ivy, DocKind::Plan), last_heads);
    sync_member(&hub, &tess).await;
    assert!(held(&tess.phone.store).contains(&ivy));
    assert_eq!(heads(&tess.phone.store, ivy, DocKind::Plan), last_heads);

    // Asha's next syncs never mention Ivy again (idempotent: nothing more to drop).
    let frames = sync_member(&hub, &asha).await;
    assert!(!mentions(&frames, ivy));
    assert_eq!(held(&asha.phone.store), vec![kept]);

    let log = hub.store.audit_log().await.unwrap();
    let moves = events(&log, "caseload-move");
    assert_eq!(moves.len(), 1);
    assert_eq!(moves[0].entry.user.as_deref(), Some("Ada Admin"));
    assert_eq!(moves[0].entry.person.as_deref(), Some(id.as_str()));
    assert_eq!(moves[0].entry.detail.as_deref(), Some("to Ben Ode"));
    let dropped = events(&log, "copy-dropped");
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].entry.user.as_deref(), Some("Asha Patel"));
    assert_eq!(dropped[0].entry.person.as_deref(), Some(id.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_move_hands_the_person_over_on_the_embedded_hub() {
    let (d, hub) = init_sqlite("Northside").await;
    a_move_hands_the_person_over(&d, hub).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_move_hands_the_person_over_on_postgres() {
    let Some((d, hub)) =
        init_postgres("a_move_hands_the_person_over_on_postgres", "Northside").await
    else {
        return;
    };
    a_move_hands_the_person_over(&d, hub).await;
}
