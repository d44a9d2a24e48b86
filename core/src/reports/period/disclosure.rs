//! Disclosure control for exported reports: count tables with their totals, primary
//! small-number suppression and secondary suppression, so that no suppressed cell can be
//! worked out from the totals published beside it (`docs/clinical.md`).
//!
//! A table is a grid of counts; when it has more than one column each row carries its total,
//! and a total row closes the table. Seen as equations, every row (its cells and its total)
//! and every column (its cells and the total row's cell) is one line. Primary suppression
//! hides every count from 1 to one below the threshold. Secondary suppression then makes sure
//! no line holds exactly one hidden value (which its total would give away): while some line
//! does, the smallest other visible count of that line is hidden too (the line's total when
//! it has no other cell), and the lines are checked again.

use serde::{Serialize, Serializer};

/// One published count: the number, or `*` when suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// A count shown as it is.
    Count(u32),
    /// A count withheld by disclosure control (shown as `*`).
    Suppressed,
}

impl Cell {
    /// The count, when shown.
    pub fn value(self) -> Option<u32> {
        match self {
            Cell::Count(n) => Some(n),
            Cell::Suppressed => None,
        }
    }

    /// The cell as text: the number, or `*`.
    pub fn text(self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Suppressed => "*".to_string(),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => s.serialize_u32(*n),
            Cell::Suppressed => s.serialize_str("*"),
        }
    }
}

/// One row of a published table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableRow {
    /// What the row counts (a code, a service, a month).
    pub label: String,
    /// One cell per column.
    pub cells: Vec<Cell>,
    /// The row's total, when the table has more than one column.
    pub total: Option<Cell>,
}

/// A published count table (after disclosure control).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportTable {
    /// Stable name, also the CSV file's stem (`referrals_by_source`).
    pub name: String,
    /// Heading for people.
    pub title: String,
    /// What the rows are (`source`, `service`).
    pub row_label: String,
    /// The count columns.
    pub columns: Vec<String>,
    /// The rows, in report order.
    pub rows: Vec<TableRow>,
    /// The total row: one cell per column, then the grand total when there are several
    /// columns.
    pub totals: Vec<Cell>,
}

/// A count table before disclosure control (internal).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawTable {
    pub name: &'static str,
    pub title: &'static str,
    pub row_label: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<u32>)>,
}

impl RawTable {
    /// A table with one count column.
    pub(crate) fn single(
        name: &'static str,
        title: &'static str,
        row_label: &'static str,
        column: &str,
        rows: Vec<(String, u32)>,
    ) -> Self {
        RawTable {
            name,
            title,
            row_label,
            columns: vec![column.to_string()],
            rows: rows.into_iter().map(|(k, n)| (k, vec![n])).collect(),
        }
    }

    /// The grid with its totals: `rows + 1` lines (the last the total row) of `columns`
    /// cells, plus a row-total column when there is more than one column.
    fn grid(&self) -> Vec<Vec<u32>> {
        let width = self.columns.len();
        let with_total = width > 1;
        let mut grid: Vec<Vec<u32>> = self
            .rows
            .iter()
            .map(|(_, cells)| {
                let mut row: Vec<u32> = (0..width)
                    .map(|i| cells.get(i).copied().unwrap_or(0))
                    .collect();
                if with_total {
                    row.push(row.iter().sum());
                }
                row
            })
            .collect();
        let cols = width + usize::from(with_total);
        let totals: Vec<u32> = (0..cols)
            .map(|c| grid.iter().map(|r| r.get(c).copied().unwrap_or(0)).sum())
            .collect();
        grid.push(totals);
        grid
    }

