//! `linkwork demo`: a home-visit story told end to end on three devices' stores, in temporary
//! SQLite files, with sync sessions between them (run in process: no server, no sockets).
//!
//! A GP refers an invented person; the link worker, Sam, makes contact, visits, and sets up a
//! plan, consent, a waitlisted onward referral and a baseline measure. A colleague's device
//! (Kim's) and the person's own phone (a patient store that may hold only her plan) get their
//! copies by syncing. Everyone then edits the same plan offline, Sam and Kim setting the same
//! goal's status differently; the devices reconnect in turn, the conflict is shown and resolved
//! by a new edit, and the merged plan is checked to be identical on all three devices. Every
//! sync prints its round trips and bytes each way. Every store is encrypted with its own random
//! key, written beside it (`link-worker.key`, ...).
//!
//! Identity at work: an invented organisation certifies Sam's and Kim's devices, Sam's device
//! pairs Rose's phone at the home visit (pairing payload and code, offline), every sync runs
//! inside the authenticated channel (a Noise XX handshake over bytes in memory, each side
//! proving its certificate, then sealed sync messages), and a stranger's device (another
//! organisation's, then an unenrolled one) is refused by Sam's device during the handshake.
//!
//! Each chapter is one method of [`Story`], called in order by [`run`]; the identity chapters'
//! helpers live in [`identity`].

mod hub;
mod identity;

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};
use linkwork_core::identity::{OrgSigner, Permissions, Refusal};
use linkwork_core::measures::{AdministrationMode, Instrument, Timepoint};
use linkwork_core::model::{
    text, Author, Capacity, CaseloadQuery, ConsentDecision, ConsentMethod, ConsultationMode,
    ContactChannel, ContactOutcome, DocKind, EpisodeStatus, EpisodeTransition, GoalStatus,
    GoalUpdate, Need, NewConsent, NewConsultation, NewContactAttempt, NewGoal, NewMeasureResponse,
    NewOnwardReferral, NewPerson, NewProgress, NewReferral, NewStep, NewStore, OnwardStatus, Plan,
    ReferralSource, Role, StepOwner, StepUpdate, Urgency,
};
use linkwork_core::store::DEFAULT_PATIENT_DAYS;
use linkwork_core::{Error, Id, Store};

use crate::commands::keys::new_key_file;
use crate::error::{CliError, CliResult};
use crate::output::{self, print_text, table};
use crate::transport::sync_in_process;
use identity::{describe, proved};

/// The link worker whose device the story starts on.
const LINK_WORKER: &str = "Sam";
/// The colleague whose device gets a copy.
const COLLEAGUE: &str = "Kim";
/// The person, on her own phone.
const PATIENT: &str = "Rose";
/// The invented organisation that certifies the devices.
const ORGANISATION: &str = "Example PCN";

/// Runs the demo in `keep` (created if needed) or in a temporary directory removed afterwards.
///
/// # Errors
/// The directory cannot be created, stores already exist in `keep`, a core call fails, or the
/// devices do not end up holding the same plan.
pub fn run(keep: Option<PathBuf>) -> CliResult {
    let temp = match keep {
        Some(_) => None,
        None => Some(tempfile::TempDir::new().map_err(|source| CliError::File {
            action: "create a temporary directory",
            source,
        })?),
    };
    let dir = match (&keep, &temp) {
        (Some(d), _) => {
            std::fs::create_dir_all(d).map_err(|source| CliError::File {
                action: "create the --keep directory",
                source,
            })?;
            d.clone()
        }
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => return Err(CliError::Usage("no directory for the demo".into())),
    };

    let story = Story::begin(&dir)?;
    let (rose, jo) = story.referral()?;
    story.first_contact(rose)?;
    story.home_visit(rose)?;
    let plan = story.plan(rose)?;
    story.consent_and_onward_referral(rose)?;
    story.baseline_measure(rose)?;
    let devices = story.copies(rose)?;
    story.edit_offline(&devices, rose, &plan)?;
    story.reconnect(&devices)?;
    story.conflict(&devices, rose, &plan)?;
    story.merged_plan(&devices, rose)?;
    story.rose_phone(&devices, rose, jo)?;
    story.stranger()?;
    story.caseload()?;
    story.who_did_what(rose)?;
    story.costs(&devices)?;
    let hub = hub::chapter(&story, &devices, rose, jo)?;
    if hub.lead.person(rose).is_err() || hub.tablet.person(jo).is_err() {
        return Err(CliError::Failed(
            "the team lead's device or Kim's tablet did not receive their people through the hub"
                .into(),
        ));
    }

    match &keep {
        Some(d) => story.say(&format!(
            "\nStores kept in {}: link-worker.db (Sam), colleague.db (Kim),\n\
             rose-phone.db (Rose's phone), team-lead.db (Lena), kim-tablet.db (Kim's tablet),\n\
             each encrypted with the key beside it (link-worker.key, ...) and enrolled with\n\
             {ORGANISATION}, and the hub's database hub.db with its key file hub.key (the\n\
             organisation's signing key):\n\
             e.g. linkwork --db link-worker.db --key-file link-worker.key device show,\n\
             linkwork-hub --database hub.db audit",
            d.display()
        )),
        None => story.say("\nThe temporary stores are removed (use --keep DIR to keep them)."),
    }
}

