//! The pulses that start by themselves, on the test clock: `followup.pulse_days` = [90,
//! 365] after the decision, each once; as rows of the job queue, so that they survive a
//! restart; not after the engagement ended; skipped, and audited, without stakeholders or
//! while a pulse collects; and a pulse's deadline completes it with whoever answered.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use engine::domain::JobStatus;
use engine::{Engine, WorkflowSettings};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use store::entity::job;
use testkit::TestApp;

use super::{
    Approved, Levels, add_stakeholder, approve, audit_events, dimension, emails_to, engagement,
    stakeholder_answers, stakeholder_reference, start_pulse, uniform,
};
use crate::on_both_databases;

on_both_databases!(
    the_scheduled_pulses_start_by_themselves_once_each,
    scheduled_pulses_are_queued_jobs_that_a_restarted_engine_runs,
    an_engagement_ended_before_day_90_gets_no_pulse,
    a_scheduled_pulse_is_skipped_and_audited_without_stakeholders_or_while_one_collects,
    a_pulse_completes_at_its_deadline_with_whoever_answered,
);

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {v}"))
        .parse()
        .unwrap()
}

async fn start_pulse_jobs(app: &TestApp) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::Kind.eq("start_pulse"))
        .order_by_asc(job::Column::RunAt)
        .all(app.engine.db())
        .await
        .unwrap()
}

async fn pulses(app: &TestApp, a: &Approved) -> Vec<Value> {
    engagement(app, a.ops(), a.engagement_id).await["pulses"]
        .as_array()
        .unwrap()
        .clone()
}

/// How many pulse invitations (not reminders) `email` was sent.
fn invitations(app: &TestApp, email: &str) -> usize {
    emails_to(app, email)
        .iter()
        .filter(|(subject, _)| subject == "How is it going with Ledger & Co?")
        .count()
}

fn statuses(pulses: &[Value]) -> Vec<&str> {
    pulses
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect()
}

async fn the_scheduled_pulses_start_by_themselves_once_each(app: TestApp) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let decided = app.engine.now();
    let email = add_stakeholder(&app, a.ops(), a.engagement_id, 1).await;

    app.clock.advance(Duration::days(89));
    app.engine.run_until_idle().await.unwrap();
    assert!(pulses(&app, &a).await.is_empty(), "not before day 90");
    assert!(app.links_sent_to(&email).is_empty());

    app.clock.advance(Duration::days(1));
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let p = e["pulses"].as_array().unwrap();
    assert_eq!(statuses(p), ["collecting"], "day 90");
    assert_eq!(time(&p[0]["started_at"]), decided + Duration::days(90));
    assert_eq!(p[0]["invited"], 1);
    assert_eq!(
        app.links_sent_to(&email).len(),
        1,
        "the stakeholder is asked"
    );
    assert_eq!(time(&e["next_pulse_at"]), decided + Duration::days(365));
    let started = audit_events(&app, "pulse.started").await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].actor, "system");

    // Running the queue again starts nothing more.
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(pulses(&app, &a).await.len(), 1);
    assert_eq!(app.links_sent_to(&email).len(), 1);

    // Day 104: the first ends at its deadline (followup.pulse_deadline_days = 14) with
    // nobody answering.
    app.clock.advance(Duration::days(14));
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    assert_eq!(statuses(e["pulses"].as_array().unwrap()), ["complete"]);
    assert_eq!(time(&e["next_pulse_at"]), decided + Duration::days(365));

    // Day 365: the second starts.
    app.clock.advance(Duration::days(365 - 104));
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let p = e["pulses"].as_array().unwrap();
    assert_eq!(statuses(p), ["complete", "collecting"]);
    assert_eq!(p[0]["responses"], 0);
    assert_eq!(time(&p[1]["started_at"]), decided + Duration::days(365));
    assert!(e["next_pulse_at"].is_null(), "no third one");
    assert_eq!(invitations(&app, &email), 2);
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(pulses(&app, &a).await.len(), 2);

    // Nothing after the last of pulse_days.
    app.clock.advance(Duration::days(400));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(statuses(&pulses(&app, &a).await), ["complete", "complete"]);
    assert_eq!(audit_events(&app, "pulse.started").await.len(), 2);
    assert!(audit_events(&app, "pulse.skipped").await.is_empty());
    let jobs = start_pulse_jobs(&app).await;
    assert_eq!(jobs.len(), 2);
    assert!(jobs.iter().all(|j| j.status == JobStatus::Done), "{jobs:?}");
}

