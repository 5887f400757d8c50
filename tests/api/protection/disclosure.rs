//! Answers are seen once, together (API.md "Disclosure"): while a case collects, its
//! report, report page and CSV show progress only, so comparing two snapshots taken around
//! one referee's answer reveals nothing of it; the results are released once, when
//! collecting ends, and no answer is taken after that; a provenance group smaller than the
//! detail threshold gets no score; and erasing a referee moves nobody between
//! organisations, so the released figures stay as they were.

use engine::domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use store::entity::{answer, reference_request, response, vetting_case};
use testkit::{Backend, TestApp};
use uuid::Uuid;

use crate::evidence::{Case, answers, behind_proxy, flag_kinds, open_case};
use crate::helpers::problem;
use crate::on_both_backends;

/// Flags that quote no answer: the only ones a collecting report may show.
const PROGRESS_FLAGS: [&str; 8] = [
    "insufficient_responses",
    "insufficient_organisations",
    "duplicate_referee",
    "fraud_same_domain",
    "fraud_duplicate_ip",
    "fraud_provider_ip",
    "fraud_unviewed",
    "fraud_too_fast",
];

async fn csv(app: &TestApp, case: &Case) -> String {
    let res = app
        .get(&format!("/api/v1/cases/{}/report.csv", case.id), &case.hr)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// The report without its progress figures, which may change with every answer.
fn without_progress(report: &Value) -> Value {
    let mut r = report.clone();
    let o = r.as_object_mut().unwrap();
    for key in [
        "responses",
        "invited",
        "organisations",
        "quorum_met",
        "sources",
        "flags",
        "generated_at",
    ] {
        o.remove(key);
    }
    r
}

/// The report page without its progress line, flags and print footer.
fn page_without_progress(html: &str) -> String {
    let mut out = html.to_owned();
    for (start, end) in [
        ("<section id=\"progress\"", "</section>"),
        (
            "<section class=\"card\" aria-labelledby=\"h-flags\">",
            "</section>",
        ),
        ("<p class=\"small print-only\">", "</p>"),
    ] {
        let a = out
            .find(start)
            .unwrap_or_else(|| panic!("{start} on the page"));
        let b = a + out[a..].find(end).unwrap() + end.len();
        out.replace_range(a..b, "");
    }
    out
}

/// The referee at `email` opens their link and submits every rating as `level`, with a
/// comment naming them, from their own address.
async fn answer_with_comment(app: &TestApp, email: &str, level: u8, ip: &str) {
    let comment = format!("Secret words of {email}");
    crate::evidence::answer_with_comment(app, email, level, ip, &comment).await;
}

const FIVE: [(&str, &str); 5] = [
    ("ann@alpha.example", "Alpha Ltd"),
    ("bo@beta.example", "Beta GmbH"),
    ("cy@gamma.example", "Gamma SA"),
    ("di@delta.example", "Delta plc"),
    ("ed@epsilon.example", "Epsilon AG"),
];

async fn successive_snapshots_are_identical_while_collecting(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    for (email, company) in FIVE {
        case.add(&app, email, company).await;
    }
    case.launch(&app).await;
    let hr = app.ui_as(Role::Hr).await;
    let page_path = format!("/ui/cases/{}/report", case.id);

    let first_json = case.report(&app).await;
    let (status, first_page) = hr.page(&page_path).await;
    assert_eq!(status, 200);
    let first_csv = csv(&app, &case).await;
    assert_eq!(first_csv.lines().count(), 1, "the header row only");
    assert!(first_page.contains("Results are shown once collecting ends"));

    // Four of five answer, one at a time: the case keeps collecting (one is still
    // expected), and past the quorum of three the report is still progress only.
    for (i, (email, _)) in FIVE[..4].iter().enumerate() {
        answer_with_comment(
            &app,
            email,
            [1, 5, 2, 4][i],
            &format!("198.51.100.{}", i + 1),
        )
        .await;
        let r = case.report(&app).await;
        assert_eq!(r["status"], "collecting");
        assert_eq!(r["released"], false);
        assert_eq!(r["released_at"], Value::Null);
        assert_eq!(r["responses"], i + 1, "progress is shown");
        assert_eq!(r["alignment_score"], Value::Null);
        assert_eq!(r["recommendation"], "insufficient_data");
        assert_eq!(r["dimensions"], json!([]));
        assert_eq!(r["comments"], json!([]));
        assert_eq!(r["rehire"], Value::Null);
        for kind in flag_kinds(&r) {
            assert!(
                PROGRESS_FLAGS.contains(&kind.as_str()),
                "{kind} while collecting"
            );
        }
        assert_eq!(
            without_progress(&r),
            without_progress(&first_json),
            "JSON after answer {}",
            i + 1
        );

        let (_, html) = hr.page(&page_path).await;
        assert_eq!(
            page_without_progress(&html),
            page_without_progress(&first_page),
            "page after answer {}",
            i + 1
        );
        assert!(!html.contains("Secret words"), "no comment quoted");
        assert_eq!(
            csv(&app, &case).await,
            first_csv,
            "CSV after answer {}",
            i + 1
        );
    }
    assert_eq!(case.report(&app).await["quorum_met"], true);

    // Closing releases everything at once.
    case.close(&app).await;
    let r = case.report(&app).await;
    assert_eq!(r["released"], true);
    assert!(r["alignment_score"].is_number());
    assert_eq!(r["dimensions"].as_array().unwrap().len(), 8);
    assert_eq!(r["comments"].as_array().unwrap().len(), 4);
    assert_eq!(r["rehire"], json!({ "yes": 4, "no": 0, "unsure": 0 }));
    assert!(csv(&app, &case).await.lines().count() > 4);
    let (_, html) = hr.page(&page_path).await;
    assert!(html.contains("Secret words"));
    assert!(!html.contains("Results are shown once collecting ends"));
}

/// Posts a form to a public path from a browser that prefers English: the referee's own
/// language must still win on every page.
async fn post_as_english_browser(
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("accept-language", "en")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The released_at of a case, as stored.
async fn released_at(app: &TestApp, case_id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    vetting_case::Entity::find_by_id(case_id.parse::<Uuid>().unwrap())
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .released_at
}

async fn release_happens_once_and_late_answers_get_409_in_the_referees_language(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    case.add(&app, "ann@alpha.example", "Alpha").await;
    case.add(&app, "bo@beta.example", "Beta").await;
    // The third referee reads German and the fourth French, whatever their browsers say.
    case.add_in(&app, "cy@gamma.example", "Gamma", "de").await;
    case.add_in(&app, "di@delta.example", "Delta", "fr").await;
    case.launch(&app).await;
    assert_eq!(released_at(&app, &case.id).await, None);
    answer_with_comment(&app, "ann@alpha.example", 4, "198.51.100.1").await;
    answer_with_comment(&app, "bo@beta.example", 3, "198.51.100.2").await;

    // The German referee saves a draft; the French one opens the form.
    let late = app.links_sent_to("cy@gamma.example").pop().unwrap();
    let french = app.links_sent_to("di@delta.example").pop().unwrap();
    let mut draft = answers(5);
    draft.retain(|(k, _)| k != "action" && k != "consent");
    draft.push(("action".into(), "save".into()));
    let res = post_as_english_browser(&app, &format!("/r/{late}"), &draft).await;
    assert_eq!(res.status(), 303, "draft saved");
    assert_eq!(app.fetch(&format!("/r/{french}")).await.status(), 200);
    assert_eq!(case.report(&app).await["released"], false);

    case.close(&app).await;
    let released = released_at(&app, &case.id)
        .await
        .expect("released on close");
    let r = case.report(&app).await;
    assert_eq!(r["released"], true);
    assert_eq!(
        r["released_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        released
    );
    let c = case.get(&app).await;
    let statuses: Vec<&str> = c["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "expired").count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == "completed").count(), 2);

    // The draft is gone with the release.
    let late_ref = reference_request::Entity::find()
        .filter(reference_request::Column::Email.eq("cy@gamma.example"))
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    let draft_row = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(late_ref.id))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("the draft row, with its first view");
    let kept = answer::Entity::find()
        .filter(answer::Column::ResponseId.eq(draft_row.id))
        .all(app.engine.db())
        .await
        .unwrap();
    assert!(kept.is_empty(), "no draft answer is kept: {kept:?}");

    // A late answer: 409, a page in the referee's language, nothing stored.
    let res = post_as_english_browser(&app, &format!("/r/{late}"), &answers(5)).await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("lang=\"de\""), "{html}");
    assert!(
        html.contains("Diese Referenzprüfung ist abgeschlossen"),
        "{html}"
    );
    let res = post_as_english_browser(&app, &format!("/r/{french}"), &answers(5)).await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Cette vérification de références est close")
    );
    // A late draft and a late decline are refused the same way.
    let res = post_as_english_browser(&app, &format!("/r/{late}"), &draft).await;
    assert_eq!(res.status(), 409);
    let res = app
        .client
        .post(app.url(&format!("/r/{french}/decline")))
        .form(&[("reason", "too late")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    // The JSON form says so in problem+json.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/public/forms/{late}")))
        .json(&json!({ "answers": {}, "consent": true, "action": "submit" }))
        .send()
        .await
        .unwrap();
    let p = problem(res, 409).await;
    assert!(
        p["type"].as_str().unwrap().ends_with("/check-closed"),
        "{p}"
    );
    // Viewing the link still says the request has closed (410).
    assert_eq!(app.fetch(&format!("/r/{late}")).await.status(), 410);
    assert_eq!(
        case.report(&app).await["responses"],
        2,
        "nothing late was counted"
    );

    // Released once: the decision does not release again.
    app.clock.advance(chrono::Duration::hours(2));
    case.decide(&app, "rejected").await;
    assert_eq!(released_at(&app, &case.id).await, Some(released));
    let res = post_as_english_browser(&app, &format!("/r/{late}"), &answers(5)).await;
    assert_eq!(res.status(), 409);
}

async fn the_already_answered_page_speaks_the_referees_language(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    case.add_in(&app, "elise@client.example", "Client", "es")
        .await;
    case.add(&app, "other@else.example", "Else").await;
    case.launch(&app).await;
    answer_with_comment(&app, "elise@client.example", 4, "198.51.100.9").await;
    let link = app.links_sent_to("elise@client.example").pop().unwrap();
    let res = post_as_english_browser(&app, &format!("/r/{link}"), &answers(4)).await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("lang=\"es\""), "{html}");
    assert!(html.contains("Ya ha respondido"), "{html}");
}

async fn groups_under_the_threshold_have_no_score(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 4 })).await;
    for (email, company) in &FIVE[..3] {
        case.add(&app, email, company).await;
    }
    case.nominate(
        &app,
        &[("nia@nominated.example", "Nominated Co")],
        "203.0.113.50",
    )
    .await;
    case.launch(&app).await;
    for (i, (email, _)) in FIVE[..3].iter().enumerate() {
        answer_with_comment(&app, email, 3, &format!("198.51.100.{}", i + 1)).await;
    }
    answer_with_comment(&app, "nia@nominated.example", 5, "198.51.100.9").await;
    let r = case.report(&app).await;
    assert_eq!(r["released"], true, "quorum met, nobody outstanding");
    assert_eq!(r["sources"], json!({ "sourced": 3, "nominated": 1 }));
    for d in r["dimensions"].as_array().unwrap() {
        assert_eq!(d["sourced_score"], 50.0, "{d}");
        assert_eq!(d["nominated_score"], Value::Null, "a group of one: {d}");
    }
    assert!(!flag_kinds(&r).contains(&"source_gap".to_owned()));
}

