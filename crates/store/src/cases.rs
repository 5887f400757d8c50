//! `vetting_cases` rows, and the two parties of a case (provider and owner).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{found, locked};
use crate::StoreError;
use crate::domain::{CaseHold, CaseKind, CaseStatus, Provider, User};
use crate::entity::{user, vetting_case};

pub use vetting_case::Model as CaseRow;

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<CaseRow>, StoreError> {
    Ok(vetting_case::Entity::find_by_id(id).one(conn).await?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<CaseRow, StoreError> {
    found(find(conn, id).await?, "case")
}

/// Reads a case inside a transaction and, on PostgreSQL, locks its row until the
/// transaction ends (`FOR UPDATE`), so that concurrent changes to one case (e.g. the last
/// two referees submitting at once) see each other's effects instead of each deciding on
/// a stale count. SQLite needs no lock: it runs one write transaction at a time.
pub async fn lock(txn: &DatabaseTransaction, id: Uuid) -> Result<CaseRow, StoreError> {
    let query = locked(vetting_case::Entity::find_by_id(id), txn, LockType::Update);
    found(query.one(txn).await?, "case")
}

/// The case row locked shared (`FOR SHARE` on PostgreSQL; SQLite's one writer is
/// exclusive already): it cannot change until the transaction ends, but other shared
/// holders are not kept waiting.
pub async fn lock_shared(txn: &DatabaseTransaction, id: Uuid) -> Result<CaseRow, StoreError> {
    let query = locked(vetting_case::Entity::find_by_id(id), txn, LockType::Share);
    found(query.one(txn).await?, "case")
}

/// The cases of `ids` that exist.
pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<CaseRow>, StoreError> {
    Ok(vetting_case::Entity::find()
        .filter(vetting_case::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// [`lock_shared`] for several cases in one statement, taken in id order.
pub async fn lock_shared_many(
    txn: &DatabaseTransaction,
    ids: &[Uuid],
) -> Result<Vec<CaseRow>, StoreError> {
    let query = vetting_case::Entity::find()
        .filter(vetting_case::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(vetting_case::Column::Id);
    Ok(locked(query, txn, LockType::Share).all(txn).await?)
}

/// The providers and owners of several cases, by id: two statements for any number.
pub async fn parties_of(
    conn: &impl ConnectionTrait,
    cases: &[&CaseRow],
) -> Result<(HashMap<Uuid, Provider>, HashMap<Uuid, User>), StoreError> {
    let (providers, owners) = tokio::try_join!(
        super::providers::many(conn, cases.iter().map(|c| c.provider_id)),
        async {
            Ok::<_, StoreError>(
                user::Entity::find()
                    .filter(user::Column::Id.is_in(cases.iter().map(|c| c.owner_id)))
                    .all(conn)
                    .await?,
            )
        },
    )?;
    Ok((
        providers,
        owners
            .into_iter()
            .map(|u| (u.id, super::users::to_user(u)))
            .collect(),
    ))
}

/// The values profile a case was opened with (its snapshot).
pub fn profile(case: &CaseRow) -> Result<Vec<crate::domain::Dimension>, StoreError> {
    serde_json::from_value(case.profile_snapshot.clone())
        .map_err(|e| StoreError::Corrupt(format!("profile snapshot of case {}: {e}", case.id)))
}

pub async fn insert(conn: &impl ConnectionTrait, row: CaseRow) -> Result<CaseRow, StoreError> {
    let active: vetting_case::ActiveModel = row.into();
    Ok(active.insert(conn).await?)
}

/// Writes a new status; entering `review` or `cancelled` also stamps `closed_at`, and
/// reaching the end (decided, cancelled, or a pulse entering review: pulses are never
/// decided) stamps `finished_at`, where the retention clocks start.
pub async fn update_status(
    conn: &impl ConnectionTrait,
    case: CaseRow,
    to: CaseStatus,
    now: DateTime<Utc>,
) -> Result<CaseRow, StoreError> {
    let case_kind = case.kind;
    let released = case.status == CaseStatus::Collecting && to == CaseStatus::Review;
    let mut active: vetting_case::ActiveModel = case.into();
    active.status = Set(to);
    // API.md "Disclosure": the report is released once, when collecting ends (quorum, the
    // deadline, or `close`). A cancelled check releases nothing.
    if released {
        active.released_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    if matches!(to, CaseStatus::Review | CaseStatus::Cancelled) {
        active.closed_at = Set(Some(now));
    }
    let finished = match to {
        CaseStatus::Decided | CaseStatus::Cancelled => true,
        CaseStatus::Review => case_kind != CaseKind::Review,
        _ => false,
    };
    if finished {
        active.finished_at = Set(Some(now));
    }
    Ok(active.update(conn).await?)
}

/// Stamps the launch time and the deadline.
pub async fn set_launched(
    conn: &impl ConnectionTrait,
    case: CaseRow,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<CaseRow, StoreError> {
    let mut active: vetting_case::ActiveModel = case.into();
    active.launched_at = Set(Some(now));
    active.deadline_at = Set(Some(deadline));
    Ok(active.update(conn).await?)
}

/// Vetting cases (not pulses), newest first, after `cursor`, at most `limit`.
pub async fn page(
    conn: &impl ConnectionTrait,
    status: Option<CaseStatus>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CaseRow>, StoreError> {
    use sea_orm::QueryOrder;
    let mut q = vetting_case::Entity::find()
        .filter(vetting_case::Column::Kind.eq(CaseKind::Review))
        .order_by_desc(vetting_case::Column::Id);
    if let Some(status) = status {
        q = q.filter(vetting_case::Column::Status.eq(status));
    }
    if let Some(cursor) = cursor {
        q = q.filter(vetting_case::Column::Id.lt(cursor));
    }
    Ok(q.limit(limit).all(conn).await?)
}

/// A provider's vetting cases (not pulses), oldest first.
pub async fn of_provider(
    conn: &impl ConnectionTrait,
    provider_id: Uuid,
) -> Result<Vec<CaseRow>, StoreError> {
    use sea_orm::QueryOrder;
    Ok(vetting_case::Entity::find()
        .filter(vetting_case::Column::Kind.eq(CaseKind::Review))
        .filter(vetting_case::Column::ProviderId.eq(provider_id))
        .order_by_asc(vetting_case::Column::Id)
        .all(conn)
        .await?)
}

/// How many cases are in each status that has any.
pub async fn count_by_status(
    conn: &impl ConnectionTrait,
) -> Result<Vec<(CaseStatus, i64)>, StoreError> {
    Ok(vetting_case::Entity::find()
        .filter(vetting_case::Column::Kind.eq(CaseKind::Review))
        .select_only()
        .column(vetting_case::Column::Status)
        .column_as(vetting_case::Column::Id.count(), "n")
        .group_by(vetting_case::Column::Status)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The provider under vetting.
pub async fn provider_of(
    conn: &impl ConnectionTrait,
    case: &CaseRow,
) -> Result<Provider, StoreError> {
    super::providers::get(conn, case.provider_id).await
}

/// The provider under vetting and the case owner (who asks, and is told).
pub async fn parties(
    conn: &impl ConnectionTrait,
    case: &CaseRow,
) -> Result<(Provider, User), StoreError> {
    let provider = provider_of(conn, case).await?;
    let owner = found(super::users::find(conn, case.owner_id).await?, "user")?;
    Ok((provider, owner.user))
}

/// What the released reference checks are: how many, and the latest release. It changes
/// exactly when a case is released (released figures never change afterwards but by
/// erasure, which keeps them), so it keys what is computed from them all.
#[derive(Clone, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct ReleasedFingerprint {
    pub released: i64,
    pub latest: Option<DateTime<Utc>>,
}

pub async fn released_fingerprint(
    conn: &impl ConnectionTrait,
) -> Result<ReleasedFingerprint, StoreError> {
    let backend = conn.get_database_backend();
    let stmt = sea_orm::Statement::from_string(
        backend,
        "SELECT COUNT(*) AS released, MAX(released_at) AS latest FROM vetting_cases \
         WHERE released_at IS NOT NULL AND kind = 'review'",
    );
    Ok(ReleasedFingerprint::find_by_statement(stmt)
        .one(conn)
        .await?
        .unwrap_or_default())
}

#[derive(FromQueryResult)]
struct CaseId {
    id: Uuid,
}

/// The released reference checks with completed responses from at least `organisations`
/// client organisations, oldest release first: one grouped statement.
pub async fn released_with_organisations(
    conn: &impl ConnectionTrait,
    organisations: i64,
) -> Result<Vec<Uuid>, StoreError> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "$1",
        _ => "?1",
    };
    let stmt = sea_orm::Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT c.id FROM vetting_cases c JOIN reference_requests r ON r.case_id = c.id \
             WHERE c.released_at IS NOT NULL AND c.kind = 'review' AND r.status = 'completed' \
             GROUP BY c.id, c.released_at \
             HAVING COUNT(DISTINCT r.organisation) >= {sql} \
             ORDER BY c.released_at, c.id"
        ),
        [organisations.into()],
    );
    Ok(CaseId::find_by_statement(stmt)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

/// Marks a case as made up by `vouch demo`.
pub async fn mark_demo(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    vetting_case::ActiveModel {
        id: Set(id),
        demo: Set(true),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// The legal hold a case is under, if any.
impl CaseHold {
    pub fn of(case: &CaseRow) -> Option<Self> {
        Some(CaseHold {
            case_id: case.id,
            reason: case.hold_reason.clone()?,
            held_at: case.held_at?,
            held_by: case.held_by,
        })
    }
}
