//! Connecting to the database and applying migrations.

use std::fmt;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use serde::Deserialize;

use crate::StoreError;

/// Opens a pool on `url` with the default pool settings.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
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
pub async fn connect_with(settings: &DatabaseSettings) -> Result<DatabaseConnection, StoreError> {
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
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StoreError> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers a trivial query (`/readyz`, `vouch doctor`).
pub async fn ping(db: &DatabaseConnection) -> Result<(), StoreError> {
    db.ping().await?;
    Ok(())
}

/// `[database]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://vouch.db?mode=rwc` or `postgres://user:password@host/db`.
    pub url: String,
    /// How long a request or job waits for a connection before giving up with 503: when
    /// the database is down, a person, a load balancer and a health check all get an
    /// answer this quickly instead of hanging.
    pub acquire_timeout_ms: u64,
    /// Connections each process keeps to PostgreSQL at most (SQLite always uses one).
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://vouch.db?mode=rwc".into(),
            acquire_timeout_ms: 1500,
            max_connections: 24,
        }
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// The URL with any password replaced by `***`, for logs and `vouch doctor`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_owned()
            };
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}
