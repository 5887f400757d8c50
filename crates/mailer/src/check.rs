//! `check_smtp`, for `vouch doctor`: connect, greet, secure and authenticate exactly as
//! delivery would, and say how far it got and what to change when it stops. It never sends a
//! message.

use std::fmt;

use lettre::transport::smtp::commands::Quit;

use crate::error::{MailError, Stage};
use crate::settings::{SmtpSettings, Tls};
use crate::transport::smtp::Endpoint;

/// What `check_smtp` found, step by step. Its `Display` is the doctor's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpReport {
    /// `host:port (tls mode)`.
    pub server: String,
    /// The steps tried, in order; the last one failed if the check failed.
    pub steps: Vec<CheckStep>,
    /// Things that work but should not be left that way.
    pub warnings: Vec<String>,
}

/// One step of the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckStep {
    /// Which step.
    pub stage: Stage,
    /// Whether it succeeded.
    pub passed: bool,
    /// What was seen; for a failure, the server's answer or the error, then what to check.
    pub detail: String,
}

impl SmtpReport {
    /// True when every step passed: mail can be handed to this server.
    pub fn is_ok(&self) -> bool {
        self.steps.iter().all(|step| step.passed)
    }

    /// The step that failed, if one did.
    pub fn failure(&self) -> Option<&CheckStep> {
        self.steps.iter().find(|step| !step.passed)
    }
}

impl fmt::Display for SmtpReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "SMTP {}", self.server)?;
        for step in &self.steps {
            let mark = if step.passed { "ok  " } else { "FAIL" };
            writeln!(f, "  {mark} {}: {}", step.stage, step.detail)?;
        }
        for warning in &self.warnings {
            writeln!(f, "  warn {warning}")?;
        }
        Ok(())
    }
}

/// Connects to the configured server, reads the greeting, sends `EHLO`, negotiates TLS and
/// authenticates as configured, then says `QUIT`.
///
/// `Err` only for settings that cannot even be tried ([`MailError::Config`]); a server
/// that cannot be reached or refuses us is a report whose [`SmtpReport::failure`] says so.
#[tracing::instrument(skip_all, fields(host = %settings.host), ret, err)]
pub async fn check_smtp(settings: &SmtpSettings) -> Result<SmtpReport, MailError> {
    let endpoint = Endpoint::from_settings(settings)?;
    let tls = match endpoint.tls {
        Tls::None => "no TLS",
        Tls::Starttls => "STARTTLS",
        Tls::Tls => "implicit TLS",
    };
    let mut report = SmtpReport {
        server: format!("{}:{} ({tls})", endpoint.host, endpoint.port),
        steps: Vec::new(),
        warnings: Vec::new(),
    };
    if endpoint.tls == Tls::None && endpoint.username.is_some() {
        report.warnings.push(
            "mail.smtp.tls = \"none\" with a username: the password crosses the network \
             unencrypted"
                .to_owned(),
        );
    }

    let mut passed = Vec::new();
    let opened = endpoint
        .open(|stage, detail| {
            passed.push(CheckStep {
                stage,
                passed: true,
                detail,
            });
        })
        .await;
    report.steps = passed;
    match opened {
        Ok(mut conn) => {
            let _ = endpoint
                .step(Stage::Greeting, false, conn.command(Quit))
                .await;
            if endpoint.username.is_none() {
                report.warnings.push(
                    "no mail.smtp.username: sending without authentication, which only a \
                     relay that trusts this host accepts"
                        .to_owned(),
                );
            }
        }
        Err(failure) => report.steps.push(CheckStep {
            stage: failure.stage,
            passed: false,
            detail: format!("{}; {}", failure.detail, hint(failure.stage, endpoint.tls)),
        }),
    }
    Ok(report)
}

fn hint(stage: Stage, tls: Tls) -> &'static str {
    match (stage, tls) {
        (Stage::Connect, _) => {
            "check mail.smtp.host and mail.smtp.port, and that the server is up and reachable \
             from here"
        }
        (Stage::Tls, Tls::Starttls) => {
            "check mail.smtp.tls: \"starttls\" needs a server that offers STARTTLS (usually \
             port 587) with a certificate valid for mail.smtp.host; use \"tls\" for port 465"
        }
        (Stage::Tls, _) => {
            "check mail.smtp.tls: \"tls\" is for implicit TLS (usually port 465) and needs a \
             certificate valid for mail.smtp.host; use \"starttls\" for port 587"
        }
        (Stage::Greeting, _) => {
            "the server did not greet us or answer EHLO properly; is mail.smtp.port an SMTP \
             port, and does mail.smtp.tls match it?"
        }
        (Stage::Auth, _) => "check mail.smtp.username and mail.smtp.password",
        _ => "see the server's answer",
    }
}
