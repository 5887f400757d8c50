//! The workflow end to end: launch, invitations over real SMTP, reminders and the deadline
//! on a test clock, quorum, retries, bounces, the dead-letter queue, crash safety, and the
//! lifecycle routes.

use chrono::Duration;
use engine::domain::Role;
use engine::entity::{email_log, job, reference_request, reference_token};
use engine::workflow::SubmissionMeta;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use testkit::{TestApp, TestConfig};
use uuid::Uuid;

use crate::helpers::{field_error, problem};
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    launch_invites_every_pending_reference_by_email,
    launch_needs_a_reference_and_happens_once,
    silent_referee_is_reminded_twice_then_expires_and_the_case_goes_to_review,
    quorum_with_nothing_outstanding_moves_to_review_early_and_stops_reminders,
    quorum_waits_for_outstanding_referees_until_they_answer_or_decline,
    transient_failure_is_retried_with_backoff_then_succeeds,
    permanent_failure_bounces_the_reference_and_tells_the_owner,
    a_job_rerun_after_a_crash_records_one_message_per_key,
    resend_kills_the_old_link_and_mails_a_new_one,
    withdrawn_and_cancelled_references_get_no_more_mail,
    closing_early_moves_to_review_and_notifies_the_owner,
    reference_added_while_collecting_is_invited_at_once,
    timeline_lists_every_change_oldest_first,
);

struct Setup {
    ops: String,
    owner_email: String,
    case_id: String,
    references: Vec<Value>,
}

/// An ops user, a case with `refs` references and the given quorum, not launched yet.
async fn setup(app: &TestApp, refs: usize, min_responses: i32) -> Setup {
    let ops = app.token_for(Role::Ops).await;
    let me: Value = app
        .get("/api/v1/me", &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let provider = app.create_provider(&ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": provider["id"], "min_responses": min_responses, "deadline_days": 14}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let case_id = case["id"].as_str().unwrap().to_owned();
    let mut references = Vec::new();
    for n in 1..=refs {
        references.push(app.add_reference(&ops, &case_id, n).await);
    }
    Setup {
        ops,
        owner_email: me["email"].as_str().unwrap().to_owned(),
        case_id,
        references,
    }
}

async fn launch(app: &TestApp, s: &Setup) -> Value {
    let res = app
        .post(&format!("/api/v1/cases/{}/launch", s.case_id), &s.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn case_json(app: &TestApp, s: &Setup) -> Value {
    app.get(&format!("/api/v1/cases/{}", s.case_id), &s.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn reference_row(app: &TestApp, reference: &Value) -> reference_request::Model {
    let id: Uuid = reference["id"].as_str().unwrap().parse().unwrap();
    reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
}

fn email_of(reference: &Value) -> String {
    reference["email"].as_str().unwrap().to_owned()
}

/// Subjects of the captured messages sent to `to`, in order.
fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    app.smtp
        .messages()
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == to))
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&m.data)
                .unwrap();
            parsed.subject().unwrap_or_default().to_owned()
        })
        .collect()
}

/// Submits a complete set of answers (the engine refuses an incomplete one).
async fn submit(app: &TestApp, reference: &Value) {
    let id: Uuid = reference["id"].as_str().unwrap().parse().unwrap();
    let mut answers: Vec<(String, String)> = crate::helpers::LIKERT_KEYS
        .iter()
        .map(|k| ((*k).to_owned(), "5".to_owned()))
        .collect();
    answers.push(("rehire".into(), "yes".into()));
    app.engine
        .submit_response(id, answers, SubmissionMeta::default())
        .await
        .unwrap();
}

async fn jobs_of_kind(app: &TestApp, kind: &str) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .all(app.engine.db())
        .await
        .unwrap()
}

