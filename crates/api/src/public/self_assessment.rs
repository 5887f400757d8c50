//! The provider's self-assessment as HTML: the questionnaire's scored statements in the
//! first person, with the referee form's save/resume, consent and error handling.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use engine::EngineError;
use engine::domain::SelfAssessmentStatus;

use super::questionnaire::{Action, Filled, Posted, answer_post, render};
use super::{ShowQuery, link_problem_page, submission_meta, unreadable_form};
use crate::AppState;

/// The form; the first view is stamped.
#[get("/{token}")]
pub async fn show_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> HttpResponse {
    match state.engine.open_self_assessment(&token).await {
        Ok(form) => {
            let filled = Filled::draft(form.draft.clone(), query.saved());
            render(&state, StatusCode::OK, &token, &(&form).into(), filled)
        }
        Err(e) => link_problem_page(&state, e),
    }
}

/// Saves a draft (`action=save`) or submits (`action=submit`); problems re-render the
/// form with everything typed kept.
#[post("/{token}")]
pub async fn post_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let posted = match Posted::from_body(&body) {
        Ok(posted) => posted,
        Err(line) => return unreadable_form(&state, line),
    };
    let result = match posted.action {
        Action::Save => {
            state
                .engine
                .save_self_assessment_draft(&token, &posted.answers)
                .await
        }
        Action::Submit => {
            let meta = submission_meta(&req, &state);
            state
                .engine
                .submit_self_assessment(&token, &posted.answers, posted.consent, meta)
                .await
        }
    };
    let form = async || state.engine.self_assessment_form(&token).await;
    answer_post(&state, "s", &token, posted, result, form).await
}

/// Shown after a successful submission.
#[get("/{token}/done")]
pub async fn done(state: web::Data<AppState>, token: web::Path<String>) -> HttpResponse {
    match state.engine.self_assessment_link_status(&token).await {
        Ok(SelfAssessmentStatus::Submitted) => state.pages.message(
            StatusCode::OK,
            "Thank you",
            &[
                "Your self-assessment was sent. The hiring company's reviewers will read it beside what your clients say; it does not count in the score.",
                "You can close this page.",
            ],
        ),
        Ok(_) => link_problem_page(&state, EngineError::NotFound { entity: "link" }),
        Err(e) => link_problem_page(&state, e),
    }
}
