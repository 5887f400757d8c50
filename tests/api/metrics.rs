//! `GET /metrics`: a well-formed Prometheus exposition, labels that carry route patterns
//! and never a link token, counters that follow real requests and deliveries, gauges read
//! from the app's own database, and who may read it.
//!
//! The counters and histograms live in one recorder per process, which every test app of
//! this binary shares (tests run as threads side by side): assertions on them are "moved
//! by at least", with labels no other test's traffic could lower. The database gauges are
//! written from the scraped app's own database on each scrape, so they are exact.

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;
use secrecy::SecretString;
use serde_json::json;
use testkit::{Backend, TestApp, TestConfig};

use crate::helpers::problem;
use crate::{fixtures, on_both_backends, on_both_databases};
use testkit::webhook_sink::{Reply, WebhookSink};

on_both_databases!(
    the_exposition_parses_and_labels_carry_route_patterns_not_tokens,
    request_counters_and_latency_move_with_requests,
    job_and_reference_gauges_reflect_the_database,
    email_counters_count_sent_failed_and_bounced_invitations,
    invite_to_answer_time_is_recorded_when_a_referee_answers,
    a_forwarded_request_is_refused_without_a_token,
    webhook_deliveries_are_counted_by_outcome,
    a_worker_serves_its_own_metrics_on_metrics_addr,
);

on_both_backends!(
    with_a_token_metrics_need_it_as_a_bearer_token,
    disabled_metrics_answer_404,
);

/// One sample line: `name{labels} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed exposition.
#[derive(Debug)]
struct Exposition {
    samples: Vec<Sample>,
    /// The declared type of each metric family.
    types: HashMap<String, String>,
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads `{a="x",b="y"}` from the start of `s`; returns the labels and the rest.
fn parse_labels(s: &str, line: &str) -> (BTreeMap<String, String>, String) {
    let mut labels = BTreeMap::new();
    let mut rest = s.strip_prefix('{').expect("labels open with {");
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return (labels, after.to_owned());
        }
        let (name, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label without =\" in {line}"));
        assert!(is_label_name(name), "bad label name `{name}` in {line}");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    other => panic!("bad escape {other:?} in {line}"),
                },
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in {line}"),
            }
        };
        assert!(
            labels.insert(name.to_owned(), value).is_none(),
            "label `{name}` twice in {line}"
        );
        rest = &after[end + 1..];
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma;
        } else {
            assert!(rest.starts_with('}'), "labels not closed in {line}");
        }
    }
}

/// The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` lines are
/// its own family's.
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix)
            && types
                .get(base)
                .is_some_and(|t| t == "histogram" || t == "summary")
        {
            return base;
        }
    }
    name
}

/// Parses the text format strictly enough to catch a malformed line: every comment is a
/// well-formed `# HELP name text` or `# TYPE name type`, every other non-empty line is
/// `name{labels} value` of a family whose type was declared, and every value is a float.
fn parse(text: &str) -> Exposition {
    let mut samples = Vec::new();
    let mut types = HashMap::new();
    let mut helps = HashMap::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut parts = comment.trim_start().splitn(3, ' ');
            let (keyword, name, rest) = (parts.next(), parts.next(), parts.next());
            let name = name.unwrap_or_else(|| panic!("comment without a name: {line}"));
            assert!(is_metric_name(name), "bad metric name in {line}");
            match keyword {
                Some("HELP") => {
                    assert!(
                        rest.is_some_and(|h| !h.trim().is_empty()),
                        "empty help: {line}"
                    );
                    assert!(
                        helps.insert(name.to_owned(), ()).is_none(),
                        "HELP twice: {line}"
                    );
                }
                Some("TYPE") => {
                    let kind = rest.unwrap_or_default();
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "bad type: {line}"
                    );
                    assert!(
                        types.insert(name.to_owned(), kind.to_owned()).is_none(),
                        "TYPE twice: {line}"
                    );
                }
                _ => panic!("a comment that is neither HELP nor TYPE: {line}"),
            }
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..name_end];
        assert!(is_metric_name(name), "bad metric name in {line}");
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..], line)
        } else {
            (BTreeMap::new(), line[name_end..].to_owned())
        };
        let mut fields = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("no space before the value: {line}"))
            .split(' ');
        let value: f64 = fields
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("value is not a float: {line}"));
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .unwrap_or_else(|_| panic!("bad timestamp: {line}"));
        }
        assert!(fields.next().is_none(), "trailing fields: {line}");
        assert!(
            types.contains_key(family_of(name, &types)),
            "sample before (or without) its TYPE: {line}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Exposition { samples, types }
}

