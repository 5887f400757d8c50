//! The questionnaire page shared by the referee (`/r/{token}`) and the provider's
//! self-assessment (`/s/{token}`): the same questions, grouped by dimension, with the same
//! save/resume, consent and error summary; only the wording around them differs.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use engine::EngineError;
use engine::questionnaire::{AnswerError, MAX_TEXT_CHARS, Question, QuestionKind};
use serde::Serialize;

use crate::AppState;
use crate::error::INVALID_INPUT;

/// Who answers, which decides the page's wording and its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Respondent {
    Referee,
    /// The provider rating itself.
    Provider,
    /// One of the buyer's own people, in a pulse of an engagement.
    Stakeholder,
}

impl Respondent {
    fn path(self) -> &'static str {
        match self {
            Respondent::Referee | Respondent::Stakeholder => "r",
            Respondent::Provider => "s",
        }
    }
}

/// What a questionnaire page shows, whoever answers it.
pub(super) struct Questionnaire<'a> {
    pub respondent: Respondent,
    pub provider_name: &'a str,
    pub requested_by: &'a str,
    /// The person addressed by name.
    pub addressee: &'a str,
    pub deadline: Option<DateTime<Utc>>,
    pub questions: &'a [Question],
    pub dimensions: &'a [(String, String)],
}

impl<'a> From<&'a engine::referee::RefereeForm> for Questionnaire<'a> {
    fn from(f: &'a engine::referee::RefereeForm) -> Self {
        Questionnaire {
            respondent: match f.kind {
                engine::domain::CaseKind::Review => Respondent::Referee,
                engine::domain::CaseKind::Pulse => Respondent::Stakeholder,
            },
            provider_name: &f.provider_name,
            requested_by: &f.requested_by,
            addressee: &f.referee_name,
            deadline: f.deadline,
            questions: &f.questions,
            dimensions: &f.dimensions,
        }
    }
}

impl<'a> From<&'a engine::self_assessment::SelfAssessmentForm> for Questionnaire<'a> {
    fn from(f: &'a engine::self_assessment::SelfAssessmentForm) -> Self {
        Questionnaire {
            respondent: Respondent::Provider,
            provider_name: &f.provider_name,
            requested_by: &f.requested_by,
            addressee: &f.contact_name,
            deadline: f.deadline,
            questions: &f.questions,
            dimensions: &f.dimensions,
        }
    }
}

/// A posted questionnaire: the answers (`q_<key>` fields), consent, and the button.
pub(super) struct Posted {
    pub answers: BTreeMap<String, String>,
    pub consent: bool,
    pub action: Action,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    Save,
    Submit,
}

impl Filled {
    /// The form as first shown: the saved draft, and whether it was just saved.
    pub fn draft(values: BTreeMap<String, String>, saved: bool) -> Self {
        Filled {
            values,
            saved,
            ..Default::default()
        }
    }

    /// A refused post: what was typed, and what is wrong with it.
    pub fn rejected(posted: Posted, errors: Vec<AnswerError>) -> Self {
        Filled {
            values: posted.answers,
            errors,
            consent: posted.consent,
            saved: false,
        }
    }
}

/// The answer to a posted questionnaire once the engine has `result`: the redirect after a
/// save or a submission, the form again with its problems and everything typed kept (the
/// form is only loaded then: the common, valid post never reads it), or the link's
/// problem page. `path` is the form's (`r` or `s`).
pub(super) async fn answer_post<F>(
    state: &AppState,
    path: &str,
    token: &str,
    posted: Posted,
    result: Result<(), EngineError>,
    form: impl AsyncFnOnce() -> Result<F, EngineError>,
) -> HttpResponse
where
    for<'a> Questionnaire<'a>: From<&'a F>,
{
    match result {
        Ok(()) => posted.action.redirect(path, token),
        Err(EngineError::InvalidAnswers { fields }) => match form().await {
            Ok(form) => {
                let filled = Filled::rejected(posted, fields);
                render(state, INVALID_INPUT, token, &(&form).into(), filled)
            }
            Err(e) => super::link_problem_page(state, e),
        },
        Err(e) => super::link_problem_page(state, e),
    }
}

