//! Tests of the period report: disclosure control (primary and secondary suppression,
//! checked by recomputing hidden cells from the totals), the figures over hand-made
//! records, and the HTML page parsed as XML.

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::disclosure::{suppress, RawTable};
use super::*;
use crate::ids::Id;
use crate::model::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A person with one episode received 2026-01-10 from a GP, accepted 2026-01-20.
pub(crate) fn person(dob: Option<NaiveDate>) -> PersonRecord {
    let person_id = Id::new();
    let received = day(2026, 1, 10);
    let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(10, 0, 0).unwrap());
    let episode = Episode {
        id: Id::new(),
        source: Some(ReferralSource::Gp),
        referrer: None,
        reasons: Vec::new(),
        urgency: Urgency::Routine,
        consent_to_contact: Some(true),
        received,
        status: EpisodeStatus::Accepted,
        discharge_reason: None,
        decline_reason: None,
        redirect_reason: None,
        status_reason: None,
        accepted_at: Some(at(day(2026, 1, 20))),
        history: Vec::new(),
        gp_codes: Vec::new(),
        opened_at: at(received),
    };
    PersonRecord {
        person_id,
        case: Some(CaseRecord {
            demographics: Demographics {
                given_name: "A".into(),
                family_name: "B".into(),
                date_of_birth: dob,
                nhs_number: None,
                address: None,
                phone: None,
                email: None,
                preferred_contact: None,
                communication_needs: None,
                gp_codes_only: false,
                reporting: ReportingFields::default(),
            },
            episodes: vec![episode],
            contact_attempts: Vec::new(),
            consents: Vec::new(),
            consultations: Vec::new(),
            onward_referrals: Vec::new(),
            flags: Vec::new(),
            notes: Vec::new(),
            newer_items: Vec::new(),
        }),
        plan: Plan {
            person_id,
            what_matters: String::new(),
            needs: Vec::new(),
            goals: Vec::new(),
            steps: Vec::new(),
            review_date: None,
            measures: Vec::new(),
            newer_items: Vec::new(),
        },
        conflicts: Vec::new(),
    }
}

fn quarter() -> ReportPeriod {
    ReportPeriod::new(day(2026, 1, 1), day(2026, 3, 31)).unwrap()
}

/// What someone holding the published table could work out: repeatedly, any line (row with
/// its total, or column with the total row) with exactly one unknown gives that unknown.
/// Returns the cells still unknown.
fn recover(grid: &[Vec<u32>], hidden: &[Vec<bool>], row_totals: bool) -> Vec<Vec<bool>> {
    let mut unknown = hidden.to_vec();
    let h = grid.len();
    let w = grid[0].len();
    let mut lines: Vec<Vec<(usize, usize)>> = Vec::new();
    if row_totals {
        lines.extend((0..h).map(|r| (0..w).map(|c| (r, c)).collect()));
    }
    lines.extend((0..w).map(|c| (0..h).map(|r| (r, c)).collect()));
    loop {
        let mut solved = false;
        for line in &lines {
            let open: Vec<_> = line.iter().filter(|&&(r, c)| unknown[r][c]).collect();
            if open.len() == 1 {
                let &&(r, c) = open.first().unwrap();
                unknown[r][c] = false;
                solved = true;
            }
        }
        if !solved {
            return unknown;
        }
    }
}

/// Row counts with their totals appended, and the total row.
fn with_totals(rows: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut grid: Vec<Vec<u32>> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.push(r.iter().sum());
            r
        })
        .collect();
    let totals = (0..grid[0].len())
        .map(|c| grid.iter().map(|r| r[c]).sum())
        .collect();
    grid.push(totals);
    grid
}

#[test]
fn one_small_cell_in_a_row_hides_another_and_nothing_can_be_recomputed() {
    // The 3 is under the threshold; every other count is not.
    let grid = with_totals(&[vec![3, 20, 30], vec![12, 15, 40], vec![25, 11, 9]]);
    let hidden = suppress(&grid, 5, true);
    assert!(hidden[0][0], "the small count is suppressed");
    let in_row = hidden[0][..3].iter().filter(|h| **h).count();
    assert!(in_row >= 2, "another cell of its row is suppressed too");
    let in_col = hidden.iter().take(3).filter(|r| r[0]).count();
    assert!(in_col >= 2, "and another of its column");
    // Recompute from the totals: nothing hidden can be worked out.
    let left = recover(&grid, &hidden, true);
    assert_eq!(left, hidden, "a hidden cell was recovered from the totals");
    // Without secondary suppression the 3 would come straight back: 50 - 20 - 30.
    let mut primary_only = vec![vec![false; 4]; 4];
    primary_only[0][0] = true;
    assert!(!recover(&grid, &primary_only, true)[0][0]);
}

