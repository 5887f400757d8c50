//! Subject access and erasure over HTTP: the export holds everything about the address;
//! after erasure no table holds the address, the name, the free text, the IP address or
//! the user agent (the opt-out list holds a keyed hash), the address is refused as a new
//! referee, and every bad request is a 422 naming its field.

use engine::domain::Role;
use engine::workflow::SubmissionMeta;
use serde_json::{Value, json};
use testkit::TestApp;

use super::rows_containing;
use crate::engagements::approve;
use crate::fixtures;
use crate::helpers::{LIKERT_KEYS, problem};
use crate::on_both_databases;

on_both_databases!(
    the_export_holds_everything_and_erasure_leaves_nothing_but_a_hash,
    bad_subject_and_erasure_requests_are_refused_naming_the_field,
);

const EMAIL: &str = "zelda.qm@client9.example";
const NAME: &str = "Zelda Quixote-Marsh";
const COMMENT: &str = "Zelda thinks the team went far beyond the brief";
const IP: &str = "198.51.100.77";
const AGENT: &str = "ZeldaBrowser/9.1 (Privacy test)";

async fn add_zelda(app: &TestApp, ops: &str, case_id: &str, key: &str) -> Value {
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/references"), ops)
        .header("Idempotency-Key", key)
        .json(&json!({
            "name": NAME,
            "email": EMAIL,
            "company": "Client Nine",
            "relationship": "Zelda was their finance director",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "add reference");
    res.json().await.unwrap()
}

async fn subject(app: &TestApp, admin: &str, email: &str) -> Value {
    let query: String = form_encode(email);
    let res = app
        .get(&format!("/api/v1/privacy/subject?email={query}"), admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "subject access");
    res.json().await.unwrap()
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn the_export_holds_everything_and_erasure_leaves_nothing_but_a_hash(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    // Zelda answered in one case (free text, IP, browser), is still outstanding in a
    // second, and is a stakeholder of an engagement.
    let answered = fixtures::case_with_referees(&app, 2, Some(3)).await;
    let zelda = add_zelda(&app, &answered.ops, &answered.id.to_string(), "zelda-1").await;
    answered.launch(&app).await;
    let open = fixtures::case_with_referees(&app, 1, None).await;
    add_zelda(&app, &open.ops, &open.id.to_string(), "zelda-2").await;
    open.launch(&app).await;
    app.engine.run_until_idle().await.unwrap();
    let mut answers: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|k| ((*k).to_owned(), "4".to_owned()))
        .collect();
    answers.push(("rehire".into(), "yes".into()));
    answers.push(("strengths".into(), COMMENT.into()));
    app.engine
        .cases()
        .submit_response(
            zelda["id"].as_str().unwrap().parse().unwrap(),
            answers,
            SubmissionMeta {
                client_ip: Some(IP.into()),
                user_agent: Some(AGENT.into()),
                locale: None,
            },
        )
        .await
        .unwrap();
    app.engine.run_until_idle().await.unwrap();
    let engagement = approve(&app, &[&[("values", 4.0)]]).await;
    let res = app
        .post(
            &format!(
                "/api/v1/engagements/{}/stakeholders",
                engagement.engagement_id
            ),
            &admin,
        )
        .json(&json!({ "name": NAME, "email": EMAIL }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "add stakeholder");

    // The export, asked with the address in another case.
    let export = subject(&app, &admin, "Zelda.QM@Client9.example").await;
    assert_eq!(export["email"], EMAIL);
    assert_eq!(export["opted_out"], false);
    let references = export["references"].as_array().unwrap();
    assert_eq!(references.len(), 2, "{export}");
    let done = references
        .iter()
        .find(|r| r["case_id"] == answered.id.to_string())
        .unwrap();
    assert_eq!(done["name"], NAME);
    assert_eq!(done["relationship"], "Zelda was their finance director");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["provider_name"], "Ledger & Co");
    let response = &done["response"];
    assert_eq!(response["client_ip"], IP);
    assert_eq!(response["user_agent"], AGENT);
    assert_eq!(response["answers"]["strengths"], COMMENT);
    assert_eq!(response["answers"]["values_shared"], "4");
    let open_ref = references
        .iter()
        .find(|r| r["case_id"] == open.id.to_string())
        .unwrap();
    assert_eq!(open_ref["status"], "invited");
    assert!(open_ref["response"].is_null());
    let emails = export["emails"].as_array().unwrap();
    let kinds: Vec<&str> = emails.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.iter().filter(|k| **k == "invitation").count() == 2,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"submission_confirmation"), "{kinds:?}");
    let events: Vec<&str> = export["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"reference.added"), "{events:?}");
    assert_eq!(export["stakeholders"].as_array().unwrap().len(), 1);
    assert_eq!(export["stakeholders"][0]["name"], NAME);

    // Erasure.
    let res = app
        .post("/api/v1/privacy/erase", &admin)
        .json(&json!({ "email": EMAIL, "reason": "Request of 3 March, ticket 42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let erasure: Value = res.json().await.unwrap();
    let erased = &erasure["erased"];
    assert_eq!(erased["withdrawn"], 1, "the open request: {erasure}");
    assert_eq!(erased["identity"]["references"], 2, "{erasure}");
    assert_eq!(erased["identity"]["responses"], 1, "{erasure}");
    assert_eq!(erased["comments"]["answers"], 1, "{erasure}");
    assert_eq!(erased["stakeholders"], 1, "{erasure}");
    assert!(
        erased["identity"]["emails"].as_u64().unwrap() >= 3,
        "{erasure}"
    );
    assert!(erased["stored_answers"].as_u64().unwrap() >= 2, "{erasure}");
    assert!(erasure["kept"].is_null(), "{erasure}");
    assert_eq!(erasure["newly_opted_out"], true);

    // Nothing of Zelda is left in any table.
    for needle in [EMAIL, NAME, "Zelda", COMMENT, IP, AGENT] {
        let left = rows_containing(&app, needle).await;
        assert!(left.is_empty(), "{needle:?} is still in: {left:#?}");
    }
    // The export now says only that the address is on the opt-out list.
    let export = subject(&app, &admin, EMAIL).await;
    assert_eq!(export["opted_out"], true);
    for list in [
        "references",
        "emails",
        "events",
        "stakeholders",
        "provider_contacts",
    ] {
        assert_eq!(export[list], json!([]), "{list}: {export}");
    }
    // The erasure is on the trail, without the address.
    let trail = crate::engagements::audit_events(&app, "privacy.erased").await;
    assert_eq!(trail.len(), 1);
    assert!(trail[0].data["address_hash"].is_string());
    assert_eq!(trail[0].data["reason"], "Request of 3 March, ticket 42");
    // The answered case's report still counts Zelda's ratings.
    let report = super::report_json(&app, &admin, answered.id).await;
    assert_eq!(report["responses"], 1, "{report}");

    // Zelda cannot be asked again, by anyone.
    let res = app
        .post(&format!("/api/v1/cases/{}/references", open.id), &open.ops)
        .json(&json!({ "name": "Z", "email": EMAIL, "company": "C", "relationship": "r" }))
        .send()
        .await
        .unwrap();
    let body = problem(res, 409).await;
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("/referee-opted-out"),
        "{body}"
    );
}

async fn bad_subject_and_erasure_requests_are_refused_naming_the_field(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let ops = app.token_for(Role::Ops).await;
    let hr = app.token_for(Role::Hr).await;
    for token in [&ops, &hr] {
        let res = app
            .get("/api/v1/privacy/subject?email=a%40b.example", token)
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
        let res = app
            .post("/api/v1/privacy/erase", token)
            .json(&json!({ "email": "a@b.example", "reason": "r" }))
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
    }
    for query in ["", "?email=", "?email=not-an-address", "?other=x"] {
        let res = app
            .get(&format!("/api/v1/privacy/subject{query}"), &admin)
            .send()
            .await
            .unwrap();
        let body = problem(res, 422).await;
        let field = body["errors"][0]["field"].as_str().unwrap_or_default();
        assert!(["email", "other"].contains(&field), "{query}: {body}");
    }
    let cases = [
        (json!({ "email": "a@b.example" }), "reason"),
        (json!({ "email": "a@b.example", "reason": "" }), "reason"),
        (json!({ "email": "a@b.example", "reason": "   " }), "reason"),
        (json!({ "email": "nope", "reason": "asked" }), "email"),
        (json!({ "reason": "asked" }), "email"),
        (
            json!({ "email": "a@b.example", "reason": "r", "extra": 1 }),
            "extra",
        ),
    ];
    for (body, field) in cases {
        let res = app
            .post("/api/v1/privacy/erase", &admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = problem(res, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    // Nothing was listed by the refused requests.
    let export = subject(&app, &admin, "a@b.example").await;
    assert_eq!(export["opted_out"], false);
}