/// The ids the plan chapter creates and later chapters refer to.
#[derive(Debug)]
struct PlanIds {
    /// "Get out of the house and meet people every week."
    social_goal: Id,
    /// "Sort out the energy bill": Sam and Kim set its status concurrently.
    energy_goal: Id,
    /// The lunch-club step Kim reschedules.
    lunch_step: Id,
    /// The step Rose ticks on her phone.
    bills_step: Id,
}

/// The two devices that join Sam's.
struct Devices {
    /// Kim's device (a link-worker store).
    kim: Store,
    /// Rose's phone (a patient store for Rose only).
    phone: Store,
}

/// The story's state: where the stores live, the organisation, the link worker's store and
/// today's date.
struct Story {
    /// Where the stores live.
    dir: PathBuf,
    /// The organisation's signing side (in memory only: it is never written to disk).
    org: OrgSigner,
    /// The link worker's store.
    sam: Store,
    /// The story's "today" (dates in the plan are relative to it).
    today: NaiveDate,
    /// Syncs run so far, the sync-message bytes they moved both ways, and every byte on the
    /// wire (handshakes and sealed messages).
    syncs: Cell<(u32, u64, u64)>,
    /// First names of the people on the caseload, for sync lines.
    names: RefCell<Vec<(Id, &'static str)>>,
}

impl Story {
    /// Creates the organisation and the link worker's store, and certifies his device.
    fn begin(dir: &Path) -> CliResult<Story> {
        let sam = Store::create(
            dir.join("link-worker.db"),
            NewStore {
                user: LINK_WORKER.into(),
                role: Role::LinkWorker,
                person: None,
            },
            &new_key_file(&dir.join("link-worker.key"))?,
        )?;
        let story = Story {
            dir: dir.to_path_buf(),
            org: OrgSigner::create(ORGANISATION)?,
            sam,
            today: text::today(),
            syncs: Cell::new((0, 0, 0)),
            names: RefCell::new(Vec::new()),
        };
        story.say(
            "linkwork demo: a social-prescribing home visit, told on three offline devices\n\
             (Sam's, his colleague Kim's, and Rose's own phone) that sync when they meet.\n\
             Everyone in it is invented; until the last chapter (the team's hub, run inside\n\
             this process) no server is involved.",
        )?;
        story.chapter("1. The organisation certifies Sam's device")?;
        let cert = story.enrol(
            &story.sam,
            Permissions {
                can_erase: false,
                can_enrol_patients: true,
            },
        )?;
        story.say(&format!(
            "{ORGANISATION} (invented) creates its signing key. Sam's device made its own device\n\
             key when its store was created; it writes a signed certificate request, and the\n\
             organisation certifies it:\n  {}\n\
             The device installs the certificate and, with it, the organisation's trust root.",
            describe(&cert)
        ))?;
        Ok(story)
    }

    /// Prints lines of the story.
    fn say(&self, text: &str) -> CliResult {
        print_text(&format!("{text}\n"))
    }

    /// Prints a chapter heading.
    fn chapter(&self, title: &str) -> CliResult {
        self.say(&format!("\n== {title} =="))
    }

