//! `directory [services]`: the community services directory at 5,000 services (or the count
//! given). Generates a real-shaped ORUK feed, imports it into an encrypted store, then times
//! each kind of search (median and p99 over repeated queries with varying values) on a warm
//! reader, as a phone would run them. Prints a table; asserts nothing.

use std::time::Instant;

use linkwork_core::directory::{DirectoryQuery, Near, OpenOn};
use linkwork_core::model::Role;
use serde_json::{json, Value};

use crate::support::{self, e, ms, pct, Res};

/// Services in the default run (the issue's target size).
pub const DEFAULT_SERVICES: usize = 5_000;
/// Queries timed per filter kind.
const RUNS: usize = 200;

const ACTIVITIES: &[&str] = &[
    "Lunch Club",
    "Walking Group",
    "Community Choir",
    "Men's Shed",
    "Debt Advice",
    "Gardening Project",
    "Art Class",
    "Coffee Morning",
    "Chair Yoga",
    "Befriending Service",
    "Carers Support Group",
    "Knit and Natter",
    "Digital Skills Drop-in",
    "Bereavement Cafe",
    "Food Bank",
    "Tai Chi",
    "Book Club",
    "Dementia Cafe",
    "Swimming Session",
    "Repair Cafe",
];
const PLACES: &[&str] = &[
    "Chapeltown",
    "Harehills",
    "Headingley",
    "Armley",
    "Beeston",
    "Roundhay",
    "Seacroft",
    "Horsforth",
    "Otley",
    "Morley",
    "Pudsey",
    "Rothwell",
    "Garforth",
    "Wetherby",
    "Kirkstall",
    "Bramley",
    "Holbeck",
    "Hunslet",
    "Meanwood",
    "Moortown",
];
const NEEDS: &[&str] = &[
    "Loneliness and isolation",
    "Physical activity",
    "Money and debt",
    "Mental wellbeing",
    "Food and nutrition",
    "Carers",
    "Bereavement",
    "Digital inclusion",
    "Housing",
    "Arts and creativity",
    "Gardening and green space",
    "Employment",
    "Dementia",
    "Learning",
    "Volunteering",
];
const WORDS: &[&str] = &[
    "friendly",
    "weekly",
    "volunteers",
    "support",
    "people",
    "local",
    "welcome",
    "free",
    "session",
    "tea",
    "chat",
    "meet",
    "new",
    "friends",
    "help",
    "advice",
    "group",
    "community",
    "centre",
    "older",
    "adults",
    "families",
    "accessible",
    "transport",
    "booking",
    "drop",
    "in",
    "gentle",
];
const DAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// A small deterministic generator (xorshift), so every run builds the same directory.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

/// The postcode of generated location `i` (unique, UK-shaped).
fn postcode(i: usize) -> String {
    let letters = b"ABDEFGHJLNPQRSTUWXYZ";
    let a = letters[i % letters.len()] as char;
    let b = letters[(i / letters.len()) % letters.len()] as char;
    format!("LS{} {}{}{}", 1 + i % 28, (i / 400) % 10, a, b)
}

/// A `/services` page of `n` services with organisations, locations, schedules, terms, ages.
pub fn feed(n: usize) -> Value {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let services: Vec<Value> = (0..n)
        .map(|i| {
            let activity = rng.pick(ACTIVITIES);
            let place = rng.pick(PLACES);
            let description: Vec<&str> = (0..30).map(|_| rng.pick(WORDS)).collect();
            let lat = 53.6 + rng.unit() * 0.4;
            let lon = -1.8 + rng.unit() * 0.6;
            let (d1, d2) = (rng.pick(DAYS), rng.pick(DAYS));
            let terms: Vec<Value> = (0..1 + rng.next() % 3)
                .map(|_| {
                    let need = rng.pick(NEEDS);
                    json!({"id": format!("t-{need}"), "taxonomy_term": {
                        "id": format!("term-{}", need.len()), "name": need, "taxonomy": "esdNeeds"}})
                })
                .collect();
            let mut s = json!({
                "id": format!("svc-{i:05}"),
                "name": format!("{place} {activity}"),
                "description": format!("{activity} in {place}: {}.", description.join(" ")),
                "status": "active",
                "last_modified": "2026-11-01T00:00:00Z",
                "organization": {"id": format!("org-{}", i % 700), "name": format!("{place} Community Trust {}", i % 700)},
                "service_at_locations": [{"id": format!("sal-{i}"), "location": {
                    "id": format!("loc-{i}"), "name": format!("{place} Centre"),
                    "latitude": lat, "longitude": lon,
                    "addresses": [{"id": format!("adr-{i}"), "address_1": "1 High Street",
                                   "city": "Leeds", "postal_code": postcode(i)}]}}],
                "schedules": [{"id": format!("sch-{i}"), "freq": "WEEKLY",
                               "byday": format!("{d1},{d2}"), "opens_at": "10:00", "closes_at": "12:00"}],
                "phones": [{"id": format!("ph-{i}"), "number": "0113 496 0000"}],
                "attributes": terms,
            });
            if rng.next().is_multiple_of(3) {
                s["minimum_age"] = json!(16 + rng.next() % 50);
            }
            if rng.next().is_multiple_of(5) {
                s["maximum_age"] = json!(70 + rng.next() % 30);
            }
            s
        })
        .collect();
    json!({"total_items": n, "total_pages": 1, "page_number": 1, "size": n,
           "first_page": true, "last_page": true, "empty": false, "contents": services})
}

