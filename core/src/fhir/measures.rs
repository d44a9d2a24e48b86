//! Outcome measures: QuestionnaireResponse for the raw answers, Observation for each score.

use serde_json::{json, Value};

use super::common::{
    code_extension, code_system, derived_id, display, instant, label, reference, SALT_OBSERVATION,
};
use super::questionnaire_url;
use crate::ids::Id;
use crate::measures::{Instrument, Score, ScoreOutcome};
use crate::model::MeasureResponse;

const UCUM: &str = "http://unitsofmeasure.org";

/// The QuestionnaireResponse of a response (not for PAM, which is never administered here):
/// `completed` when complete, `in-progress` when incomplete; answered items only.
pub(super) fn questionnaire_response(m: &MeasureResponse, patient: Id) -> Value {
    let complete = matches!(m.outcome, Some(ScoreOutcome::Scored(_)));
    let definition = m.instrument.definition();
    let mut concern_labels = m.concern_labels.iter();
    let items: Vec<Value> = definition
        .items
        .iter()
        .zip(&m.answers)
        .filter_map(|(item, answer)| {
            // MYCaW concerns are worded by the person: their labels follow the rated concerns.
            let own_words = (m.instrument == Instrument::Mycaw && item.id.starts_with("concern"))
                .then(|| answer.and(concern_labels.next()))
                .flatten();
            let value = (*answer)?;
            let text = match own_words {
                Some(words) => format!("{} ({words})", item.text),
                None => item.text.to_string(),
            };
            Some(json!({
                "linkId": item.id,
                "text": text,
                "answer": [{ "valueInteger": value }]
            }))
        })
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": m.id.to_string(),
        "extension": [
            code_extension("measure-timepoint", m.timepoint.code()),
            code_extension("administration-mode", m.mode.code()),
        ],
        "questionnaire": questionnaire_url(m.instrument, &m.version),
        "status": if complete { "completed" } else { "in-progress" },
        "subject": reference(patient),
        "authored": instant(m.recorded_at),
        "author": display(&m.recorded_by),
        "source": reference(patient),
        "item": items
    })
}

/// One score quantity: our code, its display, and the value element(s).
struct Quantity {
    code: String,
    display: String,
    value: Value,
    interpretation: Option<(String, String)>,
    component: Option<Value>,
    note: Option<String>,
}

fn integer(code: &str, display: &str, value: i64) -> Quantity {
    Quantity {
        code: code.into(),
        display: display.into(),
        value: json!({ "valueInteger": value }),
        interpretation: None,
        component: None,
        note: None,
    }
}

