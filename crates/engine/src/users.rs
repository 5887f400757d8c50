//! Staff accounts and their API tokens.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::{Role, User};
use crate::{Engine, EngineError};
use store::entity::{api_token, user};

/// A staff account as an admin sees it.
#[derive(Clone, Debug, Serialize)]
pub struct Account {
    #[serde(flatten)]
    pub user: User,
    /// Can sign in to the web UI (API-only accounts have no password).
    pub has_password: bool,
    /// Set while a lockout after wrong passwords lasts (for unknown browsers).
    pub locked_until: Option<DateTime<Utc>>,
    /// May sign in with a password even when password sign-in is off.
    pub break_glass: bool,
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

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: Option<&'a str>,
}

pub(crate) fn to_user(m: user::Model) -> Result<User, EngineError> {
    Ok(User {
        id: m.id,
        role: m.role,
        email: m.email,
        name: m.name,
        active: m.active,
        created_at: m.created_at,
    })
}

/// Emails are compared case-insensitively: stored lowercased and trimmed.
pub use crate::domain::normalize_email;

impl Engine {
    // No `err`: the duplicate-email error names the address, which stays out of the logs.
    #[tracing::instrument(skip_all)]
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<User, EngineError> {
        let email = normalize_email(new.email);
        let password_hash = match new.password {
            Some(p) => {
                crate::passwords::check_policy("password", p)?;
                Some(self.passwords.hash(p).await?)
            }
            None => None,
        };
        let now = self.now();
        let result = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.clone()),
            name: Set(new.name.trim().to_owned()),
            role: Set(new.role),
            password_hash: Set(password_hash),
            active: Set(true),
            failed_logins: Set(0),
            locked_until: Set(None),
            break_glass: Set(false),
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

    #[tracing::instrument(skip_all)]
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, EngineError> {
        user::Entity::find()
            .filter(user::Column::Email.eq(normalize_email(email)))
            .one(&self.db)
            .await?
            .map(to_user)
            .transpose()
    }

    /// Creates an API token for the user, working until `expires_at` (or until revoked
    /// when `None`), and returns the token itself, which is shown once and never stored:
    /// only its hash is. The creation is an audit event of `actor`.
    #[tracing::instrument(skip_all, err)]
    pub async fn create_api_token(
        &self,
        user_id: Uuid,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
        actor: &Actor,
    ) -> Result<String, EngineError> {
        let token = new_token();
        let now = self.now();
        let txn = self.db.begin().await?;
        let row = api_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            label: Set(label.to_owned()),
            token_hash: Set(token_hash(&token)),
            created_at: Set(now),
            last_used_at: Set(None),
            revoked_at: Set(None),
            expires_at: Set(expires_at),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            None,
            None,
            actor,
            "api_token.created",
            serde_json::json!({
                "token_id": row.id,
                "user_id": user_id,
                "label": label,
                "expires_at": expires_at,
            }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(token)
    }

    /// The active user a bearer token belongs to, or `None` for an unknown, revoked or
    /// deactivated one.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<User>, EngineError> {
        let Some(token_row) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash(token)))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
            .filter(|t| t.expires_at.is_none_or(|at| at > self.now()))
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

