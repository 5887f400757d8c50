//! The audit trail's rows: appended in the transaction of the change they record, read back
//! as a case's timeline. What an event says, and which become webhooks, is `audit`'s.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::domain::{AuditEvent, NewAuditEvent};
use crate::entity::audit_event;

/// Appends `events` at `at` in one statement.
pub async fn insert_all(
    conn: &impl ConnectionTrait,
    events: Vec<NewAuditEvent<'_>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rows = events.into_iter().map(|e| audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(e.case_id),
        reference_id: Set(e.reference_id),
        actor: Set(e.actor),
        kind: Set(e.kind.to_owned()),
        data: Set(e.data),
        created_at: Set(at),
    });
    audit_event::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A case's events, oldest first.
pub async fn for_case(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Vec<AuditEvent>, StoreError> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::CaseId.eq(case_id))
        .order_by_asc(audit_event::Column::CreatedAt)
        .order_by_asc(audit_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| AuditEvent {
            id: m.id,
            case_id: m.case_id,
            reference_id: m.reference_id,
            actor: m.actor,
            kind: m.kind,
            data: m.data,
            created_at: m.created_at,
        })
        .collect())
}
