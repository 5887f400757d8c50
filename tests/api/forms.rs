//! The public referee form (HTML and JSON): every path a referee can take, and every way a
//! link can be unusable.

use chrono::Duration;
use engine::domain::Role;
use engine::entity::{answer, reference_request, response};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use testkit::{Backend, TestApp, TestConfig};
use uuid::Uuid;

use crate::helpers::{LIKERT_KEYS, field_error, problem};
use crate::{on_both_backends, on_both_databases};

on_both_databases!(
    opening_the_link_shows_the_questionnaire_and_marks_it_opened,
    a_complete_submission_redirects_to_done_and_stores_every_answer,
    missing_answers_and_consent_rerender_with_errors_and_keep_what_was_typed,
    out_of_range_values_and_overlong_text_are_refused_and_kept,
    html_in_answers_is_stored_verbatim_and_shown_escaped,
    a_saved_draft_is_shown_again_on_the_next_visit,
    decline_asks_for_confirmation_first_then_declines_with_a_reason,
    unknown_superseded_and_expired_links_answer_404_404_and_410,
    two_simultaneous_submissions_store_exactly_one_response,
    the_questionnaire_as_json_saves_submits_and_names_bad_keys,
    the_last_two_referees_answering_at_once_still_move_the_case_to_review,
    two_simultaneous_first_saves_both_succeed_with_one_draft,
);

/// A full, valid HTML submission of the default questionnaire.
fn complete_form() -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|k| (format!("q_{k}"), "4".to_owned()))
        .collect();
    f.push(("q_rehire".into(), "yes".into()));
    f.push(("q_strengths".into(), "Always on time".into()));
    f.push(("q_concerns".into(), String::new()));
    f.push(("consent".into(), "on".into()));
    f.push(("action".into(), "submit".into()));
    f
}

fn without(form: &[(String, String)], name: &str) -> Vec<(String, String)> {
    form.iter().filter(|(k, _)| k != name).cloned().collect()
}

fn with(form: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut f = without(form, name);
    f.push((name.to_owned(), value.to_owned()));
    f
}

struct Invited {
    ops: String,
    reference_ids: Vec<Uuid>,
    links: Vec<String>,
}

/// A launched case with `n` referees whose invitations went out; their link tokens.
async fn invited(app: &TestApp, n: usize) -> Invited {
    let ops = app.token_for(Role::Ops).await;
    let case = app.create_case(&ops).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let mut reference_ids = Vec::new();
    let mut emails = Vec::new();
    for i in 1..=n {
        let r = app.add_reference(&ops, &case_id, i).await;
        reference_ids.push(r["id"].as_str().unwrap().parse().unwrap());
        emails.push(r["email"].as_str().unwrap().to_owned());
    }
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    let links = emails
        .iter()
        .map(|e| app.links_sent_to(e).pop().expect("an invitation"))
        .collect();
    Invited {
        ops,
        reference_ids,
        links,
    }
}

async fn status_of(app: &TestApp, id: Uuid) -> String {
    reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

async fn stored_answers(app: &TestApp, reference_id: Uuid) -> Vec<answer::Model> {
    let Some(resp) = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(reference_id))
        .one(app.engine.db())
        .await
        .unwrap()
    else {
        return Vec::new();
    };
    answer::Entity::find()
        .filter(answer::Column::ResponseId.eq(resp.id))
        .all(app.engine.db())
        .await
        .unwrap()
}