/// Admin management of accounts and tokens. Each change is an audit event.
impl Engine {
    /// Every account, by email.
    #[tracing::instrument(skip_all)]
    pub async fn list_accounts(&self) -> Result<Vec<Account>, EngineError> {
        let now = self.now();
        user::Entity::find()
            .order_by_asc(user::Column::Email)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| {
                let has_password = m.password_hash.is_some();
                let locked_until = m.locked_until.filter(|t| *t > now);
                let break_glass = m.break_glass;
                Ok(Account {
                    user: to_user(m)?,
                    has_password,
                    locked_until,
                    break_glass,
                })
            })
            .collect()
    }

    /// Changes a user's role. The last active admin cannot be demoted.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn set_user_role(
        &self,
        id: Uuid,
        role: Role,
        actor: &Actor,
    ) -> Result<User, EngineError> {
        // The identity provider owns a provisioned account's role and access; a change
        // here would be undone at its next push, so it is refused rather than lost.
        if self.is_provisioned(id).await? {
            return Err(EngineError::Conflict(
                "this account is managed by the identity provider (SCIM); change it there".into(),
            ));
        }
        self.change_user(id, actor, |m| {
            let from = m.role;
            m.role = role;
            (
                "user.role_changed",
                serde_json::json!({ "from": from, "to": role }),
            )
        })
        .await
    }

    /// Deactivates or reactivates a user. A deactivated user's sessions end at once and
    /// their API tokens stop working; the last active admin cannot be deactivated.
    /// Reactivating also lifts a lockout.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn set_user_active(
        &self,
        id: Uuid,
        active: bool,
        actor: &Actor,
    ) -> Result<User, EngineError> {
        // The identity provider owns a provisioned account's role and access; a change
        // here would be undone at its next push, so it is refused rather than lost.
        if self.is_provisioned(id).await? {
            return Err(EngineError::Conflict(
                "this account is managed by the identity provider (SCIM); change it there".into(),
            ));
        }
        self.change_user(id, actor, |m| {
            m.active = active;
            if active {
                m.failed_logins = 0;
                m.locked_until = None;
            }
            let kind = if active {
                "user.reactivated"
            } else {
                "user.deactivated"
            };
            (kind, serde_json::json!({}))
        })
        .await
    }

    /// Marks (or unmarks) an account as break-glass: it may sign in with its password
    /// even when `auth.local_login` is off, for when single sign-on is down.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn set_break_glass(
        &self,
        id: Uuid,
        break_glass: bool,
        actor: &Actor,
    ) -> Result<User, EngineError> {
        self.change_user(id, actor, |m| {
            m.break_glass = break_glass;
            (
                "user.break_glass_set",
                serde_json::json!({ "break_glass": break_glass }),
            )
        })
        .await
    }

    async fn change_user(
        &self,
        id: Uuid,
        actor: &Actor,
        change: impl FnOnce(&mut user::Model) -> (&'static str, serde_json::Value),
    ) -> Result<User, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let mut m = user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(EngineError::NotFound { entity: "user" })?;
        let was_admin = m.active && m.role == Role::Admin;
        let (kind, mut data) = change(&mut m);
        let still_admin = m.active && m.role == Role::Admin;
        if was_admin && !still_admin {
            // The active admins, locked (in id order, so two of these never deadlock): two
            // admins demoting each other at once would otherwise both count two admins
            // and leave none. The second waits here, and then no longer counts the first.
            let admins = user::Entity::find()
                .filter(user::Column::Role.eq(Role::Admin.as_str()))
                .filter(user::Column::Active.eq(true))
                .order_by_asc(user::Column::Id);
            let admins = crate::store::locked(admins, &txn, LockType::Update)
                .all(&txn)
                .await?;
            if !admins.iter().any(|a| a.id == id) {
                return Err(EngineError::Conflict(
                    "this user was changed meanwhile; reload and try again".into(),
                ));
            }
            if admins.len() <= 1 {
                return Err(EngineError::Conflict(
                    "this is the last active admin; make someone else admin first".into(),
                ));
            }
        }
        if !m.active {
            self.end_sessions_of(&txn, id).await?;
        }
        m.updated_at = now;
        let mut active: user::ActiveModel = m.into();
        for col in [
            user::Column::Role,
            user::Column::Active,
            user::Column::FailedLogins,
            user::Column::LockedUntil,
            user::Column::BreakGlass,
            user::Column::UpdatedAt,
        ] {
            sea_orm::ActiveModelTrait::reset(&mut active, col);
        }
        let m = active.update(&txn).await?;
        data["user_id"] = serde_json::json!(id);
        audit::record(&txn, None, None, actor, kind, data, now).await?;
        txn.commit().await?;
        to_user(m)
    }

    /// A staff member changes their own password: the current one must be right. Every
    /// other session of theirs ends (whoever else was signed in as them is out), this one
    /// stays.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn change_own_password(
        &self,
        id: Uuid,
        keep_session: Uuid,
        current: &str,
        new: &str,
    ) -> Result<(), EngineError> {
        crate::passwords::check_policy("new_password", new)?;
        let m = user::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound { entity: "user" })?;
        let now = self.now();
        let locked_for = |until: chrono::DateTime<chrono::Utc>| EngineError::TooManyAttempts {
            retry_after_seconds: u64::try_from((until - now).num_seconds()).unwrap_or(0),
        };
        // A stolen session must not become a way round the sign-in lockout: wrong current
        // passwords count against the account like wrong passwords at sign-in (one count,
        // so the two together give no more guesses), and while it is locked this form is
        // refused without looking at what was typed, the right password too.
        if let Some(until) = m.locked_until.filter(|t| *t > now) {
            return Err(locked_for(until));
        }
        let stored = m.password_hash.clone().unwrap_or_default();
        if !self.passwords.verify(current, &stored).await? {
            if let Some(until) = self.count_failure(m, now).await? {
                return Err(locked_for(until));
            }
            return Err(EngineError::validation(
                "current_password",
                "this is not your current password",
            ));
        }
        let hash = self.passwords.hash(new).await?;
        let txn = self.db.begin().await?;
        let mut active: user::ActiveModel = m.into();
        active.password_hash = Set(Some(hash));
        // Wrong guesses were at the old password; the new one starts with a clean count.
        active.failed_logins = Set(0);
        active.updated_at = Set(now);
        active.update(&txn).await?;
        store::entity::session::Entity::delete_many()
            .filter(store::entity::session::Column::UserId.eq(id))
            .filter(store::entity::session::Column::Id.ne(keep_session))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(id),
            "user.password_changed",
            serde_json::json!({ "user_id": id }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Sets (or replaces) a user's web UI password, lifts any lockout and ends their
    /// sessions, so whoever knew the old password is signed out.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn set_password(
        &self,
        id: Uuid,
        password: &str,
        actor: &Actor,
    ) -> Result<User, EngineError> {
        crate::passwords::check_policy("password", password)?;
        let hash = self.passwords.hash(password).await?;
        let now = self.now();
        let txn = self.db.begin().await?;
        let m = user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(EngineError::NotFound { entity: "user" })?;
        let mut active: user::ActiveModel = m.into();
        active.password_hash = Set(Some(hash));
        active.failed_logins = Set(0);
        active.locked_until = Set(None);
        active.updated_at = Set(now);
        let m = active.update(&txn).await?;
        self.end_sessions_of(&txn, id).await?;
        audit::record(
            &txn,
            None,
            None,
            actor,
            "user.password_set",
            serde_json::json!({ "user_id": id }),
            now,
        )
        .await?;
        txn.commit().await?;
        to_user(m)
    }

    /// Every API token (never the secret), newest first.
    #[tracing::instrument(skip_all)]
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiTokenInfo>, EngineError> {
        let emails: BTreeMap<Uuid, String> = user::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect();
        Ok(api_token::Entity::find()
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
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

    /// Revokes an API token; it stops working at once. Revoking twice is a conflict.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn revoke_api_token(&self, id: Uuid, actor: &Actor) -> Result<(), EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let t = api_token::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(EngineError::NotFound { entity: "token" })?;
        if t.revoked_at.is_some() {
            return Err(EngineError::Conflict(
                "this token is already revoked".into(),
            ));
        }
        let mut active: api_token::ActiveModel = t.into();
        active.revoked_at = Set(Some(now));
        active.update(&txn).await?;
        audit::record(
            &txn,
            None,
            None,
            actor,
            "token.revoked",
            serde_json::json!({ "token_id": id }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
