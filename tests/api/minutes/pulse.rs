//! A quick-check case after the decision: its pulse asks the same percentile questions
//! about the buyer's own experience, scores them on the same 0–100 scale, and sits in the
//! calibration next to engagements vetted with the standard questionnaire.

use engine::domain::Role;
use serde_json::Value;
use testkit::TestApp;

use super::{DIMENSIONS, quick_case, quick_form};
use crate::engagements::{
    add_stakeholder, approve, decide, engagement, stakeholder_answers, stakeholder_email,
    start_pulse, uniform,
};
use crate::on_both_databases;

on_both_databases!(
    a_quick_case_is_pulsed_with_percentile_questions_and_calibrated_beside_a_standard_one,
);

async fn a_quick_case_is_pulsed_with_percentile_questions_and_calibrated_beside_a_standard_one(
    app: TestApp,
) {
    let hr = app.token_for(Role::Hr).await;
    // Three referees, three organisations, every dimension "top half" (62.5).
    let c = quick_case(&app, 3).await;
    for link in &c.links {
        app.fetch(&format!("/r/{link}")).await;
        let res = app
            .post_form(&format!("/r/{link}"), &quick_form(["top_half"; 8]))
            .await;
        assert_eq!(res.status(), 303);
    }
    app.engine.run_until_idle().await.unwrap();
    let decided = decide(&app, &hr, c.id().parse().unwrap(), "approved").await;
    let quick_engagement = decided["engagement_id"].as_str().unwrap().parse().unwrap();
    let email = add_stakeholder(&app, &hr, quick_engagement, 1).await;
    start_pulse(&app, &hr, quick_engagement).await;
    app.engine.run_until_idle().await.unwrap();

    let token = app.links_sent_to(&email).pop().expect("a pulse link");
    let html = app
        .fetch(&format!("/r/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(
            "So far, how do they compare on honesty, care for quality and respect for people?"
        ),
        "the pulse wording of the percentile question"
    );
    assert!(html.contains("name=\"q_values_percentile\" value=\"top_quarter\""));
    assert!(!html.contains("q_rehire"), "only the scored questions");
    let mut form: Vec<(String, String)> = DIMENSIONS
        .iter()
        .map(|d| (format!("q_{d}_percentile"), "top_quarter".to_owned()))
        .collect();
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    let res = app.post_form(&format!("/r/{token}"), &form).await;
    assert_eq!(res.status(), 303);
    app.engine.run_until_idle().await.unwrap();

    let e = engagement(&app, &hr, quick_engagement).await;
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["status"], "complete", "{e}");
    for d in pulse["dimensions"].as_array().unwrap() {
        // Top quarter is 82.5; every referee said top half (62.5), an interval of one
        // point, so the pulse is above it.
        assert_eq!(d["score"], 82.5, "{d}");
        assert_eq!(d["pre_hire_score"], 62.5, "{d}");
        assert_eq!(d["drift"], "above", "{d}");
    }

    // A standard engagement in the same installation: likert answers of 4 (75.0) before,
    // 5 (100.0) after.
    let standard = approve(&app, &[&uniform(4.0), &uniform(4.0), &uniform(4.0)]).await;
    add_stakeholder(&app, &hr, standard.engagement_id, 1).await;
    let pulse_id = start_pulse(&app, &hr, standard.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    stakeholder_answers(
        &app,
        pulse_id,
        &stakeholder_email(standard.engagement_id, 1),
        &uniform(5.0),
    )
    .await;
    app.engine.run_until_idle().await.unwrap();

    let calibration: Value = app
        .get("/api/v1/insights/calibration", &hr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calibration["engagements"], 2, "{calibration}");
    assert_eq!(calibration["alignment"]["pairs"], 2);
    for d in calibration["dimensions"].as_array().unwrap() {
        assert_eq!(d["pairs"], 2, "{d}");
    }
    let ui = app.ui_as(Role::Hr).await;
    let (status, _) = ui.page("/ui/insights/calibration").await;
    assert_eq!(status, 200);
}
