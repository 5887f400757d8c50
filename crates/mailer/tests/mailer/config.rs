//! Settings that cannot work are refused when the mailer is built, naming the key to fix.

use mailer::{MailError, MailSettings, Mailer, SmtpSettings, TransportKind};
use secrecy::SecretString;

use crate::helpers::PUBLIC_URL;

fn refusal(settings: &MailSettings, public_url: &str) -> String {
    match Mailer::from_settings(settings, public_url) {
        Err(MailError::Config(message)) => message,
        other => panic!("expected a config error, got {other:?}"),
    }
}

fn smtp(smtp: SmtpSettings) -> MailSettings {
    MailSettings {
        transport: TransportKind::Smtp,
        smtp,
        ..MailSettings::default()
    }
}

#[test]
fn settings_that_cannot_work_are_refused_naming_the_key_to_fix() {
    let bad_from = MailSettings {
        transport: TransportKind::Smtp,
        from: "Vouch <not an address>".to_owned(),
        ..MailSettings::default()
    };
    assert!(refusal(&bad_from, PUBLIC_URL).contains("mail.from"));
    assert!(
        refusal(&smtp(SmtpSettings::default()), "vouch.example.com").contains("server.public_url")
    );

    let no_pool = smtp(SmtpSettings {
        pool_size: Some(0),
        ..SmtpSettings::default()
    });
    assert!(refusal(&no_pool, PUBLIC_URL).contains("mail.smtp.pool_size"));

    let no_timeout = smtp(SmtpSettings {
        timeout_seconds: 0,
        ..SmtpSettings::default()
    });
    assert!(refusal(&no_timeout, PUBLIC_URL).contains("mail.smtp.timeout_seconds"));

    let user_without_password = smtp(SmtpSettings {
        username: Some("vouch".to_owned()),
        ..SmtpSettings::default()
    });
    assert!(refusal(&user_without_password, PUBLIC_URL).contains("mail.smtp.password"));

    let password_without_user = smtp(SmtpSettings {
        password: Some(SecretString::from("secret")),
        ..SmtpSettings::default()
    });
    assert!(refusal(&password_without_user, PUBLIC_URL).contains("mail.smtp.username"));

    let no_host = smtp(SmtpSettings {
        host: " ".to_owned(),
        ..SmtpSettings::default()
    });
    assert!(refusal(&no_host, PUBLIC_URL).contains("mail.smtp.host"));
}

#[test]
fn smtp_credentials_over_plain_text_are_refused_unless_allowed() {
    let plain = |allow| {
        smtp(SmtpSettings {
            tls: mailer::Tls::None,
            username: Some("vouch".to_owned()),
            password: Some(SecretString::from("secret")),
            allow_plaintext_auth: allow,
            ..SmtpSettings::default()
        })
    };
    assert!(refusal(&plain(false), PUBLIC_URL).contains("mail.smtp.allow_plaintext_auth"));
    assert!(Mailer::from_settings(&plain(true), PUBLIC_URL).is_ok());
    // Without credentials, plain text is still allowed (a local relay).
    let anonymous = smtp(SmtpSettings {
        tls: mailer::Tls::None,
        ..SmtpSettings::default()
    });
    assert!(Mailer::from_settings(&anonymous, PUBLIC_URL).is_ok());
}

#[test]
fn the_smtp_password_never_appears_in_the_mailers_debug_output() {
    let settings = smtp(SmtpSettings {
        username: Some("vouch".to_owned()),
        password: Some(SecretString::from("hunter2-secret")),
        ..SmtpSettings::default()
    });
    let mailer = Mailer::from_settings(&settings, PUBLIC_URL).expect("mailer");

    let debug = format!("{mailer:?} {settings:?}");

    assert!(!debug.contains("hunter2"), "{debug}");
}
