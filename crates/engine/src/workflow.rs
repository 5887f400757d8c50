//! The lifecycle of a case after it is created: launch, resend, withdraw, cancel, close,
//! and a referee's answer or decline. Each operation runs in one transaction that locks
//! the case, checks the transition, changes the state, writes the audit event and queues
//! the jobs it causes. The operations on one reference lock its case and then re-read the
//! reference locked too (`references::lock_with_case`), and decide on that fresh row only:
//! a submission racing a withdrawal is judged after the withdrawal committed (or the other
//! way round), so a `withdrawn` reference can never become `completed`.

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use crate::audit::Actor;
use crate::domain::{ReferenceRequest, ReferenceStatus, State, VettingCase};
use crate::machine::{CaseEvent, ReferenceEvent, case_transition, reference_transition};
use crate::outbox::Task;
use crate::referee::checked_answers;
use crate::store::cases::{self, CaseRow};
use crate::store::{references, responses, tokens};
use crate::transitions::{
    require_collecting, require_taking_answers, set_case_status, set_reference_status,
};
use crate::{Engine, EngineError, metrics};

pub use crate::store::responses::SubmissionMeta;

/// Longest reason a referee may give for declining, in characters.
pub const MAX_DECLINE_REASON_CHARS: usize = 1000;

impl Engine {
    /// Launches a case its caller locked in `txn`: invites every pending reference and
    /// sets the deadline.
    pub(crate) async fn launch_locked(
        &self,
        txn: &store::DatabaseTransaction,
        case: CaseRow,
        actor: &Actor,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let case_id = case.id;
        case_transition(case.status, CaseEvent::Launch)?;
        let references = references::of_case(txn, case_id).await?;
        let pending: Vec<_> = references
            .iter()
            .filter(|r| r.status == ReferenceStatus::Pending)
            .collect();
        if pending.is_empty() {
            return Err(EngineError::validation(
                "references",
                "add at least one reference before launching",
            ));
        }
        let deadline = now + Duration::days(i64::from(case.deadline_days));
        let case = cases::set_launched(txn, case, now, deadline).await?;
        set_case_status(
            txn,
            case,
            CaseEvent::Launch,
            actor,
            json!({ "invitations": pending.len(), "deadline_at": deadline }),
            now,
        )
        .await?;
        let deadline_job = Task::CaseDeadline { case_id };
        self.enqueue_invitations(txn, &pending, (&deadline_job, deadline))
            .await
    }

    /// Cancels a case its caller locked in `txn`: every link stops working.
    pub(crate) async fn cancel_locked(
        &self,
        txn: &store::DatabaseTransaction,
        case: CaseRow,
        actor: &Actor,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let case_id = case.id;
        set_case_status(txn, case, CaseEvent::Cancel, actor, json!({}), now).await?;
        let ids: Vec<Uuid> = references::of_case(txn, case_id)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        tokens::revoke(txn, &ids, now).await.map_err(Into::into)
    }
}

