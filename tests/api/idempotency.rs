//! Idempotency-Key on POST.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::helpers::{field_error, problem};
use crate::on_both_databases;

on_both_databases!(
    repeated_key_with_same_body_replays_and_creates_nothing,
    repeated_key_with_a_different_body_is_rejected,
    keys_are_scoped_to_the_caller,
    failed_requests_are_replayed_too,
    stored_answers_older_than_a_day_are_purged,
    a_replayed_webhook_registration_or_rotation_never_shows_the_secret_again,
    a_replay_is_refused_to_a_caller_whose_role_no_longer_admits_the_request,
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
            .idempotency()
            .purge_idempotency_keys(chrono::Duration::days(1))
            .await
            .unwrap(),
        0
    );
    app.clock.advance(chrono::Duration::hours(25));
    assert_eq!(
        app.engine
            .idempotency()
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

/// POSTs `body` to `path` as `token` with `Idempotency-Key: key`.
async fn post_with_key(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.post(path, token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Every stored answer of the idempotency store, as the database holds it.
async fn stored_answers(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    store::entity::idempotency_key::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|row| row.response_body)
        .collect()
}

async fn a_replayed_webhook_registration_or_rotation_never_shows_the_secret_again(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let hook = json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] });
    let first = post_with_key(&app, &admin, "/api/v1/webhooks", "hook-1", &hook).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let secret = first["secret"].as_str().unwrap().to_owned();
    let id = first["id"].as_str().unwrap().to_owned();

    let replay = post_with_key(&app, &admin, "/api/v1/webhooks", "hook-1", &hook).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["id"], first["id"], "the same endpoint, nothing new");
    assert!(replay.get("secret").is_none(), "{replay}");
    let list: Value = app
        .get("/api/v1/webhooks", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Rotation: the new secret is in the first answer only, and a replay rotates nothing.
    let rotate = format!("/api/v1/webhooks/{id}/rotate");
    let rotated = post_with_key(&app, &admin, &rotate, "rotate-1", &Value::Null).await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let replay = post_with_key(&app, &admin, &rotate, "rotate-1", &Value::Null).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert!(replay.get("secret").is_none(), "{replay}");

    let stored = stored_answers(&app).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    for body in &stored {
        assert!(body.contains(&id), "{body}");
        assert!(
            !body.contains(&secret) && !body.contains(&new_secret) && !body.contains("whsec_"),
            "no secret is stored: {body}"
        );
    }
}

async fn a_replay_is_refused_to_a_caller_whose_role_no_longer_admits_the_request(app: TestApp) {
    // Two admins, so one can be demoted.
    let _other_admin = app.token_for(Role::Admin).await;
    let admin = app.token_for(Role::Admin).await;
    let hook = json!({ "url": "http://127.0.0.1:9/hook", "events": ["*"] });
    let res = post_with_key(&app, &admin, "/api/v1/webhooks", "hook-1", &hook).await;
    assert_eq!(res.status(), 201);
    let hook_id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let disable = format!("/api/v1/webhooks/{hook_id}/disable");
    let res = post_with_key(&app, &admin, &disable, "off-1", &Value::Null).await;
    assert_eq!(res.status(), 200);

    // Another staff member with the same key string has no stored answer to get.
    let ops = app.token_for(Role::Ops).await;
    let res = post_with_key(&app, &ops, "/api/v1/webhooks", "hook-1", &hook).await;
    problem(res, 403).await;

    // The admin becomes ops: their own key's stored answer is no longer theirs to read.
    let me: Value = app
        .get("/api/v1/me", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    app.engine
        .accounts()
        .set_user_role(id, Role::Ops, &engine::audit::Actor::System)
        .await
        .unwrap();
    let res = post_with_key(&app, &admin, "/api/v1/webhooks", "hook-1", &hook).await;
    assert!(res.headers().get("idempotent-replayed").is_none());
    let p = problem(res, 403).await;
    assert!(p.to_string().contains("admin"), "{p}");
    // A route with an id in its path is recognised too.
    let res = post_with_key(&app, &admin, &disable, "off-1", &Value::Null).await;
    assert!(res.headers().get("idempotent-replayed").is_none());
    problem(res, 403).await;
    // What ops may do, the demoted user still gets replayed: the check is the route's.
    let provider = body("Acme IT");
    let res = post_with_key(&app, &admin, "/api/v1/providers", "p-1", &provider).await;
    assert_eq!(res.status(), 201);
    let res = post_with_key(&app, &admin, "/api/v1/providers", "p-1", &provider).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
}
