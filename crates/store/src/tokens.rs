//! `reference_tokens` rows: the SHA-256 of each link sent to a referee. The plain token
//! is never stored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef, Set,
};
use uuid::Uuid;

use crate::StoreError;
use crate::cases::CaseRow;
use crate::entity::{reference_request, reference_token, vetting_case};
use crate::references::ReferenceRow;

pub async fn insert(
    conn: &impl ConnectionTrait,
    reference_id: Uuid,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    insert_many(conn, vec![(reference_id, token_hash)], now).await
}

/// Stores the hashes of several links, `(reference, hash)`, in one statement.
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    links: Vec<(Uuid, String)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if links.is_empty() {
        return Ok(());
    }
    let rows = links
        .into_iter()
        .map(|(reference_id, token_hash)| reference_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            reference_id: Set(reference_id),
            token_hash: Set(token_hash),
            created_at: Set(now),
            revoked_at: Set(None),
        });
    reference_token::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The reference behind a link that has not been revoked.
pub async fn live_reference(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<Uuid>, StoreError> {
    Ok(reference_token::Entity::find()
        .filter(reference_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .filter(|t| t.revoked_at.is_none())
        .map(|t| t.reference_id))
}

/// The reference behind a link that has not been revoked, with its case: one statement
/// (the reference joined to its case, found through the link's hash), where a lookup of
/// the link, then the reference, then the case cost three round trips on every referee
/// request.
pub async fn live_reference_with_case(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(ReferenceRow, CaseRow)>, StoreError> {
    let to_case: RelationDef = reference_request::Entity::belongs_to(vetting_case::Entity)
        .from(reference_request::Column::CaseId)
        .to(vetting_case::Column::Id)
        .into();
    let live_link = Query::select()
        .column(reference_token::Column::ReferenceId)
        .from(reference_token::Entity)
        .and_where(reference_token::Column::TokenHash.eq(token_hash))
        .and_where(reference_token::Column::RevokedAt.is_null())
        .to_owned();
    let found = reference_request::Entity::find()
        .join(JoinType::InnerJoin, to_case)
        .filter(reference_request::Column::Id.in_subquery(live_link))
        .select_also(vetting_case::Entity)
        .one(conn)
        .await?;
    Ok(found.and_then(|(reference, case)| Some((reference, case?))))
}

/// The reference behind any link ever sent, revoked or not: "don't ask me again" must
/// keep working from an old email (its `List-Unsubscribe` header cannot be recalled).
pub async fn any_reference(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<Uuid>, StoreError> {
    Ok(reference_token::Entity::find()
        .filter(reference_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .map(|t| t.reference_id))
}

/// Stops every live link of these references.
pub async fn revoke(
    conn: &impl ConnectionTrait,
    reference_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    reference_token::Entity::update_many()
        .col_expr(reference_token::Column::RevokedAt, Expr::value(now))
        .filter(reference_token::Column::ReferenceId.is_in(reference_ids.iter().copied()))
        .filter(reference_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
