//! Referee protection (issue 13): a per-case secret that orders the anonymised report's
//! labels, why a reference was withdrawn (an opt-out), the opt-out list (keyed hashes of
//! addresses, never the addresses) and the server's own secrets (the opt-out key).

use sea_orm_migration::sea_orm::DbBackend;
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
                string("anonymity_seed").default("").to_owned(),
            ),
            (
                "reference_requests",
                string_null("withdrawn_reason").to_owned(),
            ),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        // Existing cases get a seed of their own, as new ones do in code.
        let random = match manager.get_database_backend() {
            DbBackend::Postgres => "md5(random()::text || clock_timestamp()::text || id::text)",
            _ => "lower(hex(randomblob(16)))",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE vetting_cases SET anonymity_seed = {random} WHERE anonymity_seed = ''"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("opt_outs")
                    .col(string("address_hash").primary_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("server_secrets")
                    .col(string("name").primary_key())
                    .col(string("value"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["server_secrets", "opt_outs"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for (table, column) in [
            ("reference_requests", "withdrawn_reason"),
            ("vetting_cases", "anonymity_seed"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
