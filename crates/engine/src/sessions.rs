//! Staff sign-in for the web UI: password check with lockout, and browser sessions. The
//! cookie holds a random 256-bit token; the database holds only its SHA-256, the
//! session's CSRF token and a one-shot flash message.
//!
//! Lockout follows OWASP's "device cookies": a browser that signed in successfully gets a
//! signed cookie naming a `login_devices` row. Wrong passwords from a browser without a
//! valid one count against the account, and lock it *for such browsers only*; wrong
//! passwords from a known browser count against that browser alone. So someone guessing
//! an admin's password from elsewhere cannot keep the admin out of their own browser.
//!
//! Every refusal looks the same (unknown email, wrong password, locked, deactivated, no
//! password): one answer, and one argon2 check each, against a decoy hash when there is
//! no account, so neither the page nor its timing tells who has an account.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::{hmac_sha256, new_token, token_hash};
use crate::domain::User;
use crate::users::{normalize_email, to_user};
use crate::{Engine, EngineError};
use store::entity::{login_device, server_secret, session, user};

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
    /// The cookie value (shown once, stored hashed), the new session, and the device
    /// cookie value that marks this browser as known from now on.
    SignedIn {
        token: String,
        session: Session,
        device: String,
    },
    /// Unknown email, wrong password, a lockout, no password set, a deactivated account
    /// or password sign-in turned off for it: the caller cannot tell which.
    Refused,
}

const DEVICE_KEY: &str = "device_cookie_key";

