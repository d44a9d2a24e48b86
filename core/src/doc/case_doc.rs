//! The case document: demographics, episodes, contacts, consent, consultations, onward
//! referrals, flags and notes. Link-worker only; never sent to a patient's device.

use automerge::transaction::Transactable;
use automerge::{ObjId, ReadDoc, ROOT};
use chrono::{DateTime, Utc};

use super::keys::*;
use super::read::{hide_newer, read_items, refuse_newer, Reader};
use super::write::*;
use super::Actor;
use crate::error::{Error, Result};
use crate::ids::Id;
use crate::model::*;

/// Writes a new case document: skeleton, demographics and the first episode.
pub(crate) fn init<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    person: Id,
    d: &Demographics,
    episode: Id,
    referral: &NewReferral,
) -> Result<()> {
    put_str(tx, &ROOT, SCHEMA, CASE_SCHEMA)?;
    tx.put(&ROOT, VERSION, SCHEMA_VERSION)?;
    put_str(tx, &ROOT, PERSON, &person.to_string())?;
    let demo = new_map(tx, &ROOT, DEMOGRAPHICS)?;
    for c in CASE_COLLECTIONS {
        new_map(tx, &ROOT, c)?;
    }
    put_str(tx, &demo, "given_name", &d.given_name)?;
    put_str(tx, &demo, "family_name", &d.family_name)?;
    put_opt_date(tx, &demo, "date_of_birth", d.date_of_birth)?;
    put_opt_str(
        tx,
        &demo,
        "nhs_number",
        d.nhs_number.as_ref().map(NhsNumber::as_str),
    )?;
    put_opt_str(tx, &demo, "address", d.address.as_deref())?;
    put_opt_str(tx, &demo, "phone", d.phone.as_deref())?;
    put_opt_str(tx, &demo, "email", d.email.as_deref())?;
    put_opt_str(
        tx,
        &demo,
        "preferred_contact",
        d.preferred_contact.map(|c| c.code()),
    )?;
    put_opt_str(
        tx,
        &demo,
        "communication_needs",
        d.communication_needs.as_deref(),
    )?;
    put_bool(tx, &demo, "gp_codes_only", d.gp_codes_only)?;
    open_episode(tx, a, episode, referral)
}

fn demographics<T: Transactable>(tx: &T) -> Result<ObjId> {
    Reader::new(tx)
        .map(&ROOT, DEMOGRAPHICS)
        .ok_or_else(|| Error::schema("missing demographics"))
}

/// Applies a demographics update (values already validated).
pub(crate) fn update_demographics<T: Transactable>(
    tx: &mut T,
    u: &DemographicsUpdate,
    nhs: Option<Option<NhsNumber>>,
) -> Result<()> {
    let d = demographics(tx)?;
    if let Some(v) = &u.given_name {
        put_str(tx, &d, "given_name", v)?;
    }
    if let Some(v) = &u.family_name {
        put_str(tx, &d, "family_name", v)?;
    }
    if let Some(v) = u.date_of_birth {
        put_opt_date(tx, &d, "date_of_birth", v)?;
    }
    if let Some(v) = &nhs {
        put_opt_str(tx, &d, "nhs_number", v.as_ref().map(NhsNumber::as_str))?;
    }
    for (key, value) in [
        ("address", &u.address),
        ("phone", &u.phone),
        ("email", &u.email),
        ("communication_needs", &u.communication_needs),
    ] {
        if let Some(v) = value {
            put_opt_str(tx, &d, key, v.as_deref())?;
        }
    }
    if let Some(v) = u.preferred_contact {
        put_opt_str(tx, &d, "preferred_contact", v.map(|c| c.code()))?;
    }
    if let Some(v) = u.gp_codes_only {
        put_bool(tx, &d, "gp_codes_only", v)?;
    }
    Ok(())
}

/// Replaces the reporting fields (values already validated): set ones are put, absent ones
/// deleted. Raises the schema version to 3 when any is set.
pub(crate) fn set_reporting<T: Transactable>(tx: &mut T, f: &ReportingFields) -> Result<()> {
    let d = demographics(tx)?;
    put_opt_str(tx, &d, "sex", f.sex.map(|s| s.code()))?;
    put_opt_str(tx, &d, "ethnicity", f.ethnicity.map(|e| e.code()))?;
    put_opt_str(tx, &d, "gp_practice", f.gp_practice.as_deref())?;
    put_opt_str(tx, &d, "pcn", f.pcn.as_deref())?;
    if *f != ReportingFields::default() {
        raise_schema_version(tx)?;
    }
    Ok(())
}

