//! `responses` and `answers` rows: what a referee saved or sent. A reference has at most
//! one response row (unique `reference_id`): a draft from the first view, submitted once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::found;
use crate::StoreError;
use crate::domain::ResponseStatus;
use crate::entity::{answer, response};

pub use response::Model as ResponseRow;

/// Where a submission came from, kept for fraud signals.
#[derive(Clone, Debug, Default)]
pub struct SubmissionMeta {
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The language the form was answered in (a catalogue locale), shown beside quoted
    /// comments so a reader knows what they are reading.
    pub locale: Option<String>,
}

pub async fn of_reference(
    conn: &impl ConnectionTrait,
    reference_id: Uuid,
) -> Result<Option<ResponseRow>, StoreError> {
    Ok(response::Entity::find()
        .filter(response::Column::ReferenceId.eq(reference_id))
        .one(conn)
        .await?)
}

/// The submitted responses of these references, by reference.
pub async fn submitted_of(
    conn: &impl ConnectionTrait,
    reference_ids: &[Uuid],
) -> Result<BTreeMap<Uuid, ResponseRow>, StoreError> {
    Ok(response::Entity::find()
        .filter(response::Column::ReferenceId.is_in(reference_ids.iter().copied()))
        .filter(response::Column::Status.eq(ResponseStatus::Submitted))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.reference_id, r))
        .collect())
}

/// The draft row, created at first view (its `first_viewed_at`) or at a first save. Two
/// requests creating it at once both succeed: the unique `reference_id` keeps one row.
pub async fn ensure_draft(
    conn: &impl ConnectionTrait,
    reference_id: Uuid,
    first_viewed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    if let Some(existing) = of_reference(conn, reference_id).await? {
        return Ok(existing.id);
    }
    let row = response::ActiveModel {
        id: Set(Uuid::now_v7()),
        reference_id: Set(reference_id),
        status: Set(ResponseStatus::Draft),
        first_viewed_at: Set(first_viewed_at),
        draft_saved_at: Set(None),
        submitted_at: Set(None),
        client_ip: Set(None),
        user_agent: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        locale: Set(None),
        seconds_to_complete: Set(None),
    };
    response::Entity::insert(row)
        .on_conflict(
            OnConflict::column(response::Column::ReferenceId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(found(of_reference(conn, reference_id).await?, "response")?.id)
}

/// Bumps a draft's `updated_at` (and stamps `draft_saved_at` on the first save); false
/// when the row is no longer a draft (a submission got there first).
pub async fn touch_draft(
    conn: &impl ConnectionTrait,
    response_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = response::Entity::update_many()
        .col_expr(response::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            response::Column::DraftSavedAt,
            Expr::col(response::Column::DraftSavedAt).if_null(now),
        )
        .filter(response::Column::Id.eq(response_id))
        .filter(response::Column::Status.eq(ResponseStatus::Draft))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Longest `seconds_to_complete` recorded: a form left open overnight and finished the
/// next morning says nothing about how long the questionnaire takes.
pub const MAX_SECONDS_TO_COMPLETE: i64 = 3600;

/// Seconds from the first view to `submitted`, capped; `None` when the form was never
/// viewed (a clock step backwards counts as 0).
fn seconds_to_complete(
    first_viewed: Option<DateTime<Utc>>,
    submitted: DateTime<Utc>,
) -> Option<i32> {
    first_viewed.map(|t| {
        (submitted - t)
            .num_seconds()
            .clamp(0, MAX_SECONDS_TO_COMPLETE) as i32
    })
}

/// The seconds each of these references' submitted responses took, where recorded:
/// reference id → seconds.
pub async fn seconds_to_complete_of(
    conn: &impl ConnectionTrait,
    reference_ids: &[Uuid],
) -> Result<BTreeMap<Uuid, i32>, StoreError> {
    Ok(response::Entity::find()
        .filter(response::Column::ReferenceId.is_in(reference_ids.iter().copied()))
        .filter(response::Column::Status.eq(ResponseStatus::Submitted))
        .filter(response::Column::SecondsToComplete.is_not_null())
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.reference_id, r.seconds_to_complete?)))
        .collect())
}

