//! Outsourced providers under vetting.

use store::TransactionTrait;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::domain::Provider;
use crate::store;
use crate::users::normalize_email;
use crate::{EngineError, Page, PageRequest};

pub struct NewProvider {
    pub name: String,
    pub category: String,
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    /// The language its people are written to in: nomination, self-assessment and the
    /// provider side of pulses (API.md "Partnership both ways"). An unsupported one → 422.
    pub locale: Option<String>,
}

impl crate::services::Cases<'_> {
    #[tracing::instrument(skip_all, err)]
    pub async fn create_provider(
        &self,
        new: NewProvider,
        created_by: Uuid,
    ) -> Result<Provider, EngineError> {
        let locale = new
            .locale
            .as_deref()
            .map(|l| self.checked_locale("locale", l))
            .transpose()?;
        let now = self.now();
        let p = Provider {
            id: Uuid::now_v7(),
            name: new.name.trim().to_owned(),
            category: new.category.trim().to_owned(),
            website: new
                .website
                .map(|w| w.trim().to_owned())
                .filter(|w| !w.is_empty()),
            contact_name: new.contact_name.trim().to_owned(),
            contact_email: normalize_email(&new.contact_email),
            locale,
            created_at: now,
            updated_at: now,
        };
        let txn = self.db.begin().await?;
        store::providers::insert(&txn, &p, created_by).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(created_by),
            "provider.created",
            serde_json::json!({ "provider_id": p.id, "name": p.name }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(p)
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn provider(&self, id: Uuid) -> Result<Provider, EngineError> {
        store::providers::get(&self.db, id)
            .await
            .map_err(Into::into)
    }

    #[tracing::instrument(skip_all)]
    pub async fn list_providers(&self, page: PageRequest) -> Result<Page<Provider>, EngineError> {
        store::providers::page(&self.db, page)
            .await
            .map_err(Into::into)
    }
}

/// A provider's name, for read models that show it next to an id.
pub(crate) async fn name_of(
    conn: &impl store::ConnectionTrait,
    id: Uuid,
) -> Result<String, EngineError> {
    Ok(store::providers::find(conn, id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default())
}
