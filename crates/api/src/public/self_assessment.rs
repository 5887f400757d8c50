//! The provider's self-assessment as HTML: the questionnaire's scored statements in the
//! first person, with the referee form's save/resume, consent and error handling.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use engine::EngineError;
use engine::domain::SelfAssessmentStatus;

use super::questionnaire::{Action, Filled, Posted, Questionnaire, answer_post, render};
use super::{
    ShowQuery, any_language, link_problem_page, page_language, submission_meta, unreadable_form,
};
use crate::AppState;

/// The form; the first view is stamped.
#[get("/{token}")]
pub async fn show_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> HttpResponse {
    match state.engine.links().open_self_assessment(&token).await {
        Ok(form) => {
            let filled = Filled::draft(form.draft.clone(), query.saved());
            let form: Questionnaire<'_> = (&form).into();
            let lang = page_language(&state, &req, form.languages);
            render(&state, StatusCode::OK, &token, &form, filled, &lang)
        }
        Err(e) => link_problem_page(&state, &req, e),
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
        Err(line) => return unreadable_form(&state, &req, line),
    };
    let result = match posted.action {
        Action::Save => {
            state
                .engine
                .links()
                .save_self_assessment_draft(&token, &posted.answers)
                .await
        }
        Action::Submit => {
            let meta = submission_meta(&req, &state, None);
            state
                .engine
                .links()
                .submit_self_assessment(&token, &posted.answers, posted.consent, meta)
                .await
        }
    };
    let form = async || state.engine.links().self_assessment_form(&token).await;
    answer_post(&state, &req, "s", &token, posted, result, form).await
}

/// Shown after a successful submission.
#[get("/{token}/done")]
pub async fn done(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    match state
        .engine
        .links()
        .self_assessment_link_status(&token)
        .await
    {
        Ok(SelfAssessmentStatus::Submitted) => {
            let lang = any_language(&state, &req);
            let text = |key| state.pages.text(&lang, key);
            state.pages.message_in(
                StatusCode::OK,
                &lang,
                &text("done-title"),
                &[&text("done-text-self"), &text("done-close")],
            )
        }
        Ok(_) => link_problem_page(&state, &req, EngineError::NotFound { entity: "link" }),
        Err(e) => link_problem_page(&state, &req, e),
    }
}
