//! The command line, declared with clap's derive API.
//!
//! Values that the core validates (ids, dates, codes, ratings) are taken as plain text and
//! parsed by the command, so a bad value is reported as the core's typed error (exit code 3)
//! with the accepted codes listed, rather than as a usage error.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

pub use crate::state_args::{ConflictsArgs, HistoryArgs, PageArgs, ResolveArgs, UnsyncedArgs};
mod reporting;
pub use reporting::{PeriodArgs, PersonReportingArgs, ResponseDaysArgs};

/// linkwork: inspect and edit a social-prescribing caseload store, or run the demo.
#[derive(Debug, Parser)]
#[command(
    name = "linkwork",
    version,
    about,
    long_about = None,
    after_help = "Start with `linkwork demo`. Exit codes: 0 ok, 1 other failure, 2 usage, \
                  3 invalid input, 4 not found, 5 illegal transition or not permitted."
)]
pub struct Cli {
    /// The store file (required by every command that reads or writes a store).
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,

    /// Machine-readable JSON output (create commands print `{"id": ...}`).
    #[arg(long, global = true)]
    pub json: bool,

    /// Act as this user (e.g. a colleague on a shared device); with `init`, the store's owner.
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,

    /// The store's encryption key: a file holding 32 raw bytes or 64 hex characters (see `key
    /// new`). Every command that opens or creates a store needs this or `--unencrypted`.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        conflicts_with = "unencrypted"
    )]
    pub key_file: Option<PathBuf>,

    /// The store is (or is created) unencrypted, in plain SQLite: for tests and tools only.
    #[arg(long, global = true)]
    pub unencrypted: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new store for its owner (`--user NAME`); prints the store id.
    Init(InitArgs),
    /// Show the store's identity: id, acting user, role.
    Info,
    /// People on the caseload: add, list, show, update, erase.
    #[command(subcommand)]
    Person(PersonCmd),
    /// The person's current episode: transitions and new referrals.
    #[command(subcommand)]
    Episode(EpisodeCmd),
    /// Contact attempts.
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Goals in the person's own words, and their progress.
    #[command(subcommand)]
    Goal(GoalCmd),
    /// Action-plan steps.
    #[command(subcommand)]
    Step(StepCmd),
    /// Needs and concerns.
    #[command(subcommand)]
    Need(NeedCmd),
    /// The plan: what matters, review date, the whole plan.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// Consultations and lone-working check-in/out.
    #[command(subcommand)]
    Consultation(ConsultationCmd),
    /// Consent records (never rewritten; a new record supersedes).
    #[command(subcommand)]
    Consent(ConsentCmd),
    /// Onward referrals to community services.
    #[command(subcommand)]
    Onward(OnwardCmd),
    /// Risk and safeguarding flags.
    #[command(subcommand)]
    Flag(FlagCmd),
    /// Case notes (link-worker only).
    #[command(subcommand)]
    Note(NoteCmd),
    /// Open steps, active goals and unanswered onward referrals due on or before a date
    /// (default today).
    Due(DueArgs),
    /// The SNOMED CT codes the GP record should receive for a person.
    GpCodes(PersonArg),
    /// Who changed what, and when, in a person's documents (`--limit`/`--after` for a page).
    History(HistoryArgs),
    /// Fields that two devices set concurrently in a person's documents (every value, who set
    /// it and when); `resolve` or a new edit of the field resolves it. Without a person: every
    /// person with conflicts and how many fields conflict in each document.
    Conflicts(ConflictsArgs),
    /// Resolve a conflicted field: keep one of its values (`--keep`) or set a new one
    /// (`--new`).
    Resolve(ResolveArgs),
    /// The peers this store has synced with: store id, role, person, last sync, certificate.
    Peers,
    /// The people with changes a peer (a store id from `peers`) has not seen yet.
    Unsynced(UnsyncedArgs),
    /// Outcome measures: record answers, score them without a store, or show a person's
    /// paired change.
    #[command(subcommand)]
    Measure(MeasureCmd),
    /// The caseload report (aggregates only), printed or written as CSV files; with --from
    /// and --to, the period report with small-number suppression (JSON, CSV, HTML).
    Report(ReportArgs),
    /// Export a person's record in a standard format (FHIR R4).
    #[command(subcommand)]
    Export(ExportCmd),
    /// The message back to the GP on acceptance, decline or discharge: SNOMED CT codes and,
    /// unless the person asked for codes only, a short summary.
    GpMessage(GpMessageArgs),
    /// Export and import whole documents (automerge bytes).
    #[command(subcommand)]
    Doc(DocCmd),
    /// Compact every document into a single snapshot, then give the freed pages back (VACUUM).
    Compact,
    /// Sync with another store over TCP (the reference transport): both devices prove their
    /// certificates over an encrypted channel first (`--allow-unenrolled` for two unenrolled
    /// stores).
    #[command(subcommand)]
    Sync(SyncCmd),
    /// Store keys: `key new --out FILE` writes a random key file (no store needed).
    #[command(subcommand)]
    Key(KeyCmd),
    /// Re-encrypt the store (`--key-file`) under the key in `--new-key-file`; afterwards it
    /// opens only with the new key. Close other handles on the store first.
    Rekey(RekeyArgs),
    /// Tell a home-visit story end to end on temporary stores (no arguments needed).
    Demo(DemoArgs),
    /// An organisation's trust root (no store needed): `org init`, `org issue`, `org revoke`.
    #[command(subcommand)]
    Org(OrgCmd),
    /// This store's device identity: `device show`, `device request`, `device install`.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Enrol a patient's phone: `patient pair PERSON --out PAIRING` on the link worker's store.
    #[command(subcommand)]
    Patient(PatientCmd),
    /// The organisation's revocation list: `trust update CRL`.
    #[command(subcommand)]
    Trust(TrustCmd),
    /// Enrol this store's device with the organisation's hub using a one-time invite code:
    /// installs the certificate and trust root the hub issues.
    Enrol(EnrolArgs),
    /// The organisation's hub: `hub connect URL` authenticates with it and installs its
    /// current revocation list.
    #[command(subcommand)]
    Hub(HubCmd),
    /// The community services directory (Open Referral UK): import a feed, search offline,
    /// show a service.
    #[command(subcommand)]
    Directory(DirectoryCmd),
}

