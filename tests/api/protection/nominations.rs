//! The provider's nominations: plain-text names only, nothing said about who is already
//! known, and nobody emailed until ops launches the case or invites them.

use serde_json::{Value, json};
use testkit::{Backend, TestApp};

use crate::evidence::{CONTACT, Case, open_case};
use crate::helpers::problem;
use crate::on_both_backends;

/// Asks the provider for `count` nominations and returns the link's token.
async fn nomination_link(app: &TestApp, case: &Case, count: usize) -> String {
    let res = app
        .post(&format!("/api/v1/cases/{}/nominate", case.id), &case.ops)
        .json(&json!({ "count": count }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    app.tokens_sent_to(CONTACT, "/n/").pop().unwrap()
}

fn row(n: usize, name: &str, email: &str, company: &str) -> Vec<(String, String)> {
    vec![
        (format!("name_{n}"), name.to_owned()),
        (format!("email_{n}"), email.to_owned()),
        (format!("company_{n}"), company.to_owned()),
        (format!("relationship_{n}"), "client".to_owned()),
    ]
}

async fn nominations_refuse_control_characters_and_say_nothing_about_known_people(
    backend: Backend,
) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let case = open_case(&app, json!({})).await;
    case.add(&app, "known@client.example", "Known Ltd").await;
    let token = nomination_link(&app, &case, 3).await;

    let mut form = row(1, "Eve\u{7}Bell", "eve@client2.example", "Client Two");
    form.extend(row(
        2,
        "Ray",
        "ray@client3.example",
        "Client\r\nBcc: x@evil.example",
    ));
    let res = app.post_form(&format!("/n/{token}"), &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for field in ["name_1", "company_2"] {
        let error =
            format!("id=\"error-{field}\">Please use plain text here: no tabs, line breaks");
        assert!(html.contains(&error), "{field} is named: {html}");
    }
    assert!(
        !html.contains("id=\"error-email_1\""),
        "the other fields are fine"
    );
    assert_eq!(
        case.get(&app).await["references"].as_array().unwrap().len(),
        1
    );

    // A known address and a new one: the same thanks as for two new people, and the known
    // one is not added twice.
    let mut form = row(1, "Known Again", "Known@Client.example", "Known Ltd");
    form.extend(row(2, "Nia New", "nia@client4.example", "Client Four"));
    let res = app.post_form(&format!("/n/{token}"), &form).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("the 2 references you named"), "{html}");
    assert!(!html.to_lowercase().contains("already"), "{html}");
    let refs: Vec<String> = case.get(&app).await["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(refs, ["known@client.example", "nia@client4.example"]);
}

async fn nominees_wait_for_launch_or_an_invitation(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let case = open_case(&app, json!({ "min_responses": 1 })).await;
    let token = nomination_link(&app, &case, 2).await;
    case.add(&app, "found@client.example", "Found Ltd").await;
    case.launch(&app).await;
    assert_eq!(app.links_sent_to("found@client.example").len(), 1);

    // The provider answers after the launch: its nominees are not emailed by themselves.
    let mut form = row(1, "Nia New", "nia@client4.example", "Client Four");
    form.extend(row(2, "Oli Old", "oli@client5.example", "Client Five"));
    let res = app.post_form(&format!("/n/{token}"), &form).await;
    assert_eq!(res.status(), 200);
    app.engine.run_until_idle().await.unwrap();
    assert!(app.links_sent_to("nia@client4.example").is_empty());
    assert!(app.links_sent_to("oli@client5.example").is_empty());
    let c = case.get(&app).await;
    let nia: &Value = c["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == "nia@client4.example")
        .unwrap();
    assert_eq!(nia["status"], "pending");
    assert_eq!(nia["source"], "nominated");
    // The owner is told nominations arrived.
    let told = app.smtp.messages().iter().any(|m| {
        String::from_utf8_lossy(&m.data).contains("nominated")
            && !m.recipients.iter().any(|r| r.contains("client4"))
            && !m.recipients.iter().any(|r| r == CONTACT)
    });
    assert!(told, "the case owner is emailed about the nominations");

    // Ops invites one of them.
    let invite = format!("/api/v1/references/{}/invite", nia["id"].as_str().unwrap());
    let res = app.post(&invite, &case.hr).send().await.unwrap();
    problem(res, 403).await;
    let res = app.post(&invite, &case.ops).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let res = app.post(&invite, &case.ops).send().await.unwrap();
    assert_eq!(res.status(), 202, "asking twice is harmless");
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(
        app.links_sent_to("nia@client4.example").len(),
        1,
        "one email"
    );
    assert!(app.links_sent_to("oli@client5.example").is_empty());
    let res = app.post(&invite, &case.ops).send().await.unwrap();
    assert_eq!(problem(res, 409).await["current_state"], "invited");
    let res = app
        .post(
            &format!("/api/v1/references/{}/invite", uuid::Uuid::now_v7()),
            &case.ops,
        )
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

on_both_backends!(
    nominations_refuse_control_characters_and_say_nothing_about_known_people,
    nominees_wait_for_launch_or_an_invitation
);
