//! Outsourced providers under vetting.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::domain::Provider;
use crate::entity::provider;
use crate::users::normalize_email;
use crate::{Engine, EngineError, Page, PageRequest};

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

pub(crate) fn to_provider(m: provider::Model) -> Provider {
    Provider {
        id: m.id,
        name: m.name,
        category: m.category,
        website: m.website,
        contact_name: m.contact_name,
        contact_email: m.contact_email,
        locale: m.locale,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

impl Engine {
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
        let model = provider::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name.trim().to_owned()),
            category: Set(new.category.trim().to_owned()),
            website: Set(new
                .website
                .map(|w| w.trim().to_owned())
                .filter(|w| !w.is_empty())),
            contact_name: Set(new.contact_name.trim().to_owned()),
            contact_email: Set(normalize_email(&new.contact_email)),
            created_by: Set(created_by),
            locale: Set(locale),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let txn = sea_orm::TransactionTrait::begin(&self.db).await?;
        let m = model.insert(&txn).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(created_by),
            "provider.created",
            serde_json::json!({ "provider_id": m.id, "name": m.name }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(to_provider(m))
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn provider(&self, id: Uuid) -> Result<Provider, EngineError> {
        provider::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(to_provider)
            .ok_or(EngineError::NotFound { entity: "provider" })
    }

    #[tracing::instrument(skip_all)]
    pub async fn list_providers(&self, page: PageRequest) -> Result<Page<Provider>, EngineError> {
        let mut q = provider::Entity::find().order_by_desc(provider::Column::Id);
        if let Some(cursor) = page.cursor {
            q = q.filter(provider::Column::Id.lt(cursor));
        }
        let rows = q.limit(page.limit() + 1).all(&self.db).await?;
        Ok(Page::from_rows(rows, page.limit(), |m| m.id).map(to_provider))
    }
}

/// A provider's name, for read models that show it next to an id.
pub(crate) async fn name_of(
    conn: &impl sea_orm::ConnectionTrait,
    id: Uuid,
) -> Result<String, EngineError> {
    use sea_orm::EntityTrait;
    Ok(crate::entity::provider::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|p| p.name)
        .unwrap_or_default())
}
