//! Directory sharing between a hub and a phone, without a network: the messages, the hub's
//! answer, and the phone's download into a real store, with every refusal leaving the
//! phone's directory as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::store::test_support::test_store;
use serde_json::json;

use super::*;
use crate::directory::{parse_feed, DirectoryImportOutcome, FeedError};
use crate::Error;

const FIXTURE: &str = include_str!("../../../tests/fixtures/directory/services_page.json");

fn store(dir: &tempfile::TempDir, role: Role) -> Store {
    test_store(dir.path(), "s.db", "sam", role)
}

/// A feed of `n` services, large enough to need several chunks.
fn big_feed(n: usize, tag: &str) -> Vec<u8> {
    let contents: Vec<_> = (0..n)
        .map(|i| {
            json!({
                "id": format!("svc-{i:04}"),
                "name": format!("Service {i} {tag}"),
                "description": "A long description of a community group. ".repeat(8),
                "status": "active",
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "contents": contents })).unwrap()
}

/// What the hub computes for a feed: its content digest.
fn digest_of(feed: &[u8]) -> DirectoryDigest {
    digest_from_hex(&parse_feed(feed).unwrap().content_hash()).unwrap()
}

fn send_all(store: &Store, feed: &[u8]) -> Result<DirectoryStep> {
    let mut download = DirectoryDownload::new();
    let mut last = None;
    for m in chunks(digest_of(feed), feed).unwrap() {
        last = Some(download.receive(store, &m)?);
    }
    Ok(last.unwrap())
}

fn err(r: Result<DirectoryStep>) -> ShareError {
    match r {
        Err(Error::DirectoryShare(e)) => e,
        other => panic!("expected a share refusal, got {other:?}"),
    }
}

#[test]
fn every_message_round_trips_and_an_idle_exchange_costs_a_few_bytes() {
    let messages = [
        DirectoryMessage::Have(None),
        DirectoryMessage::Have(Some([7; 32])),
        DirectoryMessage::UpToDate,
        DirectoryMessage::NoDirectory,
        DirectoryMessage::NotOffered,
        DirectoryMessage::Chunk {
            digest: [1; 32],
            total: 10,
            index: 0,
            bytes: vec![9; 10],
        },
    ];
    for m in &messages {
        assert_eq!(&DirectoryMessage::decode(&m.encode()).unwrap(), m);
        assert!(is_share_message(&m.encode()));
    }
    assert_eq!(DirectoryMessage::Have(Some([7; 32])).encode().len(), 38);
    assert_eq!(DirectoryMessage::UpToDate.encode().len(), 5);
}

#[test]
fn malformed_messages_are_refused() {
    let chunk = DirectoryMessage::Chunk {
        digest: [1; 32],
        total: 10,
        index: 0,
        bytes: vec![9; 10],
    }
    .encode();
    let decode = |b: &[u8]| DirectoryMessage::decode(b).unwrap_err();
    assert_eq!(decode(&chunk[..chunk.len() - 1]), ShareError::Malformed);
    let mut longer = chunk.clone();
    longer.push(0);
    assert_eq!(decode(&longer), ShareError::Malformed);
    let mut future = chunk.clone();
    future[3] = 2;
    assert_eq!(decode(&future), ShareError::UnknownVersion);
    let mut kind = chunk.clone();
    kind[4] = 9;
    assert_eq!(decode(&kind), ShareError::Malformed);
    let mut flag = DirectoryMessage::Have(None).encode();
    flag[5] = 2;
    assert_eq!(decode(&flag), ShareError::Malformed);
    assert_eq!(decode(b"LWN\x01\x01"), ShareError::Malformed);
    // A chunk claiming more bytes than a chunk may hold, and an oversized message.
    let over = DirectoryMessage::Chunk {
        digest: [1; 32],
        total: 10,
        index: 0,
        bytes: vec![0; CHUNK_BYTES + 1],
    }
    .encode();
    assert_eq!(decode(&over), ShareError::Malformed);
    assert_eq!(
        decode(&[SHARE_MAGIC.as_slice(), &vec![1; MAX_SHARE_MESSAGE]].concat()),
        ShareError::Malformed
    );
    // Inside a hub message, the refusal is the identity one.
    assert_eq!(
        crate::identity::enrolment::HubMessage::decode(&kind),
        Err(crate::identity::Refusal::Malformed)
    );
    assert_eq!(
        crate::identity::enrolment::HubMessage::decode(&DirectoryMessage::UpToDate.encode()),
        Ok(crate::identity::enrolment::HubMessage::Directory(
            DirectoryMessage::UpToDate
        ))
    );
}

#[test]
fn the_hub_answers_by_role_and_digest() {
    let d = Some([3; 32]);
    assert_eq!(answer(CertRole::LinkWorker, None, d), HubAnswer::Send);
    assert_eq!(
        answer(CertRole::TeamLead, Some([4; 32]), d),
        HubAnswer::Send
    );
    assert_eq!(answer(CertRole::LinkWorker, d, d), HubAnswer::UpToDate);
    assert_eq!(
        answer(CertRole::LinkWorker, d, None),
        HubAnswer::NoDirectory
    );
    for role in [CertRole::Patient, CertRole::Admin, CertRole::Hub] {
        assert_eq!(answer(role, None, d), HubAnswer::NotOffered);
    }
}

#[test]
fn digests_round_trip_through_hex_and_bad_hex_is_refused() {
    let d = [0xab; 32];
    assert_eq!(digest_from_hex(&digest_hex(&d)), Some(d));
    assert_eq!(digest_from_hex(&"AB".repeat(32)), None);
    assert_eq!(digest_from_hex("ab"), None);
    assert_eq!(digest_from_hex(&"zz".repeat(32)), None);
}

#[test]
fn a_chunked_directory_is_imported_whole_and_then_the_phone_is_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let phone = store(&dir, Role::LinkWorker);
    assert_eq!(
        phone.directory_have().unwrap(),
        DirectoryMessage::Have(None)
    );
    let feed = big_feed(400, "a");
    let digest = digest_of(&feed);
    let parts: Vec<_> = chunks(digest, &feed).unwrap().collect();
    assert!(parts.len() > 2, "the test feed must need several chunks");
    let mut download = DirectoryDownload::new();
    for (i, m) in parts.iter().enumerate() {
        let step = download.receive(&phone, m).unwrap();
        if i + 1 < parts.len() {
            assert!(matches!(step, DirectoryStep::Receiving { .. }), "{step:?}");
            // Nothing is stored before the last chunk.
            assert!(phone.directory_version().unwrap().is_none());
        } else {
            let DirectoryStep::Applied(report) = step else {
                panic!("{step:?}")
            };
            assert_eq!(report.outcome, DirectoryImportOutcome::Replaced);
            assert_eq!(report.imported, 400);
            assert_eq!(report.version.source, "hub");
        }
    }
    assert!(download.is_finished());
    let have = phone.directory_have().unwrap();
    assert_eq!(have, DirectoryMessage::Have(Some(digest)));
    let DirectoryMessage::Have(held) = have else {
        unreachable!()
    };
    assert_eq!(
        answer(CertRole::LinkWorker, held, Some(digest)),
        HubAnswer::UpToDate
    );
    // The hub's short answers end a download without touching the directory.
    for (m, want) in [
        (DirectoryMessage::UpToDate, DirectoryStep::UpToDate),
        (DirectoryMessage::NoDirectory, DirectoryStep::NoDirectory),
        (DirectoryMessage::NotOffered, DirectoryStep::NotOffered),
    ] {
        assert_eq!(DirectoryDownload::new().receive(&phone, &m).unwrap(), want);
    }
}

