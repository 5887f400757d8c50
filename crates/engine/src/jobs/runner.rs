//! Running jobs: one batch (`run_due_jobs`), everything due (`run_until_idle`, for tests and
//! `vouch demo`), and the long-running `Worker` loop of `vouch serve` / `vouch worker`.

use std::panic::AssertUnwindSafe;
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures_util::FutureExt;
use rand::RngExt;
use tokio::sync::watch;
use uuid::Uuid;

use super::tasks::Outcome;
use crate::domain::JobStatus;
use crate::outbox::Task;
use crate::store::jobs::{self as job_rows, JobRow};
use crate::{Engine, EngineError};

/// Delay before attempt `attempts + 1`: `base × 2^(attempts − 1)`, times a random factor
/// in [0.5, 1.5) so that jobs failing together do not retry together; at most a day.
pub fn backoff(base_seconds: u64, attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    let seconds = (base_seconds.max(1) as f64) * f64::from(2u32.pow(exp));
    let jitter: f64 = rand::rng().random_range(0.5..1.5);
    Duration::milliseconds(((seconds * jitter).min(86_400.0) * 1000.0) as i64)
}

/// What a worker did before it stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    pub jobs_run: u64,
    pub released: u64,
}

impl Engine {
    fn lease(&self) -> Duration {
        Duration::seconds(self.settings.lease_seconds.max(1) as i64)
    }

    /// Claims up to `limit` due jobs and runs them one after another. Returns how many
    /// were claimed. `stop` is checked between jobs: once it is set, the jobs not yet
    /// started are released for another worker, so a shutdown never waits for a whole
    /// batch.
    #[tracing::instrument(skip_all, err)]
    pub async fn run_due_jobs(
        &self,
        worker: &str,
        limit: u64,
        stop: Option<&watch::Receiver<bool>>,
    ) -> Result<WorkerReport, EngineError> {
        let claim = format!("{worker}:{}", Uuid::now_v7());
        let claimed_at = self.now();
        let jobs = job_rows::claim_due(&self.db, &claim, claimed_at, self.lease(), limit).await?;
        let mut lease_until = claimed_at + self.lease();
        let mut lost = std::collections::HashSet::new();
        let mut report = WorkerReport::default();
        for (i, job) in jobs.iter().enumerate() {
            if stop.is_some_and(|s| *s.borrow()) {
                let rest: Vec<Uuid> = jobs[i..].iter().map(|j| j.id).collect();
                report.released = self.release(&claim, rest).await?;
                break;
            }
            // The batch shares one lease. While more than half of it is left the job is
            // surely still ours; past that, renew it for this job, or skip the job if the
            // lease ran out and another worker took it over.
            let now = self.now();
            if lease_until - now <= self.lease() / 2 {
                let rest: Vec<Uuid> = jobs[i..].iter().map(|j| j.id).collect();
                match self.renew_leases(&rest, &claim).await {
                    Ok(until) => {
                        lease_until = until;
                        lost.clear();
                        lost.extend(rest);
                        for id in self.jobs_held(&jobs[i..], &claim, until).await? {
                            lost.remove(&id);
                        }
                    }
                    Err(e) => {
                        let _ = self.release(&claim, rest).await;
                        return Err(e);
                    }
                }
            }
            if lost.contains(&job.id) {
                tracing::warn!(job_id = %job.id, "lease lost before the job started; skipped");
                continue;
            }
            if let Err(e) = self.run_claimed(job.clone(), &claim).await {
                // Hand back what was not started, so it does not wait out the lease.
                let rest: Vec<Uuid> = jobs[i + 1..].iter().map(|j| j.id).collect();
                let _ = self.release(&claim, rest).await;
                return Err(e);
            }
            report.jobs_run += 1;
        }
        Ok(report)
    }

