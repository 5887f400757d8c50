//! Staff accounts and their API tokens.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::credentials::{hash_password, new_token, token_hash};
use crate::domain::{Role, User, stored};
use crate::entity::{api_token, user};
use crate::{Engine, EngineError};

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: Option<&'a str>,
}

fn to_user(m: user::Model) -> Result<User, EngineError> {
    Ok(User {
        id: m.id,
        role: stored(&m.role)?,
        email: m.email,
        name: m.name,
        active: m.active,
        created_at: m.created_at,
    })
}

/// Emails are compared case-insensitively: stored lowercased and trimmed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Engine {
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User, EngineError> {
        let email = normalize_email(new.email);
        let password_hash = new.password.map(hash_password).transpose()?;
        let now = self.now();
        let result = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.clone()),
            name: Set(new.name.trim().to_owned()),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(password_hash),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.db)
        .await;
        match result {
            Ok(m) => to_user(m),
            Err(e) if EngineError::is_unique_violation(&e) => Err(EngineError::Conflict(format!(
                "a user with email {email} already exists"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, EngineError> {
        user::Entity::find()
            .filter(user::Column::Email.eq(normalize_email(email)))
            .one(&self.db)
            .await?
            .map(to_user)
            .transpose()
    }

    /// Creates an API token for the user and returns the token itself, which is shown once
    /// and never stored: only its hash is.
    pub async fn create_api_token(
        &self,
        user_id: Uuid,
        label: &str,
    ) -> Result<String, EngineError> {
        let token = new_token();
        api_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            label: Set(label.to_owned()),
            token_hash: Set(token_hash(&token)),
            created_at: Set(self.now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(token)
    }

    /// The active user a bearer token belongs to, or `None` for an unknown, revoked or
    /// deactivated one.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<User>, EngineError> {
        let Some(token_row) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash(token)))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(user_row) = user::Entity::find_by_id(token_row.user_id)
            .one(&self.db)
            .await?
            .filter(|u| u.active)
        else {
            return Ok(None);
        };
        // Record use at most once a minute, so reads stay reads under load.
        let now = self.now();
        if token_row
            .last_used_at
            .is_none_or(|t| now - t > Duration::minutes(1))
        {
            let mut active: api_token::ActiveModel = token_row.into();
            active.last_used_at = Set(Some(now));
            active.update(&self.db).await?;
        }
        to_user(user_row).map(Some)
    }
}
