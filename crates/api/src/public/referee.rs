//! The referee questionnaire as HTML, for any browser, with or without JavaScript.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use engine::EngineError;
use engine::domain::ReferenceStatus;
use engine::metrics::{stage, timed_request};
use engine::workflow::MAX_DECLINE_REASON_CHARS;

use super::questionnaire::{Action, Filled, Posted, Questionnaire, answer_post, render};
use super::{
    ShowQuery, form_fields, link_problem_page, page_language, referee_problem_page,
    submission_meta, unreadable_form,
};
use crate::AppState;

/// The questionnaire. The first view marks the reference `opened`.
#[get("/{token}")]
pub async fn show_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> HttpResponse {
    let timed = crate::metrics::start_timing(&req);
    timed_request(timed, async {
        match state.engine.links().open_referee_form(&token).await {
            Ok(form) => {
                stage("render", async {
                    let filled = Filled::draft(form.draft.clone(), query.saved());
                    let form: Questionnaire<'_> = (&form).into();
                    let lang = page_language(&state, &req, form.languages);
                    render(&state, StatusCode::OK, &token, &form, filled, &lang)
                })
                .await
            }
            Err(e) => referee_problem_page(&state, &req, &token, e).await,
        }
    })
    .await
}

/// Saves a draft (`action=save`) or submits (`action=submit`). Errors re-render the form
/// with everything typed kept; the common, valid post goes straight to the engine.
#[post("/{token}")]
pub async fn post_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let timed = crate::metrics::start_timing(&req);
    timed_request(timed, post_form_timed(state, req, token, body)).await
}

/// [`post_form`], its stages timed.
async fn post_form_timed(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let posted = match stage("body_parse", async { Posted::from_body(&body) }).await {
        Ok(posted) => posted,
        Err(line) => return unreadable_form(&state, &req, line),
    };
    let result = match posted.action {
        Action::Save => {
            state
                .engine
                .links()
                .save_referee_draft(&token, &posted.answers)
                .await
        }
        Action::Submit => {
            // The language the person sees the form in is the one they answer in.
            let meta = submission_meta(&req, &state, None);
            let language = |languages: &_| page_language(&state, &req, languages).locale;
            state
                .engine
                .links()
                .submit_referee_answers(&token, &posted.answers, posted.consent, meta, language)
                .await
        }
    };
    // Answers that need attention re-render the form; any other refusal is a link page.
    let result = match result {
        Err(e) if !matches!(e, EngineError::InvalidAnswers { .. }) => {
            return referee_problem_page(&state, &req, &token, e).await;
        }
        other => other,
    };
    let form = async || state.engine.links().referee_form(&token).await;
    stage(
        "response",
        answer_post(&state, &req, "r", &token, posted, result, form),
    )
    .await
}

/// Shown after a successful submission.
#[get("/{token}/done")]
pub async fn done(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match state.engine.links().referee_link(&token).await {
        Ok((ReferenceStatus::Completed, languages)) => {
            let lang = page_language(&state, &req, &languages);
            let text = |key| state.pages.text(&lang, key);
            state.pages.message_in(
                StatusCode::OK,
                &lang,
                &text("done-title"),
                &[&text("done-text"), &text("done-close")],
            )
        }
        Ok(_) => link_problem_page(&state, &req, EngineError::NotFound { entity: "link" }),
        Err(e) => referee_problem_page(&state, &req, &token, e).await,
    }
}

/// The decline link from the email leads here first: a GET never changes anything.
#[get("/{token}/decline")]
pub async fn confirm_decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match state.engine.links().referee_form(&token).await {
        Ok(form) => {
            let lang = page_language(&state, &req, &form.languages);
            state.pages.render_in(
                StatusCode::OK,
                "decline.html",
                &lang,
                serde_json::json!({
                    "token": token.as_str(),
                    "provider_name": form.provider_name,
                    "requested_by": form.requested_by,
                    "max_reason": MAX_DECLINE_REASON_CHARS,
                }),
            )
        }
        Err(e) => referee_problem_page(&state, &req, &token, e).await,
    }
}

/// Declines, with an optional reason. Also the target of one-click `List-Unsubscribe`.
#[post("/{token}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let fields = form_fields(&body).unwrap_or_default();
    let reason = fields
        .get("reason")
        .map(|r| r.chars().take(MAX_DECLINE_REASON_CHARS).collect::<String>());
    match state.engine.links().decline_by_token(&token, reason).await {
        Ok(()) => {
            let kept = super::link_query(&req);
            let location = if kept.is_empty() {
                format!("/r/{token}/declined")
            } else {
                format!("/r/{token}/declined?{kept}")
            };
            HttpResponse::SeeOther()
                .insert_header(("Location", location))
                .finish()
        }
        Err(e) => referee_problem_page(&state, &req, &token, e).await,
    }
}

#[get("/{token}/declined")]
pub async fn declined(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match state.engine.links().referee_link(&token).await {
        Ok((ReferenceStatus::Declined, languages)) => {
            let lang = page_language(&state, &req, &languages);
            let text = |key| state.pages.text(&lang, key);
            state.pages.message_in(
                StatusCode::OK,
                &lang,
                &text("declined-title"),
                &[&text("declined-text")],
            )
        }
        Ok(_) => link_problem_page(&state, &req, EngineError::NotFound { entity: "link" }),
        Err(e) => referee_problem_page(&state, &req, &token, e).await,
    }
}
