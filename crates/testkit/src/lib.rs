//! Test harness (dev-dependency only): a fresh database per test, created by the real
//! migrations and dropped afterwards; the app started by `app::build`, as the binary
//! starts it, with the real HTTP server on a random port; the real
//! mailer speaking SMTP to a capturing sink on loopback; and a test clock that tests move
//! forward instead of sleeping. Jobs run when a test calls `engine.run_until_idle()`.
//!
//! SQLite is always available (a file in a temp dir, not `:memory:`, since every pooled
//! connection to `:memory:` would see its own empty database). PostgreSQL is used when
//! `VOUCH_TEST_DATABASE_URL` is set, or else at the default local address; when neither
//! answers, PostgreSQL tests are skipped with a message, unless `CI` is set, where a
//! missing database is a failure.
//!
//! Webhook tests send to a [`webhook_sink::WebhookSink`] on 127.0.0.1 (private targets are
//! allowed in test apps).
//!
//! Tests that stop and start the database server itself use [`pg_cluster::TempCluster`], a
//! cluster of their own in a temporary directory.

pub mod oidc_provider;
pub mod pg_cluster;
pub mod webhook_sink;

use std::sync::Arc;
use std::time::Duration;

use api::ServerSettings;
use engine::clock::TestClock;
use engine::domain::Role;
use engine::users::NewUser;
use engine::{Engine, WorkflowSettings};
use sea_orm::{ConnectionTrait, Database};
use smtp_sink::SmtpSink;
use uuid::Uuid;

pub use smtp_sink;

/// `server.public_url` of test apps: links in captured emails start with it.
pub const PUBLIC_URL: &str = "http://vouch.test";

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("vouch.db").display()
        );
        Self {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A new, empty PostgreSQL database, or `None` when PostgreSQL is not available and
    /// not required.
    pub async fn postgres() -> Option<Self> {
        let explicit = std::env::var("VOUCH_TEST_DATABASE_URL").ok();
        let required = explicit.is_some() || std::env::var_os("CI").is_some();
        let admin_url = explicit.unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
        let admin = match Database::connect(&admin_url).await {
            Ok(db) => db,
            Err(e) if !required => {
                eprintln!("skipping PostgreSQL test: {admin_url} is not reachable ({e})");
                return None;
            }
            Err(e) => panic!("PostgreSQL at {admin_url} is required but not reachable: {e}"),
        };
        let name = format!("vouch_test_{}", Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .expect("database URL has a path");
        Some(Self {
            url: format!("{base}/{name}"),
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres().await,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot block on itself: use a
            // short-lived runtime on another thread.
            let dropped = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    let admin = Database::connect(&admin_url).await?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await?;
                    admin.close().await
                })
            })
            .join();
            if let Ok(Err(e)) = dropped {
                eprintln!("could not drop test database: {e}");
            }
        }
    }
}

/// The whole application on a random port with its own database.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub engine: Engine,
    pub backend: Backend,
    pub clock: TestClock,
    pub smtp: SmtpSink,
    pub mailer: mailer::Mailer,
    server: actix_web::dev::ServerHandle,
    _db: TestDb,
    /// `mail.dir` of this app: a directory of its own, so retention (which deletes old
    /// `.eml` files there) never looks at a real one.
    mail_dir: tempfile::TempDir,
}

pub struct TestConfig {
    pub workflow: WorkflowSettings,
    pub limits: api::LimitsSettings,
    pub report: engine::ReportSettings,
    pub auth: engine::AuthSettings,
    /// Private targets are allowed here: every test receiver is on 127.0.0.1.
    pub webhooks: engine::WebhooksSettings,
    pub trusted_proxies: Vec<String>,
    /// `mail.smtp.timeout_seconds` of the app's mailer: how long it waits on the sink for
    /// each step (tests of a silent mail server lower it).
    pub smtp_timeout_seconds: u64,
    /// `[metrics]`: on, without a token, as configured by default.
    pub metrics: api::MetricsSettings,
    /// `[retention]`: the defaults (180 days, 365 days, 30 days).
    pub retention: engine::RetentionSettings,
    /// `server.public_url` instead of [`PUBLIC_URL`] (links in emails then use it too).
    pub public_url: Option<String>,
}

