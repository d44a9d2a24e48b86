//! Consent: granular per purpose and recipient, never rewritten (a new record supersedes the
//! old, both stay), capacity and proxy, expiry, and which records are in force.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ScalarValue, Value, ROOT};
use linkwork_core::model::*;
use linkwork_core::Id;
use linkwork_tests::*;

#[test]
fn a_consent_record_stores_every_field() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Consent", "Giver");
    let id = s
        .record_consent(
            p,
            NewConsent {
                purpose: " debt support ".into(),
                recipient: " Citizens Advice".into(),
                recipient_org: Some("LOCAL-CAB".into()),
                decision: ConsentDecision::Given,
                method: ConsentMethod::Written,
                capacity: Some(Capacity::LacksCapacity),
                proxy: Some(Proxy {
                    name: " Jo Bloggs ".into(),
                    relationship: "lasting power of attorney".into(),
                }),
                expires: Some(date(2031, 3, 1)),
            },
        )
        .unwrap();
    let c = case(&s, p).consents;
    assert_eq!(c.len(), 1);
    let r = &c[0];
    assert_eq!(r.id, id);
    assert_eq!(r.purpose, "debt support");
    assert_eq!(r.recipient, "Citizens Advice");
    assert_eq!(r.decision, ConsentDecision::Given);
    assert_eq!(r.method, ConsentMethod::Written);
    assert_eq!(r.capacity, Capacity::LacksCapacity);
    assert_eq!(
        r.proxy,
        Some(Proxy {
            name: "Jo Bloggs".into(),
            relationship: "lasting power of attorney".into()
        })
    );
    assert_eq!(r.expires, Some(date(2031, 3, 1)));
    assert_eq!(r.supersedes, None);
    assert_eq!(r.recorded_by, "sam");
    // Capacity defaults to not assessed; every method is kept.
    for &method in ConsentMethod::ALL {
        s.record_consent(
            p,
            NewConsent {
                capacity: None,
                method,
                ..new_consent("contact", method.code(), ConsentDecision::Given)
            },
        )
        .unwrap();
    }
    let c = case(&s, p).consents;
    for &method in ConsentMethod::ALL {
        let r = c.iter().find(|r| r.recipient == method.code()).unwrap();
        assert_eq!((r.method, r.capacity), (method, Capacity::NotAssessed));
    }
}

#[test]
fn consent_is_never_rewritten_a_new_record_supersedes_the_old() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let first = case(&s, f.person).consents[0].clone();
    assert_eq!(first.id, f.consent);
    assert!(case(&s, f.person)
        .consents_in_force(today())
        .iter()
        .any(|c| c.id == first.id));

    let second = s
        .record_consent(
            f.person,
            NewConsent {
                method: ConsentMethod::Written,
                ..new_consent(
                    "debt support",
                    "Citizens Advice",
                    ConsentDecision::Withdrawn,
                )
            },
        )
        .unwrap();
    let c = case(&s, f.person);
    assert_eq!(c.consents.len(), 2, "both records are kept");
    assert_eq!(c.consents[0], first, "the first record is unchanged");
    assert_eq!(c.consents[1].id, second);
    assert_eq!(c.consents[1].supersedes, Some(first.id));
    assert!(c.consents_in_force(today()).is_empty());

    let third = s
        .record_consent(
            f.person,
            new_consent("debt support", "Citizens Advice", ConsentDecision::Given),
        )
        .unwrap();
    let c = case(&s, f.person);
    assert_eq!(c.consents.len(), 3);
    assert_eq!(c.consents[0], first);
    assert_eq!(c.consents[2].supersedes, Some(second));
    let in_force: Vec<Id> = c.consents_in_force(today()).iter().map(|r| r.id).collect();
    assert_eq!(in_force, vec![third]);
    // History shows three consent actions; nothing was edited in place.
    let h = s.history(f.person).unwrap();
    assert_eq!(h.iter().filter(|e| e.action == "consent.record").count(), 3);
}

#[test]
fn consent_is_per_purpose_and_recipient_and_may_expire() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Granular", "Consent");
    let a = s
        .record_consent(
            p,
            new_consent("debt", "Citizens Advice", ConsentDecision::Given),
        )
        .unwrap();
    let b = s
        .record_consent(p, new_consent("debt", "StepChange", ConsentDecision::Given))
        .unwrap();
    let c_ = s
        .record_consent(
            p,
            new_consent("housing", "Citizens Advice", ConsentDecision::Given),
        )
        .unwrap();
    let w = s
        .record_consent(
            p,
            new_consent("debt", "StepChange", ConsentDecision::Withdrawn),
        )
        .unwrap();
    let expired = s
        .record_consent(
            p,
            NewConsent {
                expires: Some(today().pred_opt().unwrap()),
                ..new_consent("gp", "Practice", ConsentDecision::Given)
            },
        )
        .unwrap();
    let until_today = s
        .record_consent(
            p,
            NewConsent {
                expires: Some(today()),
                ..new_consent("walks", "Ramblers", ConsentDecision::Given)
            },
        )
        .unwrap();
    let c = case(&s, p);
    let rec = |id: Id| c.consents.iter().find(|r| r.id == id).unwrap();
    assert_eq!(rec(b).supersedes, None);
    assert_eq!(rec(c_).supersedes, None, "another purpose is independent");
    assert_eq!(rec(w).supersedes, Some(b), "same purpose and recipient");
    let mut in_force: Vec<Id> = c.consents_in_force(today()).iter().map(|r| r.id).collect();
    in_force.sort();
    let mut want = vec![a, c_, until_today];
    want.sort();
    assert_eq!(in_force, want);
    assert!(c
        .consents_in_force(today().pred_opt().unwrap().pred_opt().unwrap())
        .iter()
        .any(|r| r.id == expired));
    assert!(c
        .consents_in_force(today().succ_opt().unwrap())
        .iter()
        .all(|r| r.id != until_today));
}

