//! Idempotency-Key on POST.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::helpers::field_error;
use crate::on_both_databases;

on_both_databases!(
    repeated_key_with_same_body_replays_and_creates_nothing,
    repeated_key_with_a_different_body_is_rejected,
    keys_are_scoped_to_the_caller,
    failed_requests_are_replayed_too,
    stored_answers_older_than_a_day_are_purged,
);

fn body(name: &str) -> Value {
    json!({"name": name, "category": "it", "contact_name": "C", "contact_email": "c@it.example"})
}

async fn provider_count(app: &TestApp, token: &str) -> usize {
    let list: Value = app
        .get("/api/v1/providers", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["items"].as_array().unwrap().len()
}

async fn repeated_key_with_same_body_replays_and_creates_nothing(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let first = app
        .post("/api/v1/providers", &ops)
        .header("Idempotency-Key", "abc-123")
        .json(&body("Acme IT"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let second = app
        .post("/api/v1/providers", &ops)
        .header("Idempotency-Key", "abc-123")
        .json(&body("Acme IT"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.headers()["content-type"], "application/json");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(provider_count(&app, &ops).await, 1);

    // Without a key, or with another key, a new provider is created.
    let res = app
        .post("/api/v1/providers", &ops)
        .json(&body("Acme IT"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = app
        .post("/api/v1/providers", &ops)
        .header("Idempotency-Key", "abc-124")
        .json(&body("Acme IT"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(provider_count(&app, &ops).await, 3);
}

async fn repeated_key_with_a_different_body_is_rejected(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let res = app
        .post("/api/v1/providers", &ops)
        .header("Idempotency-Key", "k1")
        .json(&body("One"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = app
        .post("/api/v1/providers", &ops)
        .header("Idempotency-Key", "k1")
        .json(&body("Two"))
        .send()
        .await
        .unwrap();
    field_error(res, "Idempotency-Key").await;
    assert_eq!(provider_count(&app, &ops).await, 1);
}

async fn keys_are_scoped_to_the_caller(app: TestApp) {
    let a = app.token_for(Role::Ops).await;
    let b = app.token_for(Role::Ops).await;
    for token in [&a, &b] {
        let res = app
            .post("/api/v1/providers", token)
            .header("Idempotency-Key", "shared")
            .json(&body("Same"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        assert!(res.headers().get("idempotent-replayed").is_none());
    }
    assert_eq!(provider_count(&app, &a).await, 2);
}

async fn failed_requests_are_replayed_too(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let bad =
        json!({"name": "", "category": "it", "contact_name": "C", "contact_email": "c@it.example"});
    for _ in 0..2 {
        let res = app
            .post("/api/v1/providers", &ops)
            .header("Idempotency-Key", "bad-1")
            .json(&bad)
            .send()
            .await
            .unwrap();
        field_error(res, "name").await;
    }
    assert_eq!(provider_count(&app, &ops).await, 0);
}

async fn stored_answers_older_than_a_day_are_purged(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let res = app
        .post("/api/v1/providers", &ops)
        .header("Idempotency-Key", "old-key")
        .json(&body("Old"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        app.engine
            .purge_idempotency_keys(chrono::Duration::days(1))
            .await
            .unwrap(),
        0
    );
    app.clock.advance(chrono::Duration::hours(25));
    assert_eq!(
        app.engine
            .purge_idempotency_keys(chrono::Duration::days(1))
            .await
            .unwrap(),
        1
    );
    // The key is free again: the same request now creates a new provider.
    let res = app
        .post("/api/v1/providers", &ops)
        .header("Idempotency-Key", "old-key")
        .json(&body("Old"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_eq!(provider_count(&app, &ops).await, 2);
}
