//! Partnership both ways (issue 32): pulses ask the provider too, in its own language.
//! - `providers.locale`: the language the provider's people are written to in (null: the
//!   case's, else the default);
//! - `stakeholders.side`: `buyer` (the buyer's own people, as before) or `provider` (the
//!   provider's contacts asked at each pulse); rows from before are `buyer`;
//! - `vetting_cases.pulse_id`: for the provider side of a pulse (a case of kind
//!   `provider_pulse`), the buyer's pulse it belongs to.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        let columns = [
            ("providers", string_len_null("locale", 35).to_owned()),
            ("stakeholders", string("side").default("buyer").to_owned()),
            ("vetting_cases", uuid_null("pulse_id").to_owned()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_vetting_cases_pulse_id")
                    .table("vetting_cases")
                    .col("pulse_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_vetting_cases_pulse_id")
                    .table("vetting_cases")
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            ("vetting_cases", "pulse_id"),
            ("stakeholders", "side"),
            ("providers", "locale"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
