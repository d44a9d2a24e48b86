//! Who changed what, when: every commit carries a small JSON message naming the acting user,
//! the action code and the item touched (never any content), which history reads back.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use automerge::{Automerge, Change, ChangeHash};
use chrono::{TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::Id;
use crate::model::{DocKind, HistoryEntry};

#[derive(Serialize, Deserialize)]
struct Message {
    #[serde(rename = "u")]
    user: String,
    #[serde(rename = "a")]
    action: String,
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    item: Option<String>,
}

/// The commit message for one user action.
pub(crate) fn message(user: &str, action: &str, item: Option<Id>) -> String {
    let m = Message {
        user: user.to_string(),
        action: action.to_string(),
        item: item.map(|i| i.to_string()),
    };
    serde_json::to_string(&m).unwrap_or_default()
}

/// The acting user named in a commit message (empty when the change is not linkwork's).
pub(crate) fn user_of(message: Option<&str>) -> String {
    message
        .and_then(|m| serde_json::from_str::<Message>(m).ok())
        .map(|m| m.user)
        .unwrap_or_default()
}

/// Every change of `doc` as history entries, oldest first. Changes without a linkwork message
/// (e.g. made by another automerge app) appear with action `external`.
pub(crate) fn read(doc: &Automerge, kind: DocKind) -> Vec<HistoryEntry> {
    causal_order(doc.get_changes(&[]))
        .into_iter()
        .map(|c| {
            let parsed = c
                .message()
                .and_then(|m| serde_json::from_str::<Message>(m).ok());
            let (user, action, item_id) = match parsed {
                Some(m) => (m.user, m.action, m.item),
                None => (String::new(), "external".to_string(), None),
            };
            HistoryEntry {
                at: Utc
                    .timestamp_opt(c.timestamp(), 0)
                    .single()
                    .unwrap_or_default(),
                user,
                action,
                item_id,
                document: kind,
                change: c.hash().to_string(),
                author: crate::model::Author::Unsigned,
            }
        })
        .collect()
}

/// Orders changes so that each follows the changes it depends on, and changes made
/// concurrently by their time, then hash: every device holding the same changes lists them in
/// the same order (automerge's own order depends on which device applied what first).
fn causal_order(changes: Vec<Change>) -> Vec<Change> {
    let index: HashMap<ChangeHash, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.hash(), i))
        .collect();
    let mut waiting = vec![0usize; changes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, c) in changes.iter().enumerate() {
        for dep in c.deps() {
            if let Some(&d) = index.get(dep) {
                waiting[i] += 1;
                dependents[d].push(i);
            }
        }
    }
    let key = |i: usize| Reverse((changes[i].timestamp(), changes[i].hash(), i));
    let mut ready: BinaryHeap<_> = (0..changes.len())
        .filter(|&i| waiting[i] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(changes.len());
    while let Some(Reverse((_, _, i))) = ready.pop() {
        order.push(i);
        for &next in &dependents[i] {
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push(key(next));
            }
        }
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn message_round_trips_without_content() {
        let id = Id::new();
        let m = message("sam", "goal.progress", Some(id));
        let parsed: Message = serde_json::from_str(&m).unwrap();
        assert_eq!(parsed.user, "sam");
        assert_eq!(parsed.action, "goal.progress");
        assert_eq!(parsed.item.as_deref(), Some(id.to_string().as_str()));
    }
}
