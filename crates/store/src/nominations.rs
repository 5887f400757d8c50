//! `nominations` rows: a request to the provider to name references, and the hash of
//! the link it was sent.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::domain::NominationStatus;
use crate::entity::nomination;

pub use nomination::Model as NominationRow;

const OPEN: [NominationStatus; 2] = [NominationStatus::Pending, NominationStatus::Sent];

pub async fn find(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<NominationRow>, StoreError> {
    Ok(nomination::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_token_hash(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<NominationRow>, StoreError> {
    Ok(nomination::Entity::find()
        .filter(nomination::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

/// Ends the open requests of a case (a new one replaces them).
pub async fn supersede_open(conn: &impl ConnectionTrait, case_id: Uuid) -> Result<(), StoreError> {
    nomination::Entity::update_many()
        .col_expr(
            nomination::Column::Status,
            Expr::value(NominationStatus::Superseded.as_str()),
        )
        .filter(nomination::Column::CaseId.eq(case_id))
        .filter(nomination::Column::Status.is_in(OPEN))
        .exec(conn)
        .await?;
    Ok(())
}

/// A new request in `pending`, its link not made yet.
pub async fn insert_pending(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    count: u32,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    nomination::ActiveModel {
        id: Set(id),
        case_id: Set(case_id),
        token_hash: Set(None),
        requested_count: Set(count as i32),
        status: Set(NominationStatus::Pending),
        created_at: Set(now),
        submitted_at: Set(None),
        client_ip: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// `pending` → `sent` with the hash of the link just emailed, in the transaction that
/// records the email; false (and nothing written) when the request is no longer pending:
/// an earlier run sent it (its link must stay the one that works), or it was superseded.
pub async fn mark_sent(
    conn: &impl ConnectionTrait,
    id: Uuid,
    token_hash: String,
) -> Result<bool, StoreError> {
    let res = nomination::Entity::update_many()
        .col_expr(
            nomination::Column::Status,
            Expr::value(NominationStatus::Sent.as_str()),
        )
        .col_expr(nomination::Column::TokenHash, Expr::value(token_hash))
        .filter(nomination::Column::Id.eq(id))
        .filter(nomination::Column::Status.eq(NominationStatus::Pending))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Switches an open request to `submitted`; false when it was no longer open (a second
/// submission, or a newer request).
pub async fn claim_submission(
    conn: &impl ConnectionTrait,
    id: Uuid,
    client_ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = nomination::Entity::update_many()
        .col_expr(
            nomination::Column::Status,
            Expr::value(NominationStatus::Submitted.as_str()),
        )
        .col_expr(nomination::Column::SubmittedAt, Expr::value(Some(now)))
        .col_expr(nomination::Column::ClientIp, Expr::value(client_ip))
        .filter(nomination::Column::Id.eq(id))
        .filter(nomination::Column::Status.is_in(OPEN))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Client addresses the provider submitted nominations from.
pub async fn client_ips_of_case(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Vec<String>, StoreError> {
    Ok(nomination::Entity::find()
        .filter(nomination::Column::CaseId.eq(case_id))
        .filter(nomination::Column::ClientIp.is_not_null())
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| r.client_ip)
        .collect())
}