async fn launch_invites_every_pending_reference_by_email(app: TestApp) {
    let s = setup(&app, 2, 2).await;
    let case = launch(&app, &s).await;
    assert_eq!(case["status"], "collecting");
    assert!(case["deadline_at"].is_string());
    assert!(case["launched_at"].is_string());
    // Nothing is sent inside the request: every email is a job.
    assert!(app.smtp.messages().is_empty());
    assert_eq!(case["counts"]["pending"], 2);

    app.engine.run_until_idle().await.unwrap();
    assert_eq!(app.smtp.messages().len(), 2);
    for r in &s.references {
        let links = app.links_sent_to(&email_of(r));
        assert_eq!(links.len(), 1, "one invitation for {}", email_of(r));
        assert_eq!(links[0].len(), 43);
        let row = reference_row(&app, r).await;
        assert_eq!(row.status, "invited");
        assert_eq!(row.invitations_sent, 1);
        assert!(row.invited_at.is_some());
        // Only the hash of the link is stored.
        let hash = engine::credentials::token_hash(&links[0]);
        let token = reference_token::Entity::find()
            .filter(reference_token::Column::TokenHash.eq(hash))
            .one(app.engine.db())
            .await
            .unwrap()
            .expect("the link's hash is stored");
        assert_eq!(token.reference_id, row.id);
        assert!(token.revoked_at.is_none());
    }
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(logs.len(), 2);
    for log in &logs {
        assert_eq!(log.status, "sent");
        assert_eq!(log.kind, "invitation");
        let message_id = log.message_id.as_deref().unwrap();
        assert!(message_id.ends_with("@vouch.test>"));
        assert!(
            app.smtp
                .messages()
                .iter()
                .any(|m| m.header("Message-ID").as_deref() == Some(message_id)),
            "the logged Message-ID is the one sent"
        );
    }
    let case = case_json(&app, &s).await;
    assert_eq!(case["counts"]["invited"], 2);
    // Reply-To is the case owner.
    let first = &app.smtp.messages()[0];
    assert!(first.header("Reply-To").unwrap().contains(&s.owner_email));
}

async fn launch_needs_a_reference_and_happens_once(app: TestApp) {
    let s = setup(&app, 0, 1).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/launch", s.case_id), &s.ops)
        .send()
        .await
        .unwrap();
    field_error(res, "references").await;
    assert_eq!(case_json(&app, &s).await["status"], "draft");
    app.add_reference(&s.ops, &s.case_id, 1).await;
    launch(&app, &s).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/launch", s.case_id), &s.ops)
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(body["current_state"], "collecting");
    let res = app
        .post(&format!("/api/v1/cases/{}/launch", Uuid::now_v7()), &s.ops)
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

async fn silent_referee_is_reminded_twice_then_expires_and_the_case_goes_to_review(app: TestApp) {
    let s = setup(&app, 1, 1).await;
    launch(&app, &s).await;
    let referee = email_of(&s.references[0]);
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(subjects_to(&app, &referee).len(), 1);

    // Day 2: nothing yet.
    app.clock.advance(Duration::days(2));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(subjects_to(&app, &referee).len(), 1);

    // Day 3: first reminder.
    app.clock.advance(Duration::days(1));
    app.engine.run_until_idle().await.unwrap();
    let subjects = subjects_to(&app, &referee);
    assert_eq!(subjects.len(), 2);
    assert_eq!(
        reference_row(&app, &s.references[0]).await.reminders_sent,
        1
    );

    // Day 7: second reminder, worded differently.
    app.clock.advance(Duration::days(4));
    app.engine.run_until_idle().await.unwrap();
    let subjects = subjects_to(&app, &referee);
    assert_eq!(subjects.len(), 3);
    assert_ne!(subjects[1], subjects[2], "the two reminders differ");
    let row = reference_row(&app, &s.references[0]).await;
    assert_eq!(row.reminders_sent, 2);
    assert_eq!(row.status, "invited", "reminders do not change the state");
    // Every reminder carried a working link.
    assert_eq!(app.links_sent_to(&referee).len(), 3);

    // Day 13: still collecting.
    app.clock.advance(Duration::days(6));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(case_json(&app, &s).await["status"], "collecting");

    // Day 14: the deadline.
    app.clock.advance(Duration::days(1));
    app.engine.run_until_idle().await.unwrap();
    let case = case_json(&app, &s).await;
    assert_eq!(case["status"], "review");
    assert_eq!(case["counts"]["expired"], 1);
    for link in app.links_sent_to(&referee) {
        let err = app.engine.referee_form(&link).await.unwrap_err();
        assert!(
            matches!(err, engine::EngineError::Gone(_)),
            "expired links answer gone: {err:?}"
        );
    }
    let owner = subjects_to(&app, &s.owner_email);
    assert_eq!(
        owner.len(),
        1,
        "the owner hears that the case is ready: {owner:?}"
    );
    assert_eq!(
        subjects_to(&app, &referee).len(),
        3,
        "no mail after the deadline"
    );
}

async fn quorum_with_nothing_outstanding_moves_to_review_early_and_stops_reminders(app: TestApp) {
    let s = setup(&app, 2, 2).await;
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    submit(&app, &s.references[0]).await;
    assert_eq!(case_json(&app, &s).await["status"], "collecting");
    submit(&app, &s.references[1]).await;
    let case = case_json(&app, &s).await;
    assert_eq!(case["status"], "review");
    assert_eq!(case["counts"]["completed"], 2);
    app.engine.run_until_idle().await.unwrap();
    let owner = subjects_to(&app, &s.owner_email);
    assert_eq!(
        owner.len(),
        2,
        "quorum reached and ready for review: {owner:?}"
    );

    let before = app.smtp.messages().len();
    app.clock.advance(Duration::days(15));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.smtp.messages().len(),
        before,
        "no reminders or deadline mail after review"
    );
    assert_eq!(case_json(&app, &s).await["status"], "review");
}