/// A released case: two people of one organisation (one domain, two ways of writing the
/// company) and one of a second organisation. Erasing the first address must not split
/// the first organisation. The first and the third answer from one network address, which
/// is flagged; the flag must outlive the address.
async fn two_organisations_one_shared_address(app: &TestApp) -> Case {
    let case = open_case(app, json!({ "min_responses": 3 })).await;
    let people = [
        ("pat@alpha.example", "Alpha", 5, "198.51.100.7"),
        ("sam@alpha.example", "Alpha Holdings", 5, "198.51.100.2"),
        ("kim@beta.example", "Beta", 2, "198.51.100.7"),
    ];
    for (email, company, _, _) in people {
        case.add(app, email, company).await;
    }
    case.launch(app).await;
    for (email, _, level, ip) in people {
        answer_with_comment(app, email, level, ip).await;
    }
    case
}

async fn erasure_leaves_the_released_figures_equal(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = two_organisations_one_shared_address(&app).await;
    let before = case.report(&app).await;
    assert_eq!(before["released"], true);
    assert_eq!(before["organisations"], 2);
    assert!(flag_kinds(&before).contains(&"fraud_duplicate_ip".to_owned()));
    let before_csv = csv(&app, &case).await;

    let admin = app.token_for(Role::Admin).await;
    let res = app
        .post("/api/v1/privacy/erase", &admin)
        .json(&json!({ "email": "pat@alpha.example", "reason": "asked to be forgotten" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let after = case.report(&app).await;
    assert_eq!(after["organisations"], 2, "nobody moved");
    let mut a = after.clone();
    let mut b = before.clone();
    for r in [&mut a, &mut b] {
        r.as_object_mut().unwrap().remove("generated_at");
        // The erased person's free text goes with their identity.
        r.as_object_mut().unwrap().remove("comments");
    }
    assert_eq!(a, b, "the released figures are unchanged");
    // The CSV keeps its labels and numbers (only the erased person's free text goes).
    let keep = |csv: &str| -> Vec<String> {
        csv.lines()
            .filter(|l| !l.contains(",strengths,") && !l.contains(",concerns,"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(keep(&csv(&app, &case).await), keep(&before_csv));
    // No stored response keeps the erased person's address.
    let stored: Vec<Option<String>> = response::Entity::find()
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.client_ip)
        .collect();
    assert!(
        !stored.iter().flatten().any(|ip| ip == "198.51.100.7"),
        "{stored:?}"
    );
}

async fn retention_leaves_the_released_figures_and_flags_equal(backend: Backend) {
    let mut config = behind_proxy();
    config.retention.referee_identity_days = 0;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let case = two_organisations_one_shared_address(&app).await;
    case.decide(&app, "rejected").await;
    let before = case.report(&app).await;
    assert!(flag_kinds(&before).contains(&"fraud_duplicate_ip".to_owned()));

    app.clock.advance(chrono::Duration::days(1));
    let run = app.engine.privacy().run_retention(false).await.unwrap();
    assert!(run.identity.references >= 3, "{run:?}");
    let after = case.report(&app).await;
    let strip = |r: &Value| {
        let mut r = r.clone();
        r.as_object_mut().unwrap().remove("generated_at");
        r
    };
    assert_eq!(
        strip(&after),
        strip(&before),
        "scores, organisations and flags kept"
    );
    let stored = response::Entity::find().all(app.engine.db()).await.unwrap();
    assert!(
        stored
            .iter()
            .all(|r| r.client_ip.as_deref() != Some("198.51.100.7")
                && r.client_ip.as_deref() != Some("198.51.100.2")),
        "no address is kept"
    );
}

async fn a_pulse_shows_progress_only_while_it_collects(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let a = crate::engagements::approve(&app, &[&crate::engagements::uniform(4.0)]).await;
    let ops = a.ops();
    let first = crate::engagements::add_stakeholder(&app, ops, a.engagement_id, 1).await;
    crate::engagements::add_stakeholder(&app, ops, a.engagement_id, 2).await;
    crate::engagements::start_pulse(&app, ops, a.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    let link = app.links_sent_to(&first).pop().unwrap();
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&crate::engagements::pulse_form(
            &crate::engagements::uniform(2.0),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    app.engine.run_until_idle().await.unwrap();
    let e = crate::engagements::engagement(&app, ops, a.engagement_id).await;
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["status"], "collecting");
    assert_eq!(pulse["responses"], 1);
    assert_eq!(
        pulse["dimensions"],
        json!([]),
        "one answer would be that person's"
    );
    assert_eq!(pulse["alignment"], Value::Null);
}

on_both_backends!(
    successive_snapshots_are_identical_while_collecting,
    release_happens_once_and_late_answers_get_409_in_the_referees_language,
    the_already_answered_page_speaks_the_referees_language,
    groups_under_the_threshold_have_no_score,
    erasure_leaves_the_released_figures_equal,
    retention_leaves_the_released_figures_and_flags_equal,
    a_pulse_shows_progress_only_while_it_collects,
);
