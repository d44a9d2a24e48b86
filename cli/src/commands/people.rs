//! People: creating a store, adding and listing people, demographics, episodes, contact
//! attempts, GP codes and history.

use linkwork_core::model::{
    CaseloadQuery, Code, ContactChannel, ContactOutcome, ContactPreference, DeclineReason,
    DemographicsUpdate, DischargeReason, EpisodeStatus, EpisodeTransition, NewContactAttempt,
    NewPerson, NewReferral, NewStore, RedirectReason, ReferralSource, Role, Urgency,
};
use linkwork_core::{Error, Store};
use serde_json::json;

use super::{clearable, clearable_date, code, date, id, opt_code, opt_date, require_change, Ctx};
use crate::args::{
    ConflictsArgs, ContactAddArgs, ContactCmd, EpisodeCmd, EpisodeTransitionArgs, HistoryArgs,
    InitArgs, PersonAddArgs, PersonArg, PersonCmd, PersonListArgs, PersonUpdateArgs, ReferralArgs,
};
use crate::error::{CliError, CliResult};
use crate::output;

/// `init`: creates a store owned by `--user`; prints the store id.
///
/// # Errors
/// Missing `--db` or `--user`; the core's create errors (e.g. a store already exists).
pub fn init(ctx: &Ctx, a: InitArgs) -> CliResult {
    let path = ctx.db_path()?;
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| CliError::Usage("init needs --user NAME (the store's owner)".into()))?;
    let role: Role = code("role", &a.role)?;
    let person = a.person.as_deref().map(|p| id("person", p)).transpose()?;
    let key = ctx.key()?;
    let store = match (&a.pairing, &a.code) {
        (Some(file), Some(code)) => {
            if role != Role::Patient {
                return Err(CliError::Usage("--pairing needs --role patient".into()));
            }
            let payload = super::identity::read_file(file, "read the pairing payload")?;
            Store::create_paired(path, &payload, code, &user, &key)?
        }
        _ => Store::create(path, NewStore { user, role, person }, &key)?,
    };
    ctx.out.created(store.info().store_id)
}

/// `info`: the store's identity.
///
/// # Errors
/// Opening the store.
pub fn info(ctx: &Ctx) -> CliResult {
    let store = ctx.store()?;
    ctx.out.show(store.info(), |i| {
        let mut s = format!("store {}\nuser  {}\nrole  {}\n", i.store_id, i.user, i.role);
        if let Some(p) = i.person {
            s.push_str(&format!("person {p}\n"));
        }
        s
    })
}

/// `person ...` commands.
///
/// # Errors
/// Bad input, unknown ids, or the core's refusals.
pub fn person(ctx: &Ctx, cmd: PersonCmd) -> CliResult {
    match cmd {
        PersonCmd::Add(a) => person_add(ctx, a),
        PersonCmd::List(a) => person_list(ctx, a),
        PersonCmd::Show(a) => person_show(ctx, a),
        PersonCmd::Update(a) => person_update(ctx, a),
        PersonCmd::Reporting(a) => super::period::person_reporting(ctx, a),
        PersonCmd::Erase(a) => {
            let person = id("person", &a.person)?;
            ctx.store()?.erase_person(person)?;
            ctx.out.done(None, json!({}))
        }
    }
}

/// Builds a referral from its options.
fn referral(a: ReferralArgs) -> CliResult<NewReferral> {
    Ok(NewReferral {
        source: opt_code::<ReferralSource>("source", a.source.as_deref())?,
        referrer: a.referrer,
        reasons: a.reasons,
        received: opt_date("received", a.received.as_deref())?,
        urgency: a.urgent.then_some(Urgency::Urgent),
        consent_to_contact: a.consent_to_contact,
    })
}

/// `person add`.
fn person_add(ctx: &Ctx, a: PersonAddArgs) -> CliResult {
    let store = ctx.store()?;
    let new = NewPerson {
        given_name: a.given,
        family_name: a.family,
        date_of_birth: Some(date("date_of_birth", &a.dob)?),
        nhs_number: a.nhs_number,
        address: a.address,
        phone: a.phone,
        email: a.email,
        preferred_contact: opt_code::<ContactPreference>(
            "preferred_contact",
            a.preferred_contact.as_deref(),
        )?,
        communication_needs: a.communication_needs,
        referral: referral(a.referral)?,
    };
    let person = store.add_person(new)?;
    ctx.out.created(person)
}

