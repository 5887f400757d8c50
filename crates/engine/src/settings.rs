//! The engine's config sections (`[database]`, `[workflow]`), received by value from the
//! binary.

use std::fmt;

use serde::Deserialize;

pub use store::db::{DatabaseSettings, redact_url};

/// `[scoring]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoringSettings {
    /// A response faster than this many seconds per question is flagged `fraud_too_fast`.
    pub min_seconds_per_question: f64,
    /// Mailbox providers anyone can sign up to: a referee there is grouped into a client
    /// organisation by the company they name, not by their address.
    pub public_mail_domains: Vec<String>,
    /// `source_gap`: nominated references rate a dimension this many points (0–100) above
    /// the references staff found.
    pub source_gap_points: f64,
    /// `blind_spot`: the provider rates itself this many points above its clients.
    pub blind_spot_points: f64,
    /// r1 (DESIGN.md "Sufficiency") until this installation has enough released cases
    /// to estimate it: the inter-referee correlation reported for reference checks.
    pub default_single_organisation_reliability: f64,
}

impl Default for ScoringSettings {
    fn default() -> Self {
        Self {
            min_seconds_per_question: 2.0,
            public_mail_domains: crate::organisations::DEFAULT_PUBLIC_MAIL_DOMAINS
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
            source_gap_points: 20.0,
            blind_spot_points: 25.0,
            default_single_organisation_reliability: 0.40,
        }
    }
}

/// `[templates]`: questionnaire templates.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemplatesSettings {
    /// Publishing a version whose `estimated_seconds` is above this is refused: past ten
    /// minutes busy referees give up far more often than they finish.
    pub max_estimated_seconds: u32,
}

impl Default for TemplatesSettings {
    fn default() -> Self {
        Self {
            max_estimated_seconds: 600,
        }
    }
}

/// `[followup]`: what happens after an approval.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowupSettings {
    /// Days after the decision at which each pulse starts by itself.
    pub pulse_days: Vec<u32>,
    /// Days a pulse's stakeholders have to answer.
    pub pulse_deadline_days: u32,
    /// A pulse is flagged `partnership_gap` when the buyer's alignment and the provider
    /// side's differ by at least this many points (0–100).
    pub partnership_gap_points: f64,
}

impl Default for FollowupSettings {
    fn default() -> Self {
        Self {
            pulse_days: vec![90, 365],
            pulse_deadline_days: 14,
            partnership_gap_points: 20.0,
        }
    }
}

/// `[retention]`: how long personal data is kept (API.md "Privacy", docs/privacy.md).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSettings {
    /// Days after a case ends (decided, cancelled, or a pulse scored) before its referees'
    /// names, addresses, IP addresses and user agents are erased; 0 = at the next run.
    pub referee_identity_days: u32,
    /// Days after a case ends before its free-text answers and decline reasons are erased.
    pub comments_days: u32,
    /// Days finished webhook deliveries are kept for the admin's delivery log.
    pub delivery_log_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            referee_identity_days: 180,
            comments_days: 365,
            delivery_log_days: 30,
        }
    }
}

/// `[auth]`: staff sign-in to the web UI.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// A session unused for this long signs out.
    pub session_idle_minutes: u32,
    /// A session ends this long after sign-in, however busy.
    pub session_max_hours: u32,
    /// Wrong passwords in a row that lock an account for browsers it has not signed in
    /// from before (and, separately, for one known browser).
    pub lockout_after_failures: u32,
    /// How long such a lockout lasts.
    pub lockout_minutes: u32,
    /// How long a browser that signed in stays known (its device cookie), in days.
    pub device_cookie_days: u32,
    /// Password checks run at once (argon2id on the blocking pool); 0: one per core.
    pub hash_concurrency: usize,
    /// Sign-in attempts in progress at once, waiting ones included; more answer 429.
    pub max_concurrent_sign_ins: usize,
    /// Password sign-in for everyone. Off (with single sign-on set up), only accounts an
    /// admin marked as break-glass may sign in with a password.
    pub local_login: bool,
    /// `[auth.oidc]`: single sign-on; off while `issuer` is empty.
    pub oidc: OidcSettings,
    /// `[auth.scim]`: provisioning from the identity provider (`/scim/v2`).
    pub scim: ScimSettings,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_minutes: 720,
            session_max_hours: 168,
            lockout_after_failures: 5,
            lockout_minutes: 15,
            device_cookie_days: 365,
            hash_concurrency: 0,
            max_concurrent_sign_ins: 32,
            local_login: true,
            oidc: OidcSettings::default(),
            scim: ScimSettings::default(),
        }
    }
}

/// `[auth.scim]`: provisioning. Each value list, when set, replaces the same list of
/// `[auth.oidc]` for roles that come from provisioned groups; unset, the OIDC list is
/// used, so one mapping serves both sources.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScimSettings {
    pub admin_values: Option<Vec<String>>,
    pub ops_values: Option<Vec<String>>,
    pub hr_values: Option<Vec<String>>,
}

