//! The workflow engine of Vouch: storage, domain rules and every state change of a vetting
//! case. It knows nothing of HTTP or SMTP; the API crate calls it, and it reaches the
//! outside world only through the database it is given.

pub mod audit;
pub mod cases;
pub mod clock;
pub mod credentials;
pub mod db;
pub mod domain;
pub mod emails;
pub mod entity;
mod error;
pub mod idempotency;
pub mod jobs;
pub mod machine;
pub mod mail;
pub mod nominations;
pub mod page;
pub mod profile;
pub mod providers;
pub mod questionnaire;
pub mod referee;
pub mod report;
pub mod scoring;
pub mod sessions;
pub mod settings;
pub mod templates;
pub mod users;
pub mod workflow;

pub use error::EngineError;
pub use page::{Page, PageRequest};
pub use settings::{
    AuthSettings, DatabaseSettings, ReportSettings, ScoringSettings, WorkflowSettings,
};

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::mail::MailSender;

/// Entry point to the domain. Cheap to clone: it holds a connection pool and two `Arc`s.
#[derive(Clone)]
pub struct Engine {
    db: DatabaseConnection,
    settings: WorkflowSettings,
    clock: Arc<dyn Clock>,
    mail: Arc<dyn MailSender>,
    report: ReportSettings,
    scoring: ScoringSettings,
    auth: AuthSettings,
}

impl Engine {
    pub fn new(
        db: DatabaseConnection,
        settings: WorkflowSettings,
        clock: Arc<dyn Clock>,
        mail: Arc<dyn MailSender>,
    ) -> Self {
        Self {
            db,
            settings,
            clock,
            mail,
            report: ReportSettings::default(),
            scoring: ScoringSettings::default(),
            auth: AuthSettings::default(),
        }
    }

    /// Sets the `[scoring]` settings.
    pub fn with_scoring(mut self, scoring: ScoringSettings) -> Self {
        self.scoring = scoring;
        self
    }

    /// Sets the `[auth]` settings (sessions and lockout).
    pub fn with_auth(mut self, auth: AuthSettings) -> Self {
        self.auth = auth;
        self
    }

    pub fn auth_settings(&self) -> &AuthSettings {
        &self.auth
    }

    /// Sets the `[report]` settings (identity shown or hidden).
    pub fn with_report(mut self, report: ReportSettings) -> Self {
        self.report = report;
        self
    }

    pub fn report_settings(&self) -> &ReportSettings {
        &self.report
    }

    /// The engine's idea of now (a test clock in tests).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
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
