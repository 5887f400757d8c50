//! `reference_requests` rows.

use sea_orm::entity::prelude::*;

use crate::domain::{ReferenceSource, ReferenceStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reference_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub name: String,
    pub email: String,
    pub company: String,
    pub relationship: String,
    pub nominated_by: String,
    pub source: ReferenceSource,
    pub status: ReferenceStatus,
    pub invitations_sent: i32,
    /// The newest invitation generation asked for (`invitations_sent` trails it until
    /// that invitation is delivered).
    pub generation: i32,
    pub reminders_sent: i32,
    pub invited_at: Option<DateTimeUtc>,
    pub opened_at: Option<DateTimeUtc>,
    pub responded_at: Option<DateTimeUtc>,
    pub decline_reason: Option<String>,
    pub withdrawn_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set once retention or an erasure removed the referee's name, address, IP and
    /// user agent.
    pub identity_erased_at: Option<DateTimeUtc>,
    /// Set once retention or an erasure removed the referee's free text.
    pub comments_erased_at: Option<DateTimeUtc>,
    /// The client-organisation key (API.md "Evidence"), fixed when the reference is
    /// created, so that erasing the address it derives from moves nobody.
    pub organisation: Option<String>,
    /// A language tag of the message catalogue (issue 17); null when not chosen.
    pub locale: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