impl Exposition {
    /// The samples of `name` whose labels include `labels`.
    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    /// The sum of the samples of `name` whose labels include `labels` (0 when none: a
    /// counter not yet incremented is not shown).
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|s| s.value).sum()
    }

    /// The one sample of `name` with exactly `labels`.
    fn exact(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found: Vec<&Sample> = self
            .matching(name, labels)
            .filter(|s| s.labels.len() == labels.len())
            .collect();
        assert_eq!(found.len(), 1, "{name} {labels:?} in {:?}", self.samples);
        found[0].value
    }
}

/// GETs `/metrics` (from loopback, no token) and parses it.
async fn scrape(app: &TestApp) -> Exposition {
    let res = app.fetch("/metrics").await;
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&res.text().await.unwrap())
}

async fn scrape_text(app: &TestApp) -> String {
    let res = app.fetch("/metrics").await;
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

async fn the_exposition_parses_and_labels_carry_route_patterns_not_tokens(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let token = case.links(&app).remove(0);
    assert_eq!(app.fetch(&format!("/r/{token}")).await.status(), 200);
    let res = app.fetch(&format!("/api/v1/public/forms/{token}")).await;
    assert_eq!(res.status(), 200);
    // A link that is not (or no longer) valid is a token too.
    let unknown = "Zm9yZ2VkLXRva2VuLXRoYXQtbWF0Y2hlcy1ub3RoaW5n";
    assert_eq!(app.fetch(&format!("/r/{unknown}")).await.status(), 404);
    // No route at all.
    let stray = format!("/no-such-page-{}", uuid::Uuid::new_v4().simple());
    assert_eq!(app.fetch(&stray).await.status(), 404);

    let text = scrape_text(&app).await;
    for secret in [token.as_str(), unknown, &stray[1..], &case.id.to_string()] {
        assert!(!text.contains(secret), "`{secret}` in the metrics:\n{text}");
    }
    let metrics = parse(&text);
    let get = |route: &'static str, status: &'static str| {
        metrics.sum(
            "vouch_http_requests_total",
            &[("method", "GET"), ("route", route), ("status", status)],
        )
    };
    assert!(get("/r/{token}", "200") >= 1.0);
    assert!(get("/r/{token}", "404") >= 1.0);
    assert!(get("/api/v1/public/forms/{token}", "200") >= 1.0);
    assert!(get("unmatched", "404") >= 1.0);
    // Every route label is a pattern of the route table (or `unmatched`).
    for sample in metrics.matching("vouch_http_requests_total", &[]) {
        let route = &sample.labels["route"];
        assert!(route == "unmatched" || route.starts_with('/'), "{route}");
        if route.starts_with("/r/") {
            assert!(route.starts_with("/r/{token}"), "{route}");
        }
    }
    for family in [
        "vouch_http_requests_total",
        "vouch_http_request_duration_seconds",
        "vouch_emails_sent_total",
        "vouch_jobs",
        "vouch_jobs_oldest_due_age_seconds",
        "vouch_references",
    ] {
        assert!(metrics.types.contains_key(family), "{family} has no TYPE");
    }
    assert_eq!(metrics.types["vouch_http_requests_total"], "counter");
    assert_eq!(
        metrics.types["vouch_http_request_duration_seconds"],
        "histogram"
    );
    assert_eq!(metrics.types["vouch_jobs"], "gauge");
}

async fn request_counters_and_latency_move_with_requests(app: TestApp) {
    let labels = [("method", "GET"), ("route", "/healthz"), ("status", "200")];
    let before = scrape(&app).await;
    for _ in 0..3 {
        assert_eq!(app.fetch("/healthz").await.status(), 200);
    }
    let after = scrape(&app).await;
    let moved = |name: &str| after.sum(name, &labels) - before.sum(name, &labels);
    assert!(moved("vouch_http_requests_total") >= 3.0);
    assert!(moved("vouch_http_request_duration_seconds_count") >= 3.0);
    assert!(after.sum("vouch_http_request_duration_seconds_sum", &labels) > 0.0);
    // The latency histogram has its buckets, the last one holding every request.
    let inf = after.exact(
        "vouch_http_request_duration_seconds_bucket",
        &[
            ("method", "GET"),
            ("route", "/healthz"),
            ("status", "200"),
            ("le", "+Inf"),
        ],
    );
    assert_eq!(
        inf,
        after.sum("vouch_http_request_duration_seconds_count", &labels)
    );

    // An error status is a label of its own: the error rate is a ratio of series.
    let ops = app.token_for(engine::domain::Role::Ops).await;
    let missing = format!("/api/v1/cases/{}", uuid::Uuid::new_v4());
    let res = app.get(&missing, &ops).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let after = scrape(&app).await;
    assert!(
        after.sum(
            "vouch_http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/api/v1/cases/{id}"),
                ("status", "404")
            ],
        ) >= 1.0
    );
}

