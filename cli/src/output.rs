//! Printing results: plain text for people, JSON (`--json`) for programs.
//!
//! Create commands print the new id alone (or `{"id": ...}`); read commands print a concise
//! text view or the core type serialised with serde; update commands print nothing in text
//! mode and `{"ok": true, ...}` in JSON mode. A closed stdout (e.g. piping into `head`) is not
//! an error.

use std::fmt::{Display, Write as _};
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use linkwork_core::gp_message::GpMessage;
use linkwork_core::measures::{DifferenceConvention, Score, ScoreOutcome};
use linkwork_core::model::{
    CaseRecord, CaseloadEntry, DueItem, DueKind, FieldType, GpCode, HistoryEntry, MeasureResponse,
    OpenOnwardReferral, PersonRecord, Plan,
};
use linkwork_core::reports::{CaseloadReport, Count, MeasureChange, PersonChange};
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{CliError, CliResult};

/// Where and how results are printed.
#[derive(Clone, Copy, Debug)]
pub struct Output {
    json: bool,
}

impl Output {
    /// Text output, or JSON when `json` is set.
    pub fn new(json: bool) -> Self {
        Output { json }
    }

    /// Whether JSON output was asked for.
    pub fn is_json(self) -> bool {
        self.json
    }

    /// Prints the id of something just created: alone on its line, or `{"id": ...}`.
    ///
    /// # Errors
    /// Writing to stdout failed (other than a closed pipe).
    pub fn created(self, id: impl Display) -> CliResult {
        if self.json {
            self.json_value(&json!({ "id": id.to_string() }))
        } else {
            print_text(&format!("{id}\n"))
        }
    }

    /// Prints a read result: `human(value)` as text, or `value` as JSON.
    ///
    /// # Errors
    /// Serialising or writing failed.
    pub fn show<T: Serialize + ?Sized>(
        self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> CliResult {
        if self.json {
            self.json_value(value)
        } else {
            print_text(&human(value))
        }
    }

    /// Reports a successful update: `text` (when any) in text mode, `{"ok": true, ..extra}` in
    /// JSON mode.
    ///
    /// # Errors
    /// Writing failed.
    pub fn done(self, text: Option<String>, extra: Value) -> CliResult {
        if self.json {
            let mut object = json!({ "ok": true });
            if let (Some(o), Value::Object(more)) = (object.as_object_mut(), extra) {
                o.extend(more);
            }
            self.json_value(&object)
        } else {
            match text {
                Some(t) => print_text(&format!("{t}\n")),
                None => Ok(()),
            }
        }
    }

    /// Prints any serialisable value as pretty JSON.
    ///
    /// # Errors
    /// Serialising or writing failed.
    pub fn json_value<T: Serialize + ?Sized>(self, value: &T) -> CliResult {
        let text = to_json(value)?;
        print_text(&format!("{text}\n"))
    }
}

/// Serialises a value as pretty JSON.
///
/// # Errors
/// Serialisation failed (not expected for the core's types).
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> CliResult<String> {
    serde_json::to_string_pretty(value).map_err(|e| CliError::File {
        action: "write JSON output",
        source: io::Error::other(e),
    })
}

/// Writes text to stdout; a closed pipe ends output quietly.
///
/// # Errors
/// Any other write error.
pub fn print_text(text: &str) -> CliResult {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::File {
            action: "write to standard output",
            source: e,
        }),
        _ => Ok(()),
    }
}

/// The kebab-case code of any value serialised by serde as a string (bands, kinds, codes).
pub fn code_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::from("?"),
    }
}

/// A date and time as `YYYY-MM-DD HH:MM` (UTC).
pub fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// Aligns rows under headers, two spaces between columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The value, or `-` when absent.
fn or_dash<T: Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The caseload list as a table.
pub fn caseload(rows: &[CaseloadEntry]) -> String {
    if rows.is_empty() {
        return "no people on this caseload match\n".into();
    }
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let name = match (&r.given_name, &r.family_name) {
                (None, None) => "-".to_string(),
                (g, f) => format!(
                    "{} {}",
                    g.as_deref().unwrap_or(""),
                    f.as_deref().unwrap_or("")
                )
                .trim()
                .to_string(),
            };
            vec![
                r.person_id.to_string(),
                name,
                or_dash(r.date_of_birth),
                or_dash(r.nhs_number.as_deref()),
                or_dash(r.status),
                or_dash(r.next_step_due),
                r.active_goals.to_string(),
                r.open_onward_referrals.to_string(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "NAME",
            "BORN",
            "NHS NUMBER",
            "STATUS",
            "NEXT STEP",
            "GOALS",
            "ONWARD",
        ],
        &body,
    )
}

