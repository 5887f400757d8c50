//! Running jobs: one batch (`run_due_jobs`), everything due (`run_until_idle`, for tests and
//! `vouch demo`), and the long-running `Worker` of `vouch serve` / `vouch worker`; all three
//! are one dispatch loop that runs claimed jobs concurrently.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use futures_util::FutureExt;
use rand::RngExt;
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::tasks::{Outcome, RefereeMail};
use crate::domain::JobStatus;
use crate::outbox::Task;
use crate::privacy::redact::redact_addresses;
use crate::store::jobs::{self as job_rows, JobRow};
use crate::{Engine, EngineError};

/// The random factor on each retry delay, so that jobs failing together do not retry
/// together.
const JITTER: std::ops::Range<f64> = 0.5..1.5;

/// Seconds before attempt `attempts + 1`, before jitter: `base × 2^(attempts − 1)`.
fn nominal_backoff(base_seconds: u64, attempts: i32) -> f64 {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    (base_seconds.max(1) as f64) * f64::from(2u32.pow(exp))
}

/// Delay before attempt `attempts + 1`: the nominal delay times a factor from [`JITTER`];
/// at most a day.
pub fn backoff(base_seconds: u64, attempts: i32) -> Duration {
    let jitter: f64 = rand::rng().random_range(JITTER);
    let seconds = nominal_backoff(base_seconds, attempts) * jitter;
    Duration::milliseconds((seconds.min(86_400.0) * 1000.0) as i64)
}

/// What a worker did before it stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    pub jobs_run: u64,
}

/// How a job ended, as it is written back to its row.
struct Finished {
    id: Uuid,
    claim: Arc<str>,
    status: JobStatus,
    run_at: Option<DateTime<Utc>>,
    error: Option<String>,
}

/// When a dispatch loop returns.
enum Until<'a> {
    /// Once nothing is running and nothing more is due (or `budget` jobs were claimed).
    Idle { budget: u64 },
    /// Once `stop` is set and the jobs in hand are finished; polls while idle.
    Stopped(&'a mut watch::Receiver<bool>),
}

/// Invitations and reminders are sent in batches of half the worker's concurrency (at most
/// this many), each batch one transaction: large enough that a batch's reads and writes
/// cost little per email, small enough that two batches are in flight at once (one
/// sending while the other reads or commits) and that a slow recipient server holds back
/// few others.
const REFEREE_BATCH_MAX: usize = 16;

/// Up to this many finished jobs are written back in one statement.
const FINISH_BATCH: usize = 64;

impl Engine {
    fn lease(&self) -> Duration {
        Duration::seconds(self.settings.lease_seconds.max(1) as i64)
    }

    /// Claims up to `limit` due jobs and runs them, at most `workflow.concurrency` at a
    /// time; returns once they are all finished.
    #[tracing::instrument(skip_all, err)]
    pub async fn run_due_jobs(
        &self,
        worker: &str,
        limit: u64,
    ) -> Result<WorkerReport, EngineError> {
        self.dispatch(worker, Until::Idle { budget: limit }).await
    }

    /// Runs every job that is due now, including those that become due while running
    /// (e.g. a notification caused by a job). Time does not move: jobs scheduled in the
    /// future stay queued until the clock reaches them.
    #[tracing::instrument(skip_all, err)]
    pub async fn run_until_idle(&self) -> Result<u64, EngineError> {
        // A generous bound against a job that keeps re-queuing itself as due now.
        const BUDGET: u64 = 1_000_000;
        let report = self
            .dispatch("inline", Until::Idle { budget: BUDGET })
            .await?;
        if report.jobs_run >= BUDGET {
            return Err(EngineError::Corrupt(
                "jobs keep becoming due: run_until_idle gave up".into(),
            ));
        }
        Ok(report.jobs_run)
    }

