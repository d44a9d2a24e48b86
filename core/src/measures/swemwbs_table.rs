//! The SWEMWBS raw-to-metric conversion table. The raw sum (7-35) is not the reported
//! score: it is always converted with this table.

/// Every row of the conversion table as `(raw sum, metric score)`, raw 7 to 35 ascending.
pub const SWEMWBS_CONVERSION_TABLE: [(i64, f64); 29] = [
    (7, 7.00),
    (8, 9.51),
    (9, 11.25),
    (10, 12.40),
    (11, 13.33),
    (12, 14.08),
    (13, 14.75),
    (14, 15.32),
    (15, 15.84),
    (16, 16.36),
    (17, 16.88),
    (18, 17.43),
    (19, 17.98),
    (20, 18.59),
    (21, 19.25),
    (22, 19.98),
    (23, 20.73),
    (24, 21.54),
    (25, 22.35),
    (26, 23.21),
    (27, 24.11),
    (28, 25.03),
    (29, 26.02),
    (30, 27.03),
    (31, 28.13),
    (32, 29.31),
    (33, 30.70),
    (34, 32.55),
    (35, 35.00),
];

/// The SWEMWBS metric score for a raw sum, or `None` if `raw` is outside 7..=35.
pub fn swemwbs_metric(raw: i64) -> Option<f64> {
    SWEMWBS_CONVERSION_TABLE
        .iter()
        .find(|(r, _)| *r == raw)
        .map(|(_, metric)| *metric)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The table exactly as printed in the domain guide, transcribed independently of
    /// the constant above.
    const GUIDE_TABLE: &str = "
| 7 | 7.00 | 17 | 16.88 | 27 | 24.11 |
| 8 | 9.51 | 18 | 17.43 | 28 | 25.03 |
| 9 | 11.25 | 19 | 17.98 | 29 | 26.02 |
| 10 | 12.40 | 20 | 18.59 | 30 | 27.03 |
| 11 | 13.33 | 21 | 19.25 | 31 | 28.13 |
| 12 | 14.08 | 22 | 19.98 | 32 | 29.31 |
| 13 | 14.75 | 23 | 20.73 | 33 | 30.70 |
| 14 | 15.32 | 24 | 21.54 | 34 | 32.55 |
| 15 | 15.84 | 25 | 22.35 | 35 | 35.00 |
| 16 | 16.36 | 26 | 23.21 | | |
";

    /// `(raw, metric)` pairs parsed from [`GUIDE_TABLE`], sorted by raw.
    pub(crate) fn guide_rows() -> Vec<(i64, f64)> {
        let mut rows = Vec::new();
        for line in GUIDE_TABLE.lines() {
            let cells: Vec<&str> = line
                .split('|')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            for pair in cells.chunks(2) {
                if let [raw, metric] = pair {
                    if let (Ok(raw), Ok(metric)) = (raw.parse(), metric.parse()) {
                        rows.push((raw, metric));
                    }
                }
            }
        }
        rows.sort_by_key(|(raw, _)| *raw);
        rows
    }

    #[test]
    fn every_row_of_the_guide_table() {
        let rows = guide_rows();
        assert_eq!(rows.len(), 29);
        let raws: Vec<i64> = rows.iter().map(|(r, _)| *r).collect();
        assert_eq!(raws, (7..=35).collect::<Vec<_>>());
        for (raw, metric) in rows {
            assert_eq!(swemwbs_metric(raw), Some(metric), "raw {raw}");
        }
    }

    #[test]
    fn outside_the_table_is_none() {
        for raw in [i64::MIN, -1, 0, 6, 36, 70, i64::MAX] {
            assert_eq!(swemwbs_metric(raw), None, "raw {raw}");
        }
    }

    #[test]
    fn table_is_strictly_increasing() {
        for pair in SWEMWBS_CONVERSION_TABLE.windows(2) {
            if let [(r0, m0), (r1, m1)] = pair {
                assert_eq!(r0 + 1, *r1);
                assert!(m1 > m0);
            }
        }
    }
}
