//! Single sign-on: which identity at which OpenID provider is which staff member
//! (`user_identities`, one row per issuer and subject), and the break-glass mark on
//! accounts that may still sign in with a password when password sign-in is off.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("user_identities")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string("issuer"))
                    .col(string("subject"))
                    // The address the provider vouched for when the identity was linked.
                    .col(string_null("email"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_sign_in_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_identities_user_id")
                            .from("user_identities", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_user_identities_issuer_subject")
                    .table("user_identities")
                    .col("issuer")
                    .col("subject")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_identities_user_id")
                    .table("user_identities")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(boolean("break_glass").default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("break_glass")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("user_identities").to_owned())
            .await
    }
}
