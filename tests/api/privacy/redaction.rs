//! A mail server that refuses a referee quotes the address; the log lines (captured
//! through the binary's own redacting writer), the stored job error, the email log, the
//! audit trail and the owner's notice keep only `r***@domain`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use sea_orm::EntityTrait;
use store::entity::{audit_event, email_log, job};
use testkit::TestApp;

use super::rows_containing;
use crate::fixtures;
use crate::on_both_databases;

on_both_databases!(a_refused_address_is_shortened_in_logs_and_stored_errors);

/// A log sink the test can read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn a_refused_address_is_shortened_in_logs_and_stored_errors(app: TestApp) {
    let case = fixtures::case_with_referees(&app, 2, None).await;
    let refused = case.email(0);
    let (local, domain) = refused.split_once('@').unwrap();
    let shortened = format!("{}***@{domain}", &local[..1]);
    app.smtp.reject(
        &refused,
        550,
        &format!("5.1.1 <{refused}>: no such user here"),
    );

    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || app::RedactingWriter(sink.clone()))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    case.launch(&app).await;
    app.engine.run_until_idle().await.unwrap();
    tracing::warn!(to = %refused, "a line that names the address outright");
    drop(_guard);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains(&shortened),
        "the refusal is logged, shortened:\n{log}"
    );
    assert!(!log.contains(&refused), "the log names the address:\n{log}");

    // Stored: the email log's error, the bounce in the audit trail, the owner's notice job.
    let errors: Vec<String> = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.error)
        .collect();
    assert!(errors.iter().any(|e| e.contains(&shortened)), "{errors:?}");
    let bounce = audit_event::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.data["to"] == "bounced")
        .expect("a bounce on the trail");
    assert!(bounce.data["reason"].as_str().unwrap().contains(&shortened));
    let jobs = job::Entity::find().all(app.engine.db()).await.unwrap();
    assert!(
        jobs.iter().any(|j| j
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains(&shortened))),
        "the failed invitation's job error: {jobs:?}"
    );
    // The address itself is only where it belongs: the reference (and its email's
    // recipient column).
    let tables: Vec<String> = rows_containing(&app, &refused)
        .await
        .into_iter()
        .map(|row| row.split(':').next().unwrap().to_owned())
        .collect();
    assert!(
        tables
            .iter()
            .all(|t| t == "reference_requests" || t == "email_log"),
        "{tables:?}"
    );
}
