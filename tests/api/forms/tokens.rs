//! Referee links that cannot or may no longer be used: unknown, superseded by a resent
//! link, expired at the deadline; and the per-client rate limit of the public routes.

use chrono::Duration;
use sea_orm::EntityTrait;
use store::entity::reference_request;
use testkit::{Backend, TestApp, TestConfig};

use super::{complete_form, stored_answers};
use crate::helpers::problem;
use crate::{fixtures, on_both_backends, on_both_databases};

on_both_databases!(unknown_superseded_and_expired_links_answer_404_404_and_410);

on_both_backends!(public_routes_are_rate_limited_per_client_with_retry_after);

async fn unknown_superseded_and_expired_links_answer_404_404_and_410(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let unknown = app
        .fetch("/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(unknown.status(), 404);
    let unknown_page = unknown.text().await.unwrap();
    let id = case.reference_id(0);
    let res = app
        .post(&format!("/api/v1/references/{id}/resend"), &case.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let old = app.fetch(&format!("/r/{}", links[0])).await;
    assert_eq!(old.status(), 404);
    assert_eq!(
        old.text().await.unwrap(),
        unknown_page,
        "no hint whether the link ever existed"
    );
    let res = app
        .post_form(&format!("/r/{}", links[0]), &complete_form())
        .await;
    assert_eq!(res.status(), 404);
    app.engine.run_until_idle().await.unwrap();
    let email = reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .email;
    let fresh = app.links_sent_to(&email).pop().unwrap();
    assert_eq!(app.fetch(&format!("/r/{fresh}")).await.status(), 200);
    app.clock.advance(Duration::days(15));
    let expired = app.fetch(&format!("/r/{fresh}")).await;
    assert_eq!(
        expired.status(),
        410,
        "past the deadline, before the deadline job even ran"
    );
    app.engine.run_until_idle().await.unwrap();
    let expired = app
        .post_form(&format!("/r/{fresh}"), &complete_form())
        .await;
    // Answers sent after the release: 409, the check has closed (API.md "Disclosure").
    assert_eq!(expired.status(), 409);
    assert!(expired.text().await.unwrap().contains("closed"));
    assert!(stored_answers(&app, id).await.is_empty());
}

async fn public_routes_are_rate_limited_per_client_with_retry_after(backend: Backend) {
    let mut config = TestConfig::default();
    config.limits.public_requests_per_minute = 3;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    for _ in 0..3 {
        let res = app.fetch(&format!("/r/{}", links[0])).await;
        assert_eq!(res.status(), 200);
    }
    let res = app.fetch(&format!("/r/{}", links[0])).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    problem(res, 429).await;
    let res = app.fetch("/api/v1/public/forms/whatever").await;
    assert_eq!(res.status(), 429, "the JSON form shares the limit");
    // Staff routes are not limited this way.
    let res = app.get("/api/v1/me", &case.ops).send().await.unwrap();
    assert_eq!(res.status(), 200);
}
