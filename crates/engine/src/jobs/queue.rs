//! Claiming, finishing and retrying jobs, and the admin's view of the dead-letter queue.

use chrono::{DateTime, Duration, Utc};
use rand::RngExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, Value,
};
use uuid::Uuid;

use super::Job;
use crate::domain::stored;
use crate::entity::job;
use crate::{Engine, EngineError, Page, PageRequest};

crate::domain::string_enum!(
    /// Where a job is in its life.
    JobStatus {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
        Dead => "dead",
    }
);

pub(crate) fn to_job(m: job::Model) -> Result<Job, EngineError> {
    Ok(Job {
        id: m.id,
        status: stored(&m.status)?,
        kind: m.kind,
        payload: m.payload,
        run_at: m.run_at,
        attempts: m.attempts,
        max_attempts: m.max_attempts,
        last_error: m.last_error,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Claims up to `limit` due jobs for `claim` (a fresh id per batch) in one statement: jobs
/// that are queued and due, or running with an expired lease (their worker died). On
/// PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent workers claim disjoint batches
/// without waiting on each other; SQLite runs one writer at a time, so the single UPDATE
/// is already exclusive.
pub(crate) async fn claim_due(
    conn: &impl ConnectionTrait,
    claim: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<job::Model>, EngineError> {
    let backend = conn.get_database_backend();
    let lease_until = now + lease;
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $1, \
             locked_by = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM jobs \
               WHERE (status = 'queued' AND run_at <= $3) OR (status = 'running' AND lease_until < $3) \
               ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING *"
        }
        _ => {
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?1, \
             locked_by = ?2, updated_at = ?3 \
             WHERE id IN (SELECT id FROM jobs \
               WHERE (status = 'queued' AND run_at <= ?3) OR (status = 'running' AND lease_until < ?3) \
               ORDER BY run_at LIMIT ?4) \
             RETURNING *"
        }
    };
    let values: Vec<Value> = vec![
        lease_until.into(),
        claim.to_owned().into(),
        now.into(),
        (limit as i64).into(),
    ];
    let stmt = Statement::from_sql_and_values(backend, sql, values);
    let mut jobs = job::Entity::find().from_raw_sql(stmt).all(conn).await?;
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

/// Moves a claimed job to its final or next state, provided the claim still holds: a
/// worker whose lease ran out (and whose job another worker took over) changes nothing.
pub(crate) async fn finish(
    conn: &impl ConnectionTrait,
    job_id: Uuid,
    claim: &str,
    status: JobStatus,
    run_at: Option<DateTime<Utc>>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, EngineError> {
    use sea_orm::sea_query::Expr;
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            job::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::UpdatedAt, Expr::value(now));
    if let Some(run_at) = run_at {
        update = update.col_expr(job::Column::RunAt, Expr::value(run_at));
    }
    if let Some(error) = error {
        update = update.col_expr(job::Column::LastError, Expr::value(error.to_owned()));
    }
    let res = update
        .filter(job::Column::Id.eq(job_id))
        .filter(job::Column::LockedBy.eq(claim))
        .filter(job::Column::Status.eq(JobStatus::Running.as_str()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Delay before attempt `attempts + 1`: `base × 2^(attempts − 1)`, times a random factor
/// in [0.5, 1.5) so that jobs failing together do not retry together; at most a day.
pub fn backoff(base_seconds: u64, attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    let seconds = (base_seconds.max(1) as f64) * f64::from(2u32.pow(exp));
    let jitter: f64 = rand::rng().random_range(0.5..1.5);
    Duration::milliseconds(((seconds * jitter).min(86_400.0) * 1000.0) as i64)
}

impl Engine {
    /// Jobs, newest first, optionally of one status (`dead` is the dead-letter queue).
    pub async fn list_jobs(
        &self,
        status: Option<JobStatus>,
        page: PageRequest,
    ) -> Result<Page<Job>, EngineError> {
        let mut q = job::Entity::find().order_by_desc(job::Column::Id);
        if let Some(status) = status {
            q = q.filter(job::Column::Status.eq(status.as_str()));
        }
        if let Some(cursor) = page.cursor {
            q = q.filter(job::Column::Id.lt(cursor));
        }
        let rows = q.limit(page.limit() + 1).all(&self.db).await?;
        let page = Page::from_rows(rows, page.limit(), |m| m.id);
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(to_job)
                .collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        })
    }

    /// Puts a dead job back in the queue, due now, with a fresh set of attempts.
    pub async fn retry_dead_job(&self, id: Uuid) -> Result<Job, EngineError> {
        use sea_orm::ActiveModelTrait;
        let row = job::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound { entity: "job" })?;
        let status: JobStatus = stored(&row.status)?;
        if status != JobStatus::Dead {
            return Err(EngineError::InvalidState {
                entity: "job",
                action: "retry",
                current: status.as_str().to_owned(),
            });
        }
        let now = self.now();
        let mut active: job::ActiveModel = row.into();
        active.status = sea_orm::Set(JobStatus::Queued.as_str().to_owned());
        active.attempts = sea_orm::Set(0);
        active.run_at = sea_orm::Set(now);
        active.updated_at = sea_orm::Set(now);
        let updated = active.update(&self.db).await?;
        tracing::info!(job_id = %id, "dead job put back in the queue");
        to_job(updated)
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