async fn scheduled_pulses_are_queued_jobs_that_a_restarted_engine_runs(app: TestApp) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let decided = app.engine.now();
    let email = add_stakeholder(&app, a.ops(), a.engagement_id, 1).await;

    // The schedule is two rows of `jobs`, written with the decision.
    let jobs = start_pulse_jobs(&app).await;
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    for (j, day) in jobs.iter().zip([90, 365]) {
        assert_eq!(j.status, JobStatus::Queued);
        assert_eq!(j.run_at, decided + Duration::days(day));
        assert_eq!(
            j.payload,
            json!({"kind": "start_pulse", "engagement_id": a.engagement_id, "day": day})
        );
    }

    // A new engine on the same database, as after a restart: it knows only what the
    // tables hold. The first engine never runs a job again.
    let restarted = Engine::new(
        app.engine.db().clone(),
        WorkflowSettings::default(),
        Arc::new(app.clock.clone()),
        Arc::new(app.mailer.clone()),
    );
    app.clock.advance(Duration::days(90));
    restarted.run_until_idle().await.unwrap();
    assert_eq!(statuses(&pulses(&app, &a).await), ["collecting"]);
    assert_eq!(app.links_sent_to(&email).len(), 1);
    restarted.run_until_idle().await.unwrap();
    assert_eq!(pulses(&app, &a).await.len(), 1, "once");

    // And another restart later still has the day-365 pulse.
    let again = Engine::new(
        app.engine.db().clone(),
        WorkflowSettings::default(),
        Arc::new(app.clock.clone()),
        Arc::new(app.mailer.clone()),
    );
    app.clock.advance(Duration::days(14));
    again.run_until_idle().await.unwrap();
    app.clock.advance(Duration::days(365 - 104));
    again.run_until_idle().await.unwrap();
    assert_eq!(
        statuses(&pulses(&app, &a).await),
        ["complete", "collecting"]
    );
    assert_eq!(invitations(&app, &email), 2);
}

async fn an_engagement_ended_before_day_90_gets_no_pulse(app: TestApp) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let email = add_stakeholder(&app, a.ops(), a.engagement_id, 1).await;
    app.clock.advance(Duration::days(30));
    let res = app
        .post(&a.path("/end"), a.ops())
        .json(&json!({"reason": "Went with another provider"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    app.clock.advance(Duration::days(60));
    app.engine.run_until_idle().await.unwrap();
    app.clock.advance(Duration::days(300));
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    assert_eq!(e["status"], "ended");
    assert_eq!(e["pulses"], json!([]));
    assert!(e["next_pulse_at"].is_null());
    assert!(app.links_sent_to(&email).is_empty(), "nobody is asked");
    assert!(audit_events(&app, "pulse.started").await.is_empty());
    let jobs = start_pulse_jobs(&app).await;
    assert!(
        jobs.iter().all(|j| j.status == JobStatus::Done),
        "the jobs ran and did nothing: {jobs:?}"
    );
}

async fn a_scheduled_pulse_is_skipped_and_audited_without_stakeholders_or_while_one_collects(
    app: TestApp,
) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let decided = app.engine.now();

    app.clock.advance(Duration::days(90));
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    assert_eq!(e["pulses"], json!([]));
    assert_eq!(
        time(&e["next_pulse_at"]),
        decided + Duration::days(365),
        "on to the next one"
    );
    let skipped = audit_events(&app, "pulse.skipped").await;
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].case_id, Some(a.case.id));
    assert_eq!(skipped[0].actor, "system");
    assert_eq!(skipped[0].data["day"], 90);
    assert_eq!(
        skipped[0].data["engagement_id"],
        a.engagement_id.to_string()
    );
    let reason = skipped[0].data["reason"].as_str().unwrap();
    assert!(reason.contains("stakeholder"), "{reason}");
    // Skipping is final for that day: running the queue again changes nothing.
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(audit_events(&app, "pulse.skipped").await.len(), 1);

    // Day 360: a pulse by hand, still collecting at day 365, when the scheduled one is
    // skipped in its turn.
    let email = add_stakeholder(&app, a.ops(), a.engagement_id, 1).await;
    app.clock.advance(Duration::days(270));
    start_pulse(&app, a.ops(), a.engagement_id).await;
    app.clock.advance(Duration::days(5));
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    assert_eq!(statuses(e["pulses"].as_array().unwrap()), ["collecting"]);
    assert!(e["next_pulse_at"].is_null());
    assert_eq!(invitations(&app, &email), 1, "asked once, by hand");
    let skipped = audit_events(&app, "pulse.skipped").await;
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[1].data["day"], 365);
    let reason = skipped[1].data["reason"].as_str().unwrap();
    assert!(reason.contains("collecting"), "{reason}");
}