/// `org` subcommands (files in the organisation's folder; see docs/cli.md).
#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// Create an organisation: its signing key (`ORG/org.key`, readable by its owner only) and
    /// its public trust root (`ORG/trust-root`). Prints the organisation's key.
    Init(OrgInitArgs),
    /// Certify a device from its request file (`device request`); writes the certificate.
    Issue(OrgIssueArgs),
    /// Revoke a device (its key, or the store id of a certificate this folder issued); writes
    /// the next revocation list for `trust update`.
    Revoke(OrgRevokeArgs),
}

/// `org init` options.
#[derive(Debug, Args)]
pub struct OrgInitArgs {
    /// The organisation's folder (created; must be empty if it exists).
    #[arg(long, value_name = "ORG")]
    pub dir: PathBuf,
    /// The organisation's name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
}

/// `org issue` options.
#[derive(Debug, Args)]
pub struct OrgIssueArgs {
    /// The organisation's folder.
    #[arg(long, value_name = "ORG")]
    pub dir: PathBuf,
    /// The device's request file.
    pub request: PathBuf,
    /// The role granted: link-worker, team-lead, admin or patient.
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// The device may erase people.
    #[arg(long)]
    pub can_erase: bool,
    /// The device may enrol patients' phones.
    #[arg(long)]
    pub can_enrol_patients: bool,
    /// Days until the certificate expires.
    #[arg(long, value_name = "DAYS", default_value = "365")]
    pub expires: String,
    /// The certificate file to write.
    #[arg(long, value_name = "CERT")]
    pub out: PathBuf,
}

/// `org revoke` options.
#[derive(Debug, Args)]
pub struct OrgRevokeArgs {
    /// The organisation's folder.
    #[arg(long, value_name = "ORG")]
    pub dir: PathBuf,
    /// The device: its key (64 hex digits) or the store id of a certificate issued from `ORG`.
    pub device: String,
    /// The revocation list file to write.
    #[arg(long, value_name = "CRL")]
    pub out: PathBuf,
}

/// `device` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// Show the device key, certificate, organisation and revocation list version.
    Show,
    /// Write the certificate request (device key, store id, user, role, person) to a file.
    Request(OutArg),
    /// Install this device's certificate and its organisation's trust root.
    Install(FileArg),
}

/// `patient` subcommands.
#[derive(Debug, Subcommand)]
pub enum PatientCmd {
    /// Write a pairing payload for a person of the caseload (prints the code the patient
    /// confirms); the patient's phone runs `init --role patient --pairing FILE --code CODE`
    /// within 15 minutes.
    Pair(PatientPairArgs),
}

/// `patient pair` options.
#[derive(Debug, Args)]
pub struct PatientPairArgs {
    /// The person's id.
    pub person: String,
    /// The pairing payload file to write.
    #[arg(long, value_name = "PAIRING")]
    pub out: PathBuf,
    /// Days the phone's certificate lasts (at most as long as this device's own).
    #[arg(long, value_name = "DAYS", default_value = "365")]
    pub expires: String,
}

/// `enrol` options.
#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// The hub's address, `wss://HOST[:PORT]`.
    pub url: String,
    /// The one-time invite code the administrator gave (`linkwork-hub invite USER`).
    #[arg(long)]
    pub code: String,
    /// Trust only this CA certificate (PEM) for the hub's TLS certificate (default: the public
    /// web roots).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// `hub` subcommands.
