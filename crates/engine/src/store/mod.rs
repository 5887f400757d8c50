//! The store: the one place that reads and writes the rows of a case's life — cases,
//! references, responses and their answers, link tokens, the email log, nominations,
//! self-assessments, the opt-out list, engagements with their stakeholders, jobs, and webhook endpoints with their deliveries.
//! Functions here take a connection or the caller's transaction and do exactly what their
//! name says; which change is allowed, and when, is decided by the use-case modules above
//! (`transitions`, `workflow`, `referee`, `nominations`, `engagements`, `report`, `jobs`).
//!
//! Status columns are typed (`domain::*Status`): a row whose stored value this version
//! does not know is a database error when read, never a panic and never a guess.
//!
//! Locking order, everywhere: an engagement (`engagements::lock`) before the cases it
//! makes, the case row (`cases::lock`), then its references.
//! Two transactions that both change one case therefore queue on the case row instead of
//! deadlocking on each other's references.

pub mod cases;
pub mod email_log;
pub mod engagements;
pub mod idempotency;
pub mod identities;
pub mod insights;
pub mod jobs;
pub mod nominations;
pub mod opt_outs;
pub mod privacy;
pub mod references;
pub mod responses;
pub mod scim;
pub mod self_assessments;
pub mod sessions;
pub mod setup_tokens;
pub mod tokens;
pub mod users;
pub mod webhooks;

use sea_orm::sea_query::LockType;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QuerySelect};

use crate::EngineError;

/// `query` with a row lock of `mode` (`FOR UPDATE`, `FOR SHARE`) held until `txn` ends, on
/// PostgreSQL. SQLite needs none: it runs one write transaction at a time.
pub fn locked<Q: QuerySelect>(query: Q, txn: &DatabaseTransaction, mode: LockType) -> Q {
    if txn.get_database_backend() == DbBackend::Postgres {
        query.lock(mode)
    } else {
        query
    }
}

/// `Ok(row)` or `NotFound { entity }`.
pub(crate) fn found<T>(row: Option<T>, entity: &'static str) -> Result<T, EngineError> {
    row.ok_or(EngineError::NotFound { entity })
}