/// Marks the reference's response as submitted, exactly once. A draft row is switched
/// with a conditional UPDATE and a missing one inserted under the unique
/// `responses.reference_id`, so of two simultaneous submissions only one gets through,
/// whatever the database. `None` tells the caller it was already submitted.
pub async fn claim_submission(
    conn: &impl ConnectionTrait,
    reference_id: Uuid,
    first_viewed_at: Option<DateTime<Utc>>,
    meta: &SubmissionMeta,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    match of_reference(conn, reference_id).await? {
        Some(row) => {
            let seconds = seconds_to_complete(row.first_viewed_at.or(first_viewed_at), now);
            let switched = response::Entity::update_many()
                .col_expr(
                    response::Column::Status,
                    Expr::value(ResponseStatus::Submitted.as_str()),
                )
                .col_expr(response::Column::SubmittedAt, Expr::value(now))
                .col_expr(
                    response::Column::ClientIp,
                    Expr::value(meta.client_ip.clone()),
                )
                .col_expr(
                    response::Column::UserAgent,
                    Expr::value(meta.user_agent.clone()),
                )
                .col_expr(response::Column::Locale, Expr::value(meta.locale.clone()))
                .col_expr(response::Column::SecondsToComplete, Expr::value(seconds))
                .col_expr(response::Column::UpdatedAt, Expr::value(now))
                .filter(response::Column::Id.eq(row.id))
                .filter(response::Column::Status.eq(ResponseStatus::Draft))
                .exec(conn)
                .await?;
            Ok((switched.rows_affected == 1).then_some(row.id))
        }
        None => {
            let id = Uuid::now_v7();
            let inserted = response::Entity::insert(response::ActiveModel {
                id: Set(id),
                reference_id: Set(reference_id),
                status: Set(ResponseStatus::Submitted),
                first_viewed_at: Set(first_viewed_at),
                draft_saved_at: Set(None),
                submitted_at: Set(Some(now)),
                client_ip: Set(meta.client_ip.clone()),
                user_agent: Set(meta.user_agent.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                locale: Set(meta.locale.clone()),
                seconds_to_complete: Set(seconds_to_complete(first_viewed_at, now)),
            })
            .exec_without_returning(conn)
            .await;
            match inserted {
                Ok(_) => Ok(Some(id)),
                Err(e) if StoreError::is_unique_violation(&e) => Ok(None),
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// Deletes the saved-but-unsent answers of these references (their draft rows stay, with
/// the first view's time): once a check has closed, a draft will never be read.
pub async fn discard_drafts(
    conn: &impl ConnectionTrait,
    reference_ids: &[Uuid],
) -> Result<u64, StoreError> {
    if reference_ids.is_empty() {
        return Ok(0);
    }
    let drafts: Vec<Uuid> = response::Entity::find()
        .filter(response::Column::ReferenceId.is_in(reference_ids.iter().copied()))
        .filter(response::Column::Status.eq(ResponseStatus::Draft))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if drafts.is_empty() {
        return Ok(0);
    }
    Ok(answer::Entity::delete_many()
        .filter(answer::Column::ResponseId.is_in(drafts))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Replaces the answers of a response with `answers` (question key, value).
pub async fn replace_answers(
    conn: &impl ConnectionTrait,
    response_id: Uuid,
    answers: Vec<(String, String)>,
) -> Result<(), StoreError> {
    answer::Entity::delete_many()
        .filter(answer::Column::ResponseId.eq(response_id))
        .exec(conn)
        .await?;
    let rows: Vec<answer::ActiveModel> = answers
        .into_iter()
        .map(|(key, value)| answer::ActiveModel {
            id: Set(Uuid::now_v7()),
            response_id: Set(response_id),
            question_key: Set(key),
            value: Set(value),
        })
        .collect();
    if !rows.is_empty() {
        answer::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

/// The answers of these responses: response id → question key → value.
pub async fn answers_of(
    conn: &impl ConnectionTrait,
    response_ids: &[Uuid],
) -> Result<BTreeMap<Uuid, BTreeMap<String, String>>, StoreError> {
    let mut answers: BTreeMap<Uuid, BTreeMap<String, String>> = BTreeMap::new();
    for a in answer::Entity::find()
        .filter(answer::Column::ResponseId.is_in(response_ids.iter().copied()))
        .all(conn)
        .await?
    {
        answers
            .entry(a.response_id)
            .or_default()
            .insert(a.question_key, a.value);
    }
    Ok(answers)
}
