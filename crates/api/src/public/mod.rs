//! Public pages and endpoints, reached with a link token instead of a login: the referee
//! questionnaire (`/r/{token}`), a referee's "don't ask me again" (`/u/{token}`), the
//! provider's nomination form (`/n/{token}`) and self-assessment (`/s/{token}`), and the
//! questionnaire as JSON
//! (`/api/v1/public/forms/{token}`). All are rate-limited per client address and sent
//! with strict security headers.

mod forms_json;
mod nominate;
mod opt_out;
mod questionnaire;
mod referee;
mod self_assessment;

pub(crate) use forms_json::{__path_get_form, __path_post_form};

use std::collections::BTreeMap;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use engine::domain::{NominationStatus, ReferenceStatus, SelfAssessmentStatus, State};
use engine::workflow::SubmissionMeta;

use crate::AppState;
use crate::error::ApiError;
use crate::{ratelimit, security};

/// Largest form body accepted (the longest answers fit comfortably).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/r")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(referee::show_form)
            .service(referee::post_form)
            .service(referee::done)
            .service(referee::confirm_decline)
            .service(referee::decline)
            .service(referee::declined),
    )
    .service(
        web::scope("/u")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(opt_out::confirm)
            .service(opt_out::opt_out),
    )
    .service(
        web::scope("/s")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(self_assessment::show_form)
            .service(self_assessment::post_form)
            .service(self_assessment::done),
    )
    .service(
        web::scope("/n")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(nominate::show)
            .service(nominate::submit),
    )
    .service(
        web::scope("/api/v1/public")
            .wrap(from_fn(ratelimit::limit_public))
            .service(forms_json::get_form)
            .service(forms_json::post_form)
            // Without this, an unknown path here would fall through to the app's empty
            // 404 instead of a problem document like the rest of /api/v1.
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound("resource"))
            })),
    );
}

/// `?saved=1` after a draft was saved.
#[derive(serde::Deserialize)]
pub(crate) struct ShowQuery {
    saved: Option<String>,
}

impl ShowQuery {
    pub fn saved(&self) -> bool {
        self.saved.is_some()
    }
}

/// Parses an `application/x-www-form-urlencoded` body; repeated names keep the last value.
pub(crate) fn form_fields(body: &[u8]) -> Result<BTreeMap<String, String>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("the form could not be read".into()))?;
    Ok(pairs.into_iter().collect())
}

/// Where a submission came from (client address, user agent), for the fraud signals.
pub(crate) fn submission_meta(req: &HttpRequest, state: &AppState) -> SubmissionMeta {
    SubmissionMeta {
        client_ip: security::client_ip(req, &state.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(500).collect()),
        locale: None,
    }
}

/// The page for a link that cannot be used. Its status is the error's (`ApiError`); only
/// the words are chosen here, the same whatever the reason a link is unknown.
pub(crate) fn link_problem_page(state: &AppState, err: impl Into<ApiError>) -> HttpResponse {
    let err: ApiError = err.into();
    let status = err.status_code();
    let (title, lines): (&str, &[&str]) = match &err {
        ApiError::NotFound(_) => (
            "This link is not valid",
            &[
                "It may have been replaced by a newer email, or mistyped.",
                "If you were asked for a reference, please use the link in the most recent email, or reply to it.",
            ],
        ),
        ApiError::Gone(_) => (
            "This request has closed",
            &[
                "The deadline has passed, so answers are no longer collected. Thank you all the same.",
            ],
        ),
        ApiError::Conflict {
            current_state: Some(State::Reference(ReferenceStatus::Declined)),
            ..
        } => (
            "You declined this request",
            &["Nothing more is needed from you. Thank you for letting us know."],
        ),
        ApiError::Conflict {
            current_state: Some(State::SelfAssessment(SelfAssessmentStatus::Submitted)),
            ..
        } => (
            "Your self-assessment was already sent",
            &[
                "Thank you: nothing more is needed. If you would like to change it, reply to the email you received and ask for a new link.",
            ],
        ),
        ApiError::Conflict {
            current_state: Some(State::Nomination(NominationStatus::Submitted)),
            ..
        } => (
            "These references were already sent",
            &[
                "Thank you: nothing more is needed. If something changed, reply to the email you received.",
            ],
        ),
        ApiError::Conflict { .. } => (
            "You have already answered",
            &[
                "Your answers were received, and they cannot be changed now. Thank you for your help.",
            ],
        ),
        ApiError::Unavailable => (
            "Briefly unavailable",
            &[
                "Nothing you did caused this, and nothing was saved this time. Please go back and send the form again in a minute: your browser keeps what you entered.",
            ],
        ),
        ApiError::Internal(_) => {
            err.log_if_internal();
            (
                "Something went wrong on our side",
                &["Nothing you did caused this. Please go back and try again in a few minutes."],
            )
        }
        other => {
            let detail = other.to_string();
            return state.pages.message(
                status,
                "This could not be done",
                &[
                    detail.as_str(),
                    "Please go back, check what you entered and try again.",
                ],
            );
        }
    };
    state.pages.message(status, title, lines)
}

/// A form body that could not be read (not urlencoded, or no known button pressed).
pub(crate) fn unreadable_form(state: &AppState, line: &str) -> HttpResponse {
    let status = ApiError::BadRequest(String::new()).status_code();
    state
        .pages
        .message(status, "The form could not be read", &[line])
}