/// Opens a new episode for a referral (already validated).
pub(crate) fn open_episode<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    r: &NewReferral,
) -> Result<()> {
    let e = new_item(tx, EPISODES, &id.to_string())?;
    put_opt_str(tx, &e, "source", r.source.map(|s| s.code()))?;
    put_opt_str(tx, &e, "referrer", r.referrer.as_deref())?;
    put_str_list(tx, &e, "reasons", &r.reasons)?;
    put_str(
        tx,
        &e,
        "urgency",
        r.urgency.unwrap_or(Urgency::Routine).code(),
    )?;
    if let Some(c) = r.consent_to_contact {
        put_bool(tx, &e, "consent_to_contact", c)?;
    }
    put_opt_date(
        tx,
        &e,
        "received",
        Some(r.received.unwrap_or_else(|| a.now.date_naive())),
    )?;
    put_str(tx, &e, "status", EpisodeStatus::Referred.code())?;
    put_time(tx, &e, "opened_at", a.now)?;
    new_map(tx, &e, HISTORY)?;
    Ok(())
}

/// The current episode: the one opened last (ties broken by id).
pub(crate) fn current_episode<D: ReadDoc>(doc: &D) -> Result<(Id, ObjId)> {
    let r = Reader::new(doc);
    let mut best: Option<(DateTime<Utc>, Id, ObjId)> = None;
    for (k, o) in r.items(&ROOT, EPISODES) {
        let id = Id::parse("episode", &k).map_err(|_| Error::schema("episode key is not an id"))?;
        let opened = r.req_time(&o, "opened_at")?;
        if best
            .as_ref()
            .is_none_or(|(t, i, _)| (opened, id) > (*t, *i))
        {
            best = Some((opened, id, o));
        }
    }
    let (id, o) = best
        .map(|(_, id, o)| (id, o))
        .ok_or_else(|| Error::not_found("episode", "current"))?;
    // An action on the current episode is refused when a newer version wrote it with a code
    // this build does not know: the app cannot show its state.
    let key = id.to_string();
    refuse_newer(
        read_episode(&r, &key, &o, &[], &mut Vec::new()),
        "episode",
        &key,
    )?;
    Ok((id, o))
}

