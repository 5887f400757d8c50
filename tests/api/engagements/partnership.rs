//! Partnership both ways (API.md "Partnership both ways", issue 32): each pulse asks the
//! provider's people too, through the referee machinery, in the provider's language; the
//! provider side is scored like a pulse (plain means, released under Disclosure) and a
//! gap of 20 points or more between the two sides is flagged, emailed to the owner and
//! sent as `engagement.partnership_gap`.

use engine::domain::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use store::entity::{provider, reference_request};
use testkit::TestApp;
use uuid::Uuid;

use super::results::{engagement_receiver, received_of};
use super::{
    Approved, add_stakeholder, approve, emails_to, engagement, stakeholder_answers, start_pulse,
    submit_through_engine, uniform,
};
use crate::helpers::field_error;
use crate::on_both_databases;

on_both_databases!(
    a_pulse_asks_both_sides_and_scores_the_provider_side_against_hand_computed_values,
    two_sides_within_twenty_points_raise_no_gap,
    provider_contacts_and_provider_languages_refuse_bad_input_naming_the_field,
    a_german_provider_is_written_to_and_shown_its_pages_in_german,
    an_erased_provider_contact_is_gone_from_the_engagement_and_never_asked_again,
);

/// The provider's main contact (testkit's `create_provider`).
const MAIN_CONTACT: &str = "pat@ledger.example";

/// The provider-side question keys, in order.
const PROVIDER_KEYS: [&str; 5] = [
    "inclusion",
    "advice",
    "scope_clarity",
    "timely_information",
    "partner_treatment",
];

/// A provider contact's answers: one value (`1`..`5` or `na`) per provider-side question.
fn provider_answers(values: [&str; 5]) -> Vec<(String, String)> {
    PROVIDER_KEYS
        .iter()
        .zip(values)
        .map(|(k, v)| ((*k).to_owned(), v.to_owned()))
        .collect()
}

/// Registers a provider named `name` whose contact is Kim at klartext.example, speaking
/// `locale`, over HTTP; returns the answer.
async fn create_klartext(app: &TestApp, ops: &str, name: &str, locale: &str) -> reqwest::Response {
    app.post("/api/v1/providers", ops)
        .json(&json!({
            "name": name, "category": "legal", "contact_name": "Kim Klar",
            "contact_email": "kim@klartext.example", "locale": locale
        }))
        .send()
        .await
        .unwrap()
}

/// The addresses of an engagement JSON's provider contacts, in order.
fn provider_contact_emails(engagement: &Value) -> Vec<&str> {
    engagement["provider_contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["email"].as_str().unwrap())
        .collect()
}

/// Adds a provider contact over HTTP; returns the answer.
async fn add_provider_contact(
    app: &TestApp,
    token: &str,
    engagement_id: Uuid,
    body: Value,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/engagements/{engagement_id}/provider-contacts"),
        token,
    )
    .json(&body)
    .send()
    .await
    .unwrap()
}

/// The provider-side reference of `email` in the provider side `side_id`.
async fn provider_reference(app: &TestApp, side_id: &str, email: &str) -> reference_request::Model {
    let side_id: Uuid = side_id.parse().unwrap();
    reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(side_id))
        .filter(reference_request::Column::Email.eq(email))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("the provider contact is asked for the provider side")
}

/// The provider contact `email` answers the provider side through the engine.
async fn provider_contact_answers(app: &TestApp, side_id: &str, email: &str, values: [&str; 5]) {
    let reference = provider_reference(app, side_id, email).await;
    submit_through_engine(app, reference.id, provider_answers(values)).await;
}