/// Which group (or role-claim) values make an admin, ops lead or HR reviewer.
#[derive(Clone, Debug, Default)]
pub struct RoleMapping {
    pub admin_values: Vec<String>,
    pub ops_values: Vec<String>,
    pub hr_values: Vec<String>,
}

impl RoleMapping {
    /// The role `values` give: admin, else ops, else hr; `None` when none is mapped.
    pub fn role_of<S: AsRef<str>>(&self, values: &[S]) -> Option<crate::domain::Role> {
        use crate::domain::Role;
        let has = |wanted: &[String]| {
            values
                .iter()
                .any(|v| wanted.iter().any(|w| w == v.as_ref()))
        };
        if has(&self.admin_values) {
            Some(Role::Admin)
        } else if has(&self.ops_values) {
            Some(Role::Ops)
        } else if has(&self.hr_values) {
            Some(Role::Hr)
        } else {
            None
        }
    }
}

impl OidcSettings {
    /// The role mapping of the ID token's role claim.
    pub fn role_mapping(&self) -> RoleMapping {
        RoleMapping {
            admin_values: self.admin_values.clone(),
            ops_values: self.ops_values.clone(),
            hr_values: self.hr_values.clone(),
        }
    }
}

impl AuthSettings {
    /// The role mapping of provisioned groups' `displayName`: `[auth.scim]`'s lists where
    /// set, else `[auth.oidc]`'s.
    pub fn scim_role_mapping(&self) -> RoleMapping {
        let pick = |scim: &Option<Vec<String>>, oidc: &Vec<String>| {
            scim.clone().unwrap_or_else(|| oidc.clone())
        };
        RoleMapping {
            admin_values: pick(&self.scim.admin_values, &self.oidc.admin_values),
            ops_values: pick(&self.scim.ops_values, &self.oidc.ops_values),
            hr_values: pick(&self.scim.hr_values, &self.oidc.hr_values),
        }
    }
}

/// `[auth.oidc]`: staff sign-in through the company's OpenID Connect provider.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcSettings {
    /// The provider's issuer URL (its discovery document is
    /// `{issuer}/.well-known/openid-configuration`); empty: single sign-on is off.
    pub issuer: String,
    pub client_id: String,
    /// A secret: never logged or shown.
    pub client_secret: Option<secrecy::SecretString>,
    /// The name on the sign-in button ("Sign in with …"); empty: the issuer's host.
    pub display_name: String,
    /// The ID token claim holding the person's groups or roles; a dotted path reaches
    /// into nested objects (`realm_access.roles`).
    pub role_claim: String,
    /// Values of the role claim that make someone an admin, ops lead or HR reviewer (the
    /// first that matches, in that order). Nobody without one of them may sign in.
    pub admin_values: Vec<String>,
    pub ops_values: Vec<String>,
    pub hr_values: Vec<String>,
    /// Whether someone with a role but no Vouch account gets one at first sign-in.
    pub allow_signup: bool,
    /// Seconds a fetched discovery document and key set are used before fetching anew
    /// (keys are also fetched again when a token names one not seen yet).
    pub cache_seconds: u64,
    /// Seconds to wait for the provider's answer.
    pub timeout_seconds: u64,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: None,
            display_name: String::new(),
            role_claim: "groups".into(),
            admin_values: Vec::new(),
            ops_values: Vec::new(),
            hr_values: Vec::new(),
            allow_signup: false,
            cache_seconds: 3600,
            timeout_seconds: 10,
        }
    }
}

impl OidcSettings {
    pub fn enabled(&self) -> bool {
        !self.issuer.trim().is_empty()
    }

    /// The provider's name for the sign-in button.
    pub fn provider_name(&self) -> String {
        if !self.display_name.trim().is_empty() {
            return self.display_name.trim().to_owned();
        }
        let rest = self
            .issuer
            .split_once("://")
            .map_or(&*self.issuer, |(_, r)| r);
        rest.split(['/', ':']).next().unwrap_or(rest).to_owned()
    }
}

/// `[report]`: what the report (and the referee, in advance) is told about identities.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// Show referees' names next to their answers and comments (default: anonymised).
    pub show_referee_identity: bool,
    /// Anonymised reports show per-referee detail (chart points, per-referee rows, quoted
    /// comments) only from this many complete responses: with fewer, a reader who knows
    /// who answered could tell who said what.
    pub min_responses_for_detail: u32,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            show_referee_identity: false,
            min_responses_for_detail: 3,
        }
    }
}

