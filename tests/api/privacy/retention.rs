//! Retention on the test clock: each class goes exactly at its boundary and not a second
//! before, the dry run changes nothing, a legal hold blocks every purge, and reports and
//! calibration read the same afterwards.

use chrono::Duration;
use engine::domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use store::entity::{answer, audit_event, email_log, reference_request, response};
use testkit::{Backend, TestApp, TestConfig};
use uuid::Uuid;

use super::{case_json, decided_case, report_json, rows_containing};
use crate::engagements::{
    add_stakeholder, approve_all, stakeholder_answers, stakeholder_email, start_pulse, uniform,
};
use crate::helpers::problem;
use crate::{on_both_backends, on_both_databases};

on_both_backends!(
    identity_and_free_text_go_at_their_boundaries_and_not_before,
    a_dry_run_says_what_would_go_and_changes_nothing,
    mail_files_older_than_the_identity_period_go_and_newer_ones_stay,
);
on_both_databases!(
    a_legal_hold_blocks_every_purge_until_it_is_lifted,
    reports_and_calibration_read_the_same_after_the_purge,
    the_daily_job_runs_once_a_day_and_leaves_counts_only,
    stakeholders_of_ended_engagements_and_old_webhook_deliveries_go_too,
);

/// Identity after 10 days, free text after 20.
async fn app_with_short_retention(backend: Backend) -> Option<TestApp> {
    let config = TestConfig {
        retention: engine::RetentionSettings {
            referee_identity_days: 10,
            comments_days: 20,
            delivery_log_days: 30,
        },
        ..Default::default()
    };
    TestApp::spawn_with(backend, config).await
}

async fn references_of(app: &TestApp, case_id: Uuid) -> Vec<reference_request::Model> {
    reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(case_id))
        .all(app.engine.db())
        .await
        .unwrap()
}

/// The free-text answers ("strengths") of the case's responses.
async fn strengths_of(app: &TestApp, case_id: Uuid) -> Vec<String> {
    let ids: Vec<Uuid> = references_of(app, case_id)
        .await
        .iter()
        .map(|r| r.id)
        .collect();
    let responses: Vec<Uuid> = response::Entity::find()
        .filter(response::Column::ReferenceId.is_in(ids))
        .all(app.engine.db())
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    let mut values: Vec<String> = answer::Entity::find()
        .filter(answer::Column::ResponseId.is_in(responses))
        .filter(answer::Column::QuestionKey.eq("strengths"))
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.value)
        .collect();
    values.sort();
    values
}

async fn identity_and_free_text_go_at_their_boundaries_and_not_before(backend: Backend) {
    let Some(app) = app_with_short_retention(backend).await else {
        return;
    };
    let case = decided_case(&app).await;
    let admin = app.token_for(Role::Admin).await;
    let before = case_json(&app, &admin, case.id).await;
    assert!(before["finished_at"].is_string(), "{before}");

    // One second before the identity boundary: nothing goes.
    app.clock.advance(Duration::days(10) - Duration::seconds(1));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!(run.identity.references, 0);
    assert_eq!(run.comments.references, 0);
    assert_eq!(
        case_json(&app, &admin, case.id).await["references"],
        before["references"]
    );

    // At the boundary: names, addresses, relationships, IPs and the email log go.
    app.clock.advance(Duration::seconds(1));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!(run.identity.references, 3, "{run:?}");
    assert_eq!(
        run.identity.responses, 3,
        "every response had an IP: {run:?}"
    );
    assert!(run.identity.emails >= 3, "invitations and thanks: {run:?}");
    assert_eq!(run.comments.references, 0);
    assert_eq!(run.cases.len(), 1);
    assert_eq!(run.cases[0].case_id, case.id);
    assert_eq!(run.cases[0].identity, 3);
    let after = case_json(&app, &admin, case.id).await;
    for r in after["references"].as_array().unwrap() {
        assert_eq!(r["name"], "", "{r}");
        assert_eq!(r["email"], "", "{r}");
        assert_eq!(r["relationship"], "", "{r}");
        assert!(r["identity_erased_at"].is_string(), "{r}");
        assert_eq!(r["status"], "completed", "the reference keeps its status");
        assert!(r["company"].is_string(), "and its organisation label");
    }
    for i in 0..3 {
        assert!(rows_containing(&app, &case.email(i)).await.is_empty());
        assert!(
            rows_containing(&app, &format!("192.0.2.{i}"))
                .await
                .is_empty()
        );
    }
    let logged = email_log::Entity::find()
        .filter(email_log::Column::CaseId.eq(case.id))
        .all(app.engine.db())
        .await
        .unwrap();
    assert!(!logged.is_empty());
    assert!(
        logged
            .iter()
            .all(|m| m.recipient.is_empty() && m.subject.is_empty())
    );
    // The audit trail keeps its events, without the names they quoted.
    let added = audit_event::Entity::find()
        .filter(audit_event::Column::CaseId.eq(case.id))
        .filter(audit_event::Column::Kind.eq("reference.added"))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(added.len(), 3);
    assert!(
        added.iter().all(|e| e.data.get("name").is_none()),
        "{added:?}"
    );
    // Free text is kept until its own boundary.
    assert_eq!(
        strengths_of(&app, case.id).await,
        [
            "Strength from referee 0",
            "Strength from referee 1",
            "Strength from referee 2"
        ]
    );

    app.clock.advance(Duration::days(10) - Duration::seconds(1));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!(run.comments.references, 0);
    assert_eq!(run.identity.references, 0, "nothing is erased twice");
    app.clock.advance(Duration::seconds(1));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!(run.comments.references, 3, "{run:?}");
    assert_eq!(run.comments.answers, 3, "{run:?}");
    assert_eq!(strengths_of(&app, case.id).await, ["", "", ""]);
    assert!(
        rows_containing(&app, "Strength from referee")
            .await
            .is_empty()
    );

    // Once done, a run finds nothing; every real run left one event of counts.
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!((run.identity.references, run.comments.references), (0, 0));
    let runs = audit_event::Entity::find()
        .filter(audit_event::Column::Kind.eq("retention.run"))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(runs.len(), 5);
}

