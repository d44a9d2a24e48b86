//! Live mode delay: two stores connected by an in-process "transport" (channels), each side
//! polling every 20 ms as the reference transport does every 100 ms; how long after a commit on
//! one side the other side's store holds the edit.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use linkwork_core::model::{NewProgress, Role};
use linkwork_core::{Store, SyncSession};

use crate::support::{e, populate, store, sync, Res};

const EDITS: usize = 40;
const POLL: Duration = Duration::from_millis(20);

/// One side of a live connection: applies what arrives, polls for local edits.
fn pump(
    store: Arc<Store>,
    session: Arc<Mutex<SyncSession>>,
    rx: Receiver<Vec<u8>>,
    tx: Sender<Vec<u8>>,
    stop: Arc<Mutex<bool>>,
) {
    loop {
        if stop.lock().map(|s| *s).unwrap_or(true) {
            return;
        }
        let Ok(mut s) = session.lock() else { return };
        match rx.recv_timeout(POLL) {
            Ok(bytes) => {
                if let Ok(step) = store.sync_receive(&mut s, &bytes) {
                    if let Some(r) = step.reply {
                        let _ = tx.send(r);
                    }
                }
            }
            Err(_) => {
                if let Ok(Some(m)) = store.sync_poll(&mut s) {
                    let _ = tx.send(m);
                }
            }
        }
    }
}

/// Runs the live-delay benchmark and prints its table.
pub fn run() -> Res<()> {
    let dir = tempfile::tempdir().map_err(e)?;
    let worker = Arc::new(store(dir.path(), "worker", Role::LinkWorker, None)?);
    let people = populate(&worker, 20)?;
    let (person, goal) = people[0];
    let phone = Arc::new(store(dir.path(), "phone", Role::Patient, Some(person))?);
    sync(&phone, &worker)?;
    // Open a session that completes, then stays open in live mode.
    let (mut sp, first) = phone.sync_start().map_err(e)?;
    let mut sw = worker.sync_accept();
    let mut msg = Some(first);
    let mut to_worker = true;
    while let Some(m) = msg {
        let step = if to_worker {
            worker.sync_receive(&mut sw, &m)
        } else {
            phone.sync_receive(&mut sp, &m)
        }
        .map_err(e)?;
        msg = step.reply;
        to_worker = !to_worker;
    }
    let (to_w_tx, to_w_rx) = channel();
    let (to_p_tx, to_p_rx) = channel();
    let stop = Arc::new(Mutex::new(false));
    let (sp, sw) = (Arc::new(Mutex::new(sp)), Arc::new(Mutex::new(sw)));
    let threads = [
        {
            let (s, ss, st) = (phone.clone(), sp.clone(), stop.clone());
            thread::spawn(move || pump(s, ss, to_p_rx, to_w_tx, st))
        },
        {
            let (s, ss, st) = (worker.clone(), sw.clone(), stop.clone());
            thread::spawn(move || pump(s, ss, to_w_rx, to_p_tx, st))
        },
    ];
    let mut delays = Vec::with_capacity(EDITS);
    for i in 0..EDITS {
        let (from, to) = if i % 2 == 0 {
            (&phone, &worker)
        } else {
            (&worker, &phone)
        };
        let before = to.plan(person).map_err(e)?.goals[0].progress.len();
        let start = Instant::now();
        from.record_progress(
            goal,
            NewProgress {
                rating: Some((i % 11) as i32),
                note: None,
            },
        )
        .map_err(e)?;
        loop {
            if to.plan(person).map_err(e)?.goals[0].progress.len() > before {
                break;
            }
            if start.elapsed() > Duration::from_secs(10) {
                return Err("an edit did not arrive within 10 s".into());
            }
            thread::sleep(Duration::from_millis(2));
        }
        delays.push(start.elapsed());
    }
    if let Ok(mut s) = stop.lock() {
        *s = true;
    }
    for t in threads {
        let _ = t.join();
    }
    delays.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("live mode: an edit on one phone visible on the other (poll every {} ms, {EDITS} edits, both directions)", POLL.as_millis());
    println!();
    println!("| median | p90 | max |");
    println!("| --- | --- | --- |");
    println!(
        "| {:.1} ms | {:.1} ms | {:.1} ms |",
        ms(delays[delays.len() / 2]),
        ms(delays[delays.len() * 9 / 10]),
        ms(delays[delays.len() - 1])
    );
    Ok(())
}
