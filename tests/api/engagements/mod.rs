//! After the decision (API.md "Engagements (after the decision)"): the engagement an
//! approval opens, its stakeholders and pulses over HTTP with every role (`api`), what a
//! pulse says against the references' prediction (`results`), the pulses that start by
//! themselves on the test clock (`schedule`), and calibration against hand-computed
//! correlations (`calibration`). This module holds the helpers they share: approved cases
//! with chosen per-dimension answers, stakeholders, pulses and their answers.

use engine::domain::Role;
use engine::questionnaire::{default_questions, pulse_questions};
use engine::workflow::SubmissionMeta;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use store::entity::{audit_event, reference_request};
use testkit::TestApp;
use uuid::Uuid;

use crate::fixtures::{self, CaseWithReferees};

mod api;
mod calibration;
mod partnership;
mod results;
mod schedule;

/// Per-dimension levels of one respondent: the mean (1–5, whole or half) that their
/// counted answers on the dimension should have. A dimension not listed is answered
/// "not observed" throughout.
pub type Levels<'a> = &'a [(&'a str, f64)];

/// The dimensions of the default values profile, in order.
pub const DIMENSIONS: [&str; 8] = [
    "values",
    "dedication",
    "accountability",
    "communication",
    "partnership",
    "confidentiality",
    "scope",
    "expertise",
];

/// The same level on every dimension.
pub fn uniform(level: f64) -> Vec<(&'static str, f64)> {
    DIMENSIONS.iter().map(|d| (*d, level)).collect()
}

/// The 16 ratings that give each dimension of `levels` its per-person mean: every
/// statement rated so that it counts as the level (a reverse-scored one as 6 − level); a
/// half level (3.5) rates the dimension's first two statements 3 and 4 and leaves any
/// other out. Statements of unlisted dimensions are "na".
pub fn ratings(levels: Levels<'_>) -> Vec<(String, String)> {
    let questions = pulse_questions(&default_questions());
    assert_eq!(questions.len(), 16, "the pulse asks the 16 statements");
    let mut seen: Vec<(String, usize)> = Vec::new();
    questions
        .iter()
        .map(|q| {
            let dimension = q.dimension.clone().expect("a scored statement");
            let index = match seen.iter_mut().find(|(d, _)| *d == dimension) {
                Some((_, i)) => {
                    *i += 1;
                    *i
                }
                None => {
                    seen.push((dimension.clone(), 0));
                    0
                }
            };
            let counted = levels
                .iter()
                .find(|(d, _)| *d == dimension)
                .and_then(|(_, level)| {
                    assert!((1.0..=5.0).contains(level), "level {level}");
                    if level.fract() == 0.0 {
                        Some(*level as u8)
                    } else {
                        assert_eq!(level.fract(), 0.5, "whole or half levels");
                        match index {
                            0 => Some(level.floor() as u8),
                            1 => Some(level.ceil() as u8),
                            _ => None,
                        }
                    }
                });
            let raw = match counted {
                Some(v) if q.reverse_scored => (6 - v).to_string(),
                Some(v) => v.to_string(),
                None => "na".to_owned(),
            };
            (q.key.clone(), raw)
        })
        .collect()
}

/// A referee's whole answer: `ratings(levels)` and "yes" to rehire.
pub fn referee_answers(levels: Levels<'_>) -> Vec<(String, String)> {
    let mut answers = ratings(levels);
    answers.push(("rehire".into(), "yes".into()));
    answers
}

/// The HTML form a stakeholder submits on `/r/{token}`: `ratings(levels)` as `q_` fields,
/// consent and action=submit.
pub fn pulse_form(levels: Levels<'_>) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = ratings(levels)
        .into_iter()
        .map(|(k, v)| (format!("q_{k}"), v))
        .collect();
    form.push(("consent".into(), "on".into()));
    form.push(("action".into(), "submit".into()));
    form
}

/// An approved case and the engagement it opened.
pub struct Approved {
    pub case: CaseWithReferees,
    pub engagement_id: Uuid,
}

impl Approved {
    /// The case owner's ops token.
    pub fn ops(&self) -> &str {
        &self.case.ops
    }

    pub fn path(&self, tail: &str) -> String {
        format!("/api/v1/engagements/{}{tail}", self.engagement_id)
    }
}

/// For each entry, a case with one referee per `Levels` (each of its own client
/// organisation, quorum = all of them), launched and answered with those levels through
/// the engine, so that it is in review; done in batches so that the job queue runs only
/// twice whatever the number of cases.
pub async fn in_review(app: &TestApp, cases: &[&[Levels<'_>]]) -> Vec<CaseWithReferees> {
    let mut made = Vec::new();
    for referees in cases {
        let n = referees.len();
        let case = fixtures::case_with_referees(app, n, Some(n as i32)).await;
        case.launch(app).await;
        made.push(case);
    }
    app.engine.run_until_idle().await.unwrap();
    for (case, referees) in made.iter().zip(cases) {
        for (i, levels) in referees.iter().enumerate() {
            submit_through_engine(app, case.reference_id(i), referee_answers(levels)).await;
        }
    }
    app.engine.run_until_idle().await.unwrap();
    made
}

/// [`in_review`], then each case approved by `hr` over HTTP.
pub async fn approve_all(app: &TestApp, hr: &str, cases: &[&[Levels<'_>]]) -> Vec<Approved> {
    let mut out = Vec::new();
    for case in in_review(app, cases).await {
        let decided = decide(app, hr, case.id, "approved").await;
        assert_eq!(decided["status"], "decided");
        let engagement_id = decided["engagement_id"]
            .as_str()
            .expect("an approval opens an engagement")
            .parse()
            .unwrap();
        out.push(Approved {
            case,
            engagement_id,
        });
    }
    out
}

/// One approved case whose referees answered with `referees`, decided by a new HR user.
pub async fn approve(app: &TestApp, referees: &[Levels<'_>]) -> Approved {
    let hr = app.token_for(Role::Hr).await;
    approve_all(app, &hr, &[referees]).await.remove(0)
}

/// Records `outcome` on a case in review over HTTP (200) and returns the case JSON.
pub async fn decide(app: &TestApp, hr: &str, case_id: Uuid, outcome: &str) -> Value {
    let res = app
        .post(&format!("/api/v1/cases/{case_id}/decision"), hr)
        .json(&json!({ "outcome": outcome, "rationale": "Checked the references." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "decision");
    res.json().await.unwrap()
}

/// An address for stakeholder `n` of an engagement, unique to it.
pub fn stakeholder_email(engagement_id: Uuid, n: usize) -> String {
    let id = engagement_id.simple().to_string();
    format!("colleague{n}.{}@buyer.example", &id[id.len() - 12..])
}

/// Adds stakeholder `n` (`Colleague n`, [`stakeholder_email`]) over HTTP (201); returns
/// the address.
pub async fn add_stakeholder(app: &TestApp, token: &str, engagement_id: Uuid, n: usize) -> String {
    let email = stakeholder_email(engagement_id, n);
    let res = app
        .post(
            &format!("/api/v1/engagements/{engagement_id}/stakeholders"),
            token,
        )
        .json(&json!({ "name": format!("Colleague {n}"), "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "add stakeholder");
    email
}

/// Starts a pulse over HTTP (202); returns the id of the new (last) pulse.
pub async fn start_pulse(app: &TestApp, token: &str, engagement_id: Uuid) -> Uuid {
    let res = app
        .post(&format!("/api/v1/engagements/{engagement_id}/pulse"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "start pulse");
    let body: Value = res.json().await.unwrap();
    let pulses = body["pulses"].as_array().unwrap();
    pulses.last().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// GET /api/v1/engagements/{id} (200).
pub async fn engagement(app: &TestApp, token: &str, engagement_id: Uuid) -> Value {
    let res = app
        .get(&format!("/api/v1/engagements/{engagement_id}"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "get engagement");
    res.json().await.unwrap()
}

/// The reference row of the stakeholder `email` in the pulse `pulse_id`.
pub async fn stakeholder_reference(
    app: &TestApp,
    pulse_id: Uuid,
    email: &str,
) -> reference_request::Model {
    reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.eq(pulse_id))
        .filter(reference_request::Column::Email.eq(email))
        .one(app.engine.db())
        .await
        .unwrap()
        .expect("the stakeholder is a reference of the pulse")
}

/// The stakeholder `email` answers the pulse `pulse_id` with `levels` through the engine
/// (the invitation must have been sent). The job queue is not run.
pub async fn stakeholder_answers(app: &TestApp, pulse_id: Uuid, email: &str, levels: Levels<'_>) {
    let reference = stakeholder_reference(app, pulse_id, email).await;
    submit_through_engine(app, reference.id, ratings(levels)).await;
}

/// `answers` submitted for the reference `reference_id` through the engine, with no
/// client details. The job queue is not run.
pub async fn submit_through_engine(
    app: &TestApp,
    reference_id: Uuid,
    answers: Vec<(String, String)>,
) {
    let meta = SubmissionMeta {
        client_ip: None,
        user_agent: None,
        locale: None,
    };
    app.engine
        .cases()
        .submit_response(reference_id, answers, meta)
        .await
        .unwrap();
}

/// The dimension `key` of a pulse JSON.
pub fn dimension<'a>(pulse: &'a Value, key: &str) -> &'a Value {
    pulse["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .unwrap_or_else(|| panic!("no dimension {key} in {pulse}"))
}

/// The audit events of `kind`, oldest first.
pub async fn audit_events(app: &TestApp, kind: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Kind.eq(kind))
        .order_by_asc(audit_event::Column::CreatedAt)
        .order_by_asc(audit_event::Column::Id)
        .all(app.engine.db())
        .await
        .unwrap()
}

/// The decoded subject and plain-text body of each captured email to `to`, in order.
pub fn emails_to(app: &TestApp, to: &str) -> Vec<(String, String)> {
    app.smtp
        .messages()
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == to))
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&m.data)
                .unwrap();
            (
                parsed.subject().unwrap_or_default().to_owned(),
                parsed
                    .body_text(0)
                    .map(|t| t.into_owned())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// Asserts two numbers are within `tolerance`.
#[track_caller]
pub fn close(got: &Value, want: f64, tolerance: f64) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("a number, got {got}"));
    assert!(
        (got - want).abs() <= tolerance,
        "got {got}, want {want} ± {tolerance}"
    );
}
