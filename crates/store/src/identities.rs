//! `user_identities` rows: a staff member's identity (issuer and subject) at an OpenID
//! provider, linked to their account. When an identity is linked, and to which account,
//! is decided in `engine::oidc`.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::user_identity;

/// A linked identity: its row and the account it signs in to.
#[derive(Clone, Copy, Debug)]
pub struct LinkedIdentity {
    pub id: Uuid,
    pub user_id: Uuid,
}

pub async fn by_subject(
    conn: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
) -> Result<Option<LinkedIdentity>, StoreError> {
    Ok(user_identity::Entity::find()
        .filter(user_identity::Column::Issuer.eq(issuer))
        .filter(user_identity::Column::Subject.eq(subject))
        .one(conn)
        .await?
        .map(|i| LinkedIdentity {
            id: i.id,
            user_id: i.user_id,
        }))
}

/// Whether the account has any linked identity.
pub async fn any_of_user(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<bool, StoreError> {
    Ok(user_identity::Entity::find()
        .filter(user_identity::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .is_some())
}

/// Links an identity; `email` is the verified address it was linked by, if any.
pub async fn insert(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    issuer: &str,
    subject: &str,
    email: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    user_identity::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        issuer: Set(issuer.to_owned()),
        subject: Set(subject.to_owned()),
        email: Set(email),
        created_at: Set(now),
        last_sign_in_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn set_last_sign_in(
    conn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    user_identity::ActiveModel {
        id: Set(id),
        last_sign_in_at: Set(now),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}