impl crate::services::Cases<'_> {
    /// Starts collecting: every pending reference is invited, and the deadline is set.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn launch_case(
        &self,
        case_id: Uuid,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        self.launch_locked(&txn, case, actor).await?;
        txn.commit().await?;
        self.cases().case(case_id).await
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
        let (case, reference) = references::lock_with_case(&txn, reference_id).await?;
        require_collecting(&case, "resend a link in")?;
        // Revoking the old links and asking for a new generation (`enqueue_invitation`)
        // commit together, under the case lock that every link minter takes too
        // (`send_to_referees`): a job of an older generation minted its link before this
        // (revoked here) or checks after it, finds itself superseded and mints nothing.
        tokens::revoke(&txn, &[reference_id], now).await?;
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
        Ok(reference.into())
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
        let (case, reference) = references::lock_with_case(&txn, reference_id).await?;
        if !case.status.accepts_references() {
            return Err(EngineError::InvalidState {
                action: "withdraw a reference from",
                current: State::Case(case.status),
            });
        }
        tokens::revoke(&txn, &[reference_id], now).await?;
        let reference = set_reference_status(
            &txn,
            reference,
            ReferenceEvent::Withdraw,
            actor,
            json!({}),
            now,
        )
        .await?;
        self.advance_if_complete(&txn, case).await?;
        txn.commit().await?;
        Ok(reference.into())
    }

    /// Cancels an open case; every link stops working and pending jobs become no-ops.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn cancel_case(
        &self,
        case_id: Uuid,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        self.cancel_locked(&txn, case, actor).await?;
        txn.commit().await?;
        self.cases().case(case_id).await
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
        let case = cases::lock(&txn, case_id).await?;
        let kind = case.kind;
        set_case_status(
            &txn,
            case,
            CaseEvent::Close,
            actor,
            json!({ "reason": "closed early" }),
            now,
        )
        .await?;
        let notice = Task::after_close(case_id, kind);
        self.enqueue(&txn, &notice, now).await?;
        txn.commit().await?;
        self.cases().case(case_id).await
    }

    /// The referee says no, with an optional reason of at most `MAX_DECLINE_REASON_CHARS`.
    /// The link keeps working, to show that they declined.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn decline_reference(
        &self,
        reference_id: Uuid,
        reason: Option<String>,
    ) -> Result<ReferenceRequest, EngineError> {
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_DECLINE_REASON_CHARS)
        {
            return Err(EngineError::validation(
                "reason",
                format!("must be at most {MAX_DECLINE_REASON_CHARS} characters"),
            ));
        }
        let now = self.now();
        let txn = self.db.begin().await?;
        let (case, reference) = references::lock_with_case(&txn, reference_id).await?;
        require_taking_answers(&case, &reference)?;
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
            reference = references::set_decline_reason(&txn, reference, reason).await?;
        }
        self.advance_if_complete(&txn, case).await?;
        txn.commit().await?;
        Ok(reference.into())
    }

    /// Validates and stores a referee's answers and completes the reference. Nothing is
    /// stored when an answer does not fit its question or a required one is missing
    /// (`InvalidAnswers`). The unique `responses.reference_id` makes a second,
    /// simultaneous submission fail instead of storing twice.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn submit_response(
        &self,
        reference_id: Uuid,
        answers: Vec<(String, String)>,
        meta: SubmissionMeta,
    ) -> Result<ReferenceRequest, EngineError> {
        let now = self.now();
        // Pool checkout and BEGIN, the statements, and COMMIT are timed apart: a request
        // waiting for a connection looks like a slow database otherwise.
        let txn = metrics::stage("begin", self.db.begin()).await?;
        let reference = metrics::stage("transaction", async {
            let (case, reference) = references::lock_with_case(&txn, reference_id).await?;
            require_taking_answers(&case, &reference)?;
            // Already answered (or declined): say so before judging the answers.
            reference_transition(reference.status, ReferenceEvent::Complete)?;
            let raw: BTreeMap<String, String> = answers.into_iter().collect();
            let answers = checked_answers(&self.versions, &txn, &case, &raw, true).await?;
            let response_id =
                responses::claim_submission(&txn, reference.id, reference.opened_at, &meta, now)
                    .await?
                    .ok_or(EngineError::InvalidState {
                        action: "answer",
                        current: State::Reference(ReferenceStatus::Completed),
                    })?;
            let count = answers.len();
            responses::replace_answers(&txn, response_id, answers).await?;
            let reference = set_reference_status(
                &txn,
                reference,
                ReferenceEvent::Complete,
                &Actor::Referee(reference_id),
                json!({ "answers": count }),
                now,
            )
            .await?;
            self.enqueue(&txn, &Task::SendConfirmation { reference_id }, now)
                .await?;
            self.advance_if_complete(&txn, case).await?;
            Ok::<_, EngineError>(reference)
        })
        .await?;
        metrics::stage("commit", txn.commit()).await?;
        // After the commit: a submission that failed to store was not an answer.
        metrics::reference_answered(reference.invited_at, now);
        Ok(reference.into())
    }
}
