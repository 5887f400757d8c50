//! Connecting to the database and applying migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::EngineError;

/// Opens a pool on `url` (`sqlite://…` or `postgres://…`). SQLite is switched to WAL so
/// readers do not block the single writer (sqlx turns foreign keys on for
/// every SQLite connection by default).
pub async fn connect(url: &str) -> Result<DatabaseConnection, EngineError> {
    let mut opts = ConnectOptions::new(url.to_owned());
    // Fail fast when the database is down, instead of waiting out sqlx's 30 s default.
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        // SQLite has one writer. A single connection serialises every transaction in the
        // pool instead of failing one of two concurrent writers with SQLITE_BUSY (a read
        // transaction cannot upgrade to a write once another writer committed). The engine
        // never awaits the pool while it holds a transaction, so this cannot deadlock.
        opts.max_connections(1).min_connections(1);
    } else {
        opts.max_connections(16);
    }
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    Ok(db)
}

/// Applies every pending migration. Idempotent.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), EngineError> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers a trivial query (`/readyz`, `vouch doctor`).
pub async fn ping(db: &DatabaseConnection) -> Result<(), EngineError> {
    db.ping().await?;
    Ok(())
}