async fn a_dry_run_says_what_would_go_and_changes_nothing(backend: Backend) {
    let Some(app) = app_with_short_retention(backend).await else {
        return;
    };
    let case = decided_case(&app).await;
    let admin = app.token_for(Role::Admin).await;
    app.clock.advance(Duration::days(25));
    let before = case_json(&app, &admin, case.id).await;
    let dry = app.engine.privacy().run_retention(true).await.unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.identity.references, 3);
    assert_eq!(dry.comments.references, 3);
    assert_eq!(dry.cases.len(), 1);
    assert_eq!((dry.cases[0].identity, dry.cases[0].comments), (3, 3));
    assert_eq!(dry.cases[0].title, before["title"].as_str().unwrap());
    assert_eq!(case_json(&app, &admin, case.id).await, before);
    assert_eq!(strengths_of(&app, case.id).await.len(), 3);
    assert!(!rows_containing(&app, &case.email(0)).await.is_empty());
    let runs = audit_event::Entity::find()
        .filter(audit_event::Column::Kind.eq("retention.run"))
        .all(app.engine.db())
        .await
        .unwrap();
    assert!(runs.is_empty(), "a dry run leaves no trace");
    // The real run then does what the dry run said.
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!(run.identity.references, dry.identity.references);
    assert_eq!(run.comments.references, dry.comments.references);
}

