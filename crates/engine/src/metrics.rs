//! What the engine contributes to `/metrics`: the counters and the histogram it records as
//! things happen, and the figures read from the database when metrics are scraped.
//!
//! Counters and histograms go through the `metrics` facade. The process serving HTTP
//! installs the Prometheus recorder; where none is installed (metrics disabled, the CLI,
//! `vouch worker`) they cost a branch and go nowhere. Labels are fixed words (email kinds,
//! states), never an address, a name or a token.
//!
//! Queue depth and reference states are not counted as they change but read at scrape
//! time: every instance sharing the database then reports the same figures, and none
//! drifts after a restart or a change made by another process.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mailer::MailError;
use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use tracing::Instrument;

use crate::EngineError;
use crate::domain::{JobStatus, ReferenceStatus};
use crate::outbox::Task;
use crate::store::{jobs, references};

/// Emails the mail server accepted, by `kind` (`invitation`, `reminder`, …).
pub const EMAILS_SENT: &str = "vouch_emails_sent_total";
/// Attempts that failed for a reason that may pass, or on a template or configuration.
pub const EMAILS_FAILED: &str = "vouch_emails_failed_total";
/// Emails the mail server refused for good.
pub const EMAILS_BOUNCED: &str = "vouch_emails_bounced_total";
/// Seconds from a reference's first invitation to its completed response.
pub const INVITE_TO_ANSWER: &str = "vouch_reference_invite_to_answer_seconds";
/// Webhook deliveries by `outcome`, counted by the webhook sender.
pub const WEBHOOK_DELIVERIES: &str = "vouch_webhook_deliveries_total";

/// Seconds a request spent in each of its stages (body parse, token lookup, pool checkout,
/// transaction, response, ...), by `request` ("POST /r/{token}") and `stage`: where a
/// request waits, without a profiler (bench/submit.sh prints the breakdown).
pub const REQUEST_STAGE: &str = "vouch_request_stage_seconds";

/// Buckets of [`INVITE_TO_ANSWER`]: referees answer within minutes or within weeks, and the
/// interesting questions ("within a day?", "before the first reminder?") fall on these.
pub const INVITE_TO_ANSWER_BUCKETS: &[f64] = &[
    300.0,       // 5 minutes
    900.0,       // 15 minutes
    3_600.0,     // 1 hour
    10_800.0,    // 3 hours
    21_600.0,    // 6 hours
    43_200.0,    // 12 hours
    86_400.0,    // 1 day
    172_800.0,   // 2 days
    259_200.0,   // 3 days: the first reminder by default
    432_000.0,   // 5 days
    604_800.0,   // 7 days: the second reminder by default
    864_000.0,   // 10 days
    1_209_600.0, // 14 days: the default deadline
    1_814_400.0, // 21 days
    2_592_000.0, // 30 days
];

/// Registers the help text of the engine's metrics with the installed recorder; call once,
/// after installing it.
pub fn describe() {
    describe_counter!(
        EMAILS_SENT,
        Unit::Count,
        "Emails the mail server accepted, by kind."
    );
    describe_counter!(
        EMAILS_FAILED,
        Unit::Count,
        "Attempts at sending an email that failed without a bounce (mail server unreachable \
         or answering 4xx, a template or configuration error), by kind. Retried attempts \
         count again."
    );
    describe_counter!(
        EMAILS_BOUNCED,
        Unit::Count,
        "Emails the mail server refused for good (a 5xx about the recipient), by kind."
    );
    describe_histogram!(
        INVITE_TO_ANSWER,
        Unit::Seconds,
        "Time from a reference's first invitation to its completed response."
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        Unit::Count,
        "Webhook delivery attempts, by outcome."
    );
    describe_histogram!(
        REQUEST_STAGE,
        Unit::Seconds,
        "Time a timed request (the referee's page and form post) spent in each stage, by \
         request and stage."
    );
}

tokio::task_local! {
    /// The request whose stages are being timed, as "METHOD /route/{pattern}".
    static TIMED_REQUEST: Arc<str>;
}

/// Runs `fut` as the timed request `name`: the stages run inside it are recorded under
/// that name, and the whole as stage `handler`.
pub async fn timed_request<F: Future>(name: Arc<str>, fut: F) -> F::Output {
    let started = Instant::now();
    let label = name.clone();
    let out = TIMED_REQUEST
        .scope(
            name,
            fut.instrument(tracing::debug_span!("request", request = %label)),
        )
        .await;
    record_stage(&label, "handler", started.elapsed());
    out
}

