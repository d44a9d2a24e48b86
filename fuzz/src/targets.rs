//! The bodies of linkwork's fuzz targets: every decoder of input that comes from outside the
//! device (sync messages, imported documents, text an app passes through).
//!
//! Each function panics when a guarantee is broken, which libFuzzer reports as a crash:
//! - decoding never panics and never allocates without bound (libFuzzer's `-rss_limit_mb`);
//! - input that is refused gets a typed error (not a storage error) and changes nothing the
//!   store shows (records, history, lists, exported documents, sizes);
//! - whatever was accepted survives closing and reopening the store, and the projections equal
//!   a full rebuild from the documents.
//!
//! Inputs that drive a store are *frames*: `len (u32 LE) bytes`, repeated; a last frame
//! shorter than its length takes what is left. This file is also compiled into the main
//! workspace's tests (`tests/tests/integration/fuzz_corpus.rs`), which replay the committed corpus, and
//! the seed generator (`tests/examples/fuzz_seeds.rs`).

// Fuzz targets report a broken guarantee by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use linkwork_core::model::{CaseloadEntry, CaseloadQuery, DocKind, NewStore, NhsNumber, Role};
use linkwork_core::{Error, Id, Store, StoreKey, SyncSession};

/// At most this many frames of an input are used (more only slow the fuzzer down).
pub const MAX_FRAMES: usize = 16;

/// The user every fuzzed store acts as.
const USER: &str = "fuzz";

/// Splits a fuzz input into frames (see the module docs).
pub fn frames(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && out.len() < MAX_FRAMES {
        let (len, body) = match rest.split_first_chunk::<4>() {
            Some((len, body)) => (u32::from_le_bytes(*len) as usize, body),
            None => (rest.len(), &[][..]),
        };
        let (frame, next) = body.split_at(len.min(body.len()));
        out.push(frame);
        rest = next;
    }
    out
}

/// Joins frames into one input (the inverse of [`frames`]).
pub fn join_frames(frames: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in frames {
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

/// Creates a store; the one place that knows `Store::create`'s signature. Fuzzed stores are
/// not encrypted: the fuzz workspace builds core without SQLCipher, and encryption sits below
/// every code path fuzzed here.
pub fn create_store(path: &Path, role: Role, person: Option<Id>) -> Store {
    Store::create(
        path,
        NewStore {
            user: USER.into(),
            role,
            person,
        },
        &StoreKey::unencrypted(),
    )
    .expect("create a store")
}

/// Opens a store; the one place that knows `Store::open`'s signature.
pub fn open_store(path: &Path) -> linkwork_core::Result<Store> {
    Store::open(path, &StoreKey::unencrypted())
}

/// A fresh temporary directory for one input's store, in memory (`/dev/shm`) where there is
/// one: the targets test the code above SQLite, and disk syncs would make them ten times slower.
fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("temporary directory")
}

/// An empty link worker's store at `path`: a copy of one made once per process (creating a
/// store runs every migration, which would dominate each run).
fn empty_link_worker_store(path: &Path) -> Store {
    static TEMPLATE: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    let (_dir, template) = TEMPLATE.get_or_init(|| {
        let dir = scratch_dir();
        let template = dir.path().join("template.db");
        drop(create_store(&template, Role::LinkWorker, None));
        (dir, template)
    });
    std::fs::copy(template, path).expect("copy the template store");
    open_store(path).expect("open a copy of the template store")
}

/// A person's plan and case documents as exported bytes (`None`: missing or not readable).
type PersonDocs = (Id, Option<Vec<u8>>, Option<Vec<u8>>);

/// What a store holds and shows: the caseload projection, every person's documents as
/// exported bytes (records and history are read from these), erasures and storage sizes. Equal
/// fingerprints mean nothing observable changed.
#[derive(Debug, PartialEq)]
pub struct Fingerprint {
    caseload: Vec<CaseloadEntry>,
    docs: Vec<PersonDocs>,
    erased: Vec<(Id, chrono::DateTime<chrono::Utc>)>,
    sizes: (i64, i64, i64),
}

/// The people a store knows: its caseload, and a patient store's own person.
fn people(store: &Store) -> Vec<Id> {
    let mut ids: Vec<Id> = store
        .caseload(&CaseloadQuery::default())
        .expect("caseload reads")
        .iter()
        .map(|e| e.person_id)
        .collect();
    ids.extend(store.info().person);
    ids.sort();
    ids.dedup();
    ids
}

/// Takes a store's [`Fingerprint`]; panics when any part of the store cannot be read.
pub fn fingerprint(store: &Store) -> Fingerprint {
    let docs = people(store)
        .into_iter()
        .map(|id| {
            // A document may be missing (a patient store before its first sync, a case
            // document imported before its plan) or not readable by this role.
            let export = |k| store.export_document(id, k).ok();
            (id, export(DocKind::Plan), export(DocKind::Case))
        })
        .collect();
    Fingerprint {
        caseload: store
            .caseload(&CaseloadQuery::default())
            .expect("caseload reads"),
        docs,
        erased: store.erased_people().expect("erasures read"),
        sizes: store.storage_sizes().expect("sizes read"),
    }
}

/// Reads every person's record, plan and history through the schema's readers: whatever a
/// store holds must read (or be refused with a typed error, never a panic).
fn read_everything(store: &Store) {
    for id in people(store) {
        let _ = store.person(id);
        let _ = store.plan(id);
        let _ = store.history(id);
    }
}

/// A refusal must be a typed refusal of the input, not a failure of the storage underneath.
fn assert_typed_refusal(e: &Error) {
    assert!(
        !matches!(e, Error::Sqlite(_) | Error::Io(_)),
        "hostile input surfaced as a storage error: {e:?}"
    );
}

/// Closes and reopens the store: it must open, show exactly what it showed before, and its
/// projections must equal a rebuild from the documents.
fn check_reopens(store: Store, path: &Path) {
    let before = fingerprint(&store);
    drop(store);
    let store = open_store(path).expect("the store reopens after hostile input");
    let after = fingerprint(&store);
    assert_eq!(before, after, "reopening changed what the store shows");
    read_everything(&store);
    let lists = |s: &Store| {
        let mut caseload = s.caseload(&CaseloadQuery::default()).expect("caseload");
        for e in &mut caseload {
            e.updated_at = chrono_epoch();
        }
        let due = s
            .due(chrono::NaiveDate::from_ymd_opt(9999, 12, 31).expect("a date"))
            .map(|d| format!("{d:?}"))
            .expect("due list");
        let onward = format!("{:?}", s.open_onward_referrals().expect("onward list"));
        (caseload, due, onward)
    };
    let projected = lists(&store);
    store.rebuild_projections().expect("projections rebuild");
    assert_eq!(
        projected,
        lists(&store),
        "projections differ from a rebuild from the documents"
    );
}

fn chrono_epoch() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::<chrono::Utc>::UNIX_EPOCH
}

