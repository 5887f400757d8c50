//! After the decision, in the staff UI and the provider JSON: HR's calibration page (the
//! scatter plots and r in words, how many engagements are still needed, demo data said
//! so, ops refused) and a provider's history (its cases, decisions, engagements and pulses
//! in `GET /api/v1/providers/{id}` and on its page, with the chart). The engagements are
//! made through the engine, which keeps these tests fast.

use engine::audit::Actor;
use engine::calibration::in_words;
use engine::domain::{CaseStatus, PulseStatus, Role};
use engine::engagements::NewStakeholder;
use engine::questionnaire::{default_questions, pulse_questions};
use engine::report::Outcome;
use engine::workflow::SubmissionMeta;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use store::entity::reference_request;
use testkit::TestApp;
use uuid::Uuid;

use crate::fixtures::{self, CaseWithReferees};
use crate::on_both_databases;

on_both_databases!(
    calibration_without_engagements_says_how_many_more_are_needed,
    calibration_plots_each_dimension_and_says_r_in_words,
    provider_history_lists_cases_decisions_engagements_and_pulses,
);

const PASSWORD: &str = "insights test password";

/// Every scored statement answered so that it counts as `level` (1–5): a reverse-scored
/// one as 6 − level. Each dimension's score is then (level − 1) × 25.
fn ratings(level: u8) -> Vec<(String, String)> {
    pulse_questions(&default_questions())
        .iter()
        .map(|q| {
            let raw = if q.reverse_scored { 6 - level } else { level };
            (q.key.clone(), raw.to_string())
        })
        .collect()
}

fn meta() -> SubmissionMeta {
    SubmissionMeta {
        client_ip: None,
        user_agent: None,
        locale: None,
    }
}

/// For each level, a case with one referee (quorum 1) who answers every statement at
/// that level: the cases are in review. The job queue runs twice in all.
async fn cases_in_review(app: &TestApp, levels: &[u8]) -> Vec<CaseWithReferees> {
    let mut cases = Vec::new();
    for _ in levels {
        let case = fixtures::case_with_referees(app, 1, Some(1)).await;
        case.launch(app).await;
        cases.push(case);
    }
    app.engine.run_until_idle().await.unwrap();
    for (case, level) in cases.iter().zip(levels) {
        let mut answers = ratings(*level);
        answers.push(("rehire".into(), "yes".into()));
        app.engine
            .cases()
            .submit_response(case.reference_id(0), answers, meta())
            .await
            .unwrap();
    }
    app.engine.run_until_idle().await.unwrap();
    for case in &cases {
        assert_eq!(
            app.engine.cases().case(case.id).await.unwrap().status,
            CaseStatus::Review
        );
    }
    cases
}

/// Approves the case (decided by `hr`), adds one stakeholder and runs a pulse that the
/// stakeholder answers at `pulse_level`: the engagement has a finished pulse. Returns the
/// engagement's id.
async fn approve_and_pulse(app: &TestApp, hr: Uuid, case: Uuid, pulse_level: u8) -> Uuid {
    let decided = app
        .engine
        .reports()
        .record_decision(case, Outcome::Approved, "References checked.", hr)
        .await
        .unwrap();
    let engagement = decided
        .engagement_id
        .expect("an approval opens an engagement");
    let actor = Actor::User(hr);
    let short = engagement.simple().to_string();
    app.engine
        .engagements()
        .add_stakeholder(
            engagement,
            NewStakeholder {
                name: "Colleague".into(),
                email: format!("colleague.{}@buyer.example", &short[short.len() - 12..]),
            },
            &actor,
        )
        .await
        .unwrap();
    let pulse = app
        .engine
        .engagements()
        .start_pulse(engagement, &actor)
        .await
        .unwrap()
        .pulses
        .last()
        .unwrap()
        .id;
    app.engine.run_until_idle().await.unwrap();
    let stakeholder = reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(pulse))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("the stakeholder is asked");
    app.engine
        .cases()
        .submit_response(stakeholder.id, ratings(pulse_level), meta())
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let e = app
        .engine
        .engagements()
        .engagement(engagement)
        .await
        .unwrap();
    assert_eq!(e.pulses.last().unwrap().status, PulseStatus::Complete);
    engagement
}

