//! Live mode through the hub: devices stay connected after their catch-up sync
//! (`linkwork_core::hub_client::HubSession` over a real TLS WebSocket), and an edit one of them
//! sends reaches the others that share the document without their asking (the hub starts the
//! round when the document changes: an in-process broadcast on SQLite, `NOTIFY
//! linkwork_documents` between nodes on PostgreSQL). A device outside the caseload gets
//! nothing. The timeouts below only stop a hung test; nothing asserts how long anything took.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linkwork_core::hub_client::{HubPurpose, HubSession};
use linkwork_core::model::NewPerson;
use linkwork_core::{Id, Store};
use linkwork_hub::server::Running;
use linkwork_hub::store::{HubStore, UserRole};
use linkwork_hub::Hub;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

/// How long a test waits for something before it calls the hub hung.
const HANG: Duration = Duration::from_secs(30);

/// A phone connected live to a hub node.
struct LiveDevice {
    phone: Phone,
    key: String,
    ws: Ws,
    session: HubSession,
    /// People every frame from the hub changed here.
    changed: Vec<Id>,
}

async fn enrolled<S: HubStore>(hub: &Hub<S>, name: &str, role: UserRole, team: &str) -> Phone {
    crate::doc_sync::member(hub, name, role, team).await.phone
}

/// Connects `phone` to the node at `url` and runs the catch-up sync to completion, leaving the
/// connection open.
async fn go_live(phone: Phone, url: &str, tls: &Tls) -> LiveDevice {
    let key = phone
        .store
        .device_identity()
        .unwrap()
        .certificate
        .unwrap()
        .device
        .to_hex();
    let mut ws = ws(url, "/connect", tls).await;
    let (mut session, first) = HubSession::start(&phone.store, HubPurpose::Sync).unwrap();
    ws.send(Message::Binary(first.into())).await.unwrap();
    let mut changed = Vec::new();
    loop {
        let frame = next_frame(&mut ws).await.expect("the hub answers");
        let step = session.receive(&phone.store, &frame).unwrap();
        changed.extend(step.changed);
        for f in step.send {
            ws.send(Message::Binary(f.into())).await.unwrap();
        }
        if step.done {
            break;
        }
    }
    LiveDevice {
        phone,
        key,
        ws,
        session,
        changed,
    }
}

