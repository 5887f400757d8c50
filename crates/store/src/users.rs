//! `users` rows (staff accounts, with their password hash and lockout counters) and
//! `api_tokens` rows (only each token's SHA-256). Who may change what, the last-admin
//! rule and the lockout decisions live in `engine::users` and `engine::sessions`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use uuid::Uuid;

use super::locked;
use crate::StoreError;
use crate::domain::{Role, User};
use crate::entity::{api_token, user};

/// An account with what sign-in and the admin pages read besides the [`User`].
#[derive(Clone, Debug)]
pub struct StoredUser {
    pub user: User,
    pub password_hash: Option<String>,
    /// Wrong passwords in a row from unknown browsers.
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub break_glass: bool,
}

/// A new account's columns; the counters start at zero and `break_glass` off.
pub struct NewAccount {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// The columns one write changes: each `Some` is written, the rest are left alone.
#[derive(Default)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password_hash: Option<Option<String>>,
    pub active: Option<bool>,
    pub failed_logins: Option<i32>,
    pub locked_until: Option<Option<DateTime<Utc>>>,
    pub break_glass: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// An API token as an admin sees it: never the token itself.
#[derive(Clone, Debug, Serialize)]
pub struct ApiTokenInfo {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_email: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An unrevoked API token, as a bearer request reads it.
#[derive(Clone, Copy, Debug)]
pub struct LiveApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub(crate) fn to_user(m: user::Model) -> User {
    User {
        id: m.id,
        role: m.role,
        email: m.email,
        name: m.name,
        active: m.active,
        created_at: m.created_at,
    }
}

fn stored(m: user::Model) -> StoredUser {
    StoredUser {
        password_hash: m.password_hash.clone(),
        failed_logins: m.failed_logins,
        locked_until: m.locked_until,
        break_glass: m.break_glass,
        user: to_user(m),
    }
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<StoredUser>, StoreError> {
    Ok(user::Entity::find_by_id(id).one(conn).await?.map(stored))
}

/// The account with exactly this (already normalised) email.
pub async fn by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<StoredUser>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(conn)
        .await?
        .map(stored))
}

/// Every account, by email.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<StoredUser>, StoreError> {
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Email)
        .all(conn)
        .await?
        .into_iter()
        .map(stored)
        .collect())
}

/// The active admins, who are told what concerns the whole installation.
pub async fn active_admins(conn: &impl ConnectionTrait) -> Result<Vec<User>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(to_user)
        .collect())
}

pub async fn any_active_admin(conn: &impl ConnectionTrait) -> Result<bool, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .count(conn)
        .await?
        > 0)
}

/// The ids of the active admins, their rows locked until `txn` ends (PostgreSQL), taken
/// in id order so that two transactions locking them never deadlock.
pub async fn lock_active_admins(txn: &DatabaseTransaction) -> Result<Vec<Uuid>, StoreError> {
    let admins = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id);
    Ok(locked(admins, txn, LockType::Update)
        .all(txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

async fn insert_row(
    conn: &impl ConnectionTrait,
    new: NewAccount,
    now: DateTime<Utc>,
) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        id: Set(new.id),
        email: Set(new.email),
        name: Set(new.name),
        role: Set(new.role),
        password_hash: Set(new.password_hash),
        active: Set(new.active),
        failed_logins: Set(0),
        locked_until: Set(None),
        break_glass: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewAccount,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    Ok(to_user(insert_row(conn, new, now).await?))
}

/// [`insert`], or `None` when another account has the email.
pub async fn insert_unless_email_taken(
    conn: &impl ConnectionTrait,
    new: NewAccount,
    now: DateTime<Utc>,
) -> Result<Option<User>, StoreError> {
    match insert_row(conn, new, now).await {
        Ok(m) => Ok(Some(to_user(m))),
        Err(e) if StoreError::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes the patch's columns of the account and returns it as it is now.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    patch: UserPatch,
) -> Result<User, StoreError> {
    let row = user::ActiveModel {
        id: Set(id),
        email: patch.email.map_or(NotSet, Set),
        name: patch.name.map_or(NotSet, Set),
        role: patch.role.map_or(NotSet, Set),
        password_hash: patch.password_hash.map_or(NotSet, Set),
        active: patch.active.map_or(NotSet, Set),
        failed_logins: patch.failed_logins.map_or(NotSet, Set),
        locked_until: patch.locked_until.map_or(NotSet, Set),
        break_glass: patch.break_glass.map_or(NotSet, Set),
        created_at: NotSet,
        updated_at: patch.updated_at.map_or(NotSet, Set),
    };
    Ok(to_user(row.update(conn).await?))
}

/// Adds one to the account's wrong-password count and returns the count (0 if the account
/// is gone). Counted in the database, so parallel guesses cannot each see the old count.
pub async fn add_failed_login(conn: &impl ConnectionTrait, id: Uuid) -> Result<i32, StoreError> {
    user::Entity::update_many()
        .col_expr(
            user::Column::FailedLogins,
            Expr::col(user::Column::FailedLogins).add(1),
        )
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map_or(0, |u| u.failed_logins))
}

/// Locks password sign-in from unknown browsers until `until`, the count starting over.
pub async fn lock_out(
    conn: &impl ConnectionTrait,
    id: Uuid,
    until: DateTime<Utc>,
) -> Result<(), StoreError> {
    user::Entity::update_many()
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .col_expr(user::Column::LockedUntil, Expr::value(until))
        .filter(user::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Stores a new API token's hash; returns the token's id.
pub async fn insert_api_token(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    label: &str,
    token_hash: String,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let row = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        label: Set(label.to_owned()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
        expires_at: Set(expires_at),
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// The unrevoked API token with this hash (expired or not).
pub async fn unrevoked_api_token(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<LiveApiToken>, StoreError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(conn)
        .await?
        .map(|t| LiveApiToken {
            id: t.id,
            user_id: t.user_id,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
        }))
}

/// Whether the API token is revoked (`None`: there is no such token).
pub async fn api_token_revoked(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<bool>, StoreError> {
    Ok(api_token::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|t| t.revoked_at.is_some()))
}

/// Every API token with its user's email, newest first.
pub async fn api_tokens(conn: &impl ConnectionTrait) -> Result<Vec<ApiTokenInfo>, StoreError> {
    let emails: BTreeMap<Uuid, String> = user::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    Ok(api_token::Entity::find()
        .order_by_desc(api_token::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|t| ApiTokenInfo {
            id: t.id,
            user_email: emails.get(&t.user_id).cloned().unwrap_or_default(),
            user_id: t.user_id,
            label: t.label,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            expires_at: t.expires_at,
        })
        .collect())
}

/// Which time of an API token a write stamps.
#[derive(Clone, Copy, Debug)]
pub enum ApiTokenStamp {
    LastUsed,
    Revoked,
}

/// Writes `now` as the token's last use or revocation.
pub async fn stamp_api_token(
    conn: &impl ConnectionTrait,
    id: Uuid,
    stamp: ApiTokenStamp,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut row = api_token::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    match stamp {
        ApiTokenStamp::LastUsed => row.last_used_at = Set(Some(now)),
        ApiTokenStamp::Revoked => row.revoked_at = Set(Some(now)),
    }
    row.update(conn).await?;
    Ok(())
}