#[test]
fn quick_alternation_always_leaves_the_latest_decision_in_force() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Quick", "Changes");
    let mut last = None;
    for i in 0..30 {
        let decision = if i % 2 == 0 {
            ConsentDecision::Given
        } else {
            ConsentDecision::Withdrawn
        };
        let id = s
            .record_consent(p, new_consent("debt", "Citizens Advice", decision))
            .unwrap();
        let c = case(&s, p);
        assert_eq!(c.consents.len(), i + 1);
        let newest = c.consents.last().unwrap();
        assert_eq!(newest.id, id, "oldest first");
        assert_eq!(newest.supersedes, last);
        let in_force: Vec<Id> = c.consents_in_force(today()).iter().map(|r| r.id).collect();
        match decision {
            ConsentDecision::Given => assert_eq!(in_force, vec![id]),
            ConsentDecision::Withdrawn => assert!(in_force.is_empty()),
        }
        last = Some(id);
    }
}

#[test]
fn a_withdrawal_wins_over_the_record_it_supersedes_whatever_the_clocks_say() {
    // Device A's clock runs an hour fast when it records consent; device B, with a correct
    // clock, later records the withdrawal that supersedes it. The withdrawal must be in force.
    let dir = TestDir::new();
    let a = dir.link_worker("a.db", "sam");
    let p = add_person(&a, "Skewed", "Clock");
    let given = a
        .record_consent(
            p,
            new_consent("debt", "Citizens Advice", ConsentDecision::Given),
        )
        .unwrap();
    let mut doc =
        automerge::AutoCommit::load(&a.export_document(p, DocKind::Case).unwrap()).unwrap();
    let consents = match doc.get(ROOT, "consents").unwrap() {
        Some((Value::Object(_), id)) => id,
        other => panic!("consents map missing: {other:?}"),
    };
    let record = match doc.get(&consents, given.to_string()).unwrap() {
        Some((Value::Object(_), id)) => id,
        other => panic!("consent record missing: {other:?}"),
    };
    let fast = chrono::Utc::now() + chrono::Duration::hours(1);
    doc.put(
        &record,
        "recorded_at",
        ScalarValue::Timestamp(fast.timestamp_millis()),
    )
    .unwrap();
    doc.commit();

    let b = dir.link_worker("b.db", "kim");
    b.import_document(&doc.save()).unwrap();
    b.import_document(&a.export_document(p, DocKind::Plan).unwrap())
        .unwrap();
    let withdrawn = b
        .record_consent(
            p,
            new_consent("debt", "Citizens Advice", ConsentDecision::Withdrawn),
        )
        .unwrap();
    let c = case(&b, p);
    let w = c.consents.iter().find(|r| r.id == withdrawn).unwrap();
    assert_eq!(w.supersedes, Some(given));
    assert!(
        c.consents_in_force(today()).is_empty(),
        "a superseded record is never in force: {:?}",
        c.consents_in_force(today())
    );
}

#[test]
fn consent_bad_inputs_change_nothing() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let cases: Vec<(NewConsent, &str)> = vec![
        (
            new_consent("", "Citizens Advice", ConsentDecision::Given),
            "purpose",
        ),
        (
            new_consent("debt", "  ", ConsentDecision::Given),
            "recipient",
        ),
        (
            NewConsent {
                capacity: Some(Capacity::LacksCapacity),
                proxy: None,
                ..new_consent("debt", "CA", ConsentDecision::Given)
            },
            "proxy",
        ),
        (
            NewConsent {
                proxy: Some(Proxy {
                    name: " ".into(),
                    relationship: "carer".into(),
                }),
                ..new_consent("debt", "CA", ConsentDecision::Given)
            },
            "proxy_name",
        ),
        (
            NewConsent {
                proxy: Some(Proxy {
                    name: "Jo".into(),
                    relationship: String::new(),
                }),
                ..new_consent("debt", "CA", ConsentDecision::Given)
            },
            "proxy_relationship",
        ),
    ];
    for (c, field) in cases {
        let err = assert_refused_unchanged(&s, f.person, || s.record_consent(f.person, c));
        assert_invalid(&err, field);
    }
}