/// The phone with the fixture imported, and its version.
fn phone_with_directory(dir: &tempfile::TempDir) -> (Store, crate::directory::DirectoryVersion) {
    let phone = store(dir, Role::LinkWorker);
    phone
        .directory_import(FIXTURE.as_bytes(), "services_page.json")
        .unwrap();
    let v = phone.directory_version().unwrap().unwrap();
    (phone, v)
}

#[test]
fn a_directory_that_does_not_match_its_digest_is_refused_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, before) = phone_with_directory(&dir);
    let feed = big_feed(50, "b");
    let mut download = DirectoryDownload::new();
    let wrong = digest_of(&big_feed(50, "c"));
    let mut out = None;
    for m in chunks(wrong, &feed).unwrap() {
        out = Some(download.receive(&phone, &m));
    }
    assert_eq!(err(out.unwrap()), ShareError::DigestMismatch);
    assert_eq!(phone.directory_version().unwrap().unwrap(), before);
}

#[test]
fn an_oversized_directory_is_refused_at_its_first_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, before) = phone_with_directory(&dir);
    let huge = DirectoryMessage::Chunk {
        digest: [1; 32],
        total: u32::try_from(MAX_DIRECTORY_BYTES + 1).unwrap(),
        index: 0,
        bytes: vec![b' '; CHUNK_BYTES],
    };
    let mut download = DirectoryDownload::new();
    assert_eq!(
        err(download.receive(&phone, &huge)),
        ShareError::TooLarge {
            limit: MAX_DIRECTORY_BYTES
        }
    );
    assert!(download.is_finished());
    assert_eq!(phone.directory_version().unwrap().unwrap(), before);
    // The hub side refuses to send one too.
    assert!(chunks([0; 32], &[]).is_err());
}

