//! The `vouch` binary: reads configuration once, builds the concrete parts through `app`
//! (the same startup the tests use) and runs the command asked for.

mod cli;
mod demo;
mod demo_engagements;
mod demo_insights;

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use app::Settings;
use clap::Parser;
use engine::Engine;
use engine::clock::SystemClock;
use engine::jobs::Worker;
use engine::users::NewUser;
use validator::ValidateEmail;

use cli::{AdminCommand, Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logging is configured by the settings, so they are read first; a configuration
    // error is printed as it is.
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let default_log = match cli.command {
        Command::Serve | Command::Worker => app::SERVICE_LOG,
        _ => app::COMMAND_LOG,
    };
    app::init_logging(&settings.log, default_log);
    let code = match run(cli.command, settings).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    // Everything is done and written: exit here rather than by dropping the runtime. Its
    // teardown waits for every worker thread, and sqlx's pool maintenance task was seen
    // spinning in `try_acquire` without yielding after a CLI command, so that wait never
    // ended (a `vouch admin create-token` that printed its token and never exited).
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

/// The engine with the configured mailer (file or SMTP) and the system clock.
async fn open_engine(settings: &Settings) -> anyhow::Result<Engine> {
    let mail = app::mailer(settings)?;
    app::open_engine(settings, Arc::new(SystemClock), Arc::new(mail)).await
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(settings).await,
        Command::Worker => worker(settings).await,
        Command::Migrate => {
            open_engine(&settings).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Admin(cmd) => admin(settings, cmd).await,
        Command::Doctor => doctor(settings).await,
        Command::Demo => {
            let engine = open_engine(&settings).await?;
            demo::run(&settings, &engine).await
        }
        Command::Retention { dry_run } => {
            let engine = open_engine(&settings).await?;
            let report = engine.privacy().run_retention(dry_run).await?;
            print!("{}", retention_text(&report, &settings.retention));
            Ok(())
        }
    }
}

/// What `vouch retention` prints: totals per data class, then one line per case.
fn retention_text(
    r: &engine::privacy::retention::RetentionReport,
    settings: &engine::RetentionSettings,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let verb = if r.dry_run { "would erase" } else { "erased" };
    let _ = writeln!(
        out,
        "retention{}: referee identity after {} days, free text after {} days, webhook deliveries after {} days",
        if r.dry_run {
            " (dry run: nothing changed)"
        } else {
            ""
        },
        settings.referee_identity_days,
        settings.comments_days,
        settings.delivery_log_days
    );
    let _ = writeln!(
        out,
        "referee identity: {verb} {} reference(s)",
        r.identity.references
    );
    if !r.dry_run {
        let _ = writeln!(
            out,
            "  {} response IP/user agent(s), {} email log entries, {} audit event(s); provider contact IPs: {} nomination(s), {} self-assessment(s); {} other email log entries",
            r.identity.responses,
            r.identity.emails,
            r.identity.events,
            r.case_identity.nominations,
            r.case_identity.self_assessments,
            r.case_identity.emails
        );
    }
    let _ = writeln!(
        out,
        "free text: {verb} for {} reference(s)",
        r.comments.references
    );
    if !r.dry_run {
        let _ = writeln!(
            out,
            "  {} answer(s), {} decline reason(s), {} audit event(s)",
            r.comments.answers, r.comments.decline_reasons, r.comments.events
        );
    }
    let _ = writeln!(
        out,
        "stakeholders of ended engagements: {verb} {}",
        r.stakeholders
    );
    let _ = writeln!(out, "webhook deliveries: {verb} {}", r.webhook_deliveries);
    let _ = writeln!(
        out,
        "mail files (.eml in mail.dir): {verb} {}",
        r.mail_files
    );
    if let (Some(sessions), Some(keys)) = (r.sessions, r.idempotency_keys) {
        let _ = writeln!(
            out,
            "ended web sessions: {sessions}; idempotency answers older than a day: {keys}"
        );
    }
    for case in &r.cases {
        let _ = writeln!(
            out,
            "case {} ({}): identity {}, free text {}",
            case.case_id, case.title, case.identity, case.comments
        );
    }
    for case in &r.held_cases {
        let _ = writeln!(out, "case {case}: kept, under legal hold");
    }
    out
}

/// Starts `count` job workers; they stop when `stop` is set.
fn spawn_workers(
    engine: &Engine,
    count: usize,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<engine::jobs::WorkerReport>> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "vouch".into());
    (0..count)
        .map(|i| {
            let name = format!("{host}-{}-{i}", std::process::id());
            tokio::spawn(Worker::new(engine.clone(), name, stop.clone()).run())
        })
        .collect()
}

