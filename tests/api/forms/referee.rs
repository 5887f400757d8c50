//! The referee questionnaire through its link, as HTML and as JSON: viewing it, drafts,
//! validation with what was typed kept, submitting, declining, and simultaneous answers.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use store::entity::{reference_request, response};
use testkit::TestApp;

use super::{complete_form, status_of, stored_answers, with, without};
use crate::helpers::{LIKERT_KEYS, field_error, problem};
use crate::{fixtures, on_both_databases};

on_both_databases!(
    opening_the_link_shows_the_questionnaire_and_marks_it_opened,
    a_complete_submission_redirects_to_done_and_stores_every_answer,
    missing_answers_and_consent_rerender_with_errors_and_keep_what_was_typed,
    out_of_range_values_and_overlong_text_are_refused_and_kept,
    html_in_answers_is_stored_verbatim_and_shown_escaped,
    a_saved_draft_is_shown_again_on_the_next_visit,
    decline_asks_for_confirmation_first_then_declines_with_a_reason,
    two_simultaneous_submissions_store_exactly_one_response,
    the_questionnaire_as_json_saves_submits_and_names_bad_keys,
    the_last_two_referees_answering_at_once_still_move_the_case_to_review,
    two_simultaneous_first_saves_both_succeed_with_one_draft,
);

async fn opening_the_link_shows_the_questionnaire_and_marks_it_opened(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    assert_eq!(status_of(&app, case.reference_id(0)).await, "invited");
    let res = app.fetch(&format!("/r/{}", links[0])).await;
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
    assert_eq!(status_of(&app, case.reference_id(0)).await, "opened");
    let resp = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(case.reference_id(0)))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("a draft is started at first view");
    assert!(resp.first_viewed_at.is_some());
    // The stylesheet is served by the app itself.
    let css = app.fetch("/static/vouch.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

async fn a_complete_submission_redirects_to_done_and_stores_every_answer(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let link = &links[0];
    app.fetch(&format!("/r/{link}")).await;
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
    let done = app.fetch(&format!("/r/{link}/done")).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Thank you"));
    let id = case.reference_id(0);
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

    // The referee is thanked once, told what happens next, and sent no new link.
    app.engine.run_until_idle().await.unwrap();
    app.engine.run_until_idle().await.unwrap();
    let referee = case.email(0);
    let thanks: Vec<_> = app
        .smtp
        .messages()
        .into_iter()
        .filter(|m| m.recipients.iter().any(|r| r == &referee))
        .filter_map(|m| {
            mail_parser::MessageParser::default()
                .parse(&m.data)
                .map(|p| {
                    (
                        p.subject().unwrap_or_default().to_owned(),
                        p.body_text(0).unwrap_or_default().into_owned(),
                    )
                })
        })
        .filter(|(subject, _)| subject.starts_with("Thank you"))
        .collect();
    assert_eq!(thanks.len(), 1, "one thank-you: {thanks:?}");
    assert_eq!(thanks[0].0, "Thank you for your reference on Ledger & Co");
    assert!(
        thanks[0].1.contains("nothing more to do"),
        "{}",
        thanks[0].1
    );
    assert!(!thanks[0].1.contains("/r/"), "no link in the thank-you");
    assert_eq!(
        app.links_sent_to(&referee).len(),
        1,
        "only the invitation's link"
    );

    let again = app.post_form(&format!("/r/{link}"), &complete_form()).await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("already answered"));
    let view = app.fetch(&format!("/r/{link}")).await;
    assert_eq!(view.status(), 409);
    assert_eq!(
        stored_answers(&app, id).await.len(),
        18,
        "nothing stored twice"
    );
}

async fn missing_answers_and_consent_rerender_with_errors_and_keep_what_was_typed(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let link = &links[0];
    let form = without(&without(&complete_form(), "q_rehire"), "consent");
    let form = with(&form, "q_concerns", "Invoices were <b>late</b> twice");
    let form = with(&form, "q_values_shared", "2");
    let res = app.post_form(&format!("/r/{link}"), &form).await;
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
    let id = case.reference_id(0);
    assert_eq!(
        status_of(&app, id).await,
        "invited",
        "a failed POST changes nothing"
    );
    assert!(stored_answers(&app, id).await.is_empty());
}

async fn out_of_range_values_and_overlong_text_are_refused_and_kept(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let link = &links[0];
    let long = "word ".repeat(2000);
    let form = with(
        &with(&complete_form(), "q_values_shared", "7"),
        "q_strengths",
        &long,
    );
    let res = app.post_form(&format!("/r/{link}"), &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"error-values_shared\""));
    assert!(html.contains("id=\"error-strengths\""));
    assert!(html.contains("under 5000 characters"));
    assert!(
        html.contains(&format!("{long}</textarea>")),
        "the long text is kept to edit"
    );
    assert_eq!(status_of(&app, case.reference_id(0)).await, "invited");
    // Saving a draft with a bad value is refused too.
    let form = with(
        &with(&complete_form(), "action", "save"),
        "q_rehire",
        "perhaps",
    );
    let res = app.post_form(&format!("/r/{link}"), &form).await;
    assert_eq!(res.status(), 422);
    assert!(stored_answers(&app, case.reference_id(0)).await.is_empty());
}

