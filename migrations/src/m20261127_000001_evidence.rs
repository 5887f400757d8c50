//! Evidence you can trust (issue 12): each case's minimum number of client organisations,
//! where each reference came from (found by staff, or nominated by the provider), the
//! address the provider nominated from (a referee answering from it is suspect), and the
//! provider's self-assessment.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let columns = [
            (
                "vetting_cases",
                integer("min_organisations").default(2).to_owned(),
            ),
            (
                "reference_requests",
                string("source").default("sourced").to_owned(),
            ),
            ("nominations", string_null("client_ip").to_owned()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        // Existing rows get what they would have been created with: the default
        // min(2, min_responses), and the source their `nominated_by` already records.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE vetting_cases SET min_organisations = min_responses WHERE min_responses < 2",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE reference_requests SET source = 'nominated' WHERE nominated_by = 'provider'",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("self_assessments")
                    .col(pk_uuid("id"))
                    .col(uuid("case_id"))
                    // Set when the email is sent (the plain token only exists then).
                    .col(string_null("token_hash").unique_key())
                    .col(string("status"))
                    // Question key → answer, the draft until submitted.
                    .col(json_binary("answers"))
                    .col(timestamp_with_time_zone_null("first_viewed_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(string_null("client_ip"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_self_assessments_case_id")
                            .from("self_assessments", "case_id")
                            .to("vetting_cases", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_self_assessments_case_id")
                    .table("self_assessments")
                    .col("case_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("self_assessments").to_owned())
            .await?;
        for (table, column) in [
            ("nominations", "client_ip"),
            ("reference_requests", "source"),
            ("vetting_cases", "min_organisations"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
