//! Race-free resends (issue 13): `reference_requests.generation`, the newest invitation
//! generation asked for (launch, adding a reference to a collecting case, and every
//! resend bump it in their own transaction). `invitations_sent` only follows once that
//! invitation is delivered, so it cannot tell a reminder of an older generation that a
//! resend superseded it; `generation` can.
//!
//! Existing rows start at the newest generation they were sent or have a job for: the
//! `send_invitation` jobs carry it in their payload.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("reference_requests")
                    .add_column(integer("generation").default(0))
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        conn.execute_unprepared("UPDATE reference_requests SET generation = invitations_sent")
            .await?;
        // Ids are `uuid` on PostgreSQL and 16-byte blobs on SQLite; the payload holds the
        // hyphenated text form.
        let newest_job = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE reference_requests AS r SET generation = j.g \
                 FROM (SELECT payload->>'reference_id' AS rid, \
                              MAX(CAST(payload->>'generation' AS integer)) AS g \
                       FROM jobs WHERE kind = 'send_invitation' GROUP BY 1) AS j \
                 WHERE CAST(r.id AS text) = j.rid AND j.g > r.generation"
            }
            _ => {
                "UPDATE reference_requests SET generation = j.g \
                 FROM (SELECT replace(json_extract(payload, '$.reference_id'), '-', '') AS rid, \
                              MAX(CAST(json_extract(payload, '$.generation') AS INTEGER)) AS g \
                       FROM jobs WHERE kind = 'send_invitation' GROUP BY 1) AS j \
                 WHERE lower(hex(reference_requests.id)) = j.rid \
                   AND j.g > reference_requests.generation"
            }
        };
        conn.execute_unprepared(newest_job).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("reference_requests")
                    .drop_column("generation")
                    .to_owned(),
            )
            .await
    }
}
