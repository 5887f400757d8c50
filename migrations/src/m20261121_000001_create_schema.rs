//! The initial schema: people and credentials, the values profile and questionnaire
//! templates, providers, vetting cases with their references and responses, decisions,
//! the audit trail, the durable job queue and the email log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn created_updated(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

fn fk(from_table: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{col}"))
        .from(from_table, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(table);
    for col in cols {
        stmt.col(*col);
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            created_updated(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_uniq("email"))
                    .col(string("name"))
                    .col(string("role"))
                    .col(text_null("password_hash"))
                    .col(boolean("active").default(true)),
            )
            .to_owned(),
            Table::create()
                .table("api_tokens")
                .col(pk_uuid("id"))
                .col(uuid("user_id"))
                .col(string("label"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("api_tokens", "user_id", "users"))
                .to_owned(),
            Table::create()
                .table("profile_dimensions")
                .col(string("key").primary_key())
                .col(string("label"))
                .col(double("weight"))
                .col(double("min_score"))
                .col(integer("position"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
            created_updated(
                Table::create()
                    .table("templates")
                    .col(pk_uuid("id"))
                    .col(string("name"))
                    .col(text("description")),
            )
            .to_owned(),
            Table::create()
                .table("template_versions")
                .col(pk_uuid("id"))
                .col(uuid("template_id"))
                .col(integer("version"))
                .col(json_binary("questions"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("published_at"))
                .foreign_key(&mut fk("template_versions", "template_id", "templates"))
                .to_owned(),
            created_updated(
                Table::create()
                    .table("providers")
                    .col(pk_uuid("id"))
                    .col(string("name"))
                    .col(string("category"))
                    .col(string_null("website"))
                    .col(string("contact_name"))
                    .col(string("contact_email"))
                    .col(uuid("created_by"))
                    .foreign_key(&mut fk("providers", "created_by", "users")),
            )
            .to_owned(),
            created_updated(
                Table::create()
                    .table("vetting_cases")
                    .col(pk_uuid("id"))
                    .col(uuid("provider_id"))
                    .col(uuid("owner_id"))
                    .col(string("title"))
                    .col(uuid("template_version_id"))
                    .col(json_binary("profile_snapshot"))
                    .col(integer("min_responses"))
                    .col(integer("deadline_days"))
                    .col(timestamp_with_time_zone_null("deadline_at"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone_null("launched_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .foreign_key(&mut fk("vetting_cases", "provider_id", "providers"))
                    .foreign_key(&mut fk("vetting_cases", "owner_id", "users"))
                    .foreign_key(&mut fk(
                        "vetting_cases",
                        "template_version_id",
                        "template_versions",
                    )),
            )
            .to_owned(),
            created_updated(
                Table::create()
                    .table("reference_requests")
                    .col(pk_uuid("id"))
                    .col(uuid("case_id"))
                    .col(string("name"))
                    .col(string("email"))
                    .col(string("company"))
                    .col(string("relationship"))
                    .col(string("nominated_by"))
                    .col(string("status"))
                    // Invitations sent so far (resends included): the current link generation.
                    .col(integer("invitations_sent").default(0))
                    .col(integer("reminders_sent").default(0))
                    .col(timestamp_with_time_zone_null("invited_at"))
                    .col(timestamp_with_time_zone_null("opened_at"))
                    .col(timestamp_with_time_zone_null("responded_at"))
                    .col(text_null("decline_reason"))
                    .foreign_key(&mut fk("reference_requests", "case_id", "vetting_cases")),
            )
            .to_owned(),
            // Referee link tokens, stored only as SHA-256. A reference may have several live
            // tokens (each reminder carries a fresh one, since the plain token is never
            // stored); a resend revokes them all.
            Table::create()
                .table("reference_tokens")
                .col(pk_uuid("id"))
                .col(uuid("reference_id"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk(
                    "reference_tokens",
                    "reference_id",
                    "reference_requests",
                ))
                .to_owned(),
            Table::create()
                .table("nominations")
                .col(pk_uuid("id"))
                .col(uuid("case_id"))
                // Set when the nomination email is sent (the plain token only exists then).
                .col(string_null("token_hash").unique_key())
                .col(integer("requested_count"))
                .col(string("status"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .foreign_key(&mut fk("nominations", "case_id", "vetting_cases"))
                .to_owned(),
            created_updated(
                Table::create()
                    .table("responses")
                    .col(pk_uuid("id"))
                    // One response per reference, enforced here rather than in code, so
                    // two simultaneous submissions cannot both be stored.
                    .col(uuid_uniq("reference_id"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone_null("first_viewed_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(string_null("client_ip"))
                    .col(text_null("user_agent"))
                    .foreign_key(&mut fk("responses", "reference_id", "reference_requests")),
            )
            .to_owned(),
            Table::create()
                .table("answers")
                .col(pk_uuid("id"))
                .col(uuid("response_id"))
                .col(string("question_key"))
                .col(text("value"))
                .foreign_key(&mut fk("answers", "response_id", "responses"))
                .to_owned(),
            Table::create()
                .table("decisions")
                .col(pk_uuid("id"))
                .col(uuid_uniq("case_id"))
                .col(string("outcome"))
                .col(text("rationale"))
                .col(uuid("decided_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("decisions", "case_id", "vetting_cases"))
                .foreign_key(&mut fk("decisions", "decided_by", "users"))
                .to_owned(),
            Table::create()
                .table("audit_events")
                .col(pk_uuid("id"))
                .col(uuid_null("case_id"))
                .col(uuid_null("reference_id"))
                .col(string("actor"))
                .col(string("kind"))
                .col(json_binary("data"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
            created_updated(
                Table::create()
                    .table("jobs")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(json_binary("payload"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("run_at"))
                    .col(integer("attempts").default(0))
                    .col(integer("max_attempts"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(string_null("locked_by"))
                    .col(text_null("last_error"))
                    .col(string_null("dedupe_key").unique_key()),
            )
            .to_owned(),
            Table::create()
                .table("email_log")
                .col(pk_uuid("id"))
                .col(string_uniq("idempotency_key"))
                .col(uuid_null("case_id"))
                .col(uuid_null("reference_id"))
                .col(string("kind"))
                .col(string("recipient"))
                .col(text("subject"))
                .col(string_null("message_id"))
                .col(string("status"))
                .col(text_null("error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .to_owned(),
            Table::create()
                .table("idempotency_keys")
                .col(uuid("user_id"))
                .col(string("key"))
                .col(string("request_hash"))
                .col(integer_null("status_code"))
                .col(text_null("response_body"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("user_id").col("key"))
                .foreign_key(&mut fk("idempotency_keys", "user_id", "users"))
                .to_owned(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }

        let indexes = [
            index("template_versions", &["template_id", "version"], true),
            index("vetting_cases", &["status"], false),
            index("vetting_cases", &["provider_id"], false),
            index("reference_requests", &["case_id"], false),
            index("reference_tokens", &["reference_id"], false),
            index("answers", &["response_id", "question_key"], true),
            index("audit_events", &["case_id", "created_at"], false),
            index("jobs", &["status", "run_at"], false),
            index("api_tokens", &["user_id"], false),
        ];
        for stmt in indexes {
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_keys",
            "email_log",
            "jobs",
            "audit_events",
            "decisions",
            "answers",
            "responses",
            "nominations",
            "reference_tokens",
            "reference_requests",
            "vetting_cases",
            "providers",
            "template_versions",
            "templates",
            "profile_dimensions",
            "api_tokens",
            "users",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
