//! Known browsers ("device cookies", OWASP): a browser that signed in successfully carries
//! a signed cookie naming a row here. Wrong passwords from it count against that row
//! alone, so guesses from elsewhere that lock the account for unknown browsers never lock
//! its owner out. The row holds no address or browser details: only whose it is and its
//! own failure count.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("login_devices")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(integer("failed_logins").default(0))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_used_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_login_devices_user_id")
                            .from("login_devices", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_devices_user_id")
                    .table("login_devices")
                    .col("user_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("login_devices").to_owned())
            .await
    }
}
