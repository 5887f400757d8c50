//! The moves every use case shares: a checked status change with its audit event, the
//! jobs a change queues, and the automatic hand-over to review. Callers pass the open
//! transaction in which the case row is already locked (`store::cases::lock`).

use chrono::{DateTime, Utc};
use serde_json::json;
use store::{ConnectionTrait, DatabaseTransaction};

use crate::audit::{self, Actor};
use crate::domain::{CaseKind, CaseStatus, ReferenceStatus, State};
use crate::machine::{CaseEvent, ReferenceEvent, case_transition, reference_transition};
use crate::outbox::{self, OwnerNotice, Task};
use crate::store::cases::{self, CaseRow};
use crate::store::references::{self, ReferenceRow};
use crate::store::responses;
use crate::{Engine, EngineError};

/// Refuses an action that only makes sense while the case collects answers.
pub(crate) fn require_collecting(case: &CaseRow, action: &'static str) -> Result<(), EngineError> {
    if case.status == CaseStatus::Collecting {
        Ok(())
    } else {
        Err(EngineError::InvalidState {
            action,
            current: State::Case(case.status),
        })
    }
}

/// Refuses an answer or a decline from a referee whose check no longer takes them: the
/// case stopped collecting, or the reference expired with its release (API.md
/// "Disclosure"). `reference` is the row as locked after `case`.
pub(crate) fn require_taking_answers(
    case: &CaseRow,
    reference: &ReferenceRow,
) -> Result<(), EngineError> {
    if crate::disclosure::takes_answers(case.status) && reference.status != ReferenceStatus::Expired
    {
        Ok(())
    } else {
        Err(EngineError::CheckClosed)
    }
}

