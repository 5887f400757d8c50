//! Cases and references: defaults, snapshots, counts, limits and states.

use engine::domain::Role;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use store::entity::vetting_case;
use testkit::{Backend, TestApp, TestConfig};

use crate::helpers::{field_error, problem};
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    new_case_is_a_draft_with_contract_defaults,
    references_appear_on_the_case_with_counts,
    case_list_filters_by_status,
    adding_a_reference_to_a_closed_case_answers_409_naming_the_state,
    case_for_unknown_provider_is_a_field_error,
);

fn reference(n: usize) -> Value {
    json!({
        "name": format!("Referee {n}"),
        "email": format!("referee{n}@client{n}.example"),
        "company": format!("Client {n}"),
        "relationship": "client since 2021"
    })
}

async fn new_case_is_a_draft_with_contract_defaults(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    assert_eq!(case["status"], "draft");
    assert_eq!(case["min_responses"], 3);
    assert_eq!(case["deadline_days"], 14);
    assert_eq!(case["template_version"], 1);
    assert_eq!(case["title"], "Reference check: Ledger & Co");
    assert_eq!(case["references"], json!([]));
    let counts = case["counts"].as_object().unwrap();
    assert_eq!(counts.len(), 8);
    assert!(counts.values().all(|v| v == 0));

    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": case["provider_id"], "title": "Q3 payroll", "min_responses": 5, "deadline_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let custom: Value = res.json().await.unwrap();
    assert_eq!(custom["title"], "Q3 payroll");
    assert_eq!(custom["min_responses"], 5);
    assert_eq!(custom["deadline_days"], 30);
}

async fn references_appear_on_the_case_with_counts(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let id = case["id"].as_str().unwrap();
    for n in 1..=2 {
        let res = app
            .post(&format!("/api/v1/cases/{id}/references"), &ops)
            .json(&reference(n))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["status"], "pending");
        assert_eq!(r["case_id"], id);
        assert!(r["nominated_by"].as_str().unwrap().starts_with("user:"));
    }
    let hr = app.token_for(Role::Hr).await;
    let case: Value = app
        .get(&format!("/api/v1/cases/{id}"), &hr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["references"].as_array().unwrap().len(), 2);
    assert_eq!(case["references"][0]["name"], "Referee 1");
    assert_eq!(case["counts"]["pending"], 2);
    assert_eq!(case["counts"]["completed"], 0);
    let res = app
        .post(
            &format!("/api/v1/cases/{}/references", uuid::Uuid::now_v7()),
            &ops,
        )
        .json(&reference(3))
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

async fn case_list_filters_by_status(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let a = app.create_case(&ops).await;
    let b = app.create_case(&ops).await;
    let mut row: vetting_case::ActiveModel =
        vetting_case::Entity::find_by_id(b["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap())
            .one(app.engine.db())
            .await
            .unwrap()
            .unwrap()
            .into();
    row.status = Set(engine::domain::CaseStatus::Review);
    row.update(app.engine.db()).await.unwrap();

    let drafts: Value = app
        .get("/api/v1/cases?status=draft", &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = drafts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![a["id"].as_str().unwrap()]);
    let all: Value = app
        .get("/api/v1/cases", &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let res = app
        .get("/api/v1/cases?status=archived", &ops)
        .send()
        .await
        .unwrap();
    field_error(res, "status").await;
}

async fn adding_a_reference_to_a_closed_case_answers_409_naming_the_state(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let id: uuid::Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let mut row: vetting_case::ActiveModel = vetting_case::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .into();
    row.status = Set(engine::domain::CaseStatus::Decided);
    row.update(app.engine.db()).await.unwrap();
    let res = app
        .post(&format!("/api/v1/cases/{id}/references"), &ops)
        .json(&reference(1))
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert_eq!(body["current_state"], "decided");
    assert!(body["detail"].as_str().unwrap().contains("decided"));
}

async fn case_for_unknown_provider_is_a_field_error(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": uuid::Uuid::now_v7()}))
        .send()
        .await
        .unwrap();
    field_error(res, "provider_id").await;
    let provider = app.create_provider(&ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": provider["id"], "template_id": uuid::Uuid::now_v7()}))
        .send()
        .await
        .unwrap();
    field_error(res, "template_id").await;
}

async fn references_beyond_the_configured_maximum_are_rejected(backend: Backend) {
    let mut config = TestConfig::default();
    config.workflow.max_references_per_case = 2;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let id = case["id"].as_str().unwrap();
    for n in 1..=2 {
        let res = app
            .post(&format!("/api/v1/cases/{id}/references"), &ops)
            .json(&reference(n))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let res = app
        .post(&format!("/api/v1/cases/{id}/references"), &ops)
        .json(&reference(3))
        .send()
        .await
        .unwrap();
    let body = field_error(res, "references").await;
    assert!(body["detail"].as_str().unwrap().contains("at most 2"));
}

on_both_backends!(references_beyond_the_configured_maximum_are_rejected);