fn quantities(m: &MeasureResponse) -> Vec<Quantity> {
    if let Some(pam) = &m.pam {
        return vec![Quantity {
            code: "pam-score".into(),
            display: "PAM activation score".into(),
            value: json!({ "valueQuantity": {
                "value": pam.score, "unit": "score", "system": UCUM, "code": "{score}"
            }}),
            interpretation: None,
            component: Some(json!({
                "code": {
                    "coding": [{
                        "system": code_system("measure-score"),
                        "code": "pam-level",
                        "display": "PAM activation level"
                    }],
                    "text": "PAM activation level"
                },
                "valueInteger": pam.level
            })),
            note: Some(format!(
                "Scored by a licensed PAM scorer, version {}",
                pam.version
            )),
        }];
    }
    let Some(ScoreOutcome::Scored(score)) = &m.outcome else {
        return Vec::new();
    };
    match score {
        Score::Ons4 { items } => items
            .iter()
            .map(|i| Quantity {
                interpretation: Some((band_code(i.band).to_string(), band_label(i.band))),
                ..integer(
                    &format!("ons4-{}", i.item.code()),
                    &format!("ONS4 {}", label(i.item.code()).to_lowercase()),
                    i.value,
                )
            })
            .collect(),
        Score::Wemwbs { total } => vec![integer("wemwbs-total", "WEMWBS total score", *total)],
        Score::Swemwbs { raw, metric } => vec![Quantity {
            code: "swemwbs-metric".into(),
            display: "SWEMWBS metric score".into(),
            value: json!({ "valueQuantity": {
                "value": metric, "unit": "score", "system": UCUM, "code": "{score}"
            }}),
            interpretation: None,
            component: Some(json!({
                "code": {
                    "coding": [{
                        "system": code_system("measure-score"),
                        "code": "swemwbs-raw",
                        "display": "SWEMWBS raw sum"
                    }],
                    "text": "SWEMWBS raw sum"
                },
                "valueInteger": raw
            })),
            note: None,
        }],
        Score::Ucla3 { total } => vec![integer(
            "ucla3-total",
            "UCLA 3-item loneliness total",
            *total,
        )],
        Score::LonelinessDirect {
            answer,
            often_or_always,
        } => vec![Quantity {
            interpretation: often_or_always.then(|| {
                (
                    "often-or-always".to_string(),
                    "Often/always lonely".to_string(),
                )
            }),
            ..integer(
                "loneliness-direct-answer",
                "How often do you feel lonely? (1 never to 5 often/always)",
                *answer,
            )
        }],
        Score::Mycaw {
            concerns,
            wellbeing,
        } => {
            let mut out: Vec<Quantity> = concerns
                .iter()
                .enumerate()
                .map(|(i, value)| Quantity {
                    note: m.concern_labels.get(i).cloned(),
                    ..integer(
                        &format!("mycaw-concern-{}", i + 1),
                        &format!("MYCaW concern {}", i + 1),
                        *value,
                    )
                })
                .collect();
            out.push(integer("mycaw-wellbeing", "MYCaW wellbeing", *wellbeing));
            out
        }
    }
}

fn band_code(band: crate::measures::Ons4Band) -> &'static str {
    use crate::measures::Ons4Band::*;
    match band {
        VeryLow => "very-low",
        Low => "low",
        Medium => "medium",
        High => "high",
        VeryHigh => "very-high",
    }
}

fn band_label(band: crate::measures::Ons4Band) -> String {
    use crate::measures::Ons4Band::*;
    match band {
        VeryLow => "Very low",
        Low => "Low",
        Medium => "Medium",
        High => "High",
        VeryHigh => "Very high",
    }
    .to_string()
}

/// The score Observations of a complete response (none for an incomplete one), each derived
/// from the response's QuestionnaireResponse (PAM: no QuestionnaireResponse, so no
/// `derivedFrom`). Returns `(id, resource)` pairs.
pub(super) fn observations(m: &MeasureResponse, patient: Id) -> Vec<(Id, Value)> {
    let derived_from = (m.instrument != Instrument::Pam).then(|| reference(m.id));
    quantities(m)
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let id = derived_id(m.id, SALT_OBSERVATION + i as u64);
            let code = json!({
                "coding": [{
                    "system": code_system("measure-score"),
                    "code": q.code,
                    "display": q.display
                }],
                "text": q.display
            });
            let mut o = json!({
                "resourceType": "Observation",
                "id": id.to_string(),
                "extension": [code_extension("measure-timepoint", m.timepoint.code())],
                "status": "final",
                "category": [{
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                        "display": "Survey"
                    }]
                }],
                "code": code,
                "subject": reference(patient),
                "effectiveDateTime": instant(m.recorded_at),
                "performer": [display(&m.recorded_by)],
                "interpretation": [q.interpretation.map(|(code, text)| json!({
                    "coding": [{
                        "system": code_system("score-band"),
                        "code": code,
                        "display": text
                    }],
                    "text": text
                }))],
                "note": [q.note.map(|n| json!({ "text": n }))],
                "method": { "text": format!(
                    "{} version {}, {}",
                    m.instrument.definition().title,
                    m.version,
                    label(m.mode.code()).to_lowercase()
                )},
                "derivedFrom": [derived_from.clone()],
                "component": [q.component]
            });
            if let (Some(obj), Value::Object(value)) = (o.as_object_mut(), q.value) {
                obj.extend(value);
            }
            (id, o)
        })
        .collect()
}