    /// The one dispatch loop behind the worker, `run_due_jobs` and `run_until_idle`.
    ///
    /// Due jobs are claimed in batches (one statement, `SKIP LOCKED` on PostgreSQL) as
    /// slots free up, and run concurrently, at most `workflow.concurrency` at once, so a
    /// slow mail server or a stalled job holds one slot, not the worker. Claimed jobs start
    /// at once, so nothing claimed ever waits unstarted behind a lease. Completions are
    /// written back in batches; a job whose completion is not yet written is still
    /// `running` under a live lease (renewed while it runs), so no one else takes it.
    /// Oldest due first: the claim orders by `run_at`.
    async fn dispatch(
        &self,
        worker: &str,
        mut until: Until<'_>,
    ) -> Result<WorkerReport, EngineError> {
        let concurrency = self.settings.concurrency.max(1);
        let referee_batch = (concurrency / 2).clamp(1, REFEREE_BATCH_MAX);
        let poll = StdDuration::from_millis(self.settings.poll_interval_ms.max(10));
        // Each job is a task of its own, so that it makes progress (and, on SQLite, hands
        // back the one connection) while this loop waits on a claim or a flush.
        let mut running: JoinSet<Vec<Finished>> = JoinSet::new();
        // The jobs in `running`, with their claims (for lease renewal).
        let mut held: HashMap<Uuid, Arc<str>> = HashMap::new();
        let mut finished: Vec<Finished> = Vec::new();
        let mut report = WorkerReport::default();
        let mut claimed_total = 0u64;
        // Whether the last claim came back short: nothing more is due until a job finishes
        // (it may queue another) or the next poll.
        let mut drained = false;
        let mut claim_failures = 0u32;
        let mut renew = tokio::time::interval(self.lease().to_std().unwrap_or_default() / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        renew.reset();
        loop {
            let stopping = match &until {
                Until::Stopped(stop) => *stop.borrow(),
                Until::Idle { budget } => claimed_total >= *budget,
            };
            let free = concurrency.saturating_sub(held.len());
            // Claim when at least half the slots are free, so each claim is a batch.
            if !stopping && !drained && (running.is_empty() || free >= concurrency.div_ceil(2)) {
                let mut want = free as u64;
                if let Until::Idle { budget } = until {
                    want = want.min(budget - claimed_total);
                }
                match self.claim(worker, want).await {
                    Ok((claim, jobs)) => {
                        if claim_failures > 0 {
                            tracing::info!(worker, "the database answers again; jobs resume");
                            claim_failures = 0;
                        }
                        drained = (jobs.len() as u64) < want;
                        claimed_total += jobs.len() as u64;
                        // Invitations and reminders claimed together run as one batch
                        // (`send_to_referees`); every other job as a task of its own.
                        let mut batch = Vec::new();
                        for job in jobs {
                            held.insert(job.id, claim.clone());
                            match referee_mail(&job) {
                                Some(item) => batch.push((job, item)),
                                None => {
                                    let engine = self.clone();
                                    let claim = claim.clone();
                                    running.spawn(async move {
                                        vec![engine.run_claimed(job, claim).await]
                                    });
                                }
                            }
                        }
                        while !batch.is_empty() {
                            let rest = batch.split_off(batch.len().min(referee_batch));
                            let engine = self.clone();
                            let claim = claim.clone();
                            running.spawn(async move { engine.run_batch(batch, claim).await });
                            batch = rest;
                        }
                    }
                    Err(e) => match until {
                        Until::Idle { .. } => {
                            self.settle(&mut finished, &mut running).await;
                            return Err(e);
                        }
                        Until::Stopped(_) => {
                            claim_failures += 1;
                            // Once per outage, not once per poll.
                            if claim_failures == 1 {
                                tracing::error!(worker, error = %e, "claiming jobs failed; pausing until the database answers");
                            }
                            drained = true;
                        }
                    },
                }
            }
            if running.is_empty() {
                self.flush(&mut finished).await;
                match &mut until {
                    Until::Idle { .. } if drained || stopping => return Ok(report),
                    Until::Idle { .. } => continue,
                    Until::Stopped(stop) => {
                        if stopping {
                            return Ok(report);
                        }
                        // Idle (or the database is unwell): wait for the next poll, backing
                        // off while claims fail, or for stop.
                        let wait = poll * 2u32.pow(claim_failures.min(5));
                        tokio::select! {
                            _ = tokio::time::sleep(wait.min(StdDuration::from_secs(30))) => {}
                            changed = stop.changed() => {
                                // The sender is gone: nobody can stop us any more, so stop.
                                if changed.is_err() {
                                    return Ok(report);
                                }
                            }
                        }
                        drained = false;
                        continue;
                    }
                }
            }
            tokio::select! {
                Some(joined) = running.join_next() => {
                    // A job task cannot fail: `run_claimed` catches a panicking task, and
                    // the set is never aborted. Should one fail anyway, its lease runs out
                    // and another worker takes the job over.
                    let Ok(done) = joined else { continue };
                    for job in done {
                        held.remove(&job.id);
                        finished.push(job);
                        report.jobs_run += 1;
                    }
                    // A finished job may have queued another that is due now.
                    drained = false;
                    if finished.len() >= FINISH_BATCH.min(concurrency) {
                        self.flush(&mut finished).await;
                    }
                }
                _ = renew.tick() => {
                    self.flush(&mut finished).await;
                    self.renew_leases(&held).await;
                }
                _ = stopped(&mut until) => {}
            }
        }
    }

    /// Claims up to `limit` due jobs under a fresh claim id.
    async fn claim(
        &self,
        worker: &str,
        limit: u64,
    ) -> Result<(Arc<str>, Vec<JobRow>), EngineError> {
        let claim: Arc<str> = format!("{worker}:{}", Uuid::now_v7()).into();
        if limit == 0 {
            return Ok((claim, Vec::new()));
        }
        let jobs = job_rows::claim_due(&self.db, &claim, self.now(), self.lease(), limit).await?;
        Ok((claim, jobs))
    }

    /// Lets the jobs in hand finish and writes them back (on the way out after an error).
    async fn settle(&self, finished: &mut Vec<Finished>, running: &mut JoinSet<Vec<Finished>>) {
        while let Some(joined) = running.join_next().await {
            if let Ok(done) = joined {
                finished.extend(done);
            }
        }
        self.flush(finished).await;
    }

    /// Writes finished jobs back: the `done` ones of each claim in one statement, the
    /// others one by one. On a database error they are kept for the next flush; should
    /// their leases run out first, another worker runs them again (every task is safe to
    /// run twice), and the late write of the first run then changes nothing.
    async fn flush(&self, finished: &mut Vec<Finished>) {
        if finished.is_empty() {
            return;
        }
        let now = self.now();
        let mut done: HashMap<Arc<str>, Vec<Uuid>> = HashMap::new();
        let mut kept = Vec::new();
        for f in finished.drain(..) {
            if f.status == JobStatus::Done {
                done.entry(f.claim.clone()).or_default().push(f.id);
                continue;
            }
            let written = job_rows::finish(
                &self.db,
                f.id,
                &f.claim,
                f.status,
                f.run_at,
                f.error.as_deref(),
                now,
            )
            .await;
            match written {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(job_id = %f.id, "lease lost before the job finished; another worker took it over")
                }
                Err(e) => {
                    tracing::warn!(job_id = %f.id, error = %e, "recording a finished job failed; will try again");
                    kept.push(f);
                }
            }
        }
        for (claim, ids) in done {
            match job_rows::finish_done(&self.db, &claim, &ids, now).await {
                Ok(n) if n < ids.len() as u64 => tracing::warn!(
                    lost = ids.len() as u64 - n,
                    "leases lost before jobs finished; other workers took them over"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(jobs = ids.len(), error = %e, "recording finished jobs failed; will try again");
                    kept.extend(ids.into_iter().map(|id| Finished {
                        id,
                        claim: claim.clone(),
                        status: JobStatus::Done,
                        run_at: None,
                        error: None,
                    }));
                }
            }
        }
        *finished = kept;
    }