async fn opening_the_link_shows_the_questionnaire_and_marks_it_opened(app: TestApp) {
    let inv = invited(&app, 1).await;
    assert_eq!(status_of(&app, inv.reference_ids[0]).await, "invited");
    let res = app
        .client
        .get(app.url(&format!("/r/{}", inv.links[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(html.contains("Ledger &amp; Co"), "names the provider");
    assert!(html.contains("Test ops"), "names who is asking");
    assert!(html.contains("Who sees your answers"));
    assert!(
        html.contains("without your name"),
        "identity is confidential by default"
    );
    for key in LIKERT_KEYS
        .iter()
        .chain(["rehire", "strengths", "concerns"].iter())
    {
        assert!(
            html.contains(&format!("name=\"q_{key}\"")),
            "{key} is on the form"
        );
    }
    assert!(html.contains("Not observed"));
    assert!(html.contains("name=\"consent\""));
    assert!(!html.contains("<script"), "works without JavaScript");
    assert_eq!(status_of(&app, inv.reference_ids[0]).await, "opened");
    let resp = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(inv.reference_ids[0]))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("a draft is started at first view");
    assert!(resp.first_viewed_at.is_some());
    // The stylesheet is served by the app itself.
    let css = app
        .client
        .get(app.url("/static/vouch.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

async fn a_complete_submission_redirects_to_done_and_stores_every_answer(app: TestApp) {
    let inv = invited(&app, 1).await;
    let link = &inv.links[0];
    app.client
        .get(app.url(&format!("/r/{link}")))
        .send()
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .header("user-agent", "TestBrowser/1.0")
        .form(&complete_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/r/{link}/done"));
    let done = app
        .client
        .get(app.url(&format!("/r/{link}/done")))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Thank you"));
    let id = inv.reference_ids[0];
    assert_eq!(status_of(&app, id).await, "completed");
    let answers = stored_answers(&app, id).await;
    assert_eq!(
        answers.len(),
        18,
        "16 ratings, rehire and strengths; the empty concerns is not stored"
    );
    let resp = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(id))
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status, "submitted");
    assert_eq!(resp.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(resp.user_agent.as_deref(), Some("TestBrowser/1.0"));
    assert!(resp.submitted_at.unwrap() >= resp.first_viewed_at.unwrap());

    let again = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&complete_form())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("already answered"));
    let view = app
        .client
        .get(app.url(&format!("/r/{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(view.status(), 409);
    assert_eq!(
        stored_answers(&app, id).await.len(),
        18,
        "nothing stored twice"
    );
}

async fn missing_answers_and_consent_rerender_with_errors_and_keep_what_was_typed(app: TestApp) {
    let inv = invited(&app, 1).await;
    let link = &inv.links[0];
    let form = without(&without(&complete_form(), "q_rehire"), "consent");
    let form = with(&form, "q_concerns", "Invoices were <b>late</b> twice");
    let form = with(&form, "q_values_shared", "2");
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\""));
    assert!(
        html.contains("id=\"error-rehire\""),
        "the error sits by the rehire question"
    );
    assert!(html.contains("id=\"error-consent\""));
    assert!(
        html.contains("Invoices were &lt;b&gt;late&lt;&#x2f;b&gt; twice</textarea>"),
        "typed text kept, escaped"
    );
    assert!(
        html.contains("name=\"q_values_shared\" value=\"2\" checked"),
        "chosen ratings stay chosen"
    );
    assert!(!html.contains("id=\"error-values_shared\""));
    let id = inv.reference_ids[0];
    assert_eq!(
        status_of(&app, id).await,
        "invited",
        "a failed POST changes nothing"
    );
    assert!(stored_answers(&app, id).await.is_empty());
}

async fn out_of_range_values_and_overlong_text_are_refused_and_kept(app: TestApp) {
    let inv = invited(&app, 1).await;
    let link = &inv.links[0];
    let long = "word ".repeat(2000);
    let form = with(
        &with(&complete_form(), "q_values_shared", "7"),
        "q_strengths",
        &long,
    );
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"error-values_shared\""));
    assert!(html.contains("id=\"error-strengths\""));
    assert!(html.contains("under 5000 characters"));
    assert!(
        html.contains(&format!("{long}</textarea>")),
        "the long text is kept to edit"
    );
    assert_eq!(status_of(&app, inv.reference_ids[0]).await, "invited");
    // Saving a draft with a bad value is refused too.
    let form = with(
        &with(&complete_form(), "action", "save"),
        "q_rehire",
        "perhaps",
    );
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(stored_answers(&app, inv.reference_ids[0]).await.is_empty());
}

async fn html_in_answers_is_stored_verbatim_and_shown_escaped(app: TestApp) {
    let inv = invited(&app, 1).await;
    let link = &inv.links[0];
    let evil = "<script>alert(1)</script> & \"quotes\"";
    let form = vec![
        ("q_concerns".to_owned(), evil.to_owned()),
        ("action".to_owned(), "save".to_owned()),
    ];
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let stored = stored_answers(&app, inv.reference_ids[0]).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].value, evil, "stored exactly as typed");
    let html = app
        .client
        .get(app.url(&format!("/r/{link}?saved=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; &quot;quotes&quot;"),
        "escaped"
    );
}

async fn a_saved_draft_is_shown_again_on_the_next_visit(app: TestApp) {
    let inv = invited(&app, 1).await;
    let link = &inv.links[0];
    let draft = vec![
        ("q_values_shared".to_owned(), "5".to_owned()),
        ("q_rehire".to_owned(), "unsure".to_owned()),
        ("q_strengths".to_owned(), "Clear monthly reports".to_owned()),
        ("action".to_owned(), "save".to_owned()),
    ];
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&draft)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/r/{link}?saved=1"));
    let html = app
        .client
        .get(app.url(&format!("/r/{link}?saved=1")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your answers are saved"));
    assert!(html.contains("name=\"q_values_shared\" value=\"5\" checked"));
    assert!(html.contains("name=\"q_rehire\" value=\"unsure\" checked"));
    assert!(html.contains("Clear monthly reports</textarea>"));
    assert_eq!(
        status_of(&app, inv.reference_ids[0]).await,
        "opened",
        "a draft is not an answer"
    );
    // Later visit: finish and send.
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .form(&complete_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let answers = stored_answers(&app, inv.reference_ids[0]).await;
    assert_eq!(
        answers
            .iter()
            .find(|a| a.question_key == "values_shared")
            .unwrap()
            .value,
        "4"
    );
    assert_eq!(status_of(&app, inv.reference_ids[0]).await, "completed");
}

async fn decline_asks_for_confirmation_first_then_declines_with_a_reason(app: TestApp) {
    let inv = invited(&app, 2).await;
    let link = &inv.links[0];
    let page = app
        .client
        .get(app.url(&format!("/r/{link}/decline")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Decline this reference request?")
    );
    assert_eq!(
        status_of(&app, inv.reference_ids[0]).await,
        "invited",
        "GET changes nothing"
    );
    let res = app
        .client
        .post(app.url(&format!("/r/{link}/decline")))
        .form(&[("reason", "I only worked with them for a week")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/r/{link}/declined"));
    let page = app
        .client
        .get(app.url(&format!("/r/{link}/declined")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let row = reference_request::Entity::find_by_id(inv.reference_ids[0])
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "declined");
    assert_eq!(
        row.decline_reason.as_deref(),
        Some("I only worked with them for a week")
    );
    let again = app
        .client
        .get(app.url(&format!("/r/{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("You declined"));
    // One-click unsubscribe (RFC 8058) from a mail client declines too.
    let res = app
        .client
        .post(app.url(&format!("/r/{}/decline", inv.links[1])))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(status_of(&app, inv.reference_ids[1]).await, "declined");
}

async fn unknown_superseded_and_expired_links_answer_404_404_and_410(app: TestApp) {
    let inv = invited(&app, 1).await;
    let unknown = app
        .client
        .get(app.url("/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let unknown_page = unknown.text().await.unwrap();
    let id = inv.reference_ids[0];
    let res = app
        .post(&format!("/api/v1/references/{id}/resend"), &inv.ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let old = app
        .client
        .get(app.url(&format!("/r/{}", inv.links[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 404);
    assert_eq!(
        old.text().await.unwrap(),
        unknown_page,
        "no hint whether the link ever existed"
    );
    let res = app
        .client
        .post(app.url(&format!("/r/{}", inv.links[0])))
        .form(&complete_form())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    app.engine.run_until_idle().await.unwrap();
    let email = reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .email;
    let fresh = app.links_sent_to(&email).pop().unwrap();
    assert_eq!(
        app.client
            .get(app.url(&format!("/r/{fresh}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.clock.advance(Duration::days(15));
    let expired = app
        .client
        .get(app.url(&format!("/r/{fresh}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expired.status(),
        410,
        "past the deadline, before the deadline job even ran"
    );
    app.engine.run_until_idle().await.unwrap();
    let expired = app
        .client
        .post(app.url(&format!("/r/{fresh}")))
        .form(&complete_form())
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 410);
    assert!(expired.text().await.unwrap().contains("closed"));
    assert!(stored_answers(&app, id).await.is_empty());
}

async fn two_simultaneous_submissions_store_exactly_one_response(app: TestApp) {
    let inv = invited(&app, 1).await;
    let link = &inv.links[0];
    // Opened first, so both submissions race to switch the same draft row.
    app.client
        .get(app.url(&format!("/r/{link}")))
        .send()
        .await
        .unwrap();
    let send = || {
        app.client
            .post(app.url(&format!("/r/{link}")))
            .form(&complete_form())
            .send()
    };
    let (a, b) = tokio::join!(send(), send());
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(
        statuses,
        [303, 409],
        "one wins, the other is told it is already answered"
    );
    let responses = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(inv.reference_ids[0]))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(stored_answers(&app, inv.reference_ids[0]).await.len(), 18);
}

async fn the_questionnaire_as_json_saves_submits_and_names_bad_keys(app: TestApp) {
    let inv = invited(&app, 1).await;
    let path = format!("/api/v1/public/forms/{}", inv.links[0]);
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let form: Value = res.json().await.unwrap();
    assert_eq!(form["provider_name"], "Ledger & Co");
    assert_eq!(form["requested_by"], "Test ops");
    assert!(form["deadline"].is_string());
    assert_eq!(form["questions"].as_array().unwrap().len(), 19);
    let q = &form["questions"][13];
    for field in [
        "key",
        "prompt",
        "kind",
        "dimension",
        "reverse_scored",
        "required",
    ] {
        assert!(
            !q[field].is_null() || field == "dimension",
            "{field} in {q}"
        );
    }
    assert_eq!(form["draft"], json!({}));
    assert_eq!(status_of(&app, inv.reference_ids[0]).await, "opened");

    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"answers": {"values_shared": 9, "rehire": "maybe", "bogus": "1", "concerns": ["x"]}, "action": "save"}))
        .send()
        .await
        .unwrap();
    let body = field_error(res, "answers.values_shared").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["answers.rehire", "answers.bogus", "answers.concerns"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"answers": {"values_shared": 5, "concerns": "None"}, "action": "save"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "saved");
    let form: Value = app
        .client
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        form["draft"],
        json!({"values_shared": "5", "concerns": "None"})
    );

    let mut answers = serde_json::Map::new();
    for k in LIKERT_KEYS {
        answers.insert(k.into(), json!(3));
    }
    answers.insert("rehire".into(), json!("no"));
    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"answers": answers, "action": "submit"}))
        .send()
        .await
        .unwrap();
    field_error(res, "consent").await;
    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"answers": answers, "action": "submit", "consent": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "submitted");
    assert_eq!(status_of(&app, inv.reference_ids[0]).await, "completed");
    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"answers": answers, "action": "submit", "consent": true}))
        .send()
        .await
        .unwrap();
    problem(res, 409).await;
    let res = app
        .client
        .get(app.url("/api/v1/public/forms/nope"))
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

async fn public_routes_are_rate_limited_per_client_with_retry_after(backend: Backend) {
    let mut config = TestConfig::default();
    config.limits.public_requests_per_minute = 3;
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let inv = invited(&app, 1).await;
    for _ in 0..3 {
        let res = app
            .client
            .get(app.url(&format!("/r/{}", inv.links[0])))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = app
        .client
        .get(app.url(&format!("/r/{}", inv.links[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    problem(res, 429).await;
    let res = app
        .client
        .get(app.url("/api/v1/public/forms/whatever"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "the JSON form shares the limit");
    // Staff routes are not limited this way.
    let res = app.get("/api/v1/me", &inv.ops).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

async fn the_last_two_referees_answering_at_once_still_move_the_case_to_review(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    let provider = app.create_provider(&ops).await;
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({"provider_id": provider["id"], "min_responses": 2}))
        .send()
        .await
        .unwrap();
    let case_id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let emails: Vec<String> = [1, 2]
        .iter()
        .map(|n| format!("referee{n}@client{n}.example"))
        .collect();
    for n in 1..=2 {
        app.add_reference(&ops, &case_id, n).await;
    }
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/launch"), &ops)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    let links: Vec<String> = emails
        .iter()
        .map(|e| app.links_sent_to(e).pop().unwrap())
        .collect();
    for link in &links {
        app.client
            .get(app.url(&format!("/r/{link}")))
            .send()
            .await
            .unwrap();
    }
    let send = |link: &str| {
        app.client
            .post(app.url(&format!("/r/{link}")))
            .form(&complete_form())
            .send()
    };
    let (a, b) = tokio::join!(send(&links[0]), send(&links[1]));
    assert_eq!(a.unwrap().status(), 303);
    assert_eq!(b.unwrap().status(), 303);
    let case: Value = app
        .get(&format!("/api/v1/cases/{case_id}"), &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["counts"]["completed"], 2);
    assert_eq!(
        case["status"], "review",
        "each submission saw the other one"
    );
}

async fn two_simultaneous_first_saves_both_succeed_with_one_draft(app: TestApp) {
    let inv = invited(&app, 1).await;
    let link = &inv.links[0];
    let draft = [("q_values_shared", "4"), ("action", "save")];
    let send = || {
        app.client
            .post(app.url(&format!("/r/{link}")))
            .form(&draft)
            .send()
    };
    let (a, b) = tokio::join!(send(), send());
    assert_eq!(a.unwrap().status(), 303);
    assert_eq!(b.unwrap().status(), 303);
    let rows = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(inv.reference_ids[0]))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(stored_answers(&app, inv.reference_ids[0]).await.len(), 1);
}

on_both_backends!(public_routes_are_rate_limited_per_client_with_retry_after);