    /// Extends the lease of the jobs this claim still holds (not those another worker took
    /// over after our lease ran out); returns the new end of the lease.
    async fn renew_leases(
        &self,
        ids: &[Uuid],
        claim: &str,
    ) -> Result<chrono::DateTime<chrono::Utc>, EngineError> {
        let now = self.now();
        let until = now + self.lease();
        job_rows::renew_leases(&self.db, ids, claim, now, until).await?;
        Ok(until)
    }

    /// Which of `jobs` this claim holds with a lease ending at `until`.
    async fn jobs_held(
        &self,
        jobs: &[JobRow],
        claim: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Uuid>, EngineError> {
        let ids: Vec<Uuid> = jobs.iter().map(|j| j.id).collect();
        job_rows::held(&self.db, &ids, claim, until).await
    }

    /// Runs every job that is due now, including those that become due while running
    /// (e.g. a notification caused by a job). Time does not move: jobs scheduled in the
    /// future stay queued until the clock reaches them.
    #[tracing::instrument(skip_all, err)]
    pub async fn run_until_idle(&self) -> Result<u64, EngineError> {
        let mut total = 0;
        // A generous bound against a job that keeps re-queuing itself as due now.
        for _ in 0..10_000 {
            let report = self.run_due_jobs("inline", 100, None).await?;
            if report.jobs_run == 0 {
                return Ok(total);
            }
            total += report.jobs_run;
        }
        Err(EngineError::Corrupt(
            "jobs keep becoming due: run_until_idle gave up".into(),
        ))
    }

    /// Hands claimed but unstarted jobs back to the queue, as if never claimed.
    async fn release(&self, claim: &str, ids: Vec<Uuid>) -> Result<u64, EngineError> {
        job_rows::release(&self.db, claim, ids, self.now()).await
    }

    #[tracing::instrument(skip_all, fields(job_id = %job.id, kind = %job.kind, attempt = job.attempts))]
    async fn run_claimed(&self, job: JobRow, claim: &str) -> Result<(), EngineError> {
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
        let now = self.now();
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
        let finished = job_rows::finish(
            &self.db,
            job.id,
            claim,
            status,
            run_at,
            error.as_deref(),
            now,
        )
        .await?;
        if !finished {
            tracing::warn!("lease lost before the job finished; another worker took it over");
        }
        Ok(())
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

/// A long-running worker: polls for due jobs, runs them, and stops when told to,
/// finishing the job in hand and releasing the rest of its batch.
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

    pub async fn run(mut self) -> WorkerReport {
        let poll = StdDuration::from_millis(self.engine.settings.poll_interval_ms.max(10));
        let mut total = WorkerReport::default();
        let mut last_purge = std::time::Instant::now();
        tracing::info!(worker = %self.name, "worker started");
        while !*self.stop.borrow() {
            // Housekeeping, hourly: stored Idempotency-Key answers are kept for a day, and
            // web sessions that ended (idle or too old) are removed.
            if last_purge.elapsed() >= StdDuration::from_secs(3600) {
                last_purge = std::time::Instant::now();
                match self.engine.purge_idempotency_keys(Duration::days(1)).await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "old idempotency keys purged"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
                }
                match self.engine.purge_ended_sessions().await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "ended web sessions purged"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "purging web sessions failed"),
                }
            }
            match self
                .engine
                .run_due_jobs(&self.name, 10, Some(&self.stop))
                .await
            {
                Ok(report) => {
                    total.jobs_run += report.jobs_run;
                    total.released += report.released;
                    if report.jobs_run > 0 {
                        continue;
                    }
                }
                Err(e) => tracing::error!(worker = %self.name, error = %e, "claiming jobs failed"),
            }
            // Idle (or the database is unwell): wait for the next poll or for stop.
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                changed = self.stop.changed() => {
                    // The sender is gone: nobody can stop us any more, so stop now.
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        tracing::info!(worker = %self.name, jobs = total.jobs_run, released = total.released, "worker stopped");
        total
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
}
