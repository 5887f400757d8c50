//! The provider's self-assessment end to end: the request, the email, the `/s/` form with
//! save and resume, the submission, the report, and every way a link can be refused.

use engine::questionnaire::{default_questions, self_assessment_questions};
use serde_json::json;
use testkit::{Backend, TestApp};

use super::{
    CONTACT, answer, behind_proxy, dimension, flag_kinds, open_case, request, requested_link,
    self_view,
};
use crate::helpers::problem;
use crate::on_both_backends;

/// The scored statements' keys, as the provider's form names them.
fn statement_keys() -> Vec<String> {
    self_assessment_questions(&default_questions())
        .into_iter()
        .map(|q| q.key)
        .collect()
}

async fn post_from(
    app: &TestApp,
    token: &str,
    ip: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/s/{token}")))
        .header("x-forwarded-for", ip)
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn the_provider_rates_itself_and_the_report_shows_the_gap(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    case.add(&app, "a@client-a.example", "Client A").await;
    case.add(&app, "b@client-b.example", "Client B").await;
    let token = requested_link(&app, &case).await;
    assert_eq!(case.get(&app).await["self_assessment"], "requested");

    // The email: to the provider's contact, with the link, never counted in the score.
    let message = app
        .smtp
        .messages()
        .into_iter()
        .find(|m| m.recipients.iter().any(|r| r == CONTACT))
        .expect("an email to the contact");
    let text = String::from_utf8_lossy(&message.data).into_owned();
    assert!(text.contains(&format!("/s/{token}")), "{text}");

    // The form: the scored statements only, in the first person.
    let res = app.fetch(&format!("/s/{token}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for key in statement_keys() {
        assert!(html.contains(&format!("name=\"q_{key}\"")), "{key}");
    }
    assert!(
        !html.contains("name=\"q_rehire\""),
        "not a referee question"
    );
    assert!(html.contains("We care about our clients"), "first person");
    assert!(html.contains("Does not apply"));
    assert!(
        html.contains("class=\"group-title\">Dedication<") && !html.contains("Shares our values"),
        "headings name the dimension, not the hiring company's \"our\""
    );
    assert!(!html.contains("/decline"), "a provider does not decline");

    // Save half, come back: it is all still there.
    let keys = statement_keys();
    let half: Vec<(String, String)> = keys[..8]
        .iter()
        .map(|k| (format!("q_{k}"), "4".to_owned()))
        .chain([("action".to_owned(), "save".to_owned())])
        .collect();
    let res = post_from(&app, &token, "203.0.113.7", &half).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/s/{token}?saved=1")
    );
    let html = app
        .fetch(&format!("/s/{token}?saved=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your answers are saved"));
    assert!(html.contains(&format!("name=\"q_{}\" value=\"4\" checked", keys[0])));

    // Submitting with answers missing and no consent: 422, the form again, nothing lost.
    let res = post_from(
        &app,
        &token,
        "203.0.113.7",
        &[
            (format!("q_{}", keys[0]), "5".to_owned()),
            ("action".to_owned(), "submit".to_owned()),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("error-summary"));
    assert!(html.contains("error-consent"));
    assert!(html.contains(&format!("name=\"q_{}\" value=\"5\" checked", keys[0])));
    let res = post_from(
        &app,
        &token,
        "203.0.113.7",
        &[
            ("q_values_shared".to_owned(), "7".to_owned()),
            ("action".to_owned(), "save".to_owned()),
        ],
    )
    .await;
    assert_eq!(
        res.status(),
        422,
        "a value off the scale is refused, even in a draft"
    );

    // The provider thinks it is excellent (5); its clients say 3.
    let res = post_from(&app, &token, "203.0.113.7", &self_view(5)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/s/{token}/done")
    );
    let res = app.fetch(&format!("/s/{token}/done")).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Thank you"));
    let res = app.fetch(&format!("/s/{token}")).await;
    assert_eq!(res.status(), 409, "already sent");
    let res = post_from(&app, &token, "203.0.113.7", &self_view(1)).await;
    assert_eq!(
        res.status(),
        409,
        "and cannot be changed through the old link"
    );
    assert_eq!(case.get(&app).await["self_assessment"], "submitted");

    case.launch(&app).await;
    answer(&app, "a@client-a.example", 3, "198.51.100.1").await;
    answer(&app, "b@client-b.example", 3, "198.51.100.2").await;
    let r = case.report(&app).await;
    let values = dimension(&r, "values");
    assert_eq!(values["score"], 50.0, "the self-assessment is not counted");
    assert_eq!(values["n"], 2);
    assert_eq!(values["self_score"], 100.0);
    assert_eq!(values["self_gap"], 50.0);
    assert_eq!(r["responses"], 2, "nor is it a response");
    assert!(flag_kinds(&r).contains(&"blind_spot".to_owned()));
    let summary = &r["self_assessment"];
    assert!(summary["submitted_at"].is_string());
    assert_eq!(summary["dimensions"].as_array().unwrap().len(), 8);
    assert_eq!(
        summary["dimensions"][0],
        json!({ "key": "values", "score": 100.0 })
    );
}

/// The provider agrees with its clients: no blind spot, and nothing else changes.
async fn an_honest_self_assessment_raises_nothing(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, behind_proxy()).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 2 })).await;
    case.add(&app, "a@client-a.example", "Client A").await;
    case.add(&app, "b@client-b.example", "Client B").await;
    case.launch(&app).await;
    answer(&app, "a@client-a.example", 4, "198.51.100.1").await;
    let token = requested_link(&app, &case).await;
    app.fetch(&format!("/s/{token}")).await;
    let res = post_from(&app, &token, "203.0.113.7", &self_view(4)).await;
    assert_eq!(res.status(), 303);
    answer(&app, "b@client-b.example", 4, "198.51.100.2").await;
    let r = case.report(&app).await;
    assert_eq!(dimension(&r, "values")["self_gap"], 0.0);
    assert_eq!(r["flags"], json!([]), "{r}");
    assert_eq!(r["recommendation"], "meets_profile");
}

async fn self_assessment_links_follow_the_token_rules(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 1 })).await;
    let res = app.fetch("/s/no-such-token").await;
    assert_eq!(res.status(), 404);

    // Asking again sends a new link; the old one stops working.
    let first = requested_link(&app, &case).await;
    let second = requested_link(&app, &case).await;
    assert_ne!(first, second);
    assert_eq!(app.fetch(&format!("/s/{first}")).await.status(), 404);
    assert_eq!(app.fetch(&format!("/s/{second}")).await.status(), 200);

    // Once the case is in review the link has closed, and no new one can be asked for.
    case.add(&app, "a@client-a.example", "Client A").await;
    case.launch(&app).await;
    case.close(&app).await;
    assert_eq!(app.fetch(&format!("/s/{second}")).await.status(), 410);
    let body = problem(request(&app, &case).await, 409).await;
    assert_eq!(body["current_state"], "review");

    // Unknown case: 404; an HR token may not ask.
    let res = app
        .post(
            &format!("/api/v1/cases/{}/self-assessment", uuid::Uuid::now_v7()),
            &case.ops,
        )
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
    let res = app
        .post(
            &format!("/api/v1/cases/{}/self-assessment", case.id),
            &case.hr,
        )
        .send()
        .await
        .unwrap();
    problem(res, 403).await;
}

on_both_backends!(
    the_provider_rates_itself_and_the_report_shows_the_gap,
    an_honest_self_assessment_raises_nothing,
    self_assessment_links_follow_the_token_rules
);
