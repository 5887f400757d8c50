//! End-to-end tests of Vouch: the real server on a random port, a fresh database per
//! test. They cover the staff API, the public referee and provider forms, the staff web
//! UI, the CLI, the job queue, the docs, the metrics and the browser test. The scenarios declared with
//! `on_both_databases!`/`on_both_backends!` (helpers.rs) run on SQLite and on PostgreSQL
//! (see testkit); the docs, CLI and browser tests run on SQLite.
//!
//! `fixtures` holds the shared "case with referees" setup; `ui`, `forms`, `workflow` and
//! `engagements` (after the decision) are directories split by flow. `resilience` stops
//! the database and mail servers under a running Vouch and kills its job processes
//! (PostgreSQL only).

mod fixtures;
mod helpers;

mod auth;
mod browser;
mod cases;
mod cli;
mod docs;
mod engagements;
mod evidence;
mod favicon;
mod forms;
mod idempotency;
mod insights;
mod metrics;
mod minutes;
mod privacy;
mod profile_templates;
mod protection;
mod providers;
mod queue;
mod report;
mod resilience;
mod scim;
mod signin;
mod ui;
mod validation;
mod webhooks;
mod workflow;
