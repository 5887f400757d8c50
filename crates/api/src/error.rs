//! The one place where errors get their HTTP status. The API answers them as
//! `application/problem+json` (RFC 9457); the HTML pages (the referee and provider forms,
//! the staff UI) take the status from here too and only choose the words. A 500 never
//! carries its cause to the client; the cause is logged instead.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use engine::EngineError;
use engine::domain::State;
use engine::questionnaire::AnswerError;
use engine::referee::CONSENT;
use serde::Serialize;

/// The status of input that breaks a rule: an API request, or a form shown again with its
/// errors beside the fields.
pub const INVALID_INPUT: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A problem document as sent to clients.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For 409: the state the object is in now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid bearer token")]
    Unauthorized,
    #[error("this action needs the role {0}")]
    Forbidden(&'static str),
    #[error("the form's security token is missing or out of date; reload the page and try again")]
    CsrfRejected,
    /// `/metrics` without `metrics.token` answers this machine only, not through a proxy.
    #[error(
        "metrics are served to clients on this machine only, not through a proxy; set \
         metrics.token to scrape from elsewhere"
    )]
    MetricsLoopbackOnly,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{detail}")]
    Conflict {
        detail: String,
        current_state: Option<State>,
    },
    #[error("{0}")]
    Gone(String),
    /// Answers sent after the check stopped collecting (409, API.md "Disclosure").
    #[error("this reference check has closed; answers are no longer taken")]
    CheckClosed,
    /// The referee's address was asked too often lately (409; may be overridden).
    #[error("{0}")]
    RefereeFatigue(String),
    /// The referee's address opted out for good (409).
    #[error("{0}")]
    RefereeOptedOut(String),
    #[error("too many requests; try again in {0} seconds")]
    TooManyRequests(u64),
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// The database cannot be reached right now (503, with `Retry-After`).
    #[error("the service is briefly unavailable; try again in a few seconds")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub(crate) fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Unauthorized => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::CsrfRejected => ("csrf", "Form expired"),
            ApiError::MetricsLoopbackOnly => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::Conflict { .. } => ("conflict", "Conflict"),
            ApiError::Gone(_) => ("gone", "Gone"),
            ApiError::CheckClosed => ("check-closed", "Check closed"),
            ApiError::RefereeFatigue(_) => ("referee-fatigue", "Referee asked too often"),
            ApiError::RefereeOptedOut(_) => ("referee-opted-out", "Referee opted out"),
            ApiError::TooManyRequests(_) => ("rate-limited", "Too many requests"),
            ApiError::Validation(_) => ("validation", "Validation failed"),
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            ApiError::Unavailable => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let (errors, current_state) = match self {
            ApiError::Validation(errors) => (Some(errors.clone()), None),
            ApiError::Conflict { current_state, .. } => {
                (None, current_state.map(|s| s.as_str().to_owned()))
            }
            _ => (None, None),
        };
        let detail = match self {
            ApiError::Validation(errors) => errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        };
        Problem {
            type_: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors,
            current_state,
        }
    }
}

impl ApiError {
    /// Logs the whole cause chain of a 500; none of it goes to the client.
    pub(crate) fn log_if_internal(&self) {
        if let ApiError::Internal(cause) = self {
            let mut chain = cause.to_string();
            let mut source = cause.source();
            while let Some(s) = source {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                source = s.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
    }
}

/// A referee's answer problems as request fields: `answers.<question key>`, and `consent`.
pub fn answer_fields(problems: Vec<AnswerError>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|e| FieldError {
            field: if e.key == CONSENT {
                e.key
            } else {
                format!("answers.{}", e.key)
            },
            message: e.message,
        })
        .collect()
}

/// A page request the store refused (size, cursor) reads as any other engine error.
impl From<engine::store::StoreError> for ApiError {
    fn from(err: engine::store::StoreError) -> Self {
        EngineError::from(err).into()
    }
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        match err {
            EngineError::NotFound { entity } => ApiError::NotFound(entity),
            EngineError::InvalidState { current, .. } => ApiError::Conflict {
                detail: err.to_string(),
                current_state: Some(current),
            },
            EngineError::Validation { field, message } => ApiError::field(field, message),
            EngineError::InvalidAnswers { fields } => ApiError::Validation(answer_fields(fields)),
            EngineError::Gone(detail) => ApiError::Gone(detail),
            EngineError::CheckClosed => ApiError::CheckClosed,
            e @ EngineError::RefereeFatigue { .. } => ApiError::RefereeFatigue(e.to_string()),
            e @ EngineError::RefereeOptedOut => ApiError::RefereeOptedOut(e.to_string()),
            EngineError::Conflict(detail) => ApiError::Conflict {
                detail,
                current_state: None,
            },
            EngineError::TooManyAttempts {
                retry_after_seconds,
            } => ApiError::TooManyRequests(retry_after_seconds.max(1)),
            EngineError::Unavailable(cause) => {
                // Once per request that hit the outage; the cause says which (refused,
                // timed out), never any data.
                tracing::warn!(error = %cause, "database unavailable");
                ApiError::Unavailable
            }
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::CsrfRejected | ApiError::MetricsLoopbackOnly => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. }
            | ApiError::CheckClosed
            | ApiError::RefereeFatigue(_)
            | ApiError::RefereeOptedOut(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Validation(_) => INVALID_INPUT,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log_if_internal();
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            ApiError::TooManyRequests(seconds) => {
                res.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            ApiError::Unavailable => {
                res.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        if matches!(self, ApiError::Unauthorized) {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        res.json(self.problem())
    }
}
