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
    /// When the case reached its end: decided, cancelled, or (a pulse) scored. The
    /// retention clocks start here.
    pub finished_at: Option<DateTimeUtc>,
    /// When the case left `collecting` and its report was released (API.md
    /// "Disclosure"); null before.
    pub released_at: Option<DateTimeUtc>,
    /// A legal hold: while set, nothing of the case is purged.
    pub hold_reason: Option<String>,
    pub held_at: Option<DateTimeUtc>,
    pub held_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A language tag of the message catalogue (issue 17); null when not chosen.
    pub locale: Option<String>,
    /// Made up by `vouch demo`.
    pub demo: bool,
    /// For the provider side of a pulse (kind `provider_pulse`): the buyer's pulse.
    pub pulse_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
