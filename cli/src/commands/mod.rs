//! Command implementations, grouped by concern. Every command that writes makes exactly one
//! core call, so the core's "nothing changes on error" guarantee holds for the whole command.
//!
//! Values are parsed here (not by clap) so that a bad id, date, number or code is reported as
//! the core's typed error, naming the field and listing accepted codes.

/// Case document commands.
pub mod case;
/// The community services directory.
pub mod directory;
/// Document export, import and compaction.
pub mod docs;
/// Enrolment with the organisation's hub and `hub connect`.
pub mod hub;
/// Device identity, organisations, pairing and revocation.
pub mod identity;
/// Key files: `key new`, `rekey`, and reading `--key-file`.
pub mod keys;
/// Outcome measures.
pub mod measures;
/// Stores, people, episodes, contact, GP codes, history.
pub mod people;
/// The period report, reporting fields and the referral response deadline.
pub mod period;
/// Plan document commands.
pub mod plan;
/// The caseload report, the FHIR export and the GP message.
pub mod reports;
/// Sync state (peers, unsynced people, documents, conflicts) and paged lists.
pub mod state;
/// `sync serve` and `sync connect`.
pub mod sync;

use std::path::PathBuf;

use chrono::NaiveDate;
use linkwork_core::model::{text, Code};
use linkwork_core::{Error, Id, Store, StoreKey};

use crate::args::{Cli, Command};
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// What every command may need: the store path, the acting user and the output mode.
#[derive(Debug)]
pub struct Ctx {
    /// `--db`.
    pub db: Option<PathBuf>,
    /// `--user`.
    pub user: Option<String>,
    /// `--key-file`.
    pub key_file: Option<PathBuf>,
    /// `--unencrypted`.
    pub unencrypted: bool,
    /// Text or JSON.
    pub out: Output,
}

impl Ctx {
    /// The `--db` path, or a usage error naming the command.
    ///
    /// # Errors
    /// [`CliError::Usage`] when `--db` was not given.
    pub fn db_path(&self) -> CliResult<&PathBuf> {
        self.db.as_ref().ok_or_else(|| {
            CliError::Usage("this command needs --db FILE (the store to use)".into())
        })
    }

    /// The store key from `--key-file`, or [`StoreKey::unencrypted`] with `--unencrypted`.
    ///
    /// # Errors
    /// [`CliError::Usage`] when neither was given; a key file that cannot be read or does not
    /// hold a key.
    pub fn key(&self) -> CliResult<StoreKey> {
        match (&self.key_file, self.unencrypted) {
            (Some(file), false) => keys::read_key_file(file),
            (None, true) => Ok(StoreKey::unencrypted()),
            (Some(_), true) => Err(CliError::Usage(
                "--key-file and --unencrypted cannot be used together".into(),
            )),
            (None, false) => Err(CliError::Usage(
                "this command opens a store: pass --key-file FILE (the store's key; `linkwork \
                 key new --out FILE` makes one) or --unencrypted (a plain store, for tests)"
                    .into(),
            )),
        }
    }

    /// Opens the store at `--db` with its key, acting as `--user` when given.
    ///
    /// # Errors
    /// A missing `--db`, `--key-file` or `--unencrypted`; the core's open errors.
    pub fn store(&self) -> CliResult<Store> {
        let path = self.db_path()?;
        let key = self.key()?;
        Ok(Store::open_as(path, &key, self.user.as_deref())?)
    }
}

