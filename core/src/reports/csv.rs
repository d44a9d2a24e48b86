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

    fn counts(header: &[&str], counts: &[Count]) -> Self {
        let mut t = Table::new(header);
        for c in counts {
            t.rows.push(vec![text(&c.key), c.count.to_string()]);
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

/// Quotes a field as RFC 4180 requires.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Free text for a cell: neutralises spreadsheet formulas.
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// A decimal with at most four places; empty for `None`.
fn decimal(value: Option<f64>) -> String {
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
    /// The report's tables as `(file name, CSV text)`, in [`CSV_FILES`] order.
    pub fn csv_tables(&self) -> Vec<(&'static str, String)> {
        let [by_source, by_month, outcomes, needs, modes, onward, first_contact, paired] =
            CSV_FILES;
        let mut out = Vec::with_capacity(CSV_FILES.len());
        out.push((
            by_source,
            Table::counts(&["source", "referrals"], &self.referrals_by_source).render(),
        ));
        out.push((
            by_month,
            Table::counts(&["month", "referrals"], &self.referrals_by_month).render(),
        ));
        let mut t = Table::new(&["basis", "outcome", "referrals"]);
        for c in &self.outcomes.referral_outcome {
            t.rows.push(vec![
                "referral-outcome".into(),
                text(&c.key),
                c.count.to_string(),
            ]);
        }
        for c in &self.outcomes.by_status {
            t.rows.push(vec![
                "current-status".into(),
                text(&c.key),
                c.count.to_string(),
            ]);
        }
        out.push((outcomes, t.render()));
        out.push((
            needs,
            Table::counts(&["need", "people"], &self.needs).render(),
        ));
        out.push((
            modes,
            Table::counts(&["mode", "consultations"], &self.consultations_by_mode).render(),
        ));
        let mut header = vec!["service", "total"];
        header.extend(OnwardStatus::ALL.iter().map(|s| s.code()));
        header.extend(["unmet_need", "ever_waitlisted"]);
        let mut t = Table::new(&header);
        for s in &self.onward_by_service {
            let mut row = vec![text(&s.service), s.total.to_string()];
            row.extend(s.by_status.iter().map(|c| c.count.to_string()));
            row.push(s.unmet_need.to_string());
            row.push(s.ever_waitlisted.to_string());
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
            f.n.to_string(),
            decimal(f.median_days),
            decimal(f.mean_days),
            integer(f.min_days),
            integer(f.max_days),
            f.not_contacted.to_string(),
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
                m.n.to_string(),
                decimal(m.mean_change),
                decimal(m.mean_baseline),
                decimal(m.mean_follow_up),
                m.improved.to_string(),
                m.same.to_string(),
                m.worse.to_string(),
                decimal(m.min),
                decimal(m.median),
                decimal(m.max),
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
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::with_capacity(CSV_FILES.len());
        for (name, body) in self.csv_tables() {
            let path = dir.join(name);
            std::fs::write(&path, body)?;
            written.push(path);
        }
        Ok(written)
    }
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
    fn formulas_are_neutralised_and_decimals_trimmed() {
        assert_eq!(text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(text("Walk club"), "Walk club");
        assert_eq!(decimal(Some(2.0 / 3.0)), "0.6667");
        assert_eq!(decimal(Some(-0.00001)), "0");
        assert_eq!(decimal(Some(3.0)), "3");
        assert_eq!(decimal(None), "");
    }
}
