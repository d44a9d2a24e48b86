//! CSV export of the caseload report: one RFC 4180 file per table (CRLF line endings, a header
//! row, fields quoted when they contain a comma, a double quote, CR or LF, quotes doubled).
//!
//! Text that a spreadsheet would run as a formula (a service name starting with `=`, `+`,
//! `-`, `@`, tab or CR) is prefixed with a single quote. Numbers are written with `.` as
//! the decimal separator and at most four decimal places; an empty field means "no value"
//! (for example a mean over no people).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::caseload::{CaseloadReport, Count};
use crate::error::Result;
use crate::model::{Code, OnwardStatus};

/// The files [`CaseloadReport::write_csv`] writes, in order.
pub const CSV_FILES: [&str; 8] = [
    "referrals_by_source.csv",
    "referrals_by_month.csv",
    "outcomes.csv",
    "needs.csv",
    "consultations_by_mode.csv",
    "onward_by_service.csv",
    "time_to_first_contact.csv",
    "paired_change.csv",
];

/// One CSV table: a header and rows of already formatted fields.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn counts(header: &[&str], counts: &[Count], sup: Suppress) -> Self {
        let mut t = Table::new(header);
        for c in counts {
            t.rows.push(vec![text(&c.key), sup.count(c.count)]);
        }
        t
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let line: Vec<String> = row.iter().map(|f| quote(f)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// Small-number suppression for an export to a commissioner: a count from 1 to one below
/// the threshold is written `*`, and statistics over fewer people than the threshold (means,
/// medians, ranges, shares) are left empty, so no small group can be picked out.
#[derive(Clone, Copy)]
struct Suppress(Option<u32>);

impl Suppress {
    fn hides(self, n: i32) -> bool {
        self.0
            .is_some_and(|min| u32::try_from(n).is_ok_and(|n| n > 0 && n < min))
    }

    fn count(self, n: i32) -> String {
        if self.hides(n) {
            "*".to_string()
        } else {
            n.to_string()
        }
    }

    /// A statistic over `n` people.
    fn stat(self, n: i32, value: String) -> String {
        if self.hides(n) {
            String::new()
        } else {
            value
        }
    }
}

/// The default small-number threshold of a commissioner export (cells under 5 suppressed).
pub const DEFAULT_SUPPRESSION_THRESHOLD: u32 = 5;

/// Quotes a field as RFC 4180 requires.
pub(super) fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Free text for a cell: neutralises spreadsheet formulas.
pub(super) fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// A decimal with at most four places; empty for `None`.
pub(super) fn decimal(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => {
            let rounded = (v * 10_000.0).round() / 10_000.0;
            // Avoid "-0".
            let rounded = if rounded == 0.0 { 0.0 } else { rounded };
            let mut s = String::new();
            let _ = write!(s, "{rounded}");
            s
        }
        _ => String::new(),
    }
}

