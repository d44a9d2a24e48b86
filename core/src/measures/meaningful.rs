//! Published meaningful-change thresholds, per instrument and reported quantity.
//!
//! A threshold is listed only where a published source gives one; every other quantity has
//! none (`None`), and reports say so rather than invent one. Sources are cited in
//! `docs/clinical.md`.

use serde::Serialize;

use super::instrument::Instrument;

/// A published threshold for a change that matters to one person.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MeaningfulChange {
    /// The smallest absolute change (in the quantity's own units) that counts as meaningful.
    pub threshold: f64,
    /// Where the threshold is published (short citation; full reference in
    /// `docs/clinical.md`).
    pub source: &'static str,
}

/// The published meaningful-change threshold of `quantity` of `instrument`, or `None` when
/// none is published:
///
/// * SWEMWBS metric score: 2.87 points (2.77 standard errors of measurement; Shah et al.
///   2018, Health and Quality of Life Outcomes 16:239, which gives 1 to 3 points depending
///   on the standard used; linkwork takes the stricter 2.87).
/// * PAM activation score: 3 points (Insignia Health, "Gains in Patient Activation Measure
///   (PAM) Scores at 12 Months", CBE/NQF measure 2483).
/// * Every other quantity (ONS4 items, WEMWBS total, UCLA 3, the direct loneliness question,
///   MYCaW): none. WEMWBS has published standard errors of measurement (Maheswaran et al.
///   2012) but no single threshold.
pub fn meaningful_change(instrument: Instrument, quantity: &str) -> Option<MeaningfulChange> {
    match (instrument, quantity) {
        (Instrument::Swemwbs, "metric") => Some(MeaningfulChange {
            threshold: 2.87,
            source: "Shah et al. 2018, Health Qual Life Outcomes 16:239",
        }),
        (Instrument::Pam, "score") => Some(MeaningfulChange {
            threshold: 3.0,
            source: "Insignia Health, CBE/NQF 2483",
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_published_thresholds_exist() {
        assert_eq!(
            meaningful_change(Instrument::Swemwbs, "metric").map(|m| m.threshold),
            Some(2.87)
        );
        assert_eq!(
            meaningful_change(Instrument::Pam, "score").map(|m| m.threshold),
            Some(3.0)
        );
        for (i, q) in [
            (Instrument::Ons4, "anxiety"),
            (Instrument::Wemwbs, "total"),
            (Instrument::Ucla3, "total"),
            (Instrument::LonelinessDirect, "answer"),
            (Instrument::Mycaw, "concern-1"),
        ] {
            assert_eq!(meaningful_change(i, q), None, "{i} {q}");
        }
    }
}
