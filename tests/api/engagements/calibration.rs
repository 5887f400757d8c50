//! Calibration against hand-computed correlations: engagements whose pre-hire scores (one
//! referee each, so the score is that referee's) and first-pulse scores (one stakeholder
//! each) are chosen through the answers, then Pearson r and its Fisher-z interval
//! `tanh(atanh r ± 1.959964 / √(n − 3))` worked out by hand below. Scores are
//! (mean − 1) / 4 × 100 of the per-person means: 1 → 0, 1.5 → 12.5, …, 5 → 100. r is
//! compared within 0.01 of the hand value after the 2-decimal rounding.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

use super::{
    Approved, DIMENSIONS, Levels, add_stakeholder, approve_all, close, decide, in_review,
    stakeholder_answers, stakeholder_email, start_pulse, uniform,
};
use crate::on_both_databases;

on_both_databases!(
    calibration_with_two_three_and_four_pairs_and_the_null_rules,
    calibration_with_ten_pairs,
);

const TOLERANCE: f64 = 0.01;

async fn calibration(app: &TestApp, hr: &str) -> Value {
    let res = app
        .get("/api/v1/insights/calibration", hr)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn dim<'a>(c: &'a Value, key: &str) -> &'a Value {
    c["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {c}"))
}

#[track_caller]
fn no_r(c: &Value, pairs: u32) {
    assert_eq!(c["pairs"], pairs, "{c}");
    assert!(c["r"].is_null(), "{c}");
    assert!(c["ci95"].is_null(), "{c}");
}

#[track_caller]
fn r_only(c: &Value, pairs: u32, r: f64) {
    assert_eq!(c["pairs"], pairs, "{c}");
    close(&c["r"], r, TOLERANCE);
    assert!(c["ci95"].is_null(), "fewer than 4 pairs: {c}");
}

#[track_caller]
fn r_and_ci(c: &Value, pairs: u32, r: f64, [lo, hi]: [f64; 2]) {
    assert_eq!(c["pairs"], pairs, "{c}");
    close(&c["r"], r, TOLERANCE);
    close(&c["ci95"][0], lo, TOLERANCE);
    close(&c["ci95"][1], hi, TOLERANCE);
}

/// Adds stakeholder 1 to each engagement.
async fn stakeholders(app: &TestApp, hr: &str, engagements: &[Approved]) {
    for a in engagements {
        add_stakeholder(app, hr, a.engagement_id, 1).await;
    }
}