    /// Extends the leases of the jobs still running under their claims.
    async fn renew_leases(&self, held: &HashMap<Uuid, Arc<str>>) {
        let now = self.now();
        let until = now + self.lease();
        let mut by_claim: HashMap<&Arc<str>, Vec<Uuid>> = HashMap::new();
        for (id, claim) in held {
            by_claim.entry(claim).or_default().push(*id);
        }
        for (claim, ids) in by_claim {
            if let Err(e) = job_rows::renew_leases(&self.db, &ids, claim, now, until).await {
                tracing::warn!(error = %e, "renewing job leases failed");
            }
        }
    }

    #[tracing::instrument(skip_all, fields(job_id = %job.id, kind = %job.kind, attempt = job.attempts))]
    async fn run_claimed(&self, job: JobRow, claim: Arc<str>) -> Finished {
        let outcome = match serde_json::from_value::<Task>(job.payload.clone()) {
            // A panicking task must not take its worker down with it.
            Ok(task) => match AssertUnwindSafe(self.perform(&task)).catch_unwind().await {
                Ok(Ok(outcome)) => outcome,
                // Our own failure (e.g. the database blinked): worth another try.
                Ok(Err(e)) => Outcome::Retry(format!("{e}: {}", error_chain(&e))),
                Err(_) => Outcome::Retry("the task panicked".into()),
            },
            Err(e) => Outcome::Dead(format!("unreadable payload: {e}")),
        };
        self.conclude(&job, claim, outcome)
    }

