//! Bad input: each answered with the right status and, where a field is to blame, its name.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::helpers::{field_error, problem};
use crate::on_both_databases;

on_both_databases!(
    provider_fields_are_validated_by_name,
    case_numbers_out_of_range_are_rejected,
    unknown_fields_and_wrong_types_name_the_field,
    malformed_json_oversize_and_wrong_media_type,
    an_optional_body_too_large_or_malformed_is_a_problem_document,
    reference_fields_are_validated_and_nothing_is_stored,
    the_engine_itself_refuses_bad_references_and_incomplete_answers,
);

/// The engine's own entry points check what the API and the forms check, so a caller
/// that skips the front ends (a future importer, a script) cannot store bad data.
async fn the_engine_itself_refuses_bad_references_and_incomplete_answers(app: TestApp) {
    use engine::EngineError;
    use engine::audit::Actor;
    use engine::cases::NewReference;
    use engine::workflow::SubmissionMeta;

    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let case_id: uuid::Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let good = || NewReference {
        name: "Referee".into(),
        email: "referee@client.example".into(),
        company: "Client".into(),
        relationship: "client since 2021".into(),
        override_reason: None,
        locale: None,
    };
    for (bad, field) in [
        (
            NewReference {
                name: "  ".into(),
                ..good()
            },
            "name",
        ),
        (
            NewReference {
                email: "not-an-email".into(),
                ..good()
            },
            "email",
        ),
        (
            NewReference {
                company: "x".repeat(201),
                ..good()
            },
            "company",
        ),
        (
            NewReference {
                relationship: String::new(),
                ..good()
            },
            "relationship",
        ),
    ] {
        match app
            .engine
            .cases()
            .add_reference(case_id, bad, &Actor::System)
            .await
        {
            Err(EngineError::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected a validation error on {field}, got {other:?}"),
        }
    }
    let reference = app
        .engine
        .cases()
        .add_reference(case_id, good(), &Actor::System)
        .await
        .unwrap();
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    match app
        .engine
        .cases()
        .decline_reference(reference.id, Some("x".repeat(1001)))
        .await
    {
        Err(EngineError::Validation { field, .. }) => assert_eq!(field, "reason"),
        other => panic!("expected a validation error on reason, got {other:?}"),
    }
    match app
        .engine
        .reports()
        .record_decision(
            case_id,
            engine::report::Outcome::Approved,
            &"x".repeat(5001),
            uuid::Uuid::now_v7(),
        )
        .await
    {
        Err(EngineError::Validation { field, .. }) => assert_eq!(field, "rationale"),
        other => panic!("expected a validation error on rationale, got {other:?}"),
    }
    let partial = vec![("values_shared".to_owned(), "9".to_owned())];
    match app
        .engine
        .cases()
        .submit_response(reference.id, partial, SubmissionMeta::default())
        .await
    {
        Err(EngineError::InvalidAnswers { fields }) => {
            assert!(
                fields.iter().any(|e| e.key == "values_shared"),
                "{fields:?}"
            );
            assert!(fields.iter().any(|e| e.key == "rehire"), "{fields:?}");
        }
        other => panic!("expected InvalidAnswers, got {other:?}"),
    }
    let case = app.engine.cases().case(case_id).await.unwrap();
    assert_eq!(case.references.len(), 1, "no bad reference was stored");
    assert_eq!(
        case.references[0].status,
        engine::domain::ReferenceStatus::Invited
    );
}

fn provider() -> Value {
    json!({
        "name": "Ledger & Co",
        "category": "accounting",
        "contact_name": "Pat",
        "contact_email": "pat@ledger.example"
    })
}

async fn provider_fields_are_validated_by_name(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let cases = [
        ("contact_email", json!("not-an-email")),
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("x".repeat(201))),
        ("website", json!("not a url")),
        ("category", json!("")),
    ];
    for (field, value) in cases {
        let mut body = provider();
        body[field] = value;
        let res = app
            .post("/api/v1/providers", &ops)
            .json(&body)
            .send()
            .await
            .unwrap();
        field_error(res, field).await;
    }
    // Several errors at once are all reported.
    let mut body = provider();
    body["name"] = json!("");
    body["contact_email"] = json!("nope");
    let res = app
        .post("/api/v1/providers", &ops)
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = field_error(res, "name").await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2);
    // Nothing was stored by any of these.
    let list: Value = app
        .get("/api/v1/providers", &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
}

