//! What a patient's store may write into its plan, key by key (issue 13).
//!
//! `policy::check_patient_changes` compares the plan as the schema reads it before and after a
//! patient's changes, so it cannot see keys the schema does not read: 4 MiB under an unknown
//! key passed it and was relayed on. This check looks at the changes themselves: every key they
//! put, delete or insert under (automerge's diff between the heads before and after) must lie on
//! a path a patient's own actions write, and the new changes of one document in one message are
//! bounded in size ([`MAX_PATIENT_EDIT_BYTES`]), which also bounds values a patient could hide
//! in a conflict automerge does not show.

use automerge::{Automerge, ChangeHash, Patch, PatchAction, Prop};

use crate::doc::keys::{GOALS, MEASURES, PROGRESS, STEPS};
use crate::error::{Error, Result};

/// The most bytes of new changes one message may bring to a plan from a patient's store:
/// 64 KiB, many times a week of progress notes, ticks and questionnaires.
pub const MAX_PATIENT_EDIT_BYTES: usize = 64 * 1024;

const PROGRESS_KEYS: [&str; 4] = ["rating", "note", "recorded_by", "recorded_at"];
const STEP_KEYS: [&str; 2] = ["done_at", "done_by"];
const MEASURE_KEYS: [&str; 9] = [
    "instrument",
    "version",
    "answers",
    "concern_labels",
    "pam",
    "timepoint",
    "mode",
    "recorded_by",
    "recorded_at",
];
const PAM_KEYS: [&str; 3] = ["score", "level", "version"];
const MEASURE_LISTS: [&str; 2] = ["answers", "concern_labels"];

/// Refuses a patient's changes to a plan (`doc` holds them; `before` are the heads before)
/// that write anywhere a patient's actions do not, or that are larger than the bound.
///
/// # Errors
/// [`Error::NotPermitted`] naming the refusal (never the key or value).
pub(crate) fn check(doc: &Automerge, before: &[ChangeHash], new_bytes: usize) -> Result<()> {
    if new_bytes > MAX_PATIENT_EDIT_BYTES {
        return Err(Error::NotPermitted {
            action: "send a plan edit larger than the patient edit limit from a patient store",
        });
    }
    let after = doc.get_heads();
    for patch in doc.diff(before, &after) {
        if !allowed(&patch) {
            return Err(Error::NotPermitted {
                action: "write a key the share policy does not know from a patient store",
            });
        }
    }
    Ok(())
}

/// Refuses one change signed by a patient's device (ADR 0007) that writes anywhere a
/// patient's actions do not: the same key-by-key rules as [`check`], applied to what the change
/// alone did (automerge's diff from its dependencies to it), whichever device relays it.
///
/// # Errors
/// [`Error::NotPermitted`] naming the refusal (never the key or value).
pub(crate) fn check_change(doc: &Automerge, hash: ChangeHash, deps: &[ChangeHash]) -> Result<()> {
    for patch in doc.diff(deps, &[hash]) {
        if !allowed(&patch) {
            return Err(Error::NotPermitted {
                action: "write a link worker's field from a patient's device",
            });
        }
    }
    Ok(())
}

/// Whether one patch writes where a patient may.
fn allowed(patch: &Patch) -> bool {
    let path: Vec<Option<&str>> = patch
        .path
        .iter()
        .map(|(_, prop)| match prop {
            Prop::Map(k) => Some(k.as_str()),
            Prop::Seq(_) => None,
        })
        .collect();
    match &patch.action {
        PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
            map_key_allowed(&path, key)
        }
        // A value that lost to a concurrent one (both devices ticked the same step).
        PatchAction::Conflict {
            prop: Prop::Map(key),
        } => map_key_allowed(&path, key),
        PatchAction::Insert { .. } | PatchAction::PutSeq { .. } | PatchAction::DeleteSeq { .. } => {
            measure_list(&path)
        }
        _ => false,
    }
}

/// `path` is the path of the map; `key` the key written in it.
fn map_key_allowed(path: &[Option<&str>], key: &str) -> bool {
    match path {
        // A new progress entry, and its fields.
        [Some(GOALS), Some(_), Some(PROGRESS)] => true,
        [Some(GOALS), Some(_), Some(PROGRESS), Some(_)] => PROGRESS_KEYS.contains(&key),
        // Ticking or unticking a step.
        [Some(STEPS), Some(_)] => STEP_KEYS.contains(&key),
        // A new measure answer, and its fields.
        [Some(MEASURES)] => true,
        [Some(MEASURES), Some(_)] => MEASURE_KEYS.contains(&key),
        [Some(MEASURES), Some(_), Some("pam")] => PAM_KEYS.contains(&key),
        _ => false,
    }
}

