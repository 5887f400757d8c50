//! The fatigue limit: an address first invited `workflow.referee_requests_per_90_days`
//! times (default 3) in 90 days, in any case, is not asked again without a reason.

use chrono::Duration;
use serde_json::{Value, json};
use testkit::{Backend, TestApp};

use crate::evidence::open_case;
use crate::helpers::problem;
use crate::on_both_backends;

const TIRED: &str = "tired@client.example";

async fn add(app: &TestApp, case: &crate::evidence::Case, body: Value) -> reqwest::Response {
    app.post(&format!("/api/v1/cases/{}/references", case.id), &case.ops)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn reference(email: &str) -> Value {
    json!({
        "name": "Tia Red",
        "email": email,
        "company": "Client Co",
        "relationship": "client since 2020",
    })
}

async fn a_referee_asked_too_often_needs_a_reason(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // Three cases invite the same person; adding without launching counts nothing.
    for _ in 0..3 {
        let case = open_case(&app, json!({ "min_responses": 1 })).await;
        assert_eq!(add(&app, &case, reference(TIRED)).await.status(), 201);
        case.launch(&app).await;
    }
    let idle = open_case(&app, json!({ "min_responses": 1 })).await;
    app.clock.advance(Duration::days(10));

    let case = open_case(&app, json!({ "min_responses": 1 })).await;
    let body = problem(
        add(&app, &case, reference("Tired@Client.example")).await,
        409,
    )
    .await;
    assert!(
        body["type"].as_str().unwrap().ends_with("/referee-fatigue"),
        "{body}"
    );
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("3 times") && detail.contains("allowed from"),
        "{detail}"
    );
    let mut blank = reference(TIRED);
    blank["override_reason"] = json!("   ");
    problem(add(&app, &case, blank).await, 409).await;
    assert_eq!(
        case.get(&app).await["references"],
        json!([]),
        "nothing added"
    );

    // A reason lets it through, and is kept in the audit trail.
    let mut overridden = reference(TIRED);
    overridden["override_reason"] = json!("They are the only CFO who saw the migration.");
    let res = add(&app, &case, overridden).await;
    assert_eq!(res.status(), 201);
    let events: Value = app
        .get(&format!("/api/v1/cases/{}/events", case.id), &case.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let audited = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "reference.fatigue_overridden")
        .expect("the override is audited");
    assert_eq!(
        audited["data"]["reason"],
        "They are the only CFO who saw the migration."
    );

    // Other people are not affected; and 90 days after the first invitations, no reason
    // is needed any more.
    assert_eq!(
        add(&app, &idle, reference("fresh@client.example"))
            .await
            .status(),
        201
    );
    app.clock.advance(Duration::days(81));
    assert_eq!(add(&app, &idle, reference(TIRED)).await.status(), 201);
}

async fn the_staff_ui_asks_for_the_reason(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for _ in 0..3 {
        let case = open_case(&app, json!({ "min_responses": 1 })).await;
        add(&app, &case, reference(TIRED)).await;
        case.launch(&app).await;
    }
    let case = open_case(&app, json!({ "min_responses": 1 })).await;
    let ui = app.ui_as(engine::domain::Role::Ops).await;
    let page = format!("/ui/cases/{}", case.id);
    let add_url = format!("{page}/references");
    let fields = [
        ("name", "Tia Red"),
        ("email", TIRED),
        ("company", "Client Co"),
        ("relationship", "client since 2020"),
    ];
    let res = ui.post(&page, &add_url, &fields).await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("name=\"override_reason\""),
        "the override field is offered"
    );
    assert!(html.contains("3 times in the last 90 days"));
    assert!(
        html.contains(&format!("value=\"{TIRED}\"")),
        "what was typed is kept"
    );
    let mut with_reason = fields.to_vec();
    with_reason.push(("override_reason", "Only person who saw the audit."));
    let res = ui.post(&page, &add_url, &with_reason).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        case.get(&app).await["references"].as_array().unwrap().len(),
        1
    );
}

on_both_backends!(
    a_referee_asked_too_often_needs_a_reason,
    the_staff_ui_asks_for_the_reason
);
