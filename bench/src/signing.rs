//! The cost of attributable changes (ADR 0007): signing each action's change, and verifying
//! every change a sync brings, on enrolled stores. The Ed25519 operations are timed on their
//! own with `ed25519-dalek` (the same crate, the same `verify_strict`, a 32-byte hash behind a
//! label as the store signs), then set against the action and the sync they belong to.

use std::time::Instant;

use ed25519_dalek::{Signer, SigningKey};
use linkwork_core::identity::{CertRole, CertificateRequest, OrgSigner, Permissions};
use linkwork_core::model::{NewProgress, Role};
use linkwork_core::Store;

use crate::support::{e, ms, pct, populate, store, sync, Res};

const SIGNATURES: usize = 2000;
const ACTIONS: usize = 300;

fn enrol(org: &OrgSigner, s: &Store) -> Res<()> {
    let request = CertificateRequest::decode(&s.certificate_request().map_err(e)?).map_err(e)?;
    let now = chrono::Utc::now().timestamp();
    let permissions = Permissions {
        can_erase: true,
        can_enrol_patients: true,
    };
    let cert = org
        .issue(&request, CertRole::LinkWorker, permissions, now, 30)
        .map_err(e)?;
    s.install_certificate(&cert.encode()).map_err(e)?;
    Ok(())
}

/// Microseconds per Ed25519 signature and per strict verification of a change hash.
fn ed25519_costs() -> (f64, f64) {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let verifying = key.verifying_key();
    let mut message = b"linkwork change v1\0".to_vec();
    message.extend_from_slice(&[0xab; 32]);
    let t = Instant::now();
    let mut sigs = Vec::with_capacity(SIGNATURES);
    for i in 0..SIGNATURES {
        message[20] = i as u8;
        sigs.push(key.sign(&message));
    }
    let sign_us = t.elapsed().as_secs_f64() * 1e6 / SIGNATURES as f64;
    let t = Instant::now();
    let mut ok = 0;
    for (i, sig) in sigs.iter().enumerate() {
        message[20] = i as u8;
        ok += usize::from(verifying.verify_strict(&message, sig).is_ok());
    }
    let verify_us = t.elapsed().as_secs_f64() * 1e6 / SIGNATURES as f64;
    assert_eq!(ok, SIGNATURES, "every signature verifies");
    (sign_us, verify_us)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores available")
}

/// Runs the signing benchmark and prints its table.
pub fn run() -> Res<()> {
    println!();
    println!(
        "signing and verifying changes (enrolled stores; {})",
        machine()
    );
    let (sign_us, verify_us) = ed25519_costs();
    println!();
    println!("| what | time | share |");
    println!("| --- | --- | --- |");
    println!("| Ed25519 signature of one change hash | {sign_us:.1} µs | |");
    println!("| Ed25519 strict verification of one | {verify_us:.1} µs | |");

    let dir = tempfile::tempdir().map_err(e)?;
    let org = OrgSigner::create("Bench PCN").map_err(e)?;
    let a = store(dir.path(), "a", Role::LinkWorker, None)?;
    enrol(&org, &a)?;
    let people = populate(&a, ACTIONS)?;
    let mut times = Vec::with_capacity(ACTIONS);
    for (_, goal) in &people {
        let t = Instant::now();
        a.record_progress(
            *goal,
            NewProgress {
                rating: Some(5),
                note: None,
            },
        )
        .map_err(e)?;
        times.push(ms(t.elapsed()));
    }
    let median = pct(&times, 0.5);
    let sign_ms = sign_us / 1e3;
    println!(
        "| record progress (one signed change), median of {ACTIONS} | {median:.2} ms | \
         signing {:.1}% of the action, {:.3}x the action without it |",
        100.0 * sign_ms / median,
        median / (median - sign_ms).max(f64::EPSILON)
    );

    for n in [250usize, 1000] {
        let dir = tempfile::tempdir().map_err(e)?;
        let a = store(dir.path(), "a", Role::LinkWorker, None)?;
        let b = store(dir.path(), "b", Role::LinkWorker, None)?;
        enrol(&org, &a)?;
        enrol(&org, &b)?;
        let people = populate(&a, n)?;
        let t = Instant::now();
        sync(&a, &b).map_err(e)?;
        let took = ms(t.elapsed());
        let mut changes = 0usize;
        for (p, _) in &people {
            changes += b.history(*p).map_err(e)?.len();
        }
        let verify_ms = changes as f64 * verify_us / 1e3;
        println!(
            "| {n} people: new device receives the caseload, verifying {changes} changes | \
             {took:.0} ms | verifying {:.1}% of the sync, {:.2}x the sync without it |",
            100.0 * verify_ms / took,
            took / (took - verify_ms).max(f64::EPSILON)
        );
        for (_, g) in people.iter().take(2) {
            a.record_progress(
                *g,
                NewProgress {
                    rating: Some(4),
                    note: None,
                },
            )
            .map_err(e)?;
        }
        let t = Instant::now();
        sync(&a, &b).map_err(e)?;
        let took = ms(t.elapsed());
        let verify_ms = 2.0 * verify_us / 1e3;
        println!(
            "| {n} people: two offline edits | {took:.1} ms | verifying {:.2}% of the sync |",
            100.0 * verify_ms / took
        );
    }
    Ok(())
}
