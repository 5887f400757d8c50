//! One attempt at a delivery: the signed POST, and what its answer leads to. Each attempt
//! is a job of its own (`Task::DeliverWebhook` with the attempt's number), so a retry
//! waits in the durable queue like any other job, and a second run of an attempt that was
//! already recorded does nothing.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use store::TransactionTrait;
use uuid::Uuid;

use super::{signing, target};
use crate::domain::WebhookDeliveryStatus;
use crate::outbox::Task;
use crate::store::webhooks::{self as rows, AttemptRecord, DeliveryRow, EndpointRow};
use crate::{Engine, EngineError, WebhooksSettings};

/// The HTTP client deliveries are sent with, built from `[webhooks]` alone: no redirects,
/// the timeout, the public-only resolver unless private targets are allowed, and no proxy
/// but `webhooks.proxy`. Proxy variables in the environment are ignored on purpose: a
/// proxy resolves the receiver's name itself, so with one picked up from the environment
/// the public-address check would judge the proxy, and the proxy would connect wherever
/// the name points (loopback, the metadata service).
pub fn http_client(settings: &WebhooksSettings) -> Result<reqwest::Client, EngineError> {
    super::install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(StdDuration::from_secs(settings.timeout_seconds.max(1)))
        .user_agent(concat!("Vouch-Webhooks/", env!("CARGO_PKG_VERSION")));
    builder = match &settings.proxy {
        Some(proxy) => builder.proxy(
            reqwest::Proxy::all(proxy.clone())
                .map_err(|e| EngineError::Internal(format!("webhooks.proxy: {e}")))?,
        ),
        None => builder.no_proxy(),
    };
    if !settings.allow_private_targets {
        builder = builder.dns_resolver(target::resolver());
    }
    builder
        .build()
        .map_err(|e| EngineError::Internal(format!("the webhook HTTP client: {e}")))
}

/// A receiver's `Retry-After` is honoured up to this long.
const MAX_RETRY_AFTER: Duration = Duration::hours(24);

/// What the receiver made of one POST.
pub(crate) struct Answer {
    /// The HTTP status, when the receiver answered at all.
    pub status: Option<u16>,
    pub duration_ms: i32,
    /// Why it did not count as delivered, in words.
    pub error: Option<String>,
    /// The receiver's `Retry-After`, from now.
    pub retry_after: Option<Duration>,
}

impl Answer {
    fn failed(error: String, started: Instant) -> Self {
        Answer {
            status: None,
            duration_ms: elapsed_ms(started),
            error: Some(error),
            retry_after: None,
        }
    }
}

