//! One vote per client organisation, and the case's organisations quorum.

use serde_json::json;
use testkit::{Backend, TestApp};

use super::{answer, behind_proxy, dimension, flag_kinds, open_case};
use crate::helpers::field_error;
use crate::on_both_backends;

async fn min_organisations_defaults_from_the_quorum_and_is_checked(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let case = open_case(&app, json!({})).await.get(&app).await;
    assert_eq!(case["min_responses"], 3);
    assert_eq!(case["min_organisations"], 2, "min(2, 3)");
    assert_eq!(case["self_assessment"], "not_requested");
    let case = open_case(&app, json!({ "min_responses": 1 }))
        .await
        .get(&app)
        .await;
    assert_eq!(case["min_organisations"], 1, "min(2, 1)");
    let case = open_case(&app, json!({ "min_responses": 4, "min_organisations": 4 }))
        .await
        .get(&app)
        .await;
    assert_eq!(case["min_organisations"], 4);

    let ops = app.token_for(engine::domain::Role::Ops).await;
    let provider = app.create_provider(&ops).await;
    for body in [
        json!({ "provider_id": provider["id"], "min_organisations": 0 }),
        json!({ "provider_id": provider["id"], "min_organisations": 4 }),
        json!({ "provider_id": provider["id"], "min_responses": 2, "min_organisations": 3 }),
    ] {
        let res = app
            .post("/api/v1/cases", &ops)
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = field_error(res, "min_organisations").await;
        assert!(problem.to_string().contains("between 1 and"), "{problem}");
    }
}

/// Three people from one client and one from another: the clients count once each.
async fn several_people_of_one_client_count_as_one_vote(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    // Three people of one client, everyone answered: the quorum of people is met, that of
    // clients not.
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    for i in 1..=3 {
        case.add(&app, &format!("p{i}@friendly.example"), "Friendly Ltd")
            .await;
    }
    case.launch(&app).await;
    for i in 1..=3 {
        let email = format!("p{i}@friendly.example");
        answer(&app, &email, 5, &format!("198.51.100.{i}")).await;
    }
    let r = case.report(&app).await;
    assert_eq!(r["released"], true);
    assert_eq!(r["responses"], 3);
    assert_eq!(r["organisations"], 1);
    assert_eq!(r["min_organisations"], 2);
    assert_eq!(r["recommendation"], "insufficient_data");
    assert!(flag_kinds(&r).contains(&"insufficient_organisations".to_owned()));
    assert!(!flag_kinds(&r).contains(&"insufficient_responses".to_owned()));
    let values = dimension(&r, "values");
    assert_eq!(values["n"], 1);
    assert_eq!(values["referees"], 3);
    assert_eq!(values["score"], 100.0);
    assert_eq!(values["ci95"], json!([0.0, 100.0]));
    assert_eq!(values["agreement"], json!(null));

    // Three people of that client and a critic of another.
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    for i in 4..=6 {
        case.add(&app, &format!("p{i}@friendly.example"), "Friendly Ltd")
            .await;
    }
    case.add(&app, "critic@sceptic.example", "Sceptic GmbH")
        .await;
    case.launch(&app).await;
    for i in 4..=6 {
        let email = format!("p{i}@friendly.example");
        answer(&app, &email, 5, &format!("198.51.100.{i}")).await;
    }
    answer(&app, "critic@sceptic.example", 1, "198.51.100.9").await;
    let r = case.report(&app).await;
    assert_eq!(r["released"], true);
    assert_eq!(r["organisations"], 2);
    assert!(!flag_kinds(&r).contains(&"insufficient_organisations".to_owned()));
    // Organisation means 5 and 1 → 3 → 50.0; the four people's plain mean is 4 → 75.0.
    let values = dimension(&r, "values");
    assert_eq!(values["n"], 2);
    assert_eq!(values["referees"], 4);
    assert_eq!(values["score"], 50.0);
    assert_eq!(values["person_score"], 75.0);
    assert_eq!(r["alignment_score"], 50.0);
    assert_ne!(r["recommendation"], "insufficient_data");
}

/// Public mailbox addresses are grouped by the company the referee named.
async fn public_mailboxes_are_grouped_by_company(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    case.add(&app, "ann@gmail.com", "Acme  Corp").await;
    case.add(&app, "bob@GMAIL.com", " acme corp").await;
    case.add(&app, "cy@gmail.com", "Other Co").await;
    case.launch(&app).await;
    answer(&app, "ann@gmail.com", 5, "198.51.100.1").await;
    answer(&app, "bob@gmail.com", 5, "198.51.100.2").await;
    let r = case.report(&app).await;
    assert_eq!(r["organisations"], 1, "the same company, however spelt");
    answer(&app, "cy@gmail.com", 3, "198.51.100.3").await;
    let r = case.report(&app).await;
    assert_eq!(r["released"], true, "everyone answered");
    assert_eq!(
        r["organisations"], 2,
        "gmail.com itself is not an organisation"
    );
    assert_eq!(dimension(&r, "values")["n"], 2);
}

on_both_backends!(
    min_organisations_defaults_from_the_quorum_and_is_checked,
    several_people_of_one_client_count_as_one_vote,
    public_mailboxes_are_grouped_by_company
);
