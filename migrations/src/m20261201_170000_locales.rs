//! Referees in their own language (issue 17): a nullable `locale` (a language tag such as
//! `de` or `ar`, at most 35 characters per RFC 5646's practical limit) on
//! - `vetting_cases`: the case's default language for its referees;
//! - `reference_requests`: the language staff chose for one referee (null: negotiated from
//!   the link, the browser and the case);
//! - `responses`: the language the answers were given in, shown beside quoted comments.
//!
//! Rows from before are null, which reads as "not chosen".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = ["vetting_cases", "reference_requests", "responses"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(string_len_null("locale", 35))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .alter_table(Table::alter().table(table).drop_column("locale").to_owned())
                .await?;
        }
        Ok(())
    }
}
