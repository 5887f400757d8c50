//! `responses` rows.

use sea_orm::entity::prelude::*;

use crate::domain::ResponseStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "responses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub reference_id: Uuid,
    pub status: ResponseStatus,
    pub first_viewed_at: Option<DateTimeUtc>,
    /// When the referee first saved a draft (the row itself is made at the first view);
    /// kept after a release discards the draft's answers, for the insights' `started`.
    pub draft_saved_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A language tag of the message catalogue (issue 17); null when not chosen.
    pub locale: Option<String>,
    /// From the first view of the form to the submission, capped at
    /// `MAX_SECONDS_TO_COMPLETE`; null for drafts and for responses never viewed.
    pub seconds_to_complete: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
