//! `email_log` rows.

use sea_orm::entity::prelude::*;

use crate::domain::EmailStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "email_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub idempotency_key: String,
    pub case_id: Option<Uuid>,
    pub reference_id: Option<Uuid>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub status: EmailStatus,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
