//! Fraud signals that come with organisations and provenance: the provider's own address,
//! answers posted without the form being loaded, one address for several clients, and
//! the same referee twice.

use serde_json::json;
use testkit::{Backend, TestApp};

use super::{answer, behind_proxy, flag_kinds, open_case, post_answers};
use crate::on_both_backends;

fn flags_of<'a>(report: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    report["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

async fn a_referee_answering_from_the_providers_address_is_flagged(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    case.add(&app, "a@client-a.example", "Client A").await;
    // The provider nominates from 203.0.113.50.
    let after = case
        .nominate(&app, &[("n@pal.example", "Pal plc")], "203.0.113.50")
        .await;
    let nominee = after["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == "n@pal.example")
        .unwrap()["id"]
        .clone();
    case.launch(&app).await;
    answer(&app, "a@client-a.example", 4, "198.51.100.1").await;
    let r = case.report(&app).await;
    assert!(flags_of(&r, "fraud_provider_ip").is_empty());
    // …and the nominee's answers come from the very same address.
    answer(&app, "n@pal.example", 5, "203.0.113.50").await;
    let r = case.report(&app).await;
    let flagged = flags_of(&r, "fraud_provider_ip");
    assert_eq!(flagged.len(), 1, "{r}");
    assert_eq!(flagged[0]["reference_id"], nominee);
}

async fn answers_posted_without_loading_the_form_are_flagged(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    let scripted = case.add(&app, "bot@client-a.example", "Client A").await;
    case.add(&app, "human@client-b.example", "Client B").await;
    case.launch(&app).await;
    answer(&app, "human@client-b.example", 4, "198.51.100.2").await;
    let r = case.report(&app).await;
    assert!(flags_of(&r, "fraud_unviewed").is_empty(), "{r}");

    // A script posts straight to the link, at once: unviewed, and not "too fast", which
    // needs a view to time from.
    let link = app.links_sent_to("bot@client-a.example").pop().unwrap();
    post_answers(&app, &link, 4, "198.51.100.1").await;
    let r = case.report(&app).await;
    let flagged = flags_of(&r, "fraud_unviewed");
    assert_eq!(flagged.len(), 1, "{r}");
    assert_eq!(flagged[0]["reference_id"], scripted["id"]);
    assert!(flags_of(&r, "fraud_too_fast").is_empty(), "{r}");
    assert_eq!(r["recommendation"], "review");
}

async fn one_address_is_suspicious_only_across_organisations(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    case.add(&app, "one@office.example", "Office Ltd").await;
    case.add(&app, "two@office.example", "Office Ltd").await;
    case.add(&app, "three@elsewhere.example", "Elsewhere AG")
        .await;
    case.launch(&app).await;
    // Two colleagues behind one office NAT: normal.
    answer(&app, "one@office.example", 4, "198.51.100.7").await;
    answer(&app, "two@office.example", 4, "198.51.100.7").await;
    let r = case.report(&app).await;
    assert!(
        !flag_kinds(&r).contains(&"fraud_duplicate_ip".to_owned()),
        "{r}"
    );
    assert!(
        !flag_kinds(&r).contains(&"duplicate_referee".to_owned()),
        "one company, different people"
    );
    // A different client from the same address: suspicious.
    answer(&app, "three@elsewhere.example", 4, "198.51.100.7").await;
    let r = case.report(&app).await;
    assert_eq!(flags_of(&r, "fraud_duplicate_ip").len(), 1, "{r}");
}

async fn the_same_referee_twice_is_flagged(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let case = open_case(&app, json!({})).await;
    case.add(&app, "twice@client.example", "Client").await;
    let r = case.report(&app).await;
    assert!(!flag_kinds(&r).contains(&"duplicate_referee".to_owned()));
    case.add(&app, "Twice@Client.example", "Client (again)")
        .await;
    let r = case.report(&app).await;
    assert_eq!(flags_of(&r, "duplicate_referee").len(), 1, "{r}");
}

on_both_backends!(
    a_referee_answering_from_the_providers_address_is_flagged,
    answers_posted_without_loading_the_form_are_flagged,
    one_address_is_suspicious_only_across_organisations,
    the_same_referee_twice_is_flagged
);