/// A person's whole record.
pub fn person(record: &PersonRecord) -> String {
    let mut out = String::new();
    match &record.case {
        Some(case) => case_summary(&mut out, record, case),
        None => {
            let _ = writeln!(out, "person {}", record.person_id);
        }
    }
    out.push_str(&plan(&record.plan));
    if let Some(case) = &record.case {
        case_details(&mut out, case);
    }
    out.push_str(&conflicts(record));
    out
}

/// The "Conflicts" section of a record (empty text when there are none): each field's path,
/// with the goal or step it belongs to, and every value with who set it and when.
pub fn conflicts(record: &PersonRecord) -> String {
    let mut out = String::new();
    if record.conflicts.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "Conflicts (set on two devices at once; a new edit of the field resolves it):"
    );
    for c in &record.conflicts {
        let _ = writeln!(
            out,
            "  {} {}{} [{}]",
            c.document,
            c.path.join("/"),
            conflict_subject(&record.plan, &c.path),
            field_type_text(&c.field)
        );
        let width = c
            .values
            .iter()
            .map(|v| v.value.to_string().chars().count())
            .max()
            .unwrap_or(0);
        for v in &c.values {
            let who = if v.set_by.is_empty() { "?" } else { &v.set_by };
            let _ = writeln!(
                out,
                "    {:<width$}  set by {who} at {}{}",
                v.value.to_string(),
                v.set_at.format("%Y-%m-%d %H:%M:%S"),
                if v.shown { " (shown)" } else { "" }
            );
        }
    }
    out
}

/// A conflicted field's type as `resolve --new` takes it: `date`, `code: a, b, c`,
/// `object: keep a value`, ...
fn field_type_text(field: &FieldType) -> String {
    match field {
        FieldType::Code { codes, .. } => format!("code: {}", codes.join(", ")),
        FieldType::Object | FieldType::Other => format!("{}: keep a value", field.name()),
        FieldType::Date => "date YYYY-MM-DD".into(),
        FieldType::Time => "time RFC 3339".into(),
        other => other.name().into(),
    }
}

/// ` (goal "text")` or ` (step "text")` when the path names a goal or step of the plan.
fn conflict_subject(plan: &Plan, path: &[String]) -> String {
    for segment in path {
        if let Some(g) = plan.goals.iter().find(|g| g.id.to_string() == *segment) {
            return format!(" (goal \"{}\")", g.text);
        }
        if let Some(s) = plan.steps.iter().find(|s| s.id.to_string() == *segment) {
            return format!(" (step \"{}\")", s.text);
        }
    }
    String::new()
}

