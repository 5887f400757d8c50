//! Indexes for dispatch at volume (issue 19).
//!
//! - `ix_jobs_active_run_at` replaces `ix_jobs_status_run_at`: `jobs (run_at)` over queued
//!   and running jobs only. The claim asks for "queued and due, or running with an expired
//!   lease, oldest first, up to n". With `(status, run_at)` PostgreSQL answered that with
//!   bitmap scans of every due job and a sort, so a claim cost grew with the backlog (4 to
//!   9 ms a claim with a few thousand invitations due, most of the database's time in a
//!   bulk launch). It does so above all on a young queue whose statistics lag behind (a
//!   fresh install, a table that grew by thousands since the last analyze), which is when
//!   bulk launches happen. With only this index on the due jobs, the claim walks it in
//!   `run_at` order and stops after n rows, and done jobs, the bulk of the table, are not in
//!   it.
//! - `ix_jobs_stopped_status_id`: the dead and failed jobs, which the admin pages and
//!   `vouch doctor` count and list newest first; it cannot serve a claim.
//! - `ix_reference_requests_email_invited_at`: how often an address was invited recently
//!   (referee protection) is asked for every reference added; it was a scan of every
//!   reference.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        manager
            .drop_index(
                Index::drop()
                    .name("ix_jobs_status_run_at")
                    .table("jobs")
                    .to_owned(),
            )
            .await?;
        // Partial indexes: sea-query has no portable form for them; the statements are the
        // same on PostgreSQL and SQLite.
        conn.execute_unprepared(
            "CREATE INDEX ix_jobs_active_run_at ON jobs (run_at) \
             WHERE status IN ('queued', 'running')",
        )
        .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_jobs_stopped_status_id ON jobs (status, id) \
             WHERE status IN ('dead', 'failed')",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reference_requests_email_invited_at")
                    .table("reference_requests")
                    .col("email")
                    .col("invited_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_reference_requests_email_invited_at")
                    .table("reference_requests")
                    .to_owned(),
            )
            .await?;
        for name in ["ix_jobs_stopped_status_id", "ix_jobs_active_run_at"] {
            manager
                .drop_index(Index::drop().name(name).table("jobs").to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_status_run_at")
                    .table("jobs")
                    .col("status")
                    .col("run_at")
                    .to_owned(),
            )
            .await
    }
}
