//! Writes the fuzz targets' seed corpus (`fuzz/corpus/<target>/`) from real sessions and real
//! documents, plus a few broken variants, in the frame format of `fuzz/src/targets.rs`.
//!
//!   cargo run -p linkwork-tests --example fuzz_seeds [-- <corpus dir>]
//!
//! Ids are random, so every run writes different bytes; the committed corpus is one run's
//! output. Rerun it when the wire format or the schema changes (old seeds stay valid fuzz input,
//! just less useful). Files are named by content, so reruns add rather than overwrite.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

use std::path::{Path, PathBuf};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ROOT};
use linkwork_core::model::*;
use linkwork_core::{Id, Store};
use linkwork_tests::{add_person, full_person, TestDir};
use targets::join_frames;

struct Corpus {
    root: PathBuf,
    written: usize,
}

impl Corpus {
    fn put(&mut self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        // A short content hash keeps names stable for equal bytes.
        let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        });
        std::fs::write(dir.join(format!("{name}-{hash:016x}")), bytes).unwrap();
        self.written += 1;
    }
}

/// Runs one session between `initiator` and `listener` to the end; returns the messages each
/// side sent, in order.
fn session(initiator: &Store, listener: &Store) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut si, first) = initiator.sync_start().unwrap();
    let mut sl = listener.sync_accept();
    let mut from_initiator = vec![first.clone()];
    let mut from_listener = Vec::new();
    let mut msg = first;
    for _ in 0..50 {
        let step = listener.sync_receive(&mut sl, &msg).unwrap();
        let Some(reply) = step.reply else { break };
        from_listener.push(reply.clone());
        let step = initiator.sync_receive(&mut si, &reply).unwrap();
        let Some(next) = step.reply else { break };
        from_initiator.push(next.clone());
        msg = next;
    }
    (from_initiator, from_listener)
}

fn refs(frames: &[Vec<u8>]) -> Vec<&[u8]> {
    frames.iter().map(Vec::as_slice).collect()
}

fn with_prefix(prefix: &[u8], frames: &[&[u8]]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    out.extend(join_frames(frames));
    out
}

