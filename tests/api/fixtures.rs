//! The one shared fixture of the API tests: a case with referees, made through the staff
//! API by an ops user, optionally launched (invitations delivered) and answered.

use engine::domain::Role;
use engine::workflow::SubmissionMeta;
use serde_json::{Value, json};
use testkit::TestApp;
use uuid::Uuid;

use crate::helpers::LIKERT_KEYS;

/// A case of the provider "Ledger & Co" with referees `Referee 1..=n`
/// (`referee{n}.<case>@client{n}.example`), owned by an ops user.
pub struct CaseWithReferees {
    /// An API token of the ops user who opened the case.
    pub ops: String,
    /// That ops user's email address (the case owner, who gets the staff notices).
    pub owner_email: String,
    pub id: Uuid,
    /// The reference JSON of each referee as the API returned it when added, in order.
    pub references: Vec<Value>,
}

/// A draft case with `referees` referees, not launched. `min_responses` is the quorum;
/// `None` keeps the API's default (3). The deadline is the API's default, 14 days.
pub async fn case_with_referees(
    app: &TestApp,
    referees: usize,
    min_responses: Option<i32>,
) -> CaseWithReferees {
    let ops = app.token_for(Role::Ops).await;
    let me: Value = app
        .get("/api/v1/me", &ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let provider = app.create_provider(&ops).await;
    let mut body = json!({ "provider_id": provider["id"] });
    if let Some(min) = min_responses {
        body["min_responses"] = json!(min);
    }
    let res = app
        .post("/api/v1/cases", &ops)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "create case");
    let case: Value = res.json().await.unwrap();
    let case_id = case["id"].as_str().unwrap();
    let mut references = Vec::new();
    for n in 1..=referees {
        references.push(app.add_reference(&ops, case_id, n).await);
    }
    CaseWithReferees {
        ops,
        owner_email: me["email"].as_str().unwrap().to_owned(),
        id: case_id.parse().unwrap(),
        references,
    }
}

/// A case with `referees` referees (default quorum), launched, with the job queue run
/// until idle: every referee has been sent an invitation.
pub async fn launched_case(app: &TestApp, referees: usize) -> CaseWithReferees {
    deliver(app, case_with_referees(app, referees, None).await).await
}

/// Like [`launched_case`], with a quorum of `min_responses`.
pub async fn launched_case_with_quorum(
    app: &TestApp,
    referees: usize,
    min_responses: i32,
) -> CaseWithReferees {
    deliver(
        app,
        case_with_referees(app, referees, Some(min_responses)).await,
    )
    .await
}

async fn deliver(app: &TestApp, case: CaseWithReferees) -> CaseWithReferees {
    case.launch(app).await;
    app.engine.run_until_idle().await.unwrap();
    case
}

impl CaseWithReferees {
    /// Launches the case through the API (200) and returns the case JSON; the invitations
    /// are queued, not sent.
    pub async fn launch(&self, app: &TestApp) -> Value {
        let res = app
            .post(&format!("/api/v1/cases/{}/launch", self.id), &self.ops)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "launch");
        res.json().await.unwrap()
    }

    /// The id of referee `i` (0-based).
    pub fn reference_id(&self, i: usize) -> Uuid {
        self.references[i]["id"].as_str().unwrap().parse().unwrap()
    }

    /// The email address of referee `i` (0-based).
    pub fn email(&self, i: usize) -> String {
        self.references[i]["email"].as_str().unwrap().to_owned()
    }

    /// The link token of the latest email to each referee, in order.
    pub fn links(&self, app: &TestApp) -> Vec<String> {
        (0..self.references.len())
            .map(|i| {
                app.links_sent_to(&self.email(i))
                    .pop()
                    .expect("an invitation")
            })
            .collect()
    }

    /// Referee `i` (0-based) submits an answer through the engine: every rating `level`,
    /// rehire "yes", a strength "Strength from referee {i}", from the address 192.0.2.{i}.
    /// The job queue is not run.
    pub async fn answer(&self, app: &TestApp, i: usize, level: &str) {
        let mut answers: Vec<(String, String)> = LIKERT_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), level.to_owned()))
            .collect();
        answers.push(("rehire".into(), "yes".into()));
        answers.push(("strengths".into(), format!("Strength from referee {i}")));
        app.engine
            .cases()
            .submit_response(
                self.reference_id(i),
                answers,
                SubmissionMeta {
                    client_ip: Some(format!("192.0.2.{i}")),
                    user_agent: None,
                    locale: None,
                },
            )
            .await
            .unwrap();
    }

    /// Referee `i` answers with `levels[i]` (see [`Self::answer`]) for each given level;
    /// then the job queue runs until idle.
    pub async fn answer_all(&self, app: &TestApp, levels: &[&str]) {
        for (i, level) in levels.iter().enumerate() {
            self.answer(app, i, level).await;
        }
        app.engine.run_until_idle().await.unwrap();
    }
}
