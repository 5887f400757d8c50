//! `/metrics` in the Prometheus text format, and the middleware that counts and times
//! every request.
//!
//! Requests are labelled by route pattern (`/r/{token}`), never by path: link tokens are
//! in paths, and one series per token would also grow without bound. Methods outside the
//! standard set are labelled `other` for the same reason.
//!
//! The figures kept in the database (the queue, references by state) are not recorded
//! into the process's recorder but read and written out on each scrape
//! (`Engine::metrics_snapshot`): every instance sharing the database reports the same,
//! and a state that emptied reads 0 instead of its last value.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, web};
use engine::metrics::MetricsSnapshot;
use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret, SecretString};

use crate::AppState;
use crate::error::ApiError;

pub const HTTP_REQUESTS: &str = "vouch_http_requests_total";
pub const HTTP_DURATION: &str = "vouch_http_request_duration_seconds";
pub const JOBS: &str = "vouch_jobs";
pub const JOBS_OLDEST_DUE_AGE: &str = "vouch_jobs_oldest_due_age_seconds";
pub const REFERENCES: &str = "vouch_references";

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// From a cached page (about a millisecond) to a slow report or a database that makes a
/// request wait for a connection (`database.acquire_timeout_ms`).
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often recorded histogram samples are folded into their buckets. The recorder
/// queues samples until then; folding them also happens on every scrape.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The database figures of a scrape wait this long at most: a scrape during an outage
/// still answers, with the process's own metrics.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(2);

/// `/metrics` as configured: where the recorder renders from, and the token, if any.
pub struct Exporter {
    handle: PrometheusHandle,
    token: Option<SecretString>,
}

impl Exporter {
    /// Installs the process's recorder on first use and returns an exporter rendering it.
    /// A process has one global recorder, and the tests start many apps in one process:
    /// every app after the first shares the recorder the first installed.
    pub fn install(token: Option<SecretString>) -> std::io::Result<Self> {
        // An empty token (`VOUCH__METRICS__TOKEN=` left blank) would protect nothing.
        if token
            .as_ref()
            .is_some_and(|t| t.expose_secret().trim().is_empty())
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "metrics.token is empty; set a long random value, or leave it unset",
            ));
        }
        static RECORDER: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
        let handle = RECORDER
            .get_or_init(install_recorder)
            .clone()
            .map_err(|e| {
                std::io::Error::other(format!("cannot install the metrics recorder: {e}"))
            })?;
        Ok(Self { handle, token })
    }
}

fn install_recorder() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), HTTP_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(
                Matcher::Full(engine::metrics::INVITE_TO_ANSWER.to_owned()),
                engine::metrics::INVITE_TO_ANSWER_BUCKETS,
            )
        })
        .and_then(|b| b.install_recorder())
        .map_err(|e| e.to_string())?;
    describe_counter!(
        HTTP_REQUESTS,
        Unit::Count,
        "HTTP requests answered, by method, route pattern and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to answer an HTTP request (up to its headers), by method, route pattern and \
         status."
    );
    engine::metrics::describe();
    // Nothing else drains the recorder's queued samples when no scraper comes; a thread
    // of its own, because the recorder outlives any one runtime (each test has its own).
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        })
        .map_err(|e| format!("cannot start the upkeep thread: {e}"))?;
    Ok(handle)
}

/// The method as a label: one of the standard methods, or `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Middleware: counts and times every request by method, route pattern and status.
pub async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    // Taken before the call: a middleware that fails (the database down while looking up
    // a bearer token) returns an error without the request.
    let route: Cow<'static, str> = req
        .match_pattern()
        .map_or(Cow::Borrowed(UNMATCHED), Cow::Owned);
    req.extensions_mut().insert(Arrived(started));
    let res = next.call(req).await;
    let status = match &res {
        Ok(r) => r.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let labels = [
        ("method", Cow::Borrowed(method)),
        ("route", route),
        ("status", Cow::Owned(status.as_u16().to_string())),
    ];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    res
}

/// When a request reached the metrics middleware (the outermost timed point), so that a
/// handler can tell how long it waited before running (other middleware, the body read).
#[derive(Clone, Copy)]
struct Arrived(Instant);

/// The name a request's stages are recorded under: its method and route pattern.
pub(crate) fn timed_name(req: &HttpRequest) -> std::sync::Arc<str> {
    let route = req.match_pattern();
    format!(
        "{} {}",
        method_label(req.method()),
        route.as_deref().unwrap_or(UNMATCHED)
    )
    .into()
}