/// Finishes the jobs in hand, hands the rest back to the queue, and closes SMTP.
async fn stop_workers(
    stop: tokio::sync::watch::Sender<bool>,
    workers: Vec<tokio::task::JoinHandle<engine::jobs::WorkerReport>>,
) {
    let _ = stop.send(true);
    for w in workers {
        if let Err(e) = w.await {
            tracing::error!(error = %e, "worker task failed");
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    let mail = app::mailer(&settings)?;
    let app::App {
        engine,
        server: app,
    } = app::build(&settings, Arc::new(SystemClock), Arc::new(mail.clone())).await?;
    announce_setup_link(&engine, &settings.server.public_url).await?;
    tracing::info!(
        port = app.port(),
        public_url = %settings.server.public_url,
        "vouch is serving; API docs at /api/docs"
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = spawn_workers(&engine, settings.workflow.workers, &stop_rx);
    let handle = app.handle();
    let server = tokio::spawn(app.run_until_stopped());
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests and jobs");
    handle.stop(true).await;
    stop_workers(stop_tx, workers).await;
    mail.shutdown().await;
    server.await??;
    Ok(())
}

/// While no admin exists, prints (once, to the terminal and the log) a one-time link with
/// which the first admin creates their account.
async fn announce_setup_link(engine: &engine::Engine, public_url: &str) -> anyhow::Result<()> {
    let Some(token) = engine
        .accounts()
        .first_run_setup_token()
        .await
        .context("making the first-run setup link")?
    else {
        return Ok(());
    };
    let link = format!("{}/ui/setup/{token}", public_url.trim_end_matches('/'));
    println!(
        "No admin account exists yet. Open this link within {} hour to create the first one (it works once):\n  {link}\n(Or run `vouch admin create-user --role admin`.)",
        engine::setup::SETUP_LINK_HOURS
    );
    tracing::warn!(%link, "no admin account exists yet: open the one-time setup link (valid for an hour) to create the first one");
    Ok(())
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    let shutdown = shutdown_signal();
    let mail = app::mailer(&settings)?;
    let engine = app::open_engine(&settings, Arc::new(SystemClock), Arc::new(mail.clone())).await?;
    let metrics = app::worker_metrics(&settings, &engine)?.map(|server| {
        tracing::info!(port = server.port(), "worker metrics at /metrics");
        let handle = server.handle();
        (handle, tokio::spawn(server.run_until_stopped()))
    });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = spawn_workers(&engine, settings.workflow.workers.max(1), &stop_rx);
    tracing::info!(workers = workers.len(), "vouch worker running");
    shutdown.await;
    tracing::info!("shutting down: finishing in-flight jobs");
    stop_workers(stop_tx, workers).await;
    mail.shutdown().await;
    // Scraped until the last job's counters are in.
    if let Some((handle, server)) = metrics {
        handle.stop(true).await;
        server.await??;
    }
    Ok(())
}

/// Installs the SIGTERM / Ctrl-C handlers now (so a signal that arrives while starting up
/// is not lost to the default handler) and returns a future that resolves on either.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler cannot fail on unix");
    async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    }
}

async fn admin(settings: Settings, cmd: AdminCommand) -> anyhow::Result<()> {
    let engine = open_engine(&settings).await?;
    match cmd {
        AdminCommand::CreateUser {
            email,
            name,
            role,
            password_stdin,
        } => {
            if !email.validate_email() {
                bail!("--email: `{email}` is not a valid email address");
            }
            if name.trim().is_empty() {
                bail!("--name must not be blank");
            }
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from stdin")?;
                let password = line.trim_end_matches(['\r', '\n']).to_owned();
                if let Some(problem) = engine::passwords::policy_problem(&password) {
                    bail!("the password {problem}");
                }
                Some(password)
            } else {
                None
            };
            let user = engine
                .create_user(NewUser {
                    email: &email,
                    name: &name,
                    role,
                    password: password.as_deref(),
                })
                .await?;
            println!("{}", user.id);
            eprintln!("created {} user {}", user.role, user.email);
            Ok(())
        }
        AdminCommand::CreateToken {
            email,
            label,
            expires_days,
        } => {
            let user = engine
                .accounts()
                .find_user_by_email(&email)
                .await?
                .with_context(|| format!("no user with email {email}"))?;
            let expires_at =
                expires_days.map(|d| engine.now() + chrono::Duration::days(i64::from(d)));
            let token = engine
                .accounts()
                .create_api_token(user.id, &label, expires_at, &engine::audit::Actor::System)
                .await?;
            // The token alone on stdout, so scripts can capture it.
            println!("{token}");
            Ok(())
        }
        AdminCommand::CreateScimToken { label } => {
            let token = engine
                .provisioning()
                .create_scim_token(&label, &engine::audit::Actor::System)
                .await?;
            // The token alone on stdout, so scripts can capture it.
            println!("{token}");
            Ok(())
        }
    }
}

