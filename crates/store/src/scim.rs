//! Rows of SCIM provisioning: provisioned users, groups, their members, and the
//! provider's tokens. Which change is allowed is decided in `scim::provision`.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::{scim_group, scim_group_member, scim_token, scim_user, user};

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
) -> Result<Option<scim_user::Model>, StoreError> {
    Ok(scim_user::Entity::find_by_id(id).one(conn).await?)
}

pub async fn user_by_key(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<scim_user::Model>, StoreError> {
    Ok(scim_user::Entity::find()
        .filter(scim_user::Column::UserNameKey.eq(key))
        .one(conn)
        .await?)
}

/// One page of provisioned users (oldest first) and how many match in all.
pub async fn users(
    conn: &impl ConnectionTrait,
    narrow: &Narrow,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<scim_user::Model>), StoreError> {
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
    Ok((total, rows))
}

pub async fn save_user(
    conn: &impl ConnectionTrait,
    row: scim_user::Model,
    new: bool,
) -> Result<scim_user::Model, StoreError> {
    let active: scim_user::ActiveModel = row.into();
    let active = if new { active } else { mark_changed(active) };
    Ok(if new {
        active.insert(conn).await?
    } else {
        active.update(conn).await?
    })
}

fn mark_changed(mut m: scim_user::ActiveModel) -> scim_user::ActiveModel {
    use sea_orm::Iterable;
    for col in scim_user::Column::iter() {
        if !matches!(col, scim_user::Column::UserId) {
            m.reset(col);
        }
    }
    m
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
    txn: &sea_orm::DatabaseTransaction,
    id: Uuid,
) -> Result<Option<scim_group::Model>, StoreError> {
    let q = scim_group::Entity::find_by_id(id);
    Ok(super::locked(q, txn, sea_orm::sea_query::LockType::Update)
        .one(txn)
        .await?)
}

/// The provisioned user, locked until `txn` ends (PostgreSQL).
pub async fn user_locked(
    txn: &sea_orm::DatabaseTransaction,
    id: Uuid,
) -> Result<Option<scim_user::Model>, StoreError> {
    let q = scim_user::Entity::find_by_id(id);
    Ok(super::locked(q, txn, sea_orm::sea_query::LockType::Update)
        .one(txn)
        .await?)
}

pub async fn group(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<scim_group::Model>, StoreError> {
    Ok(scim_group::Entity::find_by_id(id).one(conn).await?)
}

pub async fn groups(
    conn: &impl ConnectionTrait,
    narrow: &Narrow,
    offset: u64,
    limit: u64,
) -> Result<(u64, Vec<scim_group::Model>), StoreError> {
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
    Ok((total, rows))
}

pub async fn save_group(
    conn: &impl ConnectionTrait,
    row: scim_group::Model,
    new: bool,
) -> Result<scim_group::Model, StoreError> {
    let mut active: scim_group::ActiveModel = row.into();
    if new {
        return Ok(active.insert(conn).await?);
    }
    use sea_orm::Iterable;
    for col in scim_group::Column::iter() {
        if !matches!(col, scim_group::Column::Id) {
            active.reset(col);
        }
    }
    Ok(active.update(conn).await?)
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
    row: scim_token::Model,
) -> Result<(), StoreError> {
    let active: scim_token::ActiveModel = row.into();
    active.insert(conn).await?;
    Ok(())
}

/// The unrevoked token with this hash.
pub async fn live_token(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<scim_token::Model>, StoreError> {
    Ok(scim_token::Entity::find()
        .filter(scim_token::Column::TokenHash.eq(hash))
        .filter(scim_token::Column::RevokedAt.is_null())
        .one(conn)
        .await?)
}

pub async fn touch_token(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    scim_token::Entity::update_many()
        .col_expr(scim_token::Column::LastUsedAt, Expr::value(now))
        .filter(scim_token::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn tokens(conn: &impl ConnectionTrait) -> Result<Vec<scim_token::Model>, StoreError> {
    Ok(scim_token::Entity::find()
        .order_by_desc(scim_token::Column::Id)
        .all(conn)
        .await?)
}

pub async fn token(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<scim_token::Model>, StoreError> {
    Ok(scim_token::Entity::find_by_id(id).one(conn).await?)
}

/// Revokes the token if it is live; whether it was.
pub async fn revoke_token(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
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
    now: chrono::DateTime<chrono::Utc>,
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
