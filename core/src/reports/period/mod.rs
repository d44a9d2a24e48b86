//! The commissioner's report for a reporting period (a quarter, a year): referrals by source,
//! practice and PCN, waits, episode length, contacts per person, outcomes by coded reason,
//! paired change, unmet need, onward referrals by service and outcome, and equality
//! breakdowns, each figure defined in `docs/clinical.md`. Every count passes disclosure
//! control ([`disclosure`]) before it leaves: the JSON, CSV and HTML outputs carry the same
//! published figures, never a suppressed number.

mod charts;
mod csv;
pub mod disclosure;
mod html;
mod onward;
mod referrals;
#[cfg(test)]
pub(crate) mod tests;

use chrono::NaiveDate;
use serde::Serialize;

pub use disclosure::{Cell, ReportTable, TableRow};

use crate::error::{Error, Result};
use crate::model::PersonRecord;

/// The longest reporting period accepted, in days (five years).
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;
/// The smallest small-number threshold accepted (2: counts of 1 are suppressed).
pub const MIN_SUPPRESSION_THRESHOLD: u32 = 2;
/// The largest small-number threshold accepted.
pub const MAX_SUPPRESSION_THRESHOLD: u32 = 100;

/// A reporting period: every day from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReportPeriod {
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (included).
    pub to: NaiveDate,
}

impl ReportPeriod {
    /// A checked period.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `to`) when `to` is before `from`, or (field `period`)
    /// when it spans more than [`MAX_PERIOD_DAYS`] days.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<ReportPeriod> {
        if to < from {
            return Err(Error::invalid("to", "is before the period's start"));
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(Error::invalid(
                "period",
                format!("must be at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        Ok(ReportPeriod { from, to })
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// A summary statistic (a wait, an episode length, contacts per person, a mean change) over
/// `n` people or referrals. `n` is published like a count; the mean and median are left out
/// whenever `n` is suppressed or under the threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statistic {
    /// Stable name (`wait.first-contact`, `change.ons4.anxiety`).
    pub name: String,
    /// What it measures, for people.
    pub title: String,
    /// The unit of the mean and median (`days`, `contacts`, `points`).
    pub unit: String,
    /// How many values it is computed over.
    pub n: Cell,
    /// The mean, when published.
    pub mean: Option<f64>,
    /// The median, when published.
    pub median: Option<f64>,
}

/// A statistic before disclosure control, linked to the published cell that counts its
/// values (so the two are always suppressed together).
#[derive(Clone, Debug)]
pub(crate) struct RawStatistic {
    pub name: String,
    pub title: String,
    pub unit: &'static str,
    pub values: Vec<f64>,
    /// The table, row and column of the published cell equal to `values.len()`; `None` for
    /// the table's total row (row index = number of rows).
    pub cell: (&'static str, usize, usize),
}

/// The period report as published: every count table after disclosure control and every
/// statistic. Carries aggregates only: no names, NHS numbers, notes or ids of people.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodReport {
    /// The reporting period.
    pub period: ReportPeriod,
    /// Counts from 1 to one below this were suppressed (and others with them, see
    /// [`disclosure`]).
    pub suppression_threshold: u32,
    /// The count tables, in report order (see `docs/clinical.md` for each).
    pub tables: Vec<ReportTable>,
    /// Waits, episode length, contacts per person and mean change per measure quantity.
    pub statistics: Vec<Statistic>,
}

impl PeriodReport {
    /// Computes the report for `period` over `records`, suppressing counts under `threshold`
    /// with secondary suppression.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (field `suppress_below`) for a threshold outside
    /// [`MIN_SUPPRESSION_THRESHOLD`] to [`MAX_SUPPRESSION_THRESHOLD`].
    pub fn from_records(
        records: &[PersonRecord],
        period: ReportPeriod,
        threshold: u32,
    ) -> Result<PeriodReport> {
        if !(MIN_SUPPRESSION_THRESHOLD..=MAX_SUPPRESSION_THRESHOLD).contains(&threshold) {
            return Err(Error::invalid(
                "suppress_below",
                format!("must be {MIN_SUPPRESSION_THRESHOLD} to {MAX_SUPPRESSION_THRESHOLD}"),
            ));
        }
        let (mut raw_tables, mut raw_stats) = referrals::figures(records, &period);
        let (onward_tables, onward_stats) = onward::figures(records, &period);
        raw_tables.extend(onward_tables);
        raw_stats.extend(onward_stats);
        let tables: Vec<ReportTable> = raw_tables
            .iter()
            .map(|t| t.publish(Some(threshold)))
            .collect();
        let statistics = raw_stats
            .into_iter()
            .map(|s| publish_statistic(s, &tables, threshold))
            .collect();
        Ok(PeriodReport {
            period,
            suppression_threshold: threshold,
            tables,
            statistics,
        })
    }

    /// The table named `name`, if the report has it.
    pub fn table(&self, name: &str) -> Option<&ReportTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The statistic named `name`, if the report has it.
    pub fn statistic(&self, name: &str) -> Option<&Statistic> {
        self.statistics.iter().find(|s| s.name == name)
    }

    /// The report as pretty JSON.
    ///
    /// # Errors
    /// [`Error::Schema`] if serialisation fails (it does not for these types).
    pub fn json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|_| Error::schema("the period report could not be written as JSON"))
    }

    /// A self-contained HTML page (inline CSS and SVG charts, no scripts, no external
    /// resources) a manager can open: the tables and the charts of referrals over time,
    /// paired change per measure and waits. It holds only published figures.
    pub fn html(&self) -> String {
        html::render(self)
    }

    /// Writes one RFC 4180 CSV file per table, plus `statistics.csv`, into `dir` (created
    /// if missing); returns the paths written, in order.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory or a file cannot be written.
    pub fn write_csv(&self, dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
        csv::write(self, dir)
    }
}

/// Publishes a statistic: its `n` is the linked table cell as published (or, when there is
/// no such cell, primary suppression alone); the mean and median only when `n` is shown and
/// at least `threshold`.
fn publish_statistic(s: RawStatistic, tables: &[ReportTable], threshold: u32) -> Statistic {
    let n = s.values.len() as u32;
    let (table, row, col) = s.cell;
    let linked = tables.iter().find(|t| t.name == table).and_then(|t| {
        if row == t.rows.len() {
            t.totals.get(col).copied()
        } else {
            // The column after the cells is the row's total.
            t.rows.get(row).and_then(|r| {
                r.cells
                    .get(col)
                    .copied()
                    .or(r.total.filter(|_| col == r.cells.len()))
            })
        }
    });
    let n_cell = match linked {
        Some(c) => c,
        None if n > 0 && n < threshold => Cell::Suppressed,
        None => Cell::Count(n),
    };
    let shown = matches!(n_cell, Cell::Count(k) if k >= threshold);
    let mut values = s.values;
    values.sort_by(f64::total_cmp);
    Statistic {
        name: s.name,
        title: s.title,
        unit: s.unit.to_string(),
        n: n_cell,
        mean: shown
            .then(|| super::paired::mean(&mut values.iter().copied()))
            .flatten()
            .map(round2),
        median: shown
            .then(|| super::paired::median_sorted(&values))
            .flatten()
            .map(round2),
    }
}

/// Rounds to two decimal places.
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
