//! Providers: create, read, list with cursor pagination.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::helpers::{field_error, problem};
use crate::on_both_databases;

on_both_databases!(
    created_provider_is_returned_and_readable,
    provider_list_pages_with_a_cursor_newest_first,
    unknown_or_malformed_provider_id_answers_404,
);

async fn created_provider_is_returned_and_readable(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let res = app
        .post("/api/v1/providers", &ops)
        .json(&json!({
            "name": "  Brightside Marketing ",
            "category": "marketing",
            "website": "https://brightside.example",
            "contact_name": "Ana Bright",
            "contact_email": "Ana@Brightside.Example"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["name"], "Brightside Marketing");
    assert_eq!(created["contact_email"], "ana@brightside.example");
    assert_eq!(created["website"], "https://brightside.example");
    let id = created["id"].as_str().unwrap();

    let hr = app.token_for(Role::Hr).await;
    let fetched: Value = app
        .get(&format!("/api/v1/providers/{id}"), &hr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The provider as created, and its (still empty) history beside its fields.
    let mut fields = fetched.clone();
    let history = fields.as_object_mut().unwrap().remove("history");
    assert_eq!(fields, created);
    assert_eq!(history, Some(json!({ "cases": [], "engagements": [] })));
}

async fn provider_list_pages_with_a_cursor_newest_first(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            app.create_provider(&ops).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let first: Value = app
        .get("/api/v1/providers?limit=2", &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], ids[2].as_str());
    assert_eq!(items[1]["id"], ids[1].as_str());
    let cursor = first["next_cursor"].as_str().expect("a next cursor");
    let second: Value = app
        .get(&format!("/api/v1/providers?limit=2&cursor={cursor}"), &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["id"], ids[0].as_str());
    assert!(second["next_cursor"].is_null());

    let res = app
        .get("/api/v1/providers?limit=0", &ops)
        .send()
        .await
        .unwrap();
    field_error(res, "limit").await;
    let res = app
        .get("/api/v1/providers?limit=201", &ops)
        .send()
        .await
        .unwrap();
    field_error(res, "limit").await;
    let res = app
        .get("/api/v1/providers?cursor=nonsense", &ops)
        .send()
        .await
        .unwrap();
    field_error(res, "cursor").await;
    let res = app
        .get("/api/v1/providers?limit=two", &ops)
        .send()
        .await
        .unwrap();
    field_error(res, "limit").await;
}

async fn unknown_or_malformed_provider_id_answers_404(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let res = app
        .get(&format!("/api/v1/providers/{}", uuid::Uuid::now_v7()), &ops)
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
    let res = app
        .get("/api/v1/providers/not-a-uuid", &ops)
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
    let res = app.get("/api/v1/no-such-route", &ops).send().await.unwrap();
    problem(res, 404).await;
}
