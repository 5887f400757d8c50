//! "Don't ask me again" (API.md "Referee protection", opt-out): `/u/{token}` from any email
//! to a referee, the `List-Unsubscribe` headers that point there, and what opting out does
//! to the address's requests in every case.

use chrono::Duration;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use store::entity::{opt_out, reference_request};
use testkit::{PUBLIC_URL, TestApp};
use uuid::Uuid;

use crate::evidence::{Case, answer, open_case};
use crate::helpers::problem;
use crate::on_both_databases;

/// The referee who opts out, in several cases.
const QUIET: &str = "quiet@client.example";

fn id_of(reference: &Value) -> Uuid {
    reference["id"].as_str().unwrap().parse().unwrap()
}

async fn row(app: &TestApp, id: Uuid) -> reference_request::Model {
    reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
}

async fn listed(app: &TestApp) -> u64 {
    opt_out::Entity::find()
        .count(app.engine.db())
        .await
        .unwrap()
}

/// The email of the user behind an API token (the owner of the cases they open).
async fn email_of(app: &TestApp, token: &str) -> String {
    let me: Value = app
        .get("/api/v1/me", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["email"].as_str().unwrap().to_owned()
}

async fn add(app: &TestApp, case: &Case, email: &str) -> reqwest::Response {
    app.post(&format!("/api/v1/cases/{}/references", case.id), &case.ops)
        .json(&json!({
            "name": "Quinn Quiet",
            "email": email,
            "company": "Client Co",
            "relationship": "client since 2020",
        }))
        .send()
        .await
        .unwrap()
}

/// The reference of `email` in the case JSON.
fn reference_in<'a>(case: &'a Value, email: &str) -> &'a Value {
    case["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == email)
        .unwrap_or_else(|| panic!("no reference {email} in {case}"))
}

async fn post_empty(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.post(app.url(path)).send().await.unwrap()
}

/// Captured messages to `to`, parsed.
fn messages_to(app: &TestApp, to: &str) -> Vec<Vec<u8>> {
    app.smtp
        .messages()
        .into_iter()
        .filter(|m| m.recipients.iter().any(|r| r == to))
        .map(|m| m.data)
        .collect()
}

fn subject(raw: &[u8]) -> String {
    mail_parser::MessageParser::default()
        .parse(raw)
        .unwrap()
        .subject()
        .unwrap_or_default()
        .to_owned()
}