/// Runs the parsed command line.
///
/// # Errors
/// Whatever the command reports.
pub fn run(cli: Cli) -> CliResult {
    let ctx = Ctx {
        db: cli.db,
        user: cli.user,
        key_file: cli.key_file,
        unencrypted: cli.unencrypted,
        out: Output::new(cli.json),
    };
    match cli.command {
        Command::Init(a) => people::init(&ctx, a),
        Command::Info => people::info(&ctx),
        Command::Person(c) => people::person(&ctx, c),
        Command::Episode(c) => people::episode(&ctx, c),
        Command::Contact(c) => people::contact(&ctx, c),
        Command::History(a) => people::history(&ctx, a),
        Command::Conflicts(a) => people::conflicts(&ctx, a),
        Command::Resolve(a) => state::resolve(&ctx, a),
        Command::Peers => state::peers(&ctx),
        Command::Unsynced(a) => state::unsynced(&ctx, a),
        Command::GpCodes(a) => people::gp_codes(&ctx, a),
        Command::Goal(c) => plan::goal(&ctx, c),
        Command::Step(c) => plan::step(&ctx, c),
        Command::Need(c) => plan::need(&ctx, c),
        Command::Plan(c) => plan::plan(&ctx, c),
        Command::Due(a) => plan::due(&ctx, a),
        Command::Consultation(c) => case::consultation(&ctx, c),
        Command::Consent(c) => case::consent(&ctx, c),
        Command::Onward(c) => case::onward(&ctx, c),
        Command::Flag(c) => case::flag(&ctx, c),
        Command::Note(c) => case::note(&ctx, c),
        Command::Measure(c) => measures::measure(&ctx, c),
        Command::Report(a) => reports::report(&ctx, a),
        Command::Export(c) => reports::export(&ctx, c),
        Command::GpMessage(a) => reports::gp_message(&ctx, a),
        Command::Doc(c) => docs::doc(&ctx, c),
        Command::Compact => docs::compact(&ctx),
        Command::Sync(c) => sync::sync(&ctx, c),
        Command::Key(c) => keys::key(&ctx, c),
        Command::Rekey(a) => keys::rekey(&ctx, a),
        Command::Demo(a) => crate::demo::run(a.keep),
        Command::Org(c) => identity::org(&ctx, c),
        Command::Device(c) => identity::device(&ctx, c),
        Command::Patient(c) => identity::patient(&ctx, c),
        Command::Trust(c) => identity::trust(&ctx, c),
        Command::Enrol(a) => hub::enrol(&ctx, a),
        Command::Hub(c) => hub::hub(&ctx, c),
        Command::Directory(c) => directory::directory(&ctx, c),
    }
}

/// Parses an id argument, naming `field` in the error.
///
/// # Errors
/// [`Error::InvalidInput`] when `text` is not an id.
pub fn id(field: &'static str, text: &str) -> CliResult<Id> {
    Ok(Id::parse(field, text)?)
}

/// Parses a `YYYY-MM-DD` date.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn date(field: &'static str, text: &str) -> CliResult<NaiveDate> {
    Ok(text::parse_date(field, text)?)
}

/// Parses an optional date.
///
/// # Errors
/// As [`date`].
pub fn opt_date(field: &'static str, text: Option<&str>) -> CliResult<Option<NaiveDate>> {
    text.map(|t| date(field, t)).transpose()
}

/// Parses a date that may be cleared: absent = unchanged, empty = clear, else the date.
///
/// # Errors
/// As [`date`].
pub fn clearable_date(
    field: &'static str,
    text: Option<&str>,
) -> CliResult<Option<Option<NaiveDate>>> {
    match text.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(t) => Ok(Some(Some(date(field, t)?))),
    }
}

/// Parses a closed-vocabulary code; the error lists the accepted codes.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn code<T: Code>(field: &'static str, text: &str) -> CliResult<T> {
    Ok(T::parse(field, text)?)
}

/// Parses an optional code.
///
/// # Errors
/// As [`code`].
pub fn opt_code<T: Code>(field: &'static str, text: Option<&str>) -> CliResult<Option<T>> {
    text.map(|t| code(field, t)).transpose()
}

/// Parses a number.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` with `reason`.
pub fn number<T: std::str::FromStr>(
    field: &'static str,
    text: &str,
    reason: &'static str,
) -> CliResult<T> {
    text.trim()
        .parse::<T>()
        .map_err(|_| CliError::Core(Error::invalid(field, reason)))
}

/// Optional text that may be cleared: absent = unchanged, empty = clear, else the text.
pub fn clearable(text: Option<String>) -> Option<Option<String>> {
    text.map(|t| {
        let trimmed = t.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_string())
    })
}

/// Refuses an update that would change nothing.
///
/// # Errors
/// [`Error::InvalidInput`] naming `what`.
pub fn require_change(what: &'static str, any: bool) -> CliResult {
    if any {
        Ok(())
    } else {
        Err(Error::invalid(what, "give at least one field to change").into())
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a failed
/// write never leaves a half-written file (and an existing file is replaced whole). On Unix
/// the file is readable and writable by its owner only.
///
/// # Errors
/// Creating, writing, syncing or renaming the temporary file failed.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use linkwork_core::model::EpisodeStatus;

    #[test]
    fn code_errors_list_accepted_values() {
        let err = code::<EpisodeStatus>("to", "finished").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("invalid to: expected one of referred"),
            "{msg}"
        );
        assert_eq!(err.code(), crate::error::EXIT_INVALID);
    }

    #[test]
    fn clearable_values() {
        assert_eq!(clearable(None), None);
        assert_eq!(clearable(Some(" ".into())), Some(None));
        assert_eq!(clearable(Some("x".into())), Some(Some("x".into())));
        assert_eq!(clearable_date("d", Some("")).unwrap(), Some(None));
        assert!(clearable_date("d", Some("2020-13-01")).is_err());
    }
}
