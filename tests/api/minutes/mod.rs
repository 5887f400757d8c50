//! Referee minutes (API.md): the `percentile` question kind through the HTML and JSON
//! forms, its scores, CSV and report, and the shipped "Quick partner check" template.

use engine::domain::Role;
use serde_json::{Value, json};
use testkit::TestApp;

mod estimate;
mod percentile;
mod pulse;
mod quick;
mod timing;

/// The dimensions of the shipped profile, in order: the quick template asks one
/// percentile question on each, keyed `<dimension>_percentile`.
const DIMENSIONS: [&str; 8] = [
    "values",
    "dedication",
    "accountability",
    "communication",
    "partnership",
    "confidentiality",
    "scope",
    "expertise",
];

/// A launched case on the quick template with `referees` referees (quorum 3), invitations
/// delivered: the ops token, the case JSON and each referee's link token.
struct QuickCase {
    ops: String,
    case: Value,
    links: Vec<String>,
}

impl QuickCase {
    fn id(&self) -> &str {
        self.case["id"].as_str().unwrap()
    }
}

async fn quick_case(app: &TestApp, referees: usize) -> QuickCase {
    let ops = app.token_for(Role::Ops).await;
    let provider = app.create_provider(&ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": provider["id"], "template_key": "quick"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "create a quick case");
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let mut emails = Vec::new();
    for n in 1..=referees {
        let r = app.add_reference(&ops, &id, n).await;
        emails.push(r["email"].as_str().unwrap().to_owned());
    }
    let res = app
        .post(&format!("/api/v1/cases/{id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "launch");
    app.engine.run_until_idle().await.unwrap();
    let links = emails
        .iter()
        .map(|e| app.links_sent_to(e).pop().expect("an invitation"))
        .collect();
    QuickCase { ops, case, links }
}

/// A complete HTML submission of the quick form: `bands[i]` on the i-th dimension.
fn quick_form(bands: [&str; 8]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = DIMENSIONS
        .iter()
        .zip(bands)
        .map(|(d, b)| (format!("q_{d}_percentile"), b.to_owned()))
        .collect();
    f.push(("q_rehire".into(), "yes".into()));
    f.push(("q_working_well".into(), String::new()));
    f.push(("consent".into(), "on".into()));
    f.push(("action".into(), "submit".into()));
    f
}