impl Default for TestConfig {
    fn default() -> Self {
        Self {
            workflow: WorkflowSettings::default(),
            // High enough that only the rate-limit tests ever meet the limit.
            limits: api::LimitsSettings {
                public_requests_per_minute: 10_000,
                login_attempts_per_minute: 10_000,
                scim_requests_per_minute: 10_000,
            },
            report: engine::ReportSettings::default(),
            auth: engine::AuthSettings::default(),
            webhooks: engine::WebhooksSettings {
                allow_private_targets: true,
                ..Default::default()
            },
            trusted_proxies: Vec::new(),
            smtp_timeout_seconds: 5,
            metrics: api::MetricsSettings::default(),
            retention: engine::RetentionSettings::default(),
            public_url: None,
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, TestConfig::default()).await
    }

    /// Starts the app through `app::build`, the binary's own startup, with the embedded
    /// defaults overridden by `config`, the test's database, a random port, and SMTP to
    /// the capturing sink.
    pub async fn spawn_with(backend: Backend, config: TestConfig) -> Option<Self> {
        let db = TestDb::new(backend).await?;
        let smtp = SmtpSink::start().await;
        let mail_dir = tempfile::tempdir().expect("a mail directory");
        let mut settings = app::Settings::defaults();
        settings.database.url = db.url.clone();
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| PUBLIC_URL.into());
        settings.server = ServerSettings {
            bind: "127.0.0.1:0".into(),
            public_url: public_url.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            workers: Some(1),
            ..ServerSettings::default()
        };
        settings.workflow = config.workflow;
        settings.limits = config.limits;
        settings.report = config.report;
        settings.auth = config.auth;
        settings.webhooks = config.webhooks;
        settings.metrics = config.metrics;
        settings.retention = config.retention;
        settings.mail = mailer::MailSettings {
            transport: mailer::TransportKind::Smtp,
            from: "Vouch <vouch@vouch.test>".into(),
            smtp: mailer::SmtpSettings {
                host: "127.0.0.1".into(),
                port: Some(smtp.port()),
                tls: mailer::Tls::None,
                timeout_seconds: config.smtp_timeout_seconds,
                ..Default::default()
            },
            dir: mail_dir.path().to_owned(),
            ..Default::default()
        };
        settings.size_mail_pool();
        let catalogue = app::load_catalogue(&settings).expect("locale settings");
        let mailer = mailer::Mailer::with_catalogue(&settings.mail, &public_url, catalogue)
            .expect("mailer settings");
        let clock = TestClock::default();
        let app::App {
            engine,
            server: app,
        } = app::build(&settings, Arc::new(clock.clone()), Arc::new(mailer.clone()))
            .await
            .expect("start the app");
        let port = app.port();
        let server = app.handle();
        tokio::spawn(app.run_until_stopped());
        engine::webhooks::install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Some(Self {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client,
            engine,
            backend,
            clock,
            smtp,
            mailer,
            server,
            _db: db,
            mail_dir,
        })
    }

    /// The app's `mail.dir`.
    pub fn mail_dir(&self) -> &std::path::Path {
        self.mail_dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The URL of this test's database, for running other processes (e.g. `vouch
    /// worker`) against it.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// Creates a user with `role` and returns an API token for it.
    pub async fn token_for(&self, role: Role) -> String {
        let email = format!("{}-{}@example.com", role, Uuid::new_v4().simple());
        let user = self
            .engine
            .create_user(NewUser {
                email: &email,
                name: &format!("Test {role}"),
                role,
                password: None,
            })
            .await
            .expect("create user");
        self.engine
            .accounts()
            .create_api_token(user.id, "test", None, &engine::audit::Actor::System)
            .await
            .expect("create token")
    }

    /// GETs `path` as an anonymous visitor (a referee, a provider, a browser).
    pub async fn fetch(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// POSTs `form` (urlencoded) to `path` as an anonymous visitor, as a browser does.
    pub async fn post_form<T: serde::Serialize + ?Sized>(
        &self,
        path: &str,
        form: &T,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub fn get(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(token)
    }

    pub fn put(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.put(self.url(path)).bearer_auth(token)
    }

    /// Creates an active user with `role` who can sign in to the web UI with `password`.
    pub async fn staff_user(&self, role: Role, password: &str) -> engine::domain::User {
        let email = format!("{}-{}@example.com", role, Uuid::new_v4().simple());
        self.engine
            .create_user(NewUser {
                email: &email,
                name: &format!("Test {role}"),
                role,
                password: Some(password),
            })
            .await
            .expect("create user")
    }

    /// A browser-like client of the staff UI, not signed in.
    pub fn ui(&self) -> UiClient {
        UiClient {
            address: self.address.clone(),
            client: self.client.clone(),
            cookies: Default::default(),
        }
    }

    /// A UI client signed in as a new user with `role`.
    pub async fn ui_as(&self, role: Role) -> UiClient {
        let user = self.staff_user(role, UI_PASSWORD).await;
        let ui = self.ui();
        let res = ui.login(&user.email, UI_PASSWORD).await;
        assert_eq!(res.status(), 303, "sign in as {role}");
        ui
    }

    /// Creates a provider through the API and returns its JSON.
    pub async fn create_provider(&self, token: &str) -> serde_json::Value {
        let res = self
            .post("/api/v1/providers", token)
            .json(&serde_json::json!({
                "name": "Ledger & Co",
                "category": "accounting",
                "website": "https://ledger.example",
                "contact_name": "Pat Ledger",
                "contact_email": "pat@ledger.example"
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201, "create provider");
        res.json().await.expect("json")
    }

    /// Adds a referee to a case through the API and returns the reference JSON.
    pub async fn add_reference(&self, token: &str, case_id: &str, n: usize) -> serde_json::Value {
        let res = self
            .post(&format!("/api/v1/cases/{case_id}/references"), token)
            .json(&serde_json::json!({
                "name": format!("Referee {n}"),
                // Unique per case: the same person asked in many cases would meet the
                // fatigue limit (three first invitations in 90 days).
                "email": format!("referee{n}.{}@client{n}.example", &case_id[case_id.len() - 12..]),
                "company": format!("Client {n}"),
                "relationship": "client since 2021"
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201, "add reference");
        res.json().await.expect("json")
    }

    /// The referee link tokens in the captured emails to `email`, oldest first.
    pub fn links_sent_to(&self, email: &str) -> Vec<String> {
        self.tokens_sent_to(email, "/r/")
    }

    /// The tokens of links `{PUBLIC_URL}{path}<token>` in the captured emails to `email`.
    pub fn tokens_sent_to(&self, email: &str, path: &str) -> Vec<String> {
        let prefix = format!("{PUBLIC_URL}{path}");
        self.smtp
            .messages()
            .iter()
            .filter(|m| m.recipients.iter().any(|r| r == email))
            .filter_map(|m| {
                let parsed = mail_parser::MessageParser::default().parse(&m.data)?;
                let text = parsed.body_text(0)?.into_owned();
                let start = text.find(&prefix)? + prefix.len();
                let token: String = text[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                Some(token)
            })
            .collect()
    }

    /// Creates a provider and a draft case through the API and returns the case JSON.
    pub async fn create_case(&self, token: &str) -> serde_json::Value {
        let provider = self.create_provider(token).await;
        let res = self
            .post("/api/v1/cases", token)
            .json(&serde_json::json!({ "provider_id": provider["id"] }))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201, "create case");
        res.json().await.expect("json")
    }
}

/// The password of users made by `TestApp::ui_as`.
pub const UI_PASSWORD: &str = "correct horse battery staple";

/// A client of the staff UI that keeps cookies like a browser (only what the tests need:
/// name=value, deleted by `Max-Age=0`) and never follows redirects.
#[derive(Clone)]
pub struct UiClient {
    address: String,
    client: reqwest::Client,
    cookies: Arc<std::sync::Mutex<std::collections::BTreeMap<String, String>>>,
}

impl UiClient {
    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, res: &reqwest::Response) {
        let mut jar = self.cookies.lock().unwrap();
        for value in res.headers().get_all(reqwest::header::SET_COOKIE) {
            let value = value.to_str().unwrap_or_default();
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, v)) = pair.split_once('=') {
                if v.is_empty() || value.contains("Max-Age=0") {
                    jar.remove(name);
                } else {
                    jar.insert(name.to_owned(), v.to_owned());
                }
            }
        }
    }

    /// The value of a cookie the server set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        let res = self
            .client
            .get(format!("{}{path}", self.address))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("request");
        self.keep_cookies(&res);
        res
    }

    /// GETs a page and returns its status and HTML.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// POSTs a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let res = self
            .client
            .post(format!("{}{path}", self.address))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .form(fields)
            .send()
            .await
            .expect("request");
        self.keep_cookies(&res);
        res
    }

    /// POSTs a form with the CSRF token of the page at `from` (as a browser submitting a
    /// form on that page would).
    pub async fn post(&self, from: &str, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let (_, html) = self.page(from).await;
        let csrf = csrf_of(&html).unwrap_or_else(|| panic!("no CSRF token on {from}"));
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Signs in through the login form.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/ui/login",
            "/ui/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The CSRF token in a page's forms.
pub fn csrf_of(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_owned())
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; nothing needs to await its completion, since
        // the test's runtime ends with the test.
        drop(self.server.stop(false));
    }
}
