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
use store::ConnectionTrait;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::{hmac_sha256, new_token, token_hash};
use crate::domain::User;
use crate::store::sessions::{self as rows, StoredDevice};
use crate::store::users::{self, UserPatch};
use crate::users::normalize_email;
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
    rows::server_secret(conn, DEVICE_KEY, now)
        .await
        .map_err(Into::into)
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
    /// A new session for `account`: the cookie token (stored only hashed) and the session.
    pub(crate) async fn open_session(
        &self,
        account: User,
        now: DateTime<Utc>,
    ) -> Result<(String, Session), EngineError> {
        let token = new_token();
        let csrf_token = new_token();
        let expires_at = now + Duration::hours(i64::from(self.auth.session_max_hours));
        let id = rows::insert(
            &self.db,
            account.id,
            token_hash(&token),
            csrf_token.clone(),
            now,
            expires_at,
        )
        .await?;
        let session = Session {
            id,
            user: account,
            csrf_token,
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
    ) -> Result<Option<StoredDevice>, EngineError> {
        let key = device_key(&self.db, now).await?;
        let Some(id) = verify_device_cookie(&key, cookie) else {
            return Ok(None);
        };
        Ok(rows::device(&self.db, id)
            .await?
            .filter(|d| d.user_id == user_id && d.expires_at > now))
    }

    /// Marks the browser as known (a new row, or the known one renewed) and returns the
    /// device cookie value.
    async fn remember_device(
        &self,
        known: Option<StoredDevice>,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<String, EngineError> {
        let expires_at = now + Duration::days(i64::from(self.auth.device_cookie_days));
        let id = match known {
            Some(device) => {
                rows::renew_device(&self.db, device.id, now, expires_at).await?;
                device.id
            }
            None => rows::insert_device(&self.db, user_id, now, expires_at).await?,
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
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, EngineError> {
        let failures = users::add_failed_login(&self.db, user_id).await?;
        if failures < self.auth.lockout_after_failures as i32 {
            return Ok(None);
        }
        let until = now + Duration::minutes(i64::from(self.auth.lockout_minutes));
        users::lock_out(&self.db, user_id, until).await?;
        audit::record(
            &self.db,
            None,
            None,
            &Actor::System,
            "user.locked",
            serde_json::json!({
                "user_id": user_id,
                "until": until,
                "for": "unknown_browsers",
            }),
            now,
        )
        .await?;
        tracing::warn!(user_id = %user_id, "sign-in locked for unknown browsers after repeated wrong passwords");
        Ok(Some(until))
    }

    /// A wrong password from a known browser: counted against that browser alone.
    async fn count_device_failure(
        &self,
        device: StoredDevice,
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let failures = rows::add_device_failure(&self.db, device.id).await?;
        if failures < self.auth.lockout_after_failures as i32 {
            return Ok(());
        }
        let until = now + Duration::minutes(i64::from(self.auth.lockout_minutes));
        rows::lock_device(&self.db, device.id, until).await?;
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

    /// Ends every session of a user (on deactivation).
    pub(crate) async fn end_sessions_of(
        &self,
        conn: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> Result<(), EngineError> {
        rows::delete_of_user(conn, user_id, None)
            .await
            .map_err(Into::into)
    }
}

impl crate::services::Accounts<'_> {
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
        let found = users::by_email(&self.db, &normalize_email(email)).await?;
        let local_login = self.auth.local_login;
        let Some(account) = found.filter(|u| {
            u.user.active && u.password_hash.is_some() && (local_login || u.break_glass)
        }) else {
            self.passwords.verify_decoy(password).await?;
            return Ok(Login::Refused);
        };
        let known = match device {
            Some(cookie) => self.known_device(cookie, account.user.id, now).await?,
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
                    self.count_failure(account.user.id, now).await?;
                }
            }
            return Ok(Login::Refused);
        }
        if !trusted {
            // Only a success from an unknown browser ends the count against unknown
            // browsers: the owner signing in at their own desk while someone guesses
            // elsewhere must not hand the guesser a fresh set of tries.
            let patch = UserPatch {
                failed_logins: Some(0),
                locked_until: Some(None),
                ..UserPatch::default()
            };
            users::update(&self.db, account.user.id, patch).await?;
        }
        let device = self
            .remember_device(known.filter(|_| trusted), account.user.id, now)
            .await?;
        let (token, session) = self.open_session(account.user, now).await?;
        Ok(Login::SignedIn {
            token,
            session,
            device,
        })
    }

    /// The live session a cookie token belongs to, if any. Expired sessions and those of
    /// deactivated users are deleted on sight.
    #[tracing::instrument(skip_all)]
    pub async fn session(&self, token: &str) -> Result<Option<Session>, EngineError> {
        let Some(row) = rows::by_token_hash(&self.db, &token_hash(token)).await? else {
            return Ok(None);
        };
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.auth.session_idle_minutes));
        let account = users::find(&self.db, row.user_id)
            .await?
            .filter(|u| u.user.active);
        let (Some(account), true) = (
            account,
            row.expires_at > now && row.last_seen_at + idle > now,
        ) else {
            rows::delete(&self.db, row.id).await?;
            return Ok(None);
        };
        // Record activity at most once a minute, so page views stay reads.
        if now - row.last_seen_at > Duration::minutes(1) {
            rows::set_last_seen(&self.db, row.id, now).await?;
        }
        Ok(Some(Session {
            id: row.id,
            user: account.user,
            csrf_token: row.csrf_token,
            flash: row.flash,
        }))
    }

    /// Leaves a message for the session's next page.
    #[tracing::instrument(skip_all, fields(session_id = %session_id), err)]
    pub async fn set_flash(&self, session_id: Uuid, message: &str) -> Result<(), EngineError> {
        rows::set_flash(&self.db, session_id, Some(message))
            .await
            .map_err(Into::into)
    }

    /// Clears the flash once a page has shown it.
    #[tracing::instrument(skip_all, fields(session_id = %session_id))]
    pub async fn clear_flash(&self, session_id: Uuid) -> Result<(), EngineError> {
        rows::set_flash(&self.db, session_id, None)
            .await
            .map_err(Into::into)
    }

    /// Ends the session a cookie token belongs to (nothing happens for an unknown one).
    #[tracing::instrument(skip_all, err)]
    pub async fn logout(&self, token: &str) -> Result<(), EngineError> {
        rows::delete_by_token_hash(&self.db, &token_hash(token))
            .await
            .map_err(Into::into)
    }

    /// Deletes sessions past their maximum age or idle for too long; returns how many.
    #[tracing::instrument(skip_all, err)]
    pub async fn purge_ended_sessions(&self) -> Result<u64, EngineError> {
        let now = self.now();
        let idle = Duration::minutes(i64::from(self.auth.session_idle_minutes));
        let ended = rows::delete_ended(&self.db, now, now - idle).await?;
        rows::delete_expired_devices(&self.db, now).await?;
        Ok(ended)
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
