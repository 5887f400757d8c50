//! Estimated time (API.md "Referee minutes"): every template version has
//! `estimated_seconds`; the form and the invitation say "about N minutes" from it; a
//! version over five minutes carries a warning; one over `templates.max_estimated_seconds`
//! is refused.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use super::quick_case;
use crate::helpers::field_error;
use crate::on_both_databases;

on_both_databases!(
    the_quick_form_and_its_invitation_both_say_about_three_minutes,
    a_version_over_five_minutes_is_published_with_a_warning_and_a_shorter_one_without,
    publishing_a_version_over_the_limit_is_refused_naming_the_questions,
    the_admin_sees_each_version_with_its_time_and_a_warning_over_five_minutes,
);

/// `n` optional text questions without a dimension: 45 s each, plus an intro of 52 words
/// (15.6 s).
fn text_questions(n: usize) -> Value {
    (0..n)
        .map(
            |i| json!({"key": format!("t{i}"), "prompt": format!("Question {i}?"), "kind": "text"}),
        )
        .collect()
}

async fn the_quick_form_and_its_invitation_both_say_about_three_minutes(app: TestApp) {
    let c = quick_case(&app, 1).await;
    let html = app
        .fetch(&format!("/r/{}", c.links[0]))
        .await
        .text()
        .await
        .unwrap()
        .replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        html.contains("About 3 minutes (10 short questions)"),
        "{html}"
    );
    let reference: Value = app
        .get(&format!("/api/v1/cases/{}", c.id()), &c.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let email = reference["references"][0]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let bodies: Vec<String> = app
        .smtp
        .messages()
        .into_iter()
        .filter(|m| m.recipients.contains(&email))
        .filter_map(|m| {
            let parsed = mail_parser::MessageParser::default().parse(&m.data)?;
            Some(parsed.body_text(0)?.replace(['\u{2068}', '\u{2069}'], ""))
        })
        .collect();
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0].contains("10 questions and takes about 3 minutes"),
        "{}",
        bodies[0]
    );
}

async fn a_version_over_five_minutes_is_published_with_a_warning_and_a_shorter_one_without(
    app: TestApp,
) {
    let admin = app.token_for(Role::Admin).await;
    // Six: 270 + 15.6 = 285.6 → 290 s. Seven: 315 + 15.6 = 330.6 → 340 s.
    for (n, seconds, warned) in [(6, 290, false), (7, 340, true)] {
        let res = app
            .post("/api/v1/templates", &admin)
            .json(&json!({"name": format!("{n} texts"), "questions": text_questions(n)}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{n}");
        let t: Value = res.json().await.unwrap();
        let version = &t["versions"][0];
        assert_eq!(version["estimated_seconds"], seconds, "{n}");
        let warnings = version["warnings"].as_array().unwrap();
        assert_eq!(!warnings.is_empty(), warned, "{n}: {warnings:?}");
        if warned {
            assert!(
                warnings[0]
                    .as_str()
                    .unwrap()
                    .contains("about 6 minutes (340 s)"),
                "{warnings:?}"
            );
        }
    }
    // The shipped templates: the standard one (280 s) is under five minutes too.
    let list: Value = app
        .get("/api/v1/templates", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let standard = &list["items"][0]["versions"][0];
    assert_eq!(standard["estimated_seconds"], 280);
    assert_eq!(standard["warnings"], json!([]));
    assert_eq!(list["items"][1]["versions"][0]["estimated_seconds"], 180);
}

async fn publishing_a_version_over_the_limit_is_refused_naming_the_questions(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    // Thirteen: 585 + 15.6 = 600.6 → 610 s, over the default 600.
    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"name": "Essay", "questions": text_questions(13)}))
        .send()
        .await
        .unwrap();
    let body = field_error(res, "questions").await;
    assert!(body.to_string().contains("610 s"), "{body}");
    assert!(body.to_string().contains("templates.max_estimated_seconds"));
    // Twelve: 540 + 15.6 = 555.6 → 560 s is allowed; a new version of it at 610 s is not.
    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"name": "Long", "questions": text_questions(12)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let long: Value = res.json().await.unwrap();
    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"template_id": long["id"], "name": "Long", "questions": text_questions(13)}))
        .send()
        .await
        .unwrap();
    field_error(res, "questions").await;
    let list: Value = app
        .get("/api/v1/templates", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    // The three shipped templates (standard, quick, the provider side of pulses) and Long.
    assert_eq!(names.len(), 4, "nothing refused was stored: {names:?}");
    assert_eq!(
        list["items"][3]["versions"].as_array().unwrap().len(),
        1,
        "the refused version was not added"
    );
}

async fn the_admin_sees_each_version_with_its_time_and_a_warning_over_five_minutes(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"name": "Seven essays", "questions": text_questions(7)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let ui = app.ui_as(Role::Admin).await;
    let (status, html) = ui.page("/ui/admin/templates").await;
    assert_eq!(status, 200);
    assert!(html.contains("Quick partner check"));
    assert!(
        html.contains("about 3 minutes <span class=\"small\">(180 s)</span>"),
        "{html}"
    );
    assert!(html.contains("about 5 minutes <span class=\"small\">(280 s)</span>"));
    assert!(
        html.contains("(8 percentile, 1 yes"),
        "the quick template by kind"
    );
    assert!(html.contains("about 6 minutes <span class=\"small\">(340 s)</span>"));
    assert_eq!(
        html.matches("class=\"notice warn\"").count(),
        1,
        "only the seven-essay version is over five minutes"
    );
    // Not for other roles.
    let ops = app.ui_as(Role::Ops).await;
    let (status, _) = ops.page("/ui/admin/templates").await;
    assert_eq!(status, 403);
}