#[derive(Debug, Subcommand)]
pub enum HubCmd {
    /// Authenticate with the hub (both sides prove their certificates), install the
    /// organisation's current revocation list and bring the services directory up to date
    /// (link workers and team leads).
    Connect(HubConnectArgs),
    /// Sync this store's documents with the hub (the caseload the hub gives this device),
    /// inside the authenticated connection; installs newer revocation lists on the way. With
    /// --live, stays connected: local edits go to the hub as they happen, and other devices'
    /// edits arrive as the hub receives them.
    Sync(HubSyncArgs),
}

/// `hub sync` options.
#[derive(Debug, Args)]
pub struct HubSyncArgs {
    /// The hub's address, `wss://HOST[:PORT]`.
    pub url: String,
    /// Trust only this CA certificate (PEM) for the hub's TLS certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Keep the connection open after the sync (a video consultation): sends local edits as
    /// they happen and prints a line for each merge of another device's edits. Ends when the
    /// hub closes the connection, on Ctrl-C, or after --duration.
    #[arg(long)]
    pub live: bool,
    /// With --live: stop after this many seconds (a fraction is allowed).
    #[arg(long, value_name = "SECS", requires = "live")]
    pub duration: Option<String>,
}

/// `hub connect` options.
#[derive(Debug, Args)]
pub struct HubConnectArgs {
    /// The hub's address, `wss://HOST[:PORT]`.
    pub url: String,
    /// Trust only this CA certificate (PEM) for the hub's TLS certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// `trust` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCmd {
    /// Install a newer revocation list signed by the organisation.
    Update(FileArg),
}

/// A single `--out FILE` option.
#[derive(Debug, Args)]
pub struct OutArg {
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// A single file argument.
#[derive(Debug, Args)]
pub struct FileArg {
    /// The file to read.
    pub file: PathBuf,
}

/// `directory` subcommands.
#[derive(Debug, Subcommand)]
pub enum DirectoryCmd {
    /// Import an Open Referral UK / HSDS 3.0 services feed (a `/services` page, a list of
    /// pages or records, or one record) from a file; replaces the directory unless the feed is
    /// refused whole. Prints the per-record report.
    Import(DirectoryImportArgs),
    /// Search the directory offline; every filter given must hold.
    Search(DirectorySearchArgs),
    /// A service's full record by its ORUK id.
    Show(DirectoryShowArgs),
    /// Which directory the store holds (source, feed date, import time, content hash).
    Info,
}

/// `directory import FILE`.
#[derive(Debug, Args)]
pub struct DirectoryImportArgs {
    /// The feed file (JSON).
    pub file: PathBuf,
    /// The label stored with the directory version (default: the file's name).
    #[arg(long, value_name = "LABEL")]
    pub source: Option<String>,
}

/// `directory search [TEXT] [filters]`.
#[derive(Debug, Args)]
pub struct DirectorySearchArgs {
    /// Free text over names, descriptions, organisations and terms (typo-tolerant, ranked).
    pub text: Option<String>,
    /// A need: a taxonomy term's id, code or name (or part of the name).
    #[arg(long, value_name = "NEED")]
    pub need: Option<String>,
    /// Distance from `LAT,LON` or a postcode that the directory's own locations carry.
    #[arg(long, value_name = "LAT,LON|POSTCODE", allow_hyphen_values = true)]
    pub near: Option<String>,
    /// With --near: only services within this many kilometres.
    #[arg(long, value_name = "KM", requires = "near")]
    pub within: Option<String>,
    /// Open on a weekday (monday, mon, mo) or a date (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub open: Option<String>,
    /// Eligible at this age in years.
    #[arg(long, value_name = "YEARS")]
    pub age: Option<String>,
    /// Results per page (1 to 100).
    #[arg(long, default_value = "20")]
    pub limit: String,
    /// Results to skip.
    #[arg(long, default_value = "0")]
    pub offset: String,
    /// Add each service's referral outcomes from this store (referrals, accepted, attended,
    /// no capacity, mean wait).
    #[arg(long)]
    pub outcomes: bool,
}

/// `directory show SERVICE`.
#[derive(Debug, Args)]
pub struct DirectoryShowArgs {
    /// The service's ORUK id.
    pub service: String,
}

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// Write a new random 32-byte key to a file (created readable by its owner only; an
    /// existing file is never overwritten). Prints the file's path.
    New(KeyNewArgs),
}

/// `key new` options.
#[derive(Debug, Args)]
pub struct KeyNewArgs {
    /// The key file to create.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `rekey` options.
#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// The file holding the new key (32 raw bytes or 64 hex characters).
    #[arg(long, value_name = "FILE")]
    pub new_key_file: PathBuf,
}

/// `init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The store owner's role: link-worker or patient.
    #[arg(long, default_value = "link-worker", value_name = "ROLE")]
    pub role: String,
    /// For a patient store: the person it belongs to.
    #[arg(long, value_name = "ID", conflicts_with = "pairing")]
    pub person: Option<String>,
    /// For a patient's phone: the pairing payload its link worker wrote (`patient pair`); the
    /// store is enrolled for the payload's person.
    #[arg(long, value_name = "PAIRING", requires = "code")]
    pub pairing: Option<PathBuf>,
    /// With `--pairing`: the six-digit code shown on the link worker's device.
    #[arg(long, value_name = "CODE", requires = "pairing")]
    pub code: Option<String>,
}