/// Moves the current episode to a new state, recording the transition and, on acceptance or
/// decline, the SNOMED CT code (once per episode). Returns `(episode, from)`.
pub(crate) fn transition_episode<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    change_id: Id,
    t: &EpisodeTransition,
) -> Result<(Id, EpisodeStatus)> {
    let (episode, e) = current_episode(tx)?;
    let r = Reader::new(tx);
    let from: EpisodeStatus = r.code(&e, "status")?;
    let ever_accepted = r.time(&e, "accepted_at").is_some();
    let kind = check_transition(from, t.to, ever_accepted)?;
    if t.to == EpisodeStatus::Discharged && t.discharge_reason.is_none() {
        return Err(Error::invalid(
            "discharge_reason",
            "is required to discharge",
        ));
    }
    if t.to != EpisodeStatus::Discharged && t.discharge_reason.is_some() {
        return Err(Error::invalid(
            "discharge_reason",
            "only applies to discharge",
        ));
    }
    if t.to != EpisodeStatus::Declined && t.decline_reason.is_some() {
        return Err(Error::invalid(
            "decline_reason",
            "only applies to a decline",
        ));
    }
    if t.to != EpisodeStatus::Redirected && t.redirect_reason.is_some() {
        return Err(Error::invalid(
            "redirect_reason",
            "only applies to a redirect",
        ));
    }
    let recorded_consent = r.bool(&e, "consent_to_contact");
    let write_consent = match (t.to, t.consent_to_contact) {
        (EpisodeStatus::Accepted, given) => {
            let missing = !ever_accepted && given.is_none() && recorded_consent != Some(true);
            if given == Some(false) || missing {
                return Err(Error::invalid(
                    "consent_to_contact",
                    "must be recorded as given before the episode is accepted",
                ));
            }
            given.filter(|_| recorded_consent != Some(true))
        }
        (_, Some(_)) => {
            return Err(Error::invalid(
                "consent_to_contact",
                "is recorded with an acceptance only",
            ))
        }
        (_, None) => None,
    };
    if t.to == EpisodeStatus::UnableToContact {
        let attempted = r
            .items(&ROOT, CONTACT_ATTEMPTS)
            .iter()
            .any(|(_, c)| r.str(c, "episode_id").as_deref() == Some(&episode.to_string()));
        if !attempted {
            return Err(Error::invalid(
                "status",
                "unable-to-contact needs at least one contact attempt in this episode",
            ));
        }
    }
    if let Some(given) = write_consent {
        put_bool(tx, &e, "consent_to_contact", given)?;
    }
    put_str(tx, &e, "status", t.to.code())?;
    put_opt_str(tx, &e, "status_reason", t.reason.as_deref())?;
    put_opt_str(
        tx,
        &e,
        "discharge_reason",
        t.discharge_reason.map(|d| d.code()),
    )?;
    put_opt_str(tx, &e, "decline_reason", t.decline_reason.map(|d| d.code()))?;
    put_opt_str(
        tx,
        &e,
        "redirect_reason",
        t.redirect_reason.map(|d| d.code()),
    )?;
    if t.decline_reason.is_some() || t.redirect_reason.is_some() {
        raise_schema_version(tx)?;
    }
    let history = Reader::new(tx)
        .map(&e, HISTORY)
        .ok_or_else(|| Error::schema("episode without history"))?;
    let h = new_map(tx, &history, &change_id.to_string())?;
    put_str(tx, &h, "from", from.code())?;
    put_str(tx, &h, "to", t.to.code())?;
    put_opt_str(tx, &h, "reason", t.reason.as_deref())?;
    put_str(tx, &h, "by", &a.user)?;
    put_time(tx, &h, "at", a.now)?;
    put_bool(tx, &h, "reopened", kind == TransitionKind::Reopen)?;
    match t.to {
        EpisodeStatus::Accepted => {
            if !ever_accepted {
                put_time(tx, &e, "accepted_at", a.now)?;
            }
            record_code(
                tx,
                a,
                episode,
                "accepted",
                crate::model::REFERRAL_TO_SOCIAL_PRESCRIBING,
                REFERRAL_TO_SOCIAL_PRESCRIBING_DISPLAY,
            )?;
        }
        EpisodeStatus::Declined => {
            record_code(
                tx,
                a,
                episode,
                "declined",
                SOCIAL_PRESCRIBING_DECLINED,
                SOCIAL_PRESCRIBING_DECLINED_DISPLAY,
            )?;
        }
        _ => {}
    }
    Ok((episode, from))
}

/// Records a GP code under its per-episode key unless it is already there.
fn record_code<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    episode: Id,
    event: &str,
    code: &str,
    display: &str,
) -> Result<()> {
    let codes = collection(tx, GP_CODES)?;
    let key = event_key(episode, event);
    if Reader::new(tx).map(&codes, &key).is_some() {
        return Ok(());
    }
    let c = new_map(tx, &codes, &key)?;
    put_str(tx, &c, "code", code)?;
    put_str(tx, &c, "display", display)?;
    put_str(tx, &c, "episode_id", &episode.to_string())?;
    put_str(tx, &c, "recorded_by", &a.user)?;
    put_time(tx, &c, "recorded_at", a.now)?;
    Ok(())
}

/// Records a contact attempt against the current episode.
pub(crate) fn add_contact_attempt<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    c: &NewContactAttempt,
) -> Result<()> {
    let (episode, _) = current_episode(tx)?;
    let o = new_item(tx, CONTACT_ATTEMPTS, &id.to_string())?;
    put_str(tx, &o, "episode_id", &episode.to_string())?;
    put_time(tx, &o, "at", c.at.unwrap_or(a.now))?;
    put_str(tx, &o, "channel", c.channel.code())?;
    put_str(tx, &o, "outcome", c.outcome.code())?;
    put_opt_str(tx, &o, "note", c.note.as_deref())?;
    put_str(tx, &o, "by", &a.user)?;
    Ok(())
}

