//! Email delivery failures: transient ones retried with backoff, permanent ones bouncing
//! the reference, exhausted attempts in the dead-letter queue with an admin retry, and a
//! job rerun after a crash sending one message per key, and failures inside a batch of
//! invitations handled one by one.

use chrono::Duration;
use engine::domain::Role;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::Value;
use store::entity::{email_log, job, reference_request, reference_token};
use testkit::{TestApp, TestConfig};
use uuid::Uuid;

use super::{jobs_of_kind, reference_row};
use crate::helpers::problem;
use crate::{fixtures, on_both_backends, on_both_databases};

on_both_databases!(
    transient_failure_is_retried_with_backoff_then_succeeds,
    permanent_failure_bounces_the_reference_and_tells_the_owner,
    a_job_rerun_after_a_crash_records_one_message_per_key,
    a_worker_has_several_invitations_at_the_mail_server_at_once,
    failures_in_a_batch_of_invitations_hold_back_none_of_the_others,
    a_nomination_job_rerun_after_its_email_keeps_the_link_the_provider_has,
    a_self_assessment_job_rerun_after_its_email_keeps_the_link_the_provider_has,
);

on_both_backends!(exhausted_attempts_go_to_the_dead_letter_queue_and_an_admin_retry_delivers);

async fn transient_failure_is_retried_with_backoff_then_succeeds(app: TestApp) {
    let s = fixtures::case_with_referees(&app, 1, Some(1)).await;
    let referee = s.email(0);
    app.smtp.reject(&referee, 451, "4.7.1 Try again later");
    s.launch(&app).await;
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
    let s = fixtures::case_with_referees(&app, 1, Some(1)).await;
    let referee = s.email(0);
    app.smtp.reject(&referee, 550, "5.1.1 No such user");
    s.launch(&app).await;
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
        .get(&format!("/api/v1/cases/{}/events", s.id), &s.ops)
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
    let s = fixtures::case_with_referees(&app, 1, Some(1)).await;
    let referee = s.email(0);
    app.smtp
        .reject(&referee, 421, "4.3.2 Service shutting down");
    s.launch(&app).await;
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
    let s = fixtures::launched_case_with_quorum(&app, 1, 1).await;
    let referee = s.email(0);
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

    // Crash between the SMTP server's 250 and our commit: none of what the invitation
    // causes was written (its link, its log row, the reference's state are one commit), so
    // the message goes out again, as a message of its own.
    let log = email_log::Entity::find()
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    let first_id = log.message_id.clone().unwrap();
    email_log::Entity::delete_by_id(log.id)
        .exec(app.engine.db())
        .await
        .unwrap();
    reference_token::Entity::delete_many()
        .exec(app.engine.db())
        .await
        .unwrap();
    let mut reference: reference_request::ActiveModel =
        reference_row(&app, &s.references[0]).await.into();
    reference.invitations_sent = Set(0);
    reference.status = Set(engine::domain::ReferenceStatus::Pending);
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
    assert_ne!(
        messages[1].header("Message-ID").unwrap(),
        first_id,
        "the copy whose link works must not be hidden as a duplicate of the first"
    );
    assert_eq!(logs[0].message_id, messages[1].header("Message-ID"));
    let links = app.links_sent_to(&referee);
    assert_eq!(links.len(), 2);
    let opened = app
        .client
        .get(app.url(&format!("/r/{}", links[1])))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200, "the second copy's link works");
    assert_eq!(reference_row(&app, &s.references[0]).await.status, "opened");
}

/// Runs `job` again as if its worker had crashed after committing everything but before
/// marking the job done: the lease runs out and another worker takes the job over.
async fn rerun_after_crash(app: &TestApp, job: job::Model) {
    resurrect_as_crashed(app, job).await;
    app.clock.advance(Duration::seconds(61));
    app.engine.run_until_idle().await.unwrap();
}

