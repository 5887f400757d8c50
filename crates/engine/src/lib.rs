//! The workflow engine of Vouch: storage, domain rules and every state change of a vetting
//! case. It knows nothing of HTTP or SMTP; the API crate calls it, and it reaches the
//! outside world only through the database it is given.

pub mod audit;
pub mod cases;
pub mod credentials;
pub mod db;
pub mod domain;
pub mod entity;
mod error;
pub mod idempotency;
pub mod page;
pub mod profile;
pub mod providers;
pub mod questionnaire;
pub mod settings;
pub mod templates;
pub mod users;

pub use error::EngineError;
pub use page::{Page, PageRequest};
pub use settings::{DatabaseSettings, WorkflowSettings};

use sea_orm::DatabaseConnection;

/// Entry point to the domain. Cheap to clone: it holds a connection pool.
#[derive(Clone)]
pub struct Engine {
    db: DatabaseConnection,
    settings: WorkflowSettings,
}

impl Engine {
    pub fn new(db: DatabaseConnection, settings: WorkflowSettings) -> Self {
        Self { db, settings }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn settings(&self) -> &WorkflowSettings {
        &self.settings
    }

    /// Seeds what a fresh installation needs (values profile and the default questionnaire
    /// template). Safe to run on every start: existing data is left alone.
    pub async fn seed_defaults(&self) -> Result<(), EngineError> {
        profile::seed_default(&self.db).await?;
        templates::seed_default(&self.db).await?;
        Ok(())
    }
}
