//! The HR reviewer's decision on a case: at most one per case, written once.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::domain::Decision;
use crate::entity::decision;

pub async fn insert(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    d: &Decision,
) -> Result<(), StoreError> {
    decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        outcome: Set(d.outcome),
        rationale: Set(d.rationale.clone()),
        decided_by: Set(d.decided_by),
        created_at: Set(d.created_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn of_case(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Option<Decision>, StoreError> {
    Ok(decision::Entity::find()
        .filter(decision::Column::CaseId.eq(case_id))
        .one(conn)
        .await?
        .map(|d| Decision {
            outcome: d.outcome,
            rationale: d.rationale,
            decided_by: d.decided_by,
            created_at: d.created_at,
        }))
}
