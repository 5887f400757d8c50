//! The mail server down for an hour while invitations go out, in three ways: refusing
//! connections (stopped), greeting and then never answering, and never answering a
//! message's data. Each time the invitations back off and retry, nothing goes dead within
//! the hour, readiness stays 200 (mail is not readiness), the failures show in the jobs API
//! and the email log, and once the server is back every referee gets exactly one
//! invitation. On PostgreSQL, with the test clock: the hour passes in jumps from one due
//! retry to the next.

use chrono::{DateTime, Duration, Utc};
use engine::domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use smtp_sink::Stall;
use store::entity::{email_log, job};
use testkit::{Backend, TestApp, TestConfig};

use super::tally;
use crate::fixtures;

/// Few, since each attempt against a silent server waits out the mailer's timeout, and
/// after the first attempt the retries' jitter makes them due one at a time.
const REFEREES: usize = 2;

#[derive(Clone, Copy, Debug)]
enum Outage {
    /// The server is stopped: connecting is refused.
    Refused,
    /// The server hangs as `Stall` says.
    Hangs(Stall),
}

#[tokio::test]
async fn invitations_survive_an_hour_of_refused_smtp_connections() {
    smtp_outage(Outage::Refused).await;
}

#[tokio::test]
async fn invitations_survive_an_hour_of_an_smtp_server_silent_after_its_greeting() {
    smtp_outage(Outage::Hangs(Stall::AfterGreeting)).await;
}

#[tokio::test]
async fn invitations_survive_an_hour_of_an_smtp_server_silent_after_the_data() {
    smtp_outage(Outage::Hangs(Stall::AfterData)).await;
}

/// Runs every job that is due now. The worker runs up to `workflow.concurrency` jobs at
/// once, so deliveries that hang wait out the mailer's timeout side by side, not one
/// after another.
async fn run_due(app: &TestApp) {
    app.engine.run_until_idle().await.expect("run due jobs");
}

/// When the next queued job is due.
async fn next_due(app: &TestApp) -> Option<DateTime<Utc>> {
    job::Entity::find()
        .filter(job::Column::Status.eq("queued"))
        .order_by_asc(job::Column::RunAt)
        .one(app.engine.db())
        .await
        .expect("read jobs")
        .map(|j| j.run_at)
}

/// Moves the clock from one due job to the next, running them, up to `until`.
async fn run_jobs_until(app: &TestApp, until: DateTime<Utc>) {
    run_due(app).await;
    // Bounded: a job retried more often than this within the span is a failure below.
    for _ in 0..100 {
        match next_due(app).await {
            Some(at) if at <= until => {
                if at > app.engine.now() {
                    app.clock.set(at);
                }
                run_due(app).await;
            }
            _ => break,
        }
    }
    app.clock.set(until);
    run_due(app).await;
}

async fn invitation_jobs(app: &TestApp) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::Kind.eq("send_invitation"))
        .all(app.engine.db())
        .await
        .expect("read jobs")
}

async fn jobs_api(app: &TestApp, admin: &str, status: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/jobs?status={status}&limit=100"), admin)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    page["items"].as_array().expect("items").clone()
}

async fn smtp_outage(outage: Outage) {
    let config = TestConfig {
        // How long the mailer waits on a silent server, for each attempt. Low so that an
        // hour of retries against it takes seconds; still far above what the sink needs.
        smtp_timeout_seconds: 2,
        ..TestConfig::default()
    };
    let Some(app) = TestApp::spawn_with(Backend::Postgres, config).await else {
        return;
    };
    let admin = app.token_for(Role::Admin).await;
    let s = fixtures::case_with_referees(&app, REFEREES, Some(1)).await;
    let referees: Vec<String> = (0..REFEREES).map(|i| s.email(i)).collect();
    match outage {
        Outage::Refused => app.smtp.stop().await,
        Outage::Hangs(how) => app.smtp.stall(how),
    }
    let started = app.engine.now();
    s.launch(&app).await;

    // An hour of the outage.
    run_jobs_until(&app, started + Duration::hours(1)).await;

    assert!(
        jobs_api(&app, &admin, "dead").await.is_empty(),
        "{outage:?}: nothing is dead within the first hour"
    );
    let invitations = invitation_jobs(&app).await;
    assert_eq!(invitations.len(), REFEREES);
    let expected_error = match outage {
        Outage::Refused => "refused",
        Outage::Hangs(_) => "no answer within",
    };
    for invitation in &invitations {
        assert_eq!(invitation.status, "queued", "{outage:?}: {invitation:?}");
        assert!(
            invitation.attempts >= 2,
            "{outage:?}: retried during the hour: {invitation:?}"
        );
        assert!(
            invitation.attempts < invitation.max_attempts,
            "{outage:?}: attempts left after the hour: {invitation:?}"
        );
    }
    // What an admin sees: the invitations waiting for another try, with the reason.
    let queued: Vec<Value> = jobs_api(&app, &admin, "queued")
        .await
        .into_iter()
        .filter(|j| j["kind"] == "send_invitation")
        .collect();
    assert_eq!(queued.len(), REFEREES, "{queued:?}");
    for job in &queued {
        let error = job["last_error"].as_str().unwrap_or_default();
        assert!(
            error.contains(expected_error),
            "{outage:?}: the jobs API says why: {job}"
        );
    }
    // The email log: one row per invitation, `retrying`, with the mail server's error.
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .expect("email log");
    assert_eq!(logs.len(), REFEREES, "one log row per invitation: {logs:?}");
    for log in &logs {
        assert_eq!(log.status, "retrying", "{outage:?}: {log:?}");
        assert!(
            log.error
                .as_deref()
                .unwrap_or_default()
                .contains(expected_error),
            "{outage:?}: {log:?}"
        );
    }
    let ready = app.fetch("/readyz").await;
    assert_eq!(ready.status(), 200, "{outage:?}: mail is not readiness");
    assert!(app.smtp.messages().is_empty(), "{:?}", app.smtp.messages());

    // The server is back: the next retries deliver, once each.
    match outage {
        Outage::Refused => app.smtp.restart().await,
        Outage::Hangs(_) => app.smtp.unstall(),
    }
    let back = app.engine.now();
    run_jobs_until(&app, back + Duration::hours(4)).await;

    let invitations = invitation_jobs(&app).await;
    assert!(
        invitations.iter().all(|j| j.status == "done"),
        "{outage:?}: {invitations:?}"
    );
    let tally = tally(&app.smtp.messages(), &referees);
    assert!(tally.missing.is_empty(), "{outage:?}: {:?}", tally.missing);
    assert_eq!(
        tally.duplicates, 0,
        "{outage:?}: exactly one invitation per referee"
    );
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .expect("email log");
    assert!(
        logs.len() == REFEREES && logs.iter().all(|l| l.status == "sent"),
        "{outage:?}: {logs:?}"
    );
    let case: Value = app
        .get(&format!("/api/v1/cases/{}", s.id), &s.ops)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    for reference in case["references"].as_array().expect("references") {
        assert_eq!(reference["status"], "invited", "{outage:?}: {reference}");
    }
    assert!(jobs_api(&app, &admin, "dead").await.is_empty());
}