/// Runs the scenario at `n` services.
pub fn run(n: usize) -> Res<()> {
    let dir = tempfile::tempdir().map_err(e)?;
    let store = support::store(dir.path(), "directory", Role::LinkWorker, None)?;
    let bytes = serde_json::to_vec(&feed(n)).map_err(e)?;
    let started = Instant::now();
    let report = store.directory_import(&bytes, "bench").map_err(e)?;
    let import_ms = ms(started.elapsed());
    println!();
    println!(
        "Directory: {} services ({:.1} MiB feed), import {:.0} ms, {} issues",
        report.imported,
        bytes.len() as f64 / 1_048_576.0,
        import_ms,
        report.issues.len()
    );
    let base = DirectoryQuery::default();
    let mut rng = Rng(42);
    type MakeQuery<'a> = Box<dyn FnMut(&mut Rng) -> DirectoryQuery + 'a>;
    let kinds: Vec<(&str, MakeQuery<'_>)> = vec![
        ("browse (no filter)", Box::new(|_| base.clone())),
        (
            "text, exact",
            Box::new(|r| DirectoryQuery {
                text: Some(format!("{} {}", r.pick(PLACES), r.pick(ACTIVITIES))),
                ..base.clone()
            }),
        ),
        (
            "text, typo (lunch clb)",
            Box::new(|r| {
                let a = r.pick(ACTIVITIES).to_lowercase();
                // Drop one inner letter of the last word: "lunch club" -> "lunch clb".
                let mut t: Vec<char> = a.chars().collect();
                let at = t.len().saturating_sub(2);
                t.remove(at);
                DirectoryQuery {
                    text: Some(t.into_iter().collect()),
                    ..base.clone()
                }
            }),
        ),
        (
            "need",
            Box::new(|r| DirectoryQuery {
                need: Some(r.pick(NEEDS).to_string()),
                ..base.clone()
            }),
        ),
        (
            "near coordinates, 3 km",
            Box::new(|r| DirectoryQuery {
                near: Some(Near::Coordinates {
                    latitude: 53.6 + r.unit() * 0.4,
                    longitude: -1.8 + r.unit() * 0.6,
                }),
                within_km: Some(3.0),
                ..base.clone()
            }),
        ),
        (
            "near postcode, 3 km",
            Box::new(|r| DirectoryQuery {
                near: Some(
                    Near::parse(&postcode((r.next() % n as u64) as usize)).unwrap_or(
                        Near::Coordinates {
                            latitude: 53.8,
                            longitude: -1.5,
                        },
                    ),
                ),
                within_km: Some(3.0),
                ..base.clone()
            }),
        ),
        (
            "open on a weekday",
            Box::new(|r| DirectoryQuery {
                open_on: OpenOn::parse(r.pick(DAYS)).ok(),
                ..base.clone()
            }),
        ),
        (
            "open on a date",
            Box::new(|r| DirectoryQuery {
                open_on: OpenOn::parse(&format!("2026-12-{:02}", 1 + r.next() % 28)).ok(),
                ..base.clone()
            }),
        ),
        (
            "age",
            Box::new(|r| DirectoryQuery {
                age: Some((r.next() % 90) as u32),
                ..base.clone()
            }),
        ),
        (
            "text + need + near + open + age",
            Box::new(|r| DirectoryQuery {
                text: Some(r.pick(ACTIVITIES).to_string()),
                need: Some(r.pick(NEEDS).to_string()),
                near: Some(Near::Coordinates {
                    latitude: 53.8,
                    longitude: -1.5,
                }),
                within_km: Some(20.0),
                open_on: OpenOn::parse(r.pick(DAYS)).ok(),
                age: Some(70),
                ..base.clone()
            }),
        ),
    ];
    println!(
        "{:<34} {:>10} {:>10} {:>10}",
        "search (20 per page)", "median ms", "p99 ms", "mean hits"
    );
    for (name, mut make) in kinds {
        // One warm-up query: the reader connection and its statement cache, as on a phone
        // that has searched once.
        store.directory_search(&make(&mut rng)).map_err(e)?;
        let mut samples = Vec::with_capacity(RUNS);
        let mut hits = 0u64;
        for _ in 0..RUNS {
            let q = make(&mut rng);
            let t = Instant::now();
            let page = store.directory_search(&q).map_err(e)?;
            samples.push(ms(t.elapsed()));
            hits += u64::try_from(page.total).unwrap_or(0);
        }
        println!(
            "{:<34} {:>10.2} {:>10.2} {:>10.0}",
            name,
            pct(&samples, 0.5),
            pct(&samples, 0.99),
            hits as f64 / RUNS as f64
        );
    }
    Ok(())
}
