//! Evidence you can trust (API.md "Evidence"): one vote per client organisation, where
//! each reference came from, the provider's self-assessment, and the fraud signals that
//! come with them, over HTTP on both databases.

mod fraud;
mod organisations;
mod provenance;
mod self_assessment;

use chrono::Duration;
use engine::domain::Role;
use engine::questionnaire::{default_questions, self_assessment_questions};
use serde_json::{Value, json};
use testkit::{TestApp, TestConfig};

use crate::helpers::LIKERT_KEYS;

/// The provider's contact (testkit's provider), who gets the nomination and
/// self-assessment links.
pub const CONTACT: &str = "pat@ledger.example";

/// Questions where agreeing is bad: answered 6 − level so every rating counts as `level`.
const REVERSED: [&str; 2] = ["dedication_minimum", "scope_surprises"];

/// Tests that tell referees apart by address trust the loopback proxy's X-Forwarded-For.
pub fn behind_proxy() -> TestConfig {
    TestConfig {
        trusted_proxies: vec!["127.0.0.1".into()],
        ..TestConfig::default()
    }
}

/// A case owned by a fresh ops user, with the given quorum, and the tokens to use it.
pub struct Case {
    pub id: String,
    pub ops: String,
    pub hr: String,
}

pub async fn open_case(app: &TestApp, body: Value) -> Case {
    let ops = app.token_for(Role::Ops).await;
    let hr = app.token_for(Role::Hr).await;
    let provider = app.create_provider(&ops).await;
    let mut body = body;
    body["provider_id"] = provider["id"].clone();
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "create case");
    let case: Value = res.json().await.unwrap();
    Case {
        id: case["id"].as_str().unwrap().to_owned(),
        ops,
        hr,
    }
}