/// A single person argument.
#[derive(Debug, Args)]
pub struct PersonArg {
    /// The person's id.
    pub person: String,
}

/// A single item argument (goal, step, consultation, flag, ...).
#[derive(Debug, Args)]
pub struct ItemArg {
    /// The item's id.
    pub id: String,
}

/// `person` subcommands.
#[derive(Debug, Subcommand)]
pub enum PersonCmd {
    /// Add a person with their referral; prints the person's id.
    Add(PersonAddArgs),
    /// The caseload list (from projections), optionally filtered.
    List(PersonListArgs),
    /// A person's whole record.
    Show(PersonArg),
    /// Change demographics (an empty value clears an optional field).
    Update(PersonUpdateArgs),
    /// Set the fields reports break down by (sex, ethnic category, GP practice, PCN); each
    /// one left out is cleared.
    Reporting(PersonReportingArgs),
    /// Erase a person: deletes their documents and every stored change here, and makes every
    /// store that syncs with this one do the same.
    Erase(PersonArg),
}

/// The referral that opens an episode.
#[derive(Debug, Args)]
pub struct ReferralArgs {
    /// Referral source: gp, practice-nurse, practice-staff, council, hospital, police, vcse,
    /// other-professional, self-referral.
    #[arg(long, value_name = "CODE")]
    pub source: Option<String>,
    /// Who referred (name or organisation).
    #[arg(long, value_name = "NAME")]
    pub referrer: Option<String>,
    /// A reason for referral (repeatable).
    #[arg(long = "reason", value_name = "TEXT")]
    pub reasons: Vec<String>,
    /// When the referral was received (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE")]
    pub received: Option<String>,
    /// The referral is urgent.
    #[arg(long)]
    pub urgent: bool,
    /// Whether the person consents to be contacted (true or false).
    #[arg(long, value_name = "BOOL")]
    pub consent_to_contact: Option<bool>,
}

/// `person add` options.
#[derive(Debug, Args)]
pub struct PersonAddArgs {
    /// Given name.
    #[arg(long, value_name = "NAME")]
    pub given: String,
    /// Family name.
    #[arg(long, value_name = "NAME")]
    pub family: String,
    /// Date of birth (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub dob: String,
    /// NHS number (ten digits; spaces allowed).
    #[arg(long, value_name = "N")]
    pub nhs_number: Option<String>,
    /// Postal address.
    #[arg(long, value_name = "TEXT")]
    pub address: Option<String>,
    /// Telephone number.
    #[arg(long, value_name = "TEXT")]
    pub phone: Option<String>,
    /// Email address.
    #[arg(long, value_name = "TEXT")]
    pub email: Option<String>,
    /// Preferred contact: phone, sms, email, letter, in-person.
    #[arg(long, value_name = "CODE")]
    pub preferred_contact: Option<String>,
    /// Communication needs (interpreter, large print, ...).
    #[arg(long, value_name = "TEXT")]
    pub communication_needs: Option<String>,
    /// The referral.
    #[command(flatten)]
    pub referral: ReferralArgs,
}

