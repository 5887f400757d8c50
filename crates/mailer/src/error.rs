//! The mailer's error type, classified the way the delivery job needs it.
//!
//! `Permanent` means "this recipient will never get this message": the engine marks the
//! reference bounced and tells the case owner. `Transient` means "try again later". Only a
//! refusal that concerns the recipient or the message (a 5xx answer to `RCPT TO` or to the
//! message body, or an address that cannot be written at all) is permanent. A 5xx
//! anywhere else (greeting, `EHLO`, `AUTH`, `MAIL FROM`) is our configuration, not the
//! referee's address, so it is reported as transient: the job retries, then dead-letters
//! where an admin sees it, instead of bouncing every referee because of a wrong password.
//! `Render` and `Config` are bugs or misconfiguration; they are never a referee's fault.

use std::fmt;

/// Everything that can go wrong when rendering or sending a message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The server refused the recipient or the message for good; retrying will not help.
    #[error("{recipient} refused permanently at {stage}: {reply}")]
    Permanent {
        /// The envelope recipient concerned.
        recipient: String,
        /// Where in the exchange the refusal came.
        stage: Stage,
        /// The SMTP reply code (`None` when the address was refused before any network).
        code: Option<u16>,
        /// The server's reply text, or why the address is unusable.
        reply: String,
    },
    /// Delivery failed for a reason that may go away: a 4xx reply, a refused or dropped
    /// connection, a timeout, a TLS failure, a full disk, or a 5xx that is not about the
    /// recipient.
    #[error("delivery failed at {stage}: {detail}")]
    Transient {
        /// Where in the exchange it failed.
        stage: Stage,
        /// The SMTP reply code, when the server answered.
        code: Option<u16>,
        /// What happened, with the underlying cause.
        detail: String,
    },
    /// A template failed to render (syntax error, undefined variable, …) or the rendered
    /// message could not be built. Mail is never sent half-rendered.
    #[error("cannot render {template}: {detail}")]
    Render {
        /// The template (or email kind) concerned.
        template: String,
        /// The template engine's explanation, with the line when it has one.
        detail: String,
    },
    /// The `[mail]` settings are unusable; the message names the key to fix.
    #[error("mail configuration: {0}")]
    Config(String),
}

impl MailError {
    /// True when the recipient will never get this message (mark it bounced).
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Permanent { .. })
    }

    /// True when trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, MailError::Transient { .. })
    }

    /// The SMTP reply code behind the error, if a server answered.
    pub fn smtp_code(&self) -> Option<u16> {
        match self {
            MailError::Permanent { code, .. } | MailError::Transient { code, .. } => *code,
            MailError::Render { .. } | MailError::Config(_) => None,
        }
    }
}

/// Where a delivery failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Building the message, before any network (an unusable address).
    Compose,
    /// Resolving the host and opening the TCP connection.
    Connect,
    /// The TLS handshake (implicit TLS or after `STARTTLS`).
    Tls,
    /// Waiting for the server's `220` greeting and the `EHLO` exchange.
    Greeting,
    /// `AUTH`.
    Auth,
    /// `MAIL FROM`.
    MailFrom,
    /// `RCPT TO`.
    RcptTo,
    /// The `DATA` command and the transfer of the message, up to the server's final reply.
    Data,
    /// Writing the `.eml` file (file transport).
    FileWrite,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Compose => "compose",
            Stage::Connect => "connect",
            Stage::Tls => "TLS",
            Stage::Greeting => "greeting/EHLO",
            Stage::Auth => "AUTH",
            Stage::MailFrom => "MAIL FROM",
            Stage::RcptTo => "RCPT TO",
            Stage::Data => "DATA",
            Stage::FileWrite => "file write",
        })
    }
}