async fn quorum_waits_for_outstanding_referees_until_they_answer_or_decline(app: TestApp) {
    let s = setup(&app, 3, 2).await;
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    submit(&app, &s.references[0]).await;
    submit(&app, &s.references[1]).await;
    assert_eq!(
        case_json(&app, &s).await["status"],
        "collecting",
        "one referee may still answer"
    );
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        subjects_to(&app, &s.owner_email).len(),
        1,
        "told about the quorum once"
    );
    let id: Uuid = s.references[2]["id"].as_str().unwrap().parse().unwrap();
    app.engine
        .decline_reference(id, Some("I no longer work with them".into()))
        .await
        .unwrap();
    let case = case_json(&app, &s).await;
    assert_eq!(case["status"], "review");
    assert_eq!(case["counts"]["declined"], 1);
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(subjects_to(&app, &s.owner_email).len(), 2);
    // A second submission is refused, and stores nothing.
    let err = app
        .engine
        .submit_response(id, vec![], SubmissionMeta::default())
        .await
        .unwrap_err();
    assert!(matches!(err, engine::EngineError::InvalidState { .. }));
}

async fn transient_failure_is_retried_with_backoff_then_succeeds(app: TestApp) {
    let s = setup(&app, 1, 1).await;
    let referee = email_of(&s.references[0]);
    app.smtp.reject(&referee, 451, "4.7.1 Try again later");
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    let invite = jobs_of_kind(&app, "send_invitation").await.remove(0);
    assert_eq!(invite.status, "queued");
    assert_eq!(invite.attempts, 1);
    assert!(invite.last_error.as_deref().unwrap().contains("451"));
    let delay = invite.run_at - app.engine.now();
    assert!(
        delay >= Duration::seconds(30) && delay < Duration::seconds(90),
        "{delay}"
    );
    assert_eq!(
        reference_row(&app, &s.references[0]).await.status,
        "pending"
    );
    assert!(app.smtp.messages().is_empty());

    // Second failure: the delay doubles (base 60 s × 2, with jitter).
    app.clock.advance(Duration::seconds(90));
    app.engine.run_until_idle().await.unwrap();
    let invite = jobs_of_kind(&app, "send_invitation").await.remove(0);
    assert_eq!(invite.attempts, 2);
    let delay = invite.run_at - app.engine.now();
    assert!(
        delay >= Duration::seconds(60) && delay < Duration::seconds(180),
        "{delay}"
    );

    app.smtp.accept(&referee);
    app.clock.advance(Duration::seconds(180));
    app.engine.run_until_idle().await.unwrap();
    let invite = jobs_of_kind(&app, "send_invitation").await.remove(0);
    assert_eq!(invite.status, "done");
    assert_eq!(
        reference_row(&app, &s.references[0]).await.status,
        "invited"
    );
    assert_eq!(app.links_sent_to(&referee).len(), 1);
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(
        logs.len(),
        1,
        "one log row for the one message, however many attempts"
    );
    assert_eq!(logs[0].status, "sent");
}

async fn permanent_failure_bounces_the_reference_and_tells_the_owner(app: TestApp) {
    let s = setup(&app, 1, 1).await;
    let referee = email_of(&s.references[0]);
    app.smtp.reject(&referee, 550, "5.1.1 No such user");
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    let row = reference_row(&app, &s.references[0]).await;
    assert_eq!(row.status, "bounced");
    let invite = jobs_of_kind(&app, "send_invitation").await.remove(0);
    assert_eq!(invite.status, "failed");
    assert_eq!(invite.attempts, 1, "a permanent failure is not retried");
    let owner_mail: Vec<_> = app
        .smtp
        .messages()
        .into_iter()
        .filter(|m| m.recipients.contains(&s.owner_email))
        .collect();
    assert_eq!(owner_mail.len(), 1);
    let text = mail_parser::MessageParser::default()
        .parse(&owner_mail[0].data)
        .unwrap()
        .body_text(0)
        .unwrap()
        .into_owned();
    assert!(
        text.contains(&referee),
        "the bounce notice names the referee: {text}"
    );
    assert!(
        text.contains("No such user"),
        "and gives the reason: {text}"
    );
    let events: Value = app
        .get(&format!("/api/v1/cases/{}/events", s.case_id), &s.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["data"]["to"] == "bounced")
    );
}