    /// Publishes the table: with `threshold`, counts from 1 to `threshold - 1` are
    /// suppressed, then secondary suppression runs (see the module); without, every count is
    /// shown.
    pub(crate) fn publish(&self, threshold: Option<u32>) -> ReportTable {
        let grid = self.grid();
        let hidden = match threshold {
            Some(t) => suppress(&grid, t, self.columns.len() > 1),
            None => vec![vec![false; grid.first().map_or(0, Vec::len)]; grid.len()],
        };
        let cell = |r: usize, c: usize| {
            let hide = hidden
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(false);
            let n = grid.get(r).and_then(|row| row.get(c)).copied().unwrap_or(0);
            if hide {
                Cell::Suppressed
            } else {
                Cell::Count(n)
            }
        };
        let width = self.columns.len();
        let with_total = width > 1;
        let rows = self
            .rows
            .iter()
            .enumerate()
            .map(|(r, (label, _))| TableRow {
                label: label.clone(),
                cells: (0..width).map(|c| cell(r, c)).collect(),
                total: with_total.then(|| cell(r, width)),
            })
            .collect();
        let last = self.rows.len();
        ReportTable {
            name: self.name.to_string(),
            title: self.title.to_string(),
            row_label: self.row_label.to_string(),
            columns: self.columns.clone(),
            rows,
            totals: (0..width + usize::from(with_total))
                .map(|c| cell(last, c))
                .collect(),
        }
    }
}

/// Which cells of `grid` (rows then the total row; with `row_totals`, the last column is each
/// row's total) are hidden: primary suppression under `threshold`, then secondary
/// suppression until no line holds exactly one hidden cell.
pub(crate) fn suppress(grid: &[Vec<u32>], threshold: u32, row_totals: bool) -> Vec<Vec<bool>> {
    let mut hidden: Vec<Vec<bool>> = grid
        .iter()
        .map(|row| row.iter().map(|&n| n > 0 && n < threshold).collect())
        .collect();
    let lines = lines(grid, row_totals);
    // Each pass hides at least one more cell, so this ends within the number of cells.
    loop {
        let mut changed = false;
        for line in &lines {
            let hidden_here = line
                .iter()
                .filter(|&&(r, c)| is_hidden(&hidden, r, c))
                .count();
            if hidden_here != 1 {
                continue;
            }
            if let Some((r, c)) = partner(grid, &hidden, line) {
                if let Some(slot) = hidden.get_mut(r).and_then(|row| row.get_mut(c)) {
                    *slot = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return hidden;
        }
    }
}

fn is_hidden(hidden: &[Vec<bool>], r: usize, c: usize) -> bool {
    hidden
        .get(r)
        .and_then(|row| row.get(c))
        .copied()
        .unwrap_or(false)
}

/// Every line of the grid as cell positions, its total last: each row that has a total
/// column, and each column (the total row's cell last).
fn lines(grid: &[Vec<u32>], row_totals: bool) -> Vec<Vec<(usize, usize)>> {
    let height = grid.len();
    let width = grid.first().map_or(0, Vec::len);
    let mut out = Vec::new();
    if row_totals {
        for r in 0..height {
            out.push((0..width).map(|c| (r, c)).collect());
        }
    }
    for c in 0..width {
        out.push((0..height).map(|r| (r, c)).collect());
    }
    out
}

/// The cell to hide beside a line's single hidden cell: the smallest visible non-total cell
/// (a non-zero one before a zero, since a hidden zero protects nothing that is known to be
/// positive), else the line's total.
fn partner(
    grid: &[Vec<u32>],
    hidden: &[Vec<bool>],
    line: &[(usize, usize)],
) -> Option<(usize, usize)> {
    let (parts, total) = line.split_at(line.len().saturating_sub(1));
    let value = |&(r, c): &(usize, usize)| grid.get(r).and_then(|row| row.get(c)).copied();
    let visible = parts.iter().filter(|&&(r, c)| !is_hidden(hidden, r, c));
    visible
        .min_by_key(|p| {
            let n = value(p).unwrap_or(0);
            (n == 0, n)
        })
        .copied()
        .or_else(|| {
            total
                .first()
                .copied()
                .filter(|&(r, c)| !is_hidden(hidden, r, c))
        })
}
