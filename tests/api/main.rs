//! End-to-end tests of the staff API: the real server on a random port, a fresh database
//! per test. Every scenario runs on SQLite and on PostgreSQL (see testkit).

mod helpers;

mod auth;
mod browser;
mod cases;
mod cli;
mod docs;
mod forms;
mod idempotency;
mod nominations;
mod profile_templates;
mod providers;
mod queue;
mod report;
mod ui;
mod validation;
mod workflow;
