//! The store: every SQL statement of Vouch and the only crate that depends on sea-orm.
//! It holds the entities (private to it), the typed domain values and states the rows
//! carry (`domain`), and one module per area whose functions take a connection or the
//! caller's transaction and do exactly what their name says. Which change is allowed, and
//! when, is decided by the engine's services above; nothing here knows a rule.
//!
//! Status columns are typed (`domain::*Status`): a row whose stored value this version
//! does not know is a database error when read, never a panic and never a guess.
//!
//! Locking order, everywhere: an engagement (`engagements::lock`) before the cases it
//! makes, the case row (`cases::lock`), then its references.
//! Two transactions that both change one case therefore queue on the case row instead of
//! deadlocking on each other's references.

pub mod audit;
pub mod cases;
pub mod db;
pub mod decisions;
pub mod domain;
pub mod email_log;
pub mod engagements;
#[doc(hidden)]
pub mod entity;
mod error;
pub mod idempotency;
pub mod identities;
pub mod insights;
pub mod jobs;
pub mod nominations;
pub mod opt_outs;
pub mod paging;
pub mod privacy;
pub mod profile;
pub mod providers;
pub mod references;
pub mod responses;
pub mod scim;
pub mod secrets;
pub mod self_assessments;
pub mod sessions;
pub mod setup_tokens;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod webhooks;

use sea_orm::sea_query::LockType;
use sea_orm::{DbBackend, QuerySelect};

pub use error::StoreError;
pub use paging::{Page, PageRequest};
/// What the services above pass around: a pool, a transaction of theirs, and the bound
/// for "either". The query traits stay here, so no SQL can be written above the store.
pub use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait,
};

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
pub fn found<T>(row: Option<T>, entity: &'static str) -> Result<T, StoreError> {
    row.ok_or(StoreError::NotFound { entity })
}
