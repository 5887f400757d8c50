//! Providers under vetting: the firm, its category and its main contact.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::domain::Provider;
use crate::entity::provider;
use crate::{Page, PageRequest, StoreError};

impl From<provider::Model> for Provider {
    fn from(m: provider::Model) -> Self {
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
}

/// Writes `p` as a new provider recorded by `created_by`.
pub async fn insert(
    conn: &impl ConnectionTrait,
    p: &Provider,
    created_by: Uuid,
) -> Result<(), StoreError> {
    provider::ActiveModel {
        id: Set(p.id),
        name: Set(p.name.clone()),
        category: Set(p.category.clone()),
        website: Set(p.website.clone()),
        contact_name: Set(p.contact_name.clone()),
        contact_email: Set(p.contact_email.clone()),
        locale: Set(p.locale.clone()),
        created_by: Set(created_by),
        created_at: Set(p.created_at),
        updated_at: Set(p.updated_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Provider>, StoreError> {
    Ok(provider::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Into::into))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Provider, StoreError> {
    super::found(find(conn, id).await?, "provider")
}

/// Newest first, a page at a time.
pub async fn page(
    conn: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<Provider>, StoreError> {
    let mut q = provider::Entity::find().order_by_desc(provider::Column::Id);
    if let Some(cursor) = page.cursor {
        q = q.filter(provider::Column::Id.lt(cursor));
    }
    let rows = q.limit(page.limit() + 1).all(conn).await?;
    Ok(Page::from_rows(rows, page.limit(), |m| m.id).map(Into::into))
}

/// The providers with these ids, by id: one statement for any number.
pub async fn many(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Provider>, StoreError> {
    Ok(provider::Entity::find()
        .filter(provider::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.into()))
        .collect())
}
