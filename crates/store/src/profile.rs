//! The values profile's rows: one per dimension, in the order the company listed them.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};

use crate::StoreError;
use crate::domain::Dimension;
use crate::entity::profile_dimension;

pub async fn is_empty(conn: &impl ConnectionTrait) -> Result<bool, StoreError> {
    Ok(profile_dimension::Entity::find().count(conn).await? == 0)
}

/// Appends `dims` in their order, after any rows already there.
pub async fn insert(
    conn: &impl ConnectionTrait,
    dims: &[Dimension],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for (position, d) in dims.iter().enumerate() {
        profile_dimension::ActiveModel {
            key: Set(d.key.clone()),
            label: Set(d.label.clone()),
            weight: Set(d.weight),
            min_score: Set(d.min_score),
            position: Set(position as i32),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The whole profile becomes `dims`; call it inside a transaction.
pub async fn replace(
    conn: &impl ConnectionTrait,
    dims: &[Dimension],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    profile_dimension::Entity::delete_many().exec(conn).await?;
    insert(conn, dims, now).await
}

pub async fn load(conn: &impl ConnectionTrait) -> Result<Vec<Dimension>, StoreError> {
    Ok(profile_dimension::Entity::find()
        .order_by_asc(profile_dimension::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Dimension {
            key: m.key,
            label: m.label,
            weight: m.weight,
            min_score: m.min_score,
        })
        .collect())
}