/// Whether `path` is a measure answer's list (answers or concern labels).
fn measure_list(path: &[Option<&str>]) -> bool {
    matches!(path, [Some(MEASURES), Some(_), Some(list)] if MEASURE_LISTS.contains(list))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    fn plan() -> AutoCommit {
        let mut d = AutoCommit::new();
        let goals = d.put_object(ROOT, GOALS, ObjType::Map).unwrap();
        let g = d.put_object(&goals, "g1", ObjType::Map).unwrap();
        d.put_object(&g, PROGRESS, ObjType::Map).unwrap();
        d.put(&g, "text", "walk").unwrap();
        let steps = d.put_object(ROOT, STEPS, ObjType::Map).unwrap();
        d.put_object(&steps, "s1", ObjType::Map).unwrap();
        d.put_object(ROOT, MEASURES, ObjType::Map).unwrap();
        d.commit();
        d
    }

    fn edit(f: impl FnOnce(&mut AutoCommit)) -> Result<()> {
        let mut d = plan();
        let before = d.get_heads();
        f(&mut d);
        d.commit();
        let bytes = d.save_after(&before).len();
        check(d.document(), &before, bytes)
    }

    fn obj(d: &AutoCommit, path: &[&str]) -> automerge::ObjId {
        use automerge::ReadDoc;
        let mut o = ROOT;
        for k in path {
            o = d.get(&o, *k).unwrap().unwrap().1;
        }
        o
    }

    #[test]
    fn a_patients_own_actions_pass() {
        edit(|d| {
            let p = obj(d, &[GOALS, "g1", PROGRESS]);
            let e = d.put_object(&p, "e1", ObjType::Map).unwrap();
            d.put(&e, "rating", 5).unwrap();
            d.put(&e, "note", "better").unwrap();
            let s = obj(d, &[STEPS, "s1"]);
            d.put(&s, "done_at", 1).unwrap();
            let m = obj(d, &[MEASURES]);
            let item = d.put_object(&m, "m1", ObjType::Map).unwrap();
            d.put(&item, "instrument", "ons4").unwrap();
            let answers = d.put_object(&item, "answers", ObjType::List).unwrap();
            d.insert(&answers, 0, 7).unwrap();
            let pam = d.put_object(&item, "pam", ObjType::Map).unwrap();
            d.put(&pam, "score", 55.0).unwrap();
        })
        .unwrap();
    }

    #[test]
    fn unknown_keys_and_other_fields_are_refused() {
        let refused = |f: fn(&mut AutoCommit)| {
            assert!(matches!(edit(f), Err(Error::NotPermitted { .. })));
        };
        refused(|d| {
            d.put(ROOT, "anything", "x").unwrap();
        });
        refused(|d| {
            let g = obj(d, &[GOALS, "g1"]);
            d.put(&g, "text", "run").unwrap();
        });
        refused(|d| {
            let p = obj(d, &[GOALS, "g1", PROGRESS]);
            let e = d.put_object(&p, "e1", ObjType::Map).unwrap();
            d.put(&e, "payload", "x").unwrap();
        });
        refused(|d| {
            let s = obj(d, &[STEPS, "s1"]);
            d.put(&s, "text", "x").unwrap();
        });
    }

    /// Both devices tick the same step: whichever value wins (it depends on the actors), the
    /// patient's tick is allowed.
    #[test]
    fn a_concurrent_tick_passes_whether_it_wins_or_loses() {
        for (lw_actor, phone_actor) in [([1u8; 16], [2u8; 16]), ([2u8; 16], [1u8; 16])] {
            let mut lw = plan().with_actor(automerge::ActorId::from(lw_actor));
            let mut phone = lw.fork().with_actor(automerge::ActorId::from(phone_actor));
            let s = obj(&lw, &[STEPS, "s1"]);
            lw.put(&s, "done_at", 1).unwrap();
            lw.commit();
            phone.put(&s, "done_at", 2).unwrap();
            phone.commit();
            let before = lw.get_heads();
            lw.merge(&mut phone).unwrap();
            let bytes = lw.save_after(&before).len();
            check(lw.document(), &before, bytes).unwrap();
        }
    }

    #[test]
    fn edits_over_the_size_bound_are_refused() {
        let big = edit(|d| {
            let p = obj(d, &[GOALS, "g1", PROGRESS]);
            let e = d.put_object(&p, "e1", ObjType::Map).unwrap();
            let noise: String = (0..MAX_PATIENT_EDIT_BYTES * 2)
                .map(|i| char::from(b'a' + ((i * 7919) % 26) as u8))
                .collect();
            d.put(&e, "note", noise).unwrap();
        });
        assert!(matches!(big, Err(Error::NotPermitted { .. })), "{big:?}");
    }
}