/// An approved case with one stakeholder and one added provider contact (besides the
/// main contact), and a pulse started and its invitations sent; returns the stakeholder's
/// and the added contact's addresses.
async fn pulse_of_both_sides(app: &TestApp) -> (Approved, String, String) {
    let a = approve(app, &[&uniform(4.0)]).await;
    let stakeholder = add_stakeholder(app, a.ops(), a.engagement_id, 1).await;
    let contact = format!(
        "sam.{}@ledger.example",
        &a.engagement_id.simple().to_string()[..8]
    );
    let res = add_provider_contact(
        app,
        a.ops(),
        a.engagement_id,
        json!({ "name": "Sam Ledger", "email": contact }),
    )
    .await;
    assert_eq!(res.status(), 201, "add provider contact");
    let added: Value = res.json().await.unwrap();
    assert_eq!(added["email"], contact);
    start_pulse(app, a.ops(), a.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    (a, stakeholder, contact)
}

async fn a_pulse_asks_both_sides_and_scores_the_provider_side_against_hand_computed_values(
    app: TestApp,
) {
    let sink = engagement_receiver(&app).await;
    let (a, stakeholder, contact) = pulse_of_both_sides(&app).await;
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let contacts = provider_contact_emails(&e);
    assert_eq!(
        contacts,
        [MAIN_CONTACT, contact.as_str()],
        "main contact first"
    );
    assert_eq!(e["stakeholders"].as_array().unwrap().len(), 1);
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["invited"], 1, "the stakeholders' side");
    let side = &pulse["provider_side"];
    assert_eq!(side["status"], "collecting");
    assert_eq!(side["invited"], 2);
    let side_id = side["id"].as_str().unwrap().to_owned();

    // Each provider contact got a provider-side link to /r/, in the provider's voice, with
    // the referee email's opt-out header.
    for to in [MAIN_CONTACT, contact.as_str()] {
        let mails = emails_to(&app, to);
        assert_eq!(mails.len(), 1, "{to}: {mails:?}");
        assert!(
            mails[0].0.starts_with("How is the partnership going for"),
            "{}",
            mails[0].0
        );
        assert_eq!(app.links_sent_to(to).len(), 1);
    }
    let raw = app
        .smtp
        .messages()
        .into_iter()
        .find(|m| m.recipients.iter().any(|r| r == &contact))
        .unwrap();
    assert!(String::from_utf8_lossy(&raw.data).contains("List-Unsubscribe: <"));
    let link = app.links_sent_to(&contact).pop().unwrap();
    let res = app.fetch(&format!("/r/{link}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("How is the partnership going from your side?"),
        "{html}"
    );
    assert!(html.contains("They include us in the plans and strategy"));
    assert!(html.contains("What would make working with them better?"));
    assert!(
        !html.contains("values_shared"),
        "the buyer's questions are not asked"
    );

    // The main contact answers through the form; the stakeholder answers: the provider
    // side is still collecting, so nothing of it is shown (Disclosure).
    let mut form: Vec<(String, String)> = provider_answers(["2", "3", "4", "5", "1"])
        .into_iter()
        .map(|(k, v)| (format!("q_{k}"), v))
        .collect();
    form.push((
        "q_work_better".into(),
        "Invite us to the planning days.".into(),
    ));
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    let main_link = app.links_sent_to(MAIN_CONTACT).pop().unwrap();
    let res = app.post_form(&format!("/r/{main_link}"), &form).await;
    assert_eq!(res.status(), 303);
    let pulse_id: Uuid = pulse["id"].as_str().unwrap().parse().unwrap();
    stakeholder_answers(&app, pulse_id, &stakeholder, &uniform(5.0)).await;
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["status"], "complete", "every stakeholder answered");
    assert_eq!(pulse["alignment"], 100.0);
    let side = &pulse["provider_side"];
    assert_eq!(side["status"], "collecting");
    assert_eq!(side["responses"], 1);
    assert_eq!(side["dimensions"], json!([]), "{side}");
    assert!(side["alignment"].is_null(), "{side}");
    assert_eq!(pulse["flags"], json!([]));

    // The second contact answers; the provider side completes and is released.
    provider_contact_answers(&app, &side_id, &contact, ["4", "3", "na", "3", "2"]).await;
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let side = &e["pulses"][0]["provider_side"];
    assert_eq!(side["status"], "complete");
    assert_eq!(side["responses"], 2);
    // By hand, (mean − 1) / 4 × 100 of the plain mean of the two contacts:
    // inclusion (2 + 4) / 2 = 3 → 50; advice 3 → 50; scope_clarity 4 (one answer) → 75;
    // timely_information (5 + 3) / 2 = 4 → 75; partner_treatment 1.5 → 12.5;
    // alignment (50 + 50 + 75 + 75 + 12.5) / 5 = 52.5.
    let dims: Vec<(String, f64, u64)> = side["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_owned(),
                d["score"].as_f64().unwrap(),
                d["n"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        dims,
        [
            ("inclusion".to_owned(), 50.0, 2),
            ("advice".to_owned(), 50.0, 2),
            ("scope_clarity".to_owned(), 75.0, 1),
            ("timely_information".to_owned(), 75.0, 2),
            ("partner_treatment".to_owned(), 12.5, 2),
        ]
    );
    assert_eq!(side["alignment"], 52.5);

    // 100 against 52.5: the provider side rates the partnership 47.5 points lower.
    let flags = e["pulses"][0]["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["kind"], "partnership_gap");
    assert_eq!(flags[0]["lower_side"], "provider");
    assert_eq!(flags[0]["gap"], 47.5);
    let owner = emails_to(&app, &a.case.owner_email);
    let gap: Vec<&(String, String)> = owner
        .iter()
        .filter(|(subject, _)| subject.starts_with("The two sides of a check-in"))
        .collect();
    assert_eq!(gap.len(), 1, "{owner:?}");
    assert!(
        gap[0]
            .1
            .contains("The provider's people rate the partnership 48 points lower"),
        "{}",
        gap[0].1
    );
    let events = received_of(&sink, "engagement.partnership_gap");
    assert_eq!(events.len(), 1);
    let data = &events[0]["data"];
    assert_eq!(data["engagement_id"], a.engagement_id.to_string());
    assert_eq!(data["lower_side"], "provider");
    assert_eq!(data["gap"], 47.5);
    let body = events[0].to_string();
    assert!(!body.contains("ledger.example") && !body.contains("planning days"));

    // The engagement page shows both sides; the provider page draws the provider side.
    let ui = app.ui_as(Role::Ops).await;
    let (status, html) = ui
        .page(&format!("/ui/engagements/{}", a.engagement_id))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("<svg id=\"both-sides-chart\""), "{html}");
    assert!(html.contains("class=\"provider-mark\""));
    assert!(html.contains("<strong class=\"provider-alignment\">52.5</strong>"));
    assert!(html.contains("The provider&#x27;s people rate the partnership 48 points lower"));
    let provider_id = e["provider_id"].as_str().unwrap();
    let (status, html) = ui.page(&format!("/ui/providers/{provider_id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("1 provider side (squares)"), "{html}");
}

async fn two_sides_within_twenty_points_raise_no_gap(app: TestApp) {
    let (a, stakeholder, contact) = pulse_of_both_sides(&app).await;
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let pulse_id: Uuid = e["pulses"][0]["id"].as_str().unwrap().parse().unwrap();
    let side_id = e["pulses"][0]["provider_side"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Buyer: 3 everywhere → 50. Provider: 4 and 3 → 3.5 everywhere → 62.5; 12.5 apart.
    stakeholder_answers(&app, pulse_id, &stakeholder, &uniform(3.0)).await;
    provider_contact_answers(&app, &side_id, MAIN_CONTACT, ["4"; 5]).await;
    provider_contact_answers(&app, &side_id, &contact, ["3"; 5]).await;
    app.engine.run_until_idle().await.unwrap();
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let pulse = &e["pulses"][0];
    assert_eq!(pulse["alignment"], 50.0);
    assert_eq!(pulse["provider_side"]["alignment"], 62.5);
    assert_eq!(pulse["flags"], json!([]));
    let owner = emails_to(&app, &a.case.owner_email);
    assert!(
        !owner
            .iter()
            .any(|(subject, _)| subject.starts_with("The two sides")),
        "{owner:?}"
    );
}

async fn provider_contacts_and_provider_languages_refuse_bad_input_naming_the_field(app: TestApp) {
    let a = approve(&app, &[&uniform(4.0)]).await;
    let ops = a.ops().to_owned();
    // A malformed address; the main contact's, who is one already.
    for (name, email) in [
        ("Sam", "not-an-address"),
        ("Pat again", "PAT@ledger.example"),
    ] {
        let body = json!({ "name": name, "email": email });
        let res = add_provider_contact(&app, &ops, a.engagement_id, body).await;
        assert_eq!(res.status(), 422, "{email}");
        field_error(res, "email").await;
    }
    let res = app
        .post(&a.path("/end"), &ops)
        .json(&json!({ "reason": "contract not renewed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = add_provider_contact(
        &app,
        &ops,
        a.engagement_id,
        json!({ "name": "Sam", "email": "sam@ledger.example" }),
    )
    .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("ended"), "{body}");
    let res = create_klartext(&app, &ops, "Klartext", "xx").await;
    assert_eq!(res.status(), 422);
    field_error(res, "locale").await;
}

async fn a_german_provider_is_written_to_and_shown_its_pages_in_german(app: TestApp) {
    let ops = app.token_for(Role::Ops).await;
    // Nomination and self-assessment for a provider created in German.
    let res = create_klartext(&app, &ops, "Klartext Recht", "de").await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["locale"], "de");
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&json!({ "provider_id": created["id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let case_id = case["id"].as_str().unwrap();
    for path in ["nominate", "self-assessment"] {
        let res = app
            .post(&format!("/api/v1/cases/{case_id}/{path}"), &ops)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "{path}");
    }
    app.engine.run_until_idle().await.unwrap();
    let mails = emails_to(&app, "kim@klartext.example");
    let subjects: Vec<&str> = mails.iter().map(|(s, _)| s.as_str()).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Bitte nennen Sie 3 Kundenreferenzen")),
        "{subjects:?}"
    );
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Eine kurze Selbsteinschätzung")),
        "{subjects:?}"
    );
    let self_link = app
        .tokens_sent_to("kim@klartext.example", "/s/")
        .pop()
        .unwrap();
    let html = app
        .fetch(&format!("/s/{self_link}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"de\""), "{html}");

    // The provider side of a pulse, for an engaged provider whose language is German.
    let a = approve(&app, &[&uniform(4.0)]).await;
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let provider_id: Uuid = e["provider_id"].as_str().unwrap().parse().unwrap();
    provider::Entity::update_many()
        .col_expr(provider::Column::Locale, Expr::value("de"))
        .filter(provider::Column::Id.eq(provider_id))
        .exec(app.engine.db())
        .await
        .unwrap();
    add_stakeholder(&app, a.ops(), a.engagement_id, 1).await;
    start_pulse(&app, a.ops(), a.engagement_id).await;
    app.engine.run_until_idle().await.unwrap();
    let mails = emails_to(&app, MAIN_CONTACT);
    let pulse_mail = mails
        .iter()
        .find(|(_, body)| body.contains("/r/"))
        .expect("the provider-side invitation");
    assert!(
        pulse_mail.0.starts_with("Wie läuft die Partnerschaft für"),
        "{}",
        pulse_mail.0
    );
    let link = app.links_sent_to(MAIN_CONTACT).pop().unwrap();
    let html = app.fetch(&format!("/r/{link}")).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\""), "{html}");
    assert!(html.contains("Sie beziehen uns in die Pläne"), "{html}");
    assert!(html.contains("Wie läuft die Partnerschaft aus Ihrer Sicht?"));
    // Staff asked for a language of their own: the page follows it, as a referee's does.
    let html = app
        .fetch(&format!("/r/{link}?lang=ar"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<html lang=\"de\""),
        "the provider's language holds"
    );
}

async fn an_erased_provider_contact_is_gone_from_the_engagement_and_never_asked_again(
    app: TestApp,
) {
    let (a, _stakeholder, contact) = pulse_of_both_sides(&app).await;
    let admin = app.token_for(Role::Admin).await;
    let export: Value = app
        .get(&format!("/api/v1/privacy/subject?email={contact}"), &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = export["stakeholders"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{export}");
    assert_eq!(entries[0]["side"], "provider");
    assert_eq!(entries[0]["name"], "Sam Ledger");
    assert_eq!(
        export["references"].as_array().unwrap().len(),
        1,
        "{export}"
    );
    let res = app
        .post("/api/v1/privacy/erase", &admin)
        .json(&json!({ "email": contact, "reason": "Request of 7 December" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let erasure: Value = res.json().await.unwrap();
    assert_eq!(erasure["erased"]["stakeholders"], 1, "{erasure}");
    assert_eq!(
        erasure["erased"]["withdrawn"], 1,
        "the open request: {erasure}"
    );
    let e = engagement(&app, a.ops(), a.engagement_id).await;
    let contacts = provider_contact_emails(&e);
    assert_eq!(contacts, [MAIN_CONTACT]);
    let text = e.to_string();
    assert!(
        !text.contains(&contact) && !text.contains("Sam Ledger"),
        "{text}"
    );
    // The address is on the opt-out list: adding it again is refused like a referee's.
    let res = add_provider_contact(
        &app,
        a.ops(),
        a.engagement_id,
        json!({ "name": "Sam Ledger", "email": contact }),
    )
    .await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("/referee-opted-out"),
        "{body}"
    );
}