/// Starts timing the stages of `req` (`engine::metrics::timed_request`): records the
/// time before its handler ran as stage `before_handler`, and returns its name.
pub(crate) fn start_timing(req: &HttpRequest) -> std::sync::Arc<str> {
    let name = timed_name(req);
    if let Some(Arrived(at)) = req.extensions().get::<Arrived>() {
        engine::metrics::record_stage(&name, "before_handler", at.elapsed());
    }
    name
}

/// Who may read `/metrics`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Granted,
    /// A token is configured and the request does not carry it.
    Unauthorized,
    /// No token is configured and the request is not from this machine.
    LoopbackOnly,
}

/// Headers a reverse proxy adds to what it forwards.
const FORWARDING_HEADERS: [&str; 5] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];

/// With a token, the request must carry it as a bearer token. Without one, the TCP peer
/// must be this machine, and the request must not say it was forwarded: a reverse proxy
/// on the same machine (a trusted proxy, typically) connects from loopback too, and would
/// otherwise serve the metrics to anyone who asks it. `X-Forwarded-For` is never taken as
/// the client here; a forged one can only make the answer a refusal.
pub(crate) fn access(token: Option<&SecretString>, req: &HttpRequest) -> Access {
    if let Some(token) = token {
        let given = bearer(req).unwrap_or_default();
        let expected = token.expose_secret();
        return if !expected.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            Access::Granted
        } else {
            Access::Unauthorized
        };
    }
    let loopback = req.peer_addr().is_some_and(|peer| is_loopback(peer.ip()));
    let forwarded = FORWARDING_HEADERS
        .iter()
        .any(|name| req.headers().contains_key(*name));
    if loopback && !forwarded {
        Access::Granted
    } else {
        Access::LoopbackOnly
    }
}

/// 127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address (a dual-stack listener).
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares without stopping at the first difference, so the time taken does not tell
/// how much of a guessed token was right. (The length is not hidden; it is not secret
/// enough to matter next to the token's entropy.)
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Prometheus text format.
#[utoipa::path(
    responses(
        (status = 200, description = "metrics in the Prometheus text format", content_type = "text/plain"),
        (status = 401, body = crate::error::Problem, description = "`metrics.token` is set and the request does not carry it as a bearer token"),
        (status = 403, body = crate::error::Problem, description = "no `metrics.token` is set and the client is not on this machine, or the request was forwarded by a proxy"),
        (status = 404, body = crate::error::Problem, description = "metrics are disabled (`metrics.enabled = false`)")
    ),
    security((), ("bearer" = [])),
    tag = "health"
)]
#[get("/metrics")]
pub async fn scrape(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    render_scrape(&req, state.metrics.as_ref(), &state.engine).await
}

/// What `/metrics` serves on its own listener (`vouch worker`'s `worker.metrics_addr`).
pub(crate) struct MetricsOnly {
    pub exporter: Option<Exporter>,
    pub engine: engine::Engine,
}

/// `/metrics` of a process that serves nothing else (`vouch worker`): the same answer,
/// with the same access rules, as `serve`'s.
#[get("/metrics")]
pub(crate) async fn scrape_alone(
    req: HttpRequest,
    state: web::Data<MetricsOnly>,
) -> Result<HttpResponse, ApiError> {
    render_scrape(&req, state.exporter.as_ref(), &state.engine).await
}