/// Adds a consent record, superseding the latest record for the same purpose and recipient.
pub(crate) fn add_consent<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    c: &NewConsent,
) -> Result<()> {
    // Every earlier record counts, also one this build cannot read (a newer version's code):
    // only the purpose, recipient, time and id are needed.
    let r = Reader::new(tx);
    let mut supersedes: Option<(DateTime<Utc>, Id)> = None;
    for (k, o) in r.items(&ROOT, CONSENTS) {
        let same = r
            .str(&o, "purpose")
            .is_some_and(|p| normalise(&p) == normalise(&c.purpose))
            && r.str(&o, "recipient").is_some_and(|name| {
                same_recipient(
                    r.str(&o, "recipient_org").as_deref(),
                    &name,
                    c.recipient_org.as_deref(),
                    &c.recipient,
                )
            });
        if let (true, Some(at), Ok(old)) = (same, r.time(&o, "recorded_at"), item_id(&k)) {
            if supersedes.is_none_or(|best| (at, old) > best) {
                supersedes = Some((at, old));
            }
        }
    }
    let supersedes = supersedes.map(|(_, id)| id);
    let o = new_item(tx, CONSENTS, &id.to_string())?;
    put_str(tx, &o, "purpose", &c.purpose)?;
    put_str(tx, &o, "recipient", &c.recipient)?;
    put_opt_str(tx, &o, "recipient_org", c.recipient_org.as_deref())?;
    raise_schema_version(tx)?;
    put_str(tx, &o, "decision", c.decision.code())?;
    put_str(tx, &o, "method", c.method.code())?;
    put_str(
        tx,
        &o,
        "capacity",
        c.capacity.unwrap_or(Capacity::NotAssessed).code(),
    )?;
    if let Some(p) = &c.proxy {
        let m = new_map(tx, &o, "proxy")?;
        put_str(tx, &m, "name", &p.name)?;
        put_str(tx, &m, "relationship", &p.relationship)?;
    }
    put_opt_date(tx, &o, "expires", c.expires)?;
    put_opt_str(
        tx,
        &o,
        "supersedes",
        supersedes.map(|s| s.to_string()).as_deref(),
    )?;
    put_str(tx, &o, "recorded_by", &a.user)?;
    put_time(tx, &o, "recorded_at", a.now)?;
    Ok(())
}

/// Adds a consultation to the current episode, which must be open.
pub(crate) fn add_consultation<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    c: &NewConsultation,
) -> Result<()> {
    let (episode, e) = current_episode(tx)?;
    let status: EpisodeStatus = Reader::new(tx).code(&e, "status")?;
    if !status.allows_consultations() {
        return Err(Error::IllegalTransition {
            machine: "episode",
            from: status.to_string(),
            to: "consultation".into(),
        });
    }
    let o = new_item(tx, CONSULTATIONS, &id.to_string())?;
    put_str(tx, &o, "episode_id", &episode.to_string())?;
    put_str(tx, &o, "mode", c.mode.code())?;
    put_time(tx, &o, "start", c.start.unwrap_or(a.now))?;
    if let Some(d) = c.duration_minutes {
        put_int(tx, &o, "duration_minutes", i64::from(d))?;
    }
    put_str_list(tx, &o, "attendees", &c.attendees)?;
    put_text(tx, &o, "notes", c.notes.as_deref().unwrap_or(""))?;
    put_str(tx, &o, "by", &a.user)?;
    Ok(())
}

/// The consultation `id`, refused with [`Error::NewerVersion`] when it carries a code this
/// build does not know.
fn readable_consultation<T: Transactable>(tx: &T, id: Id) -> Result<ObjId> {
    readable_item(
        tx,
        CONSULTATIONS,
        "consultation",
        "consultation",
        id,
        read_consultation,
    )
}

/// Lone-working check-in (`out == false`) or check-out of a home visit.
pub(crate) fn check_visit<T: Transactable>(tx: &mut T, a: &Actor, id: Id, out: bool) -> Result<()> {
    let o = readable_consultation(tx, id)?;
    let r = Reader::new(tx);
    let mode: ConsultationMode = r.code(&o, "mode")?;
    if mode != ConsultationMode::HomeVisit {
        return Err(Error::invalid(
            "consultation",
            "lone-working check-in applies to home visits only",
        ));
    }
    let checked_in = r.time(&o, "checked_in_at").is_some();
    let checked_out = r.time(&o, "checked_out_at").is_some();
    let (from, ok) = match (checked_in, checked_out) {
        (false, _) => ("not checked in", !out),
        (true, false) => ("checked in", out),
        (true, true) => ("checked out", false),
    };
    if !ok {
        return Err(Error::IllegalTransition {
            machine: "home visit",
            from: from.into(),
            to: if out { "checked out" } else { "checked in" }.into(),
        });
    }
    put_time(
        tx,
        &o,
        if out {
            "checked_out_at"
        } else {
            "checked_in_at"
        },
        a.now,
    )
}