async fn job_and_reference_gauges_reflect_the_database(app: TestApp) {
    let metrics = scrape(&app).await;
    for state in ["pending", "invited", "completed", "bounced"] {
        assert_eq!(
            metrics.exact("vouch_references", &[("state", state)]),
            0.0,
            "{state}"
        );
    }
    assert_eq!(metrics.exact("vouch_jobs_oldest_due_age_seconds", &[]), 0.0);

    let case = fixtures::case_with_referees(&app, 3, None).await;
    let metrics = scrape(&app).await;
    assert_eq!(
        metrics.exact("vouch_references", &[("state", "pending")]),
        3.0
    );

    case.launch(&app).await;
    app.clock.advance(Duration::seconds(90));
    let metrics = scrape(&app).await;
    let invitations = |m: &Exposition, state: &str| {
        m.exact(
            "vouch_jobs",
            &[("kind", "send_invitation"), ("state", state)],
        )
    };
    assert_eq!(invitations(&metrics, "queued"), 3.0);
    assert_eq!(invitations(&metrics, "dead"), 0.0);
    assert!(
        metrics.exact("vouch_jobs_oldest_due_age_seconds", &[]) >= 90.0,
        "the invitations have waited since the launch"
    );

    app.engine.run_until_idle().await.unwrap();
    let metrics = scrape(&app).await;
    assert_eq!(
        invitations(&metrics, "queued"),
        0.0,
        "a drained queue reads 0"
    );
    assert_eq!(
        metrics.exact("vouch_references", &[("state", "pending")]),
        0.0
    );
    assert_eq!(
        metrics.exact("vouch_references", &[("state", "invited")]),
        3.0
    );
    // Reminders are queued for later; nothing is due.
    assert_eq!(
        metrics.exact(
            "vouch_jobs",
            &[("kind", "send_reminder"), ("state", "queued")]
        ),
        6.0
    );
    assert_eq!(metrics.exact("vouch_jobs_oldest_due_age_seconds", &[]), 0.0);
}

async fn email_counters_count_sent_failed_and_bounced_invitations(app: TestApp) {
    let counter = |m: &Exposition, name: &str| m.sum(name, &[("kind", "invitation")]);
    let before = scrape(&app).await;
    let case = fixtures::case_with_referees(&app, 4, None).await;
    app.smtp.reject(&case.email(2), 550, "5.1.1 No such user");
    app.smtp
        .reject(&case.email(3), 451, "4.7.1 Try again later");
    case.launch(&app).await;
    app.engine.run_until_idle().await.unwrap();
    let after = scrape(&app).await;
    let moved = |name: &str| counter(&after, name) - counter(&before, name);
    assert!(moved("vouch_emails_sent_total") >= 2.0);
    assert!(moved("vouch_emails_bounced_total") >= 1.0);
    assert!(moved("vouch_emails_failed_total") >= 1.0);
    assert_eq!(after.types["vouch_emails_sent_total"], "counter");
    assert_eq!(
        after.exact("vouch_references", &[("state", "bounced")]),
        1.0
    );
    assert_eq!(
        after.exact(
            "vouch_jobs",
            &[("kind", "send_invitation"), ("state", "queued")]
        ),
        1.0,
        "the transient failure waits for its retry"
    );
}

async fn invite_to_answer_time_is_recorded_when_a_referee_answers(app: TestApp) {
    let name = "vouch_reference_invite_to_answer_seconds";
    let case = fixtures::launched_case(&app, 1).await;
    let before = scrape(&app).await;
    app.clock.advance(Duration::hours(2));
    case.answer(&app, 0, "5").await;
    let after = scrape(&app).await;
    let moved = |series: &str| after.sum(series, &[]) - before.sum(series, &[]);
    assert!(moved(&format!("{name}_count")) >= 1.0);
    assert!(
        moved(&format!("{name}_sum")) >= 7200.0,
        "two hours from invitation to answer"
    );
    assert_eq!(after.types[name], "histogram");
    assert_eq!(
        after.exact("vouch_references", &[("state", "completed")]),
        1.0
    );
}

