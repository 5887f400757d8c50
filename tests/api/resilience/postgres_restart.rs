//! `vouch serve` on a PostgreSQL cluster of the test's own, stopped in the middle of
//! dispatching invitations and started again: while it is down, requests fail fast with
//! 503 problem+json and the process lives on; once it is back, readiness returns and every
//! referee gets the invitation, without restarting Vouch.

use std::time::Duration;

use serde_json::{Value, json};
use smtp_sink::SmtpSink;
use testkit::pg_cluster::TempCluster;

use super::{
    JOBS_AT_ONCE, Vouch, eventually, invitations_not_done, ops_token_by_cli, tally, vouch_env,
};

const CASES: usize = 4;
const REFEREES_PER_CASE: usize = 5;
/// The sink holds the invitation after this many, so the database goes down while one is
/// on its way (some but not all delivered, deterministically).
const DELIVERED_BEFORE_THE_OUTAGE: usize = 6;

/// The staff API of a `vouch serve` process, as an ops user.
struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn new(port: u16, token: String) -> Api {
        engine::webhooks::install_crypto_provider();
        Api {
            // A hang fails the request (and the test) instead of blocking it; generous on
            // purpose, since the point is "an answer", not how fast. (It is above today's
            // 10 s pool acquire timeout, so the answer itself is what is checked.)
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .expect("client"),
            base: format!("http://127.0.0.1:{port}"),
            token,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
    }

    /// POSTs `body` (none when `Null`) and returns the JSON answer, which must be a success.
    async fn post(&self, path: &str, body: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let body: Value = res.json().await.expect("JSON");
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }
}

/// What a request answered, in words for a failure message.
async fn describe(
    res: reqwest::Result<reqwest::Response>,
) -> (Option<u16>, Option<String>, String) {
    match res {
        Ok(res) => {
            let status = res.status().as_u16();
            let content_type = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = res.text().await.unwrap_or_default();
            (Some(status), content_type, body)
        }
        Err(e) => (None, None, format!("no answer: {e}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_rides_out_a_postgres_restart_in_the_middle_of_dispatch() {
    let Some(mut cluster) = tokio::task::block_in_place(TempCluster::new) else {
        return;
    };
    let database_url = cluster.url("postgres");
    let sink = SmtpSink::start().await;
    let env = vouch_env(&database_url, sink.port());
    let token = tokio::task::block_in_place(|| ops_token_by_cli(&env));
    let (mut serve, port) = Vouch::serve(&env).await;
    let api = Api::new(port, token);

    // Cases with referees, through the API; nothing is sent before the launch.
    let provider = api
        .post(
            "/api/v1/providers",
            json!({
                "name": "Ledger & Co",
                "category": "accounting",
                "contact_name": "Pat Ledger",
                "contact_email": "pat@ledger.example"
            }),
        )
        .await;
    let mut cases = Vec::new();
    let mut referees = Vec::new();
    for c in 0..CASES {
        let case = api
            .post(
                "/api/v1/cases",
                json!({ "provider_id": provider["id"], "min_responses": 1 }),
            )
            .await;
        let id = case["id"].as_str().unwrap().to_owned();
        for n in 0..REFEREES_PER_CASE {
            let email = format!("referee{n}.case{c}@client{n}.example");
            api.post(
                &format!("/api/v1/cases/{id}/references"),
                json!({
                    "name": format!("Referee {n}"),
                    "email": email,
                    "company": format!("Client {n}"),
                    "relationship": "client since 2021"
                }),
            )
            .await;
            referees.push(email);
        }
        cases.push(id);
    }

    sink.hold_after(DELIVERED_BEFORE_THE_OUTAGE);
    for id in &cases {
        api.post(&format!("/api/v1/cases/{id}/launch"), Value::Null)
            .await;
    }
    // Some invitations are delivered and the next one is on its way, its sender waiting
    // for the server's final answer.
    sink.wait_for(DELIVERED_BEFORE_THE_OUTAGE).await;
    sink.wait_held(1).await;
    // Every message that could be in the 250→commit window when the database goes away
    // belongs to a job in hand: the bound on duplicates below.
    let in_flight = JOBS_AT_ONCE;
    tokio::task::block_in_place(|| cluster.stop());
    // The held invitations now get their 250 while the database is down: their senders
    // cannot record them (the crash window, on purpose).
    let held = sink.release();

    // While the database is down. Answers that only the fail-fast change can give are
    // collected and reported at the end, so that the recovery below is checked either way.
    let mut not_yet = Vec::new();
    let (status, content_type, body) = describe(api.get("/readyz").await).await;
    if status != Some(503) {
        not_yet.push(format!(
            "GET /readyz with the database down: {status:?} {content_type:?} {body}"
        ));
    }
    let (status, content_type, body) =
        describe(api.get(&format!("/api/v1/cases/{}", cases[0])).await).await;
    if status != Some(503) || content_type.as_deref() != Some("application/problem+json") {
        not_yet.push(format!(
            "GET /api/v1/cases/{{id}} with the database down: want 503 \
             application/problem+json, got {status:?} {content_type:?} {body}"
        ));
    }
    assert!(
        serve.is_alive(),
        "`vouch serve` died with its database:\n{}",
        serve.log_tail()
    );

    // The database is back: readiness returns, and so does dispatch, without a restart.
    tokio::task::block_in_place(|| cluster.start());
    eventually(
        "GET /readyz answers 200 after the database is back",
        300,
        async || {
            let res = api.get("/readyz").await.ok()?;
            (res.status() == 200).then_some(())
        },
    )
    .await;
    let messages = sink
        .wait_until("an invitation to every referee", |messages| {
            tally_quietly(messages, &referees) == 0
        })
        .await;
    assert!(messages.len() >= referees.len());
    let db = engine::db::connect(&database_url).await.expect("connect");
    eventually("every invitation job is done", 300, async || {
        (invitations_not_done(&db).await == 0).then_some(())
    })
    .await;
    let tally = tally(&sink.messages(), &referees);
    assert!(
        tally.missing.is_empty(),
        "no invitation for {:?}",
        tally.missing
    );
    eprintln!(
        "postgres restart: {} referees, {} duplicate invitation(s), {held} held at the \
         outage, at most {in_flight} job(s) in hand then",
        referees.len(),
        tally.duplicates
    );
    assert!(
        tally.duplicates <= in_flight,
        "{} duplicate invitation(s), but only {in_flight} could have been in the 250→commit \
         window when the database went down",
        tally.duplicates
    );
    for id in &cases {
        let case: Value = api
            .get(&format!("/api/v1/cases/{id}"))
            .await
            .expect("case")
            .json()
            .await
            .expect("JSON");
        for reference in case["references"].as_array().expect("references") {
            assert_eq!(reference["status"], "invited", "{reference}");
        }
    }
    assert!(serve.is_alive(), "{}", serve.log_tail());

    assert!(
        not_yet.is_empty(),
        "recovery worked, but while the database was down:\n{}\n{}",
        not_yet.join("\n"),
        serve.log_tail()
    );
}

/// How many referees have no message yet.
fn tally_quietly(messages: &[smtp_sink::Captured], referees: &[String]) -> usize {
    super::per_referee(messages, referees)
        .values()
        .filter(|n| **n == 0)
        .count()
}