async fn exhausted_attempts_go_to_the_dead_letter_queue_and_an_admin_retry_delivers(
    backend: testkit::Backend,
) {
    let mut config = TestConfig::default();
    config.workflow.max_attempts = 2;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let s = setup(&app, 1, 1).await;
    let referee = email_of(&s.references[0]);
    app.smtp
        .reject(&referee, 421, "4.3.2 Service shutting down");
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    app.clock.advance(Duration::hours(1));
    app.engine.run_until_idle().await.unwrap();
    let invite = jobs_of_kind(&app, "send_invitation").await.remove(0);
    assert_eq!(invite.status, "dead");
    assert_eq!(invite.attempts, 2);

    let admin = app.token_for(Role::Admin).await;
    let dead: Value = app
        .get("/api/v1/jobs?status=dead", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = dead["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], invite.id.to_string());
    assert_eq!(items[0]["kind"], "send_invitation");
    assert!(items[0]["last_error"].as_str().unwrap().contains("421"));
    let res = app
        .get("/api/v1/jobs?status=dead", &s.ops)
        .send()
        .await
        .unwrap();
    problem(res, 403).await;

    app.smtp.accept(&referee);
    let res = app
        .post(&format!("/api/v1/jobs/{}/retry", invite.id), &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let retried: Value = res.json().await.unwrap();
    assert_eq!(retried["status"], "queued");
    assert_eq!(retried["attempts"], 0);
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        reference_row(&app, &s.references[0]).await.status,
        "invited"
    );
    assert_eq!(app.links_sent_to(&referee).len(), 1);
    let res = app
        .post(&format!("/api/v1/jobs/{}/retry", invite.id), &admin)
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(body["current_state"], "done");
    let res = app
        .post(&format!("/api/v1/jobs/{}/retry", Uuid::now_v7()), &admin)
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

/// Puts a finished job back as if its worker had died holding it.
async fn resurrect_as_crashed(app: &TestApp, job: job::Model) {
    let mut active: job::ActiveModel = job.into();
    active.status = Set(engine::domain::JobStatus::Running);
    active.locked_by = Set(Some("crashed-worker".into()));
    active.lease_until = Set(Some(app.engine.now() + Duration::seconds(30)));
    active.update(app.engine.db()).await.unwrap();
}

async fn a_job_rerun_after_a_crash_records_one_message_per_key(app: TestApp) {
    let s = setup(&app, 1, 1).await;
    let referee = email_of(&s.references[0]);
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(app.smtp.messages().len(), 1);
    let invite = jobs_of_kind(&app, "send_invitation").await.remove(0);

    // Crash after everything was committed but before the job was marked done.
    resurrect_as_crashed(&app, invite.clone()).await;
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.smtp.messages().len(),
        1,
        "the lease still holds: nobody takes the job"
    );
    app.clock.advance(Duration::seconds(61));
    app.engine.run_until_idle().await.unwrap();
    let invite = job::Entity::find_by_id(invite.id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invite.status, "done");
    assert_eq!(
        app.smtp.messages().len(),
        1,
        "the rerun sees the invitation already sent"
    );

    // Crash between the SMTP server's 250 and our commit: the message goes out again,
    // under the same log row and Message-ID.
    let log = email_log::Entity::find()
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    let first_id = log.message_id.clone().unwrap();
    let mut active: email_log::ActiveModel = log.into();
    active.status = Set(engine::domain::EmailStatus::Sending);
    active.update(app.engine.db()).await.unwrap();
    let mut reference: reference_request::ActiveModel =
        reference_row(&app, &s.references[0]).await.into();
    reference.invitations_sent = Set(0);
    reference.update(app.engine.db()).await.unwrap();
    resurrect_as_crashed(&app, invite).await;
    app.clock.advance(Duration::seconds(61));
    app.engine.run_until_idle().await.unwrap();
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(logs.len(), 1, "one log row per key");
    assert_eq!(logs[0].status, "sent");
    let messages = app.smtp.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[1].header("Message-ID").unwrap(),
        first_id,
        "same Message-ID"
    );
    assert_eq!(app.links_sent_to(&referee).len(), 2);
}

async fn resend_kills_the_old_link_and_mails_a_new_one(app: TestApp) {
    let s = setup(&app, 1, 1).await;
    let referee = email_of(&s.references[0]);
    let id = s.references[0]["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/references/{id}/resend"), &s.ops)
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(
        body["current_state"], "draft",
        "nothing to resend before launch"
    );
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    let old = app.links_sent_to(&referee).remove(0);
    let res = app
        .post(&format!("/api/v1/references/{id}/resend"), &s.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let old_row = reference_token::Entity::find()
        .filter(reference_token::Column::TokenHash.eq(engine::credentials::token_hash(&old)))
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert!(
        old_row.revoked_at.is_some(),
        "the old link stops working at once"
    );
    app.engine.run_until_idle().await.unwrap();
    let links = app.links_sent_to(&referee);
    assert_eq!(links.len(), 2);
    assert_ne!(links[0], links[1]);
    let row = reference_row(&app, &s.references[0]).await;
    assert_eq!(row.invitations_sent, 2);
    assert_eq!(row.status, "invited");
    // Reminders of the first invitation are superseded by the second one's.
    app.clock.advance(Duration::days(3));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.links_sent_to(&referee).len(),
        3,
        "one reminder, not two"
    );
    let res = app
        .post(
            &format!("/api/v1/references/{}/resend", Uuid::now_v7()),
            &s.ops,
        )
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

async fn withdrawn_and_cancelled_references_get_no_more_mail(app: TestApp) {
    let s = setup(&app, 2, 1).await;
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    let id = s.references[0]["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/references/{id}/withdraw"), &s.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let withdrawn: Value = res.json().await.unwrap();
    assert_eq!(withdrawn["status"], "withdrawn");
    let res = app
        .post(&format!("/api/v1/references/{id}/withdraw"), &s.ops)
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(body["current_state"], "withdrawn");

    let res = app
        .post(&format!("/api/v1/cases/{}/cancel", s.case_id), &s.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "cancelled");
    let res = app
        .post(&format!("/api/v1/cases/{}/cancel", s.case_id), &s.ops)
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(body["current_state"], "cancelled");
    let live = reference_token::Entity::find()
        .filter(reference_token::Column::RevokedAt.is_null())
        .count(app.engine.db())
        .await
        .unwrap();
    assert_eq!(live, 0, "every link of a cancelled case is dead");
    let before = app.smtp.messages().len();
    app.clock.advance(Duration::days(20));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.smtp.messages().len(),
        before,
        "no reminder, no deadline notice"
    );
    assert_eq!(case_json(&app, &s).await["status"], "cancelled");
}