/// A pulse for each engagement, answered by its stakeholder 1 with the given levels, with
/// the job queue run so that each is complete.
async fn answered_pulses(app: &TestApp, hr: &str, pulses: &[(&Approved, Levels<'_>)]) {
    let mut ids = Vec::new();
    for (a, _) in pulses {
        ids.push(start_pulse(app, hr, a.engagement_id).await);
    }
    app.engine.run_until_idle().await.unwrap();
    for ((a, levels), id) in pulses.iter().zip(ids) {
        stakeholder_answers(app, id, &stakeholder_email(a.engagement_id, 1), levels).await;
    }
    app.engine.run_until_idle().await.unwrap();
}

async fn calibration_with_two_three_and_four_pairs_and_the_null_rules(app: TestApp) {
    let hr = app.token_for(Role::Hr).await;
    // Nothing yet: every measure has 0 pairs.
    let c = calibration(&app, &hr).await;
    assert_eq!(c["engagements"], 0);
    let keys: Vec<&str> = c["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, DIMENSIONS);
    for key in DIMENSIONS {
        no_r(dim(&c, key), 0);
    }
    no_r(&c["alignment"], 0);

    // Pre-hire (referee) and first pulse (stakeholder) levels, and their scores:
    //       values          expertise       confidentiality
    // E1    2 → 25 / 2.5 → 37.5    3 → 50 / 4 → 75    -
    // E2    3 → 50 / 2 → 25        5 → 100 / 3 → 50   -
    // E3    4 → 75 / 4.5 → 87.5    -                  -
    // E4    5 → 100 / 3.5 → 62.5   -                  5 → 100 / -
    let e1: Levels<'_> = &[("values", 2.0), ("expertise", 3.0)];
    let e2: Levels<'_> = &[("values", 3.0), ("expertise", 5.0)];
    let e3: Levels<'_> = &[("values", 4.0)];
    let e4: Levels<'_> = &[("values", 5.0), ("confidentiality", 5.0)];
    let first = approve_all(&app, &hr, &[&[e1], &[e2]]).await;
    stakeholders(&app, &hr, &first).await;
    answered_pulses(
        &app,
        &hr,
        &[
            (&first[0], &[("values", 2.5), ("expertise", 4.0)]),
            (&first[1], &[("values", 2.0), ("expertise", 3.0)]),
        ],
    )
    .await;

    // Two pairs: no r, no interval.
    let c = calibration(&app, &hr).await;
    assert_eq!(c["engagements"], 2);
    no_r(dim(&c, "values"), 2);
    no_r(dim(&c, "expertise"), 2);
    no_r(&c["alignment"], 2);
    // The points behind it (in no specified order).
    let mut points = dim(&c, "values")["points"].as_array().unwrap().clone();
    points.sort_by(|a, b| {
        let key = |p: &Value| p["pre_hire"].as_f64().unwrap();
        key(a).total_cmp(&key(b))
    });
    assert_eq!(
        points,
        [
            json!({"pre_hire": 25.0, "pulse": 37.5}),
            json!({"pre_hire": 50.0, "pulse": 25.0})
        ]
    );

    let third = approve_all(&app, &hr, &[&[e3]]).await;
    stakeholders(&app, &hr, &third).await;
    answered_pulses(&app, &hr, &[(&third[0], &[("values", 4.5)])]).await;

    // Three pairs on values: r, but no interval.
    // x = 25, 50, 75 (mean 50); y = 37.5, 25, 87.5 (mean 50).
    // dx = −25, 0, 25; dy = −12.5, −25, 37.5.
    // Sxx = 625 + 0 + 625 = 1250; Syy = 156.25 + 625 + 1406.25 = 2187.5;
    // Sxy = 312.5 + 0 + 937.5 = 1250.
    // r = 1250 / √(1250 × 2187.5) = 1250 / 1653.595 = 0.755929 → 0.76.
    // Alignment (weights: values 3, expertise 1, confidentiality 2; one decimal):
    // pre-hire E1 (3×25 + 50)/4 = 31.25 → 31.3, E2 (3×50 + 100)/4 = 62.5, E3 75;
    // pulse    E1 (3×37.5 + 75)/4 = 46.875 → 46.9, E2 (3×25 + 50)/4 = 31.25 → 31.3,
    //          E3 87.5.
    // x mean 56.2667, y mean 55.2333; Sxx = 1013.127, Syy = 1683.387, Sxy = 663.333;
    // r = 663.333 / √(1013.127 × 1683.387) = 663.333 / 1305.942 = 0.507935 → 0.51.
    let c = calibration(&app, &hr).await;
    assert_eq!(c["engagements"], 3);
    r_only(dim(&c, "values"), 3, 0.76);
    no_r(dim(&c, "expertise"), 2);
    r_only(&c["alignment"], 3, 0.51);

    // The fourth, with more that must not count: a pulse still collecting, and a rejected
    // case (no engagement).
    let levels = uniform(1.0);
    let more = approve_all(&app, &hr, &[&[e4], &[&levels]]).await;
    stakeholders(&app, &hr, &more).await;
    start_pulse(&app, &hr, more[1].engagement_id).await;
    let rejected = in_review(&app, &[&[&levels]]).await;
    decide(&app, &hr, rejected[0].id, "rejected").await;
    answered_pulses(&app, &hr, &[(&more[0], &[("values", 3.5)])]).await;

    // Four pairs on values: r and its interval.
    // x = 25, 50, 75, 100 (mean 62.5); y = 37.5, 25, 87.5, 62.5 (mean 53.125).
    // dx = −37.5, −12.5, 12.5, 37.5; dy = −15.625, −28.125, 34.375, 9.375.
    // Sxx = 2 × (1406.25 + 156.25) = 3125;
    // Syy = 244.140625 + 791.015625 + 1181.640625 + 87.890625 = 2304.6875;
    // Sxy = 585.9375 + 351.5625 + 429.6875 + 351.5625 = 1718.75.
    // r = 1718.75 / √(3125 × 2304.6875) = 1718.75 / 2683.682 = 0.640445 → 0.64.
    // z = atanh 0.640445 = 0.758927; half-width = 1.959964 / √1 = 1.959964;
    // tanh(−1.201037) = −0.833971 → −0.83; tanh(2.718891) = 0.991339 → 0.99.
    // Alignment: E4 is (3×100 + 2×100)/5 = 100 before (confidentiality has no pulse
    // score, so no confidentiality pair, but it counts in the pre-hire alignment), 62.5
    // after. x = 31.3, 62.5, 75, 100 (mean 67.2); y = 46.9, 31.3, 87.5, 62.5 (mean 57.05);
    // Sxx = 2447.58, Syy = 1722.99, Sxy = 901.68;
    // r = 901.68 / √(2447.58 × 1722.99) = 901.68 / 2053.571 = 0.439079 → 0.44;
    // z = 0.471089; tanh(−1.488875) = −0.903117 → −0.90; tanh(2.431053) = 0.984650 → 0.98.
    let c = calibration(&app, &hr).await;
    assert_eq!(
        c["engagements"], 4,
        "neither the collecting pulse nor the rejection"
    );
    r_and_ci(dim(&c, "values"), 4, 0.64, [-0.83, 0.99]);
    no_r(dim(&c, "expertise"), 2);
    no_r(dim(&c, "confidentiality"), 0);
    for key in [
        "dedication",
        "accountability",
        "communication",
        "partnership",
        "scope",
    ] {
        no_r(dim(&c, key), 0);
    }
    r_and_ci(&c["alignment"], 4, 0.44, [-0.90, 0.98]);

    // Only the first complete pulse counts: E1's second, far from its first, changes
    // nothing.
    answered_pulses(
        &app,
        &hr,
        &[(&first[0], &[("values", 5.0), ("expertise", 1.0)])],
    )
    .await;
    let again = calibration(&app, &hr).await;
    assert_eq!(again, c);
}

async fn calibration_with_ten_pairs(app: TestApp) {
    let hr = app.token_for(Role::Hr).await;
    // Values (half levels) and expertise, before and after, for ten engagements:
    //        values: level → score      expertise: level → score
    //  E1    1.5 → 12.5 / 2 → 25        5 → 100 / 1 → 0
    //  E2    2 → 25 / 1.5 → 12.5        4 → 75 / 2 → 25
    //  E3    2.5 → 37.5 / 3 → 50        4 → 75 / 1 → 0
    //  E4    3 → 50 / 2.5 → 37.5        3 → 50 / 3 → 50
    //  E5    3 → 50 / 3.5 → 62.5        3 → 50 / 2 → 25
    //  E6    3.5 → 62.5 / 3 → 50        2 → 25 / 4 → 75
    //  E7    4 → 75 / 4.5 → 87.5        2 → 25 / 3 → 50
    //  E8    4 → 75 / 3.5 → 62.5        1 → 0 / 4 → 75
    //  E9    4.5 → 87.5 / 5 → 100       1 → 0 / 5 → 100
    //  E10   5 → 100 / 4.5 → 87.5       1 → 0 / 3 → 50
    let values_before = [1.5, 2.0, 2.5, 3.0, 3.0, 3.5, 4.0, 4.0, 4.5, 5.0];
    let values_after = [2.0, 1.5, 3.0, 2.5, 3.5, 3.0, 4.5, 3.5, 5.0, 4.5];
    let expertise_before = [5.0, 4.0, 4.0, 3.0, 3.0, 2.0, 2.0, 1.0, 1.0, 1.0];
    let expertise_after = [1.0, 2.0, 1.0, 3.0, 2.0, 4.0, 3.0, 4.0, 5.0, 3.0];
    let before: Vec<[(&str, f64); 2]> = values_before
        .iter()
        .zip(expertise_before)
        .map(|(v, e)| [("values", *v), ("expertise", e)])
        .collect();
    let after: Vec<[(&str, f64); 2]> = values_after
        .iter()
        .zip(expertise_after)
        .map(|(v, e)| [("values", *v), ("expertise", e)])
        .collect();
    let referees: Vec<[&[(&str, f64)]; 1]> = before.iter().map(|b| [&b[..]]).collect();
    let cases: Vec<&[Levels<'_>]> = referees.iter().map(|r| &r[..]).collect();
    let engagements = approve_all(&app, &hr, &cases).await;
    stakeholders(&app, &hr, &engagements).await;
    let pulses: Vec<(&Approved, Levels<'_>)> = engagements
        .iter()
        .zip(&after)
        .map(|(a, levels)| (a, &levels[..]))
        .collect();
    answered_pulses(&app, &hr, &pulses).await;

    let c = calibration(&app, &hr).await;
    assert_eq!(c["engagements"], 10);

    // Values: x = 12.5 25 37.5 50 50 62.5 75 75 87.5 100 (mean 57.5);
    //         y = 25 12.5 50 37.5 62.5 50 87.5 62.5 100 87.5 (mean 57.5).
    // dx = −45 −32.5 −20 −7.5 −7.5 5 17.5 17.5 30 42.5;
    // dy = −32.5 −45 −7.5 −20 5 −7.5 30 5 42.5 30.
    // Sxx = 2025 + 1056.25 + 400 + 56.25 + 56.25 + 25 + 306.25 + 306.25 + 900 + 1806.25
    //     = 6937.5;
    // Syy = 1056.25 + 2025 + 56.25 + 400 + 25 + 56.25 + 900 + 25 + 1806.25 + 900 = 7250;
    // Sxy = 1462.5 + 1462.5 + 150 + 150 − 37.5 − 37.5 + 525 + 87.5 + 1275 + 1275
    //     = 6312.5.
    // r = 6312.5 / √(6937.5 × 7250) = 6312.5 / 7092.029 = 0.890084 → 0.89.
    // z = atanh 0.890084 = 1.422329; half-width = 1.959964 / √7 = 0.740797;
    // tanh(0.681532) = 0.592515 → 0.59; tanh(2.163126) = 0.973911 → 0.97.
    r_and_ci(dim(&c, "values"), 10, 0.89, [0.59, 0.97]);

    // Expertise: x = 100 75 75 50 50 25 25 0 0 0 (mean 40);
    //            y = 0 25 0 50 25 75 50 75 100 50 (mean 45).
    // dx = 60 35 35 10 10 −15 −15 −40 −40 −40; dy = −45 −20 −45 5 −20 30 5 30 55 5.
    // Sxx = 3600 + 2×1225 + 2×100 + 2×225 + 3×1600 = 11500;
    // Syy = 2025 + 400 + 2025 + 25 + 400 + 900 + 25 + 900 + 3025 + 25 = 9750;
    // Sxy = −2700 − 700 − 1575 + 50 − 200 − 450 − 75 − 1200 − 2200 − 200 = −9250.
    // r = −9250 / √(11500 × 9750) = −9250 / 10588.909 = −0.873556 → −0.87.
    // z = −1.347895; tanh(−2.088692) = −0.969786 → −0.97;
    // tanh(−0.607098) = −0.542081 → −0.54.
    r_and_ci(dim(&c, "expertise"), 10, -0.87, [-0.97, -0.54]);

    // Alignment = (3 × values + expertise) / 4, published with one decimal:
    // before 34.4 37.5 46.9 50 50 53.1 62.5 56.3 65.6 75 (mean 53.13);
    // after  18.8 15.6 37.5 40.6 53.1 56.3 78.1 65.6 100 78.1 (mean 54.37).
    // Sxx = 1385.161, Syy = 6582.321, Sxy = 2770.249;
    // r = 2770.249 / √(1385.161 × 6582.321) = 2770.249 / 3019.532 = 0.917443 → 0.92.
    // z = 1.572630; tanh(0.831833) = 0.681459 → 0.68; tanh(2.313427) = 0.980619 → 0.98.
    r_and_ci(&c["alignment"], 10, 0.92, [0.68, 0.98]);

    for key in [
        "dedication",
        "accountability",
        "communication",
        "partnership",
        "confidentiality",
        "scope",
    ] {
        no_r(dim(&c, key), 0);
    }
    assert_eq!(dim(&c, "values")["points"].as_array().unwrap().len(), 10);
}
