//! Staff sign-in for the web UI: password check with per-account lockout, and browser
//! sessions. The cookie holds a random 256-bit token; the database holds only its SHA-256,
//! the session's CSRF token and a one-shot flash message.

use std::sync::OnceLock;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::{hash_password, new_token, token_hash, verify_password};
use crate::domain::User;
use crate::entity::{session, user};
use crate::users::{normalize_email, to_user};
use crate::{Engine, EngineError};

/// A signed-in browser.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: Uuid,
    pub user: User,
    /// Every form of the session carries this; a POST without it is refused.
    pub csrf_token: String,
    /// A message left by the previous request (e.g. "Case launched").
    pub flash: Option<String>,
}

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum Login {
    /// The cookie value (shown once, stored hashed) and the new session.
    SignedIn { token: String, session: Session },
    /// Unknown email, wrong password, no password set or a deactivated account: the
    /// caller cannot tell which.
    Refused,
    /// Too many wrong passwords; no password is checked until `until`.
    Locked { until: DateTime<Utc> },
}

/// A hash to check passwords against when the account does not exist, so a refusal takes
/// as long for an unknown email as for a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password for unknown accounts").unwrap_or_default())
}

impl Engine {
    /// Checks `password` for `email` and opens a session. Wrong passwords count towards a
    /// lockout of `auth.lockout_minutes` after `auth.lockout_after_failures` in a row.
    #[tracing::instrument(skip_all, err)]
    pub async fn login(&self, email: &str, password: &str) -> Result<Login, EngineError> {
        let now = self.now();
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(normalize_email(email)))
            .one(&self.db)
            .await?;
        let Some(account) = found.filter(|u| u.active && u.password_hash.is_some()) else {
            verify_password(password, decoy_hash());
            return Ok(Login::Refused);
        };
        if let Some(until) = account.locked_until.filter(|until| *until > now) {
            return Ok(Login::Locked { until });
        }
        let stored = account.password_hash.as_deref().unwrap_or_default();
        if !verify_password(password, stored) {
            return self.count_failure(account, now).await;
        }
        let mut active: user::ActiveModel = account.clone().into();
        active.failed_logins = Set(0);
        active.locked_until = Set(None);
        active.update(&self.db).await?;

        let token = new_token();
        let auth = &self.auth;
        let row = session::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(account.id),
            token_hash: Set(token_hash(&token)),
            csrf_token: Set(new_token()),
            flash: Set(None),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(now + Duration::hours(i64::from(auth.session_max_hours))),
        }
        .insert(&self.db)
        .await?;
        Ok(Login::SignedIn {
            token,
            session: Session {
                id: row.id,
                user: to_user(account)?,
                csrf_token: row.csrf_token,
                flash: None,
            },
        })
    }

    async fn count_failure(
        &self,
        account: user::Model,
        now: DateTime<Utc>,
    ) -> Result<Login, EngineError> {
        // Counted in the database, so parallel guesses cannot each see the old count.
        user::Entity::update_many()
            .col_expr(
                user::Column::FailedLogins,
                Expr::col(user::Column::FailedLogins).add(1),
            )
            .filter(user::Column::Id.eq(account.id))
            .exec(&self.db)
            .await?;
        let failures = user::Entity::find_by_id(account.id)
            .one(&self.db)
            .await?
            .map_or(0, |u| u.failed_logins);
        if failures < self.auth.lockout_after_failures as i32 {
            return Ok(Login::Refused);
        }
        let until = now + Duration::minutes(i64::from(self.auth.lockout_minutes));
        user::Entity::update_many()
            .col_expr(user::Column::FailedLogins, Expr::value(0))
            .col_expr(user::Column::LockedUntil, Expr::value(until))
            .filter(user::Column::Id.eq(account.id))
            .exec(&self.db)
            .await?;
        audit::record(
            &self.db,
            None,
            None,
            &Actor::System,
            "user.locked",
            serde_json::json!({ "user_id": account.id, "until": until }),
            now,
        )
        .await?;
        tracing::warn!(user_id = %account.id, "account locked after repeated wrong passwords");
        Ok(Login::Locked { until })
    }

    /// The live session a cookie token belongs to, if any. Expired sessions and those of
    /// deactivated users are deleted on sight.
    #[tracing::instrument(skip_all)]
    pub async fn session(&self, token: &str) -> Result<Option<Session>, EngineError> {
        let Some(row) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(token_hash(token)))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.auth.session_idle_minutes));
        let account = user::Entity::find_by_id(row.user_id)
            .one(&self.db)
            .await?
            .filter(|u| u.active);
        let (Some(account), true) = (
            account,
            row.expires_at > now && row.last_seen_at + idle > now,
        ) else {
            session::Entity::delete_by_id(row.id).exec(&self.db).await?;
            return Ok(None);
        };
        // Record activity at most once a minute, so page views stay reads.
        if now - row.last_seen_at > Duration::minutes(1) {
            session::Entity::update_many()
                .col_expr(session::Column::LastSeenAt, Expr::value(now))
                .filter(session::Column::Id.eq(row.id))
                .exec(&self.db)
                .await?;
        }
        Ok(Some(Session {
            id: row.id,
            user: to_user(account)?,
            csrf_token: row.csrf_token,
            flash: row.flash,
        }))
    }

    /// Leaves a message for the session's next page.
    #[tracing::instrument(skip_all, fields(session_id = %session_id), err)]
    pub async fn set_flash(&self, session_id: Uuid, message: &str) -> Result<(), EngineError> {
        session::Entity::update_many()
            .col_expr(session::Column::Flash, Expr::value(message))
            .filter(session::Column::Id.eq(session_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Clears the flash once a page has shown it.
    #[tracing::instrument(skip_all, fields(session_id = %session_id))]
    pub async fn clear_flash(&self, session_id: Uuid) -> Result<(), EngineError> {
        session::Entity::update_many()
            .col_expr(session::Column::Flash, Expr::value(Option::<String>::None))
            .filter(session::Column::Id.eq(session_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends the session a cookie token belongs to (nothing happens for an unknown one).
    #[tracing::instrument(skip_all, err)]
    pub async fn logout(&self, token: &str) -> Result<(), EngineError> {
        session::Entity::delete_many()
            .filter(session::Column::TokenHash.eq(token_hash(token)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes sessions past their maximum age or idle for too long; returns how many.
    #[tracing::instrument(skip_all, err)]
    pub async fn purge_ended_sessions(&self) -> Result<u64, EngineError> {
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.auth.session_idle_minutes));
        let res = session::Entity::delete_many()
            .filter(
                session::Column::ExpiresAt
                    .lte(now)
                    .or(session::Column::LastSeenAt.lte(now - idle)),
            )
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }

    /// Ends every session of a user (on deactivation).
    pub(crate) async fn end_sessions_of(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        user_id: Uuid,
    ) -> Result<(), EngineError> {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(conn)
            .await?;
        Ok(())
    }
}
