//! `webhook_endpoints` and `webhook_deliveries` rows: endpoints as admins registered them,
//! and one row per message to one endpoint, with the outcome of its last attempt.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::found;
use crate::StoreError;
use crate::domain::{WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint};
use crate::entity::{webhook_delivery, webhook_endpoint};

pub use webhook_delivery::Model as DeliveryRow;
pub use webhook_endpoint::Model as EndpointRow;

impl From<EndpointRow> for WebhookEndpoint {
    fn from(row: EndpointRow) -> Self {
        WebhookEndpoint {
            id: row.id,
            events: event_list(&row.events),
            url: row.url,
            description: row.description,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            previous_secret_until: row.previous_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(row: DeliveryRow) -> Self {
        WebhookDelivery {
            id: row.id,
            endpoint_id: row.endpoint_id,
            event_type: row.event_type,
            payload: row.payload,
            status: row.status,
            attempts: row.attempts,
            last_status: row.last_status,
            last_duration_ms: row.last_duration_ms,
            last_error: row.last_error,
            next_attempt_at: row.next_attempt_at,
            delivered_at: row.delivered_at,
            created_at: row.created_at,
        }
    }
}

/// The event types stored as a JSON list; anything else reads as no events.
pub fn event_list(events: &serde_json::Value) -> Vec<String> {
    events
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub created_by: Option<Uuid>,
}

pub async fn insert_endpoint(
    conn: &impl ConnectionTrait,
    new: NewEndpoint,
    now: DateTime<Utc>,
) -> Result<EndpointRow, StoreError> {
    Ok(webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(new.url),
        events: Set(serde_json::json!(new.events)),
        description: Set(new.description),
        secret: Set(new.secret),
        previous_secret: Set(None),
        previous_until: Set(None),
        enabled: Set(true),
        disabled_reason: Set(None),
        failing_since: Set(None),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}

pub async fn endpoint(conn: &impl ConnectionTrait, id: Uuid) -> Result<EndpointRow, StoreError> {
    found(
        webhook_endpoint::Entity::find_by_id(id).one(conn).await?,
        "webhook",
    )
}

/// Every endpoint, oldest first (an installation has a handful).
pub async fn endpoints(conn: &impl ConnectionTrait) -> Result<Vec<EndpointRow>, StoreError> {
    Ok(webhook_endpoint::Entity::find()
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(conn)
        .await?)
}

/// Up to `limit` endpoints, oldest first (ids are UUIDv7), after the `after` id.
pub async fn endpoints_after(
    conn: &impl ConnectionTrait,
    limit: u64,
    after: Option<Uuid>,
) -> Result<Vec<EndpointRow>, StoreError> {
    let mut query = webhook_endpoint::Entity::find();
    if let Some(id) = after {
        query = query.filter(webhook_endpoint::Column::Id.gt(id));
    }
    Ok(query
        .order_by_asc(webhook_endpoint::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The id and event filter of each enabled endpoint: what a state change fans out to.
pub async fn enabled_filters(
    conn: &impl ConnectionTrait,
) -> Result<Vec<(Uuid, serde_json::Value)>, StoreError> {
    Ok(webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .column(webhook_endpoint::Column::Events)
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn delete_endpoint(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    let result = webhook_endpoint::Entity::delete_by_id(id)
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound { entity: "webhook" });
    }
    Ok(())
}

/// A new signing secret; the current one keeps signing beside it until `previous_until`.
pub async fn rotate_secret(
    conn: &impl ConnectionTrait,
    row: EndpointRow,
    secret: String,
    previous_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<EndpointRow, StoreError> {
    let previous = row.secret.clone();
    let mut active: webhook_endpoint::ActiveModel = row.into();
    active.previous_secret = Set(Some(previous));
    active.previous_until = Set(Some(previous_until));
    active.secret = Set(secret);
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

/// Enables (clearing the failure record) or disables an endpoint, with the reason.
pub async fn set_enabled(
    conn: &impl ConnectionTrait,
    id: Uuid,
    enabled: bool,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut update = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Enabled, Expr::value(enabled))
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(reason),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now));
    if enabled {
        update = update.col_expr(
            webhook_endpoint::Column::FailingSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        );
    }
    update
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends the endpoint's failing period, if one is running. Written so that it touches (and
/// locks) the row only then: every delivery to one endpoint succeeds through here, and an
/// unconditional update would queue them all on that row until each commits.
pub async fn mark_healthy(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::FailingSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::FailingSince.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Starts the endpoint's failing period at `now` unless one is running; returns when it
/// started.
pub async fn mark_failing(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::FailingSince.is_null())
        .exec(conn)
        .await?;
    Ok(endpoint(conn, id).await?.failing_since)
}

pub struct NewDelivery {
    pub endpoint_id: Uuid,
    pub event_type: String,
    pub payload: serde_json::Value,
}

/// Inserts pending deliveries in one statement; returns their ids in order.
pub async fn insert_deliveries(
    conn: &impl ConnectionTrait,
    new: Vec<NewDelivery>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = new.iter().map(|_| Uuid::now_v7()).collect();
    let rows = new
        .into_iter()
        .zip(&ids)
        .map(|(d, id)| webhook_delivery::ActiveModel {
            id: Set(*id),
            endpoint_id: Set(d.endpoint_id),
            event_type: Set(d.event_type),
            payload: Set(d.payload),
            status: Set(WebhookDeliveryStatus::Pending),
            attempts: Set(0),
            last_status: Set(None),
            last_duration_ms: Set(None),
            last_error: Set(None),
            next_attempt_at: Set(Some(now)),
            delivered_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    webhook_delivery::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(ids)
}

pub async fn delivery(conn: &impl ConnectionTrait, id: Uuid) -> Result<DeliveryRow, StoreError> {
    found(
        webhook_delivery::Entity::find_by_id(id).one(conn).await?,
        "webhook delivery",
    )
}

pub async fn find_delivery(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<DeliveryRow>, StoreError> {
    Ok(webhook_delivery::Entity::find_by_id(id).one(conn).await?)
}

/// An endpoint's deliveries, newest first (ids are UUIDv7), from before `before`.
pub async fn deliveries_of(
    conn: &impl ConnectionTrait,
    endpoint_id: Uuid,
    limit: u64,
    before: Option<Uuid>,
) -> Result<Vec<DeliveryRow>, StoreError> {
    let mut query = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
    if let Some(id) = before {
        query = query.filter(webhook_delivery::Column::Id.lt(id));
    }
    Ok(query
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// What one attempt came to.
pub struct AttemptRecord {
    pub status: WebhookDeliveryStatus,
    pub http_status: Option<i32>,
    pub duration_ms: Option<i32>,
    pub error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Writes attempt number `attempt` of a delivery, unless another run already wrote it (or
/// an admin restarted the delivery meanwhile). Returns whether this run's record counts.
pub async fn record_attempt(
    conn: &impl ConnectionTrait,
    id: Uuid,
    attempt: i32,
    record: AttemptRecord,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let delivered_at = (record.status == WebhookDeliveryStatus::Delivered).then_some(now);
    let result = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(record.status))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempt))
        .col_expr(
            webhook_delivery::Column::LastStatus,
            Expr::value(record.http_status),
        )
        .col_expr(
            webhook_delivery::Column::LastDurationMs,
            Expr::value(record.duration_ms),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(record.error),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(record.next_attempt_at),
        )
        .col_expr(
            webhook_delivery::Column::DeliveredAt,
            Expr::value(delivered_at),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Attempts.eq(attempt - 1))
        .filter(webhook_delivery::Column::Status.eq(WebhookDeliveryStatus::Pending))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives up on a pending delivery without sending it (its endpoint is gone or disabled).
pub async fn fail_pending(
    conn: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(WebhookDeliveryStatus::Failed),
        )
        .col_expr(webhook_delivery::Column::LastError, Expr::value(error))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Status.eq(WebhookDeliveryStatus::Pending))
        .exec(conn)
        .await?;
    Ok(())
}

/// Puts a finished delivery back to pending, for an admin's retry. Returns false when it
/// is already pending.
pub async fn restart(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(WebhookDeliveryStatus::Pending),
        )
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Status.ne(WebhookDeliveryStatus::Pending))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