async fn opting_out_withdraws_open_requests_in_every_case_and_blocks_new_ones(app: TestApp) {
    // Answered earlier in another case: that answer stays.
    let answered = open_case(&app, json!({ "min_responses": 1 })).await;
    let done = answered.add(&app, QUIET, "Client Co").await;
    answered.launch(&app).await;
    answer(&app, QUIET, 4, "203.0.113.1").await;
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(row(&app, id_of(&done)).await.status, "completed");

    // Invited in a case that collects, with someone else who stays.
    let collecting = open_case(&app, json!({ "min_responses": 2 })).await;
    let invited = collecting.add(&app, QUIET, "Client Co").await;
    let other = collecting
        .add(&app, "other@elsewhere.example", "Elsewhere")
        .await;
    collecting.launch(&app).await;
    // Still pending in a draft case of another owner.
    let draft = open_case(&app, json!({})).await;
    let pending = draft.add(&app, QUIET, "Client Co").await;
    assert_eq!(row(&app, id_of(&invited)).await.status, "invited");
    assert_eq!(row(&app, id_of(&pending)).await.status, "pending");

    let token = app.links_sent_to(QUIET).pop().expect("the invitation");

    // A GET (a mail scanner, a curious click) changes nothing.
    let page = app.fetch(&format!("/u/{token}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("<form method=\"post\" action=\"/u/{token}\">")),
        "{html}"
    );
    assert!(
        html.contains("<button type=\"submit\" class=\"danger\">Don't ask me again</button>"),
        "{html}"
    );
    assert!(
        html.contains("Ledger &amp; Co"),
        "the provider is named: {html}"
    );
    assert!(
        !html.contains(QUIET),
        "the page never shows the whole address: {html}"
    );
    assert!(html.contains("q…@client.example"), "{html}");
    assert_eq!(row(&app, id_of(&invited)).await.status, "invited");
    assert_eq!(row(&app, id_of(&pending)).await.status, "pending");
    assert_eq!(listed(&app).await, 0, "a GET lists nobody");

    // The button posts an empty form.
    let res = post_empty(&app, &format!("/u/{token}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("You will not be asked again"), "{html}");
    assert_eq!(listed(&app).await, 1);

    // Both open requests stopped, with the reason on the API; the answer stayed.
    for (case, reference) in [(&collecting, &invited), (&draft, &pending)] {
        let json = case.get(&app).await;
        let r = reference_in(&json, QUIET);
        assert_eq!(r["status"], "withdrawn", "{r}");
        assert_eq!(r["withdrawn_reason"], "opted_out", "{r}");
        assert_eq!(r["id"], reference["id"]);
    }
    let kept = row(&app, id_of(&done)).await;
    assert_eq!(kept.status, "completed");
    assert_eq!(kept.withdrawn_reason, None);
    let json = collecting.get(&app).await;
    let r = reference_in(&json, "other@elsewhere.example");
    assert_eq!(r["status"], "invited", "another referee is untouched");
    assert!(r["withdrawn_reason"].is_null());
    assert_eq!(r["id"], other["id"]);
    // The link of the withdrawn request no longer opens the questionnaire.
    assert_eq!(app.fetch(&format!("/r/{token}")).await.status(), 404);

    // Each owner is told, naming the referee; the owner of the answered case is not.
    app.engine.run_until_idle().await.unwrap();
    for case in [&collecting, &draft] {
        let owner = email_of(&app, &case.ops).await;
        let notices: Vec<String> = messages_to(&app, &owner)
            .iter()
            .map(|m| subject(m))
            .filter(|s| s.starts_with("Referee opted out"))
            .collect();
        assert_eq!(notices.len(), 1, "{owner}: {notices:?}");
        // `Case::add` names a referee after their address.
        assert!(
            notices[0].contains(&format!("Referee {QUIET}")),
            "{notices:?}"
        );
        let raw = messages_to(&app, &owner)
            .into_iter()
            .find(|m| subject(m).starts_with("Referee opted out"))
            .unwrap();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let text = parsed.body_text(0).unwrap();
        assert!(
            text.contains("asked not to be contacted again") && text.contains("withdrawn"),
            "{text}"
        );
        assert!(text.contains(&format!("{PUBLIC_URL}/ui/cases/{}", case.id)));
    }
    let answered_owner = email_of(&app, &answered.ops).await;
    assert!(
        messages_to(&app, &answered_owner)
            .iter()
            .all(|m| !subject(m).starts_with("Referee opted out"))
    );

    // The trail records it without the address.
    let timeline: Value = app
        .get(
            &format!("/api/v1/cases/{}/events", collecting.id),
            &collecting.ops,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = timeline["items"].as_array().unwrap();
    let opted: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "reference.opted_out")
        .collect();
    assert_eq!(opted.len(), 1, "{events:?}");
    assert_eq!(opted[0]["reference_id"], invited["id"]);
    assert!(!opted[0]["data"].to_string().contains('@'), "{}", opted[0]);

    // Nobody may add the address again, in any letter case, anywhere.
    for (case, email) in [
        (&draft, "Quiet@Client.Example"),
        (&collecting, QUIET),
        (&open_case(&app, json!({})).await, "QUIET@CLIENT.EXAMPLE"),
    ] {
        let body = problem(add(&app, case, email).await, 409).await;
        assert!(
            body["type"]
                .as_str()
                .unwrap()
                .ends_with("/referee-opted-out"),
            "{body}"
        );
    }
}

async fn a_second_post_an_old_link_and_an_unknown_one(app: TestApp) {
    let case = open_case(&app, json!({ "min_responses": 1 })).await;
    let reference = case.add(&app, QUIET, "Client Co").await;
    case.launch(&app).await;
    let old = app.links_sent_to(QUIET).pop().expect("the invitation");

    // A resend revokes the first link: it no longer opens the questionnaire...
    let res = app
        .post(
            &format!(
                "/api/v1/references/{}/resend",
                reference["id"].as_str().unwrap()
            ),
            &case.ops,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    app.engine.run_until_idle().await.unwrap();
    let new = app.links_sent_to(QUIET).pop().unwrap();
    assert_ne!(old, new);
    assert_eq!(app.fetch(&format!("/r/{old}")).await.status(), 404);

    // ...but "don't ask me again" from the old email still works.
    assert_eq!(app.fetch(&format!("/u/{old}")).await.status(), 200);
    let res = post_empty(&app, &format!("/u/{old}")).await;
    assert_eq!(res.status(), 200);
    let stored = row(&app, id_of(&reference)).await;
    assert_eq!(stored.status, "withdrawn");
    assert_eq!(stored.withdrawn_reason.as_deref(), Some("opted_out"));
    app.engine.run_until_idle().await.unwrap();
    let sent = app.smtp.messages().len();
    let events = app
        .engine
        .cases()
        .case_events(case.id.parse().unwrap())
        .await
        .unwrap()
        .len();

    // A second POST (the new link, or the old one again) is harmless.
    for token in [&new, &old] {
        let res = post_empty(&app, &format!("/u/{token}")).await;
        assert_eq!(res.status(), 200);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("You will not be asked again")
        );
    }
    app.engine.run_until_idle().await.unwrap();
    assert_eq!(listed(&app).await, 1);
    assert_eq!(app.smtp.messages().len(), sent, "no second notice");
    assert_eq!(
        app.engine
            .cases()
            .case_events(case.id.parse().unwrap())
            .await
            .unwrap()
            .len(),
        events,
        "nothing more on the trail"
    );
    // The page now says it is done, without a button.
    let html = app.fetch(&format!("/u/{new}")).await.text().await.unwrap();
    assert!(html.contains("You will not be asked again"), "{html}");
    assert!(!html.contains("<form"), "{html}");

    // An unknown token is the usual "not valid" page, for GET and POST.
    let res = app.fetch("/u/no-such-token").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("This link is not valid"));
    assert_eq!(post_empty(&app, "/u/no-such-token").await.status(), 404);
    assert_eq!(listed(&app).await, 1);
}

