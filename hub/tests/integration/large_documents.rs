//! A document larger than one WebSocket message (4 MiB) syncs phone → hub → second phone: the
//! sync message that carries it travels in parts both ways
//! (`linkwork_core::identity::sync_parts`), on SQLite and PostgreSQL.

use std::sync::Arc;

use linkwork_core::model::{DocKind, NewGoal};
use linkwork_core::{Id, Store};
use linkwork_hub::server::MAX_MESSAGE;
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::Hub;

use crate::common::*;
use crate::doc_sync::{heads, held, member, person};

/// Adds goals to `person`'s plan, each with 20,000 characters of pseudo-random detail (which
/// deflate cannot shrink much), until the saved plan is over `bytes`.
fn grow_plan(store: &Store, person: Id, bytes: usize) {
    let mut seed = 0;
    while store.export_document(person, DocKind::Plan).unwrap().len() <= bytes {
        for _ in 0..50 {
            seed += 1;
            store
                .add_goal(
                    person,
                    NewGoal {
                        text: "keep a diary".into(),
                        smart_detail: Some(random_text(seed, 20_000)),
                        needs: vec![],
                        target_date: None,
                    },
                )
                .unwrap();
        }
    }
}

async fn a_plan_over_one_frame_syncs_through_the_hub<S: HubStore>(hub: Hub<S>) {
    let ann = member(&hub, "ann", UserRole::LinkWorker, "North").await;
    let lena = member(&hub, "lena", UserRole::TeamLead, "North").await;
    let rose = person(&ann.phone.store, "Rose");
    grow_plan(&ann.phone.store, rose, MAX_MESSAGE + 256 * 1024);
    let tls = tls();
    let hub = Arc::new(hub);
    let (running, url) = start(Arc::clone(&hub), &tls, fast()).await;

    // Ann's phone sends it in parts (the core's HubSession, as the CLI and the apps run it),
    // the hub joins and stores it.
    let sent = hub_session_sync(&ann.phone.store, &url, &tls)
        .await
        .unwrap();
    assert!(sent.stats.bytes_sent > MAX_MESSAGE as u64);
    // The team lead's phone receives it in parts.
    let outcome = hub_session_sync(&lena.phone.store, &url, &tls)
        .await
        .unwrap();
    assert_eq!(outcome.changed, vec![rose]);
    assert_eq!(held(&lena.phone.store), vec![rose]);
    let saved = lena
        .phone
        .store
        .export_document(rose, DocKind::Plan)
        .unwrap();
    assert!(saved.len() > MAX_MESSAGE, "{} bytes", saved.len());
    for kind in [DocKind::Plan, DocKind::Case] {
        assert_eq!(
            heads(&ann.phone.store, rose, kind),
            heads(&lena.phone.store, rose, kind)
        );
    }
    assert!(outcome.stats.bytes_received > MAX_MESSAGE as u64);
    running.stop().await;
}

on_both_hubs!(
    a_plan_over_one_frame_syncs_through_the_embedded_hub,
    a_plan_over_one_frame_syncs_through_the_postgres_hub,
    a_plan_over_one_frame_syncs_through_the_hub
);
