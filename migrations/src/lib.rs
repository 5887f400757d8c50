//! The schema of Vouch, as an ordered list of migrations. This crate is the one source of
//! truth for the database layout; it never imports the engine's entities, so an old
//! migration keeps meaning what it meant when it was written.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_schema;
mod m20261122_000001_add_sessions;
mod m20261127_000001_evidence;
mod m20261127_000002_referee_protection;
mod m20261128_000001_invitation_generation;
mod m20261128_000002_engagements;
mod m20261129_000001_dispatch_indexes;
mod m20261130_000001_webhooks;
mod m20261201_000001_login_devices;
mod m20261201_000001_privacy;
mod m20261201_000002_single_sign_on;
mod m20261201_000003_setup_tokens;
mod m20261201_000004_api_token_expiry;
mod m20261201_170000_locales;
mod m20261207_000001_disclosure;
mod m20261207_000001_template_keys;
mod m20261207_000002_response_insights;
mod m20261207_000002_scim;
mod m20261207_000002_seconds_to_complete;
mod m20261208_000001_partnership;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_schema::Migration),
            Box::new(m20261122_000001_add_sessions::Migration),
            Box::new(m20261127_000001_evidence::Migration),
            Box::new(m20261127_000002_referee_protection::Migration),
            Box::new(m20261128_000001_invitation_generation::Migration),
            Box::new(m20261128_000002_engagements::Migration),
            Box::new(m20261129_000001_dispatch_indexes::Migration),
            Box::new(m20261130_000001_webhooks::Migration),
            Box::new(m20261201_000001_privacy::Migration),
            Box::new(m20261201_170000_locales::Migration),
            Box::new(m20261201_000001_login_devices::Migration),
            Box::new(m20261201_000002_single_sign_on::Migration),
            Box::new(m20261201_000003_setup_tokens::Migration),
            Box::new(m20261201_000004_api_token_expiry::Migration),
            Box::new(m20261207_000001_disclosure::Migration),
            Box::new(m20261207_000001_template_keys::Migration),
            Box::new(m20261207_000002_seconds_to_complete::Migration),
            Box::new(m20261207_000002_scim::Migration),
            Box::new(m20261207_000002_response_insights::Migration),
            Box::new(m20261208_000001_partnership::Migration),
        ]
    }
}