async fn case_numbers_out_of_range_are_rejected(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let provider = app.create_provider(&ops).await;
    for (field, value) in [
        ("min_responses", 0),
        ("min_responses", 21),
        ("deadline_days", 0),
        ("deadline_days", 91),
        ("min_responses", -3),
    ] {
        let mut body = json!({"provider_id": provider["id"]});
        body[field] = json!(value);
        let res = app
            .post("/api/v1/cases", &ops)
            .json(&body)
            .send()
            .await
            .unwrap();
        field_error(res, field).await;
    }
    for (field, value) in [
        ("min_responses", 1),
        ("min_responses", 20),
        ("deadline_days", 1),
        ("deadline_days", 90),
    ] {
        let mut body = json!({"provider_id": provider["id"]});
        body[field] = json!(value);
        let res = app
            .post("/api/v1/cases", &ops)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{field} = {value} is within bounds");
    }
}

async fn unknown_fields_and_wrong_types_name_the_field(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let mut body = provider();
    body["colour"] = json!("blue");
    let res = app
        .post("/api/v1/providers", &ops)
        .json(&body)
        .send()
        .await
        .unwrap();
    field_error(res, "colour").await;

    let provider = app.create_provider(&ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": provider["id"], "min_responses": "three"}))
        .send()
        .await
        .unwrap();
    field_error(res, "min_responses").await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": "not-a-uuid"}))
        .send()
        .await
        .unwrap();
    field_error(res, "provider_id").await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    field_error(res, "provider_id").await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!([1, 2]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

async fn malformed_json_oversize_and_wrong_media_type(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let res = app
        .post("/api/v1/providers", &ops)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(res, 400).await;

    let mut body = provider();
    body["name"] = json!("x".repeat(100 * 1024));
    let res = app
        .post("/api/v1/providers", &ops)
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(res, 413).await;

    let res = app
        .post("/api/v1/providers", &ops)
        .header("content-type", "text/plain")
        .body(provider().to_string())
        .send()
        .await
        .unwrap();
    problem(res, 415).await;
}

/// nominate reads its optional body itself; one over the limit used to get actix's own
/// plain-text 413 instead of a problem document.
async fn an_optional_body_too_large_or_malformed_is_a_problem_document(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let path = format!("/api/v1/cases/{}/nominate", case["id"].as_str().unwrap());
    let res = app
        .post(&path, &ops)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"count\": 3, \"pad\": \"{}\"}}",
            "x".repeat(100 * 1024)
        ))
        .send()
        .await
        .unwrap();
    problem(res, 413).await;
    let res = app
        .post(&path, &ops)
        .header("content-type", "application/json")
        .body("{\"count\": ")
        .send()
        .await
        .unwrap();
    problem(res, 400).await;
    let res = app
        .get(
            &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
            &ops,
        )
        .send()
        .await
        .unwrap();
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "draft", "nothing was asked of the provider");
}

async fn reference_fields_are_validated_and_nothing_is_stored(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let id = case["id"].as_str().unwrap();
    let good = json!({"name": "R", "email": "r@client.example", "company": "Client", "relationship": "client"});
    for (field, value) in [
        ("email", json!("r@")),
        ("name", json!("")),
        ("company", json!(" ")),
        ("relationship", json!("")),
    ] {
        let mut body = good.clone();
        body[field] = value;
        let res = app
            .post(&format!("/api/v1/cases/{id}/references"), &ops)
            .json(&body)
            .send()
            .await
            .unwrap();
        field_error(res, field).await;
    }
    let case: Value = app
        .get(&format!("/api/v1/cases/{id}"), &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["references"], json!([]));
}