impl Case {
    /// Adds a referee found by staff; returns the reference JSON.
    pub async fn add(&self, app: &TestApp, email: &str, company: &str) -> Value {
        let res = app
            .post(&format!("/api/v1/cases/{}/references", self.id), &self.ops)
            .json(&json!({
                "name": format!("Referee {email}"),
                "email": email,
                "company": company,
                "relationship": "client since 2022",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "add {email}");
        res.json().await.unwrap()
    }

    /// Asks the provider to nominate `people` (email, company) and submits them through
    /// its link from `ip`; returns the case JSON afterwards.
    pub async fn nominate(&self, app: &TestApp, people: &[(&str, &str)], ip: &str) -> Value {
        let res = app
            .post(&format!("/api/v1/cases/{}/nominate", self.id), &self.ops)
            .json(&json!({ "count": people.len() }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "nominate");
        app.engine.run_until_idle().await.unwrap();
        let token = app
            .tokens_sent_to(CONTACT, "/n/")
            .pop()
            .expect("a nomination link");
        let mut form: Vec<(String, String)> = vec![("confirm".into(), "on".into())];
        for (i, (email, company)) in people.iter().enumerate() {
            let n = i + 1;
            form.push((format!("name_{n}"), format!("Nominee {email}")));
            form.push((format!("email_{n}"), (*email).to_owned()));
            form.push((format!("company_{n}"), (*company).to_owned()));
            form.push((format!("relationship_{n}"), "client".into()));
        }
        let res = app
            .client
            .post(app.url(&format!("/n/{token}")))
            .header("x-forwarded-for", ip)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "nominations accepted");
        self.get(app).await
    }

    /// Adds a referee found by staff who reads `locale`; returns the reference JSON.
    pub async fn add_in(&self, app: &TestApp, email: &str, company: &str, locale: &str) -> Value {
        let res = app
            .post(&format!("/api/v1/cases/{}/references", self.id), &self.ops)
            .json(&json!({
                "name": format!("Referee {email}"),
                "email": email,
                "company": company,
                "relationship": "client since 2022",
                "locale": locale,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "add {email} in {locale}");
        res.json().await.unwrap()
    }

    /// Stops collecting early (200): the case goes to review and its report is released.
    pub async fn close(&self, app: &TestApp) {
        let res = app
            .post(&format!("/api/v1/cases/{}/close", self.id), &self.ops)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "close");
    }

    /// HR records `outcome` (200).
    pub async fn decide(&self, app: &TestApp, outcome: &str) {
        let res = app
            .post(&format!("/api/v1/cases/{}/decision", self.id), &self.hr)
            .json(&json!({ "outcome": outcome, "rationale": "Read the report." }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "decision");
    }

    pub async fn launch(&self, app: &TestApp) {
        let res = app
            .post(&format!("/api/v1/cases/{}/launch", self.id), &self.ops)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "launch");
        app.engine.run_until_idle().await.unwrap();
    }

    pub async fn get(&self, app: &TestApp) -> Value {
        app.get(&format!("/api/v1/cases/{}", self.id), &self.ops)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn report(&self, app: &TestApp) -> Value {
        let res = app
            .get(&format!("/api/v1/cases/{}/report", self.id), &self.hr)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }
}

/// A complete submission where every rating counts as `level`.
pub fn answers(level: u8) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|k| {
            let v = if REVERSED.contains(k) {
                6 - level
            } else {
                level
            };
            (format!("q_{k}"), v.to_string())
        })
        .collect();
    f.push(("q_rehire".into(), "yes".into()));
    f.push(("consent".into(), "on".into()));
    f.push(("action".into(), "submit".into()));
    f
}

/// The referee at `email` opens their link, takes five minutes, and submits every rating
/// as `level` from `ip`.
pub async fn answer(app: &TestApp, email: &str, level: u8, ip: &str) {
    let link = app.links_sent_to(email).pop().expect("an invitation");
    let res = app.fetch(&format!("/r/{link}")).await;
    assert_eq!(res.status(), 200);
    app.clock.advance(Duration::minutes(5));
    post_answers(app, &link, level, ip).await;
}

/// Like [`answer`], with the strength `comment` written too; then the job queue runs.
pub async fn answer_with_comment(app: &TestApp, email: &str, level: u8, ip: &str, comment: &str) {
    let link = app.links_sent_to(email).pop().expect("an invitation");
    assert_eq!(app.fetch(&format!("/r/{link}")).await.status(), 200);
    app.clock.advance(Duration::minutes(5));
    let mut form = answers(level);
    form.push(("q_strengths".into(), comment.to_owned()));
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .header("x-forwarded-for", ip)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "submission accepted");
    app.engine.run_until_idle().await.unwrap();
}

/// Posts a complete submission to a referee link from `ip`, without loading the form.
pub async fn post_answers(app: &TestApp, link: &str, level: u8, ip: &str) {
    let res = app
        .client
        .post(app.url(&format!("/r/{link}")))
        .header("x-forwarded-for", ip)
        .form(&answers(level))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "submission accepted");
}

/// The kinds of the report's flags.
pub fn flag_kinds(report: &Value) -> Vec<String> {
    report["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The dimension `key` of a report.
pub fn dimension<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .unwrap_or_else(|| panic!("no dimension {key}"))
}

/// Every statement rated so it counts as `level`, with consent, as the form posts it.
pub fn self_view(level: u8) -> Vec<(String, String)> {
    let questions = self_assessment_questions(&default_questions());
    let mut form: Vec<(String, String)> = questions
        .iter()
        .map(|q| {
            let v = if q.reverse_scored { 6 - level } else { level };
            (format!("q_{}", q.key), v.to_string())
        })
        .collect();
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    form
}

pub async fn request(app: &TestApp, case: &Case) -> reqwest::Response {
    app.post(
        &format!("/api/v1/cases/{}/self-assessment", case.id),
        &case.ops,
    )
    .send()
    .await
    .unwrap()
}

/// Requests a self-assessment (202) and returns the token of the link emailed for it.
pub async fn requested_link(app: &TestApp, case: &Case) -> String {
    let res = request(app, case).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["self_assessment"], "requested");
    app.engine.run_until_idle().await.unwrap();
    app.tokens_sent_to(CONTACT, "/s/")
        .pop()
        .expect("a self-assessment link to the provider's contact")
}
