//! Who changed what, when: every commit carries a small JSON message naming the acting user,
//! the action code and the item touched (never any content), which history reads back.

use automerge::Automerge;
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
    doc.get_changes(&[])
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
            }
        })
        .collect()
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
