//! `self_assessments` rows: a request to the provider to rate itself, the hash of the link
//! it was sent, its answers (a draft until submitted) and where they came from.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::StoreError;
use crate::domain::{SelfAssessmentState, SelfAssessmentStatus};
use crate::entity::self_assessment;

pub use self_assessment::Model as SelfAssessmentRow;

const OPEN: [SelfAssessmentStatus; 2] = [SelfAssessmentStatus::Pending, SelfAssessmentStatus::Sent];

/// The answers of a row, question key → value.
pub fn answers(row: &SelfAssessmentRow) -> Result<BTreeMap<String, String>, StoreError> {
    serde_json::from_value(row.answers.clone())
        .map_err(|e| StoreError::Corrupt(format!("self-assessment {} answers: {e}", row.id)))
}

fn to_json(answers: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::Value::Object(
        answers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

pub async fn find(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<SelfAssessmentRow>, StoreError> {
    Ok(self_assessment::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_token_hash(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<SelfAssessmentRow>, StoreError> {
    Ok(self_assessment::Entity::find()
        .filter(self_assessment::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

/// The requests of a case that were not replaced, newest first.
pub async fn current_of_case(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Vec<SelfAssessmentRow>, StoreError> {
    Ok(self_assessment::Entity::find()
        .filter(self_assessment::Column::CaseId.eq(case_id))
        .filter(self_assessment::Column::Status.ne(SelfAssessmentStatus::Superseded))
        .order_by_desc(self_assessment::Column::Id)
        .all(conn)
        .await?)
}

/// The newest submitted self-assessment of a case.
pub async fn latest_submitted(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Option<SelfAssessmentRow>, StoreError> {
    Ok(self_assessment::Entity::find()
        .filter(self_assessment::Column::CaseId.eq(case_id))
        .filter(self_assessment::Column::Status.eq(SelfAssessmentStatus::Submitted))
        .order_by_desc(self_assessment::Column::Id)
        .one(conn)
        .await?)
}

/// Per case, the state its newest request that was not replaced puts it in.
pub async fn states_of_cases(
    conn: &impl ConnectionTrait,
    case_ids: &[Uuid],
) -> Result<HashMap<Uuid, SelfAssessmentState>, StoreError> {
    let rows = self_assessment::Entity::find()
        .filter(self_assessment::Column::CaseId.is_in(case_ids.iter().copied()))
        .filter(self_assessment::Column::Status.ne(SelfAssessmentStatus::Superseded))
        .order_by_asc(self_assessment::Column::Id)
        .all(conn)
        .await?;
    // Ascending ids (UUIDv7: creation order), so the newest row of a case is written last.
    Ok(rows
        .into_iter()
        .map(|r| {
            let state = if r.status == SelfAssessmentStatus::Submitted {
                SelfAssessmentState::Submitted
            } else {
                SelfAssessmentState::Requested
            };
            (r.case_id, state)
        })
        .collect())
}

/// Ends the open requests of a case (a new one replaces them).
pub async fn supersede_open(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    self_assessment::Entity::update_many()
        .col_expr(
            self_assessment::Column::Status,
            Expr::value(SelfAssessmentStatus::Superseded.as_str()),
        )
        .col_expr(self_assessment::Column::UpdatedAt, Expr::value(now))
        .filter(self_assessment::Column::CaseId.eq(case_id))
        .filter(self_assessment::Column::Status.is_in(OPEN))
        .exec(conn)
        .await?;
    Ok(())
}

/// A new request in `pending`, its link not made yet, starting from `answers` (the
/// previous request's, so the provider does not start over).
pub async fn insert_pending(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    answers: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    self_assessment::ActiveModel {
        id: Set(id),
        case_id: Set(case_id),
        token_hash: Set(None),
        status: Set(SelfAssessmentStatus::Pending),
        answers: Set(to_json(answers)),
        first_viewed_at: Set(None),
        submitted_at: Set(None),
        client_ip: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
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
    let res = self_assessment::Entity::update_many()
        .col_expr(
            self_assessment::Column::Status,
            Expr::value(SelfAssessmentStatus::Sent.as_str()),
        )
        .col_expr(self_assessment::Column::TokenHash, Expr::value(token_hash))
        .filter(self_assessment::Column::Id.eq(id))
        .filter(self_assessment::Column::Status.eq(SelfAssessmentStatus::Pending))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Stamps the first view of the form (later views keep the first).
pub async fn mark_viewed(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    self_assessment::Entity::update_many()
        .col_expr(self_assessment::Column::FirstViewedAt, Expr::value(now))
        .filter(self_assessment::Column::Id.eq(id))
        .filter(self_assessment::Column::FirstViewedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Replaces the draft answers of an open request; false when it is no longer open.
pub async fn save_draft(
    conn: &impl ConnectionTrait,
    id: Uuid,
    answers: &BTreeMap<String, String>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = self_assessment::Entity::update_many()
        .col_expr(
            self_assessment::Column::Answers,
            Expr::value(to_json(answers)),
        )
        .col_expr(self_assessment::Column::UpdatedAt, Expr::value(now))
        .filter(self_assessment::Column::Id.eq(id))
        .filter(self_assessment::Column::Status.is_in(OPEN))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Stores the final answers and switches an open request to `submitted`; false when it
/// was no longer open (a second submission, or a newer request).
pub async fn claim_submission(
    conn: &impl ConnectionTrait,
    id: Uuid,
    answers: &BTreeMap<String, String>,
    client_ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = self_assessment::Entity::update_many()
        .col_expr(
            self_assessment::Column::Status,
            Expr::value(SelfAssessmentStatus::Submitted.as_str()),
        )
        .col_expr(
            self_assessment::Column::Answers,
            Expr::value(to_json(answers)),
        )
        .col_expr(self_assessment::Column::SubmittedAt, Expr::value(Some(now)))
        .col_expr(self_assessment::Column::ClientIp, Expr::value(client_ip))
        .col_expr(self_assessment::Column::UpdatedAt, Expr::value(now))
        .filter(self_assessment::Column::Id.eq(id))
        .filter(self_assessment::Column::Status.is_in(OPEN))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Client addresses the provider submitted its self-assessments from.
pub async fn client_ips_of_case(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Vec<String>, StoreError> {
    Ok(self_assessment::Entity::find()
        .filter(self_assessment::Column::CaseId.eq(case_id))
        .filter(self_assessment::Column::ClientIp.is_not_null())
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| r.client_ip)
        .collect())
}