async fn calibration_without_engagements_says_how_many_more_are_needed(app: TestApp) {
    let hr = app.ui_as(Role::Hr).await;
    let (status, html) = hr.page("/ui/insights/calibration").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Calibration"));
    assert!(html.contains("id=\"engagement-count\">0<"));
    assert!(html.contains("3 more are needed"), "{html}");
    assert!(!html.contains("Includes demo data"));
    assert!(!html.contains("<svg"), "nothing to plot yet");
    // HR and admins find it in the navigation; ops may not open it.
    assert!(html.contains("href=\"/ui/insights/calibration\" aria-current=\"page\""));
    let admin = app.ui_as(Role::Admin).await;
    assert_eq!(admin.page("/ui/insights/calibration").await.0, 200);
    let ops = app.ui_as(Role::Ops).await;
    let (status, html) = ops.page("/ui/insights/calibration").await;
    assert_eq!(status, 403);
    assert!(html.contains("you are signed in as"));
    let (_, html) = ops.page("/ui/cases").await;
    assert!(!html.contains("/ui/insights/calibration"));
    // Signed out: to the sign-in page.
    let res = app.ui().get("/ui/insights/calibration").await;
    assert_eq!(res.status(), 303);

    // Two engagements with a finished pulse: one more is needed, and their points are drawn.
    let hr_user = app.staff_user(Role::Hr, PASSWORD).await.id;
    let cases = cases_in_review(&app, &[3, 4]).await;
    for (case, level) in cases.iter().zip([3, 5]) {
        approve_and_pulse(&app, hr_user, case.id, level).await;
    }
    let (_, html) = hr.page("/ui/insights/calibration").await;
    assert!(html.contains("id=\"engagement-count\">2<"));
    assert!(html.contains("1 more is needed"));
    assert!(
        html.contains(
            "Not enough data yet: 2 engagements with a finished pulse; 1 more is needed."
        )
    );
    assert_eq!(html.matches("<circle class=\"point\"").count(), 2 * 9);
}

async fn calibration_plots_each_dimension_and_says_r_in_words(app: TestApp) {
    let hr_user = app.staff_user(Role::Hr, PASSWORD).await.id;
    // Before hiring 25, 50, 75, 100 on every dimension; the first pulse 25, 75, 50, 100:
    // r = 0.80 (computed by hand in engine::calibration's tests' manner: Sxy 2500 over
    // Sxx = Syy = 3125), 95% interval -0.70 to 1.00.
    let cases = cases_in_review(&app, &[2, 3, 4, 5]).await;
    let mut engagements = Vec::new();
    for (case, level) in cases.iter().zip([2, 4, 3, 5]) {
        engagements.push(approve_and_pulse(&app, hr_user, case.id, level).await);
    }
    let calibration = app.engine.engagements().calibration().await.unwrap();
    assert_eq!(calibration.engagements, 4);
    assert_eq!(calibration.alignment.correlation.r, Some(0.8));

    let hr = app.ui_as(Role::Hr).await;
    let (status, html) = hr.page("/ui/insights/calibration").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"engagement-count\">4<"));
    assert!(!html.contains("more are needed") && !html.contains("more is needed"));
    assert!(!html.contains("Includes demo data"));
    // One plot for the alignment and one per dimension, each an image with a title and a
    // description, the diagonal and a point per engagement.
    let plots = 1 + calibration.dimensions.len();
    assert_eq!(html.matches("role=\"img\"").count(), plots);
    assert_eq!(html.matches("<title id=\"sc-").count(), plots);
    assert_eq!(html.matches("<desc id=\"sc-").count(), plots);
    assert_eq!(html.matches("<line class=\"diagonal\"").count(), plots);
    assert_eq!(html.matches("<circle class=\"point\"").count(), plots * 4);
    assert!(html.contains("id=\"calibration-alignment\""));
    assert!(html.contains(
        "With 4 engagements, references predicted “alignment” well: r = 0.80 (-0.70 to 1.00)."
    ));
    assert!(html.contains(
        "With 4 engagements, references predicted “Shares our values” well: r = 0.80 (-0.70 to 1.00)."
    ));
    for d in &calibration.dimensions {
        assert!(html.contains(&format!("id=\"calibration-dim-{}\"", d.key)));
        assert!(
            html.contains(&in_words(&d.label, &d.correlation)),
            "{}",
            d.key
        );
    }
    // The description gives the figures in words.
    assert!(html.contains("4 engagements, one point each: the score the references gave on the alignment score before hiring"));
    assert!(html.contains("1 did better in the pulse than predicted (above the diagonal), 1 worse (below it), 2 as predicted (on it). Before, then after: 25.0 then 25.0; 50.0 then 75.0; 75.0 then 50.0; 100.0 then 100.0."));

    // Demo engagements are data like the others, and the page says they are there.
    app.engine
        .engagements()
        .mark_engagement_as_demo(engagements[0])
        .await
        .unwrap();
    let (_, html) = hr.page("/ui/insights/calibration").await;
    assert!(html.contains("Includes demo data"));
    assert!(html.contains("id=\"engagement-count\">4<"));
}

