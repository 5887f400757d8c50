//! The HTTP face of Vouch: the JSON API under `/api/v1` with its OpenAPI document and
//! docs page, the public referee and provider forms (`/r`, `/n`), the staff web UI (`/ui`),
//! and the health endpoints. Handlers validate input at the edge and hand everything else
//! to the engine; this crate never touches the database or sends mail itself.

mod auth;
mod docs;
mod downloads;
pub mod error;
mod extract;
mod health;
mod idempotency;
mod logging;
mod metrics;
mod openapi;
mod pages;
mod public;
mod ratelimit;
mod requests;
mod routes;
mod scim;
mod security;
mod settings;
mod ui;

use std::net::{IpAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use engine::Engine;

pub use openapi::ApiDoc;
pub use settings::{LimitsSettings, MetricsSettings, ServerSettings};

/// Shared state of every handler.
pub struct AppState {
    pub engine: Engine,
    pub settings: ServerSettings,
    pub trusted_proxies: Vec<IpAddr>,
    pub rate_limiter: ratelimit::RateLimiter,
    /// Sign-in attempts per client address on the staff UI.
    pub login_limiter: ratelimit::RateLimiter,
    /// Requests per client address on `/scim/v2`.
    pub scim_limiter: ratelimit::RateLimiter,
    /// Sign-ins in progress at once (`auth.max_concurrent_sign_ins`); past it, 429.
    pub sign_in_gate: std::sync::Arc<tokio::sync::Semaphore>,
    pub pages: pages::Pages,
    pub show_referee_identity: bool,
    /// `/metrics`; `None` when metrics are disabled.
    pub metrics: Option<metrics::Exporter>,
}

/// Every route: the JSON API and its docs, the public forms, the staff UI, the stylesheet
/// and icon they share, and `/`, which takes a person to the staff UI.
fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| async {
            actix_web::HttpResponse::SeeOther()
                .insert_header(("Location", "/ui"))
                .finish()
        }),
    )
    .service(pages::stylesheet)
    .service(metrics::scrape)
    .service(pages::favicon)
    .service(health::healthz)
    .service(health::readyz)
    .configure(docs::configure)
    // `/api/v1/public` before the `/api/v1` scope: scopes match in the order they are
    // registered, and the public forms need no bearer token.
    .configure(public::configure)
    .configure(ui::configure)
    .configure(scim::configure)
    .configure(routes::configure);
}

/// A bound, ready-to-run HTTP server. The listener is bound in `build`, so the port is
/// known (and accepting) before anything awaits the server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub fn build(
        settings: ServerSettings,
        limits: LimitsSettings,
        metrics: MetricsSettings,
        engine: Engine,
    ) -> std::io::Result<Self> {
        let trusted_proxies = settings
            .trusted_proxies
            .iter()
            .map(|p| {
                p.parse::<IpAddr>().map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("server.trusted_proxies: `{p}` is not an IP address"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let exporter = if metrics.enabled {
            Some(metrics::Exporter::install(metrics.token)?)
        } else {
            None
        };
        let record_requests = exporter.is_some();
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let pages = pages::Pages::load(std::sync::Arc::clone(engine.catalogue()));
        let sign_in_gate = std::sync::Arc::new(tokio::sync::Semaphore::new(
            engine.auth_settings().max_concurrent_sign_ins.max(1),
        ));
        let state = web::Data::new(AppState {
            show_referee_identity: engine.report_settings().show_referee_identity,
            engine,
            settings,
            trusted_proxies,
            rate_limiter: ratelimit::RateLimiter::new(limits.public_requests_per_minute),
            login_limiter: ratelimit::RateLimiter::new(limits.login_attempts_per_minute),
            scim_limiter: ratelimit::RateLimiter::new(limits.scim_requests_per_minute),
            sign_in_gate,
            pages,
            metrics: exporter,
        });
        let post_roles = web::Data::new(openapi::post_roles());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(post_roles.clone())
                .app_data(web::PayloadConfig::new(extract::MAX_JSON_BYTES))
                .configure(configure)
                .wrap(from_fn(security::transport_headers))
                .wrap(from_fn(logging::log_request))
                // Outermost, so that its time includes the logging's.
                .wrap(Condition::new(
                    record_requests,
                    from_fn(metrics::record_request),
                ))
        })
        .listen(listener)?
        .disable_signals();
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    /// A listener on `bind` serving `/metrics` alone, for a process without the HTTP API
    /// (`vouch worker`, `worker.metrics_addr`): its email and webhook counters are then
    /// scraped too. One HTTP worker: a scrape every few seconds needs no more.
    pub fn metrics_only(
        bind: &str,
        metrics: MetricsSettings,
        engine: Engine,
    ) -> std::io::Result<Self> {
        let exporter = if metrics.enabled {
            Some(metrics::Exporter::install(metrics.token)?)
        } else {
            None
        };
        let listener = TcpListener::bind(bind)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(metrics::MetricsOnly { exporter, engine });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .service(metrics::scrape_alone)
        })
        .listen(listener)?
        .workers(1)
        .disable_signals()
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until the server is stopped through `handle()`.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}