    /// A date `days` after today.
    fn in_days(&self, days: u64) -> CliResult<NaiveDate> {
        self.today
            .checked_add_days(Days::new(days))
            .ok_or_else(|| Error::invalid("date", "is out of range").into())
    }

    /// Runs a sync session between two devices (`a` connects) inside the authenticated
    /// channel, and prints whom each side proved the other to be and what it cost.
    fn sync(&self, a: (&Store, &str), b: (&Store, &str)) -> CliResult {
        let done = sync_in_process(a.0, b.0, false)?;
        let s = done.stats;
        let (count, bytes, wire) = self.syncs.get();
        self.syncs.set((
            count + 1,
            bytes + s.bytes_sent + s.bytes_received,
            wire + done.wire_bytes,
        ));
        let trips = match s.round_trips() {
            1 => "1 round trip".to_string(),
            n => format!("{n} round trips"),
        };
        let changed = match (&done.changed_on_a[..], &done.changed_on_b[..]) {
            ([], []) => "nothing new".to_string(),
            (on_a, []) => format!("updated on {}: {}", a.1, self.names_of(on_a)),
            ([], on_b) => format!("updated on {}: {}", b.1, self.names_of(on_b)),
            (on_a, on_b) if on_a == on_b => format!("updated on both: {}", self.names_of(on_a)),
            (on_a, on_b) => format!(
                "updated on {}: {}; on {}: {}",
                a.1,
                self.names_of(on_a),
                b.1,
                self.names_of(on_b)
            ),
        };
        self.say(&format!(
            "  [sync] {} <-> {}: {trips}, {} bytes from {}, {} back; {changed}\n\
             \x20        authenticated: {} <-> {}, certificates verified",
            a.1,
            b.1,
            s.bytes_sent,
            a.1,
            s.bytes_received,
            proved(&done.a_proved),
            proved(&done.b_proved),
        ))
    }

    /// "Rose", "Jo, Rose": the first names of `people`.
    fn names_of(&self, people: &[Id]) -> String {
        let names = self.names.borrow();
        let named: Vec<&str> = people
            .iter()
            .map(|p| {
                names
                    .iter()
                    .find(|(id, _)| id == p)
                    .map_or("someone", |(_, n)| *n)
            })
            .collect();
        named.join(", ")
    }