fn integer(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

impl CaseloadReport {
    /// The report's tables as `(file name, CSV text)`, in [`CSV_FILES`] order, unsuppressed
    /// (for the link worker's own use).
    pub fn csv_tables(&self) -> Vec<(&'static str, String)> {
        self.tables(Suppress(None))
    }

    /// The report's tables for a commissioner: every count from 1 to `threshold - 1` is
    /// written `*` and every statistic over fewer than `threshold` people is left empty
    /// (small-number suppression; [`DEFAULT_SUPPRESSION_THRESHOLD`] is 5). A threshold of 0
    /// or 1 suppresses nothing.
    pub fn csv_tables_for_commissioner(&self, threshold: u32) -> Vec<(&'static str, String)> {
        self.tables(Suppress(Some(threshold)))
    }

    fn tables(&self, sup: Suppress) -> Vec<(&'static str, String)> {
        let [by_source, by_month, outcomes, needs, modes, onward, first_contact, paired] =
            CSV_FILES;
        let mut out = Vec::with_capacity(CSV_FILES.len());
        out.push((
            by_source,
            Table::counts(&["source", "referrals"], &self.referrals_by_source, sup).render(),
        ));
        out.push((
            by_month,
            Table::counts(&["month", "referrals"], &self.referrals_by_month, sup).render(),
        ));
        let mut t = Table::new(&["basis", "outcome", "referrals"]);
        for c in &self.outcomes.referral_outcome {
            t.rows.push(vec![
                "referral-outcome".into(),
                text(&c.key),
                sup.count(c.count),
            ]);
        }
        for c in &self.outcomes.by_status {
            t.rows.push(vec![
                "current-status".into(),
                text(&c.key),
                sup.count(c.count),
            ]);
        }
        out.push((outcomes, t.render()));
        out.push((
            needs,
            Table::counts(&["need", "people"], &self.needs, sup).render(),
        ));
        out.push((
            modes,
            Table::counts(&["mode", "consultations"], &self.consultations_by_mode, sup).render(),
        ));
        let mut header = vec!["service", "total"];
        header.extend(OnwardStatus::ALL.iter().map(|s| s.code()));
        header.extend(["unmet_need", "ever_waitlisted"]);
        let mut t = Table::new(&header);
        for s in &self.onward_by_service {
            let mut row = vec![text(&s.service), sup.count(s.total)];
            row.extend(s.by_status.iter().map(|c| sup.count(c.count)));
            row.push(sup.count(s.unmet_need));
            row.push(sup.count(s.ever_waitlisted));
            t.rows.push(row);
        }
        out.push((onward, t.render()));
        let f = &self.time_to_first_contact;
        let mut t = Table::new(&[
            "n",
            "median_days",
            "mean_days",
            "min_days",
            "max_days",
            "not_contacted",
        ]);
        t.rows.push(vec![
            sup.count(f.n),
            sup.stat(f.n, decimal(f.median_days)),
            sup.stat(f.n, decimal(f.mean_days)),
            sup.stat(f.n, integer(f.min_days)),
            sup.stat(f.n, integer(f.max_days)),
            sup.count(f.not_contacted),
        ]);
        out.push((first_contact, t.render()));
        let mut t = Table::new(&[
            "instrument",
            "quantity",
            "lower_is_better",
            "difference",
            "n",
            "mean_change",
            "mean_baseline",
            "mean_follow_up",
            "improved",
            "same",
            "worse",
            "min",
            "median",
            "max",
            "meaningful_threshold",
            "meaningfully_improved",
            "meaningfully_worse",
            "often_always_baseline",
            "often_always_follow_up",
        ]);
        for m in &self.paired_change {
            t.rows.push(vec![
                m.instrument.code().to_string(),
                m.quantity.clone(),
                m.lower_is_better.to_string(),
                match m.convention {
                    crate::measures::DifferenceConvention::FollowUpMinusBaseline => {
                        "follow-up-minus-baseline".to_string()
                    }
                    crate::measures::DifferenceConvention::BaselineMinusFollowUp => {
                        "baseline-minus-follow-up".to_string()
                    }
                },
                sup.count(m.n),
                sup.stat(m.n, decimal(m.mean_change)),
                sup.stat(m.n, decimal(m.mean_baseline)),
                sup.stat(m.n, decimal(m.mean_follow_up)),
                sup.count(m.improved),
                sup.count(m.same),
                sup.count(m.worse),
                sup.stat(m.n, decimal(m.min)),
                sup.stat(m.n, decimal(m.median)),
                sup.stat(m.n, decimal(m.max)),
                decimal(m.meaningful_threshold),
                m.meaningfully_improved
                    .map(|v| sup.count(v))
                    .unwrap_or_default(),
                m.meaningfully_worse
                    .map(|v| sup.count(v))
                    .unwrap_or_default(),
                sup.stat(m.n, decimal(m.often_always_baseline)),
                sup.stat(m.n, decimal(m.often_always_follow_up)),
            ]);
        }
        out.push((paired, t.render()));
        out
    }

    /// Writes one CSV file per table into `dir` (created if missing), replacing files of the
    /// same names; returns the paths written, in [`CSV_FILES`] order.
    ///
    /// # Errors
    /// [`crate::Error::Io`] when the directory or a file cannot be written.
    pub fn write_csv(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        write_tables(dir.as_ref(), self.csv_tables())
    }

    /// As [`CaseloadReport::write_csv`], suppressed for a commissioner
    /// ([`CaseloadReport::csv_tables_for_commissioner`]).
    ///
    /// # Errors
    /// As [`CaseloadReport::write_csv`].
    pub fn write_csv_for_commissioner(
        &self,
        dir: impl AsRef<Path>,
        threshold: u32,
    ) -> Result<Vec<PathBuf>> {
        write_tables(dir.as_ref(), self.csv_tables_for_commissioner(threshold))
    }
}

fn write_tables(dir: &Path, tables: Vec<(&'static str, String)>) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::with_capacity(CSV_FILES.len());
    for (name, body) in tables {
        let path = dir.join(name);
        std::fs::write(&path, body)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote(""), "");
    }

    #[test]
    fn small_numbers_are_suppressed_only_for_a_commissioner() {
        let sup = Suppress(Some(5));
        assert_eq!(
            [0, 1, 4, 5, 12].map(|n| sup.count(n)),
            ["0", "*", "*", "5", "12"]
        );
        assert_eq!(sup.stat(3, "2.5".into()), "");
        assert_eq!(sup.stat(5, "2.5".into()), "2.5");
        assert_eq!(Suppress(None).count(1), "1");
        let report = super::super::CaseloadReport::from_records(&[]);
        let plain = report.csv_tables();
        let suppressed = report.csv_tables_for_commissioner(DEFAULT_SUPPRESSION_THRESHOLD);
        assert_eq!(plain.len(), suppressed.len());
    }

    #[test]
    fn formulas_are_neutralised_and_decimals_trimmed() {
        assert_eq!(text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text("Walk club"), "Walk club");
        assert_eq!(decimal(Some(2.0 / 3.0)), "0.6667");
        assert_eq!(decimal(Some(-0.00001)), "0");
        assert_eq!(decimal(Some(3.0)), "3");
        assert_eq!(decimal(None), "");
    }
}