/// Replaces a consultation's notes (merged character by character).
pub(crate) fn set_consultation_notes<T: Transactable>(
    tx: &mut T,
    id: Id,
    notes: &str,
) -> Result<()> {
    let o = readable_consultation(tx, id)?;
    put_text(tx, &o, "notes", notes)
}

/// Adds an onward referral in state `sent`; `service_id` is the directory service's id for a
/// referral to a directory service (raising the schema version to 3).
pub(crate) fn add_onward<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    n: &NewOnwardReferral,
    service_id: Option<&str>,
) -> Result<()> {
    let o = new_item(tx, ONWARD, &id.to_string())?;
    put_str(tx, &o, "service", &n.service)?;
    if let Some(sid) = service_id {
        put_str(tx, &o, "service_id", sid)?;
        raise_schema_version(tx)?;
    }
    put_opt_str(tx, &o, "organisation", n.organisation.as_deref())?;
    put_opt_str(tx, &o, "need", n.need.as_deref())?;
    put_str(tx, &o, "status", OnwardStatus::Sent.code())?;
    put_str(tx, &o, "by", &a.user)?;
    put_time(tx, &o, "sent_at", a.now)?;
    new_map(tx, &o, HISTORY)?;
    Ok(())
}

/// Moves an onward referral to a new state.
pub(crate) fn transition_onward<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    change_id: Id,
    to: OnwardStatus,
    note: Option<&str>,
) -> Result<()> {
    let o = readable_item(
        tx,
        ONWARD,
        "onward referral",
        "onward-referral",
        id,
        |r, k, o| read_onward(r, k, o, &mut Vec::new()),
    )?;
    let from: OnwardStatus = Reader::new(tx).code(&o, "status")?;
    check_onward_transition(from, to)?;
    put_str(tx, &o, "status", to.code())?;
    let history = Reader::new(tx)
        .map(&o, HISTORY)
        .ok_or_else(|| Error::schema("referral without history"))?;
    let h = new_map(tx, &history, &change_id.to_string())?;
    put_str(tx, &h, "from", from.code())?;
    put_str(tx, &h, "to", to.code())?;
    put_opt_str(tx, &h, "note", note)?;
    put_str(tx, &h, "by", &a.user)?;
    put_time(tx, &h, "at", a.now)?;
    Ok(())
}

/// Raises a flag.
pub(crate) fn raise_flag<T: Transactable>(
    tx: &mut T,
    a: &Actor,
    id: Id,
    kind: FlagKind,
    text: &str,
) -> Result<()> {
    let o = new_item(tx, FLAGS, &id.to_string())?;
    put_str(tx, &o, "kind", kind.code())?;
    put_text(tx, &o, "description", text)?;
    put_str(tx, &o, "raised_by", &a.user)?;
    put_time(tx, &o, "raised_at", a.now)?;
    Ok(())
}

/// Resolves a flag.
pub(crate) fn resolve_flag<T: Transactable>(tx: &mut T, a: &Actor, id: Id) -> Result<()> {
    let o = readable_item(tx, FLAGS, "flag", "flag", id, read_flag)?;
    if Reader::new(tx).time(&o, "resolved_at").is_some() {
        return Err(Error::IllegalTransition {
            machine: "flag",
            from: "resolved".into(),
            to: "resolved".into(),
        });
    }
    put_time(tx, &o, "resolved_at", a.now)?;
    put_str(tx, &o, "resolved_by", &a.user)
}

/// Adds a case note.
pub(crate) fn add_note<T: Transactable>(tx: &mut T, a: &Actor, id: Id, text: &str) -> Result<()> {
    let o = new_item(tx, NOTES, &id.to_string())?;
    put_text(tx, &o, "text", text)?;
    put_str(tx, &o, "by", &a.user)?;
    put_time(tx, &o, "at", a.now)?;
    Ok(())
}

/// Edits a case note's text.
pub(crate) fn edit_note<T: Transactable>(tx: &mut T, id: Id, text: &str) -> Result<()> {
    let o = existing_item(tx, NOTES, "case note", &id.to_string())?;
    put_text(tx, &o, "text", text)
}

