//! `engagements` and `stakeholders` rows (the buyer's people and the provider's), and the
//! pulse cases of an engagement (the buyer's side and the provider's).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use super::{found, locked};
use crate::StoreError;
use crate::domain::{CaseKind, EngagementStatus, StakeholderSide};
use crate::entity::{engagement, provider, stakeholder, vetting_case};

pub use engagement::Model as EngagementRow;
pub use stakeholder::Model as StakeholderRow;

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<EngagementRow, StoreError> {
    found(
        engagement::Entity::find_by_id(id).one(conn).await?,
        "engagement",
    )
}

/// Reads an engagement and, on PostgreSQL, locks it until the transaction ends.
pub async fn lock(txn: &DatabaseTransaction, id: Uuid) -> Result<EngagementRow, StoreError> {
    let query = locked(engagement::Entity::find_by_id(id), txn, LockType::Update);
    found(query.one(txn).await?, "engagement")
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    row: EngagementRow,
) -> Result<EngagementRow, StoreError> {
    let active: engagement::ActiveModel = row.into();
    Ok(active.insert(conn).await?)
}

/// When the next scheduled pulse starts (`None`: no more).
pub async fn set_next_pulse(
    conn: &impl ConnectionTrait,
    id: Uuid,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    engagement::ActiveModel {
        id: Set(id),
        next_pulse_at: Set(next),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// Marks an engagement as demo data.
pub async fn mark_demo(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    engagement::ActiveModel {
        id: Set(id),
        demo: Set(true),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// `active` → `ended`, with the reason; no pulse is due any more.
pub async fn end(
    conn: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    engagement::ActiveModel {
        id: Set(id),
        status: Set(EngagementStatus::Ended),
        ended_at: Set(Some(now)),
        end_reason: Set(Some(reason.to_owned())),
        next_pulse_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// Engagements, newest first; `status` filters.
pub async fn all(
    conn: &impl ConnectionTrait,
    status: Option<EngagementStatus>,
) -> Result<Vec<EngagementRow>, StoreError> {
    let mut q = engagement::Entity::find().order_by_desc(engagement::Column::StartedAt);
    if let Some(status) = status {
        q = q.filter(engagement::Column::Status.eq(status));
    }
    Ok(q.all(conn).await?)
}

pub async fn of_provider(
    conn: &impl ConnectionTrait,
    provider_id: Uuid,
) -> Result<Vec<EngagementRow>, StoreError> {
    Ok(engagement::Entity::find()
        .filter(engagement::Column::ProviderId.eq(provider_id))
        .order_by_asc(engagement::Column::StartedAt)
        .all(conn)
        .await?)
}

pub async fn stakeholders_of(
    conn: &impl ConnectionTrait,
    engagement_ids: &[Uuid],
) -> Result<Vec<StakeholderRow>, StoreError> {
    Ok(stakeholder::Entity::find()
        .filter(stakeholder::Column::EngagementId.is_in(engagement_ids.iter().copied()))
        .order_by_asc(stakeholder::Column::CreatedAt)
        .order_by_asc(stakeholder::Column::Id)
        .all(conn)
        .await?)
}

pub async fn insert_stakeholder(
    conn: &impl ConnectionTrait,
    engagement_id: Uuid,
    side: StakeholderSide,
    name: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<StakeholderRow, StoreError> {
    Ok(stakeholder::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement_id),
        name: Set(name.to_owned()),
        email: Set(email.to_owned()),
        created_at: Set(now),
        side: Set(side),
    }
    .insert(conn)
    .await?)
}

/// The pulse cases of these engagements, oldest first.
pub async fn pulses_of(
    conn: &impl ConnectionTrait,
    engagement_ids: &[Uuid],
) -> Result<Vec<vetting_case::Model>, StoreError> {
    Ok(vetting_case::Entity::find()
        .filter(vetting_case::Column::Kind.eq(CaseKind::Pulse))
        .filter(vetting_case::Column::EngagementId.is_in(engagement_ids.iter().copied()))
        .order_by_asc(vetting_case::Column::CreatedAt)
        .order_by_asc(vetting_case::Column::Id)
        .all(conn)
        .await?)
}

/// The provider sides of the pulses of these engagements (cases of kind
/// `provider_pulse`), oldest first.
pub async fn provider_sides_of(
    conn: &impl ConnectionTrait,
    engagement_ids: &[Uuid],
) -> Result<Vec<vetting_case::Model>, StoreError> {
    Ok(vetting_case::Entity::find()
        .filter(vetting_case::Column::Kind.eq(CaseKind::ProviderPulse))
        .filter(vetting_case::Column::EngagementId.is_in(engagement_ids.iter().copied()))
        .order_by_asc(vetting_case::Column::CreatedAt)
        .order_by_asc(vetting_case::Column::Id)
        .all(conn)
        .await?)
}

/// The provider side of the pulse `pulse_id`, if it asked the provider.
pub async fn provider_side_of_pulse(
    conn: &impl ConnectionTrait,
    pulse_id: Uuid,
) -> Result<Option<vetting_case::Model>, StoreError> {
    Ok(vetting_case::Entity::find()
        .filter(vetting_case::Column::Kind.eq(CaseKind::ProviderPulse))
        .filter(vetting_case::Column::PulseId.eq(pulse_id))
        .one(conn)
        .await?)
}

/// The engaged provider (its main contact and language).
pub async fn provider(
    conn: &impl ConnectionTrait,
    provider_id: Uuid,
) -> Result<provider::Model, StoreError> {
    found(
        provider::Entity::find_by_id(provider_id).one(conn).await?,
        "provider",
    )
}

/// Links a case to its engagement (the approved case, or a pulse).
pub async fn set_case_engagement(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    engagement_id: Uuid,
) -> Result<(), StoreError> {
    vetting_case::ActiveModel {
        id: Set(case_id),
        engagement_id: Set(Some(engagement_id)),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}
