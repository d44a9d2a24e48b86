//! "Drop your copy" on a device (issue 16, `sync::engine::drops`): honoured only from the
//! verified hub, only once the hub has every change of the person, and acknowledged.

use crate::ids::Id;
use crate::model::{NewPerson, Role};
use crate::store::test_support::test_store;
use crate::sync::wire::{Hello, Message};
use crate::sync::{PeerInfo, SyncSession};
use crate::{Error, Store};

fn hello_of(s: &Store) -> Hello {
    Hello {
        store_id: s.info.store_id,
        role: s.info.role,
        person: s.info.person,
    }
}

fn info_of(s: &Store) -> PeerInfo {
    PeerInfo {
        store_id: s.info.store_id,
        role: s.info.role,
        person: s.info.person,
    }
}

/// A session on `receiver` with `peer` proven on the channel with a certificate of role
/// `role_code`.
fn session(peer: &Store, role_code: &str) -> SyncSession {
    let mut s = SyncSession::default();
    s.authenticate(
        Some(info_of(peer)),
        Some(("peer".to_owned(), role_code.to_owned())),
    );
    s
}

fn drop_request(from: &Store, people: Vec<Id>) -> Vec<u8> {
    Message {
        hello: Some(hello_of(from)),
        drops: people,
        ..Message::default()
    }
    .encode()
}

fn person(s: &Store) -> Id {
    s.add_person(NewPerson {
        given_name: "Ivy".into(),
        family_name: "Hill".into(),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn a_drop_request_from_a_peer_phone_is_refused_and_drops_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = test_store(dir.path(), "a.db", "Asha", Role::LinkWorker);
    let b = test_store(dir.path(), "b.db", "Ben", Role::LinkWorker);
    let p = person(&a);
    for role in ["link-worker", "team-lead", "admin"] {
        let mut s = session(&b, role);
        let err = a
            .sync_receive(&mut s, &drop_request(&b, vec![p]))
            .unwrap_err();
        assert!(matches!(err, Error::NotPermitted { .. }), "{err:?}");
    }
    // Unauthenticated, too.
    let mut s = SyncSession::default();
    let err = a
        .sync_receive(&mut s, &drop_request(&b, vec![p]))
        .unwrap_err();
    assert!(matches!(err, Error::NotPermitted { .. }), "{err:?}");
    assert!(a.person(p).is_ok());
}

#[test]
fn a_drop_request_from_the_hub_waits_for_unsynced_changes_and_unknown_people_are_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let a = test_store(dir.path(), "a.db", "Asha", Role::LinkWorker);
    let hub = test_store(dir.path(), "hub.db", "Hub", Role::LinkWorker);
    let p = person(&a);
    let unknown = Id::new();
    let mut s = session(&hub, "hub");
    let step = a
        .sync_receive(&mut s, &drop_request(&hub, vec![p, unknown]))
        .unwrap();
    // Never synced with this hub: the hub lacks its changes, so the copy stays.
    assert!(a.person(p).is_ok());
    assert!(step.changed_people.is_empty());
    // The person it does not hold is acknowledged; the one it keeps is not.
    let reply = Message::decode(&step.reply.unwrap()).unwrap();
    assert_eq!(reply.drops, vec![unknown]);
}
