//! The organisation's services directory on the hub, on SQLite and on PostgreSQL: import and
//! fetch (paged `/services` API served on loopback) stored by version, with every refusal
//! leaving the current directory; and redistribution over `/connect` — a link worker's phone
//! receives the directory in chunks, then costs a few bytes when up to date; an
//! administrator's device is not offered it; a malformed request closes the connection; the
//! same connection then carries document sync.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use linkwork_core::directory::share::{DirectoryDownload, DirectoryMessage, DirectoryStep};
use linkwork_core::directory::{DirectoryImportOutcome, FeedError};
use linkwork_core::identity::enrolment::{DeviceMessage, HubMessage};
use linkwork_core::identity::Peer;
use linkwork_hub::directory::FetchLimits;
use linkwork_hub::store::{HubStore, UserRole, DIRECTORY_VERSIONS_KEPT};
use linkwork_hub::{Hub, HubError};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

const FIXTURE: &str = include_str!("../../../tests/fixtures/directory/services_page.json");

/// A feed of `n` services named with `tag`, dated `date`.
fn feed(n: usize, tag: &str, date: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "contents": records(0..n, tag, date) })).unwrap()
}

fn records(range: std::ops::Range<usize>, tag: &str, date: &str) -> Vec<Value> {
    range
        .map(|i| {
            json!({
                "id": format!("svc-{i:05}"),
                "name": format!("Service {i} {tag}"),
                "description": "A long description of a community group that meets weekly. "
                    .repeat(6),
                "status": "active",
                "last_modified": date,
            })
        })
        .collect()
}

fn feed_error(e: HubError) -> FeedError {
    match e {
        HubError::Core(linkwork_core::Error::Feed(f)) => f,
        other => panic!("expected a feed refusal, got {other:?}"),
    }
}