/// `person list` options.
#[derive(Debug, Args)]
pub struct PersonListArgs {
    /// Start of a name, or NHS number digits.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only people whose current episode is in this state.
    #[arg(long, value_name = "STATE")]
    pub status: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `person update` options.
#[derive(Debug, Args)]
pub struct PersonUpdateArgs {
    /// The person's id.
    pub person: String,
    /// New given name.
    #[arg(long, value_name = "NAME")]
    pub given: Option<String>,
    /// New family name.
    #[arg(long, value_name = "NAME")]
    pub family: Option<String>,
    /// New date of birth (YYYY-MM-DD; empty clears).
    #[arg(long, value_name = "DATE")]
    pub dob: Option<String>,
    /// New NHS number (empty clears).
    #[arg(long, value_name = "N")]
    pub nhs_number: Option<String>,
    /// New address (empty clears).
    #[arg(long, value_name = "TEXT")]
    pub address: Option<String>,
    /// New phone (empty clears).
    #[arg(long, value_name = "TEXT")]
    pub phone: Option<String>,
    /// New email (empty clears).
    #[arg(long, value_name = "TEXT")]
    pub email: Option<String>,
    /// New preferred contact (empty clears).
    #[arg(long, value_name = "CODE")]
    pub preferred_contact: Option<String>,
    /// New communication needs (empty clears).
    #[arg(long, value_name = "TEXT")]
    pub communication_needs: Option<String>,
    /// Share only SNOMED CT codes with the GP (true or false).
    #[arg(long, value_name = "BOOL")]
    pub codes_only: Option<bool>,
}

/// `episode` subcommands.
#[derive(Debug, Subcommand)]
pub enum EpisodeCmd {
    /// Move the person's current episode to a new state; prints the new state.
    Transition(EpisodeTransitionArgs),
    /// Open a new episode for a new referral (the current one must be closed); prints its id.
    Open(EpisodeOpenArgs),
}

/// `episode transition` options.
#[derive(Debug, Args)]
pub struct EpisodeTransitionArgs {
    /// The person's id.
    pub person: String,
    /// Target state: referred, contacting, accepted, declined, unable-to-contact, redirected,
    /// on-hold, discharged.
    #[arg(long, value_name = "STATE")]
    pub to: String,
    /// Why. For `--to discharged` a discharge reason code: goals-met, disengaged, moved-away,
    /// transferred, deceased, other. For `--to declined` a decline reason code
    /// (not-wanted-now, needs-met-elsewhere, prefers-self-management, disagreed-with-referral,
    /// other) and for `--to redirected` a redirect reason code (needs-clinical-care,
    /// crisis-support, statutory-service, outside-area, other) is recorded as the coded
    /// reason; other text is kept as free text.
    #[arg(long, value_name = "R")]
    pub reason: Option<String>,
    /// A free-text note kept with the transition (e.g. alongside a reason code).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// With `--to accepted`: whether the person consents to be contacted (true or false);
    /// a first acceptance needs `true` here or on the referral.
    #[arg(long, value_name = "BOOL")]
    pub consent_to_contact: Option<bool>,
}

/// `episode open` options.
#[derive(Debug, Args)]
pub struct EpisodeOpenArgs {
    /// The person's id.
    pub person: String,
    /// The new referral.
    #[command(flatten)]
    pub referral: ReferralArgs,
}

/// `contact` subcommands.
#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Record a contact attempt; prints its id.
    Add(ContactAddArgs),
}

