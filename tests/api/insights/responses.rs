//! `GET /api/v1/insights/responses`: every count and rate of the scripted case, exact;
//! timings withheld while the case collects; the window; the errors.

use chrono::Duration;
use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use super::{insights, scripted_case};
use crate::helpers::{field_error, problem};
use crate::on_both_databases;

on_both_databases!(
    every_count_and_rate_of_a_scripted_case_is_exact,
    the_seconds_to_complete_are_withheld_until_the_case_is_released,
    references_invited_outside_the_window_are_not_counted,
    bad_dates_are_refused_naming_the_field,
);

/// The figures every reading of the scripted case shares, before and after its release.
fn assert_funnel(body: &Value, expired: u64) {
    assert_eq!(body["invited"], 9, "{body}");
    assert_eq!(
        body["opened"], 6,
        "declined after opening, draft, opened, three completed"
    );
    assert_eq!(body["started"], 4, "the draft and the three completed");
    assert_eq!(body["completed"], 3);
    assert_eq!(body["declined"], 1);
    assert_eq!(body["bounced"], 1);
    assert_eq!(body["expired"], expired);
    assert_eq!(body["withdrawn"], 2, "withdrawn by staff, and the opt-out");
    assert_eq!(body["opted_out"], 1);
    // 3 ÷ (9 − 1 bounced − 2 withdrawn)
    assert_eq!(body["response_rate"], 0.5);
    // (6 opened − 3 completed − 1 declined) ÷ 6
    assert_eq!(body["breakoff_rate"], 0.3333);
    // 5 minutes, 72 h 5 min, 168 h 5 min
    assert_eq!(body["median_hours_to_first_response"], 72.1);
    // The third completion, 168 h 5 min after launch.
    assert_eq!(body["median_hours_to_quorum"], 168.1);
    assert_eq!(body["cases_at_quorum"], 1);
    assert_eq!(
        body["hours_to_quorum"],
        json!([
            {"up_to_hours": 24, "cases": 0},
            {"up_to_hours": 48, "cases": 0},
            {"up_to_hours": 72, "cases": 0},
            {"up_to_hours": 168, "cases": 0},
            {"up_to_hours": null, "cases": 1},
        ])
    );
    assert_eq!(
        body["completions_after"],
        json!({"invitation": 1, "reminder_1": 1, "reminder_2": 1})
    );
    let templates = body["templates"].as_array().unwrap();
    assert_eq!(templates.len(), 1, "{body}");
    assert_eq!(templates[0]["version"], 1);
    assert_eq!(templates[0]["completed"], 3);
    assert_eq!(templates[0]["breakoff_rate"], 0.3333);
    assert_eq!(
        templates[0]["key"], "standard",
        "the shipped template by its key"
    );
    assert!(templates[0]["name"].is_string());
}

async fn every_count_and_rate_of_a_scripted_case_is_exact(app: TestApp) {
    let s = scripted_case(&app).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/close", s.case.id), &s.case.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "closed");
    app.engine.run_until_idle().await.unwrap();

    let (from, to) = (
        s.launched_at - Duration::hours(1),
        s.launched_at + Duration::days(30),
    );
    for role in [Role::Ops, Role::Hr, Role::Admin] {
        let token = app.token_for(role).await;
        let body = insights(&app, &token, from, to).await;
        // The draft and the opened form expired when the case closed.
        assert_funnel(&body, 2);
        assert_eq!(
            body["templates"][0]["median_seconds_to_complete"], 300.0,
            "each took five minutes from first view to submission"
        );
    }
}

async fn the_seconds_to_complete_are_withheld_until_the_case_is_released(app: TestApp) {
    let s = scripted_case(&app).await;
    let (from, to) = (
        s.launched_at - Duration::hours(1),
        s.launched_at + Duration::days(30),
    );
    let body = insights(&app, &s.case.ops, from, to).await;
    assert_funnel(&body, 0);
    assert!(
        body["templates"][0]["median_seconds_to_complete"].is_null(),
        "three completed, but their case still collects: {body}"
    );
}

async fn references_invited_outside_the_window_are_not_counted(app: TestApp) {
    let s = scripted_case(&app).await;
    let body = insights(
        &app,
        &s.case.ops,
        s.launched_at + Duration::hours(1),
        s.launched_at + Duration::days(30),
    )
    .await;
    for key in [
        "invited",
        "opened",
        "started",
        "completed",
        "bounced",
        "withdrawn",
    ] {
        assert_eq!(body[key], 0, "{key}: {body}");
    }
    assert!(body["response_rate"].is_null(), "no rate over nobody");
    assert!(body["breakoff_rate"].is_null());
    assert!(body["median_hours_to_quorum"].is_null());
    assert_eq!(body["templates"], json!([]));

    // A date covers its whole day; by default the window is the 90 days up to now.
    let day = s.launched_at.date_naive();
    let res = app
        .get(
            &format!("/api/v1/insights/responses?from={day}&to={day}"),
            &s.case.ops,
        )
        .send()
        .await
        .unwrap();
    let by_day: Value = res.json().await.unwrap();
    assert_eq!(by_day["invited"], 9, "{by_day}");
    let res = app
        .get("/api/v1/insights/responses", &s.case.ops)
        .send()
        .await
        .unwrap();
    let default: Value = res.json().await.unwrap();
    assert_eq!(default["invited"], 9, "{default}");
}

async fn bad_dates_are_refused_naming_the_field(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let get = |query: &str| {
        app.get(&format!("/api/v1/insights/responses?{query}"), &ops)
            .send()
    };
    field_error(get("from=yesterday").await.unwrap(), "from").await;
    field_error(get("to=2026-13-01").await.unwrap(), "to").await;
    field_error(get("from=2026-12-05&to=2026-12-01").await.unwrap(), "to").await;
    field_error(get("since=2026-12-01").await.unwrap(), "since").await;
    let res = app
        .client
        .get(app.url("/api/v1/insights/responses"))
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
}
