//! The `percentile` kind end to end: the form shows the five bands as plain radio buttons,
//! an unknown band is refused naming the field while the other answers stay, drafts keep
//! bands, and the report and CSV score bands as their midpoints (DESIGN.md "Scoring").

use serde_json::{Value, json};
use testkit::TestApp;

use super::{DIMENSIONS, quick_case, quick_form};
use crate::helpers::field_error;
use crate::on_both_databases;

on_both_databases!(
    the_form_shows_each_percentile_question_as_five_radio_bands_without_a_likert_scale,
    an_unknown_band_is_refused_naming_the_field_and_every_other_answer_is_kept,
    a_saved_band_is_shown_checked_when_the_referee_comes_back,
    the_json_form_lists_percentile_questions_with_their_bands_and_names_a_bad_band,
    bands_score_as_their_midpoints_in_the_report_and_the_csv,
    the_self_assessment_asks_the_provider_where_it_stands_in_the_first_person,
);

async fn the_form_shows_each_percentile_question_as_five_radio_bands_without_a_likert_scale(
    app: TestApp,
) {
    let c = quick_case(&app, 1).await;
    let res = app.fetch(&format!("/r/{}", c.links[0])).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for d in DIMENSIONS {
        for band in ["bottom_half", "top_half", "top_quarter", "top_10", "top_5"] {
            assert!(
                html.contains(&format!(
                    "<input type=\"radio\" name=\"q_{d}_percentile\" value=\"{band}\">"
                )),
                "{d} {band}"
            );
        }
    }
    for label in [
        "Bottom half",
        "Top half",
        "Top quarter",
        "Top 10%",
        "Top 5%",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains("Compared with other providers of this kind you have worked with"));
    assert!(
        !html.contains("strongly agree") && !html.contains("Not observed"),
        "no likert scale is explained or shown on a form without one"
    );
    assert!(
        html.contains("How do they compare on honesty, care for quality and respect for people?")
    );
    assert!(html.contains("name=\"q_rehire\""));
    assert!(html.contains("What should we know to work well with them?"));
    assert!(!html.contains("<script"), "works without JavaScript");
}

async fn an_unknown_band_is_refused_naming_the_field_and_every_other_answer_is_kept(app: TestApp) {
    let c = quick_case(&app, 1).await;
    let link = &c.links[0];
    app.fetch(&format!("/r/{link}")).await;
    let mut form = quick_form(["top_10"; 8]);
    form[0].1 = "top_1".into();
    form.retain(|(k, _)| k != "q_working_well");
    form.push((
        "q_working_well".into(),
        "Book them early in the quarter".into(),
    ));
    let res = app.post_form(&format!("/r/{link}"), &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"error-values_percentile\""),
        "the field is named"
    );
    assert!(html.contains("Choose one of the bands"), "{html}");
    assert!(html.contains("href=\"#field-values_percentile\""));
    for d in &DIMENSIONS[1..] {
        assert!(
            html.contains(&format!(
                "name=\"q_{d}_percentile\" value=\"top_10\" checked"
            )),
            "{d} is still chosen"
        );
    }
    assert!(html.contains("Book them early in the quarter"));
    assert!(html.contains("name=\"q_rehire\" value=\"yes\" checked"));
    assert!(html.contains("name=\"consent\" value=\"on\" id=\"consent\" checked"));
    // The same form with a real band goes through.
    form[0].1 = "top_5".into();
    let res = app.post_form(&format!("/r/{link}"), &form).await;
    assert_eq!(res.status(), 303);
}