/// Runs `fut` as stage `stage` of the current timed request: in a tracing span of that
/// name, with its time recorded into [`REQUEST_STAGE`]. Outside a timed request (a job,
/// the JSON API) only the span.
pub async fn stage<F: Future>(stage: &'static str, fut: F) -> F::Output {
    let started = Instant::now();
    let out = fut.instrument(tracing::debug_span!("stage", stage)).await;
    if let Ok(request) = TIMED_REQUEST.try_with(Arc::clone) {
        record_stage(&request, stage, started.elapsed());
    }
    out
}

/// Records `elapsed` as stage `stage` of `request`: for stages timed outside the request's
/// task (a middleware, the wait before the handler ran).
pub fn record_stage(request: &str, stage: &'static str, elapsed: Duration) {
    histogram!(REQUEST_STAGE, "request" => request.to_owned(), "stage" => stage)
        .record(elapsed.as_secs_f64());
}

/// One email the mail server accepted.
pub(crate) fn email_sent(kind: &'static str) {
    counter!(EMAILS_SENT, "kind" => kind).increment(1);
}

/// One failed attempt at sending an email of `kind`: a bounce when the server refused it
/// for good, a failure otherwise. Each attempt lands in exactly one of the two.
pub(crate) fn email_failed(kind: &str, error: &MailError) {
    let name = if error.is_permanent() {
        EMAILS_BOUNCED
    } else {
        EMAILS_FAILED
    };
    counter!(name, "kind" => kind.to_owned()).increment(1);
}

/// One attempt at a webhook delivery ended: `delivered`, `retrying`, `failed` (given up),
/// `gone` (a 410 disabled the endpoint) or `skipped` (its endpoint was disabled first).
pub(crate) fn webhook_delivery(outcome: &'static str) {
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
}

/// A reference answered at `now`, first invited at `invited_at` (none for a reference
/// answered without an invitation, which has no such time to record).
pub(crate) fn reference_answered(invited_at: Option<DateTime<Utc>>, now: DateTime<Utc>) {
    if let Some(invited_at) = invited_at {
        let seconds = (now - invited_at).num_milliseconds().max(0) as f64 / 1000.0;
        histogram!(INVITE_TO_ANSWER).record(seconds);
    }
}

/// The database figures of a scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsSnapshot {
    /// Jobs by kind and state; done jobs (history, not queue) are left out. Every state
    /// but `done` is listed for every kind ([`Task::KINDS`] and any other in the table),
    /// zero included, so that a queue that drained reads 0 rather than nothing.
    pub jobs: BTreeMap<(String, JobStatus), u64>,
    /// Seconds since the oldest queued job became due; 0 when none is due.
    pub oldest_due_age_seconds: f64,
    /// References by state, every state listed (zero included).
    pub references: Vec<(ReferenceStatus, u64)>,
}

impl crate::services::Jobs<'_> {
    /// The queue and the references as they stand, for `/metrics`: one grouped query
    /// each, run side by side.
    pub async fn metrics_snapshot(&self) -> Result<MetricsSnapshot, EngineError> {
        let now = self.now();
        let (depth, by_status) = tokio::try_join!(
            jobs::depth(&self.db, now),
            references::count_by_status(&self.db),
        )?;
        let kinds: BTreeSet<&str> = Task::KINDS
            .iter()
            .copied()
            .chain(depth.iter().map(|row| row.kind.as_str()))
            .collect();
        let mut jobs = BTreeMap::new();
        for kind in kinds {
            for status in JobStatus::ALL.iter().filter(|s| **s != JobStatus::Done) {
                jobs.insert((kind.to_owned(), *status), 0);
            }
        }
        for row in &depth {
            jobs.insert((row.kind.clone(), row.status), row.jobs.max(0) as u64);
        }
        let oldest_due = depth.iter().filter_map(|row| row.oldest_due).min();
        let oldest_due_age_seconds = oldest_due.map_or(0.0, |due| {
            (now - due).num_milliseconds().max(0) as f64 / 1000.0
        });
        let references = ReferenceStatus::ALL
            .iter()
            .map(|status| (*status, by_status.get(status).copied().unwrap_or(0)))
            .collect();
        Ok(MetricsSnapshot {
            jobs,
            oldest_due_age_seconds,
            references,
        })
    }
}