/// `message` with a "drop your copy" section naming `people` (flag 16, after the certificates,
/// before the CRC; `core/src/sync/wire.rs`): what a hub sends a device after a caseload move.
fn with_drops(message: &[u8], people: &[Id]) -> Vec<u8> {
    let mut body = message[..message.len() - 4].to_vec();
    body[4] |= 16;
    body.push(u8::try_from(people.len()).unwrap()); // a varint below 128
    for p in people {
        body.extend_from_slice(p.as_bytes());
    }
    let crc = crc32fast::hash(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("fuzz")
                .join("corpus")
        });
    let mut c = Corpus { root, written: 0 };
    let dir = TestDir::new();

    // A link worker's store with a full record and a minimal one.
    let b = dir.link_worker("b.db", "kim");
    let fx = full_person(&b);
    let x = fx.person;
    add_person(&b, "Grace", "Hopper");
    let plan_v1 = b.export_document(x, DocKind::Plan).unwrap();
    let case_v1 = b.export_document(x, DocKind::Case).unwrap();

    // Side 0: an empty link-worker store listening to b, then a second session after an edit
    // (automerge sync messages rather than whole documents).
    let a0 = dir.link_worker("a0.db", "sam");
    let (first, _) = session(&b, &a0);
    b.record_progress(
        fx.goal,
        NewProgress {
            rating: Some(7),
            note: Some("went to the lunch club".into()),
        },
    )
    .unwrap();
    let (second, replies) = session(&b, &a0);
    c.put(
        "sync_session",
        "lw-listener",
        &with_prefix(&[0], &refs(&first)),
    );
    let mut two = refs(&first);
    two.push(&[]);
    two.extend(refs(&second));
    c.put(
        "sync_session",
        "lw-listener-two-sessions",
        &with_prefix(&[0], &two),
    );
    let mut replayed = refs(&first);
    replayed.extend(refs(&first));
    c.put(
        "sync_session",
        "lw-listener-replayed",
        &with_prefix(&[0], &replayed),
    );
    let mut cut = refs(&first);
    if let Some(last) = cut.last_mut() {
        *last = &last[..last.len() / 2];
    }
    c.put(
        "sync_session",
        "lw-listener-truncated",
        &with_prefix(&[0], &cut),
    );

    // Side 2: an empty link-worker store that connected to b; frames are b's replies.
    let i0 = dir.link_worker("i0.db", "ray");
    let (_, from_b) = session(&i0, &b);
    c.put(
        "sync_session",
        "lw-initiator",
        &with_prefix(&[2], &refs(&from_b)),
    );

    // Side 1: x's own phone listening to b (it receives x's plan only).
    let p0 = dir.patient("p0.db", "ada", x);
    let (to_patient, _) = session(&b, &p0);
    let mut prefix = vec![1];
    prefix.extend_from_slice(x.as_bytes());
    c.put(
        "sync_session",
        "patient-listener",
        &with_prefix(&prefix, &refs(&to_patient)),
    );
    // And the phone's own messages after it ticked a step, to an empty link-worker store (which
    // must refuse a patient introducing a document).
    p0.complete_step(fx.step).unwrap();
    let (from_patient, _) = session(&p0, &b);
    c.put(
        "sync_session",
        "patient-to-empty-lw",
        &with_prefix(&[0], &refs(&from_patient)),
    );

    for (i, m) in first
        .iter()
        .chain(&second)
        .chain(&replies)
        .chain(&from_b)
        .chain(&to_patient)
        .chain(&from_patient)
        .enumerate()
    {
        c.put("sync_envelope", &format!("message-{i}"), m);
    }
    // Drops: a message carrying a "drop your copy" request, and a link worker's store that
    // receives one from a peer phone (only a verified hub may ask: refused).
    let drops = with_drops(&first[0], &[x]);
    c.put("sync_envelope", "message-drops", &drops);
    c.put(
        "sync_session",
        "lw-listener-drops-from-a-phone",
        &with_prefix(&[0], &[&drops]),
    );
    c.put("sync_envelope", "empty", b"");
    c.put("sync_envelope", "magic-only", b"LWS\x03\x00");

    // Imports: new documents, a merge of a later version, refusals.
    let plan_v2 = b.export_document(x, DocKind::Plan).unwrap();
    c.put("import_document", "plan", &with_prefix(&[0], &[&plan_v1]));
    c.put("import_document", "case", &with_prefix(&[0], &[&case_v1]));
    c.put(
        "import_document",
        "plan-then-later-plan",
        &with_prefix(&[0], &[&plan_v1, &plan_v2]),
    );
    c.put(
        "import_document",
        "plan-and-case-twice",
        &with_prefix(&[0], &[&plan_v1, &case_v1, &case_v1]),
    );
    c.put(
        "import_document",
        "patient-plan",
        &with_prefix(&prefix, &[&plan_v1]),
    );
    c.put(
        "import_document",
        "patient-case",
        &with_prefix(&prefix, &[&case_v1]),
    );
    c.put(
        "import_document",
        "truncated",
        &with_prefix(&[0], &[&plan_v1[..plan_v1.len() / 2]]),
    );
    // Well-formed automerge, wrong schema: no schema at all, and a plan whose field has the
    // wrong type.
    let mut other = AutoCommit::new();
    other.put(ROOT, "hello", "world").unwrap();
    c.put(
        "import_document",
        "not-linkwork",
        &with_prefix(&[0], &[&other.save()]),
    );
    let mut wrong = AutoCommit::load(&plan_v1).unwrap();
    assert!(wrong.get(ROOT, "what_matters").unwrap().is_some());
    wrong.put(ROOT, "what_matters", 42_i64).unwrap();
    c.put(
        "import_document",
        "wrong-type",
        &with_prefix(&[0], &[&wrong.save()]),
    );

    // A decompression bomb (issue 13): a real plan whose column deflate shrinks a
    // thousandfold, 17 MiB once inflated, just over the limit. Mutations of it are the class
    // the fuzzers must find, run under a tight memory limit (scripts/fuzz.sh).
    let mut bomb = AutoCommit::load(&plan_v1).unwrap();
    bomb.put(ROOT, "padding", "a".repeat(17 << 20)).unwrap();
    let bomb = bomb.save();
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    c.put("import_document", "bomb", &with_prefix(&[0], &[&bomb]));

    for (name, text) in [
        ("nhs", "943 476 5919"),
        ("nhs-bad-check", "9434765918"),
        ("date", "2024-02-29"),
        ("date-bad", "2023-02-29"),
        ("id", "67e55044-10b1-426f-9247-bb680e5fe0c8"),
        ("text", "  Seeing my grandchildren  "),
        ("control", "a\u{0}b\u{7}"),
    ] {
        c.put("text_inputs", name, text.as_bytes());
    }
    // Open Referral UK feeds: the shared messy fixture and small hostile shapes.
    c.put(
        "directory_feed",
        "oruk-page",
        include_bytes!("../fixtures/directory/services_page.json"),
    );
    for (name, feed) in [
        ("not-json", &b"not json"[..]),
        ("not-oruk", br#"{"resourceType":"Bundle","entry":[]}"#),
        ("no-valid-service", br#"{"contents":[1,"x",{"name":"no id"},{"id":"a"}]}"#),
        (
            "record-list",
            br#"[{"id":"s1","name":"One","schedules":[{"freq":"MONTHLY","byday":"-1FR"}]},{"id":"s1","name":"Dup"}]"#,
        ),
        (
            "pages",
            br#"[{"contents":[{"id":"s1","name":"<b>One</b> &amp; all"}],"total_pages":2},{"contents":[{"id":"s2","name":"Two","minimum_age":-1}]}]"#,
        ),
        (
            "one-record",
            br#"{"id":"s1","name":"Lunch Club","service_at_locations":[{"location":{"latitude":"53.8","longitude":-1.5,"addresses":[{"postal_code":"LS7 3HB"}]}}]}"#,
        ),
    ] {
        c.put("directory_feed", name, feed);
    }
    // What a device and the team hub exchange, each behind its decoder's selector byte
    // (`targets::hub_messages`): real, signed values.
    {
        use linkwork_core::directory::share::DirectoryMessage;
        use linkwork_core::identity::enrolment::{
            DeviceMessage, EnrolRefused, EnrolReply, EnrolRequest, HubMessage,
        };
        use linkwork_core::identity::{
            CertRole, Certificate, CertificateRequest, OrgSigner, Permissions,
        };
        let now = chrono::Utc::now().timestamp();
        let org = OrgSigner::create("Seed PCN").unwrap();
        let lw = dir.link_worker("hub-seed.db", "kim");
        let request_bytes = lw.certificate_request().unwrap();
        let request = CertificateRequest::decode(&request_bytes).unwrap();
        let permissions = Permissions {
            can_erase: true,
            can_enrol_patients: true,
        };
        let cert: Certificate = org
            .issue(&request, CertRole::LinkWorker, permissions, now, 30)
            .unwrap();
        lw.install_certificate(&cert.encode()).unwrap();
        let person = add_person(&lw, "Seed", "Person");
        let offer = lw.pair_patient(person, 30).unwrap();
        let list = org.revoke(None, request.device, now).unwrap();
        let hub_seeds: Vec<(&str, u8, Vec<u8>)> = vec![
            (
                "enrol-request",
                0,
                EnrolRequest {
                    code: "ABCD-EFGH".into(),
                    request: request_bytes.clone(),
                }
                .encode(),
            ),
            (
                "enrol-reply",
                1,
                EnrolReply::Enrolled {
                    certificate: cert.encode(),
                    trust_root: org.trust_root().encode(),
                }
                .encode(),
            ),
            (
                "enrol-refused",
                1,
                EnrolReply::Refused(EnrolRefused::CodeNotValid).encode(),
            ),
            (
                "device-sync",
                2,
                DeviceMessage::Sync(vec![1, 2, 3]).encode(),
            ),
            (
                "hub-revocations",
                3,
                HubMessage::Revocations(Some(list.encode())).encode(),
            ),
            ("hub-sync", 3, HubMessage::Sync(vec![4, 5, 6]).encode()),
            ("hub-sync-done", 3, HubMessage::SyncDone.encode()),
            (
                "hub-directory",
                3,
                HubMessage::Directory(DirectoryMessage::UpToDate).encode(),
            ),
            ("directory-have", 4, lw.directory_have().unwrap().encode()),
            ("certificate", 5, cert.encode()),
            ("certificate-request", 6, request_bytes),
            ("pairing-offer", 7, offer.encode()),
            ("pairing-grant", 8, offer.grant.encode()),
            ("trust-root", 9, org.trust_root().encode()),
        ];
        for (name, selector, bytes) in hub_seeds {
            c.put("hub_messages", name, &[&[selector][..], &bytes].concat());
        }
    }
    println!("wrote {} seed files under {}", c.written, c.root.display());
}