/// The input with its last 4 bytes replaced by the CRC-32 of the rest: the envelope's checksum
/// trailer (protocol version 2), so mutated inputs reach the decoder behind it. Inputs that
/// already carry a valid checksum (every seed) are unchanged.
pub fn resealed(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    if let Some(body_len) = out.len().checked_sub(4) {
        let crc = crc32fast::hash(&out[..body_len]);
        out[body_len..].copy_from_slice(&crc.to_le_bytes());
    }
    out
}

/// The sync envelope decoder (`core/src/sync/wire.rs`) on its own: any bytes give `Ok` or an
/// [`Error::Sync`] (retryable only when the checksum does not match), never a panic or an
/// allocation beyond the input's size. Each input is tried as it is and resealed.
pub fn sync_envelope(data: &[u8]) {
    for (input, sealed) in [(data.to_vec(), false), (resealed(data), true)] {
        match linkwork_core::sync::check_message(&input) {
            Ok(()) => {}
            Err(Error::Sync { retryable, .. }) => assert!(
                !(sealed && retryable && input.len() >= 4 && !input.starts_with(b"LWS\x01")),
                "a message with a valid checksum was called damaged"
            ),
            Err(e) => panic!("the envelope decoder gave an unexpected error: {e:?}"),
        }
    }
}