fn elapsed_ms(started: Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// How an attempt ends for the delivery and its endpoint.
enum Verdict {
    Delivered,
    /// 410: the receiver says it is gone for good; the endpoint is disabled.
    Gone,
    /// Anything else: try again per the schedule, or give up.
    Failed,
}

impl Engine {
    pub(crate) fn webhook_client(&self) -> Result<&reqwest::Client, EngineError> {
        if let Some(client) = self.webhook_http.get() {
            return Ok(client);
        }
        let client = http_client(&self.webhooks)?;
        Ok(self.webhook_http.get_or_init(|| client))
    }

    /// Attempt number `attempt` of a delivery. An error is Vouch's own (the database):
    /// the job is retried; whatever the receiver does is recorded, not returned.
    pub(crate) async fn deliver_webhook(
        &self,
        delivery_id: Uuid,
        attempt: i32,
    ) -> Result<(), EngineError> {
        let Some(delivery) = rows::find_delivery(&self.db, delivery_id).await? else {
            return Ok(());
        };
        // A later attempt was recorded already, or an admin restarted the delivery and
        // queued an attempt of its own: this job is stale.
        if delivery.status != WebhookDeliveryStatus::Pending || delivery.attempts != attempt - 1 {
            return Ok(());
        }
        let endpoint = rows::endpoint(&self.db, delivery.endpoint_id).await?;
        if !endpoint.enabled {
            rows::fail_pending(
                &self.db,
                delivery.id,
                "not sent: the endpoint is disabled",
                self.now(),
            )
            .await?;
            crate::metrics::webhook_delivery("skipped");
            return Ok(());
        }
        let answer = post(self.webhook_client()?, &endpoint, &delivery, self).await;
        self.record_answer(&endpoint, &delivery, attempt, answer)
            .await
    }

    async fn record_answer(
        &self,
        endpoint: &EndpointRow,
        delivery: &DeliveryRow,
        attempt: i32,
        answer: Answer,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let verdict = match answer.status {
            Some(s) if (200..300).contains(&s) => Verdict::Delivered,
            Some(410) => Verdict::Gone,
            _ => Verdict::Failed,
        };
        let schedule = &self.webhooks.retry_schedule_seconds;
        let next_attempt_at = match verdict {
            Verdict::Failed => schedule
                .get(attempt as usize - 1)
                .map(|secs| now + retry_delay(*secs, answer.retry_after)),
            _ => None,
        };
        let status = match (&verdict, next_attempt_at) {
            (Verdict::Delivered, _) => WebhookDeliveryStatus::Delivered,
            (Verdict::Failed, Some(_)) => WebhookDeliveryStatus::Pending,
            _ => WebhookDeliveryStatus::Failed,
        };
        let error = match verdict {
            Verdict::Delivered => None,
            Verdict::Gone => {
                Some("the receiver answered 410 Gone; the endpoint is disabled".into())
            }
            Verdict::Failed => answer
                .error
                .or_else(|| answer.status.map(|s| format!("the receiver answered {s}"))),
        };
        let txn = self.db.begin().await?;
        let record = AttemptRecord {
            status,
            http_status: answer.status.map(i32::from),
            duration_ms: Some(answer.duration_ms),
            error,
            next_attempt_at,
        };
        if !rows::record_attempt(&txn, delivery.id, attempt, record, now).await? {
            return Ok(());
        }
        if let Some(at) = next_attempt_at {
            let next = Task::DeliverWebhook {
                delivery_id: delivery.id,
                attempt: attempt + 1,
            };
            crate::outbox::enqueue(&txn, &next, at, now, super::events::JOB_ATTEMPTS).await?;
        }
        let disable = match verdict {
            Verdict::Delivered => {
                rows::mark_healthy(&txn, endpoint.id).await?;
                None
            }
            Verdict::Gone => Some("the receiver answered 410 Gone".to_owned()),
            Verdict::Failed => {
                let since = rows::mark_failing(&txn, endpoint.id, now).await?;
                let limit = Duration::hours(i64::from(self.webhooks.disable_after_hours));
                since.filter(|s| now - *s >= limit).map(|_| {
                    format!(
                        "its deliveries failed continuously for {} hours",
                        self.webhooks.disable_after_hours
                    )
                })
            }
        };
        let outcome = match (&verdict, status) {
            (Verdict::Delivered, _) => "delivered",
            (Verdict::Gone, _) => "gone",
            (Verdict::Failed, WebhookDeliveryStatus::Pending) => "retrying",
            (Verdict::Failed, _) => "failed",
        };
        if let Some(reason) = disable {
            rows::set_enabled(&txn, endpoint.id, false, Some(reason), now).await?;
            let notice = Task::NotifyWebhookDisabled {
                endpoint_id: endpoint.id,
                disabled_at: now,
            };
            self.enqueue(&txn, &notice, now).await?;
        }
        txn.commit().await?;
        crate::metrics::webhook_delivery(outcome);
        Ok(())
    }
}

/// The wait before a retry: the schedule's entry stretched by ±20% at random, or the
/// receiver's `Retry-After` (up to a day) when that is longer.
fn retry_delay(scheduled_seconds: u64, retry_after: Option<Duration>) -> Duration {
    let jitter: f64 = rand::rng().random_range(0.8..=1.2);
    let scheduled = Duration::milliseconds((scheduled_seconds as f64 * jitter * 1000.0) as i64);
    match retry_after {
        Some(asked) => scheduled.max(asked.min(MAX_RETRY_AFTER)),
        None => scheduled,
    }
}

/// `Retry-After` as seconds or an HTTP date, from `now`.
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(Duration::seconds(i64::from(seconds)));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).max(Duration::zero()))
}

/// Sends one signed POST and reads the status. Nothing but the status and `Retry-After`
/// of the answer is kept.
async fn post(
    client: &reqwest::Client,
    endpoint: &EndpointRow,
    delivery: &DeliveryRow,
    engine: &Engine,
) -> Answer {
    let started = Instant::now();
    let url = match reqwest::Url::parse(&endpoint.url) {
        Ok(url) => url,
        Err(e) => return Answer::failed(format!("the URL is not valid: {e}"), started),
    };
    if !engine.webhooks.allow_private_targets
        && let Some(ip) = target::literal_ip(&url)
        && !target::is_public(ip)
    {
        return Answer::failed(format!("not sent: {ip} is not a public address"), started);
    }
    let now = engine.now();
    let body = match serde_json::to_vec(&delivery.payload) {
        Ok(body) => body,
        Err(e) => return Answer::failed(format!("unreadable payload: {e}"), started),
    };
    let msg_id = format!("msg_{}", delivery.id.simple());
    let timestamp = now.timestamp();
    let mut secrets = vec![endpoint.secret.as_str()];
    if let (Some(previous), Some(until)) = (&endpoint.previous_secret, endpoint.previous_until)
        && until > now
    {
        secrets.push(previous);
    }
    let signature = signing::header(&secrets, &msg_id, timestamp, &body);
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now));
            Answer {
                status: Some(status),
                duration_ms: elapsed_ms(started),
                error: None,
                retry_after,
            }
        }
        Err(e) => {
            let error = if e.is_timeout() {
                format!(
                    "no answer within {} seconds",
                    engine.webhooks.timeout_seconds
                )
            } else {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    text.push_str(": ");
                    text.push_str(&cause.to_string());
                    source = cause.source();
                }
                text
            };
            Answer::failed(error, started)
        }
    }
}

