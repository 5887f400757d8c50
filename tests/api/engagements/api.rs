//! Every engagement endpoint over HTTP with every role: the engagement an approval opens,
//! reading it, stakeholders, a pulse started by hand and answered through the referee
//! form, ending it, and who may see calibration.

use chrono::{DateTime, Duration, Utc};
use engine::domain::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use store::entity::vetting_case;
use testkit::TestApp;
use uuid::Uuid;

use super::{
    add_stakeholder, approve, approve_all, audit_events, decide, engagement, in_review, pulse_form,
    stakeholder_email, start_pulse, uniform,
};
use crate::helpers::{LIKERT_KEYS, field_error, problem};
use crate::on_both_databases;

on_both_databases!(
    an_approval_opens_an_engagement_and_a_rejection_does_not,
    engagements_are_read_by_ops_hr_and_admin_with_a_token_and_calibration_by_hr_and_admin,
    stakeholders_are_added_under_the_referee_rules,
    a_pulse_asks_every_stakeholder_the_pulse_questions_and_completes_when_all_have_answered_or_declined,
    ending_an_engagement_needs_a_reason_cancels_its_pulse_and_freezes_it,
    hr_and_admin_may_manage_an_engagement_like_ops,
);

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {v}"))
        .parse()
        .unwrap()
}