/// `person list`.
fn person_list(ctx: &Ctx, a: PersonListArgs) -> CliResult {
    let store = ctx.store()?;
    let query = CaseloadQuery {
        text: a.search,
        status: opt_code::<EpisodeStatus>("status", a.status.as_deref())?,
        limit: None,
    };
    if let Some(page) = super::state::page_request(&a.page) {
        let page = store.caseload_page(&query, &page)?;
        return super::state::show_page(ctx, &page, output::caseload);
    }
    let rows = store.caseload(&query)?;
    ctx.out.show(&rows, |r| output::caseload(r))
}

/// `person show`.
fn person_show(ctx: &Ctx, a: PersonArg) -> CliResult {
    let person = id("person", &a.person)?;
    let store = ctx.store()?;
    let record = store.person(person)?;
    ctx.out.show(&record, output::person)
}

/// `person update`.
fn person_update(ctx: &Ctx, a: PersonUpdateArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let preferred_contact = match clearable(a.preferred_contact) {
        None => None,
        Some(None) => Some(None),
        Some(Some(c)) => Some(Some(code::<ContactPreference>("preferred_contact", &c)?)),
    };
    let update = DemographicsUpdate {
        given_name: a.given,
        family_name: a.family,
        date_of_birth: clearable_date("date_of_birth", a.dob.as_deref())?,
        nhs_number: clearable(a.nhs_number),
        address: clearable(a.address),
        phone: clearable(a.phone),
        email: clearable(a.email),
        preferred_contact,
        communication_needs: clearable(a.communication_needs),
        gp_codes_only: a.codes_only,
    };
    require_change(
        "update",
        update.given_name.is_some()
            || update.family_name.is_some()
            || update.date_of_birth.is_some()
            || update.nhs_number.is_some()
            || update.address.is_some()
            || update.phone.is_some()
            || update.email.is_some()
            || update.preferred_contact.is_some()
            || update.communication_needs.is_some()
            || update.gp_codes_only.is_some(),
    )?;
    let store = ctx.store()?;
    store.update_demographics(person, update)?;
    ctx.out.done(None, json!({}))
}

/// `episode ...` commands.
///
/// # Errors
/// Bad input, unknown ids, illegal transitions.
pub fn episode(ctx: &Ctx, cmd: EpisodeCmd) -> CliResult {
    match cmd {
        EpisodeCmd::Transition(a) => episode_transition(ctx, a),
        EpisodeCmd::Open(a) => {
            let person = id("person", &a.person)?;
            let referral = referral(a.referral)?;
            let store = ctx.store()?;
            let episode = store.open_episode(person, referral)?;
            ctx.out.created(episode)
        }
    }
}

/// Builds the core transition: for a discharge `--reason` is a [`DischargeReason`] code and
/// `--note` free text; for a decline or redirect a `--reason` that is a [`DeclineReason`] or
/// [`RedirectReason`] code is recorded as the coded reason (anything else stays free text);
/// otherwise both are free text. `--consent-to-contact` records, with an acceptance, that the
/// person consents to be contacted.
///
/// # Errors
/// An unknown state, or a discharge without a valid reason code.
pub fn transition_from_args(a: &EpisodeTransitionArgs) -> CliResult<EpisodeTransition> {
    let to: EpisodeStatus = code("to", &a.to)?;
    if to == EpisodeStatus::Discharged {
        let reason = a.reason.as_deref().ok_or_else(|| {
            let codes: Vec<&str> = DischargeReason::ALL.iter().map(|d| d.code()).collect();
            Error::invalid(
                "reason",
                format!(
                    "a discharge needs --reason with one of {}",
                    codes.join(", ")
                ),
            )
        })?;
        Ok(EpisodeTransition {
            to,
            discharge_reason: Some(code::<DischargeReason>("reason", reason)?),
            decline_reason: None,
            redirect_reason: None,
            consent_to_contact: None,
            reason: a.note.clone(),
        })
    } else {
        let coded = |text: &str| match to {
            EpisodeStatus::Declined => DeclineReason::from_code(text).map(|c| (Some(c), None)),
            EpisodeStatus::Redirected => RedirectReason::from_code(text).map(|c| (None, Some(c))),
            _ => None,
        };
        if let Some((decline_reason, redirect_reason)) = a.reason.as_deref().and_then(coded) {
            return Ok(EpisodeTransition {
                to,
                discharge_reason: None,
                decline_reason,
                redirect_reason,
                consent_to_contact: a.consent_to_contact,
                reason: a.note.clone(),
            });
        }
        let reason = match (&a.reason, &a.note) {
            (Some(r), Some(n)) => Some(format!("{r} - {n}")),
            (r, n) => r.clone().or_else(|| n.clone()),
        };
        Ok(EpisodeTransition {
            to,
            discharge_reason: None,
            decline_reason: None,
            redirect_reason: None,
            consent_to_contact: a.consent_to_contact,
            reason,
        })
    }
}

