//! The referee questionnaire as HTML, for any browser, with or without JavaScript.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use engine::EngineError;
use engine::domain::ReferenceStatus;
use engine::questionnaire::{AnswerError, MAX_TEXT_CHARS, QuestionKind};
use engine::referee::RefereeForm;
use engine::workflow::MAX_DECLINE_REASON_CHARS;
use serde::{Deserialize, Serialize};

use super::{form_fields, link_problem_page, submission_meta, unreadable_form};
use crate::AppState;

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
struct Filled {
    values: BTreeMap<String, String>,
    errors: Vec<AnswerError>,
    consent: bool,
    saved: bool,
}

fn view(q: &engine::questionnaire::Question) -> QuestionView<'_> {
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

fn groups(form: &RefereeForm) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = form
        .dimensions
        .iter()
        .map(|(key, label)| Group {
            title: label.clone(),
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
        first.hint = Some(
            "1 = strongly disagree, 5 = strongly agree. Choose “not observed” when you cannot judge.",
        );
    }
    let known: Vec<&str> = form.dimensions.iter().map(|(k, _)| k.as_str()).collect();
    let rest: Vec<QuestionView<'_>> = form
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

fn render_form(
    state: &AppState,
    status: StatusCode,
    token: &str,
    form: &RefereeForm,
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
        "referee_form.html",
        serde_json::json!({
            "token": token,
            "form": serde_json::json!({
                "provider_name": &form.provider_name,
                "requested_by": &form.requested_by,
                "referee_name": &form.referee_name,
            }),
            "groups": groups(form),
            "values": filled.values,
            "field_errors": field_errors,
            "errors": summary,
            "consent": filled.consent,
            "saved": filled.saved,
            "likert": LIKERT,
            "yes_no": YES_NO,
            "question_count": count,
            "minutes": (count * 20).div_ceil(60).max(1),
            "deadline": form.deadline.map(|d| d.format("%-d %B %Y").to_string()),
            "show_identity": state.show_referee_identity,
            "max_text": MAX_TEXT_CHARS,
        }),
    )
}

#[derive(Deserialize)]
struct ShowQuery {
    saved: Option<String>,
}

/// The questionnaire. The first view marks the reference `opened`.
#[get("/{token}")]
pub async fn show_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> HttpResponse {
    match state.engine.open_referee_form(&token).await {
        Ok(form) => {
            let filled = Filled {
                values: form.draft.clone(),
                saved: query.saved.is_some(),
                ..Default::default()
            };
            render_form(&state, StatusCode::OK, &token, &form, filled)
        }
        Err(e) => link_problem_page(&state, e),
    }
}

/// Re-renders the form with `errors` next to their fields and everything typed kept.
async fn rerender(
    state: &AppState,
    token: &str,
    answers: BTreeMap<String, String>,
    errors: Vec<AnswerError>,
    consent: bool,
) -> HttpResponse {
    let form = match state.engine.referee_form(token).await {
        Ok(form) => form,
        Err(e) => return link_problem_page(state, e),
    };
    let filled = Filled {
        values: answers,
        errors,
        consent,
        saved: false,
    };
    render_form(state, crate::error::INVALID_INPUT, token, &form, filled)
}

/// Saves a draft (`action=save`) or submits (`action=submit`). Errors re-render the form
/// with everything typed kept. The form itself is only loaded when it has to be shown
/// again: the common, valid post goes straight to the engine.
#[post("/{token}")]
pub async fn post_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let Ok(fields) = form_fields(&body) else {
        return unreadable_form(&state, "Please go back and send it again.");
    };
    let answers: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("q_").map(|k| (k.to_owned(), v.clone())))
        .collect();
    let consent = fields.get("consent").is_some_and(|v| v == "on");
    let action = fields.get("action").map(String::as_str).unwrap_or("submit");
    let result = match action {
        "save" => state.engine.save_referee_draft(&token, &answers).await,
        "submit" => {
            let meta = submission_meta(&req, &state);
            state
                .engine
                .submit_referee_answers(&token, &answers, consent, meta)
                .await
        }
        _ => {
            return unreadable_form(
                &state,
                "Please go back and use one of the buttons at the end of the form.",
            );
        }
    };
    match result {
        Ok(()) => {
            let location = if action == "save" {
                format!("/r/{token}?saved=1")
            } else {
                format!("/r/{token}/done")
            };
            HttpResponse::SeeOther()
                .insert_header(("Location", location))
                .finish()
        }
        Err(EngineError::InvalidAnswers { fields }) => {
            rerender(&state, &token, answers, fields, consent).await
        }
        Err(e) => link_problem_page(&state, e),
    }
}

/// Shown after a successful submission.
#[get("/{token}/done")]
pub async fn done(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match state.engine.referee_link_status(&token).await {
        Ok(ReferenceStatus::Completed) => state.pages.message(
            StatusCode::OK,
            "Thank you",
            &[
                "Your answers were sent. They help a company choose a partner that will treat it as well as you were treated — or spare it one that would not.",
                "You can close this page.",
            ],
        ),
        Ok(_) => link_problem_page(&state, engine::EngineError::NotFound { entity: "link" }),
        Err(e) => link_problem_page(&state, e),
    }
}

/// The decline link from the email leads here first: a GET never changes anything.
#[get("/{token}/decline")]
pub async fn confirm_decline(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match state.engine.referee_form(&token).await {
        Ok(form) => state.pages.render(
            StatusCode::OK,
            "decline.html",
            serde_json::json!({
                "token": token.as_str(),
                "provider_name": form.provider_name,
                "requested_by": form.requested_by,
                "max_reason": MAX_DECLINE_REASON_CHARS,
            }),
        ),
        Err(e) => link_problem_page(&state, e),
    }
}

/// Declines, with an optional reason. Also the target of one-click `List-Unsubscribe`.
#[post("/{token}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let fields = form_fields(&body).unwrap_or_default();
    let reason = fields
        .get("reason")
        .map(|r| r.chars().take(MAX_DECLINE_REASON_CHARS).collect::<String>());
    match state.engine.decline_by_token(&token, reason).await {
        Ok(()) => HttpResponse::SeeOther()
            .insert_header(("Location", format!("/r/{token}/declined")))
            .finish(),
        Err(e) => link_problem_page(&state, e),
    }
}

#[get("/{token}/declined")]
pub async fn declined(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match state.engine.referee_link_status(&token).await {
        Ok(ReferenceStatus::Declined) => state.pages.message(
            StatusCode::OK,
            "You declined this request",
            &["Thank you for letting us know. You will not be contacted about it again."],
        ),
        Ok(_) => link_problem_page(&state, engine::EngineError::NotFound { entity: "link" }),
        Err(e) => link_problem_page(&state, e),
    }
}
