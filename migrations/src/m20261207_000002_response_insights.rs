//! Response insights (issue 31).
//!
//! - `responses.draft_saved_at`: when the referee first saved a draft. The draft row is
//!   created at the first view, and a release deletes the answers of unsent drafts, so
//!   neither the row nor its answers can tell afterwards whether a referee started
//!   answering; `started` in the insights needs it. Existing drafts that still hold answers
//!   were saved: they get their `updated_at`.
//! - `ix_reference_requests_invited_at`: the insights take the references invited in a
//!   window; without it every query of them was a scan of every reference.
//! - `ix_vetting_cases_launched_at`: hours to quorum takes the cases launched in a window.
//! - `ix_vetting_cases_released_at`: the single-organisation reliability is estimated from
//!   the released cases only.
//! - `vetting_cases.demo`: a case made up by `vouch demo`, so that the insights can say
//!   they include demo data (as engagements already do).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &str); 3] = [
    (
        "ix_reference_requests_invited_at",
        "reference_requests",
        "invited_at",
    ),
    (
        "ix_vetting_cases_launched_at",
        "vetting_cases",
        "launched_at",
    ),
    (
        "ix_vetting_cases_released_at",
        "vetting_cases",
        "released_at",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("responses")
                    .add_column(timestamp_with_time_zone_null("draft_saved_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("vetting_cases")
                    .add_column(boolean("demo").default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE responses SET draft_saved_at = updated_at \
                 WHERE status = 'draft' \
                   AND EXISTS (SELECT 1 FROM answers a WHERE a.response_id = responses.id)",
            )
            .await?;
        for (name, table, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("responses")
                    .drop_column("draft_saved_at")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("vetting_cases")
                    .drop_column("demo")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