#[test]
fn a_single_column_table_hides_a_second_row_or_its_total() {
    let grid = vec![vec![2], vec![40], vec![42]];
    let hidden = suppress(&grid, 5, false);
    assert!(hidden[0][0] && hidden[1][0], "{hidden:?}");
    assert_eq!(recover(&grid, &hidden, false), hidden);
    // One row only: its total is the same number, so the total is hidden.
    let grid = vec![vec![3], vec![3]];
    let hidden = suppress(&grid, 5, false);
    assert!(hidden[0][0] && hidden[1][0]);
}

#[test]
fn zeros_and_large_counts_stay_and_a_small_total_is_hidden() {
    let t = RawTable::single(
        "t",
        "T",
        "k",
        "n",
        vec![("a".into(), 0), ("b".into(), 7), ("c".into(), 9)],
    )
    .publish(Some(5));
    assert_eq!(
        t.rows.iter().map(|r| r.cells[0]).collect::<Vec<_>>(),
        [Cell::Count(0), Cell::Count(7), Cell::Count(9)]
    );
    assert_eq!(t.totals, [Cell::Count(16)]);
    let t = RawTable::single("t", "T", "k", "n", vec![("a".into(), 1), ("b".into(), 2)])
        .publish(Some(5));
    assert!(t.rows.iter().all(|r| r.cells[0] == Cell::Suppressed));
    assert_eq!(t.totals, [Cell::Suppressed], "a total of 3 is small too");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    #[test]
    fn no_published_table_gives_a_hidden_cell_away(
        rows in proptest::collection::vec(proptest::collection::vec(0u32..30, 1..5), 1..6)
    ) {
        let width = rows[0].len();
        let rows: Vec<Vec<u32>> = rows.into_iter().map(|mut r| { r.resize(width, 0); r }).collect();
        let grid = if width > 1 {
            with_totals(&rows)
        } else {
            let mut g = rows.clone();
            g.push(vec![rows.iter().map(|r| r[0]).sum()]);
            g
        };
        let hidden = suppress(&grid, 5, width > 1);
        for (r, row) in grid.iter().enumerate() {
            for (c, &n) in row.iter().enumerate() {
                if n > 0 && n < 5 {
                    proptest::prop_assert!(hidden[r][c], "small count shown");
                }
            }
        }
        proptest::prop_assert_eq!(recover(&grid, &hidden, width > 1), hidden);
    }
}

#[test]
fn periods_and_thresholds_out_of_bounds_are_refused() {
    assert!(matches!(
        ReportPeriod::new(day(2026, 3, 1), day(2026, 2, 1)),
        Err(crate::Error::InvalidInput { field: "to", .. })
    ));
    assert!(matches!(
        ReportPeriod::new(day(2020, 1, 1), day(2026, 1, 1)),
        Err(crate::Error::InvalidInput {
            field: "period",
            ..
        })
    ));
    assert!(ReportPeriod::new(day(2026, 1, 1), day(2026, 1, 1)).is_ok());
    for bad in [0, 1, 101] {
        assert!(matches!(
            PeriodReport::from_records(&[], quarter(), bad),
            Err(crate::Error::InvalidInput {
                field: "suppress_below",
                ..
            })
        ));
    }
}

/// Six people referred in January (one of them aged 30 and female), one in February.
fn caseload() -> Vec<PersonRecord> {
    let mut out: Vec<PersonRecord> = (0..6).map(|_| person(Some(day(1950, 6, 1)))).collect();
    if let Some(c) = out[0].case.as_mut() {
        c.demographics.date_of_birth = Some(day(1995, 6, 1));
        c.demographics.reporting.sex = Some(Sex::Female);
        c.demographics.reporting.ethnicity = Some(EthnicCategory::WhiteIrish);
    }
    let mut feb = person(None);
    if let Some(c) = feb.case.as_mut() {
        c.episodes[0].received = day(2026, 2, 3);
        c.episodes[0].source = None;
        c.episodes[0].accepted_at = Some(Utc.with_ymd_and_hms(2026, 2, 13, 9, 0, 0).unwrap());
    }
    out.push(feb);
    out
}