/// A store's sync receive path. The first byte picks the receiving side:
/// - `0`: an empty link-worker store that listens (`sync_accept`);
/// - `1`: a patient store that listens; the next 16 bytes are its person's id;
/// - `2`: an empty link-worker store that connected (`sync_start`; its first message is
///   dropped, the frames are the listener's replies).
///
/// The remaining bytes are frames fed to `sync_receive` in order; an empty frame starts a new
/// session with the same peer (so a second session can exchange automerge sync messages about
/// documents the first one delivered). A refused message must leave the store as it was; at the
/// end the store must reopen with the same data and consistent projections.
pub fn sync_session(data: &[u8]) {
    let Some((&side, rest)) = data.split_first() else {
        return;
    };
    let dir = scratch_dir();
    let path = dir.path().join("fuzz.db");
    let (store, rest, initiator) = match side % 3 {
        1 => {
            let Some((person, rest)) = rest.split_first_chunk::<16>() else {
                return;
            };
            let person = Id::from_bytes(*person);
            (
                create_store(&path, Role::Patient, Some(person)),
                rest,
                false,
            )
        }
        2 => (empty_link_worker_store(&path), rest, true),
        _ => (empty_link_worker_store(&path), rest, false),
    };
    let new_session = |store: &Store| -> SyncSession {
        if initiator {
            store.sync_start().expect("sync_start on a healthy store").0
        } else {
            store.sync_accept()
        }
    };
    let mut session = new_session(&store);
    for frame in frames(rest) {
        if frame.is_empty() {
            session = new_session(&store);
            continue;
        }
        let before = fingerprint(&store);
        // Resealed, so that mutations reach the decoder behind the checksum.
        match store.sync_receive(&mut session, &resealed(frame)) {
            Ok(_step) => {}
            Err(e) => {
                assert_typed_refusal(&e);
                assert_eq!(
                    before,
                    fingerprint(&store),
                    "a refused sync message changed the store ({e})"
                );
                // A failed session is abandoned; the next frame starts a new one.
                session = new_session(&store);
            }
        }
    }
    check_reopens(store, &path);
}

/// `Store::import_document` (and through it the document decoder and the schema's readers).
/// The first byte picks the store: `1` a patient store whose person id is the next 16 bytes,
/// anything else an empty link-worker store. The remaining bytes are frames, each imported in
/// turn (so a later document can merge into an earlier one). A refused document must leave the
/// store as it was; an accepted one must read back; the store must reopen with the same data.
pub fn import_document(data: &[u8]) {
    let Some((&side, rest)) = data.split_first() else {
        return;
    };
    let dir = scratch_dir();
    let path = dir.path().join("fuzz.db");
    let (store, rest) = if side % 2 == 1 {
        let Some((person, rest)) = rest.split_first_chunk::<16>() else {
            return;
        };
        let person = Id::from_bytes(*person);
        (create_store(&path, Role::Patient, Some(person)), rest)
    } else {
        (empty_link_worker_store(&path), rest)
    };
    for frame in frames(rest) {
        let before = fingerprint(&store);
        match store.import_document(frame) {
            Ok(outcome) => {
                let read = match outcome.kind {
                    DocKind::Plan => store.plan(outcome.person).map(|_| ()),
                    DocKind::Case => store
                        .export_document(outcome.person, outcome.kind)
                        .map(|_| ()),
                };
                read.expect("an imported document reads back");
                if !outcome.changed {
                    assert_eq!(
                        before,
                        fingerprint(&store),
                        "an import of nothing new wrote"
                    );
                }
            }
            Err(e) => {
                assert_typed_refusal(&e);
                assert_eq!(
                    before,
                    fingerprint(&store),
                    "a refused document changed the store ({e})"
                );
            }
        }
    }
    check_reopens(store, &path);
}

/// The parsers of text an app passes through from people and other systems: NHS numbers,
/// dates, ids and free text. They refuse with [`Error::InvalidInput`] and never echo the input
/// (no patient data in errors).
pub fn text_inputs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let results = [
        NhsNumber::parse(text).map(|_| ()),
        linkwork_core::model::text::parse_date("date", text).map(|_| ()),
        Id::parse("id", text).map(|_| ()),
        linkwork_core::model::text::required("text", text).map(|_| ()),
        linkwork_core::model::text::bounded("text", text).map(|_| ()),
        linkwork_core::model::text::optional("text", Some(text)).map(|_| ()),
    ];
    // Long runs of digits are what an NHS number, a phone number or a date of birth look like:
    // they must never appear in an error message.
    let digits = text.chars().filter(char::is_ascii_digit).count();
    for r in results {
        match r {
            Ok(()) => {}
            Err(e @ Error::InvalidInput { .. }) => {
                if digits >= 6 && text.trim().len() >= 6 {
                    assert!(
                        !e.to_string().contains(text.trim()),
                        "an error message echoes its input"
                    );
                }
            }
            Err(e) => panic!("a text parser gave an unexpected error: {e:?}"),
        }
    }
}