/// The job queue as the doctor sees it: a backlog or retries waiting (a mail relay that is
/// down shows here even once it is back) and dead jobs are warnings, not failures.
fn print_queue(health: &engine::jobs::QueueHealth) {
    let late = health
        .oldest_due
        .map(|t| (chrono::Utc::now() - t).num_seconds().max(0))
        .unwrap_or(0);
    println!(
        "jobs: {} due now (the oldest {late} s late), {} waiting to be retried, {} dead",
        health.due, health.retrying, health.dead
    );
    if let Some(error) = &health.last_error {
        println!("  WARNING: the latest failure: {error}");
    }
    if health.dead > 0 {
        println!("  WARNING: dead jobs need an admin: GET /api/v1/jobs?status=dead");
    }
}

async fn doctor(settings: Settings) -> anyhow::Result<()> {
    let mut problems = 0;
    println!("configuration: ok");
    println!(
        "database: {}",
        engine::settings::redact_url(&settings.database.url)
    );
    match engine::db::connect_with(&settings.database).await {
        Ok(db) => match engine::db::ping(&db).await {
            Ok(()) => {
                println!("  reachable: ok");
                // A database not migrated yet has no queue to report on.
                match engine::jobs::queue_health(&db, chrono::Utc::now()).await {
                    Ok(health) => print_queue(&health),
                    Err(e) => println!("jobs: not readable ({e})"),
                }
            }
            Err(e) => {
                problems += 1;
                println!("  reachable: FAILED ({e}); check database.url / VOUCH__DATABASE__URL");
            }
        },
        Err(e) => {
            problems += 1;
            println!("  connect: FAILED ({e}); check database.url / VOUCH__DATABASE__URL");
        }
    }
    println!(
        "server: listening on {}, links use {}",
        settings.server.bind, settings.server.public_url
    );
    match app::mailer(&settings) {
        Ok(mail) => {
            println!("mail: templates render, sender {}", settings.mail.from);
            mail.shutdown().await;
        }
        Err(e) => {
            problems += 1;
            println!("mail: FAILED ({e})");
        }
    }
    match settings.mail.transport {
        mailer::TransportKind::File => {
            println!(
                "mail: file transport, messages go to {}",
                settings.mail.dir.display()
            );
            // A public https address means real people get links; the file transport
            // sends them nothing and keeps every message (with live links) on disk.
            if settings.server.public_url.starts_with("https://") {
                println!(
                    "  WARNING: public_url is https but mail goes to files: referees receive nothing, and {} holds every message with its live link. Set mail.transport = \"smtp\" for production.",
                    settings.mail.dir.display()
                );
            }
        }
        mailer::TransportKind::Smtp => match mailer::check_smtp(&settings.mail.smtp).await {
            Ok(report) => {
                print!("{report}");
                if !report.is_ok() {
                    problems += 1;
                }
            }
            Err(e) => {
                problems += 1;
                println!("mail: FAILED ({e})");
            }
        },
    }
    if problems > 0 {
        bail!("{problems} problem(s) found");
    }
    println!("all checks passed");
    Ok(())
}
