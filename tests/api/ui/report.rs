//! HR in the staff UI: the review list, the report (chart, score, flags, comments, CSV)
//! and recording a decision.

use engine::domain::Role;
use testkit::TestApp;

use super::{case_in_review, flash_of, location};
use crate::on_both_databases;

on_both_databases!(hr_reads_the_report_and_records_a_decision);

async fn hr_reads_the_report_and_records_a_decision(app: TestApp) {
    let case = case_in_review(&app).await;
    let hr = app.ui_as(Role::Hr).await;
    let (_, review) = hr.page("/ui/review").await;
    assert!(review.contains("Waiting for your decision (1)"));
    assert!(review.contains(&format!("/ui/cases/{case}/report")));

    let report_url = format!("/ui/cases/{case}/report");
    let (status, html) = hr.page(&report_url).await;
    assert_eq!(status, 200);
    // The chart: one row per dimension of the profile, each referee as a point, the
    // interval and the minimum drawn.
    let dims = app.engine.questionnaires().profile().await.unwrap().len();
    assert!(html.contains("<svg id=\"dimension-chart\""));
    assert_eq!(html.matches("<g class=\"dimension").count(), dims);
    assert_eq!(html.matches("<circle class=\"score\"").count(), dims);
    assert_eq!(html.matches("<circle class=\"referee\"").count(), dims * 3);
    assert_eq!(html.matches("<line class=\"minimum\"").count(), dims);
    assert_eq!(html.matches("<line class=\"interval\"").count(), dims);
    let report = app.engine.reports().case_report(case).await.unwrap();
    let alignment = format!("{}", report.alignment_score.unwrap());
    assert!(html.contains(&alignment), "alignment {alignment} shown");
    // Plain-word flags (a referee rated values 2), agreement, comments and rehire tally.
    assert!(html.contains("A low rating on values or dedication"));
    assert!(html.contains("Strength from referee 0"));
    assert!(html.contains("id=\"rehire-yes\">3<"));
    assert!(html.contains("(weak)") || html.contains("(moderate)") || html.contains("(strong)"));

    // The CSV download is the API's.
    let res = hr.get(&format!("{report_url}.csv")).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // A decision without rationale or outcome is refused, named, and nothing is stored.
    let decide = format!("/ui/cases/{case}/decision");
    let res = hr
        .post(
            &report_url,
            &decide,
            &[("outcome", "maybe"), ("rationale", "  ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Choose approved, approved with conditions or rejected."));
    assert!(html.contains("Must not be blank."));
    assert!(
        app.engine
            .reports()
            .case_decision(case)
            .await
            .unwrap()
            .is_none()
    );

    let rationale = "Strong on values; agree a named partner for month-end before signing.";
    let typed = format!("{rationale}\r\nConditions: see the contract draft.");
    let res = hr
        .post(
            &report_url,
            &decide,
            &[
                ("outcome", "approved_with_conditions"),
                ("rationale", &typed),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/ui/cases/{case}"));
    let (_, html) = hr.page(&format!("/ui/cases/{case}")).await;
    assert!(html.contains("Decision recorded: Approved with conditions."));
    assert!(html.contains("badge-decided"));
    assert!(html.contains(rationale));
    let decision = app
        .engine
        .reports()
        .case_decision(case)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(decision.outcome.as_str(), "approved_with_conditions");
    assert_eq!(
        decision.rationale,
        format!("{rationale}\nConditions: see the contract draft."),
        "line breaks stored as LF"
    );

    // Deciding twice is refused with the reason; the report shows the decision instead of a form.
    let res = hr
        .post(
            &format!("/ui/cases/{case}"),
            &decide,
            &[("outcome", "rejected"), ("rationale", "again")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let flash = flash_of(&hr, &report_url).await;
    assert!(flash.contains("Not done"), "{flash}");
    let (_, html) = hr.page(&report_url).await;
    assert!(!html.contains("Record decision") && html.contains(rationale));
}

crate::on_both_backends!(the_report_page_compares_sources_and_shows_the_self_assessment);

/// A nominated and a sourced referee who disagree, and a provider that rates itself
/// highly: the page says so in words, and draws the provider's own view on the chart.
/// With the detail threshold at 1 so that groups of one are scored (the threshold itself:
/// `protection::disclosure`).
async fn the_report_page_compares_sources_and_shows_the_self_assessment(backend: testkit::Backend) {
    use crate::evidence::{answer, behind_proxy, open_case, requested_link, self_view};
    let mut config = behind_proxy();
    config.report.min_responses_for_detail = 1;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };

    let case = open_case(&app, serde_json::json!({ "min_responses": 2 })).await;
    case.nominate(&app, &[("n@pal.example", "Pal plc")], "203.0.113.50")
        .await;
    case.add(&app, "s@found.example", "Found Ltd").await;
    let token = requested_link(&app, &case).await;
    let res = app.post_form(&format!("/s/{token}"), &self_view(5)).await;
    assert_eq!(res.status(), 303);
    case.launch(&app).await;
    answer(&app, "n@pal.example", 5, "198.51.100.1").await;
    answer(&app, "s@found.example", 3, "198.51.100.2").await;

    let ops = app.ui_as(Role::Ops).await;
    let (status, html) = ops.page(&format!("/ui/cases/{}", case.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Nominated by provider") && html.contains("Found by you"));
    assert!(
        html.contains("badge-submitted"),
        "the self-assessment's state"
    );

    let (status, html) = ops.page(&format!("/ui/cases/{}/report", case.id)).await;
    assert_eq!(status, 200);
    let dims = app.engine.questionnaires().profile().await.unwrap().len();
    assert_eq!(html.matches("<polygon class=\"self\"").count(), dims);
    assert!(html.contains("id=\"sources-sourced\">1<"));
    assert!(html.contains("id=\"sources-nominated\">1<"));
    assert!(html.contains("References the provider chose, beside the ones you found"));
    let comparison = html
        .split("id=\"source-comparison\"")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .expect("the comparison list");
    assert!(
        comparison.contains("50.0 points higher") && comparison.contains("Shares our values"),
        "{comparison}"
    );
    assert!(
        html.contains("A blind spot"),
        "self 100 against clients' 75"
    );
    assert!(html.contains("key-self"), "the legend names the diamond");
}
