//! The provider nominates its own client references through a tokenized form: ops asks
//! for nominations through the staff API, the provider's contact gets a link, and the
//! nominees join the case.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::helpers::{field_error, problem};
use crate::on_both_databases;

on_both_databases!(
    nominating_emails_the_provider_a_link_and_its_references_join_the_case,
    bad_nominations_name_every_field_keep_what_was_typed_and_add_nothing,
    a_referee_at_the_providers_own_domain_needs_confirmation,
    nominate_checks_the_count_and_the_case_state,
    asking_again_replaces_the_earlier_link,
);

const CONTACT: &str = "pat@ledger.example";

async fn nominated(app: &TestApp, count: u32) -> (String, String, String) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let res = app
        .post(&format!("/api/v1/cases/{id}/nominate"), &ops)
        .json(&json!({ "count": count }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "nominating");
    app.engine.run_until_idle().await.unwrap();
    let token = app
        .tokens_sent_to(CONTACT, "/n/")
        .pop()
        .expect("a nomination email");
    (ops, id, token)
}

fn row(i: usize, name: &str, email: &str, company: &str) -> Vec<(String, String)> {
    vec![
        (format!("name_{i}"), name.to_owned()),
        (format!("email_{i}"), email.to_owned()),
        (format!("company_{i}"), company.to_owned()),
        (format!("relationship_{i}"), "client since 2020".to_owned()),
    ]
}

async fn references_of(app: &TestApp, ops: &str, case_id: &str) -> Vec<Value> {
    let case: Value = app
        .get(&format!("/api/v1/cases/{case_id}"), ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    case["references"].as_array().unwrap().clone()
}

async fn nominating_emails_the_provider_a_link_and_its_references_join_the_case(app: TestApp) {
    let (ops, case_id, token) = nominated(&app, 2).await;
    let page = app.fetch(&format!("/n/{token}")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    for name in [
        "name_1",
        "email_1",
        "company_1",
        "relationship_1",
        "name_2",
        "relationship_2",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(!html.contains("name=\"name_3\""));
    let mut form = row(1, "Ria Client", "ria@client-one.example", "Client One");
    form.extend(row(2, "Sam Client", "sam@client-two.example", "Client Two"));
    let res = app.post_form(&format!("/n/{token}"), &form).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("References received"));
    let refs = references_of(&app, &ops, &case_id).await;
    assert_eq!(refs.len(), 2);
    assert!(
        refs.iter()
            .all(|r| r["status"] == "pending" && r["nominated_by"] == "provider")
    );
    app.engine.run_until_idle().await.unwrap();
    let me: Value = app
        .get("/api/v1/me", &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let owner_mail = app
        .smtp
        .messages()
        .into_iter()
        .filter(|m| {
            m.recipients
                .iter()
                .any(|r| r == me["email"].as_str().unwrap())
        })
        .count();
    assert_eq!(owner_mail, 1, "the ops lead hears about the nominations");
    let again = app.post_form(&format!("/n/{token}"), &form).await;
    assert_eq!(again.status(), 409);
    assert_eq!(references_of(&app, &ops, &case_id).await.len(), 2);
    // The ops lead launches, and the nominees are invited.
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(app.links_sent_to("ria@client-one.example").len(), 1);
}

async fn bad_nominations_name_every_field_keep_what_was_typed_and_add_nothing(app: TestApp) {
    let (ops, case_id, token) = nominated(&app, 3).await;
    let mut form = row(1, "Ria", "not-an-email", "Client One");
    form.extend(row(2, "Sam", "sam@client.example", ""));
    form.extend(row(3, "Sam again", "SAM@client.example", "Client Three"));
    let res = app.post_form(&format!("/n/{token}"), &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for id in ["error-email_1", "error-company_2", "error-email_3"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(
        html.contains("value=\"not-an-email\""),
        "typed values are kept"
    );
    assert!(html.contains("already on the list"));
    assert!(references_of(&app, &ops, &case_id).await.is_empty());
    let res = app
        .post_form(&format!("/n/{token}"), &[("name_1", "")])
        .await;
    assert_eq!(res.status(), 422, "at least one reference is needed");
}

async fn a_referee_at_the_providers_own_domain_needs_confirmation(app: TestApp) {
    let (ops, case_id, token) = nominated(&app, 1).await;
    let form = row(
        1,
        "Pat's colleague",
        "colleague@ledger.example",
        "Ledger & Co",
    );
    let res = app.post_form(&format!("/n/{token}"), &form).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("the provider&#x27;s own domain")
            || html.contains("the provider's own domain"),
        "{html}"
    );
    assert!(html.contains("name=\"confirm\""));
    assert!(
        references_of(&app, &ops, &case_id).await.is_empty(),
        "nothing added before confirming"
    );
    let mut confirmed = form.clone();
    confirmed.push(("confirm".into(), "on".into()));
    let res = app.post_form(&format!("/n/{token}"), &confirmed).await;
    assert_eq!(res.status(), 200);
    assert_eq!(references_of(&app, &ops, &case_id).await.len(), 1);
}

async fn nominate_checks_the_count_and_the_case_state(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let id = case["id"].as_str().unwrap();
    let res = app
        .post(&format!("/api/v1/cases/{id}/nominate"), &ops)
        .json(&json!({"count": 0}))
        .send()
        .await
        .unwrap();
    field_error(res, "count").await;
    let res = app
        .post(&format!("/api/v1/cases/{id}/nominate"), &ops)
        .json(&json!({"count": 11}))
        .send()
        .await
        .unwrap();
    field_error(res, "count").await;
    let res = app
        .post(&format!("/api/v1/cases/{id}/nominate"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "the count defaults to 3");
    app.add_reference(&ops, id, 1).await;
    let res = app
        .post(&format!("/api/v1/cases/{id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .post(&format!("/api/v1/cases/{id}/nominate"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "collecting");
    let res = app.fetch("/n/unknown-token").await;
    assert_eq!(res.status(), 404);
}

async fn asking_again_replaces_the_earlier_link(app: TestApp) {
    let (ops, case_id, first) = nominated(&app, 1).await;
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/nominate"), &ops)
        .json(&json!({"count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    let tokens = app.tokens_sent_to(CONTACT, "/n/");
    assert_eq!(tokens.len(), 2);
    assert_eq!(app.fetch(&format!("/n/{first}")).await.status(), 404);
    let html = app
        .fetch(&format!("/n/{}", tokens[1]))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"name_2\""));
}