/// `contact add` options.
#[derive(Debug, Args)]
pub struct ContactAddArgs {
    /// The person's id.
    pub person: String,
    /// Channel: phone, sms, letter, email, visit.
    #[arg(long, value_name = "C")]
    pub channel: String,
    /// Outcome: reached, no-answer, left-message, wrong-details, sent.
    #[arg(long, value_name = "O")]
    pub outcome: String,
    /// A note.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// `goal` subcommands.
#[derive(Debug, Subcommand)]
pub enum GoalCmd {
    /// Add a goal in the person's own words; prints its id.
    Add(GoalAddArgs),
    /// Change a goal's text, detail, target date, status or needs.
    Update(GoalUpdateArgs),
    /// Record progress (a 0-10 rating, a note, or both); prints the entry's id.
    Progress(GoalProgressArgs),
}

/// `goal add` options.
#[derive(Debug, Args)]
pub struct GoalAddArgs {
    /// The person's id.
    pub person: String,
    /// The goal, in the person's own words.
    #[arg(long, value_name = "TEXT")]
    pub text: String,
    /// Optional SMART detail.
    #[arg(long, value_name = "TEXT")]
    pub detail: Option<String>,
    /// Target date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub target: Option<String>,
    /// A need this goal addresses (repeatable).
    #[arg(long = "need", value_name = "CODE")]
    pub needs: Vec<String>,
}

/// `goal update` options.
#[derive(Debug, Args)]
pub struct GoalUpdateArgs {
    /// The goal's id.
    pub goal: String,
    /// New text.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// New SMART detail (empty clears).
    #[arg(long, value_name = "TEXT")]
    pub detail: Option<String>,
    /// New target date (YYYY-MM-DD; empty clears).
    #[arg(long, value_name = "DATE")]
    pub target: Option<String>,
    /// New status: active, achieved, partly-achieved, not-achieved, dropped.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Replace the linked needs (repeatable).
    #[arg(long = "need", value_name = "CODE")]
    pub needs: Vec<String>,
}

/// `goal progress` options.
#[derive(Debug, Args)]
pub struct GoalProgressArgs {
    /// The goal's id.
    pub goal: String,
    /// Rating 0 to 10 (optional when a note is given).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub rating: Option<String>,
    /// A note.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// `step` subcommands.
#[derive(Debug, Subcommand)]
pub enum StepCmd {
    /// Add an action-plan step; prints its id.
    Add(StepAddArgs),
    /// Change a step's text, owner or due date (reschedule).
    Update(StepUpdateArgs),
    /// Mark a step done.
    Done(ItemArg),
    /// Mark a done step as not done.
    Reopen(ItemArg),
}

/// `step add` options.
#[derive(Debug, Args)]
pub struct StepAddArgs {
    /// The person's id.
    pub person: String,
    /// What is to be done.
    #[arg(long, value_name = "TEXT")]
    pub text: String,
    /// Who does it: person, link-worker, service, other.
    #[arg(long, value_name = "OWNER")]
    pub owner: String,
    /// The named owner (a service, a carer).
    #[arg(long, value_name = "NAME")]
    pub owner_name: Option<String>,
    /// Due date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// The goal this step serves.
    #[arg(long, value_name = "GOAL")]
    pub goal: Option<String>,
}

/// `step update` options.
#[derive(Debug, Args)]
pub struct StepUpdateArgs {
    /// The step's id.
    pub step: String,
    /// New due date (YYYY-MM-DD; empty clears).
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// New text.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// New owner: person, link-worker, service, other.
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
    /// New named owner (empty clears).
    #[arg(long, value_name = "NAME")]
    pub owner_name: Option<String>,
}

/// `need` subcommands.
#[derive(Debug, Subcommand)]
pub enum NeedCmd {
    /// Record a need (or replace its note).
    Add(NeedArgs),
    /// Remove a recorded need.
    Remove(NeedArgs),
}

/// `need add|remove` options.
#[derive(Debug, Args)]
pub struct NeedArgs {
    /// The person's id.
    pub person: String,
    /// The need: loneliness, debt, housing, bereavement, employment, benefits,
    /// mental-wellbeing, physical-activity, carer-support, food, digital-exclusion, other.
    pub need: String,
    /// The person's own words about it (add only).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// `plan` subcommands.
#[derive(Debug, Subcommand)]
pub enum PlanCmd {
    /// Set "what matters to me", in the person's words.
    WhatMatters(WhatMattersArgs),
    /// Set (or with an empty date, clear) the plan's review date.
    Review(ReviewArgs),
    /// Show the plan document only.
    Show(PersonArg),
}

/// `plan what-matters` options.
#[derive(Debug, Args)]
pub struct WhatMattersArgs {
    /// The person's id.
    pub person: String,
    /// What matters, in the person's words.
    #[arg(long, value_name = "TEXT")]
    pub text: String,
}

/// `plan review` options.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The person's id.
    pub person: String,
    /// Review date (YYYY-MM-DD; empty clears).
    #[arg(long, value_name = "DATE")]
    pub date: String,
}

/// `consultation` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConsultationCmd {
    /// Record a consultation in the current episode; prints its id.
    Add(ConsultationAddArgs),
    /// Lone-working check-in at the start of a home visit.
    CheckIn(ItemArg),
    /// Lone-working check-out at the end of a home visit.
    CheckOut(ItemArg),
    /// Replace a consultation's notes.
    Notes(ConsultationNotesArgs),
}

/// `consultation add` options.
#[derive(Debug, Args)]
pub struct ConsultationAddArgs {
    /// The person's id.
    pub person: String,
    /// Mode: home-visit, phone, video, venue.
    #[arg(long, value_name = "MODE")]
    pub mode: String,
    /// Notes.
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// Duration in minutes (1 to 1440).
    #[arg(long, value_name = "MIN", allow_negative_numbers = true)]
    pub duration: Option<String>,
    /// Another attendee (repeatable).
    #[arg(long = "attendee", value_name = "NAME")]
    pub attendees: Vec<String>,
}

/// `consultation notes` options.
#[derive(Debug, Args)]
pub struct ConsultationNotesArgs {
    /// The consultation's id.
    pub id: String,
    /// The new notes.
    #[arg(long, value_name = "TEXT")]
    pub text: String,
}

/// `consent` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConsentCmd {
    /// Record a consent decision; prints its id.
    Record(ConsentRecordArgs),
}

/// `consent record` options.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("decision").required(true).args(["given", "withdrawn"])))]
pub struct ConsentRecordArgs {
    /// The person's id.
    pub person: String,
    /// What the data is shared for.
    #[arg(long, value_name = "TEXT")]
    pub purpose: String,
    /// The receiving organisation's id: its ODS code, or a local id for an organisation
    /// without one (letters, digits, hyphens).
    #[arg(long, value_name = "ID")]
    pub recipient_org: String,
    /// The receiving organisation's name (`--recipient` is accepted too).
    #[arg(long, value_name = "NAME", alias = "recipient")]
    pub recipient_name: String,
    /// Consent is given.
    #[arg(long)]
    pub given: bool,
    /// Consent is withdrawn (or refused).
    #[arg(long)]
    pub withdrawn: bool,
    /// How it was expressed: verbal, written, digital.
    #[arg(long, value_name = "METHOD")]
    pub method: String,
    /// Capacity: has-capacity, lacks-capacity, not-assessed.
    #[arg(long, value_name = "CODE")]
    pub capacity: Option<String>,
    /// A proxy's name (with --proxy-relationship).
    #[arg(long, value_name = "NAME")]
    pub proxy_name: Option<String>,
    /// The proxy's relationship (with --proxy-name).
    #[arg(long, value_name = "TEXT")]
    pub proxy_relationship: Option<String>,
    /// When consent lapses (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
}