async fn device_key(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<String, EngineError> {
    server_key(conn, DEVICE_KEY, now).await
}

/// A key of the server's own (for signing cookies), made on first use; the first one
/// stored wins when two processes make it at once.
pub(crate) async fn server_key(
    conn: &impl ConnectionTrait,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, EngineError> {
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
        .ok_or_else(|| EngineError::Corrupt(format!("the server key {name} was not stored")))
}

fn device_signature(key: &str, device_id: Uuid) -> String {
    let mac = hmac_sha256(key.as_bytes(), &[b"vouch-device-v1:", device_id.as_bytes()]);
    URL_SAFE_NO_PAD.encode(mac)
}

/// The device id a cookie value names, if its signature is ours.
fn verify_device_cookie(key: &str, value: &str) -> Option<Uuid> {
    let (id, signature) = value.split_once('.')?;
    let id = Uuid::parse_str(id).ok()?;
    let expected = device_signature(key, id);
    let same = expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(id)
}

impl Engine {
    /// Checks `password` for `email` and opens a session. `device` is the browser's
    /// device cookie, if it sent one. Wrong passwords lock, for `auth.lockout_minutes`
    /// after `auth.lockout_after_failures` in a row, either unknown browsers (for the
    /// account) or the one known browser they came from.
    #[tracing::instrument(skip_all, err)]
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device: Option<&str>,
    ) -> Result<Login, EngineError> {
        let now = self.now();
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(normalize_email(email)))
            .one(&self.db)
            .await?;
        let local_login = self.auth.local_login;
        let Some(account) = found
            .filter(|u| u.active && u.password_hash.is_some() && (local_login || u.break_glass))
        else {
            self.passwords.verify_decoy(password).await?;
            return Ok(Login::Refused);
        };
        let known = match device {
            Some(cookie) => self.known_device(cookie, account.id, now).await?,
            None => None,
        };
        let trusted = known
            .as_ref()
            .is_some_and(|d| d.locked_until.is_none_or(|t| t <= now));
        // Checked even when the answer is already "no", so a lockout takes as long.
        let stored = account.password_hash.as_deref().unwrap_or_default();
        let matches = self.passwords.verify(password, stored).await?;
        let locked_for_unknown = account.locked_until.is_some_and(|t| t > now);
        if !trusted && locked_for_unknown {
            return Ok(Login::Refused);
        }
        if !matches {
            match known.filter(|_| trusted) {
                Some(device) => self.count_device_failure(device, now).await?,
                None => {
                    self.count_failure(account, now).await?;
                }
            }
            return Ok(Login::Refused);
        }
        if !trusted {
            // Only a success from an unknown browser ends the count against unknown
            // browsers: the owner signing in at their own desk while someone guesses
            // elsewhere must not hand the guesser a fresh set of tries.
            let mut active: user::ActiveModel = account.clone().into();
            active.failed_logins = Set(0);
            active.locked_until = Set(None);
            active.update(&self.db).await?;
        }
        let device = self
            .remember_device(known.filter(|_| trusted), account.id, now)
            .await?;
        let (token, session) = self.open_session(account, now).await?;
        Ok(Login::SignedIn {
            token,
            session,
            device,
        })
    }

    /// A new session for `account`: the cookie token (stored only hashed) and the session.
    pub(crate) async fn open_session(
        &self,
        account: user::Model,
        now: DateTime<Utc>,
    ) -> Result<(String, Session), EngineError> {
        let token = new_token();
        let row = session::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(account.id),
            token_hash: Set(token_hash(&token)),
            csrf_token: Set(new_token()),
            flash: Set(None),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(now + Duration::hours(i64::from(self.auth.session_max_hours))),
        }
        .insert(&self.db)
        .await?;
        let session = Session {
            id: row.id,
            user: to_user(account)?,
            csrf_token: row.csrf_token,
            flash: None,
        };
        Ok((token, session))
    }

    /// The live device row a cookie names, if it is validly signed, belongs to `user_id`
    /// and has not expired.
    async fn known_device(
        &self,
        cookie: &str,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<login_device::Model>, EngineError> {
        let key = device_key(&self.db, now).await?;
        let Some(id) = verify_device_cookie(&key, cookie) else {
            return Ok(None);
        };
        Ok(login_device::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .filter(|d| d.user_id == user_id && d.expires_at > now))
    }

    /// Marks the browser as known (a new row, or the known one renewed) and returns the
    /// device cookie value.
    async fn remember_device(
        &self,
        known: Option<login_device::Model>,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<String, EngineError> {
        let expires_at = now + Duration::days(i64::from(self.auth.device_cookie_days));
        let id = match known {
            Some(device) => {
                let id = device.id;
                let mut active: login_device::ActiveModel = device.into();
                active.failed_logins = Set(0);
                active.locked_until = Set(None);
                active.last_used_at = Set(now);
                active.expires_at = Set(expires_at);
                active.update(&self.db).await?;
                id
            }
            None => {
                login_device::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    user_id: Set(user_id),
                    failed_logins: Set(0),
                    locked_until: Set(None),
                    created_at: Set(now),
                    last_used_at: Set(now),
                    expires_at: Set(expires_at),
                }
                .insert(&self.db)
                .await?
                .id
            }
        };
        let key = device_key(&self.db, now).await?;
        Ok(format!("{id}.{}", device_signature(&key, id)))
    }

    /// A wrong password from a browser with no valid device cookie, or in the form that
    /// changes one's own password: counted against the account, which locks for such
    /// browsers (and that form) after too many. Returns when the lock it set ends, if
    /// this failure set one.
    pub(crate) async fn count_failure(
        &self,
        account: user::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
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
            return Ok(None);
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
            serde_json::json!({
                "user_id": account.id,
                "until": until,
                "for": "unknown_browsers",
            }),
            now,
        )
        .await?;
        tracing::warn!(user_id = %account.id, "sign-in locked for unknown browsers after repeated wrong passwords");
        Ok(Some(until))
    }

    /// A wrong password from a known browser: counted against that browser alone.
    async fn count_device_failure(
        &self,
        device: login_device::Model,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        login_device::Entity::update_many()
            .col_expr(
                login_device::Column::FailedLogins,
                Expr::col(login_device::Column::FailedLogins).add(1),
            )
            .filter(login_device::Column::Id.eq(device.id))
            .exec(&self.db)
            .await?;
        let failures = login_device::Entity::find_by_id(device.id)
            .one(&self.db)
            .await?
            .map_or(0, |d| d.failed_logins);
        if failures < self.auth.lockout_after_failures as i32 {
            return Ok(());
        }
        let until = now + Duration::minutes(i64::from(self.auth.lockout_minutes));
        login_device::Entity::update_many()
            .col_expr(login_device::Column::FailedLogins, Expr::value(0))
            .col_expr(login_device::Column::LockedUntil, Expr::value(until))
            .filter(login_device::Column::Id.eq(device.id))
            .exec(&self.db)
            .await?;
        audit::record(
            &self.db,
            None,
            None,
            &Actor::System,
            "user.device_locked",
            serde_json::json!({
                "user_id": device.user_id,
                "device_id": device.id,
                "until": until,
            }),
            now,
        )
        .await?;
        tracing::warn!(user_id = %device.user_id, "sign-in locked for one known browser after repeated wrong passwords");
        Ok(())
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
        login_device::Entity::delete_many()
            .filter(login_device::Column::ExpiresAt.lte(now))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_cookies_are_signed_with_the_servers_key() {
        let id = Uuid::now_v7();
        let cookie = format!("{id}.{}", device_signature("key", id));
        assert_eq!(verify_device_cookie("key", &cookie), Some(id));
        assert_eq!(verify_device_cookie("other key", &cookie), None);
        let forged = format!("{}.{}", Uuid::now_v7(), device_signature("key", id));
        assert_eq!(verify_device_cookie("key", &forged), None);
        assert_eq!(verify_device_cookie("key", "garbage"), None);
    }
}
