//! The commissioner's period report (`report --from --to`), a person's reporting fields
//! (`person reporting`) and the onward-referral response deadline (`onward response-days`).

use std::fmt::Write as _;

use linkwork_core::model::{EthnicCategory, ReportingFields, Sex};
use linkwork_core::reports::period::{PeriodReport, ReportPeriod};
use linkwork_core::reports::DEFAULT_SUPPRESSION_THRESHOLD;
use serde_json::json;

use super::{date, id, number, opt_code, write_atomically, Ctx};
use crate::args::{PersonReportingArgs, ReportArgs, ResponseDaysArgs};
use crate::error::{CliError, CliResult};

/// `report --from DATE --to DATE [--csv DIR] [--html FILE] [--suppress-below N]`: the period
/// report, suppressed. With `--csv` and/or `--html` the files are written and their paths
/// printed; otherwise the report is printed (tables as text, or the whole report as JSON).
///
/// # Errors
/// A bad date or period, a threshold out of bounds, `--commissioner` (the period report is
/// always suppressed), a patient store, files that cannot be written.
pub fn period_report(ctx: &Ctx, a: ReportArgs, from: &str, to: &str) -> CliResult {
    if a.commissioner {
        return Err(CliError::Usage(
            "--commissioner is for the caseload report; the period report is always suppressed"
                .into(),
        ));
    }
    let period = ReportPeriod::new(date("from", from)?, date("to", to)?)?;
    let threshold = a.suppress_below.unwrap_or(DEFAULT_SUPPRESSION_THRESHOLD);
    let report = ctx.store()?.period_report(period, threshold)?;
    let mut files: Vec<String> = Vec::new();
    if let Some(dir) = &a.csv {
        for p in report.write_csv(dir)? {
            files.push(p.display().to_string());
        }
    }
    if let Some(path) = &a.period.html {
        write_atomically(path, report.html().as_bytes()).map_err(|source| CliError::File {
            action: "write the HTML report",
            source,
        })?;
        files.push(path.display().to_string());
    }
    if files.is_empty() {
        return ctx.out.show(&report, report_text);
    }
    ctx.out
        .done(Some(files.join("\n")), json!({ "files": files }))
}

/// The period report as text tables.
fn report_text(r: &PeriodReport) -> String {
    let mut out = format!(
        "Period {} to {} (counts 1-{} suppressed as *)\n",
        r.period.from,
        r.period.to,
        r.suppression_threshold.saturating_sub(1)
    );
    for t in &r.tables {
        let _ = writeln!(out, "\n{}", t.title);
        let mut header = vec![t.row_label.clone()];
        header.extend(t.columns.iter().cloned());
        if t.columns.len() > 1 {
            header.push("total".into());
        }
        let _ = writeln!(out, "  {}", header.join(" | "));
        for row in &t.rows {
            let cells: Vec<String> = row
                .cells
                .iter()
                .chain(row.total.iter())
                .map(|c| c.text())
                .collect();
            let _ = writeln!(out, "  {} | {}", row.label, cells.join(" | "));
        }
        let totals: Vec<String> = t.totals.iter().map(|c| c.text()).collect();
        let _ = writeln!(out, "  total | {}", totals.join(" | "));
    }
    let _ = writeln!(out, "\nStatistics (n, mean, median)");
    for s in &r.statistics {
        let num = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v}"));
        let _ = writeln!(
            out,
            "  {}: n {}, mean {}, median {} {}",
            s.name,
            s.n.text(),
            num(s.mean),
            num(s.median),
            s.unit
        );
    }
    out
}

/// `person reporting PERSON [--sex] [--ethnicity] [--practice] [--pcn]`.
///
/// # Errors
/// Bad codes; an unknown person; a patient store.
pub fn person_reporting(ctx: &Ctx, a: PersonReportingArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let fields = ReportingFields {
        sex: opt_code::<Sex>("sex", a.sex.as_deref())?,
        ethnicity: opt_code::<EthnicCategory>("ethnicity", a.ethnicity.as_deref())?,
        gp_practice: a.practice,
        pcn: a.pcn,
    };
    ctx.store()?.set_reporting_fields(person, fields)?;
    ctx.out.done(None, json!({}))
}

/// `onward response-days [DAYS]`.
///
/// # Errors
/// A value that is not 1 to 365; a patient store (when setting).
pub fn response_days(ctx: &Ctx, a: ResponseDaysArgs) -> CliResult {
    let store = ctx.store()?;
    if let Some(days) = a.days.as_deref() {
        let days: u32 = number("days", days, "expected whole days, 1 to 365")?;
        store.set_referral_response_days(days)?;
    }
    let days = store.referral_response_days()?;
    ctx.out
        .done(Some(format!("{days} days")), json!({ "days": days }))
}