fn item_id(key: &str) -> Result<Id> {
    Id::parse("id", key).map_err(|_| Error::schema("item key is not an id"))
}

fn sorted<T, K: Ord>(mut v: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    v.sort_by_key(|x| key(x));
    v
}

/// Reads the demographics only (for projections).
pub(crate) fn read_demographics<D: ReadDoc>(doc: &D) -> Result<Demographics> {
    let r = Reader::new(doc);
    let d = r
        .map(&ROOT, DEMOGRAPHICS)
        .ok_or_else(|| Error::schema("missing demographics"))?;
    Ok(Demographics {
        given_name: r.req_str(&d, "given_name")?,
        family_name: r.req_str(&d, "family_name")?,
        date_of_birth: r.date(&d, "date_of_birth")?,
        // Stored numbers were validated on entry; a damaged one is dropped, not trusted.
        nhs_number: r
            .str(&d, "nhs_number")
            .and_then(|n| NhsNumber::parse(&n).ok()),
        address: r.str(&d, "address"),
        phone: r.str(&d, "phone"),
        email: r.str(&d, "email"),
        // A preference only a newer version knows reads as not set; the document keeps it
        // until someone sets another.
        preferred_contact: r.opt_code(&d, "preferred_contact").ok().flatten(),
        communication_needs: r.str(&d, "communication_needs"),
        gp_codes_only: r.bool(&d, "gp_codes_only").unwrap_or(false),
        // A code only a newer version knows reads as not stated; the document keeps it.
        reporting: ReportingFields {
            sex: r.opt_code(&d, "sex").ok().flatten(),
            ethnicity: r.opt_code(&d, "ethnicity").ok().flatten(),
            gp_practice: r.str(&d, "gp_practice"),
            pcn: r.str(&d, "pcn"),
        },
    })
}