#[test]
fn referrals_are_counted_by_month_source_and_equality_fields() {
    let r = PeriodReport::from_records(&caseload(), quarter(), 5).unwrap();
    let month = r.table("referrals_by_month").unwrap();
    let months: Vec<_> = month
        .rows
        .iter()
        .map(|x| (x.label.as_str(), x.cells[0]))
        .collect();
    // February's single referral is hidden; the total would give it away, so the smallest
    // other non-zero count (January's 6) is hidden too. March's 0 stays.
    assert_eq!(months[0].0, "2026-01");
    assert_eq!(months[1], ("2026-02", Cell::Suppressed));
    assert_eq!(months[2], ("2026-03", Cell::Count(0)));
    assert_eq!(months[0].1, Cell::Suppressed, "secondary suppression");
    assert_eq!(month.totals, [Cell::Count(7)]);
    let age = r.table("referrals_by_age_band").unwrap();
    let count =
        |t: &ReportTable, label: &str| t.rows.iter().find(|x| x.label == label).map(|x| x.cells[0]);
    // 5 aged 75, one aged 30, one without a date of birth: the two 1s hide each other.
    assert_eq!(count(age, "75-84"), Some(Cell::Count(5)));
    assert_eq!(count(age, "25-34"), Some(Cell::Suppressed));
    assert_eq!(count(age, "not-stated"), Some(Cell::Suppressed));
    // One female and six not stated: the 1 is hidden, and the 6 with it (7 - 6 = 1).
    let sex = r.table("referrals_by_sex").unwrap();
    assert_eq!(count(sex, "female"), Some(Cell::Suppressed));
    assert_eq!(count(sex, "not-stated"), Some(Cell::Suppressed));
    assert_eq!(count(sex, "male"), Some(Cell::Count(0)));
    assert_eq!(sex.totals, [Cell::Count(7)]);
    // With threshold 2 the counts of 1 are still hidden; the 5 shows.
    let r = PeriodReport::from_records(&caseload(), quarter(), 2).unwrap();
    let age = r.table("referrals_by_age_band").unwrap();
    assert_eq!(count(age, "75-84"), Some(Cell::Count(5)));
    // The figures before disclosure control.
    let (tables, _) = super::referrals::figures(&caseload(), &quarter());
    let raw = |name: &str, label: &str| {
        tables
            .iter()
            .find(|t| t.name == name)
            .and_then(|t| t.rows.iter().find(|(l, _)| l == label))
            .map(|(_, c)| c[0])
    };
    assert_eq!(raw("referrals_by_source", "gp"), Some(6));
    assert_eq!(raw("referrals_by_source", "not-recorded"), Some(1));
    assert_eq!(raw("referrals_by_ethnicity", "B"), Some(1));
    assert_eq!(raw("referrals_by_ethnicity", "not-stated"), Some(6));
    assert_eq!(raw("referrals_by_sex", "female"), Some(1));
    assert_eq!(raw("referrals_by_practice", "not-stated"), Some(7));
    assert_eq!(raw("referrals_by_month", "2026-02"), Some(1));
    assert_eq!(raw("contacts_per_person", "0"), Some(7));
}

#[test]
fn waits_count_days_from_receipt_and_hide_small_groups() {
    let records = caseload();
    let r = PeriodReport::from_records(&records, quarter(), 5).unwrap();
    let waits = r.table("waits").unwrap();
    let acceptance = &waits.rows[1];
    assert_eq!(acceptance.label, "wait.acceptance");
    assert_eq!(acceptance.cells, [Cell::Count(7), Cell::Count(0)]);
    let s = r.statistic("wait.acceptance").unwrap();
    assert_eq!(s.n, Cell::Count(7));
    assert_eq!(s.mean, Some(10.0));
    assert_eq!(s.median, Some(10.0));
    // Nobody was contacted: 7 not yet, the statistic has no values.
    let first = r.statistic("wait.first-contact").unwrap();
    assert_eq!((first.n, first.mean), (Cell::Count(0), None));
    // One referral not yet accepted: that row's 1 is hidden and so is its 6, and the
    // statistic over the 6 goes with it.
    let mut records = records;
    if let Some(c) = records[6].case.as_mut() {
        c.episodes[0].accepted_at = None;
    }
    let r = PeriodReport::from_records(&records, quarter(), 5).unwrap();
    let acceptance = &r.table("waits").unwrap().rows[1];
    assert_eq!(acceptance.cells, [Cell::Suppressed, Cell::Suppressed]);
    let s = r.statistic("wait.acceptance").unwrap();
    assert_eq!((s.n, s.mean, s.median), (Cell::Suppressed, None, None));
    // Its column (reached: 0, 6, 0, total 6) would give the 6 back through the zeros, so a
    // zero is hidden too.
    let reached: Vec<Cell> = r
        .table("waits")
        .unwrap()
        .rows
        .iter()
        .map(|x| x.cells[0])
        .collect();
    assert_eq!(
        reached.iter().filter(|c| **c == Cell::Suppressed).count(),
        2
    );
}

