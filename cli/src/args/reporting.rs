//! Options of the commands added for commissioners' reports: the period report's options,
//! the reporting fields of a person and the onward-referral response deadline.

use std::path::PathBuf;

use clap::Args;

/// `report --from DATE --to DATE` options (the period report).
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// First day of the reporting period (YYYY-MM-DD); with --to, prints or writes the
    /// period report instead of the caseload report.
    #[arg(long, value_name = "DATE", requires = "to")]
    pub from: Option<String>,
    /// Last day of the reporting period, included (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,
    /// With --from/--to: write the report as one self-contained HTML page with charts.
    #[arg(long, value_name = "FILE", requires = "from")]
    pub html: Option<PathBuf>,
}

/// `person reporting PERSON` options: each field given is set; each left out is cleared
/// (reported as "not stated").
#[derive(Debug, Args)]
pub struct PersonReportingArgs {
    /// The person's id.
    pub person: String,
    /// Sex as the person states it: female, male, other, prefer-not-to-say.
    #[arg(long, value_name = "CODE")]
    pub sex: Option<String>,
    /// Ethnic category, NHS Data Dictionary letter: A-H, J-N, P, R, S, or Z (not stated).
    #[arg(long, value_name = "LETTER")]
    pub ethnicity: Option<String>,
    /// The registered GP practice's ODS code (e.g. B82005).
    #[arg(long, value_name = "ODS")]
    pub practice: Option<String>,
    /// The primary care network's code.
    #[arg(long, value_name = "CODE")]
    pub pcn: Option<String>,
}

/// `onward response-days [DAYS]`.
#[derive(Debug, Args)]
pub struct ResponseDaysArgs {
    /// New deadline in days (1 to 365); without it, prints the current one.
    pub days: Option<String>,
}
