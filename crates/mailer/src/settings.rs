//! The `[mail]` config section, received by value from the binary. Mirrors the config keys
//! one to one (`mail.transport`, `mail.dir`, `mail.from`, `mail.templates_dir`,
//! `mail.smtp.*`); every field has a default so an empty section is valid and means "write
//! mail to files".
//!
//! This module only describes settings; checking them (addresses, ports, the template
//! directory) happens in `Mailer::from_settings` so that the error names the key to fix.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

/// `[mail]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// `mail.transport`: `file` (default: no mail server needed) or `smtp`.
    pub transport: TransportKind,
    /// `mail.dir`: where the file transport writes one `.eml` file per message.
    pub dir: PathBuf,
    /// `mail.from`: the sender, `Name <address>` or a bare address. Its domain is also the
    /// right-hand side of every Message-ID.
    pub from: String,
    /// `mail.templates_dir`: files here replace the embedded templates of the same name.
    pub templates_dir: Option<PathBuf>,
    /// `[mail.smtp]`, used when `transport = "smtp"`.
    pub smtp: SmtpSettings,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: TransportKind::File,
            dir: PathBuf::from("mail"),
            from: "Vouch <vouch@localhost>".to_owned(),
            templates_dir: None,
            smtp: SmtpSettings::default(),
        }
    }
}

/// `mail.transport`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// Write each message to `mail.dir` as an `.eml` file.
    #[default]
    File,
    /// Deliver over SMTP with `mail.smtp.*`.
    Smtp,
}

/// `[mail.smtp]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpSettings {
    /// `mail.smtp.host`.
    pub host: String,
    /// `mail.smtp.port`; when unset, 465 for `tls`, 587 for `starttls`, 25 for `none`.
    pub port: Option<u16>,
    /// `mail.smtp.tls`: `none`, `starttls` (default) or `tls` (implicit TLS, "SMTPS").
    pub tls: Tls,
    /// `mail.smtp.username`; authentication is attempted only when it is set.
    pub username: Option<String>,
    /// `mail.smtp.password`. A `SecretString`, so `Debug` and logs never show it.
    pub password: Option<SecretString>,
    /// `mail.smtp.pool_size`: how many SMTP connections may be open at once (and kept
    /// open between messages). At least 1. Unset, `vouch` sizes it to the jobs its workers
    /// run at once (`workflow.workers × workflow.concurrency`), so no job waits for a
    /// connection; the mailer alone uses [`SmtpSettings::DEFAULT_POOL_SIZE`].
    pub pool_size: Option<u32>,
    /// `mail.smtp.timeout_seconds`: limit for connecting and for each SMTP command,
    /// including the transfer of the message itself. At least 1.
    pub timeout_seconds: u64,
    /// `mail.smtp.allow_plaintext_auth`: send the username and password even when
    /// `tls = "none"`, where anyone on the path can read them. Off by default: such
    /// settings are refused at start.
    pub allow_plaintext_auth: bool,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "localhost".to_owned(),
            port: None,
            tls: Tls::Starttls,
            username: None,
            password: None,
            pool_size: None,
            timeout_seconds: 30,
            allow_plaintext_auth: false,
        }
    }
}

impl SmtpSettings {
    pub const DEFAULT_POOL_SIZE: u32 = 4;

    /// The configured port, or the customary one for the TLS mode.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            Tls::None => 25,
            Tls::Starttls => 587,
            Tls::Tls => 465,
        })
    }
}

/// `mail.smtp.tls`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// Plain text. Only for a relay on the same host or a trusted network.
    None,
    /// Plain connection upgraded with `STARTTLS`; refusing to go on if the server does not
    /// offer it (never silently falling back to plain text).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[cfg(test)]
mod tests {
    use serde::de::value::{Error, MapDeserializer};

    use super::*;

    /// Deserializes string-valued keys through serde's value model, so these tests need no
    /// format crate; the binary's config loader feeds the same `Deserialize` impl.
    fn from_pairs(pairs: &[(&'static str, &'static str)]) -> MailSettings {
        let pairs = pairs.iter().copied();
        MailSettings::deserialize(MapDeserializer::<_, Error>::new(pairs)).expect("settings")
    }

    #[test]
    fn an_empty_section_means_the_file_transport_with_defaults() {
        let settings = from_pairs(&[]);
        assert_eq!(settings.transport, TransportKind::File);
        assert_eq!(settings.smtp.tls, Tls::Starttls);
        assert_eq!(settings.smtp.effective_port(), 587);
        assert_eq!(settings.smtp.pool_size, None);
    }

    #[test]
    fn transport_names_are_lowercase_and_unknown_keys_are_refused() {
        let settings = from_pairs(&[("transport", "smtp"), ("from", "a@b.example")]);
        assert_eq!(settings.transport, TransportKind::Smtp);
        let misspelt = MailSettings::deserialize(MapDeserializer::<_, Error>::new(
            [("tranport", "smtp")].into_iter(),
        ));
        assert!(misspelt.is_err());
    }

    #[test]
    fn the_port_defaults_to_the_customary_one_for_the_tls_mode() {
        let port = |tls| {
            SmtpSettings {
                tls,
                ..SmtpSettings::default()
            }
            .effective_port()
        };
        assert_eq!(
            (port(Tls::None), port(Tls::Starttls), port(Tls::Tls)),
            (25, 587, 465)
        );
    }

    #[test]
    fn the_password_never_appears_in_debug_output() {
        let settings = SmtpSettings {
            password: Some(SecretString::from("hunter2-very-secret")),
            ..SmtpSettings::default()
        };
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
    }
}
