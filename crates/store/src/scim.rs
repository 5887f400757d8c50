//! Rows of SCIM provisioning: provisioned users, groups, their members, and the
//! provider's tokens. Which change is allowed is decided in `scim::provision`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::locked;
use crate::StoreError;
use crate::entity::{scim_group, scim_group_member, scim_token, scim_user, user};

/// A provisioned user as the provider last sent it.
#[derive(Clone, Debug)]
pub struct StoredScimUser {
    pub user_id: Uuid,
    pub user_name: String,
    /// `user_name` lowercased: the unique key.
    pub user_name_key: String,
    pub external_id: Option<String>,
    /// SCIM `active` as the provider set it.
    pub active: bool,
    /// `name`, `displayName` and `emails` as sent, as JSON.
    pub attributes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A group the provider pushed (its members are read apart, with [`members_of`]).
#[derive(Clone, Debug)]
pub struct StoredScimGroup {
    pub id: Uuid,
    pub display_name: String,
    /// `display_name` lowercased, for the case-insensitive `displayName eq` filter.
    pub display_name_key: String,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A SCIM token as an admin sees it: never the token itself.
#[derive(Clone, Debug, Serialize)]
pub struct ScimTokenInfo {
    pub id: Uuid,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<scim_user::Model> for StoredScimUser {
    fn from(m: scim_user::Model) -> Self {
        Self {
            user_id: m.user_id,
            user_name: m.user_name,
            user_name_key: m.user_name_key,
            external_id: m.external_id,
            active: m.active,
            attributes: m.attributes,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<scim_group::Model> for StoredScimGroup {
    fn from(m: scim_group::Model) -> Self {
        Self {
            id: m.id,
            display_name: m.display_name,
            display_name_key: m.display_name_key,
            external_id: m.external_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl From<scim_token::Model> for ScimTokenInfo {
    fn from(m: scim_token::Model) -> Self {
        Self {
            id: m.id,
            label: m.label,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// What a list is narrowed to (the filters the contract names).
#[derive(Clone, Debug)]
pub enum Narrow {
    All,
    UserNameKey(String),
    ExternalId(String),
    DisplayNameKey(String),
}

pub async fn user(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<StoredScimUser>, StoreError> {
    Ok(scim_user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Into::into))
}

pub async fn user_by_key(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<StoredScimUser>, StoreError> {
    Ok(scim_user::Entity::find()
        .filter(scim_user::Column::UserNameKey.eq(key))
        .one(conn)
        .await?
        .map(Into::into))
}

/// One page of provisioned users (oldest first) and how many match in all.
pub async fn users(
    conn: &impl ConnectionTrait,
    narrow: &Narrow,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<StoredScimUser>), StoreError> {
    let mut q = scim_user::Entity::find();
    match narrow {
        Narrow::UserNameKey(k) => q = q.filter(scim_user::Column::UserNameKey.eq(k.as_str())),
        Narrow::ExternalId(e) => q = q.filter(scim_user::Column::ExternalId.eq(e.as_str())),
        Narrow::DisplayNameKey(_) | Narrow::All => {}
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(scim_user::Column::CreatedAt)
        .order_by_asc(scim_user::Column::UserId)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?;
    Ok((total, rows.into_iter().map(Into::into).collect()))
}

/// Inserts the row (`new`) or writes every column of it.
pub async fn save_user(
    conn: &impl ConnectionTrait,
    row: StoredScimUser,
    new: bool,
) -> Result<(), StoreError> {
    let active = scim_user::ActiveModel {
        user_id: Set(row.user_id),
        user_name: Set(row.user_name),
        user_name_key: Set(row.user_name_key),
        external_id: Set(row.external_id),
        active: Set(row.active),
        attributes: Set(row.attributes),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    };
    if new {
        active.insert(conn).await?;
    } else {
        active.update(conn).await?;
    }
    Ok(())
}

pub async fn delete_user(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    scim_group_member::Entity::delete_many()
        .filter(scim_group_member::Column::UserId.eq(id))
        .exec(conn)
        .await?;
    scim_user::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// The groups of each user: (group id, displayName), by name.
pub async fn groups_of(
    conn: &impl ConnectionTrait,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(Uuid, String)>>, StoreError> {
    let mut out: HashMap<Uuid, Vec<(Uuid, String)>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(out);
    }
    let links = scim_group_member::Entity::find()
        .filter(scim_group_member::Column::UserId.is_in(user_ids.iter().copied()))
        .all(conn)
        .await?;
    let group_ids: Vec<Uuid> = links.iter().map(|l| l.group_id).collect();
    let names: HashMap<Uuid, String> = scim_group::Entity::find()
        .filter(scim_group::Column::Id.is_in(group_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| (g.id, g.display_name))
        .collect();
    for l in links {
        if let Some(name) = names.get(&l.group_id) {
            out.entry(l.user_id)
                .or_default()
                .push((l.group_id, name.clone()));
        }
    }
    for groups in out.values_mut() {
        groups.sort_by(|a, b| a.1.cmp(&b.1));
    }
    Ok(out)
}

/// The group, locked until `txn` ends (PostgreSQL): two changes of one group's members
/// queue instead of one overwriting the other's member list.
pub async fn group_locked(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> Result<Option<StoredScimGroup>, StoreError> {
    let q = scim_group::Entity::find_by_id(id);
    Ok(locked(q, txn, LockType::Update)
        .one(txn)
        .await?
        .map(Into::into))
}

/// The provisioned user, locked until `txn` ends (PostgreSQL).
pub async fn user_locked(
    txn: &DatabaseTransaction,
    id: Uuid,
) -> Result<Option<StoredScimUser>, StoreError> {
    let q = scim_user::Entity::find_by_id(id);
    Ok(locked(q, txn, LockType::Update)
        .one(txn)
        .await?
        .map(Into::into))
}

pub async fn group(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<StoredScimGroup>, StoreError> {
    Ok(scim_group::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Into::into))
}

pub async fn groups(
    conn: &impl ConnectionTrait,
    narrow: &Narrow,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<StoredScimGroup>), StoreError> {
    let mut q = scim_group::Entity::find();
    match narrow {
        Narrow::DisplayNameKey(k) => {
            q = q.filter(scim_group::Column::DisplayNameKey.eq(k.as_str()))
        }
        Narrow::ExternalId(e) => q = q.filter(scim_group::Column::ExternalId.eq(e.as_str())),
        Narrow::UserNameKey(_) | Narrow::All => {}
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(scim_group::Column::CreatedAt)
        .order_by_asc(scim_group::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?;
    Ok((total, rows.into_iter().map(Into::into).collect()))
}

/// Inserts the row (`new`) or writes every column of it.
pub async fn save_group(
    conn: &impl ConnectionTrait,
    row: StoredScimGroup,
    new: bool,
) -> Result<(), StoreError> {
    let active = scim_group::ActiveModel {
        id: Set(row.id),
        display_name: Set(row.display_name),
        display_name_key: Set(row.display_name_key),
        external_id: Set(row.external_id),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
    };
    if new {
        active.insert(conn).await?;
    } else {
        active.update(conn).await?;
    }
    Ok(())
}

pub async fn delete_group(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    scim_group_member::Entity::delete_many()
        .filter(scim_group_member::Column::GroupId.eq(id))
        .exec(conn)
        .await?;
    scim_group::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// The members of each group: (user id, the account's name), by name.
pub async fn members_of(
    conn: &impl ConnectionTrait,
    group_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(Uuid, String)>>, StoreError> {
    let mut out: HashMap<Uuid, Vec<(Uuid, String)>> = HashMap::new();
    if group_ids.is_empty() {
        return Ok(out);
    }
    let links = scim_group_member::Entity::find()
        .filter(scim_group_member::Column::GroupId.is_in(group_ids.iter().copied()))
        .all(conn)
        .await?;
    let user_ids: Vec<Uuid> = links.iter().map(|l| l.user_id).collect();
    let names: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    for l in links {
        let name = names.get(&l.user_id).cloned().unwrap_or_default();
        out.entry(l.group_id).or_default().push((l.user_id, name));
    }
    for members in out.values_mut() {
        members.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    }
    Ok(out)
}

/// Makes `members` the group's members exactly.
pub async fn set_members(
    conn: &impl ConnectionTrait,
    group_id: Uuid,
    members: &[Uuid],
) -> Result<(), StoreError> {
    scim_group_member::Entity::delete_many()
        .filter(scim_group_member::Column::GroupId.eq(group_id))
        .exec(conn)
        .await?;
    for user_id in members {
        scim_group_member::ActiveModel {
            group_id: Set(group_id),
            user_id: Set(*user_id),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Which of `ids` are provisioned users.
pub async fn existing_users(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(scim_user::Entity::find()
        .filter(scim_user::Column::UserId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.user_id)
        .collect())
}

pub async fn insert_token(
    conn: &impl ConnectionTrait,
    id: Uuid,
    label: &str,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    scim_token::ActiveModel {
        id: Set(id),
        label: Set(label.to_owned()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The unrevoked token with this hash.
pub async fn live_token(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<ScimTokenInfo>, StoreError> {
    Ok(scim_token::Entity::find()
        .filter(scim_token::Column::TokenHash.eq(hash))
        .filter(scim_token::Column::RevokedAt.is_null())
        .one(conn)
        .await?
        .map(Into::into))
}

pub async fn touch_token(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    scim_token::Entity::update_many()
        .col_expr(scim_token::Column::LastUsedAt, Expr::value(now))
        .filter(scim_token::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Every SCIM token, newest first.
pub async fn tokens(conn: &impl ConnectionTrait) -> Result<Vec<ScimTokenInfo>, StoreError> {
    Ok(scim_token::Entity::find()
        .order_by_desc(scim_token::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn token(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<ScimTokenInfo>, StoreError> {
    Ok(scim_token::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Into::into))
}

/// Revokes the token if it is live; whether it was.
pub async fn revoke_token(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = scim_token::Entity::update_many()
        .col_expr(scim_token::Column::RevokedAt, Expr::value(now))
        .filter(scim_token::Column::Id.eq(id))
        .filter(scim_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Revokes every live API token of a user (deprovisioning).
pub async fn revoke_api_tokens_of(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    use crate::entity::api_token;
    let res = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}
