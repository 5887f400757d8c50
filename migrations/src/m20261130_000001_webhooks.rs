//! Webhooks (issue 15): endpoints an admin registers, and one delivery row per event and
//! endpoint. A delivery row is written in the same transaction as the state change it
//! reports (the outbox); each attempt at sending it is a job.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .col(pk_uuid("id"))
                    .col(text("url"))
                    // A JSON list of event types, or ["*"].
                    .col(json_binary("events"))
                    .col(text_null("description"))
                    // Kept readable: every delivery is signed with it.
                    .col(string("secret"))
                    // After a rotation the old secret signs too, until `previous_until`.
                    .col(string_null("previous_secret"))
                    .col(timestamp_with_time_zone_null("previous_until"))
                    .col(boolean("enabled").default(true))
                    .col(text_null("disabled_reason"))
                    // The first failed delivery since the last success.
                    .col(timestamp_with_time_zone_null("failing_since"))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    // Also the message's `webhook-id`: the same on every attempt.
                    .col(pk_uuid("id"))
                    .col(uuid("endpoint_id"))
                    .col(string("event_type"))
                    .col(json_binary("payload"))
                    .col(string("status"))
                    .col(integer("attempts").default(0))
                    .col(integer_null("last_status"))
                    .col(integer_null("last_duration_ms"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint_id")
                            .from("webhook_deliveries", "endpoint_id")
                            .to("webhook_endpoints", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_endpoint_id")
                    .table("webhook_deliveries")
                    .col("endpoint_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_deliveries", "webhook_endpoints"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
