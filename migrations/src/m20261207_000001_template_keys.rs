//! Shipped templates get a stable `key` (`standard`, `quick`) so a case can ask for one by
//! name whatever its id is in this installation. Templates an admin publishes have none
//! (null; several nulls do not collide in a unique index on SQLite or PostgreSQL). The
//! engine names the shipped templates when it seeds them at start-up.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("templates")
                    .add_column(string_len_null("key", 32))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("templates_key")
                    .table("templates")
                    .col("key")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("templates_key")
                    .table("templates")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("templates")
                    .drop_column("key")
                    .to_owned(),
            )
            .await
    }
}
