//! The workflow engine of Vouch: the domain rules and every state change of a vetting
//! case, and the job queue that sends its email. It knows nothing of HTTP and writes no
//! SQL: rows are read and written through the `store` crate (re-exported here as `store`,
//! with its `domain` and `db`), and the outside world is reached through the
//! `MailSender` it is handed.
//!
//! The public surface is a set of services borrowed from [`Engine`] (`services`): one per
//! area — `cases()`, `links()`, `reports()`, `engagements()`, `questionnaires()`,
//! `webhooks()`, `privacy()`, `jobs()`, `idempotency()`, `accounts()`, `provisioning()`.
//! Beneath them:
//! - `outbox` (what a change queues) and `transitions` (checked status changes with their
//!   audit events, shared by the use cases);
//! - `jobs`, which runs the queued tasks;
//! - `scoring`, `calibration`, `anonymity`, `disclosure` and `machine`: pure functions the
//!   use cases call.

pub mod anonymity;
pub mod audit;
pub mod calibration;
pub mod cases;
pub mod clock;
pub mod credentials;
pub mod deliveries;
pub mod disclosure;
pub mod engagements;
mod error;
pub mod history;
pub mod idempotency;
pub mod insights;
pub mod jobs;
pub mod machine;
pub mod mail;
pub mod metrics;
pub mod nominations;
pub mod oidc;
pub mod opt_out;
pub mod organisations;
pub mod outbox;
pub mod passwords;
pub mod privacy;
pub mod profile;
pub mod providers;
pub mod questionnaire;
pub mod questionnaires;
pub mod referee;
pub mod report;
pub mod scim;
pub mod scoring;
pub mod self_assessment;
pub mod services;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod sufficiency;
mod transitions;
pub mod users;
pub mod webhooks;
pub mod workflow;

pub use error::EngineError;
pub use settings::{
    AuthSettings, DatabaseSettings, FollowupSettings, ReportSettings, RetentionSettings,
    ScoringSettings, TemplatesSettings, WebhooksSettings, WorkflowSettings,
};
pub use store::{self, Page, PageRequest, db, domain, paging};

use std::sync::Arc;

use chrono::{DateTime, Utc};
use store::DatabaseConnection;

use crate::clock::Clock;
use crate::mail::MailSender;

/// Entry point to the domain. Cheap to clone: it holds a connection pool and `Arc`s.
#[derive(Clone)]
pub struct Engine {
    db: DatabaseConnection,
    settings: WorkflowSettings,
    clock: Arc<dyn Clock>,
    mail: Arc<dyn MailSender>,
    report: ReportSettings,
    scoring: ScoringSettings,
    auth: AuthSettings,
    followup: FollowupSettings,
    versions: Arc<questionnaires::VersionCache>,
    webhooks: WebhooksSettings,
    retention: RetentionSettings,
    /// `mail.dir`, where the file mail transport writes `.eml` copies that retention
    /// deletes with the identities they carry; `None`: no such copies to look for.
    mail_dir: Option<std::path::PathBuf>,
    templates: TemplatesSettings,
    /// Built on the first delivery (most processes never send one).
    webhook_http: Arc<std::sync::OnceLock<reqwest::Client>>,
    /// The languages referees can be addressed in, and how dates read in each.
    catalogue: Arc<i18n::Catalogue>,
    /// Where password hashes are made and checked (off the async threads, bounded).
    passwords: passwords::PasswordPool,
    /// Single sign-on, when `[auth.oidc]` names an issuer.
    oidc: Option<Arc<oidc::OidcClient>>,
    /// r1 and the released cases' scores it was computed from
    /// (`single_organisation_reliability`).
    r1_cache: Arc<std::sync::Mutex<R1Cache>>,
}

/// What `single_organisation_reliability` keeps between calls.
#[derive(Default)]
pub(crate) struct R1Cache {
    /// The released cases r1 was computed over.
    fingerprint: store::cases::ReleasedFingerprint,
    r1: Option<(f64, sufficiency::R1Source)>,
    /// Each released case's organisation-level alignment scores, by case.
    cases: std::collections::HashMap<uuid::Uuid, Vec<f64>>,
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
            followup: FollowupSettings::default(),
            versions: Arc::default(),
            webhooks: WebhooksSettings::default(),
            retention: RetentionSettings::default(),
            mail_dir: None,
            templates: TemplatesSettings::default(),
            webhook_http: Arc::default(),
            catalogue: Arc::new(i18n::Catalogue::embedded()),
            passwords: passwords::PasswordPool::new(AuthSettings::default().hash_concurrency),
            oidc: None,
            r1_cache: Arc::default(),
        }
    }

    /// Sets the message catalogue (shipped locales plus `server.locales_dir`, default
    /// locale `server.default_locale`) that decides which `locale` values are accepted.
    pub fn with_catalogue(mut self, catalogue: Arc<i18n::Catalogue>) -> Self {
        self.catalogue = catalogue;
        self
    }

    pub fn catalogue(&self) -> &Arc<i18n::Catalogue> {
        &self.catalogue
    }

    /// `locale` in its stored form, or a 422 naming `field` and the available locales.
    pub fn checked_locale(&self, field: &str, locale: &str) -> Result<String, EngineError> {
        self.catalogue
            .supported(locale)
            .map(str::to_owned)
            .ok_or_else(|| {
                EngineError::validation(
                    field,
                    format!(
                        "unsupported locale; use one of: {}",
                        self.catalogue.locales().collect::<Vec<_>>().join(", ")
                    ),
                )
            })
    }

    /// Sets the `[scoring]` settings.
    pub fn with_scoring(mut self, scoring: ScoringSettings) -> Self {
        self.scoring = scoring;
        self
    }

    pub fn scoring_settings(&self) -> &ScoringSettings {
        &self.scoring
    }

    /// Sets the `[followup]` settings (pulses after an approval).
    pub fn with_followup(mut self, followup: FollowupSettings) -> Self {
        self.followup = followup;
        self
    }

    /// Sets `mail.dir`: retention deletes the old `.eml` files there (messages written by
    /// the file transport, now or before a switch to SMTP).
    pub fn with_mail_dir(mut self, dir: Option<std::path::PathBuf>) -> Self {
        self.mail_dir = dir;
        self
    }

    /// Sets the `[auth]` settings (sessions and lockout).
    pub fn with_auth(mut self, auth: AuthSettings) -> Self {
        self.passwords = passwords::PasswordPool::new(auth.hash_concurrency);
        self.oidc = Self::oidc_client(&auth.oidc);
        self.auth = auth;
        self
    }

    pub fn auth_settings(&self) -> &AuthSettings {
        &self.auth
    }

    /// Sets the `[templates]` settings.
    pub fn with_templates(mut self, templates: TemplatesSettings) -> Self {
        self.templates = templates;
        self
    }

    /// The `[templates]` settings.
    pub fn templates_settings(&self) -> &TemplatesSettings {
        &self.templates
    }

    /// Sets the `[retention]` settings.
    pub fn with_retention(mut self, retention: RetentionSettings) -> Self {
        self.retention = retention;
        self
    }

    pub fn retention_settings(&self) -> &RetentionSettings {
        &self.retention
    }

    /// The bounded pool password hashes run on.
    pub fn passwords(&self) -> &passwords::PasswordPool {
        &self.passwords
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
    #[tracing::instrument(skip_all, err)]
    pub async fn seed_defaults(&self) -> Result<(), EngineError> {
        profile::seed_default(&self.db).await?;
        questionnaires::seed_default(&self.db).await?;
        Ok(())
    }
}
