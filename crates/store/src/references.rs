//! `reference_requests` rows: one referee of one case.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockType, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Value,
};
use uuid::Uuid;

use super::{found, locked};
use crate::StoreError;
use crate::cases::CaseRow;
use crate::domain::{ReferenceRequest, ReferenceStatus};
use crate::entity::reference_request;

pub use reference_request::Model as ReferenceRow;

impl From<ReferenceRow> for ReferenceRequest {
    fn from(m: ReferenceRow) -> Self {
        ReferenceRequest {
            id: m.id,
            case_id: m.case_id,
            status: m.status,
            withdrawn_reason: m.withdrawn_reason,
            name: m.name,
            email: m.email,
            organisation: m.company.clone(),
            company: m.company,
            relationship: m.relationship,
            nominated_by: m.nominated_by,
            source: m.source,
            reminders_sent: m.reminders_sent,
            invited_at: m.invited_at,
            opened_at: m.opened_at,
            responded_at: m.responded_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            identity_erased_at: m.identity_erased_at,
            locale: m.locale,
        }
    }
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<ReferenceRow, StoreError> {
    found(
        reference_request::Entity::find_by_id(id).one(conn).await?,
        "reference",
    )
}

/// Reads a reference inside a transaction and, on PostgreSQL, locks its row until the
/// transaction ends (`FOR UPDATE`), so the caller decides on its current state and nobody
/// changes it before the caller commits. Lock the case first (`cases::lock`): the store's
/// locking order. SQLite needs no lock: it runs one write transaction at a time.
pub async fn lock(txn: &DatabaseTransaction, id: Uuid) -> Result<ReferenceRow, StoreError> {
    let query = locked(
        reference_request::Entity::find_by_id(id),
        txn,
        LockType::Update,
    );
    found(query.one(txn).await?, "reference")
}

/// The references of `ids` that exist.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<ReferenceRow>, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// [`lock`] for several references in one statement, taken in id order (as every lock of
/// several rows of one table in the store), after their cases.
pub async fn lock_many(
    txn: &DatabaseTransaction,
    ids: &[Uuid],
) -> Result<Vec<ReferenceRow>, StoreError> {
    let query = reference_request::Entity::find()
        .filter(reference_request::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(reference_request::Column::Id);
    Ok(locked(query, txn, LockType::Update).all(txn).await?)
}

/// Locks the case of a reference, then re-reads the reference locked as well (`lock`):
/// the store's locking order (case first), and a reference read after the case lock was
/// granted, so every use case decides on the row as the last writer left it. (The first
/// read only finds the case; a reference never moves to another case.)
pub async fn lock_with_case(
    txn: &DatabaseTransaction,
    reference_id: Uuid,
) -> Result<(CaseRow, ReferenceRow), StoreError> {
    let case_id = get(txn, reference_id).await?.case_id;
    let case = super::cases::lock(txn, case_id).await?;
    Ok((case, lock(txn, reference_id).await?))
}

/// Like [`lock_with_case`] for a change that leaves the case row alone: the case is
/// locked shared (`FOR SHARE` on PostgreSQL), so such changes to the references of one case
/// run side by side, while anything that locks the case to change it (cancel, resend,
/// withdraw) waits for them and they for it.
pub async fn lock_under_shared_case(
    txn: &DatabaseTransaction,
    case_id: Uuid,
    reference_id: Uuid,
) -> Result<(CaseRow, ReferenceRow), StoreError> {
    let case = super::cases::lock_shared(txn, case_id).await?;
    Ok((case, lock(txn, reference_id).await?))
}

/// The references of one case, oldest first.
pub async fn of_case(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Vec<ReferenceRow>, StoreError> {
    of_cases(conn, &[case_id]).await
}

/// The references of several cases, oldest first.
pub async fn of_cases(
    conn: &impl ConnectionTrait,
    case_ids: &[Uuid],
) -> Result<Vec<ReferenceRow>, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.is_in(case_ids.iter().copied()))
        .order_by_asc(reference_request::Column::Id)
        .all(conn)
        .await?)
}

pub async fn count_of_case(conn: &impl ConnectionTrait, case_id: Uuid) -> Result<u64, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(case_id))
        .count(conn)
        .await?)
}

/// How many references of a case are in `status`.
pub async fn count_in_status(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    status: ReferenceStatus,
) -> Result<u64, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(case_id))
        .filter(reference_request::Column::Status.eq(status))
        .count(conn)
        .await?)
}

/// How many references are in each state, over all cases, in one grouped statement.
pub async fn count_by_status(
    conn: &impl ConnectionTrait,
) -> Result<HashMap<ReferenceStatus, u64>, StoreError> {
    let rows: Vec<(ReferenceStatus, i64)> = reference_request::Entity::find()
        .select_only()
        .column(reference_request::Column::Status)
        .column_as(reference_request::Column::Id.count(), "references")
        .group_by(reference_request::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(status, n)| (status, n.max(0) as u64))
        .collect())
}

/// The reference of a case with this (normalised) email, if any.
pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
    email: &str,
) -> Result<Option<ReferenceRow>, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(case_id))
        .filter(reference_request::Column::Email.eq(email))
        .one(conn)
        .await?)
}

/// When each reference at `email` (normalised), in any case, was first invited since
/// `since`, oldest first.
pub async fn first_invitations_since(
    conn: &impl ConnectionTrait,
    email: &str,
    since: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::Email.eq(email))
        .filter(reference_request::Column::InvitedAt.gte(since))
        .order_by_asc(reference_request::Column::InvitedAt)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| r.invited_at)
        .collect())
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    row: ReferenceRow,
) -> Result<ReferenceRow, StoreError> {
    let active: reference_request::ActiveModel = row.into();
    Ok(active.insert(conn).await?)
}