/// An Open Referral UK services feed for `Store::directory_import`. The reader never panics
/// and stays within its bounds; a refused feed is a typed [`Error::Feed`] and leaves the stored
/// directory as it was; an accepted one stores exactly the services it reported, each shown
/// back whole, and a search over all of them finds every one.
pub fn directory_feed(data: &[u8]) {
    use linkwork_core::directory::{feed, DirectoryQuery};

    let dir = scratch_dir();
    let store = empty_link_worker_store(&dir.path().join("store.db"));
    // A directory already there, which a refused feed must leave alone.
    let base = br#"{"contents":[{"id":"base","name":"Base service"}]}"#;
    let before = store
        .directory_import(base, "base")
        .expect("the base feed imports");
    match store.directory_import(data, "fuzz") {
        Err(Error::Feed(_)) => {
            assert_eq!(store.directory_version().unwrap(), Some(before.version));
            assert_eq!(
                store.directory_service("base").unwrap().name,
                "Base service"
            );
        }
        Err(e) => panic!("a feed gave an unexpected error: {e:?}"),
        Ok(report) => {
            assert!(report.imported >= 1);
            assert_eq!(report.imported + report.skipped, report.records);
            let parsed = linkwork_core::directory::parse_feed(data).expect("parses again");
            assert_eq!(parsed.services.len() as i32, report.imported);
            for s in &parsed.services {
                assert!(s.name.chars().count() <= feed::MAX_NAME_CHARS);
                assert!(s.id.chars().count() <= feed::MAX_ID_CHARS);
                assert!(s.locations.len() <= feed::MAX_LIST_ITEMS);
                for l in &s.locations {
                    assert!(l.latitude.is_none_or(|a| (-90.0..=90.0).contains(&a)));
                    assert!(l.longitude.is_none_or(|o| (-180.0..=180.0).contains(&o)));
                }
                assert_eq!(&store.directory_service(&s.id).unwrap(), s);
            }
            let all = store
                .directory_search(&DirectoryQuery {
                    limit: 100,
                    ..DirectoryQuery::default()
                })
                .unwrap();
            assert_eq!(all.total, report.imported);
            // Every service's own name finds it (the index and the query agree on words).
            for s in parsed
                .services
                .iter()
                .filter(|s| s.name.chars().count() <= 200)
                .take(5)
            {
                let hits = store
                    .directory_search(&DirectoryQuery {
                        text: Some(s.name.clone()),
                        limit: 100,
                        ..DirectoryQuery::default()
                    })
                    .unwrap();
                let words = s
                    .name
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w.len() > 2);
                if words && hits.total <= 100 {
                    assert!(
                        hits.hits.iter().any(|h| h.service_id == s.id),
                        "a name does not find itself"
                    );
                }
            }
        }
    }
}

/// The messages a device and the team hub exchange (enrolment over `/enrol`; revocation lists,
/// the services directory and sync frames inside the `/connect` channel), and the identity
/// values inside them (certificates, requests, pairing offers and grants, trust roots). The
/// first byte picks the decoder, the rest is its input. Decoding never panics and stays within
/// its bounds; what decodes encodes back to bytes that decode to the same value.
pub fn hub_messages(data: &[u8]) {
    use linkwork_core::directory::share::DirectoryMessage;
    use linkwork_core::identity::enrolment::{DeviceMessage, EnrolReply, EnrolRequest, HubMessage};
    use linkwork_core::identity::pairing::{PairingGrant, PairingPayload};
    use linkwork_core::identity::{Certificate, CertificateRequest, TrustRoot};

    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    match selector % 10 {
        0 => {
            if let Ok(m) = EnrolRequest::decode(input) {
                assert_eq!(EnrolRequest::decode(&m.encode()).unwrap(), m);
            }
        }
        1 => {
            if let Ok(m) = EnrolReply::decode(input) {
                assert_eq!(EnrolReply::decode(&m.encode()).unwrap(), m);
            }
        }
        2 => {
            if let Ok(m) = DeviceMessage::decode(input) {
                assert_eq!(DeviceMessage::decode(&m.encode()).unwrap(), m);
            }
        }
        3 => {
            if let Ok(m) = HubMessage::decode(input) {
                assert_eq!(HubMessage::decode(&m.encode()).unwrap(), m);
            }
        }
        4 => {
            if let Ok(m) = DirectoryMessage::decode(input) {
                assert_eq!(DirectoryMessage::decode(&m.encode()).unwrap(), m);
            }
        }
        5 => {
            if let Ok(c) = Certificate::decode(input) {
                assert_eq!(Certificate::decode(&c.encode()).unwrap(), c);
            }
        }
        6 => {
            let _ = CertificateRequest::decode(input);
        }
        7 => {
            if let Ok(p) = PairingPayload::decode(input) {
                assert_eq!(PairingPayload::decode(&p.encode()).unwrap(), p);
            }
        }
        8 => {
            if let Ok(g) = PairingGrant::decode(input) {
                assert_eq!(PairingGrant::decode(&g.encode()).unwrap(), g);
            }
        }
        _ => {
            if let Ok(r) = TrustRoot::decode(input) {
                assert_eq!(TrustRoot::decode(&r.encode()).unwrap(), r);
            }
        }
    }
}
