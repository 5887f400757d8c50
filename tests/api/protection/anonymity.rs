//! Anonymised reports: labels in the case's stored random order, nothing identifying in the
//! CSV, per-referee detail only from `report.min_responses_for_detail` responses, and no
//! answer times beside the names.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use store::entity::vetting_case;
use testkit::{Backend, TestApp};
use uuid::Uuid;

use crate::evidence::{Case, answer, behind_proxy, open_case};
use crate::on_both_backends;

/// Four referees from four organisations; referee i answers every rating as level i+1, so
/// each CSV row says whose it is.
const REFEREES: [(&str, &str); 4] = [
    ("ann@alpha.example", "Alpha Ltd"),
    ("bo@beta.example", "Beta GmbH"),
    ("cy@gamma.example", "Gamma SA"),
    ("di@delta.example", "Delta plc"),
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

/// referee label → (organisation label, the value it gave `values_shared`).
fn labels(csv: &str) -> Vec<(String, String, String)> {
    csv.split("\r\n")
        .skip(1)
        .filter(|l| l.contains(",values_shared,"))
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                cells[0].to_owned(),
                cells[8].to_owned(),
                cells[5].to_owned(),
            )
        })
        .collect()
}

async fn csv_labels_follow_the_cases_stored_random_order(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    let mut ids = Vec::new();
    for (email, company) in REFEREES {
        let r = case.add(&app, email, company).await;
        ids.push(r["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    case.launch(&app).await;
    for (i, (email, _)) in REFEREES.iter().enumerate() {
        answer(&app, email, i as u8 + 1, &format!("198.51.100.{}", i + 1)).await;
    }

    let first = csv(&app, &case).await;
    assert_eq!(first, csv(&app, &case).await, "repeated downloads agree");
    let mut needles: Vec<String> = ["@", "Alpha", "Beta", "198.51.100", "2026-", "reqwest"]
        .map(String::from)
        .to_vec();
    needles.extend(ids.iter().map(Uuid::to_string));
    for needle in &needles {
        assert!(
            !first.contains(needle.as_str()),
            "{needle} in the CSV:\n{first}"
        );
    }

    // The labels are the stored seed's permutation, not the order of answering.
    let case_id: Uuid = case.id.parse().unwrap();
    let seed = vetting_case::Entity::find_by_id(case_id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .anonymity_seed;
    assert!(seed.len() >= 32, "a real random seed: {seed}");
    let referee_at = engine::anonymity::positions(&seed, &ids);
    let domains: Vec<String> = REFEREES
        .iter()
        .map(|(email, _)| email.split('@').nth(1).unwrap().to_owned())
        .collect();
    let organisation_at = engine::anonymity::positions(&seed, &domains);
    let rows = labels(&first);
    assert_eq!(rows.len(), 4);
    for (i, id) in ids.iter().enumerate() {
        let level = (i + 1).to_string();
        let row = rows
            .iter()
            .find(|(_, _, value)| *value == level)
            .expect("a row per referee");
        assert_eq!(row.0, engine::anonymity::referee_label(referee_at[id]));
        assert_eq!(
            row.1,
            engine::anonymity::organisation_label(organisation_at[&domains[i]])
        );
    }
    let in_file_order: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        in_file_order,
        ["Referee 1", "Referee 2", "Referee 3", "Referee 4"],
        "rows follow the labels, not the answers"
    );
}

async fn detail_is_hidden_below_the_threshold_and_shown_at_it(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    for (email, company) in &REFEREES[..3] {
        case.add(&app, email, company).await;
    }
    case.launch(&app).await;
    for (i, (email, _)) in REFEREES[..2].iter().enumerate() {
        answer_with_comment(&app, email, &format!("198.51.100.{}", i + 1)).await;
    }
    // Released with two answers (closed early): scores, but no detail.
    case.close(&app).await;

    let r: Value = case.report(&app).await;
    assert_eq!(r["released"], true);
    assert_eq!(r["detail_hidden"], true);
    assert_eq!(
        r["rehire"],
        Value::Null,
        "a tally of two is two people's answers"
    );
    assert_eq!(r["comments"], json!([]));
    for d in r["dimensions"].as_array().unwrap() {
        assert_eq!(d["referee_scores"], json!([]), "{d}");
        assert_eq!(d["organisation_scores"], json!([]));
        assert!(d["score"].is_number(), "the aggregate is still there");
    }
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("hidden until 3 responses")),
        "{r}"
    );
    let lines: Vec<String> = csv(&app, &case)
        .await
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 1, "the header only: {lines:?}");
    let ui = app.ui_as(engine::domain::Role::Hr).await;
    let (_, html) = ui.page(&format!("/ui/cases/{}/report", case.id)).await;
    assert!(html.contains("id=\"comments-hidden\""));
    assert_eq!(html.matches("<circle class=\"referee\"").count(), 0);
    assert!(!html.contains("Said by"), "no comment quoted");

    // Another case, released with three answers: the detail is shown.
    let case = open_case(&app, json!({ "min_responses": 3 })).await;
    for (email, company) in &REFEREES[..3] {
        case.add(&app, email, company).await;
    }
    case.launch(&app).await;
    for (i, (email, _)) in REFEREES[..3].iter().enumerate() {
        answer_with_comment(&app, email, &format!("198.51.100.{}", i + 1)).await;
    }
    let r = case.report(&app).await;
    assert_eq!(r["released"], true);
    assert_eq!(r["detail_hidden"], false);
    assert!(r["rehire"].is_object());
    assert_eq!(r["comments"].as_array().unwrap().len(), 3);
    assert_eq!(
        r["dimensions"][0]["referee_scores"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let lines = csv(&app, &case)
        .await
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(lines, 1 + 3 * 19);
    let (_, html) = ui.page(&format!("/ui/cases/{}/report", case.id)).await;
    assert!(!html.contains("id=\"comments-hidden\""));
    assert!(html.contains("Said by"), "comments quoted");
}

/// Opens the link, waits, and submits level-4 ratings with a comment.
async fn answer_with_comment(app: &TestApp, email: &str, ip: &str) {
    let comment = format!("Said by {email}");
    crate::evidence::answer_with_comment(app, email, 4, ip, &comment).await;
}

async fn nobody_is_shown_answering_at_a_time(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    let ann = case.add(&app, REFEREES[0].0, REFEREES[0].1).await;
    case.add(&app, REFEREES[1].0, REFEREES[1].1).await;
    case.launch(&app).await;
    answer(&app, REFEREES[0].0, 4, "198.51.100.1").await;
    app.engine.run_until_idle().await.unwrap();

    let c = case.get(&app).await;
    let ann_now = c["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == ann["id"])
        .unwrap();
    assert_eq!(ann_now["status"], "completed", "who answered stays visible");
    assert_eq!(ann_now["responded_at"], Value::Null);
    let events: Value = app
        .get(&format!("/api/v1/cases/{}/events", case.id), &case.hr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for e in events["items"].as_array().unwrap() {
        let answered = e["kind"] == "reference.thanked"
            || (e["kind"] == "reference.status_changed" && e["data"]["to"] == "completed");
        if answered {
            assert_eq!(e["reference_id"], Value::Null, "{e}");
            assert!(!e["actor"].as_str().unwrap().contains(':'), "no id: {e}");
        }
    }
    let ui = app.ui_as(engine::domain::Role::Ops).await;
    let (_, html) = ui.page(&format!("/ui/cases/{}", case.id)).await;
    assert!(html.contains("Answered and thanked"));
    assert!(html.contains("A referee answered") || html.contains("a referee answered"));
}

on_both_backends!(
    csv_labels_follow_the_cases_stored_random_order,
    detail_is_hidden_below_the_threshold_and_shown_at_it,
    nobody_is_shown_answering_at_a_time
);