/// `onward` subcommands.
#[derive(Debug, Subcommand)]
pub enum OnwardCmd {
    /// Refer the person to a community service; prints its id.
    Add(OnwardAddArgs),
    /// Move an onward referral to a new state.
    Transition(OnwardTransitionArgs),
    /// Onward referrals not yet in a final state, across the caseload.
    List,
    /// What the referral may send to the service: the person's name and contact details only
    /// when a consent in force names the organisation; otherwise a withheld list.
    Message(ItemArg),
    /// Days a referral may wait for the service's answer before the due list shows it
    /// (default 14): prints it, or sets it.
    ResponseDays(ResponseDaysArgs),
}

/// `onward add` options: a directory service by id, or a free-text service.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["service", "service_id"])))]
pub struct OnwardAddArgs {
    /// The person's id.
    pub person: String,
    /// A service not in the directory, in free text.
    #[arg(long, value_name = "TEXT")]
    pub service: Option<String>,
    /// A directory service's ORUK id: its name and organisation are stored as they are now.
    #[arg(long, value_name = "ID", conflicts_with = "organisation")]
    pub service_id: Option<String>,
    /// The organisation running a free-text service.
    #[arg(long, value_name = "TEXT")]
    pub organisation: Option<String>,
    /// The need it addresses.
    #[arg(long, value_name = "TEXT")]
    pub need: Option<String>,
}

