//! Command-line interface, as promised in API.md.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use engine::domain::Role;

#[derive(Debug, Parser)]
#[command(
    name = "vouch",
    version,
    about = "Reference checks for outsourced providers"
)]
pub struct Cli {
    /// Configuration file (TOML) layered over the built-in defaults.
    #[arg(long, global = true, env = "VOUCH_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the API, UI and forms and run job workers in-process.
    Serve,
    /// Run only the job workers (to scale out on PostgreSQL).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users and API tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check the configuration, the database and mail delivery, and say what is wrong.
    Doctor,
    /// Seed a realistic case with answers into the configured database and say where to look.
    Demo,
    /// Run the retention purge now (it also runs daily in the workers) and print what it
    /// erased, per data class and case.
    Retention {
        /// Change nothing; print what would be erased.
        #[arg(long)]
        dry_run: bool,
    },
}

// The variants are the subcommands' names (clap derives `create-user` from `CreateUser`),
// so they share the prefix the contract gives them.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a staff user.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read a password for the web UI from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create an API token for a user and print it, alone, on stdout.
    CreateToken {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Days the token works; without it, until revoked.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_days: Option<u32>,
    },
    /// Create a bearer token for the identity provider's SCIM client (`/scim/v2`) and
    /// print it, alone, on stdout.
    CreateScimToken {
        #[arg(long, default_value = "identity provider")]
        label: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a role (admin, ops or hr)"))
}
