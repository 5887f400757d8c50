//! `setup_tokens` rows: the first-run links with which the first admin is made (only each
//! link's SHA-256). When a link is made and whether it may still be used while an admin
//! exists is decided in `engine::setup`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::setup_token;

pub async fn delete_unused(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    setup_token::Entity::delete_many()
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    setup_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The id of the link with this hash if it is unused and not expired at `now`.
pub async fn usable(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    Ok(setup_token::Entity::find()
        .filter(setup_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .filter(|r| r.used_at.is_none() && r.expires_at > now)
        .map(|r| r.id))
}

/// Marks the link used if it is not yet; whether this call did. Of two concurrent calls
/// only one updates the row.
pub async fn spend(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let spent = setup_token::Entity::update_many()
        .col_expr(setup_token::Column::UsedAt, Expr::value(now))
        .filter(setup_token::Column::Id.eq(id))
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(spent.rows_affected == 1)
}
