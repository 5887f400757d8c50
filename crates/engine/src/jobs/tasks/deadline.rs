//! A case's deadline: whoever has not answered is expired, and the case goes to review.

use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use super::Outcome;
use crate::audit::Actor;
use crate::domain::CaseStatus;
use crate::machine::{CaseEvent, ReferenceEvent};
use crate::outbox::Task;
use crate::store::{cases, references};
use crate::transitions::{set_case_status, set_reference_status};
use crate::{Engine, EngineError};

impl Engine {
    pub(super) async fn reach_deadline(&self, case_id: Uuid) -> Result<Outcome, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = match cases::lock(&txn, case_id).await {
            Ok(case) => case,
            Err(EngineError::NotFound { .. }) => return Ok(Outcome::Done),
            Err(e) => return Err(e),
        };
        if case.status != CaseStatus::Collecting {
            return Ok(Outcome::Done);
        }
        let mut expired = 0;
        for reference in references::of_case(&txn, case_id).await? {
            // Links are kept: they now answer "expired" (410) instead of "unknown".
            if reference.status.is_outstanding() {
                set_reference_status(
                    &txn,
                    reference,
                    ReferenceEvent::Expire,
                    &Actor::System,
                    json!({ "reason": "deadline" }),
                    now,
                )
                .await?;
                expired += 1;
            }
        }
        let kind = case.kind;
        set_case_status(
            &txn,
            case,
            CaseEvent::Close,
            &Actor::System,
            json!({ "reason": "deadline", "expired": expired }),
            now,
        )
        .await?;
        self.enqueue(&txn, &Task::after_close(case_id, kind), now)
            .await?;
        txn.commit().await?;
        Ok(Outcome::Done)
    }
}
