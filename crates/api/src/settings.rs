//! The `[server]`, `[limits]` and `[metrics]` config sections.

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to listen on; port 0 picks a free one.
    pub bind: String,
    /// Base of every link in emails, e.g. `https://vouch.example.com`.
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// HTTP worker threads; one per core when unset.
    pub workers: Option<usize>,
    /// The language of referee pages and emails when neither the reference, the link,
    /// the browser nor the case decides: one of the available locales.
    pub default_locale: String,
    /// `<locale>.ftl` files that override shipped messages or add a locale.
    pub locales_dir: Option<std::path::PathBuf>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
            workers: None,
            default_locale: "en".into(),
            locales_dir: None,
        }
    }
}

/// `[limits]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSettings {
    /// Requests per minute per client address on the public routes.
    pub public_requests_per_minute: u32,
    /// Sign-in attempts per minute per client address on `/ui/login`.
    pub login_attempts_per_minute: u32,
    /// Requests per minute per client address on `/scim/v2` (a provisioning run of the
    /// identity provider is bursty; a stolen-token flood is not unlimited).
    pub scim_requests_per_minute: u32,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        Self {
            public_requests_per_minute: 60,
            login_attempts_per_minute: 10,
            scim_requests_per_minute: 600,
        }
    }
}

/// `[metrics]`: the Prometheus endpoint `/metrics`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsSettings {
    /// Off: no request metrics are recorded and `/metrics` answers 404.
    pub enabled: bool,
    /// When set, `/metrics` needs `Authorization: Bearer <token>` and answers any client;
    /// unset, it answers loopback clients only. A secret: never logged or shown.
    pub token: Option<SecretString>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            token: None,
        }
    }
}