async fn import_fetch_and_versions<S: HubStore>(hub: Hub<S>, d: &Deployment) {
    assert!(hub.directory_versions().await.unwrap().is_empty());
    let first = hub
        .import_directory(FIXTURE.as_bytes().to_vec(), "services_page.json")
        .await
        .unwrap();
    assert_eq!(first.outcome, DirectoryImportOutcome::Replaced);
    // The same per-record report as a phone's import.
    assert_eq!((first.records, first.imported, first.skipped), (11, 6, 5));
    assert!(!first.issues.is_empty());
    let current = hub.directory_versions().await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].digest, first.version.content_hash);
    assert_eq!(current[0].bytes, FIXTURE.len() as i64);

    // The same content again: no new version.
    let again = hub
        .import_directory(FIXTURE.as_bytes().to_vec(), "again.json")
        .await
        .unwrap();
    assert_eq!(again.outcome, DirectoryImportOutcome::Unchanged);
    assert_eq!(hub.directory_versions().await.unwrap().len(), 1);

    // Refused whole, nothing stored: not JSON, no valid service, older than the current one.
    assert_eq!(
        feed_error(
            hub.import_directory(b"{\"contents\": [".to_vec(), "x")
                .await
                .unwrap_err()
        ),
        FeedError::NotJson
    );
    assert!(matches!(
        feed_error(
            hub.import_directory(br#"{"contents": [{"id": "a"}]}"#.to_vec(), "x")
                .await
                .unwrap_err()
        ),
        FeedError::NoValidService { .. }
    ));
    assert_eq!(
        feed_error(
            hub.import_directory(feed(3, "old", "2001-01-01T00:00:00Z"), "old")
                .await
                .unwrap_err()
        ),
        FeedError::Older
    );
    assert_eq!(hub.directory_versions().await.unwrap(), current);

    // Newer versions: the newest is current, only the last few are kept.
    for i in 0..DIRECTORY_VERSIONS_KEPT + 1 {
        let r = hub
            .import_directory(feed(5, &format!("v{i}"), "2026-12-01T00:00:00Z"), "v")
            .await
            .unwrap();
        assert_eq!(r.outcome, DirectoryImportOutcome::Replaced);
    }
    let versions = hub.directory_versions().await.unwrap();
    assert_eq!(versions.len() as i64, DIRECTORY_VERSIONS_KEPT);
    assert!(versions.windows(2).all(|w| w[0].version > w[1].version));
    assert!(hub
        .store
        .directory_feed(current[0].version)
        .await
        .unwrap()
        .is_none());

    // `directory status` and `directory import` as commands.
    let out = hub_cli(d, &["directory", "status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status[0]["version"], versions[0].version);
    assert_eq!(status[0]["services"], 5);
    let file = d.dir.path().join("newer.json");
    std::fs::write(&file, feed(7, "file", "2026-12-02T00:00:00Z")).unwrap();
    let out = hub_cli(d, &["directory", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("replaced: 7 records read, 7 services imported"),
        "{text}"
    );
    let broken = d.dir.path().join("broken.json");
    std::fs::write(&broken, b"not json").unwrap();
    let out = hub_cli(d, &["directory", "import", broken.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
    assert_eq!(hub.directory_versions().await.unwrap()[0].services, 7);

    let log = hub.store.audit_log().await.unwrap();
    assert_eq!(
        events(&log, "directory-import").len() as i64,
        DIRECTORY_VERSIONS_KEPT + 3
    );
}

#[tokio::test]
async fn directory_import_versions_and_refusals_on_sqlite() {
    let (d, hub) = init_sqlite("Northside").await;
    import_fetch_and_versions(hub, &d).await;
}

#[tokio::test]
async fn directory_import_versions_and_refusals_on_postgres() {
    let Some((d, hub)) = init_postgres("directory_import", "Northside").await else {
        return;
    };
    import_fetch_and_versions(hub, &d).await;
}

/// A plain HTTP server on loopback answering each request with `answer(path)`: a status
/// and a body. Runs until the test process ends.
fn http_server(answer: impl Fn(&str) -> (u16, Vec<u8>) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head);
            let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
            let (status, body) = answer(&path);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

/// An ORUK `/services` page of `per` records out of `pages` pages.
fn page(number: u64, pages: u64, per: usize, tag: &str) -> Vec<u8> {
    let start = (number as usize - 1) * per;
    serde_json::to_vec(&json!({
        "total_items": pages as usize * per,
        "total_pages": pages,
        "page_number": number,
        "size": per,
        "first_page": number == 1,
        "last_page": number == pages,
        "empty": false,
        "contents": records(start..start + per, tag, "2026-12-03T00:00:00Z"),
    }))
    .unwrap()
}

fn page_number(path: &str) -> u64 {
    path.split(['?', '&'])
        .find_map(|p| p.strip_prefix("page="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

async fn fetch_follows_pages_and_never_stores_a_partial_feed<S: HubStore>(hub: Hub<S>) {
    let good = http_server(|path| (200, page(page_number(path), 3, 40, "fetched")));
    let report = hub
        .fetch_directory(
            &format!("{good}/services?per_page=40"),
            FetchLimits::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.outcome, DirectoryImportOutcome::Replaced);
    assert_eq!(report.imported, 120);
    assert!(report.issues.is_empty(), "{:?}", report.issues);
    let current = hub.directory_versions().await.unwrap();
    assert_eq!(current[0].source, format!("{good}/services?per_page=40"));

    let fetch_err = |e: HubError| match e {
        HubError::Fetch { page, reason } => (page, reason),
        other => panic!("expected a fetch failure, got {other:?}"),
    };
    // Page 2 fails: nothing stored.
    let broken = http_server(|path| match page_number(path) {
        2 => (500, b"oops".to_vec()),
        n => (200, page(n, 3, 40, "broken")),
    });
    let e = hub
        .fetch_directory(&format!("{broken}/services"), FetchLimits::default())
        .await
        .unwrap_err();
    assert_eq!(fetch_err(e).0, 2);
    // More pages than allowed.
    let e = hub
        .fetch_directory(
            &format!("{good}/services"),
            FetchLimits {
                max_pages: 2,
                ..FetchLimits::default()
            },
        )
        .await
        .unwrap_err();
    assert!(fetch_err(e).1.contains("more than 2 pages"));
    // More bytes than allowed.
    let e = hub
        .fetch_directory(
            &format!("{good}/services"),
            FetchLimits {
                max_bytes: 20_000,
                ..FetchLimits::default()
            },
        )
        .await
        .unwrap_err();
    assert!(fetch_err(e).1.contains("bytes"));
    // An API that ignores the page asked for would loop: refused.
    let stuck = http_server(|_| (200, page(1, 3, 40, "stuck")));
    let e = hub
        .fetch_directory(&format!("{stuck}/services"), FetchLimits::default())
        .await
        .unwrap_err();
    assert!(fetch_err(e).1.contains("asked for page 2"));
    // Out of time: overall, and a server that never answers.
    let e = hub
        .fetch_directory(
            &format!("{good}/services"),
            FetchLimits {
                total_timeout: Duration::ZERO,
                ..FetchLimits::default()
            },
        )
        .await
        .unwrap_err();
    assert!(fetch_err(e).1.contains("too long"));
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}/services", silent.local_addr().unwrap());
    let e = hub
        .fetch_directory(
            &silent_url,
            FetchLimits {
                request_timeout: Duration::from_millis(300),
                ..FetchLimits::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(fetch_err(e).0, 1);
    drop(silent);
    // Fewer records than announced (a page cut short), or an empty page before the last.
    let short = http_server(|path| {
        let n = page_number(path);
        let mut p: Value = serde_json::from_slice(&page(n, 3, 40, "short")).unwrap();
        if n == 2 {
            p["contents"].as_array_mut().unwrap().truncate(10);
        }
        (200, serde_json::to_vec(&p).unwrap())
    });
    let e = hub
        .fetch_directory(&format!("{short}/services"), FetchLimits::default())
        .await
        .unwrap_err();
    assert!(fetch_err(e).1.contains("announced 120 records"));
    let hole = http_server(|path| {
        let n = page_number(path);
        let mut p: Value = serde_json::from_slice(&page(n, 3, 40, "hole")).unwrap();
        if n == 2 {
            p["contents"] = json!([]);
        }
        (200, serde_json::to_vec(&p).unwrap())
    });
    let e = hub
        .fetch_directory(&format!("{hole}/services"), FetchLimits::default())
        .await
        .unwrap_err();
    assert_eq!(fetch_err(e).0, 2);
    // A page that is not JSON, and a URL that is not http(s).
    let junk = http_server(|_| (200, b"<html>".to_vec()));
    let e = hub
        .fetch_directory(&format!("{junk}/services"), FetchLimits::default())
        .await
        .unwrap_err();
    assert!(fetch_err(e).1.contains("not JSON"));
    assert!(matches!(
        hub.fetch_directory("file:///etc/passwd", FetchLimits::default())
            .await
            .unwrap_err(),
        HubError::Invalid { field: "url", .. }
    ));
    assert_eq!(hub.directory_versions().await.unwrap(), current);
}

#[tokio::test]
async fn directory_fetch_on_sqlite() {
    let (_d, hub) = init_sqlite("Northside").await;
    fetch_follows_pages_and_never_stores_a_partial_feed(hub).await;
}

#[tokio::test]
async fn directory_fetch_on_postgres() {
    let Some((_d, hub)) = init_postgres("directory_fetch", "Northside").await else {
        return;
    };
    fetch_follows_pages_and_never_stores_a_partial_feed(hub).await;
}

/// The next raw frame from the hub (`None` once it closed the connection).
async fn frame(live: &mut Live) -> Option<Vec<u8>> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), live.ws.next())
            .await
            .ok()??
        {
            Ok(Message::Binary(b)) => return Some(b.to_vec()),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            _ => return None,
        }
    }
}

async fn send(live: &mut Live, plaintext: &[u8]) {
    let sealed = live.channel.seal(plaintext).unwrap();
    live.ws.send(Message::Binary(sealed.into())).await.unwrap();
}

/// Connects `phone`, sends its `Have`, and runs the download; returns the last step and the
/// sizes of the frames the hub sent for it.
async fn sync_directory(phone: &Phone, url: &str, tls: &Tls) -> (DirectoryStep, Vec<usize>) {
    let Connected::Open(mut live, HubMessage::Revocations(_)) =
        connect_phone(phone, url, tls).await
    else {
        panic!("an enrolled phone is admitted");
    };
    send(&mut live, &phone.store.directory_have().unwrap().encode()).await;
    let mut download = DirectoryDownload::new();
    let mut sizes = Vec::new();
    loop {
        let raw = frame(&mut live).await.expect("the hub answers");
        sizes.push(raw.len());
        let Ok(HubMessage::Directory(m)) = HubMessage::decode(&live.channel.open(&raw).unwrap())
        else {
            panic!("a directory message");
        };
        let step = download.receive(&phone.store, &m).unwrap();
        if !matches!(step, DirectoryStep::Receiving { .. }) {
            return (step, sizes);
        }
    }
}

async fn phones_receive_the_directory_over_connect<S: HubStore>(hub: Hub<S>) {
    let tls = tls();
    let hub = Arc::new(hub);
    let (node, url) = start(hub.clone(), &tls, fast()).await;
    let asha = phone("asha");
    enrol(
        &asha,
        &url,
        &tls,
        &invite(&hub, "Asha", UserRole::LinkWorker).await,
    )
    .await;
    let lead = phone("lead");
    enrol(
        &lead,
        &url,
        &tls,
        &invite(&hub, "Lee", UserRole::TeamLead).await,
    )
    .await;
    let admin = phone("admin");
    enrol(
        &admin,
        &url,
        &tls,
        &invite(&hub, "Ada", UserRole::Admin).await,
    )
    .await;

    // Before the hub has one.
    let (step, _) = sync_directory(&asha, &url, &tls).await;
    assert_eq!(step, DirectoryStep::NoDirectory);

    let big = feed(600, "hub", "2026-12-04T00:00:00Z");
    let stored = hub.import_directory(big.clone(), "hub.json").await.unwrap();
    for p in [&asha, &lead] {
        let (step, sizes) = sync_directory(p, &url, &tls).await;
        let DirectoryStep::Applied(report) = step else {
            panic!("{step:?}")
        };
        assert_eq!(report.imported, 600);
        assert!(sizes.len() > 2, "sent in several chunks: {sizes:?}");
        assert!(sizes.iter().all(|s| *s < linkwork_hub::server::MAX_MESSAGE));
        assert_eq!(
            p.store.directory_version().unwrap().unwrap().content_hash,
            stored.version.content_hash
        );
    }
    // Up to date: one small frame each way.
    let (step, sizes) = sync_directory(&asha, &url, &tls).await;
    assert_eq!(step, DirectoryStep::UpToDate);
    assert_eq!(sizes.len(), 1);
    assert!(sizes[0] < 64, "{sizes:?}");
    // One connection carries both: the directory exchange, then document sync (the hub tells
    // the two apart by the directory messages' own magic).
    let Connected::Open(mut live, HubMessage::Revocations(_)) =
        connect_phone(&asha, &url, &tls).await
    else {
        panic!("an enrolled phone is admitted");
    };
    send(&mut live, &asha.store.directory_have().unwrap().encode()).await;
    let raw = frame(&mut live)
        .await
        .expect("the hub answers the directory request");
    assert!(matches!(
        HubMessage::decode(&live.channel.open(&raw).unwrap()),
        Ok(HubMessage::Directory(DirectoryMessage::UpToDate))
    ));
    let (_session, first) = asha
        .store
        .sync_start_authenticated(&Peer::Verified(Box::new(hub.certificate.clone())))
        .unwrap();
    send(&mut live, &DeviceMessage::Sync(first).encode()).await;
    let raw = frame(&mut live)
        .await
        .expect("the hub answers the sync message");
    assert!(matches!(
        HubMessage::decode(&live.channel.open(&raw).unwrap()),
        Ok(HubMessage::Sync(_) | HubMessage::SyncDone)
    ));
    // An administrator's device is not offered the directory.
    let (step, _) = sync_directory(&admin, &url, &tls).await;
    assert_eq!(step, DirectoryStep::NotOffered);
    assert!(admin.store.directory_version().unwrap().is_none());

    // A device that sends a malformed directory message, or a hub-side message, is cut off.
    for bad in [
        b"LWY\x01\x01\x07".to_vec(),
        DirectoryMessage::UpToDate.encode(),
    ] {
        let Connected::Open(mut live, _) = connect_phone(&asha, &url, &tls).await else {
            panic!("admitted");
        };
        send(&mut live, &bad).await;
        assert!(live.closed_within(Duration::from_secs(5)).await);
    }
    node.stop().await;

    let log = hub.store.audit_log().await.unwrap();
    let sent = events(&log, "directory-sent");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].entry.user.as_deref(), Some("Asha"));
    assert_eq!(sent[1].entry.user.as_deref(), Some("Lee"));
}

#[tokio::test]
async fn phones_receive_the_directory_over_connect_on_sqlite() {
    let (_d, hub) = init_sqlite("Northside").await;
    phones_receive_the_directory_over_connect(hub).await;
}

#[tokio::test]
async fn phones_receive_the_directory_over_connect_on_postgres() {
    let Some((_d, hub)) = init_postgres("directory_connect", "Northside").await else {
        return;
    };
    phones_receive_the_directory_over_connect(hub).await;
}
