//! What a pulse says: each dimension's score is the plain mean of the stakeholders'
//! per-dimension means, set against the pre-hire score and interval of the case report
//! (`drift`), and the case owner hears of a dimension below the prediction, and only then.
//! Webhook receivers hear of every finished pulse, and of drift below the prediction.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;
use testkit::webhook_sink::WebhookSink;

use super::{
    Levels, add_stakeholder, approve, audit_events, dimension, emails_to, engagement,
    stakeholder_answers, start_pulse,
};
use crate::on_both_databases;

on_both_databases!(
    pulse_scores_are_plain_means_of_the_stakeholders_and_drift_against_the_report_interval,
    every_dimension_within_the_prediction_sends_the_owner_nothing,
);

const BELOW: &str = "below what references predicted";

/// A receiver of the engagement events.
pub(super) async fn engagement_receiver(app: &TestApp) -> WebhookSink {
    let sink = WebhookSink::start().await;
    let admin = app.token_for(Role::Admin).await;
    let res = app
        .post("/api/v1/webhooks", &admin)
        .json(&json!({
            "url": sink.url("/"),
            "events": [
                "engagement.pulse_completed",
                "engagement.drift_detected",
                "engagement.partnership_gap",
            ],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    sink
}

/// The bodies the receiver got, by event type.
pub(super) fn received_of(sink: &WebhookSink, kind: &str) -> Vec<Value> {
    sink.received()
        .iter()
        .map(|r| r.json())
        .filter(|body| body["type"] == kind)
        .collect()
}

/// Three referees of three organisations who agree exactly, so that every pre-hire
/// interval is one point: s = 0, ci95 = [score, score].
const REFEREE: Levels<'static> = &[
    ("values", 4.0),          // 75
    ("dedication", 4.0),      // 75
    ("accountability", 3.0),  // 50
    ("communication", 4.0),   // 75
    ("partnership", 3.0),     // 50
    ("confidentiality", 5.0), // 100
    ("scope", 2.0),           // 25
    ("expertise", 4.0),       // 75
];

async fn report_dimensions(app: &TestApp, token: &str, case_id: uuid::Uuid) -> Vec<Value> {
    let res = app
        .get(&format!("/api/v1/cases/{case_id}/report"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    report["dimensions"].as_array().unwrap().clone()
}

async fn pulse_scores_are_plain_means_of_the_stakeholders_and_drift_against_the_report_interval(
    app: TestApp,
) {
    let a = approve(&app, &[REFEREE, REFEREE, REFEREE]).await;
    let sink = engagement_receiver(&app).await;
    let ops = a.ops();
    let first = add_stakeholder(&app, ops, a.engagement_id, 1).await;
    let second = add_stakeholder(&app, ops, a.engagement_id, 2).await;
    let pulse_id = start_pulse(&app, ops, a.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    let owner_mail_before = emails_to(&app, &a.case.owner_email).len();

    // Per-person means m(s, d); "-" = no rating on d.
    //                   values  dedication     account. commun. partner. confid. scope  expertise
    // first:            4       4 (4, 4, r4→4) 4        3       -        5       2      4
    // second:           4       1.5 (1, 2, -)  3        2       -        5       -      5
    stakeholder_answers(
        &app,
        pulse_id,
        &first,
        &[
            ("values", 4.0),
            ("dedication", 4.0),
            ("accountability", 4.0),
            ("communication", 3.0),
            ("confidentiality", 5.0),
            ("scope", 2.0),
            ("expertise", 4.0),
        ],
    )
    .await;
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        engagement(&app, ops, a.engagement_id).await["pulses"][0]["status"],
        "collecting"
    );
    assert_eq!(
        emails_to(&app, &a.case.owner_email).len(),
        owner_mail_before,
        "nothing is said while the pulse collects"
    );
    stakeholder_answers(
        &app,
        pulse_id,
        &second,
        &[
            ("values", 4.0),
            ("dedication", 1.5),
            ("accountability", 3.0),
            ("communication", 2.0),
            ("confidentiality", 5.0),
            ("expertise", 5.0),
        ],
    )
    .await;
    app.engine.run_until_idle().await.unwrap();

    let e = engagement(&app, ops, a.engagement_id).await;
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["id"], pulse_id.to_string());
    assert_eq!(pulse["status"], "complete");
    assert_eq!(
        (&pulse["invited"], &pulse["responses"]),
        (&json!(2), &json!(2))
    );

    // score = ((mean of the m(s, d)) − 1) / 4 × 100, one decimal. Dedication is the
    // plain mean of the two people's means, (4 + 1.5) / 2 = 2.75 → 43.75 → 43.8, not the
    // mean of their five answers (4 + 4 + 4 + 1 + 2) / 5 = 3 → 50.
    // drift against the one-point intervals: below < low, above > high, the edge within.
    let want = [
        // key, score, n, pre-hire score, drift
        ("values", json!(75.0), 2, 75.0, json!("within")),
        ("dedication", json!(43.8), 2, 75.0, json!("below")),
        ("accountability", json!(62.5), 2, 50.0, json!("above")),
        ("communication", json!(37.5), 2, 75.0, json!("below")),
        ("partnership", json!(null), 0, 50.0, json!(null)),
        ("confidentiality", json!(100.0), 2, 100.0, json!("within")),
        ("scope", json!(25.0), 1, 25.0, json!("within")),
        ("expertise", json!(87.5), 2, 75.0, json!("above")),
    ];
    let keys: Vec<&str> = pulse["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        want.iter().map(|w| w.0).collect::<Vec<_>>(),
        "the profile's dimensions, in order"
    );
    for (key, score, n, pre_hire, drift) in &want {
        let d = dimension(pulse, key);
        assert_eq!(&d["score"], score, "{key}: {d}");
        assert_eq!(d["n"], *n, "{key}: {d}");
        assert_eq!(d["pre_hire_score"], *pre_hire, "{key}: {d}");
        assert_eq!(
            d["pre_hire_ci95"],
            json!([pre_hire, pre_hire]),
            "{key}: {d}"
        );
        assert_eq!(&d["drift"], drift, "{key}: {d}");
    }
    // The pulse's alignment with the profile weights (values 3, dedication 3, then 2, 2,
    // 2, 2, scope 1, expertise 1) over the dimensions with data (not partnership):
    // (3×75 + 3×43.75 + 2×62.5 + 2×37.5 + 2×100 + 25 + 87.5) / 14 = 868.75 / 14 = 62.05.
    assert_eq!(pulse["alignment"], 62.1);

    // pre_hire_score and pre_hire_ci95 are the case report's.
    for r in report_dimensions(&app, ops, a.case.id).await {
        let d = dimension(pulse, r["key"].as_str().unwrap());
        assert_eq!(d["pre_hire_score"], r["score"]);
        assert_eq!(d["pre_hire_ci95"], r["ci95"]);
    }

    // The owner is told once, naming the two dimensions below and not the others.
    let below: Vec<(String, String)> = emails_to(&app, &a.case.owner_email)
        .into_iter()
        .filter(|(subject, _)| subject.contains(BELOW))
        .collect();
    assert_eq!(below.len(), 1, "{below:?}");
    let (subject, body) = &below[0];
    assert_eq!(
        subject,
        "A check-in on Ledger & Co is below what references predicted"
    );
    assert!(
        body.contains(
            "Stakeholders rate \u{201c}Cares about our success as much as its own\u{201d} at 44, \
             below what references predicted (75\u{2013}75)."
        ),
        "{body}"
    );
    assert!(
        body.contains("\u{201c}Transparent, proactive, responsive\u{201d}"),
        "{body}"
    );
    for within_or_above in ["Shares our values", "Technical quality", "Owns mistakes"] {
        assert!(!body.contains(within_or_above), "{within_or_above}: {body}");
    }
    assert_eq!(audit_events(&app, "pulse.below_notified").await.len(), 1);
    app.engine.run_until_idle().await.unwrap();
    let again = emails_to(&app, &a.case.owner_email)
        .into_iter()
        .filter(|(subject, _)| subject.contains(BELOW))
        .count();
    assert_eq!(again, 1, "told once");

    let completed = received_of(&sink, "engagement.pulse_completed");
    let drift = received_of(&sink, "engagement.drift_detected");
    assert_eq!(
        (completed.len(), drift.len()),
        (1, 1),
        "{:?}",
        sink.received()
    );
    for body in [&completed[0], &drift[0]] {
        assert_eq!(body["data"]["engagement_id"], a.engagement_id.to_string());
        assert_eq!(body["data"]["pulse_case_id"], pulse_id.to_string());
        assert_eq!(body["data"]["case_id"], a.case.id.to_string());
        assert_eq!(body["data"]["dimensions_below"], 2);
    }
}

async fn every_dimension_within_the_prediction_sends_the_owner_nothing(app: TestApp) {
    // The referees rate everything 4 and expertise "not observed": no pre-hire expertise.
    let referee: Levels<'_> = &[
        ("values", 4.0),
        ("dedication", 4.0),
        ("accountability", 4.0),
        ("communication", 4.0),
        ("partnership", 4.0),
        ("confidentiality", 4.0),
        ("scope", 4.0),
    ];
    let a = approve(&app, &[referee, referee, referee]).await;
    let sink = engagement_receiver(&app).await;
    let ops = a.ops();
    let email = add_stakeholder(&app, ops, a.engagement_id, 1).await;
    let pulse_id = start_pulse(&app, ops, a.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    // Exactly on the (one-point) prediction everywhere; expertise at the very bottom, but
    // with nothing to compare it with.
    let mut levels = referee.to_vec();
    levels.push(("expertise", 1.0));
    stakeholder_answers(&app, pulse_id, &email, &levels).await;
    app.engine.run_until_idle().await.unwrap();

    let e = engagement(&app, ops, a.engagement_id).await;
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["status"], "complete");
    for (key, _) in referee {
        let d = dimension(pulse, key);
        assert_eq!(d["score"], 75.0, "{d}");
        assert_eq!(d["pre_hire_ci95"], json!([75.0, 75.0]), "{d}");
        assert_eq!(d["drift"], "within", "{d}");
    }
    let expertise = dimension(pulse, "expertise");
    assert_eq!(expertise["score"], 0.0);
    assert_eq!(expertise["n"], 1);
    assert!(expertise["pre_hire_score"].is_null(), "{expertise}");
    assert!(expertise["pre_hire_ci95"].is_null(), "{expertise}");
    assert!(
        expertise["drift"].is_null(),
        "no prediction, no drift: {expertise}"
    );

    let below = emails_to(&app, &a.case.owner_email)
        .into_iter()
        .filter(|(subject, body)| subject.contains(BELOW) || body.contains(BELOW))
        .count();
    assert_eq!(below, 0, "nothing below: no email");
    assert!(audit_events(&app, "pulse.below_notified").await.is_empty());
    let completed = received_of(&sink, "engagement.pulse_completed");
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0]["data"]["dimensions_below"], 0);
    assert!(received_of(&sink, "engagement.drift_detected").is_empty());
}