/// `onward transition` options.
#[derive(Debug, Args)]
pub struct OnwardTransitionArgs {
    /// The onward referral's id.
    pub id: String,
    /// Target state: acknowledged, accepted, no-capacity, not-eligible, could-not-contact,
    /// attending, got-help, could-not-get-help, left-early, no-longer-interested.
    #[arg(long, value_name = "STATE")]
    pub to: String,
    /// A note.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// `flag` subcommands.
#[derive(Debug, Subcommand)]
pub enum FlagCmd {
    /// Raise a flag; prints its id.
    Raise(FlagRaiseArgs),
    /// Resolve a flag.
    Resolve(ItemArg),
}

/// `flag raise` options.
#[derive(Debug, Args)]
pub struct FlagRaiseArgs {
    /// The person's id.
    pub person: String,
    /// Kind: risk, safeguarding.
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// Description.
    #[arg(long, value_name = "TEXT")]
    pub text: String,
}

/// `note` subcommands.
#[derive(Debug, Subcommand)]
pub enum NoteCmd {
    /// Add a case note; prints its id.
    Add(NoteAddArgs),
    /// Replace a case note's text.
    Edit(NoteEditArgs),
}

/// `note add` options.
#[derive(Debug, Args)]
pub struct NoteAddArgs {
    /// The person's id.
    pub person: String,
    /// The note.
    #[arg(long, value_name = "TEXT")]
    pub text: String,
}

/// `note edit` options.
#[derive(Debug, Args)]
pub struct NoteEditArgs {
    /// The note's id.
    pub id: String,
    /// The new text.
    #[arg(long, value_name = "TEXT")]
    pub text: String,
}

/// `due` options.
#[derive(Debug, Args)]
pub struct DueArgs {
    /// Last date to include (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `measure` subcommands.
#[derive(Debug, Subcommand)]
pub enum MeasureCmd {
    /// Record a person's answers to an instrument; prints the response's id.
    Record(MeasureRecordArgs),
    /// Score answers without a store; prints the outcome as JSON.
    Score(MeasureScoreArgs),
    /// A person's paired change in the current episode (or `--episode`): earliest complete
    /// baseline against the latest complete follow-up answered after it, per instrument and
    /// quantity, with the published meaningful-change threshold; then the instruments that
    /// could not be paired and why.
    Change(MeasureChangeArgs),
}

/// `measure change` options.
#[derive(Debug, Args)]
pub struct MeasureChangeArgs {
    /// The person's id.
    pub person: String,
    /// The episode (default: the current one).
    #[arg(long, value_name = "ID")]
    pub episode: Option<String>,
}

/// `measure record` options.
#[derive(Debug, Args)]
pub struct MeasureRecordArgs {
    /// The person's id.
    pub person: String,
    /// Instrument: ons4, wemwbs, swemwbs, ucla3, loneliness-direct, mycaw, pam.
    #[arg(long, value_name = "NAME")]
    pub instrument: String,
    /// Comma-separated whole numbers in item order; an empty entry or `-` is unanswered.
    #[arg(long, value_name = "A,B,C", allow_hyphen_values = true)]
    pub answers: Option<String>,
    /// Timepoint: baseline, review, follow-up.
    #[arg(long, value_name = "WHEN")]
    pub timepoint: String,
    /// Administration mode: self-completed (default) or read-out.
    #[arg(long, value_name = "MODE", default_value = "self-completed")]
    pub mode: String,
    /// MYCaW: the person's words for a rated concern (repeatable, in order).
    #[arg(long = "concern", value_name = "TEXT")]
    pub concerns: Vec<String>,
    /// PAM: the licensed scorer's score (0-100).
    #[arg(long, value_name = "SCORE")]
    pub pam_score: Option<String>,
    /// PAM: the licensed scorer's level (1-4).
    #[arg(long, value_name = "LEVEL")]
    pub pam_level: Option<String>,
    /// PAM: the licensed scorer's version.
    #[arg(long, value_name = "VERSION")]
    pub pam_version: Option<String>,
}

/// `measure score` options.
#[derive(Debug, Args)]
pub struct MeasureScoreArgs {
    /// Instrument: ons4, wemwbs, swemwbs, ucla3, loneliness-direct, mycaw.
    #[arg(long, value_name = "NAME")]
    pub instrument: String,
    /// Comma-separated whole numbers in item order; an empty entry or `-` is unanswered.
    #[arg(long, value_name = "A,B,C", allow_hyphen_values = true)]
    pub answers: String,
}

/// `report` options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write one CSV file per table into this directory (created if missing; files of the
    /// same names are replaced) and print their paths, instead of printing the report.
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// With `--csv`: the export is for a commissioner, so counts under the threshold are
    /// written `*` and statistics over fewer people are left empty.
    #[arg(long, requires = "csv")]
    pub commissioner: bool,
    /// The small-number threshold for `--commissioner` or a period report (default 5).
    #[arg(long, value_name = "N")]
    pub suppress_below: Option<u32>,
    /// The reporting period, for the commissioner's period report.
    #[command(flatten)]
    pub period: PeriodArgs,
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Write the person's record as a FHIR R4 Bundle (JSON); prints the file's path.
    Fhir(ExportFhirArgs),
}

/// `export fhir` options.
#[derive(Debug, Args)]
pub struct ExportFhirArgs {
    /// The person's id.
    pub person: String,
    /// The file to write (replaced whole, never left half-written).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Include case data: the episode and referral, onward referrals, consent,
    /// consultations, flags, address and telecom (left out by default).
    #[arg(long)]
    pub include_case_data: bool,
}

/// `gp-message` options.
#[derive(Debug, Args)]
pub struct GpMessageArgs {
    /// The person's id.
    pub person: String,
    /// The event: accepted, declined, discharged.
    #[arg(long, value_name = "EVENT")]
    pub event: String,
}

/// `doc` subcommands.
#[derive(Debug, Subcommand)]
pub enum DocCmd {
    /// Every document the store holds: person, kind, stored bytes, heads, change rows.
    List,
    /// Write one of a person's documents to a file.
    Export(DocExportArgs),
    /// Merge a document file into the store.
    Import(DocImportArgs),
}

/// `doc export` options.
#[derive(Debug, Args)]
pub struct DocExportArgs {
    /// The person's id.
    pub person: String,
    /// Which document: plan or case.
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `doc import` options.
#[derive(Debug, Args)]
pub struct DocImportArgs {
    /// The document file to merge.
    pub file: PathBuf,
}

/// `sync` subcommands.
#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Listen on 127.0.0.1:PORT and sync with each store that connects, one at a time; prints
    /// `listening on 127.0.0.1:PORT`, then a report per connection (with --json, one JSON
    /// object per line).
    Serve(SyncServeArgs),
    /// Connect to a listening store and sync with it; prints a report (with --json, one JSON
    /// object per line).
    Connect(SyncConnectArgs),
}

/// Options shared by `sync serve` and `sync connect`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Keep the session open and send local edits as they happen (a virtual consultation);
    /// prints a line for each merge that changed people. Ends when the peer closes, on Ctrl-C,
    /// or after --duration.
    #[arg(long)]
    pub live: bool,
    /// Stop after this many seconds (a fraction is allowed).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<String>,
    /// On an unenrolled store (tests, demos): sync with another unenrolled store that also
    /// passes this flag. Ignored by an enrolled store, which syncs only with devices that prove
    /// a certificate of its organisation.
    #[arg(long)]
    pub allow_unenrolled: bool,
    /// Keep each message this side sends under this many bytes (default 1048576; at least
    /// 16384). A first sync of a large caseload then takes several rounds, each stored as it
    /// arrives, so an interrupted sync resumes where it stopped.
    #[arg(long, value_name = "BYTES")]
    pub max_message_bytes: Option<String>,
}

/// `sync serve` options.
#[derive(Debug, Args)]
pub struct SyncServeArgs {
    /// The port to listen on (127.0.0.1 only); 0 picks a free port.
    #[arg(long, value_name = "N")]
    pub port: String,
    /// Exit after one connection.
    #[arg(long)]
    pub once: bool,
    /// Live mode and duration.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// `sync connect` options.
#[derive(Debug, Args)]
pub struct SyncConnectArgs {
    /// Where the peer listens: HOST:PORT (e.g. 127.0.0.1:7070).
    #[arg(value_name = "HOST:PORT")]
    pub address: String,
    /// Show progress (documents and bytes done of the total) as the session runs: a bar on
    /// stderr (shown anyway when stderr is a terminal), or with --json a
    /// `{"event":"progress",...}` line per message received.
    #[arg(long)]
    pub progress: bool,
    /// Live mode and duration.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's stores in this directory instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
