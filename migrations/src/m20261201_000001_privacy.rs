//! Privacy by design (issue 18): what retention and erasure need to work incrementally and
//! to leave scores alone.
//!
//! - `vetting_cases.finished_at`: when the case reached its end (decided, cancelled, or a
//!   pulse scored); the retention clocks start there. Existing rows are backfilled from the
//!   decision's time or `closed_at`.
//! - `vetting_cases.hold_reason` / `held_at` / `held_by`: a legal hold; a held case is never
//!   purged.
//! - `reference_requests.identity_erased_at` / `comments_erased_at`: which purges a
//!   reference has had, so each run only touches what is new.
//! - `reference_requests.organisation`: the reference's client-organisation key, written
//!   just before its address is erased, because the key is derived from the address's
//!   domain and the scores count one vote per organisation.
//! - indexes on what the purges and subject access filter by.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CASE_COLUMNS: [&str; 4] = ["finished_at", "hold_reason", "held_at", "held_by"];
/// What the purges and the look-ups by address filter on: without them each retention
/// batch scanned the whole audit trail and email log.
const INDEXES: [(&str, &str, &str); 5] = [
    (
        "ix_vetting_cases_finished_at",
        "vetting_cases",
        "finished_at",
    ),
    (
        "ix_audit_events_reference_id",
        "audit_events",
        "reference_id",
    ),
    ("ix_email_log_reference_id", "email_log", "reference_id"),
    ("ix_email_log_case_id", "email_log", "case_id"),
    ("ix_email_log_recipient", "email_log", "recipient"),
];
const REFERENCE_COLUMNS: [&str; 3] = ["identity_erased_at", "comments_erased_at", "organisation"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let case_columns = [
            timestamp_with_time_zone_null("finished_at"),
            text_null("hold_reason"),
            timestamp_with_time_zone_null("held_at"),
            uuid_null("held_by"),
        ];
        for column in case_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("vetting_cases")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let reference_columns = [
            timestamp_with_time_zone_null("identity_erased_at"),
            timestamp_with_time_zone_null("comments_erased_at"),
            string_null("organisation"),
        ];
        for column in reference_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("reference_requests")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "UPDATE vetting_cases SET finished_at = \
               (SELECT MAX(d.created_at) FROM decisions d WHERE d.case_id = vetting_cases.id) \
             WHERE status = 'decided'",
        )
        .await?;
        conn.execute_unprepared(
            "UPDATE vetting_cases SET finished_at = COALESCE(closed_at, updated_at) \
             WHERE finished_at IS NULL AND (status = 'cancelled' OR status = 'decided' \
               OR (kind = 'pulse' AND status = 'review'))",
        )
        .await?;
        for (name, table, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        for column in REFERENCE_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("reference_requests")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in CASE_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("vetting_cases")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
