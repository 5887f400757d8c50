//! `idempotency_keys` rows: a user's claim on an `Idempotency-Key`, and the answer once
//! the request finished. Whether a stored answer is replayed is decided in
//! `engine::idempotency`.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::idempotency_key;

/// A claimed key: the hash of the request that claimed it, and its answer once stored.
pub struct StoredKey {
    pub request_hash: String,
    pub status_code: Option<i32>,
    pub response_body: Option<String>,
}

/// Inserts the claim; `false` when the key is claimed already (the primary key decides,
/// so of two concurrent claims exactly one is inserted).
pub async fn claim(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status_code: Set(None),
        response_body: Set(None),
        created_at: Set(now),
    }
    .insert(conn)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if StoreError::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn find(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
) -> Result<Option<StoredKey>, StoreError> {
    Ok(
        idempotency_key::Entity::find_by_id((user_id, key.to_owned()))
            .one(conn)
            .await?
            .map(|row| StoredKey {
                request_hash: row.request_hash,
                status_code: row.status_code,
                response_body: row.response_body,
            }),
    )
}

/// Stores the answer of a claimed key.
pub async fn complete(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    status_code: i32,
    response_body: String,
) -> Result<(), StoreError> {
    idempotency_key::ActiveModel {
        user_id: Set(user_id),
        key: Set(key.to_owned()),
        status_code: Set(Some(status_code)),
        response_body: Set(Some(response_body)),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// Deletes the keys claimed before `before`; returns how many.
pub async fn delete_claimed_before(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let res = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(before))
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

pub async fn delete(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
) -> Result<(), StoreError> {
    idempotency_key::Entity::delete_by_id((user_id, key.to_owned()))
        .exec(conn)
        .await?;
    Ok(())
}
