//! Stored outcomes of POST requests sent with an `Idempotency-Key`, so a client that
//! retries after a timeout gets the first answer instead of a second object.

use uuid::Uuid;

use crate::EngineError;
use crate::store::idempotency as keys;

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
        if keys::claim(&self.db, user_id, key, request_hash, self.now()).await? {
            return Ok(Claim::Fresh);
        }
        let Some(row) = keys::find(&self.db, user_id, key).await? else {
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

    #[tracing::instrument(skip_all, err)]
    pub async fn complete_idempotency_key(
        &self,
        user_id: Uuid,
        key: &str,
        status: u16,
        body: String,
    ) -> Result<(), EngineError> {
        keys::complete(&self.db, user_id, key, i32::from(status), body)
            .await
            .map_err(Into::into)
    }

    /// Deletes stored answers older than `keep` (clients retry within minutes, not days),
    /// so the table does not grow forever. Returns how many were removed.
    #[tracing::instrument(skip_all, err)]
    pub async fn purge_idempotency_keys(&self, keep: chrono::Duration) -> Result<u64, EngineError> {
        keys::delete_claimed_before(&self.db, self.now() - keep)
            .await
            .map_err(Into::into)
    }

    /// Forgets a claim whose request failed on our side, so the client can retry it.
    #[tracing::instrument(skip_all, err)]
    pub async fn release_idempotency_key(
        &self,
        user_id: Uuid,
        key: &str,
    ) -> Result<(), EngineError> {
        keys::delete(&self.db, user_id, key)
            .await
            .map_err(Into::into)
    }
}
