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

pub use settings::{LogFormat, LogSettings, Settings};

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
        .with_webhooks(settings.webhooks.clone());
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
pub fn init_logging(log: &LogSettings) {
    let filter = EnvFilter::try_from_env("VOUCH_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}