async fn a_forwarded_request_is_refused_without_a_token(app: TestApp) {
    let res = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    let body = problem(res, 403).await;
    assert!(
        body["detail"].as_str().unwrap().contains("metrics.token"),
        "{body}"
    );
}

async fn with_a_token_metrics_need_it_as_a_bearer_token(backend: Backend) {
    let token = "0123456789abcdef-metrics-scrape-token";
    let mut config = TestConfig::default();
    config.metrics.token = Some(SecretString::from(token));
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let res = app.fetch("/metrics").await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    problem(res, 401).await;
    let res = app.get("/metrics", "not-the-token").send().await.unwrap();
    problem(res, 401).await;
    // The token is not a staff API token, nor the other way round.
    let ops = app.token_for(engine::domain::Role::Ops).await;
    problem(app.get("/metrics", &ops).send().await.unwrap(), 401).await;
    let res = app.get("/api/v1/me", token).send().await.unwrap();
    problem(res, 401).await;

    let res = app.get("/metrics", token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(!text.contains(token));
    let metrics = parse(&text);
    assert!(metrics.types.contains_key("vouch_references"));
    // With a token, a forwarded request is fine: the token is the gate.
    let res = app
        .get("/metrics", token)
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn disabled_metrics_answer_404(backend: Backend) {
    let mut config = TestConfig::default();
    config.metrics.enabled = false;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    problem(app.fetch("/metrics").await, 404).await;
    // The rest of the app is unaffected.
    assert_eq!(app.fetch("/healthz").await.status(), 200);
    let ops = app.token_for(engine::domain::Role::Ops).await;
    let res = app
        .post("/api/v1/providers", &ops)
        .json(&json!({
            "name": "Ledger & Co",
            "category": "accounting",
            "website": "https://ledger.example",
            "contact_name": "Pat Ledger",
            "contact_email": "pat@ledger.example"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

async fn webhook_deliveries_are_counted_by_outcome(app: TestApp) {
    let counter = |m: &Exposition, outcome: &str| {
        m.sum("vouch_webhook_deliveries_total", &[("outcome", outcome)])
    };
    let admin = app.token_for(engine::domain::Role::Admin).await;
    let sink = WebhookSink::start().await;
    let res = app
        .post("/api/v1/webhooks", &admin)
        .json(&json!({ "url": sink.url("/"), "events": ["*"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sink.script([Reply::Status(500)]);
    let before = scrape(&app).await;
    app.post(&format!("/api/v1/webhooks/{id}/test"), &admin)
        .send()
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let retried = scrape(&app).await;
    assert!(counter(&retried, "retrying") - counter(&before, "retrying") >= 1.0);
    app.clock.advance(Duration::seconds(7));
    app.engine.run_until_idle().await.unwrap();
    let after = scrape(&app).await;
    assert!(counter(&after, "delivered") - counter(&retried, "delivered") >= 1.0);
    assert_eq!(after.types["vouch_webhook_deliveries_total"], "counter");
}

/// `vouch worker`'s listener (`worker.metrics_addr`): the email counters of the process that
/// sends, the database figures, and nothing but `/metrics`.
async fn a_worker_serves_its_own_metrics_on_metrics_addr(app: TestApp) {
    let mut settings = app::Settings::defaults();
    settings.worker.metrics_addr = Some("127.0.0.1:0".into());
    let server = app::worker_metrics(&settings, &app.engine)
        .expect("the listener binds")
        .expect("worker.metrics_addr is set");
    let base = format!("http://127.0.0.1:{}", server.port());
    let handle = server.handle();
    tokio::spawn(server.run_until_stopped());
    let scrape_worker = async || {
        let res = app
            .client
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        parse(&res.text().await.unwrap())
    };
    let sent = |m: &Exposition| m.sum("vouch_emails_sent_total", &[("kind", "invitation")]);
    let before = scrape_worker().await;
    let case = fixtures::case_with_referees(&app, 2, None).await;
    case.launch(&app).await;
    // The jobs run in this process, as they do in a worker.
    app.engine.run_until_idle().await.unwrap();
    let after = scrape_worker().await;
    assert!(sent(&after) - sent(&before) >= 2.0);
    assert_eq!(
        after.exact("vouch_references", &[("state", "invited")]),
        2.0
    );
    let res = app
        .client
        .get(format!("{base}/api/v1/cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        404,
        "the worker's listener serves /metrics alone"
    );
    handle.stop(true).await;
}
