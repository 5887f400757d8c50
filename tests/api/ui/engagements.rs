//! After the decision in the staff UI: an approved case links its engagement; the
//! engagement list sorts it by what needs attention; on the engagement page HR adds a
//! stakeholder (a bad address first), starts a pulse, sees the stakeholder's answers drawn
//! against what the references predicted, and ends the engagement.

use chrono::Duration;
use engine::domain::{CaseStatus, Drift, EngagementStatus, PulseStatus, Role};
use serde_json::json;
use testkit::TestApp;
use uuid::Uuid;

use super::{flash_of, location};
use crate::fixtures;
use crate::helpers::LIKERT_KEYS;
use crate::on_both_databases;

/// Agreeing with these is bad: they are answered 6 − level.
const REVERSED: [&str; 2] = ["dedication_minimum", "scope_surprises"];

/// A questionnaire where every rating counts as `level`; referees also say whether they
/// would hire the provider again, stakeholders only rate.
fn ratings(level: u8, referee: bool) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|k| {
            let v = if REVERSED.contains(k) {
                6 - level
            } else {
                level
            };
            (format!("q_{k}"), v.to_string())
        })
        .collect();
    if referee {
        form.push(("q_rehire".into(), "yes".into()));
    }
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    form
}

/// Opens the questionnaire behind `token`, takes a few minutes, and sends it.
async fn answer(app: &TestApp, token: &str, form: &[(String, String)]) {
    let path = format!("/r/{token}");
    assert_eq!(app.fetch(&path).await.status(), 200, "GET {path}");
    app.clock.advance(Duration::minutes(5));
    let res = app.post_form(&path, form).await;
    assert_eq!(res.status(), 303, "POST {path}");
}

/// The part of `html` from the section with `id` to the next section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section class=\"card\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

on_both_databases!(an_approved_case_is_followed_up_on_its_engagement_page);

