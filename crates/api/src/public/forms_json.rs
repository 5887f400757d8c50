//! The referee questionnaire as JSON, for other front ends. Same rules as the HTML form.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use engine::questionnaire::{PERCENTILE_BANDS, Question, QuestionKind, localized};
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{page_language, submission_meta};
use crate::AppState;
use crate::error::{ApiError, FieldError, Problem, answer_fields};
use crate::extract::ValidJson;

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicForm {
    pub provider_name: String,
    pub requested_by: String,
    pub deadline: Option<DateTime<Utc>>,
    /// Worded in `locale`; `options` of a choice question stay the values to send, and a
    /// percentile question lists its bands there (`bottom_half` … `top_5`).
    pub questions: Vec<Question>,
    /// Saved draft answers, key → value.
    pub draft: BTreeMap<String, String>,
    /// The language the questions are worded in, chosen as for the HTML form: the
    /// reference's own, else `?lang=`, else `Accept-Language`, else the case's.
    pub locale: String,
    /// `ltr` or `rtl`.
    pub dir: &'static str,
}

#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormAction {
    Submit,
    Save,
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormSubmission {
    /// Question key → answer: 1–5 or "na" (likert), "yes"/"no"/"unsure", a band
    /// (percentile: "bottom_half", "top_half", "top_quarter", "top_10", "top_5"), or text.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    /// Must be true to submit.
    #[serde(default)]
    pub consent: bool,
    pub action: FormAction,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FormSaved {
    /// `submitted` or `saved`.
    pub status: &'static str,
}

/// The questionnaire behind a referee link (marks the reference `opened`), worded in the
/// referee's language: the reference's `locale`, else `?lang=` (e.g. `?lang=de`), else
/// `Accept-Language`, else the case's `locale` (an unusable `lang` is ignored, never an
/// error).
#[utoipa::path(
    params(("token" = String, Path)),
    responses(
        (status = 200, body = PublicForm),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 410, body = Problem)
    ),
    tag = "public"
)]
#[get("/forms/{token}")]
pub async fn get_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let form = state.engine.links().open_referee_form(&token).await?;
    let lang = page_language(&state, &req, &form.languages);
    Ok(HttpResponse::Ok().json(PublicForm {
        provider_name: form.provider_name,
        requested_by: form.requested_by,
        deadline: form.deadline,
        questions: with_bands(localized(&form.questions, &lang.locale)),
        draft: form.draft,
        dir: lang.dir,
        locale: lang.locale,
    }))
}

/// The questions with each percentile question's bands as its `options`: a front end
/// needs the values to send, and templates do not store them (they are fixed).
fn with_bands(mut questions: Vec<Question>) -> Vec<Question> {
    for q in questions
        .iter_mut()
        .filter(|q| q.kind == QuestionKind::Percentile)
    {
        q.options = PERCENTILE_BANDS.map(|(key, _)| key.to_owned()).to_vec();
    }
    questions
}

/// Saves a draft or submits the answers. A submission records the language it was made
/// in, chosen as for the GET (`?lang=`, `Accept-Language`).
#[utoipa::path(
    params(("token" = String, Path)),
    request_body = FormSubmission,
    responses(
        (status = 200, body = FormSaved),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 410, body = Problem),
        (status = 422, body = Problem, description = "each bad answer named as answers.<key>")
    ),
    tag = "public"
)]
#[post("/forms/{token}")]
pub async fn post_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: ValidJson<FormSubmission>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    // The shape only: each answer a string or a whole number. What the answers must be
    // is the engine's rule (`InvalidAnswers`, answered as 422 naming answers.<key>).
    let mut errors = Vec::new();
    let mut raw = BTreeMap::new();
    for (key, value) in body.answers {
        match value {
            serde_json::Value::String(s) => {
                raw.insert(key, s);
            }
            serde_json::Value::Number(n) if n.is_u64() => {
                raw.insert(key, n.to_string());
            }
            _ => errors.push(FieldError {
                field: format!("answers.{key}"),
                message: "must be a number from 1 to 5 or a string".into(),
            }),
        }
    }
    let submit = body.action == FormAction::Submit;
    if !errors.is_empty() {
        // Report the engine's findings on the readable answers in the same answer.
        let more = state
            .engine
            .links()
            .check_referee_answers(&token, &raw, submit, body.consent)
            .await?;
        errors.extend(answer_fields(more));
        return Err(ApiError::Validation(errors));
    }
    if submit {
        let meta = submission_meta(&req, &state, None);
        let language = |languages: &_| page_language(&state, &req, languages).locale;
        state
            .engine
            .links()
            .submit_referee_answers(&token, &raw, body.consent, meta, language)
            .await?;
    } else {
        state
            .engine
            .links()
            .save_referee_draft(&token, &raw)
            .await?;
    }
    Ok(HttpResponse::Ok().json(FormSaved {
        status: if submit { "submitted" } else { "saved" },
    }))
}
