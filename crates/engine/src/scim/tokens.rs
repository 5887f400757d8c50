//! The identity provider's bearer tokens: made by an admin (CLI or admin page), shown
//! once, kept only as SHA-256 like API tokens, revocable; each change is audited.

use chrono::Duration;
use store::TransactionTrait;
use uuid::Uuid;

use super::provision::Provisioning;
use crate::EngineError;
use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::store::scim as rows;
pub use crate::store::scim::ScimTokenInfo;

impl Provisioning<'_> {
    /// Makes a SCIM token and returns it (shown once; only its hash is stored).
    #[tracing::instrument(skip_all, err)]
    pub async fn create_scim_token(
        &self,
        label: &str,
        actor: &Actor,
    ) -> Result<String, EngineError> {
        let token = new_token();
        let now = self.now();
        let id = Uuid::now_v7();
        let txn = self.db.begin().await?;
        rows::insert_token(&txn, id, label, token_hash(&token), now).await?;
        audit::record(
            &txn,
            None,
            None,
            actor,
            "scim_token.created",
            serde_json::json!({ "token_id": id, "label": label }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(token)
    }

    /// Whether `token` is a live SCIM token.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_scim_token(&self, token: &str) -> Result<bool, EngineError> {
        let Some(row) = rows::live_token(&self.db, &token_hash(token)).await? else {
            return Ok(false);
        };
        // Record use at most once a minute, so a provisioning run is not a write storm.
        let now = self.now();
        if row
            .last_used_at
            .is_none_or(|t| now - t > Duration::minutes(1))
        {
            rows::touch_token(&self.db, row.id, now).await?;
        }
        Ok(true)
    }

    /// Every SCIM token, newest first.
    pub async fn list_scim_tokens(&self) -> Result<Vec<ScimTokenInfo>, EngineError> {
        rows::tokens(&self.db).await.map_err(Into::into)
    }

    /// Revokes a SCIM token; it stops working at once. Revoking twice is a conflict.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn revoke_scim_token(&self, id: Uuid, actor: &Actor) -> Result<(), EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        if rows::token(&txn, id).await?.is_none() {
            return Err(EngineError::NotFound { entity: "token" });
        }
        if !rows::revoke_token(&txn, id, now).await? {
            return Err(EngineError::Conflict(
                "this token is already revoked".into(),
            ));
        }
        audit::record(
            &txn,
            None,
            None,
            actor,
            "scim_token.revoked",
            serde_json::json!({ "token_id": id }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
