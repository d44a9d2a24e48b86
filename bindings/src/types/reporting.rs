//! Records of commissioners' reporting: a person's reporting fields (sex, ethnic category,
//! GP practice, PCN), each directory service's referral outcomes, and the period report as
//! published (suppressed counts are absent).
//!
//! Mirrored here: the period report (core's tables hold `&'static` names and cell tuples);
//! reporting fields and service outcomes are core's own types.

use chrono::NaiveDate;
use linkwork_core::reports::period as lp;

use crate::convert::{list, to_i32};

/// One row of a published period-report table.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PeriodTableRow {
    /// What the row counts (a code, a service, a month).
    pub label: String,
    /// One count per column, then the row's total when the table has several columns;
    /// absent where disclosure control suppressed the count.
    pub cells: Vec<Option<i32>>,
}

/// A published period-report table (after small-number and secondary suppression).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PeriodTable {
    /// Stable name (also the CSV file's stem), e.g. `referrals_by_source`.
    pub name: String,
    /// Heading for people.
    pub title: String,
    /// What the rows are.
    pub row_label: String,
    /// The count columns.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<PeriodTableRow>,
    /// The total row (one per column, then the grand total with several columns); absent
    /// where suppressed.
    pub totals: Vec<Option<i32>>,
}

/// A published statistic of the period report (a wait, episode length, contacts per
/// person, a mean change).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PeriodStatistic {
    /// Stable name, e.g. `wait.acceptance`.
    pub name: String,
    /// What it measures.
    pub title: String,
    /// Unit of mean and median.
    pub unit: String,
    /// How many values; absent when suppressed.
    pub n: Option<i32>,
    /// Mean, when published.
    pub mean: Option<f64>,
    /// Median, when published.
    pub median: Option<f64>,
}

/// The commissioner's report for a period, as published.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PeriodReport {
    /// First day.
    pub from: NaiveDate,
    /// Last day (included).
    pub to: NaiveDate,
    /// Counts from 1 to one below this were suppressed (and others with them).
    pub suppression_threshold: i32,
    /// The tables, in report order.
    pub tables: Vec<PeriodTable>,
    /// The statistics.
    pub statistics: Vec<PeriodStatistic>,
}

impl From<lp::TableRow> for PeriodTableRow {
    fn from(r: lp::TableRow) -> Self {
        PeriodTableRow {
            label: r.label,
            cells: r
                .cells
                .iter()
                .chain(r.total.iter())
                .map(|c| c.value().map(to_i32))
                .collect(),
        }
    }
}

impl From<lp::ReportTable> for PeriodTable {
    fn from(t: lp::ReportTable) -> Self {
        PeriodTable {
            name: t.name,
            title: t.title,
            row_label: t.row_label,
            columns: t.columns,
            rows: list(t.rows),
            totals: t.totals.iter().map(|c| c.value().map(to_i32)).collect(),
        }
    }
}

impl From<lp::Statistic> for PeriodStatistic {
    fn from(s: lp::Statistic) -> Self {
        PeriodStatistic {
            name: s.name,
            title: s.title,
            unit: s.unit,
            n: s.n.value().map(to_i32),
            mean: s.mean,
            median: s.median,
        }
    }
}

impl From<lp::PeriodReport> for PeriodReport {
    fn from(r: lp::PeriodReport) -> Self {
        PeriodReport {
            from: r.period.from,
            to: r.period.to,
            suppression_threshold: to_i32(r.suppression_threshold),
            tables: list(r.tables),
            statistics: list(r.statistics),
        }
    }
}
