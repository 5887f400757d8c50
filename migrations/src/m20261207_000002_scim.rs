//! SCIM 2.0 provisioning: which staff accounts the identity provider manages (with the
//! attributes it sent), its groups and their members, and the bearer tokens it uses.
//! The provisioning state sits beside `users` rather than in it, so the accounts that
//! predate provisioning (and the break-glass admins) stay exactly as they were.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("scim_users")
                    .col(pk_uuid("user_id"))
                    .col(string("user_name"))
                    // `userName` is unique without regard to case (RFC 7643 §4.1.1).
                    .col(string_uniq("user_name_key"))
                    .col(string_null("external_id"))
                    .col(boolean("active"))
                    // The SCIM attributes as sent (name, displayName, emails), as JSON.
                    .col(text("attributes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scim_users_user_id")
                            .from("scim_users", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("scim_groups")
                    .col(pk_uuid("id"))
                    .col(string("display_name"))
                    .col(string("display_name_key"))
                    .col(string_null("external_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_scim_groups_display_name_key")
                    .table("scim_groups")
                    .col("display_name_key")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("scim_group_members")
                    .col(uuid("group_id"))
                    .col(uuid("user_id"))
                    .primary_key(Index::create().col("group_id").col("user_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scim_group_members_group_id")
                            .from("scim_group_members", "group_id")
                            .to("scim_groups", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scim_group_members_user_id")
                            .from("scim_group_members", "user_id")
                            .to("scim_users", "user_id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_scim_group_members_user_id")
                    .table("scim_group_members")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("scim_tokens")
                    .col(pk_uuid("id"))
                    .col(string("label"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "scim_tokens",
            "scim_group_members",
            "scim_groups",
            "scim_users",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
