//! `check_smtp`, as `vouch doctor` uses it.

use mailer::{Stage, Tls, check_smtp};
use secrecy::SecretString;
use smtp_sink::SmtpSink;

use crate::helpers::smtp_settings;

#[tokio::test]
async fn check_smtp_walks_through_connect_greeting_and_auth_on_a_working_server() {
    let sink = SmtpSink::start().await;
    sink.require_auth("vouch", "s3cret");
    let mut settings = smtp_settings(&sink, 1).smtp;
    settings.username = Some("vouch".to_owned());
    settings.allow_plaintext_auth = true;
    settings.password = Some(SecretString::from("s3cret"));

    let report = check_smtp(&settings).await.expect("report");

    assert!(report.is_ok(), "{report}");
    let stages: Vec<Stage> = report.steps.iter().map(|s| s.stage).collect();
    assert_eq!(stages, [Stage::Connect, Stage::Greeting, Stage::Auth]);
    assert_eq!(
        report.steps[0].detail,
        format!("connected to 127.0.0.1:{}", sink.port())
    );
    assert_eq!(
        report.steps[1].detail,
        "server smtp-sink offers AUTH PLAIN, 8BITMIME, SMTPUTF8"
    );
    assert_eq!(report.steps[2].detail, "authenticated as vouch");
    assert!(report.warnings[0].contains("unencrypted"), "{report}");
    assert!(report.to_string().starts_with(&format!(
        "SMTP 127.0.0.1:{} (no TLS)\n  ok   connect: connected to",
        sink.port()
    )));
    assert!(sink.messages().is_empty(), "the check never sends mail");
}

#[tokio::test]
async fn check_smtp_names_the_failing_step_and_the_keys_to_check() {
    let sink = SmtpSink::start().await;
    sink.require_auth("vouch", "s3cret");
    let mut settings = smtp_settings(&sink, 1).smtp;
    settings.username = Some("vouch".to_owned());
    settings.allow_plaintext_auth = true;
    settings.password = Some(SecretString::from("wrong"));

    let wrong_password = check_smtp(&settings).await.expect("report");
    let failure = wrong_password.failure().expect("fails");
    assert_eq!(failure.stage, Stage::Auth);
    assert!(failure.detail.starts_with("535 5.7.8 Authentication credentials invalid; check mail.smtp.username and mail.smtp.password"), "{}", failure.detail);
    assert!(
        !wrong_password.to_string().contains("wrong"),
        "the password is never shown"
    );

    settings.tls = Tls::Starttls;
    let no_starttls = check_smtp(&settings).await.expect("report");
    let failure = no_starttls.failure().expect("fails");
    assert_eq!(failure.stage, Stage::Tls);
    assert!(
        failure.detail.contains("does not offer STARTTLS"),
        "{}",
        failure.detail
    );
    assert!(
        failure.detail.contains("mail.smtp.tls"),
        "{}",
        failure.detail
    );

    sink.stop().await;
    let down = check_smtp(&settings).await.expect("report");
    let failure = down.failure().expect("fails");
    assert_eq!(failure.stage, Stage::Connect);
    assert!(
        failure.detail.contains("mail.smtp.host and mail.smtp.port"),
        "{}",
        failure.detail
    );
    assert_eq!(down.steps.len(), 1);
}