/// The provider's nomination link is emailed once; a second run of the job (a worker that
/// died after the email was recorded) neither sends again nor replaces the link, which
/// would leave the provider holding a dead one.
async fn a_nomination_job_rerun_after_its_email_keeps_the_link_the_provider_has(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let res = app
        .post(
            &format!("/api/v1/cases/{}/nominate", case["id"].as_str().unwrap()),
            &ops,
        )
        .json(&serde_json::json!({ "count": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    let contact = crate::evidence::CONTACT;
    let [link]: [String; 1] = app.tokens_sent_to(contact, "/n/").try_into().unwrap();
    assert_eq!(app.fetch(&format!("/n/{link}")).await.status(), 200);

    let job = jobs_of_kind(&app, "send_nomination").await.remove(0);
    assert_eq!(job.status, "done");
    rerun_after_crash(&app, job.clone()).await;

    assert_eq!(
        app.tokens_sent_to(contact, "/n/"),
        std::slice::from_ref(&link),
        "no second email"
    );
    assert_eq!(
        app.fetch(&format!("/n/{link}")).await.status(),
        200,
        "the link the provider has still opens the form"
    );
    let job = job::Entity::find_by_id(job.id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, "done");
}

/// The same for the self-assessment link.
async fn a_self_assessment_job_rerun_after_its_email_keeps_the_link_the_provider_has(app: TestApp) {
    let case = crate::evidence::open_case(&app, serde_json::json!({ "min_responses": 1 })).await;
    let link = crate::evidence::requested_link(&app, &case).await;
    assert_eq!(app.fetch(&format!("/s/{link}")).await.status(), 200);

    let job = jobs_of_kind(&app, "send_self_assessment").await.remove(0);
    rerun_after_crash(&app, job).await;

    let contact = crate::evidence::CONTACT;
    assert_eq!(
        app.tokens_sent_to(contact, "/s/"),
        std::slice::from_ref(&link),
        "no second email"
    );
    assert_eq!(
        app.fetch(&format!("/s/{link}")).await.status(),
        200,
        "the link the provider has still opens the form"
    );
}

/// Dispatch runs jobs side by side: while the mail server sits on each message without
/// answering, the one worker of `run_until_idle` has every invitation of the case at the
/// server at once (one after another, the first would hold up the rest). Once the server
/// answers, each is recorded once.
async fn a_worker_has_several_invitations_at_the_mail_server_at_once(app: TestApp) {
    const REFEREES: usize = 6;
    let s = fixtures::case_with_referees(&app, REFEREES, Some(2)).await;
    app.smtp.hold_after(0);
    s.launch(&app).await;
    let engine = app.engine.clone();
    let dispatch = tokio::spawn(async move { engine.run_until_idle().await });
    // Fails after the sink's guard if the invitations reach the server one at a time.
    app.smtp.wait_held(REFEREES).await;
    assert_eq!(app.smtp.release(), REFEREES);
    dispatch.await.expect("dispatch task").expect("run jobs");
    assert_eq!(app.smtp.messages().len(), REFEREES);
    for reference in &s.references {
        assert_eq!(reference_row(&app, reference).await.status, "invited");
    }
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(logs.len(), REFEREES, "one log row per invitation");
    assert!(logs.iter().all(|l| l.status == "sent"));
}

/// Invitations claimed together go out as one batch, across cases. A bounce and a
/// transient failure in it are each handled on their own (the bounce marks its reference,
/// the other is retried), and every other invitation is recorded with a link that works
/// and its reminders. The retried one, delivered later, updates its log row.
async fn failures_in_a_batch_of_invitations_hold_back_none_of_the_others(app: TestApp) {
    let first = fixtures::case_with_referees(&app, 4, Some(1)).await;
    let second = fixtures::case_with_referees(&app, 2, Some(1)).await;
    let bounced = first.email(0);
    let later = first.email(1);
    app.smtp.reject(&bounced, 550, "5.1.1 No such user");
    app.smtp.reject(&later, 451, "4.7.1 Try again later");
    first.launch(&app).await;
    second.launch(&app).await;
    app.engine.run_until_idle().await.unwrap();

    assert_eq!(
        reference_row(&app, &first.references[0]).await.status,
        "bounced"
    );
    assert_eq!(
        reference_row(&app, &first.references[1]).await.status,
        "pending"
    );
    let delivered: Vec<(String, Value)> = (2..4)
        .map(|n| (first.email(n), first.references[n].clone()))
        .chain((0..2).map(|n| (second.email(n), second.references[n].clone())))
        .collect();
    let reminders = jobs_of_kind(&app, "send_reminder").await;
    for (email, reference) in &delivered {
        assert_eq!(reference_row(&app, reference).await.status, "invited");
        let links = app.links_sent_to(email);
        assert_eq!(links.len(), 1, "one invitation to {email}");
        let opened = app
            .client
            .get(app.url(&format!("/r/{}", links[0])))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), 200, "the link sent to {email} works");
        let own = reminders
            .iter()
            .filter(|j| j.payload["reference_id"] == reference["id"])
            .count();
        assert!(own > 0, "reminders are queued for {email}");
    }
    assert!(
        reminders.iter().all(|j| {
            delivered
                .iter()
                .any(|(_, r)| j.payload["reference_id"] == r["id"])
        }),
        "no reminders for the bounced or the undelivered invitation"
    );
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    let logged_as = |email: &str, status: &str| {
        logs.iter()
            .any(|l| l.recipient == email && l.kind == "invitation" && l.status == status)
    };
    assert!(logged_as(&bounced, "failed"));
    assert!(logged_as(&later, "retrying"));

    app.smtp.accept(&later);
    app.clock.advance(Duration::seconds(120));
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        reference_row(&app, &first.references[1]).await.status,
        "invited"
    );
    assert_eq!(app.links_sent_to(&later).len(), 1);
    let logs = email_log::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap();
    let rows: Vec<_> = logs
        .iter()
        .filter(|l| l.recipient == later && l.kind == "invitation")
        .collect();
    assert_eq!(
        rows.len(),
        1,
        "the retried invitation keeps its one log row"
    );
    assert_eq!(rows[0].status, "sent");
}