    /// Runs invitations and reminders claimed together as one batch: their reads, their
    /// sends side by side, and one transaction for what the delivered ones caused. An
    /// error or a panic of the batch is a retry for each of its jobs.
    #[tracing::instrument(skip_all, fields(jobs = batch.len()))]
    async fn run_batch(&self, batch: Vec<(JobRow, RefereeMail)>, claim: Arc<str>) -> Vec<Finished> {
        let items: Vec<RefereeMail> = batch.iter().map(|(_, item)| *item).collect();
        let outcomes = match AssertUnwindSafe(self.send_to_referees(&items))
            .catch_unwind()
            .await
        {
            Ok(Ok(outcomes)) => outcomes,
            Ok(Err(e)) => {
                let error = format!("{e}: {}", error_chain(&e));
                items
                    .iter()
                    .map(|_| Outcome::Retry(error.clone()))
                    .collect()
            }
            Err(_) => items
                .iter()
                .map(|_| Outcome::Retry("the task panicked".into()))
                .collect(),
        };
        batch
            .into_iter()
            .zip(outcomes)
            .map(|((job, _), outcome)| {
                let span = tracing::info_span!("job", job_id = %job.id, kind = %job.kind, attempt = job.attempts);
                span.in_scope(|| self.conclude(&job, claim.clone(), outcome))
            })
            .collect()
    }

    /// How a job that ran is written back, with its log line.
    fn conclude(&self, job: &JobRow, claim: Arc<str>, outcome: Outcome) -> Finished {
        let now = self.now();
        // A mail server's answer names the recipient: shortened before it is logged or
        // stored, so neither the log nor the admin's job list holds the address.
        let outcome = match outcome {
            Outcome::Failed(e) => Outcome::Failed(redact_addresses(&e).into_owned()),
            Outcome::Dead(e) => Outcome::Dead(redact_addresses(&e).into_owned()),
            Outcome::Retry(e) => Outcome::Retry(redact_addresses(&e).into_owned()),
            Outcome::Done => Outcome::Done,
        };
        let (status, run_at, error) = match outcome {
            Outcome::Done => (JobStatus::Done, None, None),
            Outcome::Failed(e) => (JobStatus::Failed, None, Some(e)),
            Outcome::Dead(e) => (JobStatus::Dead, None, Some(e)),
            Outcome::Retry(e) if job.attempts >= job.max_attempts => {
                (JobStatus::Dead, None, Some(e))
            }
            Outcome::Retry(e) => {
                let at = now + backoff(self.settings.retry_base_seconds, job.attempts);
                (JobStatus::Queued, Some(at), Some(e))
            }
        };
        match status {
            JobStatus::Dead => tracing::error!(
                error = error.as_deref(),
                "job is dead; an admin can retry it"
            ),
            JobStatus::Queued => {
                tracing::warn!(error = error.as_deref(), retry_at = ?run_at, "job will be retried")
            }
            JobStatus::Failed => tracing::warn!(error = error.as_deref(), "job failed permanently"),
            _ => tracing::debug!("job done"),
        }
        Finished {
            id: job.id,
            claim,
            status,
            run_at,
            error,
        }
    }
}

