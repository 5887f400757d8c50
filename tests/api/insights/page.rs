//! `/ui/insights/responses`: the page shows the endpoint's figures for the same window,
//! with the funnel and the hours to quorum drawn, and the staff menu links to it; the
//! provider page counts how the provider's referees answered.

use chrono::Duration;
use engine::domain::Role;
use serde_json::Value;
use testkit::TestApp;

use super::{insights, scripted_case};
use crate::on_both_databases;

on_both_databases!(
    the_page_shows_the_same_numbers_as_the_endpoint,
    the_provider_page_counts_how_its_referees_answered,
);

/// The text of the element with `id` (its first text, up to the next tag).
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &html[start + id.len() + 6..];
    &rest[..rest.find('<').unwrap()]
}

fn percent(v: &Value) -> String {
    format!("{:.1}%", v.as_f64().unwrap() * 100.0)
}

async fn the_page_shows_the_same_numbers_as_the_endpoint(app: TestApp) {
    let s = scripted_case(&app).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/close", s.case.id), &s.case.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    let day = s.launched_at.date_naive();
    let from = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
    let body = insights(&app, &s.case.ops, from, from + Duration::days(1)).await;
    assert_eq!(body["invited"], 9);

    for role in [Role::Ops, Role::Hr, Role::Admin] {
        let ui = app.ui_as(role).await;
        let (status, html) = ui
            .page(&format!("/ui/insights/responses?from={day}&to={day}"))
            .await;
        assert_eq!(status, 200);
        assert!(
            html.contains("href=\"/ui/insights/responses\" aria-current=\"page\""),
            "in the staff menu for {role:?}"
        );
        for (id, key) in [
            ("invited", "invited"),
            ("opened", "opened"),
            ("started", "started"),
            ("completed", "completed"),
            ("declined", "declined"),
            ("bounced", "bounced"),
            ("expired", "expired"),
            ("withdrawn", "withdrawn"),
            ("opted-out", "opted_out"),
            ("cases-at-quorum", "cases_at_quorum"),
        ] {
            assert_eq!(text_of(&html, id), body[key].to_string(), "{id}");
        }
        assert_eq!(
            text_of(&html, "response-rate"),
            percent(&body["response_rate"])
        );
        assert_eq!(
            text_of(&html, "breakoff-rate"),
            percent(&body["breakoff_rate"])
        );
        assert_eq!(
            text_of(&html, "median-hours-to-first-response"),
            body["median_hours_to_first_response"].to_string()
        );
        assert_eq!(
            text_of(&html, "median-hours-to-quorum"),
            body["median_hours_to_quorum"].to_string()
        );
        for (id, key) in [
            ("after-invitation", "invitation"),
            ("after-reminder-1", "reminder_1"),
            ("after-reminder-2", "reminder_2"),
        ] {
            assert_eq!(
                text_of(&html, id),
                body["completions_after"][key].to_string()
            );
        }
        assert!(html.contains("<svg id=\"funnel-chart\""));
        assert!(html.contains("<svg id=\"quorum-chart\""));
        assert!(
            html.contains("3 in 10 referees who open the form leave without answering."),
            "the reading in words: {html}"
        );
        assert!(html.contains("2 of the 3 answers came after a reminder."));
        // Per template: the completed count and the median time, 300 s.
        assert!(html.contains("<td data-label=\"Completed\">3</td>"));
        assert!(html.contains("300 s"));
    }
}

async fn the_provider_page_counts_how_its_referees_answered(app: TestApp) {
    let s = scripted_case(&app).await;
    let case: Value = app
        .get(&format!("/api/v1/cases/{}", s.case.id), &s.case.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let provider_id = case["provider_id"].as_str().unwrap();
    let ui = app.ui_as(Role::Hr).await;
    let (status, html) = ui.page(&format!("/ui/providers/{provider_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "provider-completed"), "3");
    assert_eq!(text_of(&html, "provider-invited"), "9");
    // 3 ÷ (9 − 1 bounced − 2 withdrawn)
    assert_eq!(text_of(&html, "provider-response-rate"), "50.0%");
    assert!(
        html.contains(
            "1 declined, 1 could not be reached, 0 let the request expire and 2 were withdrawn"
        ),
        "{html}"
    );

    // A provider nobody was asked about says so.
    let ops = app.token_for(Role::Ops).await;
    let other = app.create_provider(&ops).await;
    let (_, html) = ui
        .page(&format!("/ui/providers/{}", other["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        text_of(&html, "provider-responses"),
        "None of its referees has been invited yet."
    );
}
