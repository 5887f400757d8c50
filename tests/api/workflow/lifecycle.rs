//! The lifecycle routes of a case and its references: resend, withdraw, cancel, close
//! early, and the timeline of every change.

use chrono::Duration;
use engine::domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use store::entity::reference_token;
use testkit::TestApp;
use uuid::Uuid;

use super::{case_json, reference_row, subjects_to};
use crate::helpers::problem;
use crate::{fixtures, on_both_databases};

on_both_databases!(
    resend_kills_the_old_link_and_mails_a_new_one,
    withdrawn_and_cancelled_references_get_no_more_mail,
    closing_early_moves_to_review_and_notifies_the_owner,
    timeline_lists_every_change_oldest_first,
);

async fn resend_kills_the_old_link_and_mails_a_new_one(app: TestApp) {
    let s = fixtures::case_with_referees(&app, 1, Some(1)).await;
    let referee = s.email(0);
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
    s.launch(&app).await;
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
    let s = fixtures::launched_case_with_quorum(&app, 2, 1).await;
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
        .post(&format!("/api/v1/cases/{}/cancel", s.id), &s.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "cancelled");
    let res = app
        .post(&format!("/api/v1/cases/{}/cancel", s.id), &s.ops)
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
    let s = fixtures::case_with_referees(&app, 1, Some(3)).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/close", s.id), &s.ops)
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(body["current_state"], "draft");
    s.launch(&app).await;
    let hr = app.token_for(Role::Hr).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/close", s.id), &hr)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "review");
    assert!(case["closed_at"].is_string());
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(subjects_to(&app, &s.owner_email).len(), 1);
    let res = app.post(&format!("/api/v1/cases/{}/references", s.id), &s.ops)
        .json(&json!({"name": "Late", "email": "late@x.example", "company": "X", "relationship": "client"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "review");
}

async fn timeline_lists_every_change_oldest_first(app: TestApp) {
    let s = fixtures::launched_case_with_quorum(&app, 1, 1).await;
    let hr = app.token_for(Role::Hr).await;
    let res = app
        .get(&format!("/api/v1/cases/{}/events", s.id), &hr)
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
