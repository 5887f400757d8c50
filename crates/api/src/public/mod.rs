//! Public pages and endpoints, reached with a link token instead of a login: the referee
//! questionnaire (`/r/{token}`), the provider's nomination form (`/n/{token}`), and the
//! questionnaire as JSON (`/api/v1/public/forms/{token}`). All are rate-limited per client
//! address and sent with strict security headers.

mod forms_json;
mod nominate;
mod referee;

pub(crate) use forms_json::{__path_get_form, __path_post_form};

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, web};
use engine::EngineError;
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
            .service(forms_json::post_form),
    );
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
    }
}

/// The page for a link that cannot be used, the same whatever the reason it is unknown.
pub(crate) fn link_problem_page(state: &AppState, err: EngineError) -> HttpResponse {
    let pages = &state.pages;
    match err {
        EngineError::NotFound { .. } => pages.message(
            StatusCode::NOT_FOUND,
            "This link is not valid",
            &[
                "It may have been replaced by a newer email, or mistyped.",
                "If you were asked for a reference, please use the link in the most recent email, or reply to it.",
            ],
        ),
        EngineError::Gone(_) => pages.message(
            StatusCode::GONE,
            "This request has closed",
            &["The deadline has passed, so answers are no longer collected. Thank you all the same."],
        ),
        EngineError::InvalidState { current, .. } if current == "declined" => pages.message(
            StatusCode::CONFLICT,
            "You declined this request",
            &["Nothing more is needed from you. Thank you for letting us know."],
        ),
        EngineError::InvalidState { current, .. } if current == "submitted" => pages.message(
            StatusCode::CONFLICT,
            "These references were already sent",
            &["Thank you: nothing more is needed. If something changed, reply to the email you received."],
        ),
        EngineError::InvalidState { .. } => pages.message(
            StatusCode::CONFLICT,
            "You have already answered",
            &["Your answers were received, and they cannot be changed now. Thank you for your help."],
        ),
        other => {
            tracing::error!(error = %other, "public page failed");
            pages.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
                &["Nothing you did caused this. Please go back and try again in a few minutes."],
            )
        }
    }
}