impl Action {
    /// Where a successful post leads: back to the form, saved, or to the thank-you page.
    fn redirect(self, path: &str, token: &str) -> HttpResponse {
        let location = match self {
            Action::Save => format!("/{path}/{token}?saved=1"),
            Action::Submit => format!("/{path}/{token}/done"),
        };
        HttpResponse::SeeOther()
            .insert_header(("Location", location))
            .finish()
    }
}

impl Posted {
    /// The posted form, or what to tell the person when it cannot be read (not
    /// urlencoded, or no known button pressed).
    pub fn from_body(body: &[u8]) -> Result<Self, &'static str> {
        let fields = super::form_fields(body).map_err(|_| "Please go back and send it again.")?;
        Self::read(&fields)
            .ok_or("Please go back and use one of the buttons at the end of the form.")
    }

    /// `None` when no known button was pressed.
    fn read(fields: &BTreeMap<String, String>) -> Option<Self> {
        let action = match fields.get("action").map(String::as_str).unwrap_or("submit") {
            "save" => Action::Save,
            "submit" => Action::Submit,
            _ => return None,
        };
        Some(Posted {
            answers: fields
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("q_").map(|k| (k.to_owned(), v.clone())))
                .collect(),
            consent: fields.get("consent").is_some_and(|v| v == "on"),
            action,
        })
    }
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
    number: bool,
    class: &'static str,
}

const LIKERT: [Choice; 6] = [
    Choice {
        value: "1",
        label: "Strongly disagree",
        number: true,
        class: "",
    },
    Choice {
        value: "2",
        label: "Disagree",
        number: true,
        class: "",
    },
    Choice {
        value: "3",
        label: "Neutral",
        number: true,
        class: "",
    },
    Choice {
        value: "4",
        label: "Agree",
        number: true,
        class: "",
    },
    Choice {
        value: "5",
        label: "Strongly agree",
        number: true,
        class: "",
    },
    Choice {
        value: "na",
        label: "Not observed",
        number: false,
        class: "na",
    },
];

const YES_NO: [Choice; 3] = [
    Choice {
        value: "yes",
        label: "Yes",
        number: false,
        class: "",
    },
    Choice {
        value: "no",
        label: "No",
        number: false,
        class: "",
    },
    Choice {
        value: "unsure",
        label: "Not sure",
        number: false,
        class: "",
    },
];

#[derive(Serialize)]
struct QuestionView<'a> {
    key: &'a str,
    prompt: &'a str,
    kind: &'static str,
    required: bool,
    options: &'a [String],
}

#[derive(Serialize)]
struct Group<'a> {
    title: String,
    hint: Option<&'static str>,
    questions: Vec<QuestionView<'a>>,
}

#[derive(Serialize)]
struct SummaryError {
    anchor: String,
    label: String,
    message: String,
}

/// What the person typed (or had saved), and what is wrong with it.
#[derive(Default)]
pub(super) struct Filled {
    pub values: BTreeMap<String, String>,
    pub errors: Vec<AnswerError>,
    pub consent: bool,
    pub saved: bool,
}

/// The likert scale; "not observed" is "does not apply" when the provider rates itself.
fn likert_choices(respondent: Respondent) -> Vec<Choice> {
    LIKERT
        .into_iter()
        .map(|c| match (respondent, c.value) {
            (Respondent::Provider, "na") => Choice {
                label: "Does not apply",
                ..c
            },
            _ => c,
        })
        .collect()
}

