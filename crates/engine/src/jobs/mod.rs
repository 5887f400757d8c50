//! The durable job queue (a transactional outbox). Every email and every timer is a row
//! in `jobs`, written in the same transaction as the state change that causes it, so a
//! crash can neither lose it nor run it without its cause.
//!
//! Life of a job: `queued` (due at `run_at`) → claimed by a worker (`running`, with a
//! lease) → `done`; or back to `queued` with a later `run_at` after a transient failure;
//! `failed` after a permanent one (handled: e.g. the reference was marked bounced); `dead`
//! once the attempts run out, where an admin can list and retry it. A worker that dies
//! leaves its job `running`; when the lease expires, another worker takes it over.

mod queue;
mod runner;
mod tasks;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use queue::JobStatus;
pub use runner::{Worker, WorkerReport};

use crate::EngineError;
use crate::entity::job;

/// What a job does. Stored as JSON in `jobs.payload`; the tag is also `jobs.kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// Email the referee their link (`generation` = which invitation this is, 1 first).
    SendInvitation { reference_id: Uuid, generation: i32 },
    /// Remind a silent referee (`sequence` 1, 2, … of this invitation generation).
    SendReminder {
        reference_id: Uuid,
        generation: i32,
        sequence: i32,
    },
    /// The case's deadline: expire what is outstanding and move to review.
    CaseDeadline { case_id: Uuid },
    /// Tell the case owner something happened.
    NotifyOwner { case_id: Uuid, notice: OwnerNotice },
    /// Email the provider's contact a link to nominate references.
    SendNomination { nomination_id: Uuid },
    /// Does nothing; for measuring the queue itself.
    Noop,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OwnerNotice {
    QuorumReached,
    ReadyForReview,
    Bounce { reference_id: Uuid, reason: String },
    NominationsReceived { nomination_id: Uuid, count: u32 },
    Decided,
}

impl Task {
    pub fn kind(&self) -> &'static str {
        match self {
            Task::SendInvitation { .. } => "send_invitation",
            Task::SendReminder { .. } => "send_reminder",
            Task::CaseDeadline { .. } => "case_deadline",
            Task::NotifyOwner { .. } => "notify_owner",
            Task::SendNomination { .. } => "send_nomination",
            Task::Noop => "noop",
        }
    }

    /// Jobs with the same key are the same job: enqueueing one twice keeps the first.
    fn dedupe_key(&self) -> Option<String> {
        Some(match self {
            Task::SendInvitation {
                reference_id,
                generation,
            } => format!("invitation:{reference_id}:{generation}"),
            Task::SendReminder {
                reference_id,
                generation,
                sequence,
            } => format!("reminder:{reference_id}:{generation}:{sequence}"),
            Task::CaseDeadline { case_id } => format!("deadline:{case_id}"),
            Task::SendNomination { nomination_id } => format!("nomination:{nomination_id}"),
            Task::NotifyOwner { case_id, notice } => match notice {
                OwnerNotice::QuorumReached => format!("notify:{case_id}:quorum"),
                OwnerNotice::ReadyForReview => format!("notify:{case_id}:review"),
                OwnerNotice::Decided => format!("notify:{case_id}:decided"),
                OwnerNotice::NominationsReceived { nomination_id, .. } => {
                    format!("notify:{case_id}:nominations:{nomination_id}")
                }
                OwnerNotice::Bounce { reference_id, .. } => {
                    format!("notify:{case_id}:bounce:{reference_id}:{}", Uuid::now_v7())
                }
            },
            Task::Noop => return None,
        })
    }
}

/// A job as shown to admins.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Adds `task` to the queue, due at `run_at`, on `conn` (pass the transaction that makes
/// the state change). A task with the key of an existing job is dropped as a duplicate.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    task: &Task,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<(), EngineError> {
    let payload =
        serde_json::to_value(task).map_err(|e| EngineError::Corrupt(format!("task: {e}")))?;
    let row = job::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(task.kind().to_owned()),
        payload: Set(payload),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        run_at: Set(run_at),
        attempts: Set(0),
        max_attempts: Set(max_attempts as i32),
        lease_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        dedupe_key: Set(task.dedupe_key()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    job::Entity::insert(row)
        .on_conflict(
            OnConflict::column(job::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
