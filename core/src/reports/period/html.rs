//! The period report as one self-contained HTML page (well-formed XHTML: inline CSS, inline
//! SVG charts, no scripts, no external resources) a manager can open in any browser.

use std::fmt::Write as _;

use super::charts::{bar_chart, figure, Bar};
use super::{Cell, PeriodReport, ReportTable};

/// Escapes text for HTML and XML content and attributes.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;max-width:60em;color:#222}\
table{border-collapse:collapse;margin:0.5em 0 1.5em}\
th,td{border:1px solid #bbb;padding:0.2em 0.6em;text-align:right}\
th:first-child,td:first-child{text-align:left}\
tr.total td{font-weight:bold}.note{color:#555}";

fn cell_bar(label: &str, c: Cell) -> Bar {
    Bar {
        label: label.to_string(),
        value: c.value().map(f64::from),
    }
}

fn table_html(out: &mut String, t: &ReportTable) {
    let several = t.columns.len() > 1;
    let _ = write!(
        out,
        "<section class=\"table\" id=\"table-{}\"><h3>{}</h3><table><thead><tr><th>{}</th>",
        escape(&t.name),
        escape(&t.title),
        escape(&t.row_label)
    );
    for c in &t.columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    if several {
        out.push_str("<th>total</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        let _ = write!(out, "<tr><td>{}</td>", escape(&r.label));
        for c in r.cells.iter().chain(r.total.iter()) {
            let _ = write!(out, "<td>{}</td>", c.text());
        }
        out.push_str("</tr>");
    }
    out.push_str("<tr class=\"total\"><td>total</td>");
    for c in &t.totals {
        let _ = write!(out, "<td>{}</td>", c.text());
    }
    out.push_str("</tr></tbody></table></section>");
}

/// Renders the whole page.
pub(super) fn render(r: &PeriodReport) -> String {
    let mut out = String::new();
    let title = format!(
        "Social prescribing report, {} to {}",
        r.period.from, r.period.to
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head>\
         <meta charset=\"utf-8\"/><title>{t}</title><style>{STYLE}</style></head><body>\
         <h1>{t}</h1><p class=\"note\">Counts from 1 to {} are shown as * (small-number \
         suppression), and further counts are hidden where a total would reveal them. Means and \
         medians over fewer than {} values are not shown.</p><h2>Charts</h2>",
        r.suppression_threshold.saturating_sub(1),
        r.suppression_threshold,
        t = escape(&title),
    );
    if let Some(t) = r.table("referrals_by_month") {
        let bars: Vec<Bar> = t
            .rows
            .iter()
            .map(|row| {
                cell_bar(
                    &row.label,
                    row.cells.first().copied().unwrap_or(Cell::Suppressed),
                )
            })
            .collect();
        out.push_str(&bar_chart(
            "chart-referrals",
            "Referrals received, by month",
            "referrals",
            &bars,
        ));
    }
    let stat_bars = |prefix: &str| -> Vec<Bar> {
        r.statistics
            .iter()
            .filter(|s| s.name.starts_with(prefix))
            .map(|s| Bar {
                label: s.name.trim_start_matches(prefix).to_string(),
                value: s.mean,
            })
            .collect()
    };
    out.push_str(&bar_chart(
        "chart-paired-change",
        "Mean paired change per measure (points; see the direction of each measure)",
        "points",
        &stat_bars("change."),
    ));
    let mut waits = stat_bars("wait.");
    waits.extend(r.statistic("episode.length").map(|s| Bar {
        label: "episode-length".into(),
        value: s.mean,
    }));
    out.push_str(&bar_chart(
        "chart-waits",
        "Mean days from referral to each step, and episode length",
        "days",
        &waits,
    ));
    out.push_str(
        "<h2>Statistics</h2><table id=\"statistics\"><thead><tr><th>figure</th>\
                  <th>unit</th><th>n</th><th>mean</th><th>median</th></tr></thead><tbody>",
    );
    for s in &r.statistics {
        let num = |v: Option<f64>| v.map(figure).unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.title),
            escape(&s.unit),
            s.n.text(),
            num(s.mean),
            num(s.median)
        );
    }
    out.push_str("</tbody></table><h2>Tables</h2>");
    for t in &r.tables {
        table_html(&mut out, t);
    }
    out.push_str("</body></html>\n");
    out
}
