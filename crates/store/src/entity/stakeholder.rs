//! `stakeholders` rows: the buyer's own people working with an engaged provider, and the
//! provider's people asked for the provider side of each pulse (`side`).

use sea_orm::entity::prelude::*;

use crate::domain::StakeholderSide;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stakeholders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub name: String,
    pub email: String,
    pub created_at: DateTimeUtc,
    /// The buyer's people, or the provider's contacts (issue 32).
    pub side: StakeholderSide,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
