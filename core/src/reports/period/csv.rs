//! The period report as CSV: one RFC 4180 file per table (`<name>.csv`: the row label and
//! count columns, a `total` column when there are several, and a closing `total` row) and
//! `statistics.csv`. Suppressed counts are written `*`; unpublished means and medians are
//! empty.

use std::path::{Path, PathBuf};

use super::{PeriodReport, ReportTable};
use crate::error::Result;
use crate::reports::csv::{decimal, quote, text};

/// One table as CSV text (CRLF line endings).
pub(super) fn table_csv(t: &ReportTable) -> String {
    let several = t.columns.len() > 1;
    let mut lines: Vec<Vec<String>> = Vec::with_capacity(t.rows.len() + 2);
    let mut header = vec![t.row_label.clone()];
    header.extend(t.columns.iter().cloned());
    if several {
        header.push("total".into());
    }
    lines.push(header);
    for r in &t.rows {
        let mut line = vec![text(&r.label)];
        line.extend(r.cells.iter().map(|c| c.text()));
        if let Some(total) = r.total {
            line.push(total.text());
        }
        lines.push(line);
    }
    let mut totals = vec!["total".to_string()];
    totals.extend(t.totals.iter().map(|c| c.text()));
    lines.push(totals);
    render(&lines)
}

fn render(lines: &[Vec<String>]) -> String {
    let mut out = String::new();
    for line in lines {
        let fields: Vec<String> = line.iter().map(|f| quote(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `statistics.csv`: name, title, unit, n, mean, median.
fn statistics_csv(report: &PeriodReport) -> String {
    let mut lines = vec![["name", "title", "unit", "n", "mean", "median"]
        .map(String::from)
        .to_vec()];
    for s in &report.statistics {
        lines.push(vec![
            s.name.clone(),
            text(&s.title),
            s.unit.clone(),
            s.n.text(),
            decimal(s.mean),
            decimal(s.median),
        ]);
    }
    render(&lines)
}

/// Writes every table and `statistics.csv` into `dir` (created if missing).
pub(super) fn write(report: &PeriodReport, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::with_capacity(report.tables.len() + 1);
    let files = report
        .tables
        .iter()
        .map(|t| (format!("{}.csv", t.name), table_csv(t)))
        .chain([("statistics.csv".to_string(), statistics_csv(report))]);
    for (name, body) in files {
        let path = dir.join(name);
        std::fs::write(&path, body)?;
        written.push(path);
    }
    Ok(written)
}