/// Name, demographics and the current episode.
fn case_summary(out: &mut String, record: &PersonRecord, case: &CaseRecord) {
    let d = &case.demographics;
    let _ = writeln!(
        out,
        "{} {}  ({})",
        d.given_name, d.family_name, record.person_id
    );
    let mut facts = Vec::new();
    if let Some(dob) = d.date_of_birth {
        facts.push(format!("born {dob}"));
    }
    facts.push(match &d.nhs_number {
        Some(n) => format!("NHS {}", nhs_spaced(n.as_str())),
        None => "no NHS number".into(),
    });
    if let Some(p) = &d.phone {
        facts.push(format!("phone {p}"));
    }
    if let Some(e) = &d.email {
        facts.push(format!("email {e}"));
    }
    if let Some(c) = d.preferred_contact {
        facts.push(format!("prefers {c}"));
    }
    let _ = writeln!(out, "  {}", facts.join(" | "));
    if let Some(a) = &d.address {
        let _ = writeln!(out, "  address: {a}");
    }
    if let Some(c) = &d.communication_needs {
        let _ = writeln!(out, "  communication needs: {c}");
    }
    if d.gp_codes_only {
        let _ = writeln!(out, "  GP sharing: SNOMED CT codes only");
    }
    if let Some(e) = case.current_episode() {
        let mut line = format!("Episode: {}", e.status);
        if let Some(r) = e.discharge_reason {
            let _ = write!(line, " ({r})");
        }
        let _ = write!(line, ", received {}", e.received);
        if let Some(s) = e.source {
            let _ = write!(line, " from {s}");
        }
        if let Some(r) = &e.referrer {
            let _ = write!(line, " ({r})");
        }
        if e.urgency == linkwork_core::model::Urgency::Urgent {
            line.push_str(", urgent");
        }
        let _ = writeln!(out, "{line}");
        if !e.reasons.is_empty() {
            let _ = writeln!(out, "  reasons: {}", e.reasons.join("; "));
        }
        for c in &e.gp_codes {
            let _ = writeln!(out, "  GP code {} {}", c.code, c.display);
        }
    }
}

/// Contact attempts, consultations, consent, onward referrals, flags and notes.
fn case_details(out: &mut String, case: &CaseRecord) {
    if !case.contact_attempts.is_empty() {
        let _ = writeln!(out, "Contact attempts:");
        for c in &case.contact_attempts {
            let _ = writeln!(
                out,
                "  {}  {} {}{}",
                when(&c.at),
                c.channel,
                c.outcome,
                suffix(c.note.as_deref())
            );
        }
    }
    if !case.consultations.is_empty() {
        let _ = writeln!(out, "Consultations:");
        for c in &case.consultations {
            let mut line = format!("  {}  {} {}", c.id, when(&c.start), c.mode);
            if let Some(d) = c.duration_minutes {
                let _ = write!(line, ", {d} min");
            }
            if let Some(t) = c.checked_in_at {
                let _ = write!(line, ", checked in {}", t.format("%H:%M"));
            }
            if let Some(t) = c.checked_out_at {
                let _ = write!(line, ", out {}", t.format("%H:%M"));
            }
            if !c.attendees.is_empty() {
                let _ = write!(line, ", with {}", c.attendees.join(", "));
            }
            let notes = (!c.notes.is_empty()).then_some(c.notes.as_str());
            let _ = writeln!(out, "{line}{}", suffix(notes));
        }
    }
    if !case.consents.is_empty() {
        let _ = writeln!(out, "Consent:");
        for c in &case.consents {
            let _ = writeln!(
                out,
                "  {}  {} to {} for {} ({}, {}){}",
                c.id,
                c.decision,
                c.recipient,
                c.purpose,
                c.method,
                c.capacity,
                c.expires
                    .map(|e| format!(", expires {e}"))
                    .unwrap_or_default()
            );
        }
    }
    if !case.onward_referrals.is_empty() {
        let _ = writeln!(out, "Onward referrals:");
        for r in &case.onward_referrals {
            let org = r
                .organisation
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}  {}{}: {}", r.id, r.service, org, r.status);
        }
    }
    if !case.flags.is_empty() {
        let _ = writeln!(out, "Flags:");
        for f in &case.flags {
            let state = if f.resolved_at.is_some() {
                "resolved"
            } else {
                "open"
            };
            let _ = writeln!(out, "  {}  {} ({state}): {}", f.id, f.kind, f.description);
        }
    }
    if !case.notes.is_empty() {
        let _ = writeln!(out, "Case notes:");
        for n in &case.notes {
            let _ = writeln!(out, "  {}  {} {}: {}", n.id, when(&n.at), n.by, n.text);
        }
    }
}

/// An NHS number as printed on letters: `943 476 5919`.
fn nhs_spaced(digits: &str) -> String {
    match (digits.get(..3), digits.get(3..6), digits.get(6..)) {
        (Some(a), Some(b), Some(c)) if digits.len() == 10 => format!("{a} {b} {c}"),
        _ => digits.to_string(),
    }
}

/// ` - note` when there is a note.
fn suffix(note: Option<&str>) -> String {
    note.map(|n| format!(" - {n}")).unwrap_or_default()
}