async fn provider_json(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/providers/{id}"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn provider_history_lists_cases_decisions_engagements_and_pulses(app: TestApp) {
    let hr_user = app.staff_user(Role::Hr, PASSWORD).await.id;
    let case = cases_in_review(&app, &[4]).await.remove(0);
    let provider_id = app.engine.cases().case(case.id).await.unwrap().provider_id;
    let report = app.engine.reports().case_report(case.id).await.unwrap();
    let alignment = report.alignment_score.expect("an alignment score");
    let engagement = approve_and_pulse(&app, hr_user, case.id, 3).await;
    // A second case of the same provider, still a draft.
    let res = app
        .post("/api/v1/cases", &case.ops)
        .json(&serde_json::json!({ "provider_id": provider_id, "title": "Renewal check" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let draft: Value = res.json().await.unwrap();

    // The JSON: the provider's fields as before, and its history, oldest first.
    let hr = app.token_for(Role::Hr).await;
    let body = provider_json(&app, &hr, &provider_id.to_string()).await;
    assert_eq!(body["id"], provider_id.to_string());
    assert_eq!(body["name"], "Ledger & Co");
    assert_eq!(body["contact_email"], "pat@ledger.example");
    let cases = body["history"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let decided = &cases[0];
    assert_eq!(decided["id"], case.id.to_string());
    assert_eq!(decided["status"], "decided");
    assert_eq!(decided["outcome"], "approved");
    assert!(decided["decided_at"].is_string());
    assert!(decided["created_at"].is_string());
    assert_eq!(decided["alignment_score"].as_f64(), Some(alignment));
    assert_eq!(cases[1]["id"], draft["id"]);
    assert_eq!(cases[1]["title"], "Renewal check");
    assert_eq!(cases[1]["status"], "draft");
    assert!(cases[1]["decided_at"].is_null() && cases[1]["outcome"].is_null());
    assert!(cases[1]["alignment_score"].is_null());
    let engagements = body["history"]["engagements"].as_array().unwrap();
    assert_eq!(engagements.len(), 1);
    assert_eq!(engagements[0]["id"], engagement.to_string());
    assert_eq!(engagements[0]["case_id"], case.id.to_string());
    let pulses = engagements[0]["pulses"].as_array().unwrap();
    assert_eq!(pulses.len(), 1);
    assert_eq!(pulses[0]["status"], "complete");
    assert_eq!(pulses[0]["alignment"].as_f64(), Some(50.0));
    // The OpenAPI document describes it.
    let doc: Value = app
        .fetch("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let response = &doc["paths"]["/api/v1/providers/{id}"]["get"]["responses"]["200"];
    assert!(
        response.to_string().contains("ProviderWithHistory"),
        "{response}"
    );
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ProviderHistory"]["properties"]["cases"].is_object());
    assert!(schemas["ProviderHistory"]["properties"]["engagements"].is_object());
    for field in ["decided_at", "outcome", "alignment_score"] {
        assert!(
            schemas["CaseHistory"]["properties"][field].is_object(),
            "CaseHistory.{field}"
        );
    }
    let with_history = schemas["ProviderWithHistory"].to_string();
    assert!(
        with_history.contains("Provider") && with_history.contains("history"),
        "{with_history}"
    );
    // Ops reads it too; an unknown provider is still a 404.
    let ops = provider_json(&app, &case.ops, &provider_id.to_string()).await;
    assert_eq!(ops["history"], body["history"]);
    let res = app
        .get(&format!("/api/v1/providers/{}", Uuid::now_v7()), &hr)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The page: linked from the list, the timeline and the chart.
    let ui = app.ui_as(Role::Ops).await;
    let page = format!("/ui/providers/{provider_id}");
    let (_, list) = ui.page("/ui/providers").await;
    assert!(list.contains(&format!("href=\"{page}\"")));
    let (status, html) = ui.page(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Ledger &amp; Co"));
    assert!(html.contains(&format!("href=\"/ui/cases/{}\"", case.id)));
    assert!(html.contains("Renewal check"));
    assert!(html.contains("<strong>Approved</strong>"));
    assert!(html.contains(&format!("alignment <strong>{alignment:.1}</strong>/100")));
    assert!(html.contains(&format!("href=\"/ui/engagements/{engagement}\"")));
    assert!(html.contains("Pulse 1"));
    assert!(html.contains("1 of 1 answered · alignment <strong>50.0</strong>"));
    assert!(html.contains("<svg id=\"history-chart\""));
    assert!(html.contains("role=\"img\""));
    assert_eq!(html.matches("<circle class=\"case\"").count(), 1);
    assert_eq!(html.matches("<polygon class=\"pulse-mark\"").count(), 1);
    assert_eq!(html.matches("<polyline class=\"link\"").count(), 1);
    assert!(html.contains("1 decided case (dots) and 1 pulse (diamonds)"));
    // HR reads it as well; an unknown provider is the 404 page.
    let hr_ui = app.ui_as(Role::Hr).await;
    assert_eq!(hr_ui.page(&page).await.0, 200);
    let (status, _) = ui.page(&format!("/ui/providers/{}", Uuid::now_v7())).await;
    assert_eq!(status, 404);
    // "New provider" is still the form, not a provider called "new".
    assert_eq!(ui.page("/ui/providers/new").await.0, 200);

    // A provider without cases: an empty history and no chart.
    let fresh = app.create_provider(&case.ops).await;
    let body = provider_json(&app, &hr, fresh["id"].as_str().unwrap()).await;
    assert_eq!(body["history"]["cases"], serde_json::json!([]));
    let (_, html) = ui
        .page(&format!("/ui/providers/{}", fresh["id"].as_str().unwrap()))
        .await;
    assert!(html.contains("id=\"no-chart\""));
    assert!(html.contains("No vetting case yet."));
}
