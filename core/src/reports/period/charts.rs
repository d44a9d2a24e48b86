//! Inline SVG bar charts for the HTML period report. Every bar is a `<g class="bar">` with
//! `data-label` and `data-value` and a visible value label; a withheld figure is drawn as a
//! `*` with no bar and no value, so the picture never gives it away.

use std::fmt::Write as _;

use super::html::escape;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 200.0;
const LEFT: f64 = 48.0;

/// One bar: its label and its value (`None` when withheld).
pub(super) struct Bar {
    pub label: String,
    pub value: Option<f64>,
}

/// Formats a figure for a label: whole numbers without decimals, others to two places.
pub(super) fn figure(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A bar chart with a zero line (values may be negative), titled `title`, bars labelled
/// below and values above (or below, for negative values).
pub(super) fn bar_chart(id: &str, title: &str, unit: &str, bars: &[Bar]) -> String {
    let values = bars.iter().filter_map(|b| b.value);
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let y = |v: f64| TOP + (hi - v) / span * (BOTTOM - TOP);
    let slot = (WIDTH - LEFT) / bars.len().max(1) as f64;
    let bar_width = (slot * 0.7).max(2.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"{}\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">\
         <title>{}</title>",
        escape(id),
        escape(title),
        escape(title),
    );
    let zero = y(0.0);
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{zero:.1}\" x2=\"{WIDTH}\" y2=\"{zero:.1}\" stroke=\"#444\"/>\
         <text x=\"4\" y=\"14\" font-size=\"11\">{}</text>",
        escape(unit)
    );
    for (i, b) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_width) / 2.0;
        let mid = x + bar_width / 2.0;
        let label = escape(&b.label);
        match b.value {
            Some(v) => {
                let (top, h) = if v >= 0.0 {
                    (y(v), zero - y(v))
                } else {
                    (zero, y(v) - zero)
                };
                let text_y = if v >= 0.0 { top - 4.0 } else { top + h + 12.0 };
                let shown = figure(v);
                let _ = write!(
                    svg,
                    "<g class=\"bar\" data-label=\"{label}\" data-value=\"{shown}\">\
                     <rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{bar_width:.1}\" height=\"{h:.1}\" \
                     fill=\"#2b6cb0\"/>\
                     <text class=\"value\" x=\"{mid:.1}\" y=\"{text_y:.1}\" font-size=\"11\" \
                     text-anchor=\"middle\">{shown}</text>",
                );
            }
            None => {
                let _ = write!(
                    svg,
                    "<g class=\"bar suppressed\" data-label=\"{label}\" data-value=\"*\">\
                     <text class=\"value\" x=\"{mid:.1}\" y=\"{:.1}\" font-size=\"11\" \
                     text-anchor=\"middle\">*</text>",
                    zero - 4.0
                );
            }
        }
        let _ = write!(
            svg,
            "<text class=\"label\" x=\"{mid:.1}\" y=\"{:.1}\" font-size=\"10\" \
             text-anchor=\"end\" transform=\"rotate(-35 {mid:.1} {:.1})\">{label}</text></g>",
            BOTTOM + 14.0,
            BOTTOM + 14.0,
        );
    }
    svg.push_str("</svg>");
    svg
}
