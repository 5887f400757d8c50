//! `users` rows.

use sea_orm::entity::prelude::*;

use crate::domain::Role;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub active: bool,
    /// Wrong passwords in a row from unknown browsers since the last sign-in or lockout.
    pub failed_logins: i32,
    /// While set, password sign-in is locked for browsers without this account's device
    /// cookie (known browsers are locked one by one, in `login_devices`).
    pub locked_until: Option<DateTimeUtc>,
    /// May sign in with a password even when `auth.local_login` is off.
    pub break_glass: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