/// `List-Unsubscribe` of a captured message, as a URL, and `List-Unsubscribe-Post`.
fn unsubscribe_headers(raw: &[u8]) -> (String, String) {
    let parsed = mail_parser::MessageParser::default().parse(raw).unwrap();
    let url = parsed
        .list_unsubscribe()
        .as_address()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_else(|| panic!("no List-Unsubscribe URL in {:?}", parsed.list_unsubscribe()))
        .to_owned();
    let post = parsed
        .header_raw("List-Unsubscribe-Post")
        .expect("a List-Unsubscribe-Post header")
        .trim()
        .to_owned();
    (url, post)
}

/// The token of `{PUBLIC_URL}/u/{token}`.
fn opt_out_token(url: &str) -> String {
    url.strip_prefix(&format!("{PUBLIC_URL}/u/"))
        .unwrap_or_else(|| panic!("{url} is not {PUBLIC_URL}/u/<token>"))
        .to_owned()
}

/// Posts what a mail client's one-click unsubscribe posts (RFC 8058) to `url`.
async fn one_click(app: &TestApp, url: &str) -> reqwest::Response {
    let path = url.strip_prefix(PUBLIC_URL).unwrap();
    app.client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap()
}

async fn every_email_to_a_referee_carries_one_click_unsubscribe(app: TestApp) {
    const ANSWERS: &str = "answers@client.example";
    let case = open_case(&app, json!({ "min_responses": 1 })).await;
    let silent = case.add(&app, QUIET, "Client Co").await;
    let answering = case.add(&app, ANSWERS, "Other Co").await;
    case.launch(&app).await;
    // The first reminder comes after `workflow.reminder_days[0]` days of silence.
    let days = app.engine.settings().reminder_days[0];
    app.clock
        .advance(Duration::days(i64::from(days)) + Duration::hours(1));
    app.engine.run_until_idle().await.unwrap();
    answer(&app, ANSWERS, 4, "203.0.113.9").await;
    app.engine.run_until_idle().await.unwrap();

    let quiet_mail = messages_to(&app, QUIET);
    let subjects: Vec<String> = quiet_mail.iter().map(|m| subject(m)).collect();
    assert_eq!(
        subjects.len(),
        2,
        "an invitation and a reminder: {subjects:?}"
    );
    assert!(subjects[1].starts_with("Reminder"), "{subjects:?}");
    let answers_mail = messages_to(&app, ANSWERS);
    let last = answers_mail.last().unwrap();
    assert!(
        subject(last).starts_with("Thank you"),
        "the confirmation: {}",
        subject(last)
    );

    let mut urls = Vec::new();
    for raw in quiet_mail
        .iter()
        .chain([answers_mail.first().unwrap(), last])
    {
        let (url, post) = unsubscribe_headers(raw);
        assert_eq!(post, "List-Unsubscribe=One-Click");
        let token = opt_out_token(&url);
        // The same link is in both bodies, as "Don't ask me again".
        let parsed = mail_parser::MessageParser::default().parse(raw).unwrap();
        let text = parsed.body_text(0).unwrap();
        assert!(
            text.contains(&format!("Don't ask me again:\r\n\r\n{url}\r\n"))
                || text.contains(&format!("Don't ask me again:\n\n{url}\n")),
            "{text}"
        );
        let html = parsed.body_html(0).unwrap();
        assert!(
            html.contains(&format!("<a href=\"{url}\">Don't ask me again</a>")),
            "{html}"
        );
        // The GET of a mail scanner finds the page, and changes nothing.
        assert_eq!(app.fetch(&format!("/u/{token}")).await.status(), 200);
        urls.push(url);
    }
    // Invitations and reminders use the link they were sent with; the confirmation has its
    // own token.
    let quiet_links = app.links_sent_to(QUIET);
    assert_eq!(opt_out_token(&urls[0]), quiet_links[0]);
    assert_eq!(opt_out_token(&urls[1]), quiet_links[1]);
    assert_eq!(listed(&app).await, 0);

    // One-click from the reminder withdraws the silent referee.
    let res = one_click(&app, &urls[1]).await;
    assert_eq!(res.status(), 200);
    let stored = row(&app, id_of(&silent)).await;
    assert_eq!(stored.status, "withdrawn");
    assert_eq!(stored.withdrawn_reason.as_deref(), Some("opted_out"));
    // One-click from the confirmation lists the address that answered; its answer stays.
    let res = one_click(&app, &urls[3]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(row(&app, id_of(&answering)).await.status, "completed");
    assert_eq!(listed(&app).await, 2);
    let another = open_case(&app, json!({})).await;
    for email in [QUIET, ANSWERS] {
        let body = problem(add(&app, &another, email).await, 409).await;
        assert!(
            body["type"]
                .as_str()
                .unwrap()
                .ends_with("/referee-opted-out"),
            "{body}"
        );
    }
}

on_both_databases!(
    opting_out_withdraws_open_requests_in_every_case_and_blocks_new_ones,
    a_second_post_an_old_link_and_an_unknown_one,
    every_email_to_a_referee_carries_one_click_unsubscribe,
    an_old_link_of_an_erased_address_answers_its_page_and_changes_nothing,
);

/// After erasure the reference's address is blank, like every other erased reference's.
/// Its old link must not act on that blank: it would withdraw the erased references still
/// open in other cases, whose referees never got this link.
async fn an_old_link_of_an_erased_address_answers_its_page_and_changes_nothing(app: TestApp) {
    let admin = app.token_for(engine::domain::Role::Admin).await;
    let first = open_case(&app, json!({ "min_responses": 2 })).await;
    let gone = first.add(&app, "gone@client.example", "Client Co").await;
    let kept = first.add(&app, "kept@client.example", "Client Co").await;
    first.launch(&app).await;
    let second = open_case(&app, json!({ "min_responses": 2 })).await;
    let erased_earlier = second.add(&app, "earlier@other.example", "Other Co").await;
    let plain = second.add(&app, "plain@other.example", "Other Co").await;
    second.launch(&app).await;
    let token = app
        .links_sent_to("gone@client.example")
        .pop()
        .expect("the invitation");

    // A reference whose identity was erased while it was still open (as retention left
    // them before a closed case expired its open references): blank address, still open.
    let mut earlier: reference_request::ActiveModel =
        row(&app, id_of(&erased_earlier)).await.into();
    earlier.email = sea_orm::Set(String::new());
    earlier.name = sea_orm::Set(String::new());
    earlier.identity_erased_at = sea_orm::Set(Some(chrono::Utc::now()));
    sea_orm::ActiveModelTrait::update(earlier, app.engine.db())
        .await
        .unwrap();

    let res = app
        .post("/api/v1/privacy/erase", &admin)
        .json(&json!({ "email": "gone@client.example", "reason": "Request of 3 March" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(row(&app, id_of(&gone)).await.email, "");
    let on_the_list = listed(&app).await;

    // The old link still answers: its page, then the POST's "done" page.
    let page = app.fetch(&format!("/u/{token}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("action=\"/u/{token}\"")), "{html}");
    let res = post_empty(&app, &format!("/u/{token}")).await;
    assert_eq!(res.status(), 200);

    // And nothing changed for anyone.
    assert_eq!(row(&app, id_of(&erased_earlier)).await.status, "invited");
    assert_eq!(
        row(&app, id_of(&erased_earlier)).await.withdrawn_reason,
        None
    );
    assert_eq!(row(&app, id_of(&kept)).await.status, "invited");
    assert_eq!(row(&app, id_of(&plain)).await.status, "invited");
    assert_eq!(
        listed(&app).await,
        on_the_list,
        "no blank address is listed"
    );
}
