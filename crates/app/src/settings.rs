//! Configuration, read once here and handed to each crate by value: the embedded
//! `config/default.toml`, then the `--config` file, then `VOUCH__SECTION__KEY` variables.
//! Unknown keys are errors, so a misspelt variable is caught at start instead of ignored.

use std::path::Path;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

pub const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: api::ServerSettings,
    pub database: engine::DatabaseSettings,
    pub workflow: engine::WorkflowSettings,
    pub mail: mailer::MailSettings,
    pub limits: api::LimitsSettings,
    pub report: engine::ReportSettings,
    pub scoring: engine::ScoringSettings,
    pub auth: engine::AuthSettings,
    pub followup: engine::FollowupSettings,
    pub webhooks: engine::WebhooksSettings,
    pub retention: engine::RetentionSettings,
    pub templates: engine::TemplatesSettings,
    pub log: LogSettings,
    pub metrics: api::MetricsSettings,
    pub worker: WorkerSettings,
}

/// `[worker]`: what only `vouch worker` processes use.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// Where a worker serves `/metrics` (its email and webhook counters, which exist only
    /// in the process that sends); unset, it listens nowhere.
    pub metrics_addr: Option<String>,
}

/// `[log]`: how log lines are written (to stderr). Which lines is `VOUCH_LOG`, an
/// `EnvFilter` (default `info`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event; coloured only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

impl Settings {
    /// The embedded defaults alone, ignoring files and the environment (tests start here).
    pub fn defaults() -> Self {
        let mut settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("the embedded config/default.toml is valid (checked by a test)");
        settings.size_mail_pool();
        settings
    }

    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(path) = file {
            anyhow::ensure!(
                path.exists(),
                "config file {} does not exist",
                path.display()
            );
            figment = figment.merge(Toml::file(path));
        }
        let mut settings: Settings = figment
            .merge(Env::prefixed("VOUCH__").split("__"))
            .extract()
            .context("invalid configuration")?;
        settings.size_mail_pool();
        Ok(settings)
    }

    /// An unset SMTP pool follows the jobs this process runs at once, so an invitation
    /// never waits for a connection while the relay could take it.
    pub fn size_mail_pool(&mut self) {
        let jobs_at_once = self.workflow.workers.max(1) * self.workflow.concurrency.max(1);
        self.mail
            .smtp
            .pool_size
            .get_or_insert(u32::try_from(jobs_at_once).unwrap_or(u32::MAX));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_parse_and_match_the_contract() {
        let s: Settings = Figment::from(Toml::string(DEFAULTS)).extract().unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://vouch.db?mode=rwc");
        assert_eq!(s.workflow.max_references_per_case, 50);
        assert_eq!(s.workflow.concurrency, 16);
        assert_eq!(s.database.acquire_timeout_ms, 1500);
        assert_eq!(s.mail.transport, mailer::TransportKind::File);
        assert_eq!(s.limits.public_requests_per_minute, 60);
        assert!(!s.report.show_referee_identity);
        assert_eq!(s.scoring.min_seconds_per_question, 2.0);
        assert_eq!(s.scoring.source_gap_points, 20.0);
        assert_eq!(s.followup.pulse_days, [90, 365]);
        assert_eq!(s.scoring.blind_spot_points, 25.0);
        assert_eq!(s.scoring.default_single_organisation_reliability, 0.40);
        // The file and the engine's own default name the same mailbox providers.
        assert_eq!(
            s.scoring.public_mail_domains,
            engine::ScoringSettings::default().public_mail_domains
        );
        assert_eq!(s.mail.dir, std::path::PathBuf::from("mail"));
        assert_eq!(s.limits.login_attempts_per_minute, 10);
        assert_eq!(s.auth.lockout_after_failures, 5);
        assert_eq!(s.auth.session_idle_minutes, 720);
        assert!(s.auth.local_login);
        assert_eq!(s.auth.hash_concurrency, 0);
        assert_eq!(s.auth.max_concurrent_sign_ins, 32);
        assert_eq!(s.auth.oidc.role_claim, "groups");
        assert!(!s.auth.oidc.allow_signup && !s.auth.oidc.enabled());
        assert!(!s.mail.smtp.allow_plaintext_auth);
        assert_eq!(s.log.format, LogFormat::Text);
        assert!(s.metrics.enabled);
        assert!(s.metrics.token.is_none());
        assert!(s.worker.metrics_addr.is_none(), "off by default");
    }

    #[test]
    fn the_metrics_token_is_a_setting_never_shown() {
        let s: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(Toml::string(
                "[metrics]\nenabled = false\ntoken = \"scrape-me-0123456789\"",
            ))
            .extract()
            .unwrap();
        assert!(!s.metrics.enabled);
        let token = s.metrics.token.as_ref().expect("a token");
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(token),
            "scrape-me-0123456789"
        );
        assert!(!format!("{s:?}").contains("scrape-me"));
    }

    #[test]
    fn json_logs_are_a_setting() {
        let s: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(Toml::string("[log]\nformat = \"json\""))
            .extract()
            .unwrap();
        assert_eq!(s.log.format, LogFormat::Json);
        let err = Figment::from(Toml::string(DEFAULTS))
            .merge(Toml::string("[log]\nformat = \"xml\""))
            .extract::<Settings>()
            .unwrap_err();
        assert!(err.to_string().contains("xml"), "{err}");
    }

    #[test]
    fn the_production_example_is_a_valid_config() {
        let s: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(Toml::string(include_str!(
                "../../../config/production.toml.example"
            )))
            .extract()
            .unwrap();
        assert_eq!(s.server.public_url, "https://vouch.example.com");
        assert_eq!(s.auth.session_max_hours, 24);
    }

    #[test]
    fn the_smtp_pool_follows_the_jobs_run_at_once_unless_set() {
        let mut s = Settings::defaults();
        assert_eq!(s.mail.smtp.pool_size, Some(16));
        s.mail.smtp.pool_size = None;
        s.workflow.workers = 2;
        s.size_mail_pool();
        assert_eq!(s.mail.smtp.pool_size, Some(32));
        let mut s = Settings::defaults();
        s.mail.smtp.pool_size = Some(3);
        s.size_mail_pool();
        assert_eq!(s.mail.smtp.pool_size, Some(3));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = Figment::from(Toml::string(DEFAULTS))
            .merge(Toml::string("[database]\nurll = \"x\""))
            .extract::<Settings>()
            .unwrap_err();
        assert!(err.to_string().contains("urll"), "{err}");
    }
}
