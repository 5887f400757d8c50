//! A case's deadline: whoever has not answered is expired, and the case goes to review.

use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use super::Outcome;
use crate::audit::Actor;
use crate::domain::CaseStatus;
use crate::machine::CaseEvent;
use crate::outbox::Task;
use crate::store::cases;
use crate::transitions::set_case_status;
use crate::{Engine, EngineError};

impl Engine {
    pub(super) async fn reach_deadline(&self, case_id: Uuid) -> Result<Outcome, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = match cases::lock(&txn, case_id).await {
            Ok(case) => case,
            Err(store::StoreError::NotFound { .. }) => return Ok(Outcome::Done),
            Err(e) => return Err(e.into()),
        };
        if case.status != CaseStatus::Collecting {
            return Ok(Outcome::Done);
        }
        // Whoever has not answered expires with the release (`set_case_status`); their
        // links now answer "closed" (410) instead of "unknown".
        let kind = case.kind;
        set_case_status(
            &txn,
            case,
            CaseEvent::Close,
            &Actor::System,
            json!({ "reason": "deadline" }),
            now,
        )
        .await?;
        self.enqueue(&txn, &Task::after_close(case_id, kind), now)
            .await?;
        txn.commit().await?;
        Ok(Outcome::Done)
    }
}
