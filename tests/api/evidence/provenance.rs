//! Where each reference came from: found by staff (`sourced`) or nominated by the
//! provider, in the reference JSON, the CSV, and the report's comparison and flags.

use serde_json::{Value, json};
use testkit::{Backend, TestApp};

use super::{answer, behind_proxy, dimension, flag_kinds, open_case};
use crate::on_both_backends;

async fn references_carry_their_source_and_organisation(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    let found = case.add(&app, "dana@found.example", "Found Ltd").await;
    assert_eq!(found["source"], "sourced");
    assert_eq!(found["organisation"], "Found Ltd");
    let after = case
        .nominate(
            &app,
            &[("nia@friend.example", "Friend plc")],
            "203.0.113.50",
        )
        .await;
    let nominee = after["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == "nia@friend.example")
        .expect("the nominee was added");
    assert_eq!(nominee["source"], "nominated");
    assert_eq!(nominee["organisation"], "Friend plc");

    case.add(&app, "eli@found2.example", "Found Two").await;
    case.launch(&app).await;
    // The nominee is invited with everyone at launch.
    answer(&app, "dana@found.example", 4, "198.51.100.1").await;
    answer(&app, "nia@friend.example", 5, "198.51.100.2").await;
    answer(&app, "eli@found2.example", 4, "198.51.100.3").await;
    let res = app
        .get(&format!("/api/v1/cases/{}/report.csv", case.id), &case.ops)
        .send()
        .await
        .unwrap();
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "referee,company,question_key,dimension,kind,answer,counted_value,source,organisation"
    );
    // Anonymised labels (their order is the case's secret; `protection::anonymity`).
    let values: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(",values_shared,"))
        .collect();
    assert_eq!(values.len(), 3);
    let nominated: Vec<&&str> = values
        .iter()
        .filter(|l| l.contains(",likert,5,5,nominated,Organisation "))
        .collect();
    assert_eq!(nominated.len(), 1, "{csv}");
    assert_eq!(
        values
            .iter()
            .filter(|l| l.contains(",likert,4,4,sourced,Organisation "))
            .count(),
        2,
        "{csv}"
    );
    assert!(!csv.contains("Friend plc") && !csv.contains("Found Ltd"));
}

/// A released case (everyone answered) with nominated referees answering `nominated` and
/// referees found by staff answering `sourced`, each at its own organisation.
async fn released_with(app: &TestApp, nominated: &[u8], sourced: &[u8]) -> Value {
    let quorum = nominated.len() + sourced.len();
    let case = open_case(app, json!({ "min_responses": quorum })).await;
    let nominees: Vec<(String, String)> = (1..=nominated.len())
        .map(|i| (format!("n{i}@pal{i}.example"), format!("Pal {i}")))
        .collect();
    if !nominees.is_empty() {
        let people: Vec<(&str, &str)> = nominees
            .iter()
            .map(|(e, c)| (e.as_str(), c.as_str()))
            .collect();
        case.nominate(app, &people, "203.0.113.50").await;
    }
    for i in 1..=sourced.len() {
        case.add(
            app,
            &format!("s{i}@found{i}.example"),
            &format!("Found {i}"),
        )
        .await;
    }
    case.launch(app).await;
    let mut ip = 0;
    for (i, level) in nominated.iter().enumerate() {
        ip += 1;
        answer(app, &nominees[i].0, *level, &format!("198.51.100.{ip}")).await;
    }
    for (i, level) in sourced.iter().enumerate() {
        ip += 1;
        let email = format!("s{}@found{}.example", i + 1, i + 1);
        answer(app, &email, *level, &format!("198.51.100.{ip}")).await;
    }
    let r = case.report(app).await;
    assert_eq!(r["released"], true, "everyone answered");
    r
}

/// With the detail threshold at 1, groups of any size are scored, so the flags' rules
/// show on the smallest cases (the threshold itself: `protection::disclosure`).
async fn nominated_only_and_source_gap_are_flagged(backend: Backend) {
    let mut config = behind_proxy();
    config.report.min_responses_for_detail = 1;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let r = released_with(&app, &[5], &[]).await;
    assert!(flag_kinds(&r).contains(&"nominated_only".to_owned()));
    assert_eq!(r["sources"], json!({ "sourced": 0, "nominated": 1 }));
    let values = dimension(&r, "values");
    assert_eq!(values["nominated_score"], 100.0);
    assert_eq!(values["sourced_score"], json!(null));

    // A reference you found agrees exactly: no longer nominated-only, and no gap.
    let r = released_with(&app, &[5], &[5]).await;
    assert!(!flag_kinds(&r).contains(&"nominated_only".to_owned()));
    assert!(!flag_kinds(&r).contains(&"source_gap".to_owned()));
    assert_eq!(r["sources"], json!({ "sourced": 1, "nominated": 1 }));

    // The second one you found is lukewarm: sourced 100 and 50 → 75; nominated 100.
    // A gap of 25 points, over the default 20.
    let r = released_with(&app, &[5], &[5, 3]).await;
    let values = dimension(&r, "values");
    assert_eq!(values["sourced_score"], 75.0);
    assert_eq!(values["nominated_score"], 100.0);
    let gap = r["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "source_gap")
        .expect("a source_gap flag");
    assert!(
        gap["detail"]
            .as_str()
            .unwrap()
            .contains("25.0 points higher"),
        "{gap}"
    );
    assert_eq!(r["recommendation"], "review");
}

on_both_backends!(
    references_carry_their_source_and_organisation,
    nominated_only_and_source_gap_are_flagged
);