impl ReportSettings {
    /// Whether a report with `responses` complete responses may show per-referee detail.
    pub fn shows_detail(&self, responses: u32) -> bool {
        self.show_referee_identity || responses >= self.min_responses_for_detail
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowSettings {
    /// Most references one case may hold; more is a validation error.
    pub max_references_per_case: u32,
    /// Days after an invitation at which a silent referee is reminded.
    pub reminder_days: Vec<u32>,
    /// How often an idle worker looks for due jobs.
    pub poll_interval_ms: u64,
    /// First retry delay of a failed job; it doubles with each attempt (with jitter).
    pub retry_base_seconds: u64,
    /// Attempts before a job is dead-lettered.
    pub max_attempts: u32,
    /// How long a claimed job is reserved for its worker; after that another worker may
    /// take it over (the first one is presumed dead).
    pub lease_seconds: u64,
    /// Job workers run by each `vouch serve` or `vouch worker` process; 0 on `serve` runs
    /// none in-process (the API alone, with `vouch worker` processes beside it).
    pub workers: usize,
    /// Jobs each worker runs at once. A job spends most of its time waiting on the mail
    /// server or the database, so this, not `workers`, is what sets the dispatch rate.
    pub concurrency: usize,
    /// First invitations one address may get in 90 days, across all cases, before adding
    /// it again needs an override reason (0: no limit).
    pub referee_requests_per_90_days: u32,
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        Self {
            max_references_per_case: 50,
            reminder_days: vec![3, 7],
            poll_interval_ms: 1000,
            retry_base_seconds: 60,
            max_attempts: 8,
            lease_seconds: 60,
            workers: 1,
            concurrency: 16,
            referee_requests_per_90_days: 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_proxy_must_be_an_http_url_and_is_checked_when_read() {
        let read = |toml: &str| {
            serde_json::from_value::<WebhooksSettings>(toml.parse::<serde_json::Value>().unwrap())
        };
        assert_eq!(read("{}").unwrap().proxy, None);
        assert_eq!(read(r#"{"proxy": ""}"#).unwrap().proxy, None);
        let set = read(r#"{"proxy": "http://proxy.internal:3128"}"#).unwrap();
        assert_eq!(set.proxy.unwrap().as_str(), "http://proxy.internal:3128/");
        let secret = read(r#"{"proxy": "http://vouch:hunter2@proxy.internal:3128"}"#).unwrap();
        let shown = format!("{secret:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("vouch:***@proxy.internal"),
            "{shown}"
        );
        for bad in [
            r#"{"proxy": "proxy.internal:3128"}"#,
            r#"{"proxy": "socks5://p:1080"}"#,
            r#"{"proxy": "not a url"}"#,
        ] {
            let err = read(bad).unwrap_err().to_string();
            assert!(err.contains("webhooks.proxy"), "{bad}: {err}");
        }
    }

    #[test]
    fn database_url_password_is_redacted_in_debug_output() {
        let s = DatabaseSettings {
            url: "postgres://vouch:hunter2@db:5432/vouch".into(),
            ..Default::default()
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("postgres://vouch:***@db:5432/vouch"),
            "{shown}"
        );
        assert_eq!(
            redact_url("sqlite://vouch.db?mode=rwc"),
            "sqlite://vouch.db?mode=rwc"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}

/// `[webhooks]`: signed event notifications to other systems. `Debug` hides the proxy's
/// password, like the database URL's.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksSettings {
    /// Seconds before each retry of a failed delivery (each stretched by up to ±20% at
    /// random, so receivers that come back are not hit by every sender at once); a
    /// receiver's longer `Retry-After` wins.
    pub retry_schedule_seconds: Vec<u64>,
    /// An endpoint whose deliveries have failed without a success for this long is
    /// disabled, and the admins are emailed.
    pub disable_after_hours: u32,
    /// Seconds to wait for a receiver's answer.
    pub timeout_seconds: u64,
    /// Lets endpoints point at loopback, private and link-local addresses (tests, or a
    /// receiver inside the same network). Off by default: a webhook URL must not become a
    /// way to reach the machines beside Vouch.
    pub allow_private_targets: bool,
    /// An HTTP(S) proxy every delivery goes through. Unset (the default), deliveries go
    /// straight to the receiver and the `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` variables are
    /// ignored: a proxy resolves the receiver's name itself, so the public-address check
    /// would hold only for the proxy, not for where the request ends up. Set, that check
    /// is the proxy's job. Checked as an `http://` or `https://` URL when the settings
    /// are read, so a typo stops the start instead of failing each delivery.
    #[serde(deserialize_with = "proxy_url")]
    pub proxy: Option<reqwest::Url>,
}

impl Default for WebhooksSettings {
    fn default() -> Self {
        Self {
            retry_schedule_seconds: vec![5, 300, 1800, 7200, 18000, 36000, 36000],
            disable_after_hours: 120,
            timeout_seconds: 15,
            allow_private_targets: false,
            proxy: None,
        }
    }
}

impl fmt::Debug for WebhooksSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhooksSettings")
            .field("retry_schedule_seconds", &self.retry_schedule_seconds)
            .field("disable_after_hours", &self.disable_after_hours)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("allow_private_targets", &self.allow_private_targets)
            .field(
                "proxy",
                &self.proxy.as_ref().map(|p| redact_url(p.as_str())),
            )
            .finish()
    }
}

/// `webhooks.proxy`: absent or empty is none; anything else must be an absolute
/// `http://` or `https://` URL with a host (the only proxies the HTTP client speaks).
fn proxy_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<reqwest::Url>, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    parse_proxy_url(raw.trim())
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn parse_proxy_url(raw: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw)
        .map_err(|e| format!("webhooks.proxy {raw:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "webhooks.proxy {raw:?} must be an http:// or https:// URL with a host"
        ));
    }
    Ok(url)
}