/// The webhook client and proxies. Proxy variables are process-wide, and setting them in
/// this process would reach every other test building an HTTP client at the same time, so
/// the test runs itself again as a child process with the variables set there. The child
/// sends to a receiver of its own; the parent holds the stand-in proxy, so the two sides
/// of the answer are checked where each request could have arrived.
#[cfg(test)]
mod proxy_tests {
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    const CHILD: &str = "VOUCH_WEBHOOK_PROXY_TEST_CHILD";

    /// A listener answering every request `204 No Content`, keeping each request line (a
    /// proxy is sent the absolute URL, a receiver the path).
    struct Recorder {
        port: u16,
        lines: Arc<Mutex<Vec<String>>>,
    }

    impl Recorder {
        async fn start() -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let lines = Arc::new(Mutex::new(Vec::new()));
            let seen = lines.clone();
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let seen = seen.clone();
                    tokio::spawn(async move {
                        let mut head = Vec::new();
                        let mut buf = [0u8; 4096];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        let text = String::from_utf8_lossy(&head);
                        seen.lock()
                            .unwrap()
                            .push(text.lines().next().unwrap_or_default().to_owned());
                        let _ = stream
                            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                            .await;
                    });
                }
            });
            Recorder { port, lines }
        }

        fn url(&self) -> String {
            format!("http://127.0.0.1:{}/hook", self.port)
        }

        fn lines(&self) -> Vec<String> {
            self.lines.lock().unwrap().clone()
        }
    }

    async fn post(client: &reqwest::Client, url: &str) -> u16 {
        let res = client.post(url).body("{}").send().await.unwrap();
        res.status().as_u16()
    }

    /// The child's part, under `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` naming the parent's
    /// stand-in proxy.
    async fn in_the_child() {
        let receiver = Recorder::start().await;
        super::super::install_crypto_provider();
        // The variables are in force: a client that reads them goes through the proxy.
        assert_eq!(post(&reqwest::Client::new(), &receiver.url()).await, 204);
        assert!(
            receiver.lines().is_empty(),
            "the control went via the proxy"
        );

        // The webhook client, with no proxy configured, goes straight to the receiver.
        let direct = http_client(&WebhooksSettings {
            allow_private_targets: true,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(post(&direct, &receiver.url()).await, 204);
        assert_eq!(receiver.lines(), ["POST /hook HTTP/1.1"]);

        // With `webhooks.proxy` set, a delivery goes through that proxy.
        let configured = Recorder::start().await;
        let proxied = http_client(&WebhooksSettings {
            allow_private_targets: true,
            proxy: Some(
                format!("http://127.0.0.1:{}", configured.port)
                    .parse()
                    .unwrap(),
            ),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(post(&proxied, &receiver.url()).await, 204);
        assert_eq!(
            configured.lines(),
            [format!("POST {} HTTP/1.1", receiver.url())]
        );
        assert_eq!(receiver.lines().len(), 1, "not to the receiver directly");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deliveries_ignore_proxy_variables_and_use_only_the_configured_proxy() {
        if std::env::var_os(CHILD).is_some() {
            return in_the_child().await;
        }
        let proxy = Recorder::start().await;
        let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
        let name = format!(
            "{}::deliveries_ignore_proxy_variables_and_use_only_the_configured_proxy",
            module_path!().split_once("::").map_or("", |(_, rest)| rest)
        );
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child.args(["--exact", &name, "--nocapture", "--test-threads=1"]);
        child.env(CHILD, "1");
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            child.env(var, &proxy_url);
        }
        child.env_remove("NO_PROXY").env_remove("no_proxy");
        let out = tokio::task::spawn_blocking(move || child.output())
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "the child: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Only the control request (a client that reads the variables) reached the proxy.
        assert_eq!(proxy.lines().len(), 1, "{:?}", proxy.lines());
        assert!(proxy.lines()[0].starts_with("POST http://127.0.0.1:"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_the_schedule_with_jitter_or_a_longer_retry_after() {
        for _ in 0..100 {
            let d = retry_delay(300, None).num_milliseconds();
            assert!((240_000..=360_000).contains(&d), "{d}");
        }
        // A longer Retry-After wins; a shorter one does not hurry the schedule.
        let long = retry_delay(5, Some(Duration::seconds(120)));
        assert_eq!(long, Duration::seconds(120));
        assert!(retry_delay(300, Some(Duration::seconds(1))) >= Duration::seconds(240));
        // Capped at a day.
        assert_eq!(
            retry_delay(5, Some(Duration::days(30))),
            Duration::hours(24)
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("120", now), Some(Duration::seconds(120)));
        assert_eq!(
            parse_retry_after("Fri, 27 Nov 2026 10:05:00 GMT", now),
            Some(Duration::seconds(300))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
