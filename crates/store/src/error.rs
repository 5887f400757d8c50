//! What a store call can fail with. The engine maps each variant onto its own error.

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },

    /// A request for rows the store cannot make sense of (a page size out of range, a
    /// cursor that is not one).
    #[error("{field}: {message}")]
    Validation { field: String, message: String },

    /// Data in the database that this version cannot read.
    #[error("corrupt data: {0}")]
    Corrupt(String),

    #[error("database error")]
    Database(#[source] DbErr),

    /// The database cannot be reached (down, restarting, or no connection free within
    /// `database.acquire_timeout_ms`): the call may succeed if tried again shortly.
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if is_unavailable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Database(err)
        }
    }
}

/// Whether a database error says the database could not be reached, as opposed to a
/// statement that failed on a working connection.
fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        // Class 08 (connection exception) and 57P01–57P03 (the server is shutting down,
        // crashed, or not yet accepting connections).
        Sqlx::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

impl StoreError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// True when a database error is a unique-constraint violation.
    pub fn is_unique_violation(err: &DbErr) -> bool {
        matches!(
            err.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        )
    }
}