async fn closing_early_moves_to_review_and_notifies_the_owner(app: TestApp) {
    let s = setup(&app, 1, 3).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/close", s.case_id), &s.ops)
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(body["current_state"], "draft");
    launch(&app, &s).await;
    let hr = app.token_for(Role::Hr).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/close", s.case_id), &hr)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "review");
    assert!(case["closed_at"].is_string());
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(subjects_to(&app, &s.owner_email).len(), 1);
    let res = app.post(&format!("/api/v1/cases/{}/references", s.case_id), &s.ops)
        .json(&json!({"name": "Late", "email": "late@x.example", "company": "X", "relationship": "client"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "review");
}

async fn reference_added_while_collecting_is_invited_at_once(app: TestApp) {
    let s = setup(&app, 1, 1).await;
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    let late = app.add_reference(&s.ops, &s.case_id, 9).await;
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(app.links_sent_to(&email_of(&late)).len(), 1);
    assert_eq!(reference_row(&app, &late).await.status, "invited");
}

async fn timeline_lists_every_change_oldest_first(app: TestApp) {
    let s = setup(&app, 1, 1).await;
    launch(&app, &s).await;
    app.engine.run_until_idle().await.unwrap();
    let hr = app.token_for(Role::Hr).await;
    let res = app
        .get(&format!("/api/v1/cases/{}/events", s.case_id), &hr)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let events: Value = res.json().await.unwrap();
    assert!(
        events["next_cursor"].is_null(),
        "the whole timeline is one page"
    );
    let kinds: Vec<(String, String)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(kinds[0].0, "case.created");
    assert!(kinds[0].1.starts_with("user:"));
    assert_eq!(kinds[1].0, "reference.added");
    assert_eq!(kinds[2].0, "case.status_changed");
    assert_eq!(
        kinds[3],
        ("reference.status_changed".into(), "system".into())
    );
    let times: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    let res = app
        .get(&format!("/api/v1/cases/{}/events", Uuid::now_v7()), &hr)
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

on_both_backends!(exhausted_attempts_go_to_the_dead_letter_queue_and_an_admin_retry_delivers);