/// A scrape: the process's recorder, then the database figures.
async fn render_scrape(
    req: &HttpRequest,
    exporter: Option<&Exporter>,
    engine: &engine::Engine,
) -> Result<HttpResponse, ApiError> {
    let Some(exporter) = exporter else {
        return Err(ApiError::NotFound("resource"));
    };
    match access(exporter.token.as_ref(), req) {
        Access::Granted => {}
        Access::Unauthorized => return Err(ApiError::Unauthorized),
        Access::LoopbackOnly => return Err(ApiError::MetricsLoopbackOnly),
    }
    let snapshot = tokio::time::timeout(SNAPSHOT_TIMEOUT, engine.jobs().metrics_snapshot()).await;
    let mut body = exporter.handle.render();
    match snapshot {
        Ok(Ok(snapshot)) => write_snapshot(&mut body, &snapshot),
        // The process's own figures are worth having during an outage, when error rates
        // matter most; the database's are missing from this scrape, which Prometheus
        // shows as a gap.
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: cannot read the database figures"),
        Err(_) => tracing::warn!("metrics: the database figures took longer than 2 s"),
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Appends the database figures as gauges.
fn write_snapshot(out: &mut String, snapshot: &MetricsSnapshot) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    family(
        out,
        JOBS,
        "Jobs in the queue by kind and state (done jobs are not counted).",
    );
    for ((kind, state), n) in &snapshot.jobs {
        let _ = writeln!(
            out,
            "{JOBS}{{kind=\"{}\",state=\"{}\"}} {n}",
            escape(kind),
            state.as_str()
        );
    }
    family(
        out,
        JOBS_OLDEST_DUE_AGE,
        "Seconds since the oldest queued job became due; 0 when none is due.",
    );
    let _ = writeln!(
        out,
        "{JOBS_OLDEST_DUE_AGE} {}",
        snapshot.oldest_due_age_seconds
    );
    family(out, REFERENCES, "References by state, over all cases.");
    for (state, n) in &snapshot.references {
        let _ = writeln!(out, "{REFERENCES}{{state=\"{}\"}} {n}", state.as_str());
    }
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A label value as the text format wants it.
fn escape(value: &str) -> Cow<'_, str> {
    if value.contains(['\\', '"', '\n']) {
        Cow::Owned(
            value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n"),
        )
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use actix_web::test::TestRequest;

    use super::*;

    fn from(peer: &str) -> TestRequest {
        TestRequest::default().peer_addr(peer.parse::<SocketAddr>().unwrap())
    }

    #[test]
    fn without_a_token_only_loopback_peers_are_answered() {
        for peer in ["127.0.0.1:5000", "[::1]:5000", "[::ffff:127.0.0.1]:5000"] {
            assert_eq!(
                access(None, &from(peer).to_http_request()),
                Access::Granted,
                "{peer}"
            );
        }
        for peer in ["10.0.0.7:5000", "203.0.113.9:5000", "[2001:db8::1]:5000"] {
            assert_eq!(
                access(None, &from(peer).to_http_request()),
                Access::LoopbackOnly,
                "{peer}"
            );
        }
        assert_eq!(
            access(None, &TestRequest::default().to_http_request()),
            Access::LoopbackOnly,
            "no peer address"
        );
    }

    #[test]
    fn a_forwarded_header_says_it_came_through_a_proxy_and_is_refused() {
        // A reverse proxy on this machine (the configured trusted proxy) forwarding a
        // client from the internet connects from loopback.
        for name in FORWARDING_HEADERS {
            let req = from("127.0.0.1:5000")
                .insert_header((name, "203.0.113.9"))
                .to_http_request();
            assert_eq!(access(None, &req), Access::LoopbackOnly, "{name}");
        }
        // A forwarded header naming loopback is no better: the peer is not the client.
        let req = from("10.0.0.2:5000")
            .insert_header(("x-forwarded-for", "127.0.0.1"))
            .to_http_request();
        assert_eq!(access(None, &req), Access::LoopbackOnly);
    }

    #[test]
    fn with_a_token_any_peer_needs_it() {
        let token = SecretString::from("s3cret-metrics-token");
        let with = |auth: Option<&str>, peer: &str| {
            let mut req = from(peer);
            if let Some(auth) = auth {
                req = req.insert_header(("authorization", auth));
            }
            access(Some(&token), &req.to_http_request())
        };
        assert_eq!(
            with(Some("Bearer s3cret-metrics-token"), "203.0.113.9:1"),
            Access::Granted
        );
        assert_eq!(
            with(Some("bearer s3cret-metrics-token"), "127.0.0.1:1"),
            Access::Granted
        );
        assert_eq!(with(None, "127.0.0.1:1"), Access::Unauthorized);
        assert_eq!(
            with(Some("Bearer wrong"), "127.0.0.1:1"),
            Access::Unauthorized
        );
        assert_eq!(
            with(Some("Bearer s3cret-metrics-toke"), "127.0.0.1:1"),
            Access::Unauthorized
        );
        assert_eq!(
            with(Some("Basic s3cret-metrics-token"), "127.0.0.1:1"),
            Access::Unauthorized
        );
    }

    #[test]
    fn an_empty_token_is_refused_at_start_and_never_matches() {
        for blank in ["", "  "] {
            let err = Exporter::install(Some(SecretString::from(blank))).err();
            assert!(err.is_some_and(|e| e.to_string().contains("metrics.token")));
        }
        let empty = SecretString::from("");
        for auth in [None, Some("Bearer "), Some("Bearer")] {
            let mut req = from("127.0.0.1:1");
            if let Some(auth) = auth {
                req = req.insert_header(("authorization", auth));
            }
            assert_eq!(
                access(Some(&empty), &req.to_http_request()),
                Access::Unauthorized,
                "{auth:?}"
            );
        }
    }

    #[test]
    fn methods_outside_the_standard_set_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("send_invitation"), "send_invitation");
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
