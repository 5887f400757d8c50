//! Launching a case: every pending referee is invited by email through the job queue,
//! only the link's hash is stored, a launch needs a referee and happens once, and a
//! referee added while collecting is invited at once.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use store::entity::{email_log, reference_token};
use testkit::TestApp;
use uuid::Uuid;

use super::{case_json, reference_row};
use crate::helpers::{field_error, problem};
use crate::{fixtures, on_both_databases};

on_both_databases!(
    launch_invites_every_pending_reference_by_email,
    launch_needs_a_reference_and_happens_once,
    reference_added_while_collecting_is_invited_at_once,
);

async fn launch_invites_every_pending_reference_by_email(app: TestApp) {
    let s = fixtures::case_with_referees(&app, 2, Some(2)).await;
    let case = s.launch(&app).await;
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
    let s = fixtures::case_with_referees(&app, 0, Some(1)).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/launch", s.id), &s.ops)
        .send()
        .await
        .unwrap();
    field_error(res, "references").await;
    assert_eq!(case_json(&app, &s).await["status"], "draft");
    app.add_reference(&s.ops, &s.id.to_string(), 1).await;
    s.launch(&app).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/launch", s.id), &s.ops)
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

async fn reference_added_while_collecting_is_invited_at_once(app: TestApp) {
    let s = fixtures::launched_case_with_quorum(&app, 1, 1).await;
    let late = app.add_reference(&s.ops, &s.id.to_string(), 9).await;
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(app.links_sent_to(&email_of(&late)).len(), 1);
    assert_eq!(reference_row(&app, &late).await.status, "invited");
}

fn email_of(reference: &Value) -> String {
    reference["email"].as_str().unwrap().to_owned()
}
