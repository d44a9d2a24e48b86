//! Attributable changes (ADR 0007) between enrolled stores over the authenticated channel: a
//! link worker's plan edit relayed by a patient's phone verifies at a colleague who never met
//! its author, history shows who is proven to have made each change, and an erasure needs a
//! signer allowed to erase. The forged-message refusals (a patient's signature on a link
//! worker's field relayed by a link worker, missing or bad signatures, unsigned tombstones) are
//! in `core/src/store/signing_tests.rs`, which builds messages from the wire format.

use linkwork_core::identity::{CertRole, CertificateRequest, OrgSigner, Permissions};
use linkwork_core::model::{Author, NewGoal, NewProgress};
use linkwork_core::{Error, Id, Store, StoreKey};
use linkwork_tests::*;

use crate::roles::identity::channel::{open, sync_bound};

const ALL: Permissions = Permissions {
    can_erase: true,
    can_enrol_patients: true,
};

fn enrol(org: &OrgSigner, s: &Store, permissions: Permissions) {
    let request = CertificateRequest::decode(&s.certificate_request().unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let cert = org
        .issue(&request, CertRole::LinkWorker, permissions, now, 30)
        .unwrap();
    s.install_certificate(&cert.encode()).unwrap();
}

/// Opens an authenticated channel from `a` to `b` and runs a whole sync session inside it.
fn sync(a: &Store, b: &Store) -> Result<(), Error> {
    let (pa, pb) = open(a, b)?;
    sync_bound(a, &pa, b, &pb)
}

fn goal(text: &str) -> NewGoal {
    NewGoal {
        text: text.into(),
        smart_detail: None,
        needs: vec![],
        target_date: None,
    }
}

/// The verified author of the first history entry with `action`.
fn author_of(s: &Store, person: Id, action: &str) -> Author {
    s.history(person)
        .unwrap()
        .into_iter()
        .find(|h| h.action == action)
        .unwrap_or_else(|| panic!("no {action} in history"))
        .author
}

fn verified<'a>(name: &'a str, role: &'a str) -> impl Fn(&Author) -> bool + 'a {
    move |a| matches!(a, Author::Verified { name: n, role: r, adopted: false, .. } if n == name && r == role)
}

#[test]
fn a_link_workers_plan_edit_relayed_by_the_patients_phone_verifies_and_converges() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let sam = dir.link_worker("sam.db", "Sam");
    let kim = dir.link_worker("kim.db", "Kim");
    enrol(&org, &sam, ALL);
    enrol(&org, &kim, ALL);
    let rose = add_person(&sam, "Rose", "Hill");
    let walk = sam.add_goal(rose, goal("walk to the shops")).unwrap();
    sync(&sam, &kim).unwrap();
    let offer = sam.pair_patient(rose, 30).unwrap();
    let phone = Store::create_paired(
        dir.path("phone.db"),
        &offer.encode(),
        &offer.code(),
        "Rose",
        &StoreKey::unencrypted(),
    )
    .unwrap();
    sync(&phone, &sam).unwrap();

    // Kim visits Rose, adds a goal and syncs with her phone; Sam never meets Kim.
    kim.add_goal(rose, goal("join the choir")).unwrap();
    sync(&phone, &kim).unwrap();
    phone
        .record_progress(
            walk,
            NewProgress {
                rating: Some(7),
                note: None,
            },
        )
        .unwrap();
    sync(&phone, &sam).unwrap();
    let texts: Vec<String> = sam
        .plan(rose)
        .unwrap()
        .goals
        .into_iter()
        .map(|g| g.text)
        .collect();
    assert!(texts.contains(&"join the choir".to_string()), "{texts:?}");
    // Kim's edit is attributed to Kim at Sam's, proven by Kim's signature and certificate,
    // which came through the phone; Rose's progress to Rose's phone.
    let goals: Vec<Author> = sam
        .history(rose)
        .unwrap()
        .into_iter()
        .filter(|h| h.action == "goal.add")
        .map(|h| h.author)
        .collect();
    assert!(
        goals.iter().any(verified("Kim", "link-worker")),
        "{goals:?}"
    );
    assert!(
        goals.iter().any(verified("Sam", "link-worker")),
        "{goals:?}"
    );
    assert!(verified("Rose", "patient")(&author_of(
        &sam,
        rose,
        "goal.progress"
    )));

    // Everyone converges.
    sync(&kim, &sam).unwrap();
    sync(&phone, &kim).unwrap();
    assert_eq!(kim.plan(rose).unwrap(), sam.plan(rose).unwrap());
    assert_eq!(phone.plan(rose).unwrap(), sam.plan(rose).unwrap());
    assert!(verified("Sam", "link-worker")(&author_of(
        &kim,
        rose,
        "person.add"
    )));
}

