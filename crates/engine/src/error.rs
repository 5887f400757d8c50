//! The engine's error type. The API maps each variant to an HTTP status in one place.

use store::{DbErr, StoreError};

use crate::domain::State;
use crate::questionnaire::AnswerError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },

    /// An illegal state transition; `current` is the state the object is in now.
    #[error("cannot {action} a {current}")]
    InvalidState {
        action: &'static str,
        current: State,
    },

    /// Something that existed and is over (an expired link).
    #[error("{0}")]
    Gone(String),

    /// An answer sent after the check stopped collecting (API.md "Disclosure"): the
    /// results were released, and nothing more is taken.
    #[error("this reference check has closed; answers are no longer taken")]
    CheckClosed,

    /// Input that passed the shape checks but breaks a domain rule.
    #[error("{field}: {message}")]
    Validation { field: String, message: String },

    /// A referee's answers that do not fit the questionnaire; nothing was stored. Each
    /// problem is keyed by question (or `consent`).
    #[error("{} answer(s) need attention", fields.len())]
    InvalidAnswers { fields: Vec<AnswerError> },

    /// The address was asked for references too often lately (any case); a person may
    /// override with a reason.
    #[error(
        "this address was asked for a reference {requests} times in the last 90 days (the limit is {limit}); the next request is allowed from {}",
        .next_allowed.format("%-d %B %Y")
    )]
    RefereeFatigue {
        requests: u64,
        limit: u32,
        next_allowed: chrono::DateTime<chrono::Utc>,
    },

    /// The address asked never to be asked again; nobody may override that.
    #[error("this person asked not to be asked for references again")]
    RefereeOptedOut,

    /// Too many wrong passwords in a row: the form is locked for the account until the
    /// lockout ends, whatever is typed meanwhile.
    #[error("too many wrong passwords; try again in {} minute(s)", retry_after_seconds.div_ceil(60))]
    TooManyAttempts { retry_after_seconds: u64 },

    /// A uniqueness rule was broken (e.g. an email already in use).
    #[error("{0}")]
    Conflict(String),

    #[error("database error")]
    Database(#[source] DbErr),

    /// The database cannot be reached (down, restarting, or no connection free within
    /// `database.acquire_timeout_ms`): the request may succeed if tried again shortly.
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),

    /// Data in the database that this version cannot read.
    #[error("corrupt data: {0}")]
    Corrupt(String),

    #[error("password hashing failed: {0}")]
    Crypto(String),

    /// Something the server itself could not set up (never the client's fault).
    #[error("{0}")]
    Internal(String),
}

impl From<DbErr> for EngineError {
    fn from(err: DbErr) -> Self {
        StoreError::from(err).into()
    }
}

impl From<StoreError> for EngineError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { entity } => EngineError::NotFound { entity },
            StoreError::Validation { field, message } => EngineError::Validation { field, message },
            StoreError::Corrupt(what) => EngineError::Corrupt(what),
            StoreError::Database(e) => EngineError::Database(e),
            StoreError::Unavailable(e) => EngineError::Unavailable(e),
        }
    }
}

impl EngineError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// True when a database error is a unique-constraint violation.
    pub fn is_unique_violation(err: &DbErr) -> bool {
        StoreError::is_unique_violation(err)
    }
}