/// The invitation or reminder a job is, if it is one (to run in a batch).
fn referee_mail(job: &JobRow) -> Option<RefereeMail> {
    if !matches!(job.kind.as_str(), "send_invitation" | "send_reminder") {
        return None;
    }
    let task = serde_json::from_value::<Task>(job.payload.clone()).ok()?;
    RefereeMail::of_task(&task)
}

/// Resolves when a `Stopped` loop is told to stop; never for `Idle`.
async fn stopped(until: &mut Until<'_>) {
    match until {
        Until::Stopped(stop) => {
            if stop.changed().await.is_err() {
                // The sender is gone: park here; the loop ends when the jobs in hand do.
                std::future::pending::<()>().await;
            }
        }
        Until::Idle { .. } => std::future::pending::<()>().await,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = String::new();
    let mut source = e.source();
    while let Some(s) = source {
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// A long-running worker: claims due jobs as slots free up, runs them concurrently, and
/// when told to stop finishes the jobs in hand and claims no more. Housekeeping runs
/// beside it, hourly.
pub struct Worker {
    engine: Engine,
    name: String,
    stop: watch::Receiver<bool>,
}

impl Worker {
    pub fn new(engine: Engine, name: impl Into<String>, stop: watch::Receiver<bool>) -> Self {
        Self {
            engine,
            name: name.into(),
            stop,
        }
    }

    pub async fn run(self) -> WorkerReport {
        tracing::info!(worker = %self.name, concurrency = self.engine.settings.concurrency, "worker started");
        let mut stop = self.stop.clone();
        let dispatch = self.engine.dispatch(&self.name, Until::Stopped(&mut stop));
        let (report, ()) = tokio::join!(dispatch, housekeeping(&self.engine, self.stop.clone()));
        // `Stopped` never returns an error: claim failures are waited out.
        let report = report.unwrap_or_default();
        tracing::info!(worker = %self.name, jobs = report.jobs_run, "worker stopped");
        report
    }
}

/// Hourly, until `stop`: stored Idempotency-Key answers are kept for a day, web
/// sessions that ended (idle or too old) are removed, and today's retention run is
/// queued (once a day, whichever worker is first).
async fn housekeeping(engine: &Engine, mut stop: watch::Receiver<bool>) {
    let mut hourly = tokio::time::interval(StdDuration::from_secs(3600));
    hourly.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    hourly.reset();
    while !*stop.borrow() {
        tokio::select! {
            _ = hourly.tick() => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        }
        match engine
            .idempotency()
            .purge_idempotency_keys(Duration::days(1))
            .await
        {
            Ok(n) if n > 0 => tracing::info!(removed = n, "old idempotency keys purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
        }
        match engine.accounts().purge_ended_sessions().await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "ended web sessions purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging web sessions failed"),
        }
        if let Err(e) = engine.privacy().schedule_retention().await {
            tracing::warn!(error = %e, "queueing the retention run failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempts in 1..=6 {
            let nominal = 60.0 * f64::from(2u32.pow(attempts as u32 - 1));
            let d = backoff(60, attempts).num_milliseconds() as f64 / 1000.0;
            assert!(
                d >= nominal * 0.5 && d < nominal * 1.5,
                "attempt {attempts}: {d}"
            );
        }
        assert!(backoff(60, 30) <= Duration::days(1));
    }

    /// An outage of the mail relay must not kill invitations in its first hour: with the
    /// default settings, even the shortest jittered delays add up to more than an hour
    /// before the last attempt.
    #[test]
    fn with_the_defaults_no_job_goes_dead_within_the_first_hour_of_an_outage() {
        let settings = crate::WorkflowSettings::default();
        let shortest: f64 = (1..settings.max_attempts as i32)
            .map(|attempt| nominal_backoff(settings.retry_base_seconds, attempt) * JITTER.start)
            .sum();
        assert!(shortest > 3600.0, "{shortest} s");
    }
}
