//! `sessions` rows (signed-in browsers, by the SHA-256 of their cookie), `login_devices`
//! rows (browsers known from a past sign-in, with their own wrong-password count) and
//! `server_secrets` rows (keys the server makes for itself). Expiry, idling and lockout
//! are decided in `engine::sessions`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::{login_device, server_secret, session};
use crate::secrets::new_token;

/// A session row (never the cookie token).
#[derive(Clone, Debug)]
pub struct StoredSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub flash: Option<String>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A known browser.
#[derive(Clone, Debug)]
pub struct StoredDevice {
    pub id: Uuid,
    pub user_id: Uuid,
    pub locked_until: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

/// The server's secret `name` (a key for signing cookies or hashing addresses), made on
/// first use. Two processes making it at once both end up with the one stored first.
pub async fn server_secret(
    conn: &impl ConnectionTrait,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    if let Some(row) = server_secret::Entity::find_by_id(name).one(conn).await? {
        return Ok(row.value);
    }
    server_secret::Entity::insert(server_secret::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(new_token()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(server_secret::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    server_secret::Entity::find_by_id(name)
        .one(conn)
        .await?
        .map(|row| row.value)
        .ok_or_else(|| StoreError::Corrupt(format!("the server key {name} was not stored")))
}

/// Stores a new session; returns its id.
pub async fn insert(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    token_hash: String,
    csrf_token: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let row = session::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        csrf_token: Set(csrf_token),
        flash: Set(None),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

pub async fn by_token_hash(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<StoredSession>, StoreError> {
    Ok(session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .map(|row| StoredSession {
            id: row.id,
            user_id: row.user_id,
            csrf_token: row.csrf_token,
            flash: row.flash,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
        }))
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    session::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

pub async fn delete_by_token_hash(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<(), StoreError> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes every session of the user but `except`.
pub async fn delete_of_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    except: Option<Uuid>,
) -> Result<(), StoreError> {
    let mut q = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = except {
        q = q.filter(session::Column::Id.ne(keep));
    }
    q.exec(conn).await?;
    Ok(())
}

/// Deletes the sessions that expired by `now` or were last seen by `idle_since`; returns
/// how many.
pub async fn delete_ended(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let res = session::Entity::delete_many()
        .filter(
            session::Column::ExpiresAt
                .lte(now)
                .or(session::Column::LastSeenAt.lte(idle_since)),
        )
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

pub async fn set_last_seen(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .filter(session::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Sets (or with `None` clears) the session's flash message.
pub async fn set_flash(
    conn: &impl ConnectionTrait,
    id: Uuid,
    message: Option<&str>,
) -> Result<(), StoreError> {
    session::Entity::update_many()
        .col_expr(session::Column::Flash, Expr::value(message))
        .filter(session::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn device(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<StoredDevice>, StoreError> {
    Ok(login_device::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|d| StoredDevice {
            id: d.id,
            user_id: d.user_id,
            locked_until: d.locked_until,
            expires_at: d.expires_at,
        }))
}

/// Stores a newly known browser; returns its id.
pub async fn insert_device(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let row = login_device::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// A known browser used again: its count and lock cleared, its expiry moved on.
pub async fn renew_device(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    login_device::ActiveModel {
        id: Set(id),
        failed_logins: Set(0),
        locked_until: Set(None),
        last_used_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// Adds one to the browser's wrong-password count and returns the count (0 if the row is
/// gone), counted in the database like `users::add_failed_login`.
pub async fn add_device_failure(conn: &impl ConnectionTrait, id: Uuid) -> Result<i32, StoreError> {
    login_device::Entity::update_many()
        .col_expr(
            login_device::Column::FailedLogins,
            Expr::col(login_device::Column::FailedLogins).add(1),
        )
        .filter(login_device::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(login_device::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map_or(0, |d| d.failed_logins))
}

/// Locks password sign-in from this browser until `until`, the count starting over.
pub async fn lock_device(
    conn: &impl ConnectionTrait,
    id: Uuid,
    until: DateTime<Utc>,
) -> Result<(), StoreError> {
    login_device::Entity::update_many()
        .col_expr(login_device::Column::FailedLogins, Expr::value(0))
        .col_expr(login_device::Column::LockedUntil, Expr::value(until))
        .filter(login_device::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_expired_devices(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    login_device::Entity::delete_many()
        .filter(login_device::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?;
    Ok(())
}