    /// A GP refers Rose; a self-referral arrives too. Returns Rose's and Jo's ids.
    fn referral(&self) -> CliResult<(Id, Id)> {
        self.chapter("2. A GP refers Rose")?;
        let rose = self.sam.add_person(NewPerson {
            given_name: "Rose".into(),
            family_name: "Example".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1948, 3, 14),
            // 999 numbers are a test range, never issued to anyone.
            nhs_number: Some("999 000 0018".into()),
            address: Some("1 Example Street, Testtown".into()),
            phone: Some("01632 960000".into()),
            referral: NewReferral {
                source: Some(ReferralSource::Gp),
                referrer: Some("Dr Placeholder, Example Surgery".into()),
                reasons: vec![
                    "lonely since her husband died".into(),
                    "worried about bills".into(),
                ],
                consent_to_contact: Some(true),
                ..NewReferral::default()
            },
            ..NewPerson::default()
        })?;
        self.say(
            "Dr Placeholder refers Rose Example (fictional, born 1948, test NHS number\n\
             999 000 0018) to Sam: lonely since her husband died, worried about bills.",
        )?;
        let jo = self.sam.add_person(NewPerson {
            given_name: "Jo".into(),
            family_name: "Sample".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 7, 1),
            referral: NewReferral {
                source: Some(ReferralSource::SelfReferral),
                urgency: Some(Urgency::Routine),
                ..NewReferral::default()
            },
            ..NewPerson::default()
        })?;
        self.say("Jo Sample (also fictional) refers themself the same day.")?;
        self.names.borrow_mut().extend([(rose, "Rose"), (jo, "Jo")]);
        Ok((rose, jo))
    }

    /// Sam makes contact; Rose accepts and the GP code is recorded.
    fn first_contact(&self, rose: Id) -> CliResult {
        self.chapter("3. First contact")?;
        for outcome in [ContactOutcome::NoAnswer, ContactOutcome::Reached] {
            self.sam.record_contact_attempt(
                rose,
                NewContactAttempt {
                    at: None,
                    channel: ContactChannel::Phone,
                    outcome,
                    note: None,
                },
            )?;
        }
        for to in [EpisodeStatus::Contacting, EpisodeStatus::Accepted] {
            self.sam.transition_episode(
                rose,
                EpisodeTransition {
                    to,
                    discharge_reason: None,
                    decline_reason: None,
                    redirect_reason: None,
                    consent_to_contact: (to == EpisodeStatus::Accepted).then_some(true),
                    reason: None,
                },
            )?;
        }
        self.say("Sam phones Rose: no answer. Sam phones again and reaches her.")?;
        self.say("Rose accepts support. The GP record will receive:")?;
        for code in self.sam.gp_codes(rose)? {
            self.say(&format!("  SNOMED CT {} {}", code.code, code.display))?;
        }
        self.say("(recorded once per episode, by the first acceptance)")
    }

    /// A home visit with lone-working check-in and check-out; what matters and needs.
    fn home_visit(&self, rose: Id) -> CliResult {
        self.chapter("4. A home visit")?;
        let visit = self.sam.add_consultation(
            rose,
            NewConsultation {
                mode: ConsultationMode::HomeVisit,
                start: None,
                duration_minutes: Some(60),
                attendees: vec!["Rose's neighbour".into()],
                notes: Some("Talked about what matters to Rose.".into()),
            },
        )?;
        self.sam.check_in(visit)?;
        self.sam.check_out(visit)?;
        let case = self.sam.person(rose)?.case;
        if let Some(c) = case
            .as_ref()
            .and_then(|c| c.consultations.iter().find(|c| c.id == visit))
        {
            let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(|| "-".into(), |t| t.format("%H:%M:%S").to_string())
            };
            self.say(&format!(
                "Sam checks in for lone-working safety at {}, visits for 60 minutes and\n\
                 checks out at {} (times from the record).",
                at(c.checked_in_at),
                at(c.checked_out_at)
            ))?;
        }
        self.sam.set_what_matters(
            rose,
            "Getting out of the house again, and not dreading the post.",
        )?;
        self.sam
            .add_need(rose, Need::Loneliness, Some("since her husband died"))?;
        self.sam
            .add_need(rose, Need::Debt, Some("energy bill arrears"))?;
        self.say(
            "What matters to Rose: getting out of the house again, and not dreading the post.",
        )?;
        self.say("Needs recorded: loneliness, debt.")
    }

    /// Two goals, progress, and steps.
    fn plan(&self, rose: Id) -> CliResult<PlanIds> {
        self.chapter("5. Rose's plan")?;
        let social_goal = self.sam.add_goal(
            rose,
            NewGoal {
                text: "Get out of the house and meet people every week".into(),
                needs: vec![Need::Loneliness],
                target_date: Some(self.in_days(56)?),
                ..NewGoal::default()
            },
        )?;
        let energy_goal = self.sam.add_goal(
            rose,
            NewGoal {
                text: "Sort out the energy bill".into(),
                needs: vec![Need::Debt],
                target_date: Some(self.in_days(84)?),
                ..NewGoal::default()
            },
        )?;
        self.sam.record_progress(
            social_goal,
            NewProgress {
                rating: Some(3),
                note: Some("Has not been out much".into()),
            },
        )?;
        let lunch_step = self.sam.add_step(
            rose,
            NewStep {
                text: "Go with Sam to the Tuesday lunch club".into(),
                owner: StepOwner::LinkWorker,
                owner_name: None,
                goal_id: Some(social_goal),
                due: Some(self.in_days(2)?),
            },
        )?;
        let bills_step = self.sam.add_step(
            rose,
            NewStep {
                text: "Find last year's energy bills".into(),
                owner: StepOwner::Person,
                owner_name: None,
                goal_id: Some(energy_goal),
                due: Some(self.in_days(5)?),
            },
        )?;
        self.say_plan(&self.sam.plan(rose)?)?;
        Ok(PlanIds {
            social_goal,
            energy_goal,
            lunch_step,
            bills_step,
        })
    }

    /// Consent to share with a debt service, and an onward referral that is waitlisted.
    fn consent_and_onward_referral(&self, rose: Id) -> CliResult {
        self.chapter("6. Consent and an onward referral")?;
        self.sam.record_consent(
            rose,
            NewConsent {
                purpose: "debt support".into(),
                recipient: "Example Money Advice".into(),
                recipient_org: Some("LOCAL-EXAMPLE-MONEY-ADVICE".into()),
                decision: ConsentDecision::Given,
                method: ConsentMethod::Verbal,
                capacity: Some(Capacity::HasCapacity),
                proxy: None,
                expires: Some(self.in_days(365)?),
            },
        )?;
        self.say(
            "Rose gives verbal consent to share her name and phone number with\n\
             Example Money Advice for debt support (and nothing else).",
        )?;
        let referral = self.sam.add_onward_referral(
            rose,
            NewOnwardReferral {
                service: "Debt advice drop-in".into(),
                organisation: Some("Example Money Advice".into()),
                need: Some("debt".into()),
            },
        )?;
        self.sam.transition_onward_referral(
            referral,
            OnwardStatus::NoCapacity,
            Some("waiting list of about six weeks"),
        )?;
        self.say(
            "Sam refers her to the debt advice drop-in. It has no capacity: Rose is\n\
             waitlisted, recorded as no-capacity (unmet need that commissioners ask about).",
        )
    }

    /// An ONS4 baseline, read out, with its bands.
    fn baseline_measure(&self, rose: Id) -> CliResult {
        self.chapter("7. Baseline wellbeing (ONS4)")?;
        self.sam.record_measure(
            rose,
            NewMeasureResponse {
                instrument: Instrument::Ons4,
                answers: vec![Some(4), Some(6), Some(3), Some(7)],
                concern_labels: Vec::new(),
                pam: None,
                timepoint: Timepoint::Baseline,
                mode: AdministrationMode::ReadOut,
                recorded_at: None,
            },
        )?;
        let plan = self.sam.plan(rose)?;
        if let Some(outcome) = plan.measures.last().and_then(|m| m.outcome.as_ref()) {
            self.say(&format!("Read out to Rose: {}", output::outcome(outcome)))?;
        }
        self.say("ONS4 has no total: each item is reported with its own band.")
    }

    /// Kim's device and Rose's phone get their copies by syncing with Sam's.
    fn copies(&self, rose: Id) -> CliResult<Devices> {
        self.chapter("8. Kim's device and Rose's phone get their copies")?;
        let kim = Store::create(
            self.dir.join("colleague.db"),
            NewStore {
                user: COLLEAGUE.into(),
                role: Role::LinkWorker,
                person: None,
            },
            &new_key_file(&self.dir.join("colleague.key"))?,
        )?;
        let cert = self.enrol(&kim, Permissions::default())?;
        self.say(&format!(
            "Kim covers Sam's Tuesdays. The organisation certifies her new device:\n  {}\n\
             At the office it syncs with Sam's; each device proves its certificate first:",
            describe(&cert)
        ))?;
        self.sync((&kim, "Kim"), (&self.sam, "Sam"))?;
        let offer = self.sam.pair_patient(rose, DEFAULT_PATIENT_DAYS)?;
        let payload = offer.encode();
        let code = offer.code();
        self.say(&format!(
            "At the end of the home visit, with no signal and no hub, Sam's device (allowed to\n\
             enrol patients) shows a pairing QR code for Rose ({} bytes, signed by his device\n\
             under his certificate) and the code {code}.",
            payload.len()
        ))?;
        let phone = Store::create_paired(
            self.dir.join("rose-phone.db"),
            &payload,
            &code,
            PATIENT,
            &new_key_file(&self.dir.join("rose-phone.key"))?,
        )?;
        let cert = phone
            .device_identity()?
            .certificate
            .ok_or_else(|| CliError::Failed("Rose's phone was not enrolled".into()))?;
        self.say(&format!(
            "Rose installs the app; her phone reads the QR code and she types the code.\n\
             Rose's phone is paired: it made its own device key and certificate, for Rose only,\n\
             chained to Sam's:\n  {}\n\
             It is a patient store that may hold only her plan. It syncs with Sam's device over\n\
             her home Wi-Fi:",
            describe(&cert)
        ))?;
        self.sync((&phone, "Rose's phone"), (&self.sam, "Sam"))?;
        self.second_phone_refused(&payload, &code, rose)?;
        self.say("Then everyone goes offline.")?;
        Ok(Devices { kim, phone })
    }

    /// A second phone taking up the same pairing offer (a photographed QR code) is refused by
    /// Sam's device: an offer enrols one phone.
    fn second_phone_refused(&self, payload: &[u8], code: &str, rose: Id) -> CliResult {
        let place = tempfile::tempdir().map_err(|e| CliError::File {
            action: "make a scratch directory",
            source: e,
        })?;
        let second = Store::create_paired(
            place.path().join("second.db"),
            payload,
            code,
            PATIENT,
            &new_key_file(&place.path().join("second.key"))?,
        )?;
        match sync_in_process(&second, &self.sam, false) {
            Err(CliError::Core(e @ Error::Untrusted(Refusal::GrantUsed))) => {
                if second.plan(rose).is_ok() {
                    return Err(CliError::Failed("a second phone holds Rose's plan".into()));
                }
                self.say(&format!(
                    "Someone who photographed the QR code pairs another phone with it within the\n\
                     15 minutes. It connects to Sam's device and is refused: {e}.\n\
                     It received nothing. An offer enrols one phone."
                ))
            }
            _ => Err(CliError::Failed(
                "Sam's device did not refuse a second phone for one offer".into(),
            )),
        }
    }

    /// Everyone edits the same plan offline; Sam and Kim set the same goal's status.
    fn edit_offline(&self, d: &Devices, rose: Id, plan: &PlanIds) -> CliResult {
        self.chapter("9. Everyone edits the same plan offline")?;
        let visit = self.sam.add_consultation(
            rose,
            NewConsultation {
                mode: ConsultationMode::HomeVisit,
                start: None,
                duration_minutes: Some(45),
                attendees: Vec::new(),
                notes: Some("Rose went to the library coffee morning.".into()),
            },
        )?;
        self.sam.check_in(visit)?;
        self.sam.record_progress(
            plan.social_goal,
            NewProgress {
                rating: Some(5),
                note: Some("Went to the library coffee morning".into()),
            },
        )?;
        self.sam.update_goal(
            plan.energy_goal,
            GoalUpdate {
                status: Some(GoalStatus::PartlyAchieved),
                ..GoalUpdate::default()
            },
        )?;
        self.sam.check_out(visit)?;
        self.say(
            "Sam, at a second home visit: records progress on getting out of the house, 5/10;\n\
             a payment plan is agreed, so he marks the energy-bill goal partly-achieved.",
        )?;
        let new_due = self.in_days(9)?;
        d.kim.update_step(
            plan.lunch_step,
            StepUpdate {
                due: Some(Some(new_due)),
                ..StepUpdate::default()
            },
        )?;
        d.kim.update_goal(
            plan.energy_goal,
            GoalUpdate {
                status: Some(GoalStatus::Achieved),
                ..GoalUpdate::default()
            },
        )?;
        self.say(&format!(
            "Kim, at the office: moves the lunch-club visit to {new_due}; Example Money Advice\n\
             phones to say the arrears were written off, so she marks the same goal achieved."
        ))?;
        d.phone.complete_step(plan.bills_step)?;
        d.phone.record_measure(
            rose,
            NewMeasureResponse {
                instrument: Instrument::Ons4,
                answers: vec![Some(6), Some(7), Some(6), Some(4)],
                concern_labels: Vec::new(),
                pam: None,
                timepoint: Timepoint::Review,
                mode: AdministrationMode::SelfCompleted,
                recorded_at: None,
            },
        )?;
        self.say(
            "Rose, on her phone: ticks \"Find last year's energy bills\" done, and answers\n\
             the ONS4 wellbeing questions herself.",
        )
    }

    /// The devices meet again, in turn.
    fn reconnect(&self, d: &Devices) -> CliResult {
        self.chapter("10. They reconnect")?;
        self.say("At Sam's next visit, Rose's phone and Sam's device sync:")?;
        self.sync((&d.phone, "Rose's phone"), (&self.sam, "Sam"))?;
        self.say("Back at the office, Sam's device syncs with Kim's:")?;
        self.sync((&self.sam, "Sam"), (&d.kim, "Kim"))
    }

    /// The concurrent status edits, shown on both link workers' devices, then resolved.
    fn conflict(&self, d: &Devices, rose: Id, plan: &PlanIds) -> CliResult {
        self.chapter("11. A conflict, shown and resolved")?;
        let on_sam = self.sam.person(rose)?.conflicts;
        if on_sam.is_empty() || on_sam != d.kim.person(rose)?.conflicts {
            return Err(CliError::Failed(
                "the demo expected the same conflict on Sam's and Kim's devices".into(),
            ));
        }
        let goal = plan.energy_goal.to_string();
        for c in &on_sam {
            let what = if c.path.contains(&goal) {
                format!(
                    "The goal \"Sort out the energy bill\" has two values for its {}",
                    c.path.last().map_or("value", String::as_str)
                )
            } else {
                format!("{} {}", c.document, c.path.join("/"))
            };
            self.say(&format!(
                "{what},\nset on two devices while apart (both devices show this):"
            ))?;
            for v in &c.values {
                self.say(&format!(
                    "  {:<16} set by {} at {}{}",
                    v.value,
                    v.set_by,
                    v.set_at.format("%H:%M:%S"),
                    if v.shown {
                        " (shown until resolved)"
                    } else {
                        ""
                    }
                ))?;
            }
        }
        self.sam.update_goal(
            plan.energy_goal,
            GoalUpdate {
                status: Some(GoalStatus::Achieved),
                ..GoalUpdate::default()
            },
        )?;
        self.say(
            "Sam and Kim talk: the arrears are gone, so the goal is achieved. Sam records\n\
             that as a new edit, which supersedes both values. Then:",
        )?;
        self.sync((&d.kim, "Kim"), (&self.sam, "Sam"))?;
        self.sync((&d.phone, "Rose's phone"), (&d.kim, "Kim"))?;
        let left = self.sam.person(rose)?.conflicts.len()
            + d.kim.person(rose)?.conflicts.len()
            + d.phone.person(rose)?.conflicts.len();
        if left > 0 {
            return Err(CliError::Failed(
                "a conflict survived its resolution".into(),
            ));
        }
        self.say("Conflicts left on any device: none.")
    }

    /// The merged plan, checked identical on all three devices.
    fn merged_plan(&self, d: &Devices, rose: Id) -> CliResult {
        let plan = self.sam.plan(rose)?;
        let same = plan == d.kim.plan(rose)?
            && plan == d.phone.plan(rose)?
            && self.sam.person(rose)? == d.kim.person(rose)?;
        if !same {
            return Err(CliError::Failed(
                "the devices do not hold the same merged plan".into(),
            ));
        }
        self.chapter("12. The merged plan: identical on all three devices (checked)")?;
        self.say_plan(&plan)?;
        self.say("Nothing was lost: Sam's progress, Kim's new date, Rose's tick and her answers.")
    }

    /// What the patient store holds: one person, her plan, no case data.
    fn rose_phone(&self, d: &Devices, rose: Id, jo: Id) -> CliResult {
        self.chapter("13. What Rose's phone holds")?;
        let caseload = d.phone.caseload(&CaseloadQuery::default())?;
        let only_rose = caseload.len() == 1 && caseload.iter().all(|r| r.person_id == rose);
        if !only_rose {
            return Err(CliError::Failed(
                "Rose's phone holds someone else's documents".into(),
            ));
        }
        let plan = d.phone.plan(rose)?;
        self.say(&format!(
            "Her plan only: its caseload has 1 entry (her, by id: her name, address and NHS\n\
             number live in the case document), with {} goals, {} steps, {} measures.",
            plan.goals.len(),
            plan.steps.len(),
            plan.measures.len()
        ))?;
        match d.phone.export_document(rose, DocKind::Case) {
            Ok(_) => {
                return Err(CliError::Failed(
                    "Rose's phone exported a case document".into(),
                ))
            }
            Err(e) => self.say(&format!(
                "Exporting her case document there is refused: {e}."
            ))?,
        }
        match d.phone.plan(jo) {
            Ok(_) => Err(CliError::Failed("Rose's phone holds Jo's plan".into())),
            Err(e) => self.say(&format!("Jo Sample's plan is not there either: {e}.")),
        }
    }

    /// The caseload list and open onward referrals, from projections.
    fn caseload(&self) -> CliResult {
        self.chapter("15. Sam's caseload (from projections, no document loaded)")?;
        let rows: Vec<Vec<String>> = self
            .sam
            .caseload(&CaseloadQuery::default())?
            .into_iter()
            .map(|r| {
                vec![
                    format!(
                        "{} {}",
                        r.given_name.unwrap_or_default(),
                        r.family_name.unwrap_or_default()
                    ),
                    r.status.map(|s| s.to_string()).unwrap_or_default(),
                    r.next_step_due
                        .map_or_else(|| "-".into(), |d| d.to_string()),
                    r.active_goals.to_string(),
                    r.open_onward_referrals.to_string(),
                ]
            })
            .collect();
        print_text(&table(
            &["NAME", "STATUS", "NEXT STEP", "GOALS", "ONWARD"],
            &rows,
        ))?;
        for o in self.sam.open_onward_referrals()? {
            self.say(&format!(
                "Open onward referral: {} ({})",
                o.service, o.status
            ))?;
        }
        Ok(())
    }

    /// Who changed Rose's documents, counted from their history on Sam's device.
    fn who_did_what(&self, rose: Id) -> CliResult {
        self.chapter("16. Who changed Rose's documents (their history, on Sam's device)")?;
        let entries = self.sam.history(rose)?;
        // Authors as their devices' signatures prove them, not the names the commit messages
        // claim (ADR 0007).
        let by = |user: &str| {
            let actions: Vec<&str> = entries
                .iter()
                .filter(|h| matches!(&h.author, Author::Verified { name, .. } if name == user))
                .map(|h| h.action.as_str())
                .collect();
            actions
        };
        let unproven = entries
            .iter()
            .filter(|h| !matches!(h.author, Author::Verified { .. }))
            .count();
        self.say(&format!(
            "{} changes, each signed by the device that made it: {} by Sam; by Kim: {}; \
             by Rose on her phone: {}; {unproven} without a verified author.",
            entries.len(),
            by(LINK_WORKER).len(),
            by(COLLEAGUE).join(", "),
            by(PATIENT).join(", ")
        ))
    }

    /// What syncing cost, and what a reconnect with nothing new costs.
    fn costs(&self, d: &Devices) -> CliResult {
        self.chapter("17. What syncing cost")?;
        let (count, bytes, wire) = self.syncs.get();
        self.say(&format!(
            "{count} syncs moved {bytes} bytes of sync messages in all; with the secure\n\
             handshakes and encryption, {wire} bytes on the wire. A reconnect with nothing new:"
        ))?;
        self.sync((&d.phone, "Rose's phone"), (&self.sam, "Sam"))?;
        self.sync((&d.kim, "Kim"), (&self.sam, "Sam"))
    }

    /// Prints a plan's goals (with status and progress), steps and measures in plain lines.
    fn say_plan(&self, plan: &Plan) -> CliResult {
        for g in &plan.goals {
            let target = g
                .target_date
                .map(|d| format!(", by {d}"))
                .unwrap_or_default();
            let progress: Vec<String> = g
                .progress
                .iter()
                .filter_map(|p| p.rating.map(|r| format!("{r}/10")))
                .collect();
            let progress = if progress.is_empty() {
                String::new()
            } else {
                format!(", progress {}", progress.join(" then "))
            };
            self.say(&format!(
                "  Goal: {} [{}{target}]{progress}",
                g.text, g.status
            ))?;
        }
        for s in &plan.steps {
            let tick = if s.done_at.is_some() { "x" } else { " " };
            let due = s.due.map(|d| format!(", due {d}")).unwrap_or_default();
            self.say(&format!("  Step: [{tick}] {} ({}{due})", s.text, s.owner))?;
        }
        for m in &plan.measures {
            self.say(&format!("  Measure: {}", output::measure(m)))?;
        }
        Ok(())
    }
}
