//! The admin's view of the queue: jobs by status (`dead` is the dead-letter queue), and
//! putting a dead job back.

use uuid::Uuid;

use crate::domain::{Job, JobStatus, State};
use crate::store::jobs::{self as job_rows, QueueHealth};
use crate::{EngineError, Page, PageRequest};

/// How the queue of the database behind `db` stands at `now`, without an engine: for
/// `vouch doctor`, which checks a database before anything else is set up.
pub async fn queue_health(
    db: &store::DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<QueueHealth, EngineError> {
    job_rows::health(db, now).await.map_err(Into::into)
}

impl crate::services::Jobs<'_> {
    /// Jobs, newest first, optionally of one status (`dead` is the dead-letter queue).
    #[tracing::instrument(skip_all)]
    pub async fn list_jobs(
        &self,
        status: Option<JobStatus>,
        page: PageRequest,
    ) -> Result<Page<Job>, EngineError> {
        let rows = job_rows::page(&self.db, status, page.cursor, page.limit() + 1).await?;
        let page = Page::from_rows(rows, page.limit(), |m| m.id);
        Ok(Page {
            items: page.items.into_iter().map(Job::from).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// How the queue stands now (`vouch doctor`).
    pub async fn queue_health(&self) -> Result<QueueHealth, EngineError> {
        queue_health(&self.db, self.now()).await
    }

    /// Puts a dead job back in the queue, due now, with a fresh set of attempts.
    #[tracing::instrument(skip_all, fields(job_id = %id), err)]
    pub async fn retry_dead_job(&self, id: Uuid) -> Result<Job, EngineError> {
        let row = job_rows::get(&self.db, id).await?;
        if row.status != JobStatus::Dead {
            return Err(EngineError::InvalidState {
                action: "retry",
                current: State::Job(row.status),
            });
        }
        let updated = job_rows::requeue(&self.db, row, self.now()).await?;
        tracing::info!("dead job put back in the queue");
        Ok(updated.into())
    }
}
