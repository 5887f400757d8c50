//! The lifecycle of a case after it is created: launch, resend, withdraw, cancel, close,
//! a referee's answer or decline, and the automatic move to review. Each operation runs
//! in one transaction that checks the transition, changes the state, writes the audit
//! event and enqueues the jobs it causes.

use chrono::{DateTime, Duration, Utc};
use sea_orm::QuerySelect;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::cases::to_reference;
use crate::domain::{CaseStatus, ReferenceRequest, ReferenceStatus, VettingCase, stored};
use crate::entity::{
    answer, provider, reference_request, reference_token, response, user, vetting_case,
};
use crate::jobs::{self, OwnerNotice, Task};
use crate::machine::{CaseEvent, ReferenceEvent, case_transition, reference_transition};
use crate::{Engine, EngineError};

/// Where a submission came from, kept for fraud signals.
#[derive(Clone, Debug, Default)]
pub struct SubmissionMeta {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Reads a case inside a transaction and, on PostgreSQL, locks its row until the
/// transaction ends (`FOR UPDATE`), so that concurrent changes to one case (e.g. the last
/// two referees submitting at once) see each other's effects instead of each deciding on
/// a stale count. SQLite needs no lock: it runs one write transaction at a time.
pub(crate) async fn lock_case(
    txn: &DatabaseTransaction,
    case_id: Uuid,
) -> Result<vetting_case::Model, EngineError> {
    let mut query = vetting_case::Entity::find_by_id(case_id);
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    query
        .one(txn)
        .await?
        .ok_or(EngineError::NotFound { entity: "case" })
}

pub(crate) async fn load_reference(
    conn: &impl ConnectionTrait,
    reference_id: Uuid,
) -> Result<reference_request::Model, EngineError> {
    reference_request::Entity::find_by_id(reference_id)
        .one(conn)
        .await?
        .ok_or(EngineError::NotFound {
            entity: "reference",
        })
}

/// Stops every live link of a reference.
pub(crate) async fn revoke_tokens(
    conn: &impl ConnectionTrait,
    reference_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    revoke_tokens_of(conn, &[reference_id], now).await
}

/// Stops every live link of these references.
pub(crate) async fn revoke_tokens_of(
    conn: &impl ConnectionTrait,
    reference_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    reference_token::Entity::update_many()
        .col_expr(reference_token::Column::RevokedAt, Expr::value(now))
        .filter(reference_token::Column::ReferenceId.is_in(reference_ids.iter().copied()))
        .filter(reference_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Refuses an action that only makes sense while the case collects answers.
fn require_collecting(case: &vetting_case::Model, action: &'static str) -> Result<(), EngineError> {
    let status: CaseStatus = stored(&case.status)?;
    if status == CaseStatus::Collecting {
        Ok(())
    } else {
        Err(EngineError::InvalidState {
            entity: "case",
            action,
            current: status.as_str().to_owned(),
        })
    }
}

/// Moves a case to a new status, with its audit event.
pub(crate) async fn set_case_status(
    txn: &DatabaseTransaction,
    case: vetting_case::Model,
    event: CaseEvent,
    actor: &Actor,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<vetting_case::Model, EngineError> {
    let from: CaseStatus = stored(&case.status)?;
    let to = case_transition(from, event)?;
    let case_id = case.id;
    let mut active: vetting_case::ActiveModel = case.into();
    active.status = Set(to.as_str().to_owned());
    active.updated_at = Set(now);
    if to == CaseStatus::Review || to == CaseStatus::Cancelled {
        active.closed_at = Set(Some(now));
    }
    let updated = active.update(txn).await?;
    let mut data = data;
    data["from"] = json!(from.as_str());
    data["to"] = json!(to.as_str());
    audit::record(
        txn,
        Some(case_id),
        None,
        actor,
        "case.status_changed",
        data,
        now,
    )
    .await?;
    Ok(updated)
}

/// Moves a reference to a new status, with its audit event.
pub(crate) async fn set_reference_status(
    txn: &DatabaseTransaction,
    reference: reference_request::Model,
    event: ReferenceEvent,
    actor: &Actor,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<reference_request::Model, EngineError> {
    let from: ReferenceStatus = stored(&reference.status)?;
    let to = reference_transition(from, event)?;
    let (case_id, reference_id) = (reference.case_id, reference.id);
    let mut active: reference_request::ActiveModel = reference.into();
    active.status = Set(to.as_str().to_owned());
    active.updated_at = Set(now);
    match to {
        ReferenceStatus::Opened => {
            active.opened_at = Set(Some(now));
        }
        ReferenceStatus::Completed | ReferenceStatus::Declined => {
            active.responded_at = Set(Some(now));
        }
        _ => {}
    }
    let updated = active.update(txn).await?;
    let mut data = data;
    data["from"] = json!(from.as_str());
    data["to"] = json!(to.as_str());
    audit::record(
        txn,
        Some(case_id),
        Some(reference_id),
        actor,
        "reference.status_changed",
        data,
        now,
    )
    .await?;
    Ok(updated)
}

impl Engine {
    /// The provider under vetting and the case owner (who asks, and is told).
    pub(crate) async fn case_parties(
        &self,
        case: &vetting_case::Model,
    ) -> Result<(provider::Model, user::Model), EngineError> {
        let provider = provider::Entity::find_by_id(case.provider_id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound { entity: "provider" })?;
        let owner = user::Entity::find_by_id(case.owner_id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound { entity: "user" })?;
        Ok((provider, owner))
    }

    pub(crate) async fn enqueue(
        &self,
        conn: &impl ConnectionTrait,
        task: &Task,
        run_at: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        jobs::enqueue(conn, task, run_at, self.now(), self.settings.max_attempts).await
    }

    /// Enqueues the next invitation of a reference (generation = invitations so far + 1).
    pub(crate) async fn enqueue_invitation(
        &self,
        conn: &impl ConnectionTrait,
        reference: &reference_request::Model,
    ) -> Result<(), EngineError> {
        let task = Task::SendInvitation {
            reference_id: reference.id,
            generation: reference.invitations_sent + 1,
        };
        self.enqueue(conn, &task, self.now()).await
    }

    /// Starts collecting: every pending reference is invited, and the deadline is set.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn launch_case(
        &self,
        case_id: Uuid,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = lock_case(&txn, case_id).await?;
        case_transition(stored(&case.status)?, CaseEvent::Launch)?;
        let references = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(case_id))
            .all(&txn)
            .await?;
        let pending: Vec<_> = references
            .iter()
            .filter(|r| r.status == ReferenceStatus::Pending.as_str())
            .collect();
        if pending.is_empty() {
            return Err(EngineError::validation(
                "references",
                "add at least one reference before launching",
            ));
        }
        let deadline = now + Duration::days(i64::from(case.deadline_days));
        let mut active: vetting_case::ActiveModel = case.clone().into();
        active.launched_at = Set(Some(now));
        active.deadline_at = Set(Some(deadline));
        let case = active.update(&txn).await?;
        set_case_status(
            &txn,
            case,
            CaseEvent::Launch,
            actor,
            json!({ "invitations": pending.len(), "deadline_at": deadline }),
            now,
        )
        .await?;
        for reference in pending {
            self.enqueue_invitation(&txn, reference).await?;
        }
        self.enqueue(&txn, &Task::CaseDeadline { case_id }, deadline)
            .await?;
        txn.commit().await?;
        self.case(case_id).await
    }

    /// Sends a reference a new link; the old ones stop working at once.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn resend_reference(
        &self,
        reference_id: Uuid,
        actor: &Actor,
    ) -> Result<ReferenceRequest, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let reference = load_reference(&txn, reference_id).await?;
        let case = lock_case(&txn, reference.case_id).await?;
        require_collecting(&case, "resend a link in")?;
        revoke_tokens(&txn, reference_id, now).await?;
        let reference = set_reference_status(
            &txn,
            reference,
            ReferenceEvent::Resend,
            actor,
            json!({ "resend": true }),
            now,
        )
        .await?;
        self.enqueue_invitation(&txn, &reference).await?;
        txn.commit().await?;
        to_reference(reference)
    }

    /// Takes a referee out of the case; their links stop working.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn withdraw_reference(
        &self,
        reference_id: Uuid,
        actor: &Actor,
    ) -> Result<ReferenceRequest, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let reference = load_reference(&txn, reference_id).await?;
        let case = lock_case(&txn, reference.case_id).await?;
        let case_status: CaseStatus = stored(&case.status)?;
        if !case_status.accepts_references() {
            return Err(EngineError::InvalidState {
                entity: "case",
                action: "withdraw a reference from",
                current: case_status.as_str().to_owned(),
            });
        }
        revoke_tokens(&txn, reference_id, now).await?;
        let reference = set_reference_status(
            &txn,
            reference,
            ReferenceEvent::Withdraw,
            actor,
            json!({}),
            now,
        )
        .await?;
        self.advance_if_complete(&txn, case.id).await?;
        txn.commit().await?;
        to_reference(reference)
    }

    /// Cancels an open case; every link stops working and pending jobs become no-ops.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn cancel_case(
        &self,
        case_id: Uuid,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = lock_case(&txn, case_id).await?;
        set_case_status(&txn, case, CaseEvent::Cancel, actor, json!({}), now).await?;
        let ids: Vec<Uuid> = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(case_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        revoke_tokens_of(&txn, &ids, now).await?;
        txn.commit().await?;
        self.case(case_id).await
    }

    /// Stops collecting early and hands the case to review.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn close_case(
        &self,
        case_id: Uuid,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = lock_case(&txn, case_id).await?;
        set_case_status(
            &txn,
            case,
            CaseEvent::Close,
            actor,
            json!({ "reason": "closed early" }),
            now,
        )
        .await?;
        let notice = Task::NotifyOwner {
            case_id,
            notice: OwnerNotice::ReadyForReview,
        };
        self.enqueue(&txn, &notice, now).await?;
        txn.commit().await?;
        self.case(case_id).await
    }

    /// The referee says no. Their links stop working.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn decline_reference(
        &self,
        reference_id: Uuid,
        reason: Option<String>,
    ) -> Result<ReferenceRequest, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let reference = load_reference(&txn, reference_id).await?;
        let case_id = reference.case_id;
        let case = lock_case(&txn, case_id).await?;
        require_collecting(&case, "decline in")?;
        // The link keeps resolving (to a "you declined" page), so it is not revoked.
        let mut reference = set_reference_status(
            &txn,
            reference,
            ReferenceEvent::Decline,
            &Actor::Referee(reference_id),
            json!({ "reason": reason }),
            now,
        )
        .await?;
        if let Some(reason) = reason {
            let mut active: reference_request::ActiveModel = reference.into();
            active.decline_reason = Set(Some(reason));
            reference = active.update(&txn).await?;
        }
        self.advance_if_complete(&txn, case_id).await?;
        txn.commit().await?;
        to_reference(reference)
    }

    /// Stores a referee's submitted answers and completes the reference. The unique
    /// `responses.reference_id` makes a second, simultaneous submission fail instead of
    /// storing twice.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn submit_response(
        &self,
        reference_id: Uuid,
        answers: Vec<(String, String)>,
        meta: SubmissionMeta,
    ) -> Result<ReferenceRequest, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let reference = load_reference(&txn, reference_id).await?;
        let case_id = reference.case_id;
        let case = lock_case(&txn, case_id).await?;
        require_collecting(&case, "answer in")?;
        let response_id = self
            .claim_response_for_submission(&txn, &reference, &meta, now)
            .await?;
        let count = answers.len();
        let rows: Vec<answer::ActiveModel> = answers
            .into_iter()
            .map(|(key, value)| answer::ActiveModel {
                id: Set(Uuid::now_v7()),
                response_id: Set(response_id),
                question_key: Set(key),
                value: Set(value),
            })
            .collect();
        if !rows.is_empty() {
            answer::Entity::insert_many(rows).exec(&txn).await?;
        }
        let reference = set_reference_status(
            &txn,
            reference,
            ReferenceEvent::Complete,
            &Actor::Referee(reference_id),
            json!({ "answers": count }),
            now,
        )
        .await?;
        self.advance_if_complete(&txn, case_id).await?;
        txn.commit().await?;
        to_reference(reference)
    }

    /// Marks the reference's response as submitted, exactly once. A draft row is switched
    /// with a conditional UPDATE and a missing one inserted under the unique
    /// `responses.reference_id`, so of two simultaneous submissions only one gets through,
    /// whatever the database; the other is told the reference is already completed.
    async fn claim_response_for_submission(
        &self,
        txn: &DatabaseTransaction,
        reference: &reference_request::Model,
        meta: &SubmissionMeta,
        now: DateTime<Utc>,
    ) -> Result<Uuid, EngineError> {
        let already = || EngineError::InvalidState {
            entity: "reference",
            action: "answer",
            current: ReferenceStatus::Completed.as_str().to_owned(),
        };
        let existing = response::Entity::find()
            .filter(response::Column::ReferenceId.eq(reference.id))
            .one(txn)
            .await?;
        match existing {
            Some(row) => {
                let switched = response::Entity::update_many()
                    .col_expr(response::Column::Status, Expr::value("submitted"))
                    .col_expr(response::Column::SubmittedAt, Expr::value(now))
                    .col_expr(
                        response::Column::ClientIp,
                        Expr::value(meta.client_ip.clone()),
                    )
                    .col_expr(
                        response::Column::UserAgent,
                        Expr::value(meta.user_agent.clone()),
                    )
                    .col_expr(response::Column::UpdatedAt, Expr::value(now))
                    .filter(response::Column::Id.eq(row.id))
                    .filter(response::Column::Status.eq("draft"))
                    .exec(txn)
                    .await?;
                if switched.rows_affected != 1 {
                    return Err(already());
                }
                answer::Entity::delete_many()
                    .filter(answer::Column::ResponseId.eq(row.id))
                    .exec(txn)
                    .await?;
                Ok(row.id)
            }
            None => {
                let id = Uuid::now_v7();
                let inserted = response::ActiveModel {
                    id: Set(id),
                    reference_id: Set(reference.id),
                    status: Set("submitted".into()),
                    first_viewed_at: Set(reference.opened_at),
                    submitted_at: Set(Some(now)),
                    client_ip: Set(meta.client_ip.clone()),
                    user_agent: Set(meta.user_agent.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(txn)
                .await;
                match inserted {
                    Ok(_) => Ok(id),
                    Err(e) if EngineError::is_unique_violation(&e) => Err(already()),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// After a reference leaves the outstanding states: tell the owner once quorum is
    /// reached, and move the case to review when quorum is met and nobody is still
    /// expected to answer.
    pub(crate) async fn advance_if_complete(
        &self,
        txn: &DatabaseTransaction,
        case_id: Uuid,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let case = lock_case(txn, case_id).await?;
        if stored::<CaseStatus>(&case.status)? != CaseStatus::Collecting {
            return Ok(());
        }
        let references = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(case_id))
            .all(txn)
            .await?;
        let mut completed = 0;
        let mut outstanding = 0;
        for r in &references {
            let status: ReferenceStatus = stored(&r.status)?;
            if status == ReferenceStatus::Completed {
                completed += 1;
            }
            if status.is_outstanding() {
                outstanding += 1;
            }
        }
        if completed < case.min_responses {
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
