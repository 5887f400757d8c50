//! `vetting_cases` rows.

use sea_orm::entity::prelude::*;

use crate::domain::{CaseKind, CaseStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "vetting_cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider_id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub template_version_id: Uuid,
    pub profile_snapshot: Json,
    pub min_responses: i32,
    pub min_organisations: i32,
    pub anonymity_seed: String,
    pub kind: CaseKind,
    pub engagement_id: Option<Uuid>,
    pub deadline_days: i32,
    pub deadline_at: Option<DateTimeUtc>,
    pub status: CaseStatus,
    pub launched_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A language tag of the message catalogue (issue 17); null when not chosen.
    pub locale: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