async fn an_approved_case_is_followed_up_on_its_engagement_page(app: TestApp) {
    // Three referees answer through their links (5, 5, 4 everywhere: every dimension
    // 91.7, interval 55.8–100), and HR approves through the API.
    let case = fixtures::launched_case(&app, 3).await;
    for (link, level) in case.links(&app).iter().zip([5, 5, 4]) {
        answer(&app, link, &ratings(level, true)).await;
    }
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.engine.cases().case(case.id).await.unwrap().status,
        CaseStatus::Review
    );
    let hr_token = app.token_for(Role::Hr).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/decision", case.id), &hr_token)
        .json(&json!({ "outcome": "approved", "rationale": "Strong references throughout." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "approve");
    let engagement_id: Uuid = app
        .engine
        .cases()
        .case(case.id)
        .await
        .unwrap()
        .engagement_id
        .expect("the approval opened an engagement");
    let page_url = format!("/ui/engagements/{engagement_id}");

    // The case page links it; the list has it as an active engagement, not yet due.
    let hr = app.ui_as(Role::Hr).await;
    let (status, html) = hr.page(&format!("/ui/cases/{}", case.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(
        "href=\"{page_url}\">Engagement: how it is going</a>"
    )));
    let (status, html) = hr.page("/ui/engagements").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/ui/engagements\" aria-current=\"page\">Engagements</a>"));
    let active = section(&html, "active");
    assert!(active.contains(&page_url) && active.contains("Ledger &amp; Co"));
    assert!(active.contains("no pulse yet"));
    assert!(!section(&html, "due").contains(&page_url));
    assert!(!html.contains("Demo data"), "a real engagement");

    // The page: provider, approved case, no stakeholders.
    let (status, html) = hr.page(&page_url).await;
    assert_eq!(status, 200);
    let e = app
        .engine
        .engagements()
        .engagement(engagement_id)
        .await
        .unwrap();
    assert!(html.contains(&format!("href=\"/ui/providers/{}\"", e.provider_id)));
    assert!(html.contains(&format!("href=\"/ui/cases/{}\"", case.id)));
    assert!(html.contains("badge-active"));
    assert!(html.contains("No stakeholders yet."));

    // Without the page's CSRF token nothing happens.
    let pulse = format!("{page_url}/pulse");
    assert_eq!(hr.post_raw(&pulse, &[]).await.status(), 403);
    // A pulse without stakeholders is refused with the reason.
    let res = hr.post(&page_url, &pulse, &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), page_url);
    let flash = flash_of(&hr, &page_url).await;
    assert_eq!(
        flash,
        "Not done: add at least one stakeholder before starting a pulse."
    );

    // A stakeholder with a broken address: 422, the error beside the field, what was
    // typed kept, nothing stored.
    let add = format!("{page_url}/stakeholders");
    let res = hr
        .post(
            &page_url,
            &add,
            &[("name", "Dana Buyer"), ("email", "dana@")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"f-email-error\""), "{html}");
    assert!(html.contains("value=\"Dana Buyer\"") && html.contains("value=\"dana@\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        app.engine
            .engagements()
            .engagement(engagement_id)
            .await
            .unwrap()
            .stakeholders
            .is_empty()
    );

    let stakeholder = "dana@buyer.example";
    let res = hr
        .post(
            &page_url,
            &add,
            &[("name", "Dana Buyer"), ("email", stakeholder)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), page_url);
    let flash = flash_of(&hr, &page_url).await;
    assert!(flash.starts_with("Dana Buyer added."), "{flash}");
    // The same person twice is refused beside the field.
    let res = hr
        .post(
            &page_url,
            &add,
            &[("name", "Dana Again"), ("email", stakeholder)],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Is already a stakeholder of this engagement."));
    assert!(html.contains("value=\"Dana Again\""));

    // Start a pulse: a flash, then a second one is refused while it collects.
    let res = hr.post(&page_url, &pulse, &[]).await;
    assert_eq!(res.status(), 303);
    let flash = flash_of(&hr, &page_url).await;
    assert!(
        flash.starts_with("Pulse started: 1 stakeholder is being emailed"),
        "{flash}"
    );
    let res = hr.post(&page_url, &pulse, &[]).await;
    assert_eq!(res.status(), 303);
    let flash = flash_of(&hr, &page_url).await;
    assert!(
        flash.starts_with("Not done: a pulse is still collecting answers"),
        "{flash}"
    );
    let (_, html) = hr.page("/ui/engagements").await;
    let due = section(&html, "due");
    assert!(due.contains(&page_url) && due.contains("Pulse collecting"));
    let (_, html) = hr.page(&page_url).await;
    assert!(html.contains("badge-collecting") && html.contains("No answers yet."));
    assert!(
        !html.contains("Start a pulse now"),
        "no button while one collects"
    );

    // The stakeholder answers through their link, far below what the referees said.
    app.engine.run_until_idle().await.unwrap();
    let links = app.links_sent_to(stakeholder);
    assert_eq!(links.len(), 1, "one pulse link to {stakeholder}");
    answer(&app, &links[0], &ratings(1, false)).await;
    app.engine.run_until_idle().await.unwrap();
    let e = app
        .engine
        .engagements()
        .engagement(engagement_id)
        .await
        .unwrap();
    assert_eq!(e.pulses.len(), 1);
    let p = &e.pulses[0];
    assert_eq!(p.status, PulseStatus::Complete);
    let dims = p.dimensions.len();
    assert!(dims > 0);
    assert!(
        p.dimensions.iter().all(|d| d.drift == Some(Drift::Below)),
        "{:?}",
        p.dimensions
    );

    // The page: the pulse complete, its chart (the pre-hire interval and score, the pulse
    // mark) and table with every dimension below.
    let (status, html) = hr.page(&page_url).await;
    assert_eq!(status, 200);
    assert!(html.contains("badge-complete"));
    assert!(html.contains("1 of 1 stakeholder"));
    let chart = format!("<svg id=\"pulse-chart-{}\"", p.id);
    assert!(html.contains(&chart));
    assert!(html.contains("role=\"img\""));
    assert!(html.contains(&format!("<title id=\"pulse-chart-{}-title\">", p.id)));
    assert!(html.contains(&format!("<desc id=\"pulse-chart-{}-desc\">", p.id)));
    assert_eq!(html.matches("<g class=\"dimension below\">").count(), dims);
    assert_eq!(html.matches("<rect class=\"pulse\"").count(), dims);
    assert_eq!(html.matches("<circle class=\"prehire\"").count(), dims);
    assert_eq!(html.matches("<line class=\"interval\"").count(), dims);
    assert_eq!(html.matches("<tr class=\"below\">").count(), dims);
    assert_eq!(
        html.matches("<text class=\"drift\" ").count(),
        dims,
        "each row says it is below"
    );
    assert!(html.contains(">below what references predicted (55.8–100.0)</text>"));
    assert!(
        html.contains("<td>55.8–100.0</td>"),
        "the pre-hire interval in the table"
    );
    assert!(html.contains("Start a pulse now"), "the next one can start");

    // The list puts it first, under "Drifting below", with its alignment.
    let (_, html) = hr.page("/ui/engagements").await;
    let drifting = section(&html, "drifting");
    assert!(drifting.contains(&page_url));
    assert!(drifting.contains(&format!("<strong>{:?}</strong>", p.alignment.unwrap())));
    assert!(!section(&html, "active").contains(&page_url));

    // Ending needs a reason; then it is ended, with the reason shown.
    let end = format!("{page_url}/end");
    let res = hr.post(&page_url, &end, &[("reason", "  ")]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"f-reason-error\">Must not be blank.</p>"));
    let reason = "Contract not renewed after the first quarter.";
    let res = hr.post(&page_url, &end, &[("reason", reason)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), page_url);
    let flash = flash_of(&hr, &page_url).await;
    assert!(flash.starts_with("Engagement ended."), "{flash}");
    let (_, html) = hr.page(&page_url).await;
    assert!(html.contains("badge-ended\">Ended</span>"));
    assert!(html.contains(reason));
    assert!(!html.contains("Add a stakeholder") && !html.contains("Start a pulse now"));
    let e = app
        .engine
        .engagements()
        .engagement(engagement_id)
        .await
        .unwrap();
    assert_eq!(e.status, EngagementStatus::Ended);
    assert_eq!(e.end_reason.as_deref(), Some(reason));
    let res = hr.post(&page_url, &end, &[("reason", "again")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        flash_of(&hr, &page_url).await,
        "Not done: this engagement has ended."
    );
    let (_, html) = hr.page("/ui/engagements").await;
    assert!(section(&html, "ended").contains(&page_url));
    assert!(!section(&html, "drifting").contains(&page_url));

    // Ops manage engagements too.
    let ops = app.ui_as(Role::Ops).await;
    let (status, html) = ops.page(&page_url).await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/ui/engagements\""));
}