async fn a_pulse_completes_at_its_deadline_with_whoever_answered(app: TestApp) {
    let referee: &[(&str, f64)] = &uniform(4.0);
    let a = approve(&app, &[referee, referee]).await;
    let first = add_stakeholder(&app, a.ops(), a.engagement_id, 1).await;
    let second = add_stakeholder(&app, a.ops(), a.engagement_id, 2).await;
    app.clock.advance(Duration::days(90));
    app.engine.run_until_idle().await.unwrap();
    let pulse_id: uuid::Uuid = pulses(&app, &a).await[0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let low: Levels<'_> = &[("values", 2.0)];
    stakeholder_answers(&app, pulse_id, &first, low).await;
    app.engine.run_until_idle().await.unwrap();

    // followup.pulse_deadline_days = 14: collecting until then.
    app.clock.advance(Duration::days(14) - Duration::minutes(1));
    app.engine.run_until_idle().await.unwrap();
    let p = pulses(&app, &a).await;
    assert_eq!(statuses(&p), ["collecting"]);
    let silent_link = app.links_sent_to(&second).pop().expect("a pulse link");

    app.clock.advance(Duration::minutes(1));
    app.engine.run_until_idle().await.unwrap();
    let p = pulses(&app, &a).await;
    assert_eq!(statuses(&p), ["complete"], "the deadline closes it");
    assert_eq!(
        (&p[0]["invited"], &p[0]["responses"]),
        (&json!(2), &json!(1))
    );
    let values = dimension(&p[0], "values");
    assert_eq!(values["score"], 25.0, "the one answer");
    assert_eq!(values["n"], 1);
    assert_eq!(values["drift"], "below", "[75, 75] predicted");
    assert!(dimension(&p[0], "expertise")["drift"].is_null());
    let silent = stakeholder_reference(&app, pulse_id, &second).await;
    assert_eq!(silent.status.to_string(), "expired");
    assert_eq!(app.fetch(&format!("/r/{silent_link}")).await.status(), 410);

    // Scored at the deadline like any other: the owner hears of values below.
    let below: Vec<String> = emails_to(&app, &a.case.owner_email)
        .into_iter()
        .map(|(subject, _)| subject)
        .filter(|s| s.contains("below what references predicted"))
        .collect();
    assert_eq!(below.len(), 1);
    let body = emails_to(&app, &a.case.owner_email)
        .into_iter()
        .find(|(s, _)| s.contains("below what references predicted"))
        .unwrap()
        .1;
    assert!(
        body.contains("\u{201c}Shares our values\u{201d} at 25"),
        "{body}"
    );
}
