//! Sufficiency in released reports (DESIGN.md "Sufficiency"): the default r1 until ten
//! released cases with two or more organisations estimate it; the case page and the
//! report page say it in words.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::evidence::{Case, answer, open_case};
use crate::fixtures;
use crate::on_both_databases;

on_both_databases!(
    a_released_report_uses_the_default_r1_with_two_and_four_organisations,
    with_ten_released_cases_r1_is_the_icc1_of_their_organisations,
);

async fn report(app: &TestApp, case: &fixtures::CaseWithReferees) -> Value {
    let res = app
        .get(&format!("/api/v1/cases/{}/report", case.id), &case.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_released_report_uses_the_default_r1_with_two_and_four_organisations(app: TestApp) {
    let two = fixtures::launched_case_with_quorum(&app, 2, 2).await;
    two.answer(&app, 0, "4").await;
    assert!(
        report(&app, &two).await["sufficiency"].is_null(),
        "nothing while the case collects"
    );
    two.answer(&app, 1, "4").await;
    app.engine.run_until_idle().await.unwrap();
    let body = report(&app, &two).await;
    assert_eq!(body["released"], true, "{body}");
    assert_eq!(body["organisations"], 2);
    assert_eq!(
        body["sufficiency"],
        json!({"r1": 0.4, "r1_source": "default", "reliability": 0.571, "organisations_needed": 2})
    );

    let four = fixtures::launched_case_with_quorum(&app, 4, 4).await;
    four.answer_all(&app, &["4", "3", "5", "4"]).await;
    let body = report(&app, &four).await;
    assert_eq!(body["organisations"], 4);
    assert_eq!(
        body["sufficiency"],
        json!({"r1": 0.4, "r1_source": "default", "reliability": 0.727, "organisations_needed": 0})
    );

    // In words: the case page asks for more only when more are needed; the report page
    // gives the reliability beside the alignment score.
    let hr = app.ui_as(Role::Hr).await;
    let (status, html) = hr.page(&format!("/ui/cases/{}", two.id)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("About 2 more client organisations would make this reliable"),
        "{html}"
    );
    let (_, html) = hr.page(&format!("/ui/cases/{}", four.id)).await;
    assert!(!html.contains("id=\"sufficiency\""), "four are enough");
    let (_, html) = hr.page(&format!("/ui/cases/{}/report", two.id)).await;
    assert!(
        html.contains("Reliability 0.571 from 2 client organisations: about 2 more client organisations would make this reliable"),
        "{html}"
    );
    assert!(html.contains("the published default"));
}

/// Released case `i` with two organisations answering `a` and `b` (every rating counts
/// as that level, so each organisation's alignment is 25 × (level − 1)).
async fn released_pair(app: &TestApp, i: usize, a: u8, b: u8) -> Case {
    let case = open_case(app, json!({ "min_responses": 2 })).await;
    let first = format!("case{i}@alpha{i}.example");
    let second = format!("case{i}@beta{i}.example");
    case.add(app, &first, &format!("Alpha {i}")).await;
    case.add(app, &second, &format!("Beta {i}")).await;
    case.launch(app).await;
    answer(app, &first, a, "192.0.2.1").await;
    answer(app, &second, b, "198.51.100.1").await;
    app.engine.run_until_idle().await.unwrap();
    case
}

async fn with_ten_released_cases_r1_is_the_icc1_of_their_organisations(app: TestApp) {
    // Organisation alignments 25·(level − 1) per case:
    //   (100,100) (100,75) (75,75) (75,50) (50,50) (50,25) (25,25) (25,0) (0,0) (100,50)
    // Case means 100, 87.5, 75, 62.5, 50, 37.5, 25, 12.5, 0, 75; grand mean 52.5.
    // SSB = 2 · Σ (mean − 52.5)² = 2 · 9,937.5 = 19,875, MSB = 19,875 / 9 = 2,208.33;
    // SSW = 4 · 312.5 + 1,250 = 2,500, MSW = 2,500 / (20 − 10) = 250; n₀ = 2.
    // ICC(1) = (2,208.33 − 250) / (2,208.33 + 250) = 0.79661.
    // Reliability of 2: 2 · 0.79661 / 1.79661 = 0.88679; 0.70 needs ⌈0.596⌉ = 1 in all.
    let pairs = [
        (5, 5),
        (5, 4),
        (4, 4),
        (4, 3),
        (3, 3),
        (3, 2),
        (2, 2),
        (2, 1),
        (1, 1),
        (5, 3),
    ];
    let mut last = None;
    for (i, (a, b)) in pairs.into_iter().enumerate() {
        let case = released_pair(&app, i, a, b).await;
        let body = case.report(&app).await;
        assert_eq!(body["released"], true, "{body}");
        if i < 9 {
            assert_eq!(
                body["sufficiency"]["r1_source"],
                "default",
                "{} released cases are not enough",
                i + 1
            );
        }
        last = Some(body);
    }
    let body = last.unwrap();
    assert_eq!(
        body["sufficiency"],
        json!({"r1": 0.797, "r1_source": "installation", "reliability": 0.887, "organisations_needed": 0}),
        "{body}"
    );
}
