//! Connecting to the database and applying migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::EngineError;
use crate::settings::DatabaseSettings;

/// Opens a pool on `url` with the default pool settings.
pub async fn connect(url: &str) -> Result<DatabaseConnection, EngineError> {
    connect_with(&DatabaseSettings {
        url: url.to_owned(),
        ..Default::default()
    })
    .await
}

/// A pooled connection idle this long is pinged before it is handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// Opens a pool on `settings.url` (`sqlite://…` or `postgres://…`). SQLite is switched to
/// WAL so readers do not block the single writer (sqlx turns foreign keys on for every
/// SQLite connection by default).
pub async fn connect_with(settings: &DatabaseSettings) -> Result<DatabaseConnection, EngineError> {
    let url = &settings.url;
    let mut opts = ConnectOptions::new(url.to_owned());
    // Fail fast when the database is down, instead of waiting out sqlx's 30 s default:
    // acquiring retries a refused connection until this runs out.
    let acquire = Duration::from_millis(settings.acquire_timeout_ms.max(100));
    opts.sqlx_logging(false)
        .connect_timeout(acquire)
        .acquire_timeout(acquire)
        // sea-orm's default pings every connection it hands out: one more round trip per
        // autocommit statement, which the referee's page and submit timings showed as the
        // wait in every stage (bench/submit.sh, bench/referee_page.sh). Only a connection
        // idle long enough to have been dropped (a server restart, a proxy, a firewall) is
        // checked now; a busy one is handed out as it is.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    if url.starts_with("sqlite:") {
        // SQLite has one writer. A single connection serialises every transaction in the
        // pool instead of failing one of two concurrent writers with SQLITE_BUSY (a read
        // transaction cannot upgrade to a write once another writer committed). The engine
        // never awaits the pool while it holds a transaction, so this cannot deadlock.
        // An embedded file is never "down": a wait for its one connection is a queue
        // behind other writers, not an outage, so it gets the generous limit.
        opts.max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30));
    } else {
        opts.max_connections(settings.max_connections.max(2));
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
