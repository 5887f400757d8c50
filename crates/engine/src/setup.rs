//! First run: while no active admin exists, `vouch serve` makes a one-time link
//! (`/ui/setup/{token}`, valid for an hour) with which the first admin chooses their
//! email, name and password, so a newcomer is not met by a sign-in page nobody can pass.
//! Only the token's SHA-256 is stored; a new link replaces any unused older one, and the
//! link stops working once an admin exists.

use chrono::Duration;
use store::TransactionTrait;
use uuid::Uuid;

use crate::EngineError;
use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::Role;
use crate::sessions::Session;
use crate::store::{setup_tokens, users};
use crate::users::normalize_email;

/// How long a setup link works.
pub const SETUP_LINK_HOURS: i64 = 1;

/// The first admin as they fill in the setup form (checked by the caller for shape).
pub struct FirstAdmin<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
}

impl crate::services::Accounts<'_> {
    /// A fresh setup token when no active admin exists (older unused ones stop working),
    /// else `None`.
    #[tracing::instrument(skip_all, err)]
    pub async fn first_run_setup_token(&self) -> Result<Option<String>, EngineError> {
        if users::any_active_admin(&self.db).await? {
            return Ok(None);
        }
        let now = self.now();
        setup_tokens::delete_unused(&self.db).await?;
        let token = new_token();
        let expires_at = now + Duration::hours(SETUP_LINK_HOURS);
        setup_tokens::insert(&self.db, token_hash(&token), now, expires_at).await?;
        Ok(Some(token))
    }

    /// Whether `token` is a setup link that still works.
    #[tracing::instrument(skip_all)]
    pub async fn setup_token_works(&self, token: &str) -> Result<bool, EngineError> {
        let now = self.now();
        Ok(
            match setup_tokens::usable(&self.db, &token_hash(token), now).await? {
                Some(_) => !users::any_active_admin(&self.db).await?,
                None => false,
            },
        )
    }

    /// Creates the first admin with the setup link `token` (spent by it) and signs them
    /// in. A link that no longer works is `NotFound`, whatever the reason.
    #[tracing::instrument(skip_all, err)]
    pub async fn complete_setup(
        &self,
        token: &str,
        admin: FirstAdmin<'_>,
    ) -> Result<(String, Session), EngineError> {
        crate::passwords::check_policy("password", admin.password)?;
        let now = self.now();
        let hash = self.passwords.hash(admin.password).await?;
        let txn = self.db.begin().await?;
        let link = setup_tokens::usable(&txn, &token_hash(token), now)
            .await?
            .ok_or(EngineError::NotFound {
                entity: "setup link",
            })?;
        // Spending the link first: of two forms sent at once, only one updates the row.
        let spent = setup_tokens::spend(&txn, link, now).await?;
        if !spent || users::any_active_admin(&txn).await? {
            return Err(EngineError::NotFound {
                entity: "setup link",
            });
        }
        let new = users::NewAccount {
            id: Uuid::now_v7(),
            email: normalize_email(admin.email),
            name: admin.name.trim().to_owned(),
            role: Role::Admin,
            password_hash: Some(hash),
            active: true,
        };
        let Some(account) = users::insert_unless_email_taken(&txn, new, now).await? else {
            return Err(EngineError::validation(
                "email",
                "an account with this email already exists",
            ));
        };
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(account.id),
            "user.first_admin_set_up",
            serde_json::json!({ "user_id": account.id }),
            now,
        )
        .await?;
        txn.commit().await?;
        tracing::info!(user_id = %account.id, "the first admin was set up");
        self.open_session(account, now).await
    }
}
