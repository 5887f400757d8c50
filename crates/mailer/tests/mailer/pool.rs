//! The SMTP connection pool: few connections carry many messages, never more than
//! `pool_size` at once, and a connection the server closed is replaced quietly.

use std::collections::BTreeSet;

use mailer::{Email, MailError};
use smtp_sink::SmtpSink;
use tokio::task::JoinSet;

use crate::helpers::{invitation, smtp_mailer};

#[tokio::test]
async fn messages_sent_one_after_another_reuse_a_single_connection() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);

    for _ in 0..20 {
        mailer.send(&Email::from(invitation())).await.expect("sent");
    }

    let received = sink.wait_for(20).await;
    assert_eq!(sink.connections_count(), 1);
    assert!(received.iter().all(|m| m.connection_id == 1));
}

#[tokio::test]
async fn concurrent_messages_never_open_more_connections_than_the_pool_size() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 3);

    let mut sends = JoinSet::new();
    for _ in 0..60 {
        let mailer = mailer.clone();
        sends.spawn(async move { mailer.send(&Email::from(invitation())).await });
    }
    let mut ids = BTreeSet::new();
    while let Some(sent) = sends.join_next().await {
        ids.insert(sent.expect("task").expect("sent").message_id);
    }

    assert_eq!(ids.len(), 60, "60 distinct Message-IDs");
    assert_eq!(sink.wait_for(60).await.len(), 60);
    assert!(
        (1..=3).contains(&sink.connections_count()),
        "{} connections for a pool of 3",
        sink.connections_count()
    );
}

#[tokio::test]
async fn a_pooled_connection_the_server_closed_is_replaced_without_an_error() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 1);
    mailer.send(&Email::from(invitation())).await.expect("sent");
    sink.drop_connections().await;

    mailer
        .send(&Email::from(invitation()))
        .await
        .expect("sent on a fresh connection");

    let received = sink.wait_for(2).await;
    assert_eq!(sink.connections_count(), 2);
    assert_eq!(received[1].connection_id, 2);
}

#[tokio::test]
async fn after_shutdown_the_mailer_says_goodbye_and_refuses_to_send() {
    let sink = SmtpSink::start().await;
    let mailer = smtp_mailer(&sink, 2);
    mailer.send(&Email::from(invitation())).await.expect("sent");

    mailer.shutdown().await;
    let error = mailer
        .send(&Email::from(invitation()))
        .await
        .expect_err("closed");

    assert!(matches!(error, MailError::Transient { .. }), "{error:?}");
    assert_eq!(sink.messages().len(), 1);
}
