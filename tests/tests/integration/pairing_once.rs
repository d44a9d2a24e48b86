//! A pairing offer enrols one phone: the first phone seen taking up a grant holds it, and a
//! second phone presenting the same grant (a photographed QR code taken up within its 15
//! minutes) is refused by the link worker's store and, once the first phone's certificate
//! reached them by sync, by the rest of the team. Each case passes without the check it names.

use linkwork_core::identity::{CertRole, CertificateRequest, OrgSigner, Permissions, Refusal};
use linkwork_core::model::{NewGoal, NewProgress};
use linkwork_core::{Error, Id, Store, StoreKey};
use linkwork_tests::*;

use crate::roles::identity::channel::{open, sync_bound};

const ALL: Permissions = Permissions {
    can_erase: true,
    can_enrol_patients: true,
};

fn enrol(org: &OrgSigner, s: &Store) {
    let request = CertificateRequest::decode(&s.certificate_request().unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let cert = org
        .issue(&request, CertRole::LinkWorker, ALL, now, 30)
        .unwrap();
    s.install_certificate(&cert.encode()).unwrap();
}

/// Opens an authenticated channel from `a` to `b` and runs a whole sync session inside it.
fn sync(a: &Store, b: &Store) -> Result<(), Error> {
    let (pa, pb) = open(a, b)?;
    sync_bound(a, &pa, b, &pb)
}

fn refused(result: Result<(), Error>) -> Refusal {
    match result.unwrap_err() {
        Error::Untrusted(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A phone paired from `offer` (the same offer may be taken up by several phones offline).
fn phone(dir: &TestDir, name: &str, offer: &linkwork_core::identity::PairingPayload) -> Store {
    Store::create_paired(
        dir.path(name),
        &offer.encode(),
        &offer.code(),
        "Rose",
        &StoreKey::unencrypted(),
    )
    .unwrap()
}

fn holds_nothing(s: &Store, person: Id) -> bool {
    s.plan(person).is_err() && s.documents().unwrap().is_empty()
}

#[test]
fn a_second_phone_taking_up_one_offer_is_refused_by_the_link_workers_store() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let sam = dir.link_worker("sam.db", "Sam");
    enrol(&org, &sam);
    let rose = add_person(&sam, "Rose", "Hill");
    let offer = sam.pair_patient(rose, 30).unwrap();
    let first = phone(&dir, "first.db", &offer);
    let second = phone(&dir, "second.db", &offer);

    sync(&first, &sam).unwrap();
    first.plan(rose).unwrap();
    // The second phone connecting, and Sam's device connecting to it: refused before any
    // document is sent, either way.
    assert_eq!(refused(sync(&second, &sam)), Refusal::GrantUsed);
    assert_eq!(refused(sync(&sam, &second)), Refusal::GrantUsed);
    assert!(holds_nothing(&second, rose));
    // The first phone keeps syncing.
    sync(&sam, &first).unwrap();
    sync(&first, &sam).unwrap();
    assert!(sam
        .peers()
        .unwrap()
        .iter()
        .all(|p| p.store_id != second.info().store_id));
}

#[test]
fn once_the_first_phones_certificate_reached_a_colleague_the_colleague_refuses_a_second_phone() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let sam = dir.link_worker("sam.db", "Sam");
    let kim = dir.link_worker("kim.db", "Kim");
    enrol(&org, &sam);
    enrol(&org, &kim);
    let rose = add_person(&sam, "Rose", "Hill");
    let walk = sam
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
    sync(&sam, &kim).unwrap();
    let offer = sam.pair_patient(rose, 30).unwrap();
    let first = phone(&dir, "first.db", &offer);
    let second = phone(&dir, "second.db", &offer);

    // Rose's phone syncs with Sam and records progress; Sam syncs with Kim, and Rose's signed
    // change brings her phone's certificate (and so its grant) to Kim.
    sync(&first, &sam).unwrap();
    first
        .record_progress(
            walk,
            NewProgress {
                rating: Some(6),
                note: None,
            },
        )
        .unwrap();
    sync(&first, &sam).unwrap();
    sync(&sam, &kim).unwrap();

    // Kim has never met either phone, yet refuses the second.
    assert_eq!(refused(sync(&second, &kim)), Refusal::GrantUsed);
    assert!(holds_nothing(&second, rose));
    sync(&first, &kim).unwrap();
}
