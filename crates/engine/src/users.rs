//! Staff accounts and their API tokens.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use store::TransactionTrait;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::{Role, User};
use crate::store;
pub use crate::store::users::ApiTokenInfo;
use crate::store::users::{self, ApiTokenStamp, NewAccount, StoredUser, UserPatch};
use crate::{Engine, EngineError};

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

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password: Option<&'a str>,
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
        let row = NewAccount {
            id: Uuid::now_v7(),
            email: email.clone(),
            name: new.name.trim().to_owned(),
            role: new.role,
            password_hash,
            active: true,
        };
        users::insert_unless_email_taken(&self.db, row, self.now())
            .await?
            .ok_or_else(|| {
                EngineError::Conflict(format!("a user with email {email} already exists"))
            })
    }
}

impl crate::services::Accounts<'_> {
    #[tracing::instrument(skip_all)]
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, EngineError> {
        Ok(users::by_email(&self.db, &normalize_email(email))
            .await?
            .map(|u| u.user))
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
        let token_id =
            users::insert_api_token(&txn, user_id, label, token_hash(&token), expires_at, now)
                .await?;
        audit::record(
            &txn,
            None,
            None,
            actor,
            "api_token.created",
            serde_json::json!({
                "token_id": token_id,
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
        let Some(token_row) = users::unrevoked_api_token(&self.db, &token_hash(token))
            .await?
            .filter(|t| t.expires_at.is_none_or(|at| at > self.now()))
        else {
            return Ok(None);
        };
        let Some(account) = users::find(&self.db, token_row.user_id)
            .await?
            .filter(|u| u.user.active)
        else {
            return Ok(None);
        };
        // Record use at most once a minute, so reads stay reads under load.
        let now = self.now();
        if token_row
            .last_used_at
            .is_none_or(|t| now - t > Duration::minutes(1))
        {
            users::stamp_api_token(&self.db, token_row.id, ApiTokenStamp::LastUsed, now).await?;
        }
        Ok(Some(account.user))
    }
}

/// Admin management of accounts and tokens. Each change is an audit event.
impl Engine {
    async fn change_user(
        &self,
        id: Uuid,
        actor: &Actor,
        change: impl FnOnce(&mut StoredUser) -> (&'static str, serde_json::Value),
    ) -> Result<User, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let mut m = users::find(&txn, id)
            .await?
            .ok_or(EngineError::NotFound { entity: "user" })?;
        let was_admin = m.user.active && m.user.role == Role::Admin;
        let (kind, mut data) = change(&mut m);
        let still_admin = m.user.active && m.user.role == Role::Admin;
        if was_admin && !still_admin {
            // The active admins, locked (in id order, so two of these never deadlock): two
            // admins demoting each other at once would otherwise both count two admins
            // and leave none. The second waits here, and then no longer counts the first.
            let admins = users::lock_active_admins(&txn).await?;
            if !admins.contains(&id) {
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
        if !m.user.active {
            self.end_sessions_of(&txn, id).await?;
        }
        let patch = UserPatch {
            role: Some(m.user.role),
            active: Some(m.user.active),
            failed_logins: Some(m.failed_logins),
            locked_until: Some(m.locked_until),
            break_glass: Some(m.break_glass),
            updated_at: Some(now),
            ..UserPatch::default()
        };
        let user = users::update(&txn, id, patch).await?;
        data["user_id"] = serde_json::json!(id);
        audit::record(&txn, None, None, actor, kind, data, now).await?;
        txn.commit().await?;
        Ok(user)
    }
}

impl crate::services::Accounts<'_> {
    /// Every account, by email.
    #[tracing::instrument(skip_all)]
    pub async fn list_accounts(&self) -> Result<Vec<Account>, EngineError> {
        let now = self.now();
        Ok(users::all(&self.db)
            .await?
            .into_iter()
            .map(|m| Account {
                has_password: m.password_hash.is_some(),
                locked_until: m.locked_until.filter(|t| *t > now),
                break_glass: m.break_glass,
                user: m.user,
            })
            .collect())
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
        if self.accounts().is_provisioned(id).await? {
            return Err(EngineError::Conflict(
                "this account is managed by the identity provider (SCIM); change it there".into(),
            ));
        }
        self.change_user(id, actor, |m| {
            let from = m.user.role;
            m.user.role = role;
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
        if self.accounts().is_provisioned(id).await? {
            return Err(EngineError::Conflict(
                "this account is managed by the identity provider (SCIM); change it there".into(),
            ));
        }
        self.change_user(id, actor, |m| {
            m.user.active = active;
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
        let m = users::find(&self.db, id)
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
            if let Some(until) = self.count_failure(id, now).await? {
                return Err(locked_for(until));
            }
            return Err(EngineError::validation(
                "current_password",
                "this is not your current password",
            ));
        }
        let hash = self.passwords.hash(new).await?;
        let txn = self.db.begin().await?;
        let patch = UserPatch {
            password_hash: Some(Some(hash)),
            // Wrong guesses were at the old password; the new one starts with a clean count.
            failed_logins: Some(0),
            updated_at: Some(now),
            ..UserPatch::default()
        };
        users::update(&txn, id, patch).await?;
        store::sessions::delete_of_user(&txn, id, Some(keep_session)).await?;
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
        if users::find(&txn, id).await?.is_none() {
            return Err(EngineError::NotFound { entity: "user" });
        }
        let patch = UserPatch {
            password_hash: Some(Some(hash)),
            failed_logins: Some(0),
            locked_until: Some(None),
            updated_at: Some(now),
            ..UserPatch::default()
        };
        let user = users::update(&txn, id, patch).await?;
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
        Ok(user)
    }

    /// Every API token (never the secret), newest first.
    #[tracing::instrument(skip_all)]
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiTokenInfo>, EngineError> {
        users::api_tokens(&self.db).await.map_err(Into::into)
    }

    /// Revokes an API token; it stops working at once. Revoking twice is a conflict.
    #[tracing::instrument(skip_all, fields(id = %id), err)]
    pub async fn revoke_api_token(&self, id: Uuid, actor: &Actor) -> Result<(), EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let revoked = users::api_token_revoked(&txn, id)
            .await?
            .ok_or(EngineError::NotFound { entity: "token" })?;
        if revoked {
            return Err(EngineError::Conflict(
                "this token is already revoked".into(),
            ));
        }
        users::stamp_api_token(&txn, id, ApiTokenStamp::Revoked, now).await?;
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
