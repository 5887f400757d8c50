//! How delivery failures are classified: permanent only when the recipient or the message is
//! refused for good, transient for everything that may pass.

use mailer::{Email, MailError, Mailer, Stage, Tls};
use secrecy::SecretString;
use smtp_sink::SmtpSink;
use tokio::net::TcpListener;

use crate::helpers::{PUBLIC_URL, invitation, invitation_to, smtp_mailer, smtp_settings};

#[tokio::test]
async fn a_4xx_answer_to_rcpt_to_is_transient_and_keeps_the_reply() {
    let sink = SmtpSink::start().await;
    sink.reject(
        "busy@client.example.org",
        451,
        "4.2.1 Mailbox busy, try later",
    );
    let mailer = smtp_mailer(&sink, 1);

    let error = mailer
        .send(&invitation_to("busy@client.example.org"))
        .await
        .expect_err("refused");

    assert!(error.is_transient() && !error.is_permanent(), "{error:?}");
    assert_eq!(error.smtp_code(), Some(451));
    match &error {
        MailError::Transient { stage, detail, .. } => {
            assert_eq!(*stage, Stage::RcptTo);
            assert_eq!(detail, "451 4.2.1 Mailbox busy, try later");
        }
        other => panic!("{other:?}"),
    }
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_5xx_answer_to_rcpt_to_is_permanent_and_names_the_recipient() {
    let sink = SmtpSink::start().await;
    sink.reject("gone@client.example.org", 550, "5.1.1 No such user here");
    let mailer = smtp_mailer(&sink, 1);

    let error = mailer
        .send(&invitation_to("gone@client.example.org"))
        .await
        .expect_err("refused");

    assert!(error.is_permanent(), "{error:?}");
    match &error {
        MailError::Permanent {
            recipient,
            stage,
            code,
            reply,
        } => {
            assert_eq!(recipient, "gone@client.example.org");
            assert_eq!(*stage, Stage::RcptTo);
            assert_eq!(*code, Some(550));
            assert_eq!(reply, "550 5.1.1 No such user here");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "gone@client.example.org refused permanently at RCPT TO: 550 5.1.1 No such user here"
    );
}

#[tokio::test]
async fn a_stopped_mail_server_is_a_transient_connect_failure() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    sink.stop().await;

    let error = mailer
        .send(&Email::from(invitation()))
        .await
        .expect_err("down");

    assert!(error.is_transient(), "{error:?}");
    assert!(matches!(
        error,
        MailError::Transient {
            stage: Stage::Connect,
            code: None,
            ..
        }
    ));
    assert!(error.to_string().contains("refused"), "{error}");
}

#[tokio::test]
async fn a_server_going_down_between_messages_is_transient_too() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    mailer
        .send(&Email::from(invitation()))
        .await
        .expect("first is sent");
    sink.stop().await;

    let error = mailer
        .send(&Email::from(invitation()))
        .await
        .expect_err("down");

    assert!(error.is_transient(), "{error:?}");
}

#[tokio::test]
async fn a_wrong_smtp_password_is_transient_not_a_bounce_of_the_referee() {
    let sink = SmtpSink::start().await;
    sink.require_auth("vouch", "right-password");
    let mut settings = smtp_settings(&sink, 1);
    settings.smtp.username = Some("vouch".to_owned());
    settings.smtp.allow_plaintext_auth = true;
    settings.smtp.password = Some(SecretString::from("wrong-password"));
    let mailer = Mailer::from_settings(&settings, PUBLIC_URL).expect("mailer");

    let error = mailer
        .send(&Email::from(invitation()))
        .await
        .expect_err("refused");

    assert!(!error.is_permanent(), "{error:?}");
    assert!(matches!(
        error,
        MailError::Transient {
            stage: Stage::Auth,
            code: Some(535),
            ..
        }
    ));

    settings.smtp.password = Some(SecretString::from("right-password"));
    let mailer = Mailer::from_settings(&settings, PUBLIC_URL).expect("mailer");
    mailer
        .send(&Email::from(invitation()))
        .await
        .expect("sent once authenticated");
}

#[tokio::test]
async fn a_server_that_accepts_but_never_answers_times_out_as_transient() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accept and hold connections without ever sending the greeting.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let sink = SmtpSink::start().await;
    let mut settings = smtp_settings(&sink, 1);
    settings.smtp.port = Some(port);
    settings.smtp.timeout_seconds = 1;
    let mailer = Mailer::from_settings(&settings, PUBLIC_URL).expect("mailer");

    let error = mailer
        .send(&Email::from(invitation()))
        .await
        .expect_err("silent");

    assert!(error.is_transient(), "{error:?}");
    assert!(matches!(
        error,
        MailError::Transient {
            stage: Stage::Greeting,
            ..
        }
    ));
    assert!(error.to_string().contains("no answer within 1s"), "{error}");
    silent.abort();
}

#[tokio::test]
async fn starttls_that_the_server_does_not_offer_is_a_transient_tls_failure() {
    let sink = SmtpSink::start().await;
    let mut settings = smtp_settings(&sink, 1);
    settings.smtp.tls = Tls::Starttls;
    let mailer = Mailer::from_settings(&settings, PUBLIC_URL).expect("mailer");

    let error = mailer
        .send(&Email::from(invitation()))
        .await
        .expect_err("no TLS");

    assert!(
        matches!(
            error,
            MailError::Transient {
                stage: Stage::Tls,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("does not offer STARTTLS"),
        "{error}"
    );
    assert!(
        sink.messages().is_empty(),
        "nothing may travel in plain text"
    );
}

#[tokio::test]
async fn implicit_tls_against_a_plain_text_server_is_a_transient_tls_failure() {
    let sink = SmtpSink::start().await;
    let mut settings = smtp_settings(&sink, 1);
    settings.smtp.tls = Tls::Tls;
    settings.smtp.timeout_seconds = 5;
    let mailer = Mailer::from_settings(&settings, PUBLIC_URL).expect("mailer");

    let error = mailer
        .send(&Email::from(invitation()))
        .await
        .expect_err("no TLS");

    assert!(
        matches!(
            error,
            MailError::Transient {
                stage: Stage::Tls,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn an_unusable_recipient_address_is_permanent_before_any_connection() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);

    let error = mailer
        .send(&invitation_to("not an address"))
        .await
        .expect_err("unusable");

    assert!(error.is_permanent(), "{error:?}");
    assert!(matches!(
        error,
        MailError::Permanent {
            stage: Stage::Compose,
            code: None,
            ..
        }
    ));
    assert_eq!(sink.connections_count(), 0);
}

#[tokio::test]
async fn a_refused_recipient_does_not_cost_the_pooled_connection() {
    let sink = SmtpSink::start().await;
    sink.reject("gone@client.example.org", 550, "5.1.1 No such user");
    let mailer = smtp_mailer(&sink, 1);

    mailer.send(&Email::from(invitation())).await.expect("sent");
    let bounce = mailer.send(&invitation_to("gone@client.example.org")).await;
    mailer.send(&Email::from(invitation())).await.expect("sent");

    assert!(bounce.expect_err("refused").is_permanent());
    assert_eq!(sink.wait_for(2).await.len(), 2);
    assert_eq!(
        sink.connections_count(),
        1,
        "RSET, not reconnect, after a refusal"
    );
}
