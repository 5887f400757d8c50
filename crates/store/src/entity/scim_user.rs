//! `scim_users` rows: the staff accounts the identity provider manages.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "scim_users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub user_name: String,
    /// `user_name` lowercased: the unique key.
    pub user_name_key: String,
    pub external_id: Option<String>,
    /// SCIM `active` as the provider set it (the account's own `active` also needs a
    /// mapped group).
    pub active: bool,
    /// `name`, `displayName` and `emails` as sent, as JSON.
    pub attributes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
