//! PAM (Patient Activation Measure) is proprietary: it is never computed here. We only
//! store and check the output of a licensed scorer.

use serde::{Deserialize, Serialize};

use super::error::MeasureError;

/// The published activation score range of each PAM level, `(level, lowest, highest)`:
/// level 1 0.0-47.0, level 2 47.1-55.1, level 3 55.2-72.4, level 4 72.5-100 (Shirley Ryan
/// AbilityLab, Rehabilitation Measures Database, "Patient Activation Measure"; see
/// `docs/clinical.md`). Scores between two ranges (47.0 to 47.1, ...) belong to the level
/// below. linkwork never derives a level: it only refuses a scorer output whose level
/// contradicts its score (a score of 92 reported as level 1).
pub const PAM_LEVEL_RANGES: [(i32, f64, f64); 4] = [
    (1, 0.0, 47.05),
    (2, 47.05, 55.15),
    (3, 55.15, 72.45),
    (4, 72.45, 100.0),
];

/// A licensed PAM scorer's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PamResult {
    /// Activation score, 0-100.
    pub score: f64,
    /// Activation level, 1-4.
    pub level: i32,
    /// The scorer's version string (non-empty).
    pub version: String,
}

impl PamResult {
    /// Build a result, checking it with [`PamResult::validate`].
    ///
    /// # Errors
    /// [`MeasureError::InvalidPam`] naming the first bad field.
    pub fn new(score: f64, level: i32, version: impl Into<String>) -> Result<Self, MeasureError> {
        let result = PamResult {
            score,
            level,
            version: version.into(),
        };
        result.validate()?;
        Ok(result)
    }

    /// Check the fields: `score` finite and within 0..=100, `level` within 1..=4 and within
    /// the published score range of that level ([`PAM_LEVEL_RANGES`]), `version` not blank.
    ///
    /// # Errors
    /// [`MeasureError::InvalidPam`] naming the first bad field (`"score"`, `"level"`,
    /// `"version"`).
    pub fn validate(&self) -> Result<(), MeasureError> {
        if !(self.score.is_finite() && (0.0..=100.0).contains(&self.score)) {
            return Err(MeasureError::InvalidPam { field: "score" });
        }
        let range = PAM_LEVEL_RANGES
            .iter()
            .find(|(level, _, _)| *level == self.level);
        match range {
            Some((_, low, high)) if (*low..=*high).contains(&self.score) => {}
            _ => return Err(MeasureError::InvalidPam { field: "level" }),
        }
        if self.version.trim().is_empty() {
            return Err(MeasureError::InvalidPam { field: "version" });
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pam(score: f64, level: i32, version: &str) -> PamResult {
        PamResult {
            score,
            level,
            version: version.to_owned(),
        }
    }

    #[test]
    fn valid_results_at_the_edges() {
        for (score, level) in [(0.0, 1), (100.0, 4), (55.6, 3)] {
            assert_eq!(pam(score, level, "PAM-13 v2").validate(), Ok(()));
        }
        assert_eq!(PamResult::new(62.3, 3, "13").unwrap(), pam(62.3, 3, "13"));
    }

    #[test]
    fn bad_score() {
        for score in [-0.1, 100.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                pam(score, 2, "v").validate(),
                Err(MeasureError::InvalidPam { field: "score" }),
                "{score}"
            );
        }
    }

    #[test]
    fn a_level_that_contradicts_the_score_is_refused() {
        assert_eq!(
            pam(92.0, 1, "v").validate(),
            Err(MeasureError::InvalidPam { field: "level" })
        );
        for (score, level) in [
            (47.0, 1),
            (47.1, 2),
            (55.1, 2),
            (55.2, 3),
            (72.4, 3),
            (72.5, 4),
        ] {
            assert_eq!(pam(score, level, "v").validate(), Ok(()), "{score} {level}");
        }
        for (score, level) in [
            (47.1, 1),
            (47.0, 2),
            (55.2, 2),
            (72.5, 3),
            (72.4, 4),
            (10.0, 4),
            (10.0, -1),
            (10.0, 0),
        ] {
            assert!(
                pam(score, level, "v").validate().is_err(),
                "{score} {level}"
            );
        }
    }

    #[test]
    fn bad_level_and_version() {
        for level in [0, 5, -1, i32::MAX, i32::MIN] {
            assert_eq!(
                pam(50.0, level, "v").validate(),
                Err(MeasureError::InvalidPam { field: "level" })
            );
        }
        for version in ["", "   "] {
            assert_eq!(
                PamResult::new(50.0, 2, version),
                Err(MeasureError::InvalidPam { field: "version" })
            );
        }
    }

    #[test]
    fn round_trips_through_json() {
        let result = pam(47.5, 2, "v1");
        let json = serde_json::to_string(&result).unwrap();
        assert_eq!(json, r#"{"score":47.5,"level":2,"version":"v1"}"#);
        assert_eq!(serde_json::from_str::<PamResult>(&json).unwrap(), result);
    }
}