async fn case_json(app: &TestApp, token: &str, id: Uuid) -> Value {
    let res = app
        .get(&format!("/api/v1/cases/{id}"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn list(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/engagements{query}"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "list engagements{query}");
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn an_approval_opens_an_engagement_and_a_rejection_does_not(app: TestApp) {
    let hr = app.token_for(Role::Hr).await;
    let levels = uniform(4.0);
    let cases = in_review(&app, &[&[&levels], &[&levels], &[&levels]]).await;
    let decided_at = app.engine.now();

    let approved = decide(&app, &hr, cases[0].id, "approved").await;
    let with_conditions = decide(&app, &hr, cases[1].id, "approved_with_conditions").await;
    let rejected = decide(&app, &hr, cases[2].id, "rejected").await;
    for case in [&approved, &with_conditions] {
        assert!(case["engagement_id"].is_string(), "{case}");
    }
    assert!(rejected["engagement_id"].is_null(), "{rejected}");
    assert_ne!(approved["engagement_id"], with_conditions["engagement_id"]);

    // The case JSON names its engagement from now on.
    let ops = &cases[0].ops;
    assert_eq!(
        case_json(&app, ops, cases[0].id).await["engagement_id"],
        approved["engagement_id"]
    );
    assert_eq!(
        case_json(&app, &cases[1].ops, cases[1].id).await["engagement_id"],
        with_conditions["engagement_id"]
    );
    assert!(
        case_json(&app, &cases[2].ops, cases[2].id).await["engagement_id"].is_null(),
        "a rejection opens none"
    );

    let id: Uuid = approved["engagement_id"].as_str().unwrap().parse().unwrap();
    let e = engagement(&app, ops, id).await;
    assert_eq!(e["id"], id.to_string());
    assert_eq!(e["case_id"], cases[0].id.to_string());
    assert_eq!(e["provider_id"], approved["provider_id"]);
    assert_eq!(e["provider_name"], "Ledger & Co");
    assert_eq!(e["status"], "active");
    assert_eq!(time(&e["started_at"]), decided_at);
    assert_eq!(
        time(&e["next_pulse_at"]),
        decided_at + Duration::days(90),
        "the first of followup.pulse_days = [90, 365]"
    );
    assert!(e["ended_at"].is_null());
    assert_eq!(e["stakeholders"], json!([]));
    assert_eq!(e["pulses"], json!([]));

    let all = list(&app, ops, "").await;
    let mut case_ids: Vec<&str> = all.iter().map(|e| e["case_id"].as_str().unwrap()).collect();
    case_ids.sort();
    let mut want = vec![cases[0].id.to_string(), cases[1].id.to_string()];
    want.sort();
    assert_eq!(
        case_ids, want,
        "one engagement per approval, none for the rejection"
    );
    assert_eq!(list(&app, ops, "?status=active").await.len(), 2);
    assert!(list(&app, ops, "?status=ended").await.is_empty());

    let opened = audit_events(&app, "engagement.opened").await;
    assert_eq!(opened.len(), 2);
    assert!(
        opened
            .iter()
            .all(|ev| ev.data["pulse_days"] == json!([90, 365]))
    );
}

async fn engagements_are_read_by_ops_hr_and_admin_with_a_token_and_calibration_by_hr_and_admin(
    app: TestApp,
) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let hr = app.token_for(Role::Hr).await;
    let admin = app.token_for(Role::Admin).await;
    let other_ops = app.token_for(Role::Ops).await;
    for token in [a.ops(), other_ops.as_str(), hr.as_str(), admin.as_str()] {
        assert_eq!(list(&app, token, "").await.len(), 1);
        let e = engagement(&app, token, a.engagement_id).await;
        assert_eq!(e["id"], a.engagement_id.to_string());
    }
    let unknown = format!("/api/v1/engagements/{}", Uuid::now_v7());
    problem(app.get(&unknown, &hr).send().await.unwrap(), 404).await;
    problem(app.get(&unknown, a.ops()).send().await.unwrap(), 404).await;
    for (path, body) in [
        (
            format!("{unknown}/stakeholders"),
            json!({"name": "A", "email": "a@buyer.example"}),
        ),
        (format!("{unknown}/pulse"), json!({})),
        (format!("{unknown}/end"), json!({"reason": "done"})),
    ] {
        let res = app.post(&path, a.ops()).json(&body).send().await.unwrap();
        problem(res, 404).await;
    }

    // Without a token: 401 everywhere.
    for path in [
        "/api/v1/engagements".to_owned(),
        a.path(""),
        "/api/v1/insights/calibration".to_owned(),
    ] {
        let res = app.client.get(app.url(&path)).send().await.unwrap();
        problem(res, 401).await;
    }
    for (tail, body) in [
        (
            "/stakeholders",
            json!({"name": "A", "email": "a@buyer.example"}),
        ),
        ("/pulse", json!({})),
        ("/end", json!({"reason": "done"})),
    ] {
        let res = app
            .client
            .post(app.url(&a.path(tail)))
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(res, 401).await;
    }
    let res = app
        .client
        .get(app.url("/api/v1/engagements"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    problem(res, 401).await;

    // Calibration: HR and admin, not ops.
    for token in [&hr, &admin] {
        let res = app
            .get("/api/v1/insights/calibration", token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let c: Value = res.json().await.unwrap();
        assert_eq!(c["engagements"], 0, "no pulse yet");
        assert_eq!(
            c["alignment"],
            json!({"pairs": 0, "r": null, "ci95": null, "points": []})
        );
        assert_eq!(c["includes_demo"], false);
    }
    for token in [a.ops(), other_ops.as_str()] {
        let res = app
            .get("/api/v1/insights/calibration", token)
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
    }
}

async fn stakeholders_are_added_under_the_referee_rules(app: TestApp) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let path = a.path("/stakeholders");
    let post = |body: Value| app.post(&path, a.ops()).json(&body).send();

    let res = post(json!({"name": "  Dana Scully ", "email": "dana@buyer.example"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let dana: Value = res.json().await.unwrap();
    assert!(dana["id"].is_string());
    assert_eq!(dana["name"], "Dana Scully");
    assert_eq!(dana["email"], "dana@buyer.example");
    assert_eq!(time(&dana["created_at"]), app.engine.now());

    field_error(
        post(json!({"name": "Fox", "email": "not-an-email"}))
            .await
            .unwrap(),
        "email",
    )
    .await;
    field_error(
        post(json!({"name": "   ", "email": "fox@buyer.example"}))
            .await
            .unwrap(),
        "name",
    )
    .await;
    // The same person again, however the address is written.
    field_error(
        post(json!({"name": "Dana S.", "email": "dana@buyer.example"}))
            .await
            .unwrap(),
        "email",
    )
    .await;
    field_error(
        post(json!({"name": "Dana S.", "email": "DANA@Buyer.example"}))
            .await
            .unwrap(),
        "email",
    )
    .await;

    let res = post(json!({"name": "Fox Mulder", "email": "fox@buyer.example"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let names: Vec<&str> = e["stakeholders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Dana Scully", "Fox Mulder"],
        "only the valid ones, in order"
    );
    assert_eq!(
        audit_events(&app, "engagement.stakeholder_added")
            .await
            .len(),
        2
    );

    // Not on an ended engagement.
    let res = app
        .post(&a.path("/end"), a.ops())
        .json(&json!({"reason": "contract not renewed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = post(json!({"name": "Walter", "email": "walter@buyer.example"}))
        .await
        .unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "ended");
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    assert_eq!(e["stakeholders"].as_array().unwrap().len(), 2);
}

async fn a_pulse_asks_every_stakeholder_the_pulse_questions_and_completes_when_all_have_answered_or_declined(
    app: TestApp,
) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let ops = a.ops();
    let res = app.post(&a.path("/pulse"), ops).send().await.unwrap();
    field_error(res, "stakeholders").await;
    assert!(audit_events(&app, "pulse.started").await.is_empty());

    let first = add_stakeholder(&app, ops, a.engagement_id, 1).await;
    let second = add_stakeholder(&app, ops, a.engagement_id, 2).await;
    let res = app.post(&a.path("/pulse"), ops).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["id"], a.engagement_id.to_string());
    let pulses = e["pulses"].as_array().unwrap();
    assert_eq!(pulses.len(), 1);
    assert_eq!(pulses[0]["status"], "collecting");
    assert_eq!(pulses[0]["responses"], 0);
    assert_eq!(time(&pulses[0]["started_at"]), app.engine.now());

    // A second one while this one collects: 409.
    let res = app.post(&a.path("/pulse"), ops).send().await.unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "collecting");

    app.engine.run_until_idle().await.unwrap();
    let mut links = Vec::new();
    for email in [&first, &second] {
        let sent = app.links_sent_to(email);
        assert_eq!(sent.len(), 1, "one /r/ link to {email}");
        links.push(sent[0].clone());
        let subjects: Vec<String> = super::emails_to(&app, email)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(subjects, ["How is it going with Ledger & Co?"]);
    }
    let e = engagement(&app, ops, a.engagement_id).await;
    assert_eq!(e["pulses"][0]["invited"], 2);

    // The form: the pulse wording of the 16 statements, not the referee's, and no rehire.
    let res = app.fetch(&format!("/r/{}", links[0])).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("They tell us about problems early"),
        "the pulse wording"
    );
    assert!(html.contains("They answer our questions promptly and clearly."));
    assert!(
        !html.contains("They told us about problems early"),
        "not the referee wording"
    );
    assert!(!html.contains("Would you hire them again?"));
    assert!(!html.contains("name=\"q_rehire\""));
    for key in LIKERT_KEYS {
        assert!(html.contains(&format!("name=\"q_{key}\"")), "{key}");
    }
    let form: Value = app
        .fetch(&format!("/api/v1/public/forms/{}", links[1]))
        .await
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = form["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys, LIKERT_KEYS,
        "the same keys as the case questionnaire's statements"
    );

    // The first answers: the pulse still waits for the second.
    let res = app
        .post_form(&format!("/r/{}", links[0]), &pulse_form(&uniform(4.0)))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/r/{}/done", links[0]));
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, ops, a.engagement_id).await;
    assert_eq!(e["pulses"][0]["status"], "collecting");
    assert_eq!(e["pulses"][0]["responses"], 1);

    // The second declines: now everyone has answered or declined.
    let res = app
        .post_form(
            &format!("/r/{}/decline", links[1]),
            &[("reason", "I barely work with them")],
        )
        .await;
    assert_eq!(res.status(), 303);
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, ops, a.engagement_id).await;
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["status"], "complete");
    assert_eq!(pulse["invited"], 2);
    assert_eq!(pulse["responses"], 1);
    assert_eq!(super::dimension(pulse, "values")["score"], 75.0);
    assert_eq!(super::dimension(pulse, "values")["n"], 1);

    // With that one complete, another may start.
    let res = app.post(&a.path("/pulse"), ops).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let e: Value = res.json().await.unwrap();
    let statuses: Vec<&str> = e["pulses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["complete", "collecting"], "oldest first");
    assert_eq!(audit_events(&app, "pulse.started").await.len(), 2);
}

async fn ending_an_engagement_needs_a_reason_cancels_its_pulse_and_freezes_it(app: TestApp) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let ops = a.ops();
    let email = add_stakeholder(&app, ops, a.engagement_id, 1).await;
    let pulse_id = start_pulse(&app, ops, a.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    let link = app.links_sent_to(&email).pop().expect("a pulse link");

    let end = |body: Value| app.post(&a.path("/end"), ops).json(&body).send();
    field_error(end(json!({"reason": "  "})).await.unwrap(), "reason").await;
    field_error(
        end(json!({"reason": "x".repeat(1001)})).await.unwrap(),
        "reason",
    )
    .await;
    assert_eq!(
        engagement(&app, ops, a.engagement_id).await["status"],
        "active"
    );

    app.clock.advance(Duration::days(3));
    let res = end(json!({"reason": "Contract not renewed"}))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["status"], "ended");
    assert_eq!(e["end_reason"], "Contract not renewed");
    assert_eq!(time(&e["ended_at"]), app.engine.now());
    assert!(e["next_pulse_at"].is_null());
    assert_eq!(e["pulses"], json!([]), "the collecting pulse was cancelled");
    let pulse_case = vetting_case::Entity::find_by_id(pulse_id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pulse_case.status.to_string(), "cancelled");
    let res = app
        .post_form(&format!("/r/{link}"), &pulse_form(&uniform(4.0)))
        .await;
    assert!(
        res.status().is_client_error(),
        "the cancelled pulse takes no answer: {}",
        res.status()
    );

    // Again, a pulse, a stakeholder: 409, the engagement is over.
    let res = end(json!({"reason": "again"})).await.unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "ended");
    let res = app.post(&a.path("/pulse"), ops).send().await.unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "ended");
    let res = app
        .post(&a.path("/stakeholders"), ops)
        .json(&json!({"name": "Late", "email": "late@buyer.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "ended");

    let ended = list(&app, ops, "?status=ended").await;
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["end_reason"], "Contract not renewed");
    assert!(list(&app, ops, "?status=active").await.is_empty());
    assert_eq!(audit_events(&app, "engagement.ended").await.len(), 1);
}

async fn hr_and_admin_may_manage_an_engagement_like_ops(app: TestApp) {
    let hr = app.token_for(Role::Hr).await;
    let admin = app.token_for(Role::Admin).await;
    let levels = uniform(3.0);
    let both = approve_all(&app, &hr, &[&[&levels], &[&levels]]).await;
    for (a, token) in both.iter().zip([&hr, &admin]) {
        let email = add_stakeholder(&app, token, a.engagement_id, 1).await;
        assert_eq!(email, stakeholder_email(a.engagement_id, 1));
        start_pulse(&app, token, a.engagement_id).await;
        let res = app
            .post(&a.path("/end"), token)
            .json(&json!({"reason": "Project finished"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["status"], "ended");
        assert_eq!(e["stakeholders"].as_array().unwrap().len(), 1);
    }
}