async fn html_in_answers_is_stored_verbatim_and_shown_escaped(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let link = &links[0];
    let evil = "<script>alert(1)</script> & \"quotes\"";
    let form = vec![
        ("q_concerns".to_owned(), evil.to_owned()),
        ("action".to_owned(), "save".to_owned()),
    ];
    let res = app.post_form(&format!("/r/{link}"), &form).await;
    assert_eq!(res.status(), 303);
    let stored = stored_answers(&app, case.reference_id(0)).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].value, evil, "stored exactly as typed");
    let html = app
        .fetch(&format!("/r/{link}?saved=1"))
        .await
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
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let link = &links[0];
    let draft = vec![
        ("q_values_shared".to_owned(), "5".to_owned()),
        ("q_rehire".to_owned(), "unsure".to_owned()),
        ("q_strengths".to_owned(), "Clear monthly reports".to_owned()),
        ("action".to_owned(), "save".to_owned()),
    ];
    let res = app.post_form(&format!("/r/{link}"), &draft).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/r/{link}?saved=1"));
    let html = app
        .fetch(&format!("/r/{link}?saved=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your answers are saved"));
    assert!(html.contains("name=\"q_values_shared\" value=\"5\" checked"));
    assert!(html.contains("name=\"q_rehire\" value=\"unsure\" checked"));
    assert!(html.contains("Clear monthly reports</textarea>"));
    assert_eq!(
        status_of(&app, case.reference_id(0)).await,
        "opened",
        "a draft is not an answer"
    );
    // Later visit: finish and send.
    let res = app.post_form(&format!("/r/{link}"), &complete_form()).await;
    assert_eq!(res.status(), 303);
    let answers = stored_answers(&app, case.reference_id(0)).await;
    assert_eq!(
        answers
            .iter()
            .find(|a| a.question_key == "values_shared")
            .unwrap()
            .value,
        "4"
    );
    assert_eq!(status_of(&app, case.reference_id(0)).await, "completed");
}

async fn decline_asks_for_confirmation_first_then_declines_with_a_reason(app: TestApp) {
    let case = fixtures::launched_case(&app, 2).await;
    let links = case.links(&app);
    let link = &links[0];
    let page = app.fetch(&format!("/r/{link}/decline")).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Decline this reference request?")
    );
    assert_eq!(
        status_of(&app, case.reference_id(0)).await,
        "invited",
        "GET changes nothing"
    );
    let res = app
        .post_form(
            &format!("/r/{link}/decline"),
            &[("reason", "I only worked with them for a week")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/r/{link}/declined"));
    let page = app.fetch(&format!("/r/{link}/declined")).await;
    assert_eq!(page.status(), 200);
    let row = reference_request::Entity::find_by_id(case.reference_id(0))
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "declined");
    assert_eq!(
        row.decline_reason.as_deref(),
        Some("I only worked with them for a week")
    );
    let again = app.fetch(&format!("/r/{link}")).await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("You declined"));
    // One-click unsubscribe (RFC 8058) from a mail client declines too.
    let res = app
        .client
        .post(app.url(&format!("/r/{}/decline", links[1])))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(status_of(&app, case.reference_id(1)).await, "declined");
}

async fn two_simultaneous_submissions_store_exactly_one_response(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let link = &links[0];
    // Opened first, so both submissions race to switch the same draft row.
    app.fetch(&format!("/r/{link}")).await;
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
        .filter(response::Column::ReferenceId.eq(case.reference_id(0)))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(stored_answers(&app, case.reference_id(0)).await.len(), 18);
}

async fn the_questionnaire_as_json_saves_submits_and_names_bad_keys(app: TestApp) {
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let path = format!("/api/v1/public/forms/{}", links[0]);
    let res = app.fetch(&path).await;
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
    assert_eq!(status_of(&app, case.reference_id(0)).await, "opened");

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
    // A submission with an unreadable answer names it, the missing ones and the consent.
    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"answers": {"values_shared": [5]}, "action": "submit"}))
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
    for f in ["answers.rehire", "consent"] {
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
    let form: Value = app.fetch(&path).await.json().await.unwrap();
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
    assert_eq!(status_of(&app, case.reference_id(0)).await, "completed");
    let res = app
        .client
        .post(app.url(&path))
        .json(&json!({"answers": answers, "action": "submit", "consent": true}))
        .send()
        .await
        .unwrap();
    problem(res, 409).await;
    let res = app.fetch("/api/v1/public/forms/nope").await;
    problem(res, 404).await;
}

async fn the_last_two_referees_answering_at_once_still_move_the_case_to_review(app: TestApp) {
    let launched = fixtures::launched_case_with_quorum(&app, 2, 2).await;
    let links = launched.links(&app);
    for link in &links {
        app.fetch(&format!("/r/{link}")).await;
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
        .get(&format!("/api/v1/cases/{}", launched.id), &launched.ops)
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
    let case = fixtures::launched_case(&app, 1).await;
    let links = case.links(&app);
    let link = &links[0];
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
        .filter(response::Column::ReferenceId.eq(case.reference_id(0)))
        .all(app.engine.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(stored_answers(&app, case.reference_id(0)).await.len(), 1);
}
