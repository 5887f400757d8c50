//! The report, its CSV, and the decision, over HTTP with referees answering through their
//! links.

use chrono::Duration;
use engine::domain::Role;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, TestConfig};

use crate::fixtures::{self, CaseWithReferees};
use crate::helpers::{LIKERT_KEYS, field_error, problem};
use crate::on_both_backends;

const REVERSED: [&str; 2] = ["dedication_minimum", "scope_surprises"];

/// A submission where every rating counts as `level` (reverse-scored ones answered 6 − level).
fn answers(level: u8, rehire: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = LIKERT_KEYS
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
    f.push(("q_rehire".into(), rehire.into()));
    for (k, v) in extra {
        f.push((format!("q_{k}"), (*v).to_owned()));
    }
    f.push(("consent".into(), "on".into()));
    f.push(("action".into(), "submit".into()));
    f
}

/// A referee opens the form, takes five minutes, and submits from `ip` (via the proxy).
async fn answer(app: &TestApp, link: &str, ip: &str, form: &[(String, String)]) {
    app.fetch(&format!("/r/{link}")).await;
    app.clock.advance(Duration::minutes(5));
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .header("x-forwarded-for", ip)
        .form(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "submission accepted");
}

async fn report(app: &TestApp, case: &CaseWithReferees, hr: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/cases/{}/report", case.id), hr)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_whole_case_produces_the_expected_report_csv_and_decision(backend: Backend) {
    let config = TestConfig {
        trusted_proxies: vec!["127.0.0.1".into()],
        ..TestConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let case = fixtures::launched_case(&app, 4).await;
    let hr = app.token_for(Role::Hr).await;
    let links = case.links(&app);

    // Before anyone answers: progress only, saying when the results will be shown.
    let r = report(&app, &case, &hr).await;
    assert_eq!(r["status"], "collecting");
    assert_eq!(r["responses"], 0);
    assert_eq!(r["invited"], 4);
    assert_eq!(r["alignment_score"], Value::Null);
    assert_eq!(r["recommendation"], "insufficient_data");
    assert_eq!(r["quorum_met"], false);
    assert!(r["notes"].as_array().unwrap().iter().any(|n| {
        n.as_str()
            .unwrap()
            .contains("Results are shown once collecting ends")
    }));
    assert_eq!(r["released"], false);

    answer(
        &app,
        &links[0],
        "198.51.100.1",
        &answers(5, "yes", &[("concerns", "Invoices sometimes late")]),
    )
    .await;
    answer(&app, &links[1], "198.51.100.2", &answers(4, "yes", &[])).await;
    answer(
        &app,
        &links[2],
        "198.51.100.3",
        &answers(3, "unsure", &[("strengths", "=cmd|' /C calc'!A0")]),
    )
    .await;
    let res = app
        .post_form(
            &format!("/r/{}/decline", links[3]),
            &[("reason", "Too busy")],
        )
        .await;
    assert_eq!(res.status(), 303);

    let r = report(&app, &case, &hr).await;
    assert_eq!(r["case_id"], case.id.to_string());
    assert_eq!(r["status"], "review", "quorum met and nobody outstanding");
    assert_eq!(r["responses"], 3);
    assert_eq!(r["invited"], 4);
    assert_eq!(r["min_responses"], 3);
    assert_eq!(r["quorum_met"], true);
    // Every dimension: referee means 5, 4, 3 → mean 4, s = 1 → 75.0, interval
    // 4 ± 4.302653/√3 → [12.9, 100.0], r_wg = 1 − 1/2 = 0.5.
    let dims = r["dimensions"].as_array().unwrap();
    assert_eq!(dims.len(), 8);
    for d in dims {
        assert_eq!(d["score"], 75.0, "{d}");
        assert_eq!(d["n"], 3);
        assert_eq!(d["stddev"], 1.0);
        assert_eq!(d["ci95"], json!([12.9, 100.0]));
        assert_eq!(d["agreement"], 0.5);
        assert_eq!(d["below_min"], false);
        assert!(d["label"].is_string() && d["weight"].is_number() && d["min_score"].is_number());
    }
    assert_eq!(dims[0]["key"], "values");
    assert_eq!(dims[0]["weight"], 3.0);
    assert_eq!(r["alignment_score"], 75.0);
    assert_eq!(
        r["flags"],
        json!([]),
        "distinct addresses, plausible timing, no duplicates"
    );
    assert_eq!(r["recommendation"], "meets_profile");
    assert_eq!(
        r["comments"],
        json!([
            // The language each was written in (the form's, here English).
            {"question_key": "concerns", "text": "Invoices sometimes late", "locale": "en"},
            {"question_key": "strengths", "text": "=cmd|' /C calc'!A0", "locale": "en"}
        ])
    );
    assert_eq!(r["rehire"], json!({"yes": 2, "no": 0, "unsure": 1}));
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("wide"))
    );

    // The CSV: one row per referee × question, anonymised, formula-safe.
    let res = app
        .get(&format!("/api/v1/cases/{}/report.csv", case.id), &case.ops)
        .send()
        .await
        .unwrap();
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
            .contains("attachment")
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "referee,company,question_key,dimension,kind,answer,counted_value,source,organisation"
    );
    assert_eq!(lines.len(), 1 + 3 * 19);
    // Labels are in the case's random order (protection::anonymity checks which).
    let reversed = lines
        .iter()
        .find(|l| l.contains(",dedication_minimum,dedication,likert,1,5,sourced,Organisation "))
        .expect("the referee who rated 5 has a reverse-scored 1 counted as 5");
    assert!(reversed.starts_with("Referee "), "{reversed}");
    assert!(
        csv.contains(",,strengths,,text,'=cmd|' /C calc'!A0,,sourced,Organisation "),
        "{csv}"
    );
    assert!(
        !csv.contains("@client"),
        "no email addresses when identities are hidden"
    );

    // The decision: HR only, from review only, rationale required.
    let path = format!("/api/v1/cases/{}/decision", case.id);
    let body = json!({"outcome": "approved_with_conditions", "rationale": "Strong on values; agree a data addendum."});
    let res = app.post(&path, &case.ops).json(&body).send().await.unwrap();
    problem(res, 403).await;
    let res = app
        .post(&path, &hr)
        .json(&json!({"outcome": "approved", "rationale": "  "}))
        .send()
        .await
        .unwrap();
    field_error(res, "rationale").await;
    let res = app
        .post(&path, &hr)
        .json(&json!({"outcome": "maybe", "rationale": "x"}))
        .send()
        .await
        .unwrap();
    field_error(res, "outcome").await;
    let res = app.post(&path, &hr).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let decided: Value = res.json().await.unwrap();
    assert_eq!(decided["status"], "decided");
    let res = app.post(&path, &hr).json(&body).send().await.unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "decided");
    app.engine.run_until_idle().await.unwrap();
    let owner_subjects: Vec<String> = app
        .smtp
        .messages()
        .iter()
        .filter(|m| m.recipients.contains(&case.owner_email))
        .map(|m| {
            mail_parser::MessageParser::default()
                .parse(&m.data)
                .unwrap()
                .subject()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(
        owner_subjects
            .iter()
            .any(|s| s.contains("Decision recorded") && s.contains("approved with conditions")),
        "{owner_subjects:?}"
    );
    let events: Value = app
        .get(&format!("/api/v1/cases/{}/events", case.id), &hr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let decided = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "case.decided")
        .unwrap();
    assert_eq!(decided["data"]["outcome"], "approved_with_conditions");
}

async fn suspicious_responses_raise_fraud_flags(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let case = fixtures::launched_case(&app, 2).await;
    let hr = app.token_for(Role::Hr).await;
    let links = case.links(&app);
    // Both submit at once after opening (no time passes), from the same address.
    for link in &links {
        app.fetch(&format!("/r/{link}")).await;
        let res = app
            .post_form(&format!("/r/{link}"), &answers(2, "no", &[]))
            .await;
        assert_eq!(res.status(), 303);
    }
    // While the case collects (2 of 3 answered), only the flags that quote no answer.
    let kinds_of = |r: &Value| -> Vec<String> {
        r["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let progress = kinds_of(&report(&app, &case, &hr).await);
    assert!(
        progress.contains(&"fraud_duplicate_ip".to_owned()),
        "{progress:?}"
    );
    assert!(progress.contains(&"fraud_too_fast".to_owned()));
    assert!(
        !progress.contains(&"below_min".to_owned()),
        "quotes answers"
    );
    assert!(
        !progress.contains(&"low_rating".to_owned()),
        "quotes answers"
    );
    // Decisions are only taken in review.
    let res = app
        .post(&format!("/api/v1/cases/{}/decision", case.id), &hr)
        .json(&json!({"outcome": "rejected", "rationale": "Too early"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "collecting");
    let res = app
        .post(&format!("/api/v1/cases/{}/close", case.id), &case.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let r = report(&app, &case, &hr).await;
    let kinds: Vec<&str> = r["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    for k in [
        "fraud_duplicate_ip",
        "fraud_too_fast",
        "below_min",
        "low_rating",
        "insufficient_responses",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert_eq!(r["recommendation"], "insufficient_data", "2 of 3 responses");
    let too_fast = r["flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "fraud_too_fast")
        .unwrap();
    assert!(too_fast["reference_id"].is_string());
    assert!(
        too_fast["detail"].as_str().unwrap().contains("38 s"),
        "19 questions × 2 s: {too_fast}"
    );
    let res = app
        .get(
            &format!("/api/v1/cases/{}/report", uuid::Uuid::now_v7()),
            &hr,
        )
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

on_both_backends!(
    a_whole_case_produces_the_expected_report_csv_and_decision,
    suspicious_responses_raise_fraud_flags
);
