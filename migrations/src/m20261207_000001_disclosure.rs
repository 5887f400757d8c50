//! Disclosure (issue 27): answers are seen once, together, and erasure moves nobody.
//!
//! - `vetting_cases.released_at`: when the case left `collecting` and its report was
//!   released. Existing cases that had collected and since closed are released at their
//!   `closed_at` (or `updated_at`).
//! - `reference_requests.organisation` is now written for every reference when it is
//!   created (it was written only just before an erasure). Existing rows get the key their
//!   address and company give today, by the rule of API.md "Evidence" as it stands at
//!   this migration, with the shipped list of public mailbox domains.

use std::collections::BTreeMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;
use sea_orm_migration::sea_orm::prelude::Uuid;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `scoring.public_mail_domains` as shipped when this migration was written. Frozen here:
/// a migration must give the same result whatever the code around it becomes.
const PUBLIC_MAIL_DOMAINS: [&str; 25] = [
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.de",
    "gmx.net",
    "gmx.com",
    "web.de",
    "mail.com",
    "yandex.ru",
    "yandex.com",
    "zoho.com",
    "fastmail.com",
    "hey.com",
];

/// The organisation key of API.md "Evidence" at the time of this migration: the address's
/// domain, lower-cased and without `www.`, unless it is a public mailbox provider (or there is none); then the
/// company, lower-cased, trimmed, inner whitespace collapsed.
fn organisation_key(email: &str, company: &str) -> String {
    let domain = email
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_lowercase())
        .map(|d| d.strip_prefix("www.").map(str::to_owned).unwrap_or(d))
        .filter(|d| !d.is_empty());
    match domain {
        Some(d) if !PUBLIC_MAIL_DOMAINS.contains(&d.as_str()) => d,
        _ => company
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("vetting_cases")
                    .add_column(timestamp_with_time_zone_null("released_at"))
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "UPDATE vetting_cases SET released_at = COALESCE(closed_at, updated_at) \
             WHERE launched_at IS NOT NULL AND status <> 'collecting'",
        )
        .await?;

        let backend = manager.get_database_backend();
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, email, company FROM reference_requests WHERE organisation IS NULL",
            ))
            .await?;
        let mut by_key: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let email: String = row.try_get("", "email")?;
            let company: String = row.try_get("", "company")?;
            by_key
                .entry(organisation_key(&email, &company))
                .or_default()
                .push(id);
        }
        for (key, ids) in by_key {
            // Bounded statements: PostgreSQL takes at most 65,535 parameters.
            for chunk in ids.chunks(1000) {
                let update = Query::update()
                    .table("reference_requests")
                    .value("organisation", key.clone())
                    .and_where(Expr::col("id").is_in(chunk.iter().copied()))
                    .to_owned();
                manager.exec_stmt(update).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("vetting_cases")
                    .drop_column("released_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::organisation_key;

    #[test]
    fn keys_follow_the_evidence_rule() {
        assert_eq!(
            organisation_key(" Pat@Client.Example ", "X"),
            "client.example"
        );
        assert_eq!(
            organisation_key("pat@gmail.com", "  Acme \t Widgets "),
            "acme widgets"
        );
        assert_eq!(organisation_key("", "Acme Ltd"), "acme ltd");
    }
}
