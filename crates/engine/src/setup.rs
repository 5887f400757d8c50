//! First run: while no active admin exists, `vouch serve` makes a one-time link
//! (`/ui/setup/{token}`, valid for an hour) with which the first admin chooses their
//! email, name and password, so a newcomer is not met by a sign-in page nobody can pass.
//! Only the token's SHA-256 is stored; a new link replaces any unused older one, and the
//! link stops working once an admin exists.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::Role;
use crate::sessions::Session;
use crate::users::normalize_email;
use crate::{Engine, EngineError};
use store::entity::{setup_token, user};

/// How long a setup link works.
pub const SETUP_LINK_HOURS: i64 = 1;

/// The first admin as they fill in the setup form (checked by the caller for shape).
pub struct FirstAdmin<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
}

impl Engine {
    async fn admin_exists(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
    ) -> Result<bool, EngineError> {
        Ok(user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .filter(user::Column::Active.eq(true))
            .count(conn)
            .await?
            > 0)
    }

    /// A fresh setup token when no active admin exists (older unused ones stop working),
    /// else `None`.
    #[tracing::instrument(skip_all, err)]
    pub async fn first_run_setup_token(&self) -> Result<Option<String>, EngineError> {
        if self.admin_exists(&self.db).await? {
            return Ok(None);
        }
        let now = self.now();
        setup_token::Entity::delete_many()
            .filter(setup_token::Column::UsedAt.is_null())
            .exec(&self.db)
            .await?;
        let token = new_token();
        setup_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            token_hash: Set(token_hash(&token)),
            created_at: Set(now),
            expires_at: Set(now + Duration::hours(SETUP_LINK_HOURS)),
            used_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(Some(token))
    }

    /// Whether `token` is a setup link that still works.
    #[tracing::instrument(skip_all)]
    pub async fn setup_token_works(&self, token: &str) -> Result<bool, EngineError> {
        let now = self.now();
        let found = setup_token::Entity::find()
            .filter(setup_token::Column::TokenHash.eq(token_hash(token)))
            .one(&self.db)
            .await?;
        Ok(match found {
            Some(row) if row.used_at.is_none() && row.expires_at > now => {
                !self.admin_exists(&self.db).await?
            }
            _ => false,
        })
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
        let row = setup_token::Entity::find()
            .filter(setup_token::Column::TokenHash.eq(token_hash(token)))
            .one(&txn)
            .await?
            .filter(|r| r.used_at.is_none() && r.expires_at > now)
            .ok_or(EngineError::NotFound {
                entity: "setup link",
            })?;
        // Spending the link first: of two forms sent at once, only one updates the row.
        let spent = setup_token::Entity::update_many()
            .col_expr(
                setup_token::Column::UsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(setup_token::Column::Id.eq(row.id))
            .filter(setup_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await?;
        if spent.rows_affected != 1 || self.admin_exists(&txn).await? {
            return Err(EngineError::NotFound {
                entity: "setup link",
            });
        }
        let email = normalize_email(admin.email);
        let created = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.clone()),
            name: Set(admin.name.trim().to_owned()),
            role: Set(Role::Admin),
            password_hash: Set(Some(hash)),
            active: Set(true),
            failed_logins: Set(0),
            locked_until: Set(None),
            break_glass: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await;
        let account = match created {
            Ok(m) => m,
            Err(e) if EngineError::is_unique_violation(&e) => {
                return Err(EngineError::validation(
                    "email",
                    "an account with this email already exists",
                ));
            }
            Err(e) => return Err(e.into()),
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
