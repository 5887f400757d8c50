//! Job processes killed with SIGKILL in the middle of dispatch, twenty times in a row (one
//! of them a `vouch serve`), then a last worker left to finish: no invitation is lost, and
//! the only duplicates are the messages a killed process had in the 250→commit window.
//!
//! The cases are made and launched in-process (a `TestApp` on its own PostgreSQL database,
//! whose engine never runs a job); the real `vouch` binary does all the sending, into the
//! app's SMTP sink.

use testkit::{Backend, TestApp};

use super::{
    JOBS_AT_ONCE, Vouch, eventually, invitations_not_done, tally, vouch_env, wait_for_more_mail,
};
use crate::fixtures;

const CASES: usize = 4;
const REFEREES_PER_CASE: usize = 25;
const KILLS: usize = 20;
/// Which kill hits a `vouch serve` (its in-process worker) instead of a `vouch worker`.
const SERVE_KILL: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_invitation_is_lost_when_job_processes_are_killed_twenty_times_mid_dispatch() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let mut referees = Vec::new();
    let mut cases = Vec::new();
    for _ in 0..CASES {
        let case = fixtures::case_with_referees(&app, REFEREES_PER_CASE, Some(1)).await;
        referees.extend((0..REFEREES_PER_CASE).map(|i| case.email(i)));
        cases.push(case);
    }
    for case in &cases {
        case.launch(&app).await;
    }
    let env = vouch_env(app.database_url(), app.smtp.port());

    // Each process is killed right after one more invitation reached the sink: often
    // between the server's 250 and the commit that records it.
    let mut in_flight_at_kills = 0;
    for kill in 1..=KILLS {
        let before = app.smtp.messages().len();
        let still_missing = tally(&app.smtp.messages(), &referees).missing.len();
        assert!(
            still_missing > 0,
            "everything was sent after {} kill(s); the test needs more referees to kill \
             {KILLS} processes mid-dispatch",
            kill - 1
        );
        let command = if kill == SERVE_KILL {
            "serve"
        } else {
            "worker"
        };
        let mut process = Vouch::start(command, &env);
        wait_for_more_mail(&app.smtp, before, &mut process).await;
        // A message in the window belongs to a job the process holds.
        in_flight_at_kills += JOBS_AT_ONCE;
        process.kill();
    }

    let reached_by_killed = referees.len() - tally(&app.smtp.messages(), &referees).missing.len();

    // A last worker, left alone, finishes the work (including jobs the killed ones held,
    // once their leases run out).
    let mut last = Vouch::start("worker", &env);
    app.smtp
        .wait_until("an invitation to every referee", |messages| {
            super::per_referee(messages, &referees)
                .values()
                .all(|n| *n > 0)
        })
        .await;
    eventually("every invitation job is done", 300, async || {
        (invitations_not_done(app.engine.db()).await == 0).then_some(())
    })
    .await;
    assert!(last.is_alive(), "{}", last.log_tail());
    last.kill();

    let tally = tally(&app.smtp.messages(), &referees);
    eprintln!(
        "sigkill loop: {} referees ({reached_by_killed} reached by the killed processes), \
         {KILLS} kills, {} duplicate invitation(s), at most {in_flight_at_kills} job(s) in hand \
         at the kills",
        referees.len(),
        tally.duplicates
    );
    assert!(tally.missing.is_empty(), "lost: {:?}", tally.missing);
    assert!(
        tally.duplicates <= in_flight_at_kills,
        "{} duplicate invitation(s) after {KILLS} kills, more than the {in_flight_at_kills} \
         message(s) that could have been in the 250→commit window",
        tally.duplicates
    );
    for case in &cases {
        let body: serde_json::Value = app
            .get(&format!("/api/v1/cases/{}", case.id), &case.ops)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON");
        for reference in body["references"].as_array().expect("references") {
            assert_eq!(reference["status"], "invited", "{reference}");
        }
    }
}