/// Moves a case to the status `event` leads to, with its audit event. Going from
/// `collecting` to `review` releases the report (API.md "Disclosure"): `released_at` is stamped, and whoever was
/// still expected to answer is expired, their draft discarded, so the released figures
/// are final and no later answer can be compared against them.
pub(crate) async fn set_case_status(
    txn: &DatabaseTransaction,
    case: CaseRow,
    event: CaseEvent,
    actor: &Actor,
    mut data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<CaseRow, EngineError> {
    let from = case.status;
    let to = case_transition(from, event)?;
    let updated = cases::update_status(txn, case, to, now).await?;
    if from == CaseStatus::Collecting && to == CaseStatus::Review {
        // The references expire for the reason the case closed (the deadline, ...).
        let reason = data.get("reason").cloned().unwrap_or(json!("released"));
        let expired = expire_outstanding(txn, updated.id, reason, now).await?;
        if expired > 0 {
            data["expired"] = json!(expired);
        }
    }
    data["from"] = json!(from.as_str());
    data["to"] = json!(to.as_str());
    audit::record(
        txn,
        Some(updated.id),
        None,
        actor,
        "case.status_changed",
        data,
        now,
    )
    .await?;
    Ok(updated)
}

/// The release of a case that stops collecting: every reference still pending, invited or
/// opened is expired for `reason` (its link now says the check has closed) and its draft
/// discarded. Returns how many expired.
async fn expire_outstanding(
    txn: &DatabaseTransaction,
    case_id: uuid::Uuid,
    reason: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<usize, EngineError> {
    let mut expired = Vec::new();
    for reference in references::of_case(txn, case_id).await? {
        if reference.status.is_outstanding() {
            expired.push(reference.id);
            set_reference_status(
                txn,
                reference,
                ReferenceEvent::Expire,
                &Actor::System,
                json!({ "reason": reason }),
                now,
            )
            .await?;
        }
    }
    responses::discard_drafts(txn, &expired).await?;
    Ok(expired.len())
}

/// Moves a reference to the status `event` leads to, with its audit event.
pub(crate) async fn set_reference_status(
    txn: &DatabaseTransaction,
    reference: ReferenceRow,
    event: ReferenceEvent,
    actor: &Actor,
    mut data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<ReferenceRow, EngineError> {
    let from = reference.status;
    let to = reference_transition(from, event)?;
    let updated = references::update_status(txn, reference, to, now).await?;
    data["from"] = json!(from.as_str());
    data["to"] = json!(to.as_str());
    audit::record(
        txn,
        Some(updated.case_id),
        Some(updated.id),
        actor,
        "reference.status_changed",
        data,
        now,
    )
    .await?;
    Ok(updated)
}

impl Engine {
    /// Queues `task`, due at `run_at`, in the caller's transaction.
    pub(crate) async fn enqueue(
        &self,
        conn: &impl ConnectionTrait,
        task: &Task,
        run_at: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        outbox::enqueue(conn, task, run_at, self.now(), self.settings.max_attempts).await
    }

    /// [`Engine::enqueue`] for several tasks, in one statement.
    pub(crate) async fn enqueue_all(
        &self,
        conn: &impl ConnectionTrait,
        tasks: &[(&Task, DateTime<Utc>)],
    ) -> Result<(), EngineError> {
        outbox::enqueue_all(conn, tasks, self.now(), self.settings.max_attempts).await
    }

    /// Queues the next invitation of a reference, under a new generation recorded on the
    /// reference in the same transaction (`references::next_generation`): once it commits,
    /// the jobs of every older generation (a queued invitation, the reminders of the last
    /// one) find themselves superseded and mint no link. `reference` must be the row as
    /// read in this transaction, after the case lock.
    pub(crate) async fn enqueue_invitation(
        &self,
        conn: &impl ConnectionTrait,
        reference: &ReferenceRow,
    ) -> Result<(), EngineError> {
        let task = Task::SendInvitation {
            reference_id: reference.id,
            generation: references::next_generation(conn, reference).await?,
        };
        self.enqueue(conn, &task, self.now()).await
    }

    /// [`Engine::enqueue_invitation`] for the references of one case launched together, in
    /// one statement for their generations and one for their jobs, with `also` (the
    /// case's deadline) queued in the same statement.
    pub(crate) async fn enqueue_invitations(
        &self,
        conn: &impl ConnectionTrait,
        references: &[&ReferenceRow],
        also: (&Task, DateTime<Utc>),
    ) -> Result<(), EngineError> {
        let generations = references::next_generations(conn, references).await?;
        let now = self.now();
        let tasks: Vec<Task> = references
            .iter()
            .zip(generations)
            .map(|(r, generation)| Task::SendInvitation {
                reference_id: r.id,
                generation,
            })
            .collect();
        let mut due: Vec<(&Task, DateTime<Utc>)> = tasks.iter().map(|t| (t, now)).collect();
        due.push(also);
        self.enqueue_all(conn, &due).await
    }

    /// After a reference leaves the outstanding states: tell the owner once quorum is
    /// reached, and move the case to review when quorum is met and nobody is still
    /// expected to answer. `case` is the row the caller locked in `txn`.
    pub(crate) async fn advance_if_complete(
        &self,
        txn: &DatabaseTransaction,
        case: CaseRow,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let case_id = case.id;
        if case.status != CaseStatus::Collecting {
            return Ok(());
        }
        let refs = references::of_case(txn, case_id).await?;
        let completed = refs
            .iter()
            .filter(|r| r.status == ReferenceStatus::Completed)
            .count();
        let outstanding = refs.iter().filter(|r| r.status.is_outstanding()).count();
        // A pulse (either side) has no quorum: it is over once everyone asked answered or
        // declined.
        if case.kind != CaseKind::Review {
            if outstanding == 0 {
                set_case_status(
                    txn,
                    case,
                    CaseEvent::Close,
                    &Actor::System,
                    json!({ "reason": "everyone asked answered or declined" }),
                    now,
                )
                .await?;
                self.enqueue(txn, &Task::PulseComplete { case_id }, now)
                    .await?;
            }
            return Ok(());
        }
        if (completed as i64) < i64::from(case.min_responses) {
            return Ok(());
        }
        let quorum = Task::NotifyOwner {
            case_id,
            notice: OwnerNotice::QuorumReached,
        };
        self.enqueue(txn, &quorum, now).await?;
        if outstanding == 0 {
            set_case_status(
                txn,
                case,
                CaseEvent::Close,
                &Actor::System,
                json!({ "reason": "quorum met and no reference outstanding" }),
                now,
            )
            .await?;
            let review = Task::NotifyOwner {
                case_id,
                notice: OwnerNotice::ReadyForReview,
            };
            self.enqueue(txn, &review, now).await?;
        }
        Ok(())
    }
}
