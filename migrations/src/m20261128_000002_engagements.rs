//! After the decision (issue 14): engagements opened by an approval, the buyer's own
//! stakeholders, and pulses — check-ins run as cases of kind `pulse` (their stakeholders as
//! references), so they share the referee form, its links, reminders and deadline.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("engagements")
                    .col(pk_uuid("id"))
                    .col(uuid_uniq("case_id"))
                    .col(uuid("provider_id"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("next_pulse_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(text_null("end_reason"))
                    // Seeded by `vouch demo`: shown as demo data wherever it appears.
                    .col(boolean("demo").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_engagements_case_id")
                            .from("engagements", "case_id")
                            .to("vetting_cases", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("stakeholders")
                    .col(pk_uuid("id"))
                    .col(uuid("engagement_id"))
                    .col(string("name"))
                    .col(string("email"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stakeholders_engagement_id")
                            .from("stakeholders", "engagement_id")
                            .to("engagements", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for stmt in [
            Index::create()
                .name("ix_stakeholders_engagement_id")
                .table("stakeholders")
                .col("engagement_id")
                .to_owned(),
            Index::create()
                .name("ix_engagements_provider_id")
                .table("engagements")
                .col("provider_id")
                .to_owned(),
        ] {
            manager.create_index(stmt).await?;
        }
        // SQLite takes one column per ALTER TABLE.
        let columns = [
            string("kind").default("review").to_owned(),
            uuid_null("engagement_id").to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("vetting_cases")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_vetting_cases_engagement_id")
                    .table("vetting_cases")
                    .col("engagement_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_vetting_cases_engagement_id")
                    .table("vetting_cases")
                    .to_owned(),
            )
            .await?;
        for column in ["engagement_id", "kind"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("vetting_cases")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in ["stakeholders", "engagements"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