/// Writes a new status with its timestamp: `opened_at` on opening, `responded_at` on an
/// answer or a decline.
pub async fn update_status(
    conn: &impl ConnectionTrait,
    reference: ReferenceRow,
    to: ReferenceStatus,
    now: DateTime<Utc>,
) -> Result<ReferenceRow, StoreError> {
    let mut active: reference_request::ActiveModel = reference.into();
    active.status = Set(to);
    active.updated_at = Set(now);
    match to {
        ReferenceStatus::Opened => active.opened_at = Set(Some(now)),
        ReferenceStatus::Completed | ReferenceStatus::Declined => {
            active.responded_at = Set(Some(now))
        }
        _ => {}
    }
    Ok(active.update(conn).await?)
}

/// Writes what delivered invitations and reminders changed on their references (the
/// state, `invitations_sent`, the first `invited_at`, `reminders_sent`), as the caller
/// changed the rows it read and locked in this transaction: one statement for them all.
pub async fn write_deliveries(
    conn: &impl ConnectionTrait,
    rows: &[&ReferenceRow],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use reference_request::Column;
    let Some((first, rest)) = rows.split_first() else {
        return Ok(());
    };
    // `CASE id WHEN … THEN <this row's value> … ELSE <column> END`, per column.
    let per_row = |column: Column, value: &dyn Fn(&ReferenceRow) -> Value| -> SimpleExpr {
        let mut case = Expr::case(Column::Id.eq(first.id), value(first));
        for r in rest {
            case = case.case(Column::Id.eq(r.id), value(r));
        }
        case.finally(Expr::col(column)).into()
    };
    reference_request::Entity::update_many()
        .col_expr(
            Column::Status,
            per_row(Column::Status, &|r| r.status.as_str().into()),
        )
        .col_expr(
            Column::InvitationsSent,
            per_row(Column::InvitationsSent, &|r| r.invitations_sent.into()),
        )
        .col_expr(
            Column::InvitedAt,
            per_row(Column::InvitedAt, &|r| r.invited_at.into()),
        )
        .col_expr(
            Column::RemindersSent,
            per_row(Column::RemindersSent, &|r| r.reminders_sent.into()),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(conn)
        .await?;
    Ok(())
}

/// [`next_generation`] for several references of one case, in one statement: their new
/// generations, in the order given.
pub async fn next_generations(
    conn: &impl ConnectionTrait,
    references: &[&ReferenceRow],
) -> Result<Vec<i32>, StoreError> {
    let next: Vec<i32> = references
        .iter()
        .map(|r| r.generation.max(r.invitations_sent) + 1)
        .collect();
    let Some((first, rest)) = references.split_first() else {
        return Ok(next);
    };
    let id = reference_request::Column::Id;
    let mut generation = Expr::case(id.eq(first.id), next[0]);
    for (r, n) in rest.iter().zip(&next[1..]) {
        generation = generation.case(id.eq(r.id), *n);
    }
    let generation = generation.finally(Expr::col(reference_request::Column::Generation));
    reference_request::Entity::update_many()
        .col_expr(reference_request::Column::Generation, generation.into())
        .filter(reference_request::Column::Id.is_in(references.iter().map(|r| r.id)))
        .exec(conn)
        .await?;
    Ok(next)
}

/// Asks for the next invitation generation of `reference` (one past the newest asked for
/// or sent) and records it, in the caller's transaction, where the case row is locked: from
/// its commit on, every job of an older generation is superseded (`is_current`).
pub async fn next_generation(
    conn: &impl ConnectionTrait,
    reference: &ReferenceRow,
) -> Result<i32, StoreError> {
    let next = reference.generation.max(reference.invitations_sent) + 1;
    reference_request::Entity::update_many()
        .col_expr(reference_request::Column::Generation, Expr::value(next))
        .filter(reference_request::Column::Id.eq(reference.id))
        .exec(conn)
        .await?;
    Ok(next)
}

impl ReferenceRow {
    /// Whether invitation `generation` (or one of its reminders) is the newest one asked
    /// for. Rows written before `generation` existed were brought up to their newest
    /// invitation job by the migration, so "no later one" is the test.
    pub fn is_current(&self, generation: i32) -> bool {
        self.generation <= generation
    }
}

pub async fn set_decline_reason(
    conn: &impl ConnectionTrait,
    reference: ReferenceRow,
    reason: String,
) -> Result<ReferenceRow, StoreError> {
    let mut active: reference_request::ActiveModel = reference.into();
    active.decline_reason = Set(Some(reason));
    Ok(active.update(conn).await?)
}

/// The outstanding references (`pending`, `invited`, `opened`) at `email` (normalised), in
/// any case, oldest first.
pub async fn outstanding_with_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Vec<ReferenceRow>, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::Email.eq(email))
        .filter(reference_request::Column::Status.is_in([
            ReferenceStatus::Pending,
            ReferenceStatus::Invited,
            ReferenceStatus::Opened,
        ]))
        .order_by_asc(reference_request::Column::Id)
        .all(conn)
        .await?)
}

pub async fn set_withdrawn_reason(
    conn: &impl ConnectionTrait,
    reference: ReferenceRow,
    reason: &str,
) -> Result<ReferenceRow, StoreError> {
    let mut active: reference_request::ActiveModel = reference.into();
    active.withdrawn_reason = Set(Some(reason.to_owned()));
    Ok(active.update(conn).await?)
}
