//! Realistic caseloads: each person has a year of activity written through the `Store` API, one
//! user action per call, exactly as an app would (about 60 actions a person).

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use linkwork_core::measures::{AdministrationMode, Instrument, Timepoint};
use linkwork_core::model::*;
use linkwork_core::{Id, Store};

use crate::support::{e, Res};

/// Bump when the generated content or the store format changes, so cached caseloads are
/// regenerated (2: store migration `0009_document_state.sql`, 3: `0010_compact_signatures.sql`;
/// an older cache would be migrated again in every scenario's child process).
pub const GEN_VERSION: u32 = 3;

/// A small deterministic generator (splitmix64): the same seed gives the same caseload.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const GIVEN: &[&str] = &[
    "Margaret", "John", "Aisha", "Peter", "Grace", "Mohammed", "Susan", "David", "Olena", "Ravi",
    "Eileen", "Tom", "Fatima", "George", "Joan", "Kwame", "Linda", "Michael", "Priya", "Stanley",
];
const FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Khan", "Lewis", "Clarke", "Jackson", "Wood", "Harris", "Martin", "Cooper", "Hill", "Ward",
];
const WORDS: &[&str] = &[
    "visited",
    "at",
    "home",
    "talked",
    "about",
    "her",
    "his",
    "their",
    "week",
    "daughter",
    "son",
    "neighbour",
    "group",
    "walking",
    "lunch",
    "club",
    "library",
    "benefits",
    "form",
    "council",
    "tax",
    "letter",
    "arrears",
    "housing",
    "officer",
    "repair",
    "damp",
    "heating",
    "bill",
    "energy",
    "voucher",
    "food",
    "bank",
    "pantry",
    "bus",
    "pass",
    "mobility",
    "scooter",
    "pain",
    "sleep",
    "mood",
    "low",
    "better",
    "anxious",
    "calmer",
    "lonely",
    "since",
    "husband",
    "wife",
    "died",
    "last",
    "year",
    "grief",
    "counselling",
    "waiting",
    "list",
    "GP",
    "appointment",
    "medication",
    "review",
    "pharmacist",
    "carer",
    "respite",
    "allotment",
    "gardening",
    "choir",
    "men's",
    "shed",
    "tea",
    "dance",
    "class",
    "befriending",
    "call",
    "volunteer",
    "phoned",
    "agreed",
    "to",
    "try",
    "the",
    "a",
    "and",
    "with",
    "for",
    "on",
    "next",
    "Tuesday",
    "Friday",
    "morning",
    "afternoon",
    "plan",
    "goal",
    "step",
    "felt",
    "said",
    "would",
    "like",
    "more",
    "confident",
    "going",
    "out",
    "again",
    "manage",
    "money",
    "debt",
    "advice",
    "Citizens",
    "Advice",
    "referral",
    "sent",
    "accepted",
    "started",
    "attending",
    "enjoyed",
    "first",
    "session",
    "transport",
    "taxi",
    "friend",
    "family",
    "support",
    "worker",
    "discussed",
    "options",
    "reviewed",
    "progress",
    "no",
    "change",
    "improved",
    "worse",
    "fall",
    "hospital",
];
const SERVICES: &[&str] = &[
    "Citizens Advice",
    "Age UK befriending",
    "Walking for Health",
    "Men's Shed",
    "Community choir",
    "Food pantry",
    "Bereavement support group",
    "Digital skills drop-in",
];
const GOALS: &[&str] = &[
    "Get out of the house at least twice a week",
    "Sort out the council tax arrears",
    "Sleep through the night more often",
    "Make a friend at the lunch club",
    "Walk to the park and back without stopping",
    "Feel less anxious about opening letters",
    "Learn to video call my grandchildren",
    "Get the damp in the bedroom fixed",
];
const STEPS: &[&str] = &[
    "Phone the lunch club to book a place",
    "Bring the council tax letters to the next visit",
    "Ask the GP about a medication review",
    "Try the Tuesday walking group",
    "Fill in the attendance allowance form together",
    "Call the housing officer about the repair",
    "Visit the library digital drop-in",
];