/// `episode transition`: prints the new state.
fn episode_transition(ctx: &Ctx, a: EpisodeTransitionArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let transition = transition_from_args(&a)?;
    let store = ctx.store()?;
    let status = store.transition_episode(person, transition)?;
    ctx.out
        .done(Some(status.to_string()), json!({ "status": status }))
}

/// `contact add`.
///
/// # Errors
/// Bad input, unknown person.
pub fn contact(ctx: &Ctx, cmd: ContactCmd) -> CliResult {
    match cmd {
        ContactCmd::Add(ContactAddArgs {
            person,
            channel,
            outcome,
            note,
        }) => {
            let person = id("person", &person)?;
            let attempt = NewContactAttempt {
                at: None,
                channel: code::<ContactChannel>("channel", &channel)?,
                outcome: code::<ContactOutcome>("outcome", &outcome)?,
                note,
            };
            let store = ctx.store()?;
            let contact = store.record_contact_attempt(person, attempt)?;
            ctx.out.created(contact)
        }
    }
}

/// `history PERSON`.
///
/// # Errors
/// Unknown person.
pub fn history(ctx: &Ctx, a: HistoryArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let store = ctx.store()?;
    if let Some(page) = super::state::page_request(&a.page) {
        let page = store.history_page(person, &page)?;
        return super::state::show_page(ctx, &page, output::history);
    }
    let entries = store.history(person)?;
    ctx.out.show(&entries, |e| output::history(e))
}

/// `conflicts PERSON`: fields set concurrently on two devices.
///
/// # Errors
/// Unknown person; another person on a patient store.
pub fn conflicts(ctx: &Ctx, a: ConflictsArgs) -> CliResult {
    let Some(person) = a.person else {
        return super::state::conflicted_people(ctx);
    };
    let person = id("person", &person)?;
    let record = ctx.store()?.person(person)?;
    ctx.out.show(&record.conflicts, |_| {
        if record.conflicts.is_empty() {
            "no conflicts\n".into()
        } else {
            output::conflicts(&record)
        }
    })
}

/// `gp-codes PERSON`.
///
/// # Errors
/// Unknown person; a patient store.
pub fn gp_codes(ctx: &Ctx, a: PersonArg) -> CliResult {
    let person = id("person", &a.person)?;
    let store = ctx.store()?;
    let codes = store.gp_codes(person)?;
    ctx.out.show(&codes, |c| output::gp_codes(c))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn discharge_needs_a_reason_code() {
        let args = |reason: Option<&str>| EpisodeTransitionArgs {
            person: String::new(),
            to: "discharged".into(),
            reason: reason.map(String::from),
            note: None,
            consent_to_contact: None,
        };
        let missing = transition_from_args(&args(None)).unwrap_err().to_string();
        assert!(missing.contains("goals-met, disengaged"), "{missing}");
        let free_text = transition_from_args(&args(Some("felt better")))
            .unwrap_err()
            .to_string();
        assert!(
            free_text.contains("expected one of goals-met"),
            "{free_text}"
        );
        let ok = transition_from_args(&args(Some("goals-met"))).unwrap();
        assert_eq!(ok.discharge_reason, Some(DischargeReason::GoalsMet));
    }
}
