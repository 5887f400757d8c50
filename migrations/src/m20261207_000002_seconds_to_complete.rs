//! Each completed response records how long it took: seconds from the first view of the
//! form to the submission, capped at 3,600 (a form left open overnight says nothing about
//! the questionnaire). Null for responses from before, and for one never viewed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("responses")
                    .add_column(integer_null("seconds_to_complete"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("responses")
                    .drop_column("seconds_to_complete")
                    .to_owned(),
            )
            .await
    }
}