/// A plan document: what matters, needs, goals with progress, steps, measures.
pub fn plan(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.what_matters.is_empty() {
        let _ = writeln!(out, "What matters: {}", plan.what_matters);
    }
    if !plan.needs.is_empty() {
        let needs: Vec<String> = plan
            .needs
            .iter()
            .map(|n| match &n.note {
                Some(note) => format!("{} ({note})", n.need),
                None => n.need.to_string(),
            })
            .collect();
        let _ = writeln!(out, "Needs: {}", needs.join(", "));
    }
    if let Some(r) = plan.review_date {
        let _ = writeln!(out, "Review: {r}");
    }
    if !plan.goals.is_empty() {
        let _ = writeln!(out, "Goals:");
        for g in &plan.goals {
            let target = g
                .target_date
                .map(|t| format!(", by {t}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {}  {} [{}{target}]", g.id, g.text, g.status);
            for p in &g.progress {
                let rating = p.rating.map(|r| format!("{r}/10")).unwrap_or_default();
                let note = p.note.as_deref().unwrap_or("");
                let _ = writeln!(
                    out,
                    "      {} {}: {}",
                    when(&p.recorded_at),
                    p.recorded_by,
                    [rating.as_str(), note]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
        }
    }
    if !plan.steps.is_empty() {
        let _ = writeln!(out, "Steps:");
        for s in &plan.steps {
            let tick = if s.done_at.is_some() { "x" } else { " " };
            let owner = match &s.owner_name {
                Some(n) => format!("{} ({n})", s.owner),
                None => s.owner.to_string(),
            };
            let due = s.due.map(|d| format!(", due {d}")).unwrap_or_default();
            let _ = writeln!(out, "  {}  [{tick}] {} - {owner}{due}", s.id, s.text);
        }
    }
    if !plan.measures.is_empty() {
        let _ = writeln!(out, "Measures:");
        for m in &plan.measures {
            let _ = writeln!(out, "  {}", measure(m));
        }
    }
    out
}

/// One measure response on a line: instrument, timepoint, mode and derived score.
pub fn measure(m: &MeasureResponse) -> String {
    let result = match (&m.outcome, &m.pam) {
        (Some(o), _) => outcome(o),
        (None, Some(p)) => format!("PAM score {} level {} ({})", p.score, p.level, p.version),
        (None, None) => "not scored".into(),
    };
    format!(
        "{} {} {} ({}): {result}",
        m.recorded_at.format("%Y-%m-%d"),
        m.instrument,
        m.timepoint,
        m.mode
    )
}

/// A score outcome in words: ONS4 items with their bands, totals, or what is missing.
pub fn outcome(o: &ScoreOutcome) -> String {
    match o {
        ScoreOutcome::Incomplete { missing } => {
            let items: Vec<String> = missing.iter().map(|i| (i + 1).to_string()).collect();
            format!("incomplete (item {} unanswered)", items.join(", "))
        }
        ScoreOutcome::Scored(score) => match score {
            Score::Ons4 { items } => items
                .iter()
                .map(|i| format!("{} {} ({})", code_of(&i.item), i.value, code_of(&i.band)))
                .collect::<Vec<_>>()
                .join(", "),
            Score::Wemwbs { total } => format!("total {total} (14-70)"),
            Score::Swemwbs { raw, metric } => format!("metric {metric:.2} (raw {raw})"),
            Score::Ucla3 { total } => format!("total {total} (3-9, higher is lonelier)"),
            Score::LonelinessDirect {
                answer,
                often_or_always,
            } => format!("answer {answer}, often or always: {often_or_always}"),
            Score::Mycaw {
                concerns,
                wellbeing,
            } => {
                let c: Vec<String> = concerns.iter().map(i64::to_string).collect();
                format!("concerns {}, wellbeing {wellbeing} (0 best)", c.join(", "))
            }
        },
    }
}

/// History entries, oldest first, each with its verified author.
pub fn history(entries: &[HistoryEntry]) -> String {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|h| {
            vec![
                when(&h.at),
                h.author.describe(),
                h.action.clone(),
                h.document.to_string(),
                h.item_id.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    // WHO is the author the change's signature proves (ADR 0007), not the name in the commit
    // message (`--json` has both: `author` and the claimed `user`).
    table(&["WHEN", "WHO (VERIFIED)", "ACTION", "DOC", "ITEM"], &rows)
}

/// GP codes, oldest first.
pub fn gp_codes(codes: &[GpCode]) -> String {
    if codes.is_empty() {
        return "no GP codes recorded\n".into();
    }
    let rows: Vec<Vec<String>> = codes
        .iter()
        .map(|c| {
            vec![
                c.code.clone(),
                c.display.clone(),
                when(&c.recorded_at),
                c.recorded_by.clone(),
            ]
        })
        .collect();
    table(&["CODE", "TERM", "RECORDED", "BY"], &rows)
}

/// Due goals and steps.
pub fn due(items: &[DueItem]) -> String {
    if items.is_empty() {
        return "nothing due\n".into();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|d| {
            let text = match d.kind {
                // An unanswered referral past its deadline says so.
                DueKind::OnwardResponse if d.due < linkwork_core::model::text::today() => {
                    format!("no answer from {} (overdue)", d.text)
                }
                DueKind::OnwardResponse => format!("answer due from {}", d.text),
                _ => d.text.clone(),
            };
            vec![
                d.due.to_string(),
                code_of(&d.kind),
                d.item_id.to_string(),
                d.person_id.to_string(),
                text,
            ]
        })
        .collect();
    table(&["DUE", "KIND", "ID", "PERSON", "TEXT"], &rows)
}

/// Open onward referrals across the caseload.
pub fn open_onward(items: &[OpenOnwardReferral]) -> String {
    if items.is_empty() {
        return "no open onward referrals\n".into();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|o| {
            vec![
                o.referral_id.to_string(),
                o.person_id.to_string(),
                o.service.clone(),
                o.status.to_string(),
                when(&o.sent_at),
            ]
        })
        .collect();
    table(&["ID", "PERSON", "SERVICE", "STATUS", "SENT"], &rows)
}

/// A number with at most two decimal places, trailing zeros dropped (`19.25`, `3`, `1.5`).
fn num(v: f64) -> String {
    let s = format!("{:.2}", (v * 100.0).round() / 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A signed difference: `+2`, `-1.5`, `0`.
fn signed(v: f64) -> String {
    let n = num(v);
    if v > 0.0 && n != "0" {
        format!("+{n}")
    } else {
        n
    }
}

/// `better`, `worse` or `same` from a direction-aware comparison.
fn verdict(improved: Option<bool>) -> &'static str {
    match improved {
        Some(true) => "better",
        Some(false) => "worse",
        None => "same",
    }
}

/// The non-zero counts on one line (`gp 2, vcse 1`), or `none`.
fn counts(counts: &[Count]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| format!("{} {}", c.key, c.count))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The note printed under paired changes when any is taken as baseline − follow-up.
const BASELINE_MINUS_NOTE: &str =
    "  (MYCaW change is baseline minus follow-up, so positive is better)\n";

/// The caseload report, compactly: one line per count table (non-zero counts only), then
/// onward referrals by service and paired change (quantities with at least one pair) as
/// tables.
pub fn caseload_report(r: &CaseloadReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "People: {}   Referrals: {}", r.people, r.referrals);
    let _ = writeln!(
        out,
        "Referrals by source: {}",
        counts(&r.referrals_by_source)
    );
    let _ = writeln!(out, "Referrals by month: {}", counts(&r.referrals_by_month));
    let _ = writeln!(
        out,
        "Referral outcomes: {}",
        counts(&r.outcomes.referral_outcome)
    );
    let _ = writeln!(out, "Current status: {}", counts(&r.outcomes.by_status));
    let _ = writeln!(out, "Needs (people): {}", counts(&r.needs));
    let _ = writeln!(
        out,
        "Consultations by mode: {}",
        counts(&r.consultations_by_mode)
    );
    let onward_total: i32 = r.onward_by_service.iter().map(|s| s.total).sum();
    if onward_total == 0 {
        let _ = writeln!(out, "Onward referrals: none");
    } else {
        let _ = writeln!(
            out,
            "Onward referrals: {onward_total} (unmet need, waitlisted now: {})",
            r.unmet_need
        );
        let rows: Vec<Vec<String>> = r
            .onward_by_service
            .iter()
            .map(|s| {
                vec![
                    s.service.clone(),
                    s.total.to_string(),
                    s.unmet_need.to_string(),
                    s.ever_waitlisted.to_string(),
                    counts(&s.by_status),
                ]
            })
            .collect();
        let t = table(
            &[
                "SERVICE",
                "TOTAL",
                "UNMET NEED",
                "EVER WAITLISTED",
                "BY STATUS",
            ],
            &rows,
        );
        for line in t.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let f = &r.time_to_first_contact;
    match (f.median_days, f.mean_days, f.min_days, f.max_days) {
        (Some(median), Some(mean), Some(min), Some(max)) => {
            let _ = writeln!(
                out,
                "Time to first contact (days): n {}, median {}, mean {}, range {min} to {max}; \
                 not contacted {}",
                f.n,
                num(median),
                num(mean),
                f.not_contacted
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "Time to first contact (days): none yet; not contacted {}",
                f.not_contacted
            );
        }
    }
    out.push_str(&measure_changes(&r.paired_change));
    out
}

/// The caseload's paired change: quantities with at least one pair.
fn measure_changes(changes: &[MeasureChange]) -> String {
    let mut out = String::new();
    let shown: Vec<&MeasureChange> = changes.iter().filter(|m| m.n > 0).collect();
    if shown.is_empty() {
        let _ = writeln!(
            out,
            "Paired change: none yet (needs a complete baseline and follow-up)"
        );
        return out;
    }
    let _ = writeln!(out, "Paired change (baseline to latest follow-up):");
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|m| {
            vec![
                m.instrument.code().to_string(),
                m.quantity.clone(),
                if m.lower_is_better { "lower" } else { "higher" }.into(),
                m.n.to_string(),
                m.mean_baseline.map_or_else(|| "-".into(), num),
                m.mean_follow_up.map_or_else(|| "-".into(), num),
                m.mean_change.map_or_else(|| "-".into(), signed),
                m.median.map_or_else(|| "-".into(), signed),
                match (m.min, m.max) {
                    (Some(a), Some(b)) => format!("{} to {}", signed(a), signed(b)),
                    _ => "-".into(),
                },
                format!("{}/{}/{}", m.improved, m.same, m.worse),
            ]
        })
        .collect();
    let t = table(
        &[
            "INSTRUMENT",
            "QUANTITY",
            "BETTER WHEN",
            "N",
            "BASELINE",
            "FOLLOW-UP",
            "MEAN CHANGE",
            "MEDIAN",
            "RANGE",
            "IMPROVED/SAME/WORSE",
        ],
        &rows,
    );
    for line in t.lines() {
        let _ = writeln!(out, "  {line}");
    }
    if shown
        .iter()
        .any(|m| m.convention == DifferenceConvention::BaselineMinusFollowUp)
    {
        out.push_str(BASELINE_MINUS_NOTE);
    }
    out
}

/// One person's paired change as a table.
pub fn person_changes(changes: &[PersonChange]) -> String {
    if changes.is_empty() {
        return "no paired measures (needs a complete baseline and a complete follow-up)\n".into();
    }
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| {
            vec![
                c.instrument.code().to_string(),
                c.quantity.clone(),
                num(c.baseline),
                num(c.follow_up),
                signed(c.difference),
                verdict(c.improved).into(),
                format!(
                    "{} to {}",
                    c.baseline_at.format("%Y-%m-%d"),
                    c.follow_up_at.format("%Y-%m-%d")
                ),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "INSTRUMENT",
            "QUANTITY",
            "BASELINE",
            "FOLLOW-UP",
            "CHANGE",
            "RESULT",
            "DATES",
        ],
        &rows,
    );
    if changes
        .iter()
        .any(|c| c.convention == DifferenceConvention::BaselineMinusFollowUp)
    {
        out.push_str(BASELINE_MINUS_NOTE);
    }
    out
}

/// A GP message: event, patient, codes, then the summary (or that the person asked for codes
/// only).
pub fn gp_message(m: &GpMessage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "GP message: {} on {}, by {}",
        m.event,
        m.date,
        if m.link_worker.is_empty() {
            "?"
        } else {
            &m.link_worker
        }
    );
    let p = &m.patient;
    let mut patient = format!("Patient: {} {}", p.given_name, p.family_name);
    match &p.nhs_number {
        Some(n) => {
            let _ = write!(patient, ", NHS {}", nhs_spaced(n));
        }
        None => patient.push_str(", no NHS number"),
    }
    if let Some(dob) = p.date_of_birth {
        let _ = write!(patient, ", born {dob}");
    }
    let _ = writeln!(out, "{patient}  ({})", p.person_id);
    let _ = writeln!(out, "Episode: {}", m.episode_id);
    let _ = writeln!(out, "Codes:");
    for c in &m.codes {
        let _ = writeln!(out, "  {}  {}  ({})", c.code, c.display, c.date);
    }
    if !m.withheld.is_empty() {
        let _ = writeln!(out, "Withheld:");
        for w in &m.withheld {
            let _ = writeln!(out, "  {w}");
        }
    }
    let Some(s) = &m.summary else {
        let _ = writeln!(out, "Summary: none (see withheld)");
        return out;
    };
    let _ = writeln!(out, "Summary:");
    let _ = writeln!(
        out,
        "  Referral received {}; {} consultation{} in this episode",
        s.referral_received,
        s.consultations,
        if s.consultations == 1 { "" } else { "s" }
    );
    if let Some(r) = s.discharge_reason {
        let _ = writeln!(out, "  Discharge reason: {r}");
    }
    if !s.needs.is_empty() {
        let needs: Vec<String> = s.needs.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "  Needs: {}", needs.join(", "));
    }
    if !s.goals.is_empty() {
        let _ = writeln!(out, "  Goals:");
        for g in &s.goals {
            let _ = writeln!(out, "    {} [{}]", g.text, g.status);
        }
    }
    if !s.onward_referrals.is_empty() {
        let _ = writeln!(out, "  Onward referrals:");
        for o in &s.onward_referrals {
            let org = o
                .organisation
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default();
            let unmet = if o.unmet_need { ", unmet need" } else { "" };
            let _ = writeln!(out, "    {}{org}: {}{unmet}", o.service, o.status);
        }
    }
    if !s.measure_change.is_empty() {
        let _ = writeln!(out, "  Measure change (baseline to follow-up):");
        for c in &s.measure_change {
            let _ = writeln!(
                out,
                "    {} {}: {} to {} ({}, {})",
                c.instrument,
                c.quantity,
                num(c.baseline),
                num(c.follow_up),
                signed(c.difference),
                verdict(c.improved)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(
            &["A", "LONG"],
            &[
                vec!["xyz".into(), "1".into()],
                vec!["q".into(), "22".into()],
            ],
        );
        assert_eq!(t, "A    LONG\nxyz  1\nq    22\n");
    }

    #[test]
    fn nhs_numbers_are_grouped() {
        assert_eq!(nhs_spaced("9434765919"), "943 476 5919");
        assert_eq!(nhs_spaced("123"), "123");
    }

    #[test]
    fn numbers_are_short_and_signed() {
        assert_eq!(num(19.25), "19.25");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(-0.001), "0");
        assert_eq!(signed(2.0), "+2");
        assert_eq!(signed(-1.25), "-1.25");
        assert_eq!(signed(0.0), "0");
        assert_eq!(signed(0.001), "0");
    }

    #[test]
    fn zero_counts_are_left_out() {
        let c = |key: &str, count| Count {
            key: key.into(),
            count,
        };
        assert_eq!(
            counts(&[c("gp", 2), c("vcse", 0), c("self", 1)]),
            "gp 2, self 1"
        );
        assert_eq!(counts(&[c("gp", 0)]), "none");
    }

    #[test]
    fn incomplete_outcome_names_items_from_one() {
        let o = ScoreOutcome::Incomplete {
            missing: vec![0, 2],
        };
        assert_eq!(outcome(&o), "incomplete (item 1, 3 unanswered)");
    }
}