async fn a_saved_band_is_shown_checked_when_the_referee_comes_back(app: TestApp) {
    let c = quick_case(&app, 1).await;
    let link = &c.links[0];
    app.fetch(&format!("/r/{link}")).await;
    let draft = [
        ("q_values_percentile", "top_quarter"),
        ("q_scope_percentile", "bottom_half"),
        ("action", "save"),
    ];
    let res = app.post_form(&format!("/r/{link}"), &draft).await;
    assert_eq!(res.status(), 303);
    let html = app
        .fetch(&format!("/r/{link}?saved=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"q_values_percentile\" value=\"top_quarter\" checked"));
    assert!(html.contains("name=\"q_scope_percentile\" value=\"bottom_half\" checked"));
    assert!(!html.contains("name=\"q_expertise_percentile\" value=\"top_5\" checked"));
    let json: Value = app
        .fetch(&format!("/api/v1/public/forms/{link}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["draft"]["values_percentile"], "top_quarter");
    assert_eq!(json["draft"]["scope_percentile"], "bottom_half");
}

async fn the_json_form_lists_percentile_questions_with_their_bands_and_names_a_bad_band(
    app: TestApp,
) {
    let c = quick_case(&app, 1).await;
    let url = format!("/api/v1/public/forms/{}", c.links[0]);
    let form: Value = app.fetch(&url).await.json().await.unwrap();
    let questions = form["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 10);
    let values = &questions[0];
    assert_eq!(values["key"], "values_percentile");
    assert_eq!(values["kind"], "percentile");
    assert_eq!(values["dimension"], "values");
    assert_eq!(values["required"], true);
    assert_eq!(
        values["options"],
        json!(["bottom_half", "top_half", "top_quarter", "top_10", "top_5"])
    );
    assert_eq!(questions[8]["kind"], "yes_no");
    assert_eq!(questions[9]["kind"], "text");
    assert_eq!(questions[9]["required"], false);

    let mut answers: serde_json::Map<String, Value> = DIMENSIONS
        .iter()
        .map(|d| (format!("{d}_percentile"), json!("top_half")))
        .collect();
    answers.insert("rehire".into(), json!("no"));
    answers.insert("expertise_percentile".into(), json!("top_50"));
    answers.insert("scope_percentile".into(), json!(4));
    let res = app
        .client
        .post(app.url(&url))
        .json(&json!({"answers": answers, "consent": true, "action": "submit"}))
        .send()
        .await
        .unwrap();
    let body = field_error(res, "answers.expertise_percentile").await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["answers.expertise_percentile", "answers.scope_percentile"],
        "a likert number is not a band either"
    );
    answers.insert("expertise_percentile".into(), json!("top_5"));
    answers.insert("scope_percentile".into(), json!("bottom_half"));
    let res = app
        .client
        .post(app.url(&url))
        .json(&json!({"answers": answers, "consent": true, "action": "submit"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// Three referees from three client organisations (so each organisation is one person):
/// values: top_half (62.5), top_quarter (82.5), top_5 (97.5) → mean 80.833… → 80.8;
/// every other dimension: top_5 (97.5), top_10 (92.5), bottom_half (25) → 71.666… → 71.7;
/// alignment with the shipped weights (values 3, dedication 3, four of 2, two of 1; 16 in
/// all): (3 × 80.833… + 13 × 71.666…) / 16 = 1174.1666… / 16 = 73.385… → 73.4.
async fn bands_score_as_their_midpoints_in_the_report_and_the_csv(app: TestApp) {
    let c = quick_case(&app, 3).await;
    let answers = [
        ("top_half", "top_5"),
        ("top_quarter", "top_10"),
        ("top_5", "bottom_half"),
    ];
    for (link, (values, others)) in c.links.iter().zip(answers) {
        app.fetch(&format!("/r/{link}")).await;
        let mut bands = [others; 8];
        bands[0] = values;
        let res = app
            .post_form(&format!("/r/{link}"), &quick_form(bands))
            .await;
        assert_eq!(res.status(), 303);
    }
    app.engine.run_until_idle().await.unwrap();
    // Read once the case is closed, whatever the disclosure rules say about collecting.
    let res = app
        .post(&format!("/api/v1/cases/{}/close", c.id()), &c.ops)
        .send()
        .await
        .unwrap();
    assert!(
        res.status() == 200 || res.status() == 409,
        "{}",
        res.status()
    );
    let report: Value = app
        .get(&format!("/api/v1/cases/{}/report", c.id()), &c.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let score = |key: &str| {
        report["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["key"] == key)
            .unwrap()["score"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(score("values"), 80.8, "{report}");
    for d in &DIMENSIONS[1..] {
        assert_eq!(score(d), 71.7, "{d}");
    }
    assert_eq!(report["alignment_score"], 73.4);
    assert_eq!(report["rehire"]["yes"], 3);

    let csv = app
        .get(&format!("/api/v1/cases/{}/report.csv", c.id()), &c.ops)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .filter(|r: &Vec<&str>| r[2] == "values_percentile")
        .collect();
    assert_eq!(rows.len(), 3, "{csv}");
    let mut seen: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[4], r[5], r[6])).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("percentile", "top_5", "4.9"),
            ("percentile", "top_half", "3.5"),
            ("percentile", "top_quarter", "4.3"),
        ]
    );

    // The report page shows the same figures.
    let ui = app.ui_as(engine::domain::Role::Hr).await;
    let (status, page) = ui.page(&format!("/ui/cases/{}/report", c.id())).await;
    assert_eq!(status, 200);
    assert!(page.contains("80.8"), "values score on the page");
    assert!(page.contains("73.4"), "alignment on the page");
    assert!(
        page.contains("id=\"percentile-note\""),
        "the page says how bands are scored"
    );
}

async fn the_self_assessment_asks_the_provider_where_it_stands_in_the_first_person(app: TestApp) {
    let c = quick_case(&app, 1).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/self-assessment", c.id()), &c.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    let token = app
        .tokens_sent_to("pat@ledger.example", "/s/")
        .pop()
        .expect("a self-assessment link");
    let html = app
        .fetch(&format!("/s/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("How do we compare on honesty, care for quality and respect for people?")
    );
    assert!(html.contains("Compared with other firms of your kind"));
    assert!(html.contains("name=\"q_values_percentile\" value=\"top_5\""));
    assert!(!html.contains("q_rehire"), "only the scored questions");
    let mut form: Vec<(String, String)> = DIMENSIONS
        .iter()
        .map(|d| (format!("q_{d}_percentile"), "top_quarter".to_owned()))
        .collect();
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    let res = app.post_form(&format!("/s/{token}"), &form).await;
    assert_eq!(res.status(), 303);
    let case: Value = app
        .get(&format!("/api/v1/cases/{}", c.id()), &c.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["self_assessment"], "submitted");
}
