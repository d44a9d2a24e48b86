//! The case document (link-worker only): consultations, consent, onward referrals, flags and
//! case notes.

use std::fmt::Write as _;

use linkwork_core::model::{
    Capacity, ConsentDecision, ConsentMethod, ConsultationMode, FlagKind, NewConsent,
    NewConsultation, NewOnwardReferral, OnwardStatus, Proxy,
};
use serde_json::json;

use super::{code, id, number, opt_code, opt_date, Ctx};
use crate::args::{
    ConsentCmd, ConsentRecordArgs, ConsultationAddArgs, ConsultationCmd, FlagCmd, NoteCmd,
    OnwardCmd,
};
use crate::error::CliResult;
use crate::output;

/// `consultation ...` commands.
///
/// # Errors
/// Bad input, unknown ids, a closed episode, check-in/out out of order.
pub fn consultation(ctx: &Ctx, cmd: ConsultationCmd) -> CliResult {
    match cmd {
        ConsultationCmd::Add(a) => consultation_add(ctx, a),
        ConsultationCmd::CheckIn(a) => {
            let c = id("consultation", &a.id)?;
            ctx.store()?.check_in(c)?;
            ctx.out.done(None, json!({}))
        }
        ConsultationCmd::CheckOut(a) => {
            let c = id("consultation", &a.id)?;
            ctx.store()?.check_out(c)?;
            ctx.out.done(None, json!({}))
        }
        ConsultationCmd::Notes(a) => {
            let c = id("consultation", &a.id)?;
            ctx.store()?.set_consultation_notes(c, &a.text)?;
            ctx.out.done(None, json!({}))
        }
    }
}

/// `consultation add`.
fn consultation_add(ctx: &Ctx, a: ConsultationAddArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let new = NewConsultation {
        mode: code::<ConsultationMode>("mode", &a.mode)?,
        start: None,
        duration_minutes: a
            .duration
            .as_deref()
            .map(|d| number::<i32>("duration_minutes", d, "must be between 1 and 1440"))
            .transpose()?,
        attendees: a.attendees,
        notes: a.notes,
    };
    let store = ctx.store()?;
    let consultation = store.add_consultation(person, new)?;
    ctx.out.created(consultation)
}

/// `consent record`.
///
/// # Errors
/// Bad input (including an incomplete proxy), unknown person.
pub fn consent(ctx: &Ctx, cmd: ConsentCmd) -> CliResult {
    match cmd {
        ConsentCmd::Record(a) => consent_record(ctx, a),
    }
}

/// `consent record`.
fn consent_record(ctx: &Ctx, a: ConsentRecordArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let proxy = match (a.proxy_name, a.proxy_relationship) {
        (None, None) => None,
        // The core refuses an empty half, naming the missing field.
        (name, relationship) => Some(Proxy {
            name: name.unwrap_or_default(),
            relationship: relationship.unwrap_or_default(),
        }),
    };
    let new = NewConsent {
        purpose: a.purpose,
        recipient: a.recipient_name,
        recipient_org: Some(a.recipient_org),
        decision: if a.withdrawn {
            ConsentDecision::Withdrawn
        } else {
            ConsentDecision::Given
        },
        method: code::<ConsentMethod>("method", &a.method)?,
        capacity: opt_code::<Capacity>("capacity", a.capacity.as_deref())?,
        proxy,
        expires: opt_date("expires", a.expires.as_deref())?,
    };
    let store = ctx.store()?;
    let record = store.record_consent(person, new)?;
    ctx.out.created(record)
}

/// `onward add|transition|list`.
///
/// # Errors
/// Bad input, unknown ids, illegal transitions.
pub fn onward(ctx: &Ctx, cmd: OnwardCmd) -> CliResult {
    match cmd {
        OnwardCmd::Add(a) => {
            let person = id("person", &a.person)?;
            let store = ctx.store()?;
            let referral = match (a.service_id, a.service) {
                (Some(sid), _) => {
                    store.add_onward_referral_to_service(person, &sid, a.need.as_deref())?
                }
                (None, service) => store.add_onward_referral(
                    person,
                    NewOnwardReferral {
                        service: service.unwrap_or_default(),
                        organisation: a.organisation,
                        need: a.need,
                    },
                )?,
            };
            ctx.out.created(referral)
        }
        OnwardCmd::Transition(a) => {
            let referral = id("onward-referral", &a.id)?;
            let to = code::<OnwardStatus>("to", &a.to)?;
            ctx.store()?
                .transition_onward_referral(referral, to, a.note.as_deref())?;
            ctx.out.done(Some(to.to_string()), json!({ "status": to }))
        }
        OnwardCmd::ResponseDays(a) => super::period::response_days(ctx, a),
        OnwardCmd::List => {
            let open = ctx.store()?.open_onward_referrals()?;
            ctx.out.show(&open, |o| output::open_onward(o))
        }
        OnwardCmd::Message(a) => {
            let referral = id("onward-referral", &a.id)?;
            let message = ctx.store()?.onward_message(referral)?;
            ctx.out.show(&message, |m| {
                let mut text = format!("Referral to {}", m.service);
                if let Some(org) = &m.organisation {
                    let _ = write!(text, " ({org})");
                }
                text.push('\n');
                if let (Some(given), Some(family)) = (&m.given_name, &m.family_name) {
                    let _ = writeln!(text, "Person: {given} {family}");
                }
                if let Some(phone) = &m.phone {
                    let _ = writeln!(text, "Phone: {phone}");
                }
                if !m.withheld.is_empty() {
                    text.push_str("Withheld:\n");
                    for w in &m.withheld {
                        let _ = writeln!(text, "  {w}");
                    }
                }
                text
            })
        }
    }
}

/// `flag raise|resolve`.
///
/// # Errors
/// Bad input, unknown ids, a flag already resolved.
pub fn flag(ctx: &Ctx, cmd: FlagCmd) -> CliResult {
    match cmd {
        FlagCmd::Raise(a) => {
            let person = id("person", &a.person)?;
            let kind = code::<FlagKind>("kind", &a.kind)?;
            let flag = ctx.store()?.raise_flag(person, kind, &a.text)?;
            ctx.out.created(flag)
        }
        FlagCmd::Resolve(a) => {
            let flag = id("flag", &a.id)?;
            ctx.store()?.resolve_flag(flag)?;
            ctx.out.done(None, json!({}))
        }
    }
}

/// `note add|edit`.
///
/// # Errors
/// Empty text, unknown ids.
pub fn note(ctx: &Ctx, cmd: NoteCmd) -> CliResult {
    match cmd {
        NoteCmd::Add(a) => {
            let person = id("person", &a.person)?;
            let note = ctx.store()?.add_case_note(person, &a.text)?;
            ctx.out.created(note)
        }
        NoteCmd::Edit(a) => {
            let note = id("case-note", &a.id)?;
            ctx.store()?.edit_case_note(note, &a.text)?;
            ctx.out.done(None, json!({}))
        }
    }
}
