//! Per-service outcomes of onward referrals to directory services: how many referrals, how
//! many the service accepted, how many people attended, how many met "no capacity", and the
//! average wait from referral to acceptance (`docs/directory.md`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{OnwardReferral, OnwardStatus, PersonRecord};

/// What happened to the onward referrals made to one directory service from this store.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ServiceOutcomes {
    /// The directory service's id.
    pub service_id: String,
    /// Referrals made to it (every state).
    pub referrals: i32,
    /// Referrals the service accepted at some point (reached `accepted`).
    pub accepted: i32,
    /// Referrals where the person attended (reached `attending`).
    pub attended: i32,
    /// Referrals that met "no capacity" at some point (waitlisted: unmet need).
    pub no_capacity: i32,
    /// Referrals still waiting for the service's answer (state `sent`).
    pub awaiting_response: i32,
    /// Mean days from sending to acceptance over the accepted referrals; `None` when none
    /// was accepted.
    pub mean_wait_days: Option<f64>,
}

/// Whether the referral ever reached `state` (now, or in its history).
pub(crate) fn ever(o: &OnwardReferral, state: OnwardStatus) -> bool {
    o.status == state || o.history.iter().any(|h| h.to == state)
}

/// Days from sending to the first acceptance, in whole days and fractions.
pub(crate) fn wait_days(o: &OnwardReferral) -> Option<f64> {
    let accepted = o
        .history
        .iter()
        .filter(|h| h.to == OnwardStatus::Accepted)
        .map(|h| h.at)
        .min()?;
    Some((accepted - o.sent_at).num_milliseconds() as f64 / 86_400_000.0)
}

/// Adds one referral to a service's figures; `waits` collects accepted referrals' waits.
fn add(out: &mut ServiceOutcomes, waits: &mut Vec<f64>, o: &OnwardReferral) {
    out.referrals += 1;
    out.accepted += i32::from(ever(o, OnwardStatus::Accepted));
    out.attended += i32::from(ever(o, OnwardStatus::Attending));
    out.no_capacity += i32::from(ever(o, OnwardStatus::NoCapacity));
    out.awaiting_response += i32::from(o.status == OnwardStatus::Sent);
    if let Some(w) = wait_days(o) {
        waits.push(w);
    }
}

/// Outcomes per directory service over `records`, sorted by service id. Free-text referrals
/// (no service id) are not counted here: the period report lists them apart.
pub fn service_outcomes(records: &[PersonRecord]) -> Vec<ServiceOutcomes> {
    let mut by_id: BTreeMap<String, (ServiceOutcomes, Vec<f64>)> = BTreeMap::new();
    for record in records {
        let Some(case) = &record.case else { continue };
        for o in &case.onward_referrals {
            let Some(id) = &o.service_id else { continue };
            let (out, waits) = by_id.entry(id.clone()).or_insert_with(|| {
                (
                    ServiceOutcomes {
                        service_id: id.clone(),
                        ..Default::default()
                    },
                    Vec::new(),
                )
            });
            add(out, waits, o);
        }
    }
    by_id
        .into_values()
        .map(|(mut out, waits)| {
            out.mean_wait_days =
                (!waits.is_empty()).then(|| waits.iter().sum::<f64>() / waits.len() as f64);
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::ids::Id;
    use crate::model::OnwardChange;

    fn referral(service_id: Option<&str>, path: &[(OnwardStatus, i64)]) -> OnwardReferral {
        let sent = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
        let mut from = OnwardStatus::Sent;
        let history = path
            .iter()
            .map(|&(to, days)| {
                let h = OnwardChange {
                    id: Id::new(),
                    from,
                    to,
                    note: None,
                    by: "lw".into(),
                    at: sent + Duration::days(days),
                };
                from = to;
                h
            })
            .collect();
        OnwardReferral {
            id: Id::new(),
            service: "Lunch club".into(),
            service_id: service_id.map(str::to_string),
            organisation: None,
            need: None,
            status: from,
            history,
            by: "lw".into(),
            sent_at: sent,
            episode_id: None,
        }
    }

    pub(crate) fn record(onward: Vec<OnwardReferral>) -> PersonRecord {
        let mut r = crate::reports::period::tests::person(None);
        if let Some(c) = r.case.as_mut() {
            c.onward_referrals = onward;
        }
        r
    }

    #[test]
    fn counts_every_state_ever_reached_and_the_mean_wait() {
        use OnwardStatus::*;
        let records = vec![
            record(vec![
                referral(Some("svc-1"), &[(NoCapacity, 2), (Accepted, 10)]),
                referral(Some("svc-1"), &[(Accepted, 4), (Attending, 6)]),
                referral(Some("svc-1"), &[]),
                referral(None, &[(Accepted, 1)]),
            ]),
            record(vec![referral(Some("svc-2"), &[(NotEligible, 1)])]),
        ];
        let out = service_outcomes(&records);
        assert_eq!(out.len(), 2, "the free-text referral is not a service");
        let s1 = &out[0];
        assert_eq!(s1.service_id, "svc-1");
        assert_eq!(
            (
                s1.referrals,
                s1.accepted,
                s1.attended,
                s1.no_capacity,
                s1.awaiting_response
            ),
            (3, 2, 1, 1, 1)
        );
        assert_eq!(s1.mean_wait_days, Some(7.0));
        let s2 = &out[1];
        assert_eq!((s2.referrals, s2.accepted, s2.no_capacity), (1, 0, 0));
        assert_eq!(s2.mean_wait_days, None);
    }
}
