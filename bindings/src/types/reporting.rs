//! Records of commissioners' reporting: a person's reporting fields (sex, ethnic category,
//! GP practice, PCN), each directory service's referral outcomes, and the period report as
//! published (suppressed counts are absent).

use linkwork_core::model as lw;
use linkwork_core::reports as lr;
use linkwork_core::reports::period as lp;

use super::mirror_enum;
use crate::convert::{date_text, list};

mirror_enum! {
    /// The person's sex as they state it.
    pub enum Sex = lw::Sex {
        /// Female.
        Female,
        /// Male.
        Male,
        /// Neither male nor female, or another description.
        Other,
        /// The person chose not to say.
        PreferNotToSay,
    }
}

mirror_enum! {
    /// Ethnic category: the NHS Data Dictionary ETHNIC CATEGORY codes (letter in brackets).
    pub enum EthnicCategory = lw::EthnicCategory {
        /// White: British (A).
        WhiteBritish,
        /// White: Irish (B).
        WhiteIrish,
        /// White: any other White background (C).
        WhiteOther,
        /// Mixed: White and Black Caribbean (D).
        MixedWhiteBlackCaribbean,
        /// Mixed: White and Black African (E).
        MixedWhiteBlackAfrican,
        /// Mixed: White and Asian (F).
        MixedWhiteAsian,
        /// Mixed: any other mixed background (G).
        MixedOther,
        /// Asian or Asian British: Indian (H).
        AsianIndian,
        /// Asian or Asian British: Pakistani (J).
        AsianPakistani,
        /// Asian or Asian British: Bangladeshi (K).
        AsianBangladeshi,
        /// Asian or Asian British: any other Asian background (L).
        AsianOther,
        /// Black or Black British: Caribbean (M).
        BlackCaribbean,
        /// Black or Black British: African (N).
        BlackAfrican,
        /// Black or Black British: any other Black background (P).
        BlackOther,
        /// Other ethnic groups: Chinese (R).
        Chinese,
        /// Other ethnic groups: any other ethnic group (S).
        OtherGroup,
        /// Asked, and the person chose not to say (Z).
        NotStated,
    }
}

/// The fields commissioners' reports break down by; each absent one is "not stated".
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct ReportingFields {
    /// Sex as stated by the person.
    #[uniffi(default)]
    pub sex: Option<Sex>,
    /// Ethnic category.
    #[uniffi(default)]
    pub ethnicity: Option<EthnicCategory>,
    /// The registered GP practice's ODS code (e.g. `B82005`).
    #[uniffi(default)]
    pub gp_practice: Option<String>,
    /// The primary care network's code.
    #[uniffi(default)]
    pub pcn: Option<String>,
}

impl From<lw::ReportingFields> for ReportingFields {
    fn from(f: lw::ReportingFields) -> Self {
        ReportingFields {
            sex: f.sex.map(Into::into),
            ethnicity: f.ethnicity.map(Into::into),
            gp_practice: f.gp_practice,
            pcn: f.pcn,
        }
    }
}

impl From<ReportingFields> for lw::ReportingFields {
    fn from(f: ReportingFields) -> Self {
        lw::ReportingFields {
            sex: f.sex.map(Into::into),
            ethnicity: f.ethnicity.map(Into::into),
            gp_practice: f.gp_practice,
            pcn: f.pcn,
        }
    }
}

/// What happened to the onward referrals this store made to one directory service.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ServiceOutcomes {
    /// The directory service's id.
    pub service_id: String,
    /// Referrals made to it.
    pub referrals: u32,
    /// Referrals the service accepted at some point.
    pub accepted: u32,
    /// Referrals where the person attended.
    pub attended: u32,
    /// Referrals that met "no capacity" at some point.
    pub no_capacity: u32,
    /// Referrals still waiting for the service's answer.
    pub awaiting_response: u32,
    /// Mean days from sending to acceptance over accepted referrals; absent when none.
    pub mean_wait_days: Option<f64>,
}

impl From<lr::ServiceOutcomes> for ServiceOutcomes {
    fn from(o: lr::ServiceOutcomes) -> Self {
        ServiceOutcomes {
            service_id: o.service_id,
            referrals: o.referrals,
            accepted: o.accepted,
            attended: o.attended,
            no_capacity: o.no_capacity,
            awaiting_response: o.awaiting_response,
            mean_wait_days: o.mean_wait_days,
        }
    }
}

/// One row of a published period-report table.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PeriodTableRow {
    /// What the row counts (a code, a service, a month).
    pub label: String,
    /// One count per column, then the row's total when the table has several columns;
    /// absent where disclosure control suppressed the count.
    pub cells: Vec<Option<u32>>,
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
    pub totals: Vec<Option<u32>>,
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
    pub n: Option<u32>,
    /// Mean, when published.
    pub mean: Option<f64>,
    /// Median, when published.
    pub median: Option<f64>,
}

/// The commissioner's report for a period, as published.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PeriodReport {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day (included), `YYYY-MM-DD`.
    pub to: String,
    /// Counts from 1 to one below this were suppressed (and others with them).
    pub suppression_threshold: u32,
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
                .map(|c| c.value())
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
            totals: t.totals.iter().map(|c| c.value()).collect(),
        }
    }
}

impl From<lp::Statistic> for PeriodStatistic {
    fn from(s: lp::Statistic) -> Self {
        PeriodStatistic {
            name: s.name,
            title: s.title,
            unit: s.unit,
            n: s.n.value(),
            mean: s.mean,
            median: s.median,
        }
    }
}

impl From<lp::PeriodReport> for PeriodReport {
    fn from(r: lp::PeriodReport) -> Self {
        PeriodReport {
            from: date_text(r.period.from),
            to: date_text(r.period.to),
            suppression_threshold: r.suppression_threshold,
            tables: list(r.tables),
            statistics: list(r.statistics),
        }
    }
}