pub(crate) async fn next_frame(ws: &mut Ws) -> Option<Vec<u8>> {
    loop {
        match tokio::time::timeout(HANG, ws.next()).await.ok()?? {
            Ok(Message::Binary(b)) => return Some(b.to_vec()),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
}

/// Runs `d`'s side of live mode until `until` holds on its store: answers every frame from the
/// hub and, when `send_edits`, sends the store's edits as they happen (`HubSession::poll`).
/// A device that does not send its edits only ever answers the hub: whatever reaches it, the
/// hub started.
async fn pump(d: &mut LiveDevice, send_edits: bool, until: impl Fn(&Store) -> bool) {
    loop {
        if until(&d.phone.store) {
            return;
        }
        tokio::select! {
            message = d.ws.next() => match message {
                Some(Ok(Message::Binary(frame))) => {
                    let step = d.session.receive(&d.phone.store, &frame).unwrap();
                    d.changed.extend(step.changed);
                    for f in step.send {
                        d.ws.send(Message::Binary(f.into())).await.unwrap();
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("the hub closed the live connection: {other:?}"),
            },
            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                if send_edits {
                    if let Some(f) = d.session.poll(&d.phone.store).unwrap() {
                        d.ws.send(Message::Binary(f.into())).await.unwrap();
                    }
                }
            }
        }
    }
}

/// Runs `a` (sending its edits) and `b` (answering only) until `b` satisfies `until`.
async fn until_arrives(a: &mut LiveDevice, b: &mut LiveDevice, until: impl Fn(&Store) -> bool) {
    let both = async {
        tokio::select! {
            _ = pump(a, true, |_| false) => {}
            _ = pump(b, false, until) => {}
        }
    };
    tokio::time::timeout(HANG, both)
        .await
        .expect("the edit reached the other device through the hub");
}

fn person(store: &Store, given: &str) -> Id {
    store
        .add_person(NewPerson {
            given_name: given.into(),
            family_name: "Hill".into(),
            ..Default::default()
        })
        .unwrap()
}

fn has_goal(store: &Store, person: Id, text: &str) -> bool {
    store
        .plan(person)
        .is_ok_and(|plan| plan.goals.iter().any(|g| g.text == text))
}

fn held(store: &Store) -> Vec<Id> {
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

/// Ann (link worker) and Lena (her team lead) are in a consultation, each connected live (to
/// `url_a` and `url_b`: one node, or two nodes on one database); Cara, a link worker with her
/// own caseload, is connected live to `url_b` too. Ann's edits reach Lena with no request from
/// Lena's side, both ways round; Cara never receives Rose.
async fn edits_reach_the_other_device_live<S: HubStore, T: HubStore>(
    hub_a: &Hub<S>,
    hub_b: &Hub<T>,
    url_a: &str,
    url_b: &str,
    tls: &Tls,
) {
    let ann = enrolled(hub_a, "ann", UserRole::LinkWorker, "North").await;
    let lena = enrolled(hub_a, "lena", UserRole::TeamLead, "North").await;
    let cara = enrolled(hub_a, "cara", UserRole::LinkWorker, "South").await;
    let rose = person(&ann.store, "Rose");
    let iris = person(&cara.store, "Iris");

    let mut ann = go_live(ann, url_a, tls).await;
    let mut lena = go_live(lena, url_b, tls).await;
    let mut cara = go_live(cara, url_b, tls).await;
    // Lena connected after Ann's catch-up: she has Rose already; Cara has only Iris.
    assert_eq!(held(&lena.phone.store), vec![rose]);
    assert_eq!(held(&cara.phone.store), vec![iris]);
    lena.changed.clear();

    // Ann edits Rose's plan during the consultation: it reaches Lena's phone, which only
    // answers what the hub sends.
    add_goal(&ann.phone.store, rose, "walk to the shops");
    until_arrives(&mut ann, &mut lena, |s| {
        has_goal(s, rose, "walk to the shops")
    })
    .await;
    assert!(lena.changed.contains(&rose));

    // And back: Lena's edit reaches Ann the same way.
    add_goal(&lena.phone.store, rose, "join the walking group");
    until_arrives(&mut lena, &mut ann, |s| {
        has_goal(s, rose, "join the walking group")
    })
    .await;

    // Cara's own edit makes a round trip on her connection (the hub has had the announcements
    // of Rose's changes for her connection since before Lena received them): she never
    // received Rose.
    add_goal(&cara.phone.store, iris, "see the benefits adviser");
    let cara_key = cara.key.clone();
    let received_from_cara = || async {
        hub_b
            .store
            .audit_log()
            .await
            .unwrap()
            .iter()
            .filter(|r| {
                r.entry.event == "changes-received"
                    && r.entry.device.as_deref() == Some(cara_key.as_str())
            })
            .count()
    };
    let before = received_from_cara().await;
    tokio::time::timeout(HANG, async {
        while received_from_cara().await <= before {
            // A short turn of Cara's side: sends her edit, answers the hub.
            let turn = pump(&mut cara, true, |_| false);
            let _ = tokio::time::timeout(Duration::from_millis(100), turn).await;
        }
        // A last turn: whatever the hub sent her meanwhile is applied.
        let turn = pump(&mut cara, true, |_| false);
        let _ = tokio::time::timeout(Duration::from_millis(300), turn).await;
    })
    .await
    .expect("Cara's edit reached the hub");
    assert_eq!(held(&cara.phone.store), vec![iris]);
    assert!(!cara.changed.contains(&rose));
    let rose_text = rose.to_string();
    let log = hub_b.store.audit_log().await.unwrap();
    assert!(
        !log.iter().any(|r| r.entry.event == "document-sent"
            && r.entry.device.as_deref() == Some(cara_key.as_str())
            && r.entry.person.as_deref() == Some(rose_text.as_str())),
        "Rose is not in Cara's caseload"
    );

    // What the hub sent on its own initiative is audited like any other document sent.
    assert!(log.iter().any(|r| r.entry.event == "document-sent"
        && r.entry.device.as_deref() == Some(lena.key.as_str())
        && r.entry.person.as_deref() == Some(rose_text.as_str())));
}

/// Nodes of one hub deployment serving over TLS on loopback (one, or two on one PostgreSQL
/// database), stopped by [`Serving::stop`].
struct Serving {
    tls: Tls,
    nodes: Vec<Running>,
    urls: Vec<String>,
}

impl Serving {
    async fn start<S: HubStore>(hubs: &[&Arc<Hub<S>>]) -> Serving {
        let tls = tls();
        let (mut nodes, mut urls) = (Vec::new(), Vec::new());
        for hub in hubs {
            let (node, url) = start(Arc::clone(hub), &tls, fast()).await;
            nodes.push(node);
            urls.push(url);
        }
        Serving { tls, nodes, urls }
    }

    /// The first node's URL, and the last one's (the same with one node).
    fn urls(&self) -> (&str, &str) {
        let first = self.urls.first().map_or("", String::as_str);
        (first, self.urls.last().map_or(first, String::as_str))
    }

    async fn stop(self) {
        for node in self.nodes {
            node.stop().await;
        }
    }
}

#[tokio::test]
async fn live_edits_reach_the_other_device_through_one_hub_on_sqlite() {
    let (_d, hub) = init_sqlite("Northside").await;
    let hub = Arc::new(hub);
    let s = Serving::start(&[&hub]).await;
    let (a, b) = s.urls();
    edits_reach_the_other_device_live(&*hub, &*hub, a, b, &s.tls).await;
    s.stop().await;
}

#[tokio::test]
async fn live_edits_reach_the_other_device_through_one_hub_on_postgres() {
    let Some((_d, hub)) = init_postgres("live_one_node", "Northside").await else {
        return;
    };
    let hub = Arc::new(hub);
    let s = Serving::start(&[&hub]).await;
    let (a, b) = s.urls();
    edits_reach_the_other_device_live(&*hub, &*hub, a, b, &s.tls).await;
    s.stop().await;
}

#[tokio::test]
async fn live_edits_reach_a_device_on_another_node_of_the_postgres_database() {
    let Some((d, hub)) = init_postgres("live_two_nodes", "Northside").await else {
        return;
    };
    let hub = Arc::new(hub);
    let other = Arc::new(second_node(&d).await);
    let s = Serving::start(&[&hub, &other]).await;
    let (a, b) = s.urls();
    edits_reach_the_other_device_live(&*hub, &*other, a, b, &s.tls).await;
    s.stop().await;
}

/// Runs `a` and `b`, both only answering the hub, until both satisfy their conditions.
async fn until_both(
    a: &mut LiveDevice,
    until_a: impl Fn(&Store) -> bool,
    b: &mut LiveDevice,
    until_b: impl Fn(&Store) -> bool,
) {
    let both = async {
        tokio::join!(pump(a, false, until_a), pump(b, false, until_b));
    };
    tokio::time::timeout(HANG, both)
        .await
        .expect("the move reached both live devices");
}

/// Asha and Ben, link workers, are connected live (to `url_a` and `url_b`); the admin moves
/// Ivy from Asha's caseload to Ben's with the `linkwork-hub caseload move` command, another
/// process. Without reconnecting, and only answering what the hub sends, Asha's phone drops
/// its copy of Ivy (not erased: no tombstone) and Ben's receives her with Asha's edits; Kit
/// stays with Asha. The drop is audited.
async fn a_move_reaches_live_devices<S: HubStore>(
    d: &Deployment,
    hub: &Hub<S>,
    url_a: &str,
    url_b: &str,
    tls: &Tls,
) {
    hub.add_user("Ada Admin", UserRole::Admin, None)
        .await
        .unwrap();
    let asha = enrolled(hub, "Asha Patel", UserRole::LinkWorker, "North").await;
    let ben = enrolled(hub, "Ben Ode", UserRole::LinkWorker, "North").await;
    let ivy = person(&asha.store, "Ivy");
    let kit = person(&asha.store, "Kit");
    add_goal(&asha.store, ivy, "walk to the allotment");
    let mut asha = go_live(asha, url_a, tls).await;
    let mut ben = go_live(ben, url_b, tls).await;
    assert_eq!(held(&ben.phone.store), Vec::<Id>::new());
    asha.changed.clear();

    crate::caseload::move_by_cli(d, ivy, "Ben Ode");
    let id = ivy.to_string();

    until_both(
        &mut asha,
        |s| !held(s).contains(&ivy),
        &mut ben,
        |s| has_goal(s, ivy, "walk to the allotment"),
    )
    .await;
    assert_eq!(held(&asha.phone.store), vec![kit]);
    assert!(asha.changed.contains(&ivy));
    assert!(asha.phone.store.erased_people().unwrap().is_empty());
    assert_eq!(held(&ben.phone.store), vec![ivy]);

    // The acknowledgement reaches the hub (Asha's answer to its request): audited.
    let dropped = || async {
        hub.store
            .audit_log()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| {
                r.entry.event == "copy-dropped"
                    && r.entry.device.as_deref() == Some(asha.key.as_str())
                    && r.entry.person.as_deref() == Some(id.as_str())
            })
            .count()
    };
    tokio::time::timeout(HANG, async {
        while dropped().await == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the drop is audited");
    assert_eq!(dropped().await, 1);
}

#[tokio::test]
async fn a_caseload_move_reaches_live_devices_on_sqlite() {
    let (d, hub) = init_sqlite("Northside").await;
    let hub = Arc::new(hub);
    let s = Serving::start(&[&hub]).await;
    let (a, b) = s.urls();
    a_move_reaches_live_devices(&d, &*hub, a, b, &s.tls).await;
    s.stop().await;
}

#[tokio::test]
async fn a_caseload_move_reaches_live_devices_on_two_postgres_nodes() {
    let Some((d, hub)) = init_postgres("live_caseload_move", "Northside").await else {
        return;
    };
    let hub = Arc::new(hub);
    let other = Arc::new(second_node(&d).await);
    let s = Serving::start(&[&hub, &other]).await;
    let (a, b) = s.urls();
    a_move_reaches_live_devices(&d, &*hub, a, b, &s.tls).await;
    s.stop().await;
}
