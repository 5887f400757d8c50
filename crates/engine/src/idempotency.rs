//! Stored outcomes of POST requests sent with an `Idempotency-Key`, so a client that
//! retries after a timeout gets the first answer instead of a second object.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::EngineError;
use store::entity::idempotency_key;

/// What to do with a request carrying an idempotency key.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// First time: run the request, then `complete` (or `release` on failure).
    Fresh,
    /// Seen before with the same body and finished: answer this.
    Replay { status: u16, body: String },
    /// Seen before with the same body and still running.
    InProgress,
    /// Seen before with a different body: a client bug.
    Mismatch,
}

impl crate::services::Idempotency<'_> {
    /// Claims `key` for `user_id`. The primary key makes the claim atomic: of two
    /// concurrent requests with one key, exactly one is `Fresh`.
    #[tracing::instrument(skip_all, err)]
    pub async fn claim_idempotency_key(
        &self,
        user_id: Uuid,
        key: &str,
        request_hash: &str,
    ) -> Result<Claim, EngineError> {
        let inserted = idempotency_key::ActiveModel {
            user_id: Set(user_id),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            status_code: Set(None),
            response_body: Set(None),
            created_at: Set(self.now()),
        }
        .insert(&self.db)
        .await;
        match inserted {
            Ok(_) => Ok(Claim::Fresh),
            Err(e) if EngineError::is_unique_violation(&e) => {
                let Some(row) = idempotency_key::Entity::find_by_id((user_id, key.to_owned()))
                    .one(&self.db)
                    .await?
                else {
                    // Released between our insert and this read: the caller may retry.
                    return Ok(Claim::InProgress);
                };
                if row.request_hash != request_hash {
                    return Ok(Claim::Mismatch);
                }
                Ok(match (row.status_code, row.response_body) {
                    (Some(status), Some(body)) => Claim::Replay {
                        status: status as u16,
                        body,
                    },
                    _ => Claim::InProgress,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn complete_idempotency_key(
        &self,
        user_id: Uuid,
        key: &str,
        status: u16,
        body: String,
    ) -> Result<(), EngineError> {
        idempotency_key::ActiveModel {
            user_id: Set(user_id),
            key: Set(key.to_owned()),
            status_code: Set(Some(i32::from(status))),
            response_body: Set(Some(body)),
            ..Default::default()
        }
        .update(&self.db)
        .await?;
        Ok(())
    }

    /// Deletes stored answers older than `keep` (clients retry within minutes, not days),
    /// so the table does not grow forever. Returns how many were removed.
    #[tracing::instrument(skip_all, err)]
    pub async fn purge_idempotency_keys(&self, keep: chrono::Duration) -> Result<u64, EngineError> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let res = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(self.now() - keep))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }

    /// Forgets a claim whose request failed on our side, so the client can retry it.
    #[tracing::instrument(skip_all, err)]
    pub async fn release_idempotency_key(
        &self,
        user_id: Uuid,
        key: &str,
    ) -> Result<(), EngineError> {
        idempotency_key::Entity::delete_by_id((user_id, key.to_owned()))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