#[test]
fn closed_episodes_give_outcomes_by_reason_and_length() {
    let mut records = caseload();
    for rec in records.iter_mut().take(5) {
        let c = rec.case.as_mut().unwrap();
        let e = &mut c.episodes[0];
        e.status = EpisodeStatus::Discharged;
        e.discharge_reason = Some(DischargeReason::GoalsMet);
        e.history.push(StatusChange {
            id: Id::new(),
            from: EpisodeStatus::Accepted,
            to: EpisodeStatus::Discharged,
            reason: None,
            by: "lw".into(),
            at: e.accepted_at.unwrap() + Duration::days(30),
            reopened: false,
        });
    }
    let r = PeriodReport::from_records(&records, quarter(), 5).unwrap();
    let t = r.table("outcomes_by_reason").unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].label, "discharged: goals-met");
    assert_eq!(t.rows[0].cells, [Cell::Count(5)]);
    let len = r.statistic("episode.length").unwrap();
    assert_eq!((len.n, len.mean), (Cell::Count(5), Some(40.0)));
}

#[test]
fn the_html_page_parses_and_its_charts_carry_the_published_figures() {
    let records = caseload();
    let r = PeriodReport::from_records(&records, quarter(), 5).unwrap();
    let html = r.html();
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let charts: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2000/svg", "svg")))
        .collect();
    let ids: Vec<_> = charts.iter().filter_map(|c| c.attribute("id")).collect();
    assert_eq!(
        ids,
        ["chart-referrals", "chart-paired-change", "chart-waits"]
    );
    let bars = |id: &str| -> Vec<(String, String)> {
        charts
            .iter()
            .find(|c| c.attribute("id") == Some(id))
            .unwrap()
            .descendants()
            .filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("bar")))
            .map(|n| {
                let value = n.attribute("data-value").unwrap().to_string();
                // The visible label says the same as the data.
                let shown = n
                    .children()
                    .find(|t| t.attribute("class") == Some("value"))
                    .and_then(|t| t.text())
                    .unwrap();
                assert_eq!(shown, value);
                if value == "*" {
                    assert!(
                        !n.children()
                            .any(|t| t.has_tag_name(("http://www.w3.org/2000/svg", "rect"))),
                        "a withheld figure has no bar"
                    );
                }
                (n.attribute("data-label").unwrap().to_string(), value)
            })
            .collect()
    };
    let month = r.table("referrals_by_month").unwrap();
    let expected: Vec<(String, String)> = month
        .rows
        .iter()
        .map(|x| (x.label.clone(), x.cells[0].text()))
        .collect();
    assert_eq!(bars("chart-referrals"), expected);
    let waits = bars("chart-waits");
    assert!(
        waits.contains(&("acceptance".into(), "10".into())),
        "{waits:?}"
    );
    assert!(waits.contains(&("first-contact".into(), "*".into())));
    assert_eq!(
        bars("chart-paired-change").len(),
        11,
        "every quantity but loneliness"
    );
    // The hidden January count (6) and February count (1) appear nowhere in the page's
    // referral figures: the month table shows only * and the total.
    let cells_of = |id: &str| -> Vec<String> {
        doc.descendants()
            .filter(|n| n.attribute("id") == Some(id))
            .flat_map(|t| t.descendants().filter(|n| n.has_tag_name("td")))
            .map(|n| n.text().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        cells_of("table-referrals_by_month"),
        ["2026-01", "*", "2026-02", "*", "2026-03", "0", "total", "7"]
    );
    // Every cell of every table in the page is the published figure, so no withheld count
    // is anywhere in a table; and every table cell of the page belongs to one of them.
    let mut seen = 0;
    for t in &r.tables {
        let mut expected = Vec::new();
        for row in &t.rows {
            expected.push(row.label.clone());
            expected.extend(row.cells.iter().chain(row.total.iter()).map(|c| c.text()));
        }
        expected.push("total".to_string());
        expected.extend(t.totals.iter().map(|c| c.text()));
        let got = cells_of(&format!("table-{}", t.name));
        assert_eq!(got, expected, "{}", t.name);
        seen += got.len();
    }
    let stats = cells_of("statistics");
    assert_eq!(stats.len(), r.statistics.len() * 5);
    for (s, row) in r.statistics.iter().zip(stats.chunks(5)) {
        assert_eq!(row[2], s.n.text(), "{}", s.name);
        if s.n == Cell::Suppressed {
            assert_eq!((row[3].as_str(), row[4].as_str()), ("", ""), "{}", s.name);
        }
    }
    seen += stats.len();
    let all_cells = doc.descendants().filter(|n| n.has_tag_name("td")).count();
    assert_eq!(
        seen, all_cells,
        "a table cell the published report does not hold"
    );
}

#[test]
fn the_html_page_escapes_labels_from_the_records() {
    let mut records = caseload();
    if let Some(c) = records[0].case.as_mut() {
        c.demographics.reporting.gp_practice = Some("<script>".into());
    }
    let html = PeriodReport::from_records(&records, quarter(), 2)
        .unwrap()
        .html();
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .is_ok());
}