#[test]
fn history_shows_the_verified_author_not_the_name_a_device_claims() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let sam = dir.link_worker("sam.db", "Sam");
    let kim = dir.link_worker("kim.db", "Kim");
    enrol(&org, &sam, ALL);
    enrol(&org, &kim, ALL);
    let rose = add_person(&sam, "Rose", "Hill");
    sync(&sam, &kim).unwrap();
    // Kim's device acting under Sam's name: the commit message says Sam.
    drop(kim);
    let kim = Store::open_as(dir.path("kim.db"), &StoreKey::unencrypted(), Some("Sam")).unwrap();
    kim.add_goal(rose, goal("call the GP")).unwrap();
    sync(&kim, &sam).unwrap();
    let entry = sam
        .history(rose)
        .unwrap()
        .into_iter()
        .find(|h| h.action == "goal.add")
        .unwrap();
    assert_eq!(entry.user, "Sam", "the claim");
    assert!(
        verified("Kim", "link-worker")(&entry.author),
        "{:?}",
        entry.author
    );
    assert_eq!(entry.author.describe(), "Kim (link-worker)");
}

#[test]
fn unenrolled_stores_show_their_peers_changes_as_unverified_and_enrolment_adopts_them() {
    let dir = TestDir::new();
    let a = dir.link_worker("a.db", "Asha");
    let b = dir.link_worker("b.db", "Ben");
    let rose = add_person(&a, "Rose", "Hill");
    // Opt-in sync between unenrolled stores: signatures travel, no certificate can vouch.
    let (mut sa, first) = a.sync_start().unwrap();
    let mut sb = b.sync_accept();
    let mut msg = Some(first);
    let mut to_b = true;
    while let Some(m) = msg.take() {
        msg = if to_b {
            b.sync_receive(&mut sb, &m).unwrap().reply
        } else {
            a.sync_receive(&mut sa, &m).unwrap().reply
        };
        to_b = !to_b;
    }
    assert!(matches!(
        author_of(&b, rose, "person.add"),
        Author::Unverified { .. }
    ));
    // Once b enrols, it vouches for what it held: adopted, shown as such.
    let org = OrgSigner::create("Northtown PCN").unwrap();
    enrol(&org, &b, ALL);
    assert!(matches!(
        author_of(&b, rose, "person.add"),
        Author::Verified { ref name, adopted: true, .. } if name == "Ben"
    ));
    // And its colleague, enrolled too, accepts the adopted changes.
    let c = dir.link_worker("c.db", "Cai");
    enrol(&org, &c, ALL);
    sync(&b, &c).unwrap();
    assert_eq!(c.plan(rose).unwrap(), b.plan(rose).unwrap());
    assert_eq!(
        c.history(rose).unwrap().len(),
        b.history(rose).unwrap().len()
    );
}

#[test]
fn an_erasure_signed_by_a_device_without_the_erase_permission_is_refused() {
    let dir = TestDir::new();
    let org = OrgSigner::create("Northtown PCN").unwrap();
    let sam = dir.link_worker("sam.db", "Sam");
    let kim = dir.link_worker("kim.db", "Kim");
    enrol(&org, &sam, ALL);
    enrol(&org, &kim, ALL);
    let rose = add_person(&sam, "Rose", "Hill");
    sync(&sam, &kim).unwrap();
    kim.erase_person(rose).unwrap();
    // Kim's certificate is renewed without the erase permission before the tombstone travels:
    // the tombstone's signer (Kim's device, as its certificate now says) may not erase.
    enrol(
        &org,
        &kim,
        Permissions {
            can_erase: false,
            can_enrol_patients: true,
        },
    );
    let err = sync(&kim, &sam).unwrap_err();
    assert_not_permitted(&err);
    sam.plan(rose).unwrap();
    assert!(sam.erased_people().unwrap().is_empty());
    // Control: with the permission back, the same tombstone erases Rose at Sam's.
    enrol(&org, &kim, ALL);
    sync(&kim, &sam).unwrap();
    assert!(sam.plan(rose).is_err());
    assert_eq!(sam.erased_people().unwrap().len(), 1);
}
