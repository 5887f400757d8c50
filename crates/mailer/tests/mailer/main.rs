//! The mailer against a real SMTP server (the `smtp-sink` crate on loopback), real files and
//! an independent MIME parser. One test binary, one module per concern. Nothing sleeps:
//! tests wait on the sink's delivery notifications or on the send itself.

mod config;
mod delivery;
mod doctor;
mod failures;
mod file_transport;
mod helpers;
mod mime;
mod pool;
mod templates;