/// Prose of about `len` characters from the word list.
pub fn prose(r: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len + 16);
    let mut start = true;
    while s.len() < len {
        let w = *r.pick(WORDS);
        if start {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
            start = false;
        } else {
            s.push(' ');
            s.push_str(w);
        }
        if r.below(9) == 0 {
            s.push('.');
            s.push(' ');
            start = true;
        }
    }
    s.push('.');
    s
}

/// A valid NHS number (modulus-11 check digit).
pub fn nhs_number(r: &mut Rng) -> String {
    loop {
        let digits: Vec<u32> = (0..9).map(|_| r.below(10) as u32).collect();
        let sum: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| d * (10 - i as u32))
            .sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        let mut s: String = digits
            .iter()
            .filter_map(|d| char::from_digit(*d, 10))
            .collect();
        s.extend(char::from_digit(check, 10));
        return s;
    }
}

/// One generated person: the ids later benchmarks act on.
#[derive(Clone, Copy, Debug)]
pub struct Person {
    /// The person.
    pub id: Id,
    /// One of their active goals.
    pub goal: Id,
}

/// Adds one person with a year of activity (about 60 user actions). `i` seeds their content.
pub fn add_person(s: &Store, i: usize) -> Res<Person> {
    let mut r = Rng::new(i as u64);
    let today = Utc::now().date_naive();
    let received = today - Duration::days(330 + r.below(30) as i64);
    let at = |d: NaiveDate, hour: u32| {
        Utc.from_utc_datetime(&d.and_hms_opt(hour, 0, 0).unwrap_or_default())
    };
    let dob = NaiveDate::from_ymd_opt(1935 + r.below(70) as i32, 1 + r.below(12) as u32, 1)
        .unwrap_or(today);
    let person = s
        .add_person(NewPerson {
            given_name: r.pick(GIVEN).to_string(),
            family_name: format!("{}{}", r.pick(FAMILY), i),
            date_of_birth: Some(dob),
            nhs_number: Some(nhs_number(&mut r)),
            address: Some(format!(
                "{} {} Road, Leeds LS{} {}AB",
                1 + r.below(120),
                r.pick(FAMILY),
                1 + r.below(28),
                r.below(9)
            )),
            phone: Some(format!("07700 9{:05}", r.below(100_000))),
            email: None,
            preferred_contact: Some(ContactPreference::Phone),
            communication_needs: (r.below(5) == 0).then(|| "Large print letters".to_string()),
            referral: NewReferral {
                source: Some(ReferralSource::Gp),
                referrer: Some("Dr A Okafor, Meanwood Surgery".into()),
                reasons: vec![prose(&mut r, 80), "loneliness".into()],
                received: Some(received),
                urgency: Some(Urgency::Routine),
                consent_to_contact: Some(true),
            },
        })
        .map_err(e)?;
    let to = |status| EpisodeTransition {
        to: status,
        discharge_reason: None,
        decline_reason: None,
        redirect_reason: None,
        consent_to_contact: (status == EpisodeStatus::Accepted).then_some(true),
        reason: None,
    };
    s.transition_episode(person, to(EpisodeStatus::Contacting))
        .map_err(e)?;
    for (day, outcome) in [(2, ContactOutcome::NoAnswer), (4, ContactOutcome::Reached)] {
        s.record_contact_attempt(
            person,
            NewContactAttempt {
                at: Some(at(received + Duration::days(day), 10)),
                channel: ContactChannel::Phone,
                outcome,
                note: Some(prose(&mut r, 60)),
            },
        )
        .map_err(e)?;
    }
    s.transition_episode(person, to(EpisodeStatus::Accepted))
        .map_err(e)?;
    for (purpose, recipient) in [
        ("Share my record with my GP", "Meanwood Surgery"),
        (
            "Refer me to community services",
            "Leeds social prescribing partners",
        ),
    ] {
        s.record_consent(
            person,
            NewConsent {
                purpose: purpose.into(),
                recipient: recipient.into(),
                recipient_org: Some(format!(
                    "LOCAL-{}",
                    recipient.to_uppercase().replace(' ', "-")
                )),
                decision: ConsentDecision::Given,
                method: ConsentMethod::Verbal,
                capacity: Some(Capacity::HasCapacity),
                proxy: None,
                expires: None,
            },
        )
        .map_err(e)?;
    }
    s.set_what_matters(person, &prose(&mut r, 220)).map_err(e)?;
    for need in [
        Need::Loneliness,
        *r.pick(&[Need::Debt, Need::Housing, Need::Bereavement]),
    ] {
        s.add_need(person, need, Some(&prose(&mut r, 60)))
            .map_err(e)?;
    }
    let measures = |s: &Store, r: &mut Rng, tp: Timepoint, day: i64| -> Res<()> {
        let when = Some(at(received + Duration::days(day), 11));
        let ons4 = (0..4).map(|_| Some(r.below(11) as i64)).collect();
        let swemwbs = (0..7).map(|_| Some(1 + r.below(5) as i64)).collect();
        for (instrument, answers) in [(Instrument::Ons4, ons4), (Instrument::Swemwbs, swemwbs)] {
            s.record_measure(
                person,
                NewMeasureResponse {
                    instrument,
                    answers,
                    concern_labels: Vec::new(),
                    pam: None,
                    timepoint: tp,
                    mode: AdministrationMode::SelfCompleted,
                    recorded_at: when,
                },
            )
            .map_err(e)?;
        }
        Ok(())
    };
    measures(s, &mut r, Timepoint::Baseline, 7)?;
    let mut goals = Vec::new();
    for g in 0..3 {
        goals.push(
            s.add_goal(
                person,
                NewGoal {
                    text: GOALS[(i + g) % GOALS.len()].into(),
                    smart_detail: Some(prose(&mut r, 90)),
                    needs: vec![Need::Loneliness],
                    target_date: Some(today + Duration::days(30 + r.below(120) as i64)),
                },
            )
            .map_err(e)?,
        );
    }
    let mut steps = Vec::new();
    for k in 0..5 {
        steps.push(
            s.add_step(
                person,
                NewStep {
                    text: STEPS[(i + k) % STEPS.len()].into(),
                    owner: if k % 2 == 0 {
                        StepOwner::Person
                    } else {
                        StepOwner::LinkWorker
                    },
                    owner_name: None,
                    goal_id: Some(goals[k % goals.len()]),
                    due: Some(today + Duration::days(r.below(60) as i64 - 20)),
                },
            )
            .map_err(e)?,
        );
    }
    let modes = [
        ConsultationMode::HomeVisit,
        ConsultationMode::Phone,
        ConsultationMode::Venue,
    ];
    let mut onward = None;
    for c in 0..12 {
        let day = 10 + c * 27;
        let len = 250 + r.below(350);
        s.add_consultation(
            person,
            NewConsultation {
                mode: *r.pick(&modes),
                start: Some(at(received + Duration::days(day as i64), 14)),
                duration_minutes: Some(30 + r.below(4) as i32 * 15),
                attendees: Vec::new(),
                notes: Some(prose(&mut r, len)),
            },
        )
        .map_err(e)?;
        // A progress entry on one goal after every consultation: 4 per goal over the year.
        s.record_progress(
            goals[c % goals.len()],
            NewProgress {
                rating: Some(r.below(11) as i32),
                note: (r.below(2) == 0).then(|| prose(&mut r, 80)),
            },
        )
        .map_err(e)?;
        match c {
            2 | 5 | 8 => s.complete_step(steps[c / 3]).map_err(e)?,
            3 => {
                onward = Some(
                    s.add_onward_referral(
                        person,
                        NewOnwardReferral {
                            service: r.pick(SERVICES).to_string(),
                            organisation: Some("Voluntary Action Leeds".into()),
                            need: Some("loneliness".into()),
                        },
                    )
                    .map_err(e)?,
                )
            }
            4 | 6 => {
                if let Some(o) = onward {
                    let to = if c == 4 {
                        OnwardStatus::Accepted
                    } else {
                        OnwardStatus::Attending
                    };
                    s.transition_onward_referral(o, to, None).map_err(e)?;
                }
            }
            7 | 10 => {
                s.add_case_note(person, &prose(&mut r, 150)).map_err(e)?;
            }
            _ => {}
        }
    }
    measures(s, &mut r, Timepoint::FollowUp, 330)?;
    Ok(Person {
        id: person,
        goal: goals[0],
    })
}