/// Reads the whole case. Items carrying a code this build does not know are left out and
/// listed in `newer_items`; the document keeps them untouched.
pub(crate) fn read<D: ReadDoc>(doc: &D) -> Result<CaseRecord> {
    let r = Reader::new(doc);
    let demographics = read_demographics(doc)?;
    let codes = read_codes(&r)?;
    let mut newer: Vec<NewerItem> = Vec::new();
    let episodes = read_episodes(&r, &codes, &mut newer)?;
    let contact_attempts = read_items(
        &r,
        &ROOT,
        CONTACT_ATTEMPTS,
        "contact-attempt",
        "at",
        &mut newer,
        |k, o| read_contact(&r, k, o),
    )?;
    let consents = read_consents(&r, &mut newer)?;
    let consultations = read_items(
        &r,
        &ROOT,
        CONSULTATIONS,
        "consultation",
        "start",
        &mut newer,
        |k, o| read_consultation(&r, k, o),
    )?;
    let mut onward = Vec::new();
    for (k, o) in r.items(&ROOT, ONWARD) {
        let mut history_newer = Vec::new();
        let read = read_onward(&r, &k, &o, &mut history_newer);
        let at = r.time(&o, "sent_at");
        if let Some(x) = hide_newer(&r, read, &mut newer, "onward-referral", &k, &o, at)? {
            onward.push(x);
            newer.append(&mut history_newer);
        }
    }
    let flags = read_items(&r, &ROOT, FLAGS, "flag", "raised_at", &mut newer, |k, o| {
        read_flag(&r, k, o)
    })?;
    let notes = r
        .items(&ROOT, NOTES)
        .into_iter()
        .map(|(k, o)| {
            Ok(CaseNote {
                id: item_id(&k)?,
                text: r.str(&o, "text").unwrap_or_default(),
                by: r.req_str(&o, "by")?,
                at: r.req_time(&o, "at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CaseRecord {
        demographics,
        episodes,
        contact_attempts: sorted(contact_attempts, |c| (c.at, c.id)),
        consents: sorted(consents, |c| (c.recorded_at, c.id)),
        consultations: sorted(consultations, |c| (c.start, c.id)),
        onward_referrals: sorted(onward, |o| (o.sent_at, o.id)),
        flags: sorted(flags, |f| (f.raised_at, f.id)),
        notes: sorted(notes, |n| (n.at, n.id)),
        newer_items: sorted(newer, |n| (n.at, n.id)),
    })
}

/// The episodes this build can read, oldest first (by `opened_at`, then id), and the items
/// hidden as newer among them (an episode, a status change), without the rest of the case:
/// enough for [`crate::model::scope::made_in_past_episode`]. The episodes carry no GP codes.
pub(crate) fn episodes<D: ReadDoc>(doc: &D) -> Result<(Vec<Episode>, Vec<NewerItem>)> {
    let mut newer = Vec::new();
    let episodes = read_episodes(&Reader::new(doc), &[], &mut newer)?;
    Ok((episodes, newer))
}

/// The readable episodes, oldest first, with their GP codes from `codes`; what is hidden as
/// newer is added to `newer`.
fn read_episodes<D: ReadDoc>(
    r: &Reader<'_, D>,
    codes: &[GpCode],
    newer: &mut Vec<NewerItem>,
) -> Result<Vec<Episode>> {
    let mut episodes = Vec::new();
    for (k, o) in r.items(&ROOT, EPISODES) {
        let mut history_newer = Vec::new();
        let read = read_episode(r, &k, &o, codes, &mut history_newer);
        let at = r.time(&o, "opened_at");
        if let Some(e) = hide_newer(r, read, newer, "episode", &k, &o, at)? {
            episodes.push(e);
            newer.append(&mut history_newer);
        }
    }
    Ok(sorted(episodes, |e| (e.opened_at, e.id)))
}

fn read_contact<D: ReadDoc>(r: &Reader<'_, D>, key: &str, o: &ObjId) -> Result<ContactAttempt> {
    Ok(ContactAttempt {
        id: item_id(key)?,
        episode_id: r.id(o, "episode_id")?,
        at: r.req_time(o, "at")?,
        channel: r.code(o, "channel")?,
        outcome: r.code(o, "outcome")?,
        note: r.str(o, "note"),
        by: r.req_str(o, "by")?,
    })
}

fn read_consultation<D: ReadDoc>(r: &Reader<'_, D>, key: &str, o: &ObjId) -> Result<Consultation> {
    Ok(Consultation {
        id: item_id(key)?,
        episode_id: r.id(o, "episode_id")?,
        mode: r.code(o, "mode")?,
        start: r.req_time(o, "start")?,
        duration_minutes: r
            .int(o, "duration_minutes")
            .and_then(|d| u32::try_from(d).ok())
            .and_then(|d| i32::try_from(d).ok()),
        attendees: r.str_list(o, "attendees"),
        notes: r.str(o, "notes").unwrap_or_default(),
        checked_in_at: r.time(o, "checked_in_at"),
        checked_out_at: r.time(o, "checked_out_at"),
        by: r.req_str(o, "by")?,
    })
}

fn read_flag<D: ReadDoc>(r: &Reader<'_, D>, key: &str, o: &ObjId) -> Result<Flag> {
    Ok(Flag {
        id: item_id(key)?,
        kind: r.code(o, "kind")?,
        description: r.req_str(o, "description")?,
        raised_by: r.req_str(o, "raised_by")?,
        raised_at: r.req_time(o, "raised_at")?,
        resolved_at: r.time(o, "resolved_at"),
        resolved_by: r.str(o, "resolved_by"),
    })
}

fn read_codes<D: ReadDoc>(r: &Reader<'_, D>) -> Result<Vec<GpCode>> {
    let mut codes = r
        .items(&ROOT, GP_CODES)
        .into_iter()
        .map(|(_, o)| {
            Ok(GpCode {
                code: r.req_str(&o, "code")?,
                display: r.req_str(&o, "display")?,
                episode_id: r.id(&o, "episode_id")?,
                recorded_at: r.req_time(&o, "recorded_at")?,
                recorded_by: r.req_str(&o, "recorded_by")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    codes.sort_by(|a, b| (a.recorded_at, &a.code).cmp(&(b.recorded_at, &b.code)));
    Ok(codes)
}

/// Reads an episode; history entries with a code this build does not know are left out and
/// added to `newer`.
fn read_episode<D: ReadDoc>(
    r: &Reader<'_, D>,
    key: &str,
    o: &ObjId,
    codes: &[GpCode],
    newer: &mut Vec<NewerItem>,
) -> Result<Episode> {
    let id = item_id(key)?;
    let history = read_items(r, o, HISTORY, "status-change", "at", newer, |k, h| {
        Ok(StatusChange {
            id: item_id(k)?,
            from: r.code(h, "from")?,
            to: r.code(h, "to")?,
            reason: r.str(h, "reason"),
            by: r.req_str(h, "by")?,
            at: r.req_time(h, "at")?,
            reopened: r.bool(h, "reopened").unwrap_or(false),
        })
    })?;
    Ok(Episode {
        id,
        source: r.opt_code(o, "source")?,
        referrer: r.str(o, "referrer"),
        reasons: r.str_list(o, "reasons"),
        urgency: r.opt_code(o, "urgency")?.unwrap_or(Urgency::Routine),
        consent_to_contact: r.bool(o, "consent_to_contact"),
        received: r
            .date(o, "received")?
            .ok_or_else(|| Error::schema("missing `received`"))?,
        status: r.code(o, "status")?,
        discharge_reason: r.opt_code(o, "discharge_reason")?,
        decline_reason: r.opt_code(o, "decline_reason")?,
        redirect_reason: r.opt_code(o, "redirect_reason")?,
        status_reason: r.str(o, "status_reason"),
        accepted_at: r.time(o, "accepted_at"),
        history: sorted(history, |h| (h.at, h.id)),
        gp_codes: codes
            .iter()
            .filter(|c| c.episode_id == id)
            .cloned()
            .collect(),
        opened_at: r.req_time(o, "opened_at")?,
    })
}

/// Reads an onward referral; history entries with a code this build does not know are left
/// out and added to `newer`.
fn read_onward<D: ReadDoc>(
    r: &Reader<'_, D>,
    key: &str,
    o: &ObjId,
    newer: &mut Vec<NewerItem>,
) -> Result<OnwardReferral> {
    let history = read_items(r, o, HISTORY, "onward-change", "at", newer, |k, h| {
        Ok(OnwardChange {
            id: item_id(k)?,
            from: r.code(h, "from")?,
            to: r.code(h, "to")?,
            note: r.str(h, "note"),
            by: r.req_str(h, "by")?,
            at: r.req_time(h, "at")?,
        })
    })?;
    Ok(OnwardReferral {
        id: item_id(key)?,
        service: r.req_str(o, "service")?,
        service_id: r.str(o, "service_id"),
        organisation: r.str(o, "organisation"),
        need: r.str(o, "need"),
        status: r.code(o, "status")?,
        history: sorted(history, |h| (h.at, h.id)),
        by: r.req_str(o, "by")?,
        sent_at: r.req_time(o, "sent_at")?,
        episode_id: None,
    })
}

/// Reads the consent records; a record with a code this build does not know is left out and
/// added to `newer`, still naming the record it supersedes.
fn read_consents<D: ReadDoc>(
    r: &Reader<'_, D>,
    newer: &mut Vec<NewerItem>,
) -> Result<Vec<ConsentRecord>> {
    let mut out = Vec::new();
    for (k, o) in r.items(&ROOT, CONSENTS) {
        let read = (|| {
            let proxy = r.map(&o, "proxy").and_then(|p| {
                Some(Proxy {
                    name: r.str(&p, "name")?,
                    relationship: r.str(&p, "relationship")?,
                })
            });
            Ok(ConsentRecord {
                id: item_id(&k)?,
                purpose: r.req_str(&o, "purpose")?,
                recipient: r.req_str(&o, "recipient")?,
                recipient_org: r.str(&o, "recipient_org"),
                decision: r.code(&o, "decision")?,
                method: r.code(&o, "method")?,
                capacity: r.opt_code(&o, "capacity")?.unwrap_or(Capacity::NotAssessed),
                proxy,
                expires: r.date(&o, "expires")?,
                supersedes: r.opt_id(&o, "supersedes")?,
                recorded_by: r.req_str(&o, "recorded_by")?,
                recorded_at: r.req_time(&o, "recorded_at")?,
            })
        })();
        let at = r.time(&o, "recorded_at");
        let before = newer.len();
        if let Some(c) = hide_newer(r, read, newer, "consent", &k, &o, at)? {
            out.push(c);
        } else if let Some(hidden) = newer.get_mut(before) {
            // It still supersedes the record it names (a malformed id is simply not one).
            hidden.supersedes = r.opt_id(&o, "supersedes").ok().flatten();
        }
    }
    Ok(out)
}
