//! Startup, shared by the `vouch` binary and the test kit, so that tests run the binary's
//! own wiring: configuration (`Settings`), logging, and `build`, which opens the
//! database (migrating it and seeding the defaults), makes the engine with every
//! configured section, and binds the HTTP server.

pub mod settings;

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use engine::Engine;
use engine::clock::Clock;
use engine::mail::MailSender;
use tracing_subscriber::EnvFilter;

pub use settings::{LogFormat, LogSettings, Settings, WorkerSettings};

/// The engine and the bound (not yet running) HTTP server.
pub struct App {
    pub engine: Engine,
    pub server: api::Application,
}

/// Opens the engine and binds the HTTP server on `settings.server.bind`.
pub async fn build(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    mail: Arc<dyn MailSender>,
) -> anyhow::Result<App> {
    let engine = open_engine(settings, clock, mail).await?;
    let server = api::Application::build(
        settings.server.clone(),
        settings.limits.clone(),
        settings.metrics.clone(),
        engine.clone(),
    )
    .with_context(|| format!("cannot listen on {}", settings.server.bind))?;
    Ok(App { engine, server })
}

/// `vouch worker`'s `/metrics` listener, bound on `worker.metrics_addr` (not yet running),
/// or none when that is unset. Same exporter, token and access rules as `serve`'s.
pub fn worker_metrics(
    settings: &Settings,
    engine: &Engine,
) -> anyhow::Result<Option<api::Application>> {
    let Some(addr) = settings.worker.metrics_addr.as_deref() else {
        return Ok(None);
    };
    let server = api::Application::metrics_only(addr, settings.metrics.clone(), engine.clone())
        .with_context(|| format!("worker.metrics_addr: cannot listen on {addr}"))?;
    Ok(Some(server))
}

/// The message catalogue for referee-facing text: the shipped locales, with the
/// operator's `server.locales_dir` on top and `server.default_locale` as the default.
pub fn load_catalogue(settings: &Settings) -> anyhow::Result<Arc<i18n::Catalogue>> {
    let catalogue = i18n::Catalogue::load(
        settings.server.locales_dir.as_deref(),
        &settings.server.default_locale,
    )
    .context("server.locales_dir / server.default_locale")?;
    Ok(Arc::new(catalogue))
}

/// The configured mailer (file or SMTP), writing to referees in their language.
pub fn mailer(settings: &Settings) -> anyhow::Result<mailer::Mailer> {
    mailer::Mailer::with_catalogue(
        &settings.mail,
        &settings.server.public_url,
        load_catalogue(settings)?,
    )
    .context("mail settings")
}

/// Connects, migrates and seeds: every command that touches data starts here, so a fresh
/// machine needs no separate setup step.
pub async fn open_engine(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    mail: Arc<dyn MailSender>,
) -> anyhow::Result<Engine> {
    let db = engine::db::connect_with(&settings.database)
        .await
        .with_context(|| {
            format!(
                "cannot open the database at {}",
                engine::settings::redact_url(&settings.database.url)
            )
        })?;
    engine::db::migrate(&db)
        .await
        .context("migrations failed")?;
    let engine = Engine::new(db, settings.workflow.clone(), clock, mail)
        .with_report(settings.report.clone())
        .with_scoring(settings.scoring.clone())
        .with_followup(settings.followup.clone())
        .with_auth(settings.auth.clone())
        .with_webhooks(settings.webhooks.clone())
        .with_retention(settings.retention.clone())
        .with_mail_dir(Some(settings.mail.dir.clone()))
        .with_templates(settings.templates.clone())
        .with_catalogue(load_catalogue(settings)?);
    engine
        .seed_defaults()
        .await
        .context("seeding defaults failed")?;
    engine
        .passwords()
        .warm_up()
        .await
        .context("preparing password checks failed")?;
    Ok(engine)
}

/// Logs to stderr: which events by `VOUCH_LOG` (an `EnvFilter`, default `info`), in the
/// configured format. Colour codes only when stderr is a terminal, so files and pipes
/// get plain text.
/// What a long-running process (`serve`, `worker`) logs unless `VOUCH_LOG` says otherwise.
pub const SERVICE_LOG: &str = "info,sqlx=warn,sea_orm=warn";
/// What a one-shot command logs unless `VOUCH_LOG` says otherwise: its own output is the
/// point, and the engine's info events (every invitation sent, every job run) would bury it.
pub const COMMAND_LOG: &str = "warn";

/// Logging to stderr, filtered by `VOUCH_LOG` or else by `default`.
pub fn init_logging(log: &LogSettings, default: &str) {
    let filter = EnvFilter::try_from_env("VOUCH_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactedStderr);
    match log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

/// Stderr, with every email address in a log line shortened (`r***@example.com`): a
/// mail server's error or a library's message can quote a referee's address, and no
/// such line should reach a log collector whole. Each event is formatted first and
/// written in one call, so a line is redacted whole.
struct RedactedStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for RedactedStderr {
    type Writer = RedactingWriter<std::io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(std::io::stderr())
    }
}

/// A writer that shortens email addresses in what passes through it.
pub struct RedactingWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0
            .write_all(engine::privacy::redact::redact_addresses(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
