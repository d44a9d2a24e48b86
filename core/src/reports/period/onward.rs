//! The period report's figures about onward referrals, unmet need and outcome measures:
//! onward referrals by service and state, directory against free-text referrals, "no
//! capacity" by service, needs with no onward referral, and paired change per measure
//! quantity with meaningful-change counts.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::disclosure::RawTable;
use super::{RawStatistic, ReportPeriod};
use crate::model::{Code, Need, OnwardReferral, OnwardStatus, PersonRecord};
use crate::reports::paired::{person_changes, summarise_changes};

/// A referral's state at the end of `end`: its history replayed up to that day.
pub(crate) fn state_at(o: &OnwardReferral, end: NaiveDate) -> OnwardStatus {
    o.history
        .iter()
        .filter(|h| h.at.date_naive() <= end)
        .max_by_key(|h| (h.at, h.id))
        .map_or(OnwardStatus::Sent, |h| h.to)
}

/// The row label of a referral's service: a directory service by its id (with the name it
/// had at the latest referral), a free-text service by its name.
fn service_key(o: &OnwardReferral) -> (String, String) {
    match &o.service_id {
        Some(id) => (format!("id:{id}"), format!("{} [{id}]", o.service)),
        None => (
            format!("text:{}", o.service.trim().to_lowercase()),
            format!("{} (free text)", o.service.trim()),
        ),
    }
}

/// The period's onward-referral, unmet-need and paired-change tables and statistics.
pub(crate) fn figures(
    records: &[PersonRecord],
    period: &ReportPeriod,
) -> (Vec<RawTable>, Vec<RawStatistic>) {
    // key -> (label, counts per state)
    let mut services: BTreeMap<String, (String, Vec<u32>)> = BTreeMap::new();
    let mut no_capacity: BTreeMap<String, (String, u32)> = BTreeMap::new();
    let (mut directory, mut free_text) = (0u32, 0u32);
    let mut unmet: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut changes = Vec::new();
    let end = period.to;

    for record in records {
        let Some(case) = &record.case else { continue };
        for o in case
            .onward_referrals
            .iter()
            .filter(|o| period.contains(o.sent_at.date_naive()))
        {
            let (key, label) = service_key(o);
            let state = state_at(o, end);
            let entry = services
                .entry(key.clone())
                .or_insert_with(|| (label.clone(), vec![0; OnwardStatus::ALL.len()]));
            entry.0 = label.clone();
            if let Some(i) = OnwardStatus::ALL.iter().position(|s| *s == state) {
                if let Some(n) = entry.1.get_mut(i) {
                    *n += 1;
                }
            }
            match o.service_id {
                Some(_) => directory += 1,
                None => free_text += 1,
            }
            let waitlisted = o
                .history
                .iter()
                .any(|h| h.to == OnwardStatus::NoCapacity && h.at.date_naive() <= end);
            if waitlisted {
                let slot = no_capacity.entry(key).or_insert_with(|| (label, 0));
                slot.0 = service_key(o).1;
                slot.1 += 1;
            }
        }
        // Needs recorded in the period with no onward referral for them in the same
        // episode by the period's end.
        for n in record
            .plan
            .needs
            .iter()
            .filter(|n| period.contains(n.recorded_at.date_naive()))
        {
            let referred = case.onward_referrals.iter().any(|o| {
                o.episode_id == n.episode_id
                    && o.sent_at.date_naive() <= end
                    && o.need.as_deref().map(str::trim) == Some(n.need.code())
            });
            if !referred {
                *unmet.entry(n.need.code()).or_insert(0) += 1;
            }
        }
        for e in &case.episodes {
            let mut plan = record.for_episode(e.id).plan;
            plan.measures.retain(|m| m.recorded_at.date_naive() <= end);
            changes.extend(
                person_changes(&plan)
                    .into_iter()
                    .filter(|c| period.contains(c.follow_up_at.date_naive())),
            );
        }
    }

    let changes_by_quantity = {
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); crate::reports::QUANTITIES.len()];
        for c in &changes {
            let slot = crate::reports::QUANTITIES
                .iter()
                .position(|(i, q, _)| *i == c.instrument && *q == c.quantity);
            if let Some(v) = slot.and_then(|i| per.get_mut(i)) {
                v.push(c.difference);
            }
        }
        per
    };
    let summary = summarise_changes(changes);
    let quantity_label =
        |i: &crate::reports::MeasureChange| format!("{} {}", i.instrument.code(), i.quantity);
    let paired = RawTable {
        name: "paired_change",
        title: "Paired change (baseline to follow-up in the period), per measure",
        row_label: "measure",
        columns: vec!["improved".into(), "same".into(), "worse".into()],
        rows: summary
            .iter()
            .map(|m| (quantity_label(m), counts(&[m.improved, m.same, m.worse])))
            .collect(),
    };
    let meaningful = RawTable {
        name: "meaningful_change",
        title: "Meaningful change (at least the measure's published threshold)",
        row_label: "measure",
        columns: vec!["meaningfully-improved".into(), "meaningfully-worse".into()],
        rows: summary
            .iter()
            .filter(|m| m.meaningful_threshold.is_some())
            .map(|m| {
                (
                    quantity_label(m),
                    counts(&[
                        m.meaningfully_improved.unwrap_or(0),
                        m.meaningfully_worse.unwrap_or(0),
                    ]),
                )
            })
            .collect(),
    };
    // The direct loneliness question's answer codes have no meaningful mean.
    let stats = summary
        .iter()
        .zip(changes_by_quantity)
        .enumerate()
        .filter(|(_, (m, _))| m.instrument != crate::measures::Instrument::LonelinessDirect)
        .map(|(row, (m, values))| RawStatistic {
            name: format!("change.{}.{}", m.instrument.code(), m.quantity),
            title: format!("Mean change, {}", quantity_label(m)),
            unit: "points",
            values,
            cell: ("paired_change", row, 3),
        })
        .collect();
    let tables =
        vec![
        RawTable {
            name: "onward_by_service",
            title: "Onward referrals made in the period, by service and state at the period's end",
            row_label: "service",
            columns: OnwardStatus::ALL
                .iter()
                .map(|s| s.code().to_string())
                .collect(),
            rows: services.into_values().collect(),
        },
        RawTable::single(
            "onward_by_kind",
            "Onward referrals made in the period: directory service or free text",
            "kind",
            "referrals",
            vec![
                ("directory-service".into(), directory),
                ("free-text".into(), free_text),
            ],
        ),
        RawTable::single(
            "unmet_need_no_capacity",
            "Unmet need: onward referrals made in the period that met \"no capacity\", by service",
            "service",
            "referrals",
            no_capacity.into_values().collect(),
        ),
        RawTable::single(
            "unmet_need_no_service",
            "Unmet need: needs recorded in the period with no onward referral for them",
            "need",
            "needs",
            Need::ALL
                .iter()
                .map(|n| (n.code().to_string(), unmet.get(n.code()).copied().unwrap_or(0)))
                .collect(),
        ),
        paired,
        meaningful,
    ];
    (tables, stats)
}

/// Counts of the paired-change summary (signed, as apps see them) as table cells; a count is
/// never negative.
fn counts(n: &[i32]) -> Vec<u32> {
    n.iter().map(|n| u32::try_from(*n).unwrap_or(0)).collect()
}