async fn a_legal_hold_blocks_every_purge_until_it_is_lifted(app: TestApp) {
    let case = decided_case(&app).await;
    let admin = app.token_for(Role::Admin).await;
    let hold_path = format!("/api/v1/cases/{}/hold", case.id);

    // Only admins hold, with a reason.
    let hold = |token: &str, case_id: Uuid, reason: &str| {
        app.post(&format!("/api/v1/cases/{case_id}/hold"), token)
            .json(&json!({ "reason": reason }))
            .send()
    };
    problem(hold(&case.ops, case.id, "claim").await.unwrap(), 403).await;
    let body = problem(hold(&admin, case.id, "   ").await.unwrap(), 422).await;
    assert_eq!(body["errors"][0]["field"], "reason", "{body}");
    problem(hold(&admin, Uuid::now_v7(), "claim").await.unwrap(), 404).await;

    let res = hold(&admin, case.id, "Claim 2026-114 by the provider")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let hold: serde_json::Value = res.json().await.unwrap();
    assert_eq!(hold["reason"], "Claim 2026-114 by the provider");
    assert_eq!(hold["case_id"], case.id.to_string());
    let shown = case_json(&app, &admin, case.id).await;
    assert_eq!(shown["hold"]["reason"], "Claim 2026-114 by the provider");

    // Long past both boundaries, the held case keeps everything, through erasure too.
    app.clock.advance(Duration::days(400));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!((run.identity.references, run.comments.references), (0, 0));
    assert_eq!(run.held_cases, [case.id]);
    let res = app
        .post("/api/v1/privacy/erase", &admin)
        .json(&json!({ "email": case.email(0), "reason": "Request of 3 March" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let erasure: serde_json::Value = res.json().await.unwrap();
    assert_eq!(erasure["erased"]["identity"]["references"], 0, "{erasure}");
    assert_eq!(erasure["kept"]["references"], 1, "{erasure}");
    assert_eq!(erasure["kept"]["cases"], json!([case.id]));
    assert!(
        erasure["kept"]["reason"]
            .as_str()
            .unwrap()
            .contains("17(3)(e)")
    );
    assert!(!rows_containing(&app, &case.email(0)).await.is_empty());

    // Lifted: the next run purges.
    let res = app
        .client
        .delete(app.url(&hold_path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(case_json(&app, &admin, case.id).await["hold"].is_null());
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!((run.identity.references, run.comments.references), (3, 3));
    assert!(run.held_cases.is_empty());
    // Lifting again changes nothing.
    let res = app
        .client
        .delete(app.url(&hold_path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let kinds: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::CaseId.eq(case.id))
        .filter(audit_event::Column::Kind.starts_with("case.hold_"))
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["case.hold_placed", "case.hold_released"]);
}

async fn reports_and_calibration_read_the_same_after_the_purge(app: TestApp) {
    let hr = app.token_for(Role::Hr).await;
    let (low, mid, high, top) = (uniform(2.0), uniform(3.0), uniform(4.0), uniform(5.0));
    let approved = approve_all(
        &app,
        &hr,
        &[&[&low, &mid], &[&mid, &high], &[&high, &top], &[&top, &low]],
    )
    .await;
    let mut pulses = Vec::new();
    for a in &approved {
        add_stakeholder(&app, &hr, a.engagement_id, 1).await;
        pulses.push(start_pulse(&app, &hr, a.engagement_id).await);
    }
    app.engine.run_until_idle().await.unwrap();
    for ((a, pulse), levels) in approved.iter().zip(&pulses).zip([&mid, &high, &top, &low]) {
        let email = stakeholder_email(a.engagement_id, 1);
        stakeholder_answers(&app, *pulse, &email, levels).await;
    }
    app.engine.run_until_idle().await.unwrap();

    let calibration = |app: &TestApp, hr: String| {
        let request = app.get("/api/v1/insights/calibration", &hr);
        async move {
            let res = request.send().await.unwrap();
            assert_eq!(res.status(), 200);
            let mut c: serde_json::Value = res.json().await.unwrap();
            c.as_object_mut().unwrap().remove("generated_at");
            c
        }
    };
    let calibration_before = calibration(&app, hr.clone()).await;
    assert_eq!(calibration_before["engagements"], 4, "{calibration_before}");
    let mut reports_before = Vec::new();
    for a in &approved {
        reports_before.push(report_json(&app, &hr, a.case.id).await);
    }

    app.clock.advance(Duration::days(366));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    // 8 referees and 4 stakeholders (each pulse is a case of its own).
    assert_eq!(run.identity.references, 12, "{run:?}");
    assert_eq!(run.comments.references, 12, "{run:?}");

    assert_eq!(calibration(&app, hr.clone()).await, calibration_before);
    for (a, before) in approved.iter().zip(&reports_before) {
        assert_eq!(&report_json(&app, &hr, a.case.id).await, before);
    }
}

async fn the_daily_job_runs_once_a_day_and_leaves_counts_only(app: TestApp) {
    let case = decided_case(&app).await;
    app.clock.advance(Duration::days(400));
    // Every worker's housekeeping queues it; the day's key keeps one.
    app.engine.privacy().schedule_retention().await.unwrap();
    app.engine.privacy().schedule_retention().await.unwrap();
    app.engine.run_until_idle().await.unwrap();
    let runs = audit_event::Entity::find()
        .filter(audit_event::Column::Kind.eq("retention.run"))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    let data = &runs[0].data;
    assert_eq!(data["identity"]["references"], 3, "{data}");
    assert_eq!(data["comments"]["references"], 3, "{data}");
    assert!(runs[0].case_id.is_none() && runs[0].reference_id.is_none());
    let text = data.to_string();
    assert!(
        !text.contains('@') && !text.contains(&case.id.to_string()),
        "counts only: {text}"
    );
    assert!(rows_containing(&app, &case.email(1)).await.is_empty());

    // The next day's run is a job of its own.
    app.clock.advance(Duration::days(1));
    app.engine.privacy().schedule_retention().await.unwrap();
    app.engine.run_until_idle().await.unwrap();
    let runs = audit_event::Entity::find()
        .filter(audit_event::Column::Kind.eq("retention.run"))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(runs.len(), 2);
}

async fn stakeholders_of_ended_engagements_and_old_webhook_deliveries_go_too(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let approved = crate::engagements::approve(&app, &[&uniform(4.0)]).await;
    let stakeholder = add_stakeholder(&app, &admin, approved.engagement_id, 1).await;
    let sink = testkit::webhook_sink::WebhookSink::start().await;
    let res = app
        .post("/api/v1/webhooks", &admin)
        .json(&json!({ "url": sink.url("/hook"), "events": ["*"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let endpoint: serde_json::Value = res.json().await.unwrap();
    let endpoint_id = endpoint["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/webhooks/{endpoint_id}/test"), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    let deliveries_path = format!("/api/v1/webhooks/{endpoint_id}/deliveries");
    let deliveries = |app: &TestApp| {
        let request = app.get(&deliveries_path, &admin);
        async move {
            let page: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(deliveries(&app).await, 1);
    let res = app
        .post(&approved.path("/end"), &admin)
        .json(&json!({ "reason": "contract over" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // 30 days of delivery log; the stakeholders last as long as referees' identities.
    app.clock.advance(Duration::days(30) - Duration::seconds(1));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!((run.webhook_deliveries, run.stakeholders), (0, 0));
    app.clock.advance(Duration::seconds(1));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert!(run.webhook_deliveries >= 1, "{run:?}");
    assert_eq!(run.stakeholders, 0);
    assert_eq!(deliveries(&app).await, 0);
    assert!(!rows_containing(&app, &stakeholder).await.is_empty());

    app.clock.advance(Duration::days(150));
    // The stakeholder, and the provider's main contact (a provider contact since the
    // engagement opened: issue 32), go alike.
    let dry = app.engine.privacy().run_retention(true).await.unwrap();
    assert_eq!(dry.stakeholders, 2);
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!(run.stakeholders, 2);
    assert!(rows_containing(&app, &stakeholder).await.is_empty());
    assert!(rows_containing(&app, "Colleague 1").await.is_empty());
}

/// The file transport's `.eml` copies carry referees' names and addresses: those written
/// more than `retention.referee_identity_days` ago go with the identities; newer ones,
/// and files that are not messages, stay.
async fn mail_files_older_than_the_identity_period_go_and_newer_ones_stay(backend: Backend) {
    let Some(app) = app_with_short_retention(backend).await else {
        return;
    };
    let now = std::time::SystemTime::from(engine::clock::Clock::now(&app.clock));
    let day = std::time::Duration::from_secs(86_400);
    let write = |name: &str, age: std::time::Duration| {
        let path = app.mail_dir().join(name);
        let file = std::fs::File::create(&path).unwrap();
        file.set_modified(now - age).unwrap();
        path
    };
    let old = write("0190f3a1-old.eml", 11 * day);
    let new = write("0190f3a2-new.eml", 9 * day);
    let not_mail = write("README.txt", 400 * day);

    let dry = app.engine.privacy().run_retention(true).await.unwrap();
    assert_eq!(dry.mail_files, 1);
    assert!(old.exists(), "a dry run deletes nothing");

    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert_eq!(run.mail_files, 1);
    assert!(!old.exists(), "older than 10 days: gone");
    assert!(new.exists() && not_mail.exists());
    let counts = audit_event::Entity::find()
        .filter(audit_event::Column::Kind.eq("retention.run"))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("the run is audited")
        .data;
    assert_eq!(counts["mail_files"], 1, "{counts}");

    // A day later the other one is past the period too.
    app.clock.advance(Duration::days(2));
    assert_eq!(
        app.engine
            .privacy()
            .run_retention(false)
            .await
            .unwrap()
            .mail_files,
        1
    );
    assert!(!new.exists() && not_mail.exists());
}