#[test]
fn chunks_out_of_order_of_another_directory_or_of_the_wrong_size_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, before) = phone_with_directory(&dir);
    let feed = big_feed(400, "d");
    let digest = digest_of(&feed);
    let parts: Vec<_> = chunks(digest, &feed).unwrap().collect();
    let with = |m: &DirectoryMessage, f: &dyn Fn(&mut DirectoryMessage)| {
        let mut m = m.clone();
        f(&mut m);
        m
    };
    let cases: Vec<Vec<DirectoryMessage>> = vec![
        // Starting anywhere but 0.
        vec![parts[1].clone()],
        // Skipping a chunk.
        vec![parts[0].clone(), parts[2].clone()],
        // Repeating a chunk.
        vec![parts[0].clone(), parts[0].clone()],
        // Switching directory mid-way.
        vec![
            parts[0].clone(),
            with(&parts[1], &|m| {
                if let DirectoryMessage::Chunk { digest, .. } = m {
                    digest[0] ^= 1;
                }
            }),
        ],
        // Changing the total mid-way.
        vec![
            parts[0].clone(),
            with(&parts[1], &|m| {
                if let DirectoryMessage::Chunk { total, .. } = m {
                    *total += 1;
                }
            }),
        ],
        // A short chunk that is not the last.
        vec![with(&parts[0], &|m| {
            if let DirectoryMessage::Chunk { bytes, .. } = m {
                bytes.pop();
            }
        })],
        // An empty directory.
        vec![DirectoryMessage::Chunk {
            digest,
            total: 0,
            index: 0,
            bytes: vec![],
        }],
    ];
    for case in cases {
        let mut download = DirectoryDownload::new();
        let mut last = Ok(DirectoryStep::UpToDate);
        for m in &case {
            last = download.receive(&phone, m);
            if last.is_err() {
                break;
            }
        }
        assert_eq!(err(last), ShareError::OutOfOrder, "{case:?}");
        assert_eq!(phone.directory_version().unwrap().unwrap(), before);
    }
}

#[test]
fn a_broken_feed_never_replaces_a_good_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, before) = phone_with_directory(&dir);
    let broken = b"{\"contents\": [".to_vec();
    let mut download = DirectoryDownload::new();
    let m = chunks([5; 32], &broken).unwrap().next().unwrap();
    assert!(matches!(
        download.receive(&phone, &m),
        Err(Error::Feed(FeedError::NotJson))
    ));
    // A transfer cut short (the connection dropped) stores nothing either.
    let feed = big_feed(400, "e");
    let mut download = DirectoryDownload::new();
    let first = chunks(digest_of(&feed), &feed).unwrap().next().unwrap();
    download.receive(&phone, &first).unwrap();
    drop(download);
    assert_eq!(phone.directory_version().unwrap().unwrap(), before);
    // An older directory than the one held is refused as a file import would be.
    let old = serde_json::to_vec(&json!({"contents": [{
        "id": "x", "name": "Old", "last_modified": "2001-01-01T00:00:00Z"
    }]}))
    .unwrap();
    assert!(matches!(
        send_all(&phone, &old),
        Err(Error::Feed(FeedError::Older))
    ));
    assert_eq!(phone.directory_version().unwrap().unwrap(), before);
}

#[test]
fn unexpected_messages_and_patient_stores_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (phone, _) = phone_with_directory(&dir);
    let mut download = DirectoryDownload::new();
    assert_eq!(
        err(download.receive(&phone, &DirectoryMessage::Have(None))),
        ShareError::Unexpected
    );
    let mut done = DirectoryDownload::new();
    done.receive(&phone, &DirectoryMessage::UpToDate).unwrap();
    assert_eq!(
        err(done.receive(&phone, &DirectoryMessage::UpToDate)),
        ShareError::Unexpected
    );

    let dir = tempfile::tempdir().unwrap();
    let patient = store(&dir, Role::Patient);
    assert!(matches!(
        patient.directory_have(),
        Err(Error::DirectoryShare(ShareError::NotForThisStore))
    ));
    let feed = FIXTURE.as_bytes();
    assert_eq!(err(send_all(&patient, feed)), ShareError::NotForThisStore);
    assert!(patient.directory_version().unwrap().is_none());
}

proptest::proptest! {
    /// No input makes the decoder panic, and no valid message cut short decodes.
    #[test]
    fn the_decoder_never_panics_and_refuses_truncation(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        cut in 1usize..40,
    ) {
        let _ = DirectoryMessage::decode(&bytes);
        let _ = DirectoryMessage::decode(&[SHARE_MAGIC.as_slice(), &[1], &bytes].concat());
        let valid = [
            DirectoryMessage::Have(Some([3; 32])).encode(),
            DirectoryMessage::Chunk {
                digest: [2; 32],
                total: 600,
                index: 0,
                bytes: bytes.clone(),
            }
            .encode(),
        ];
        for v in &valid {
            let short = &v[..v.len().saturating_sub(cut)];
            proptest::prop_assert!(DirectoryMessage::decode(short).is_err());
        }
    }
}