fn view(q: &Question) -> QuestionView<'_> {
    QuestionView {
        key: &q.key,
        prompt: &q.prompt,
        kind: match q.kind {
            QuestionKind::Likert => "likert",
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Choice => "choice",
            QuestionKind::Text => "text",
        },
        required: q.required,
        options: &q.options,
    }
}

/// A dimension's heading. The profile's labels speak for the hiring company ("Shares our
/// values"), which would read as the provider's own "our" on its self-assessment; there
/// the dimension's key names it instead ("Values").
fn group_title(respondent: Respondent, key: &str, label: &str) -> String {
    match respondent {
        Respondent::Referee | Respondent::Stakeholder => label.to_owned(),
        Respondent::Provider => {
            let words = key.replace('_', " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

fn groups<'a>(form: &Questionnaire<'a>) -> Vec<Group<'a>> {
    let mut out: Vec<Group<'a>> = form
        .dimensions
        .iter()
        .map(|(key, label)| Group {
            title: group_title(form.respondent, key, label),
            hint: None,
            questions: form
                .questions
                .iter()
                .filter(|q| q.dimension.as_deref() == Some(key))
                .map(view)
                .collect(),
        })
        .filter(|g| !g.questions.is_empty())
        .collect();
    if let Some(first) = out.first_mut() {
        first.hint = Some(match form.respondent {
            Respondent::Referee | Respondent::Stakeholder => {
                "1 = strongly disagree, 5 = strongly agree. Choose “not observed” when you cannot judge."
            }
            Respondent::Provider => {
                "1 = strongly disagree, 5 = strongly agree. Choose “does not apply” when a statement does not fit your work."
            }
        });
    }
    let known: Vec<&str> = form.dimensions.iter().map(|(k, _)| k.as_str()).collect();
    let rest: Vec<QuestionView<'a>> = form
        .questions
        .iter()
        .filter(|q| q.dimension.as_deref().is_none_or(|d| !known.contains(&d)))
        .map(view)
        .collect();
    if !rest.is_empty() {
        out.push(Group {
            title: "In your own words".into(),
            hint: None,
            questions: rest,
        });
    }
    out
}

/// The page of a questionnaire with what was `filled` in, at `status`.
pub(super) fn render(
    state: &AppState,
    status: StatusCode,
    token: &str,
    form: &Questionnaire<'_>,
    filled: Filled,
) -> HttpResponse {
    let field_errors: BTreeMap<&str, &str> = filled
        .errors
        .iter()
        .map(|e| (e.key.as_str(), e.message.as_str()))
        .collect();
    let summary: Vec<SummaryError> = filled
        .errors
        .iter()
        .map(|e| {
            let label = form
                .questions
                .iter()
                .find(|q| q.key == e.key)
                .map(|q| q.prompt.trim_end_matches(['.', '?']).to_owned())
                .unwrap_or_else(|| "Agreement".into());
            SummaryError {
                anchor: format!("field-{}", e.key),
                label,
                message: e.message.clone(),
            }
        })
        .collect();
    let count = form.questions.len();
    state.pages.render(
        status,
        "questionnaire.html",
        serde_json::json!({
            "token": token,
            "form": serde_json::json!({
                "provider_name": form.provider_name,
                "requested_by": form.requested_by,
                "addressee": form.addressee,
            }),
            "path": form.respondent.path(),
            "self_assessment": form.respondent == Respondent::Provider,
            "pulse": form.respondent == Respondent::Stakeholder,
            "groups": groups(form),
            "values": filled.values,
            "field_errors": field_errors,
            "errors": summary,
            "consent": filled.consent,
            "saved": filled.saved,
            "likert": likert_choices(form.respondent),
            "yes_no": YES_NO,
            "question_count": count,
            "minutes": (count * 20).div_ceil(60).max(1),
            "deadline": form.deadline.map(|d| d.format("%-d %B %Y").to_string()),
            "show_identity": state.show_referee_identity,
            "max_text": MAX_TEXT_CHARS,
        }),
    )
}
