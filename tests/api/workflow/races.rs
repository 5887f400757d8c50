//! Races on one reference: a referee's submission against a withdrawal, and a resend
//! against a reminder of the generation it supersedes. The racing scenarios repeat on a
//! fresh case each round, the two sides started together at a barrier on a
//! multi-threaded runtime: on PostgreSQL they really run at once (and queue on the case
//! and reference locks), on SQLite they queue behind the single writer.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;
use engine::EngineError;
use engine::audit::Actor;
use engine::credentials::token_hash;
use engine::domain::{ReferenceStatus, ResponseStatus, State};
use engine::workflow::SubmissionMeta;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::entity::{reference_token, response};
use testkit::TestApp;
use tokio::sync::Barrier;
use uuid::Uuid;

use super::{jobs_of_kind, reference_row, subjects_to};
use crate::fixtures::{self, CaseWithReferees};
use crate::helpers::LIKERT_KEYS;
use crate::on_both_databases;

/// Like `on_both_databases!`, on a multi-threaded runtime, so that the two sides of a race
/// run in parallel.
macro_rules! racing_on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    let app = testkit::TestApp::spawn(testkit::Backend::Sqlite).await.unwrap();
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if let Some(app) = testkit::TestApp::spawn(testkit::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

racing_on_both_databases!(
    a_submission_racing_a_withdrawal_ends_withdrawn_or_completed_never_both,
    a_resend_racing_a_reminder_leaves_only_the_new_link_live,
    two_admins_demoting_each_other_at_once_leave_one_admin,
);

on_both_databases!(
    a_reminder_of_a_superseded_generation_mints_no_live_link,
    an_upgrade_takes_the_generation_of_a_queued_resend,
);

const ROUNDS: usize = 25;

/// A launched case of its own with one referee, `Referee {n}`, whose address no other
/// round uses (so each round's emails are its own, and no address meets the fatigue
/// limit); its invitation is delivered.
async fn launched_case_for(app: &TestApp, n: usize) -> CaseWithReferees {
    let mut s = fixtures::case_with_referees(app, 0, None).await;
    s.references
        .push(app.add_reference(&s.ops, &s.id.to_string(), n).await);
    s.launch(app).await;
    app.engine.run_until_idle().await.unwrap();
    s
}

/// A complete submission of the default questionnaire, as `submit_response` takes it.
fn answers() -> Vec<(String, String)> {
    let mut a: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|k| ((*k).to_owned(), "4".to_owned()))
        .collect();
    a.push(("rehire".into(), "yes".into()));
    a.push(("strengths".into(), "Always on time".into()));
    a
}

/// The same, as the referee's HTML form posts it.
fn form() -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = answers()
        .into_iter()
        .map(|(k, v)| (format!("q_{k}"), v))
        .collect();
    f.push(("consent".into(), "on".into()));
    f.push(("action".into(), "submit".into()));
    f
}

/// The hashes of the links of a reference that still work.
async fn live_token_hashes(app: &TestApp, reference_id: Uuid) -> BTreeSet<String> {
    reference_token::Entity::find()
        .filter(reference_token::Column::ReferenceId.eq(reference_id))
        .filter(reference_token::Column::RevokedAt.is_null())
        .all(app.engine.db())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.token_hash)
        .collect()
}

fn hashes(links: &[&String]) -> BTreeSet<String> {
    links.iter().map(|l| token_hash(l)).collect()
}

/// What became of the referee's submission.
enum Submission {
    Accepted,
    /// Refused as too late: the engine's `InvalidState`, or the form's 404 / 409.
    Refused(String),
}

/// Ops withdraw the referee while the referee submits, through the engine on even rounds
/// and through the HTML form on odd ones. Exactly one wins: either the reference is
/// withdrawn and no submitted response exists (the report counts none), or it is
/// completed with its response and the withdrawal was refused as an illegal transition.
async fn a_submission_racing_a_withdrawal_ends_withdrawn_or_completed_never_both(app: TestApp) {
    let mut withdrawn_rounds = 0;
    let mut completed_rounds = 0;
    for round in 0..ROUNDS {
        let s = launched_case_for(&app, round + 1).await;
        let id = s.reference_id(0);
        let links = app.links_sent_to(&s.email(0));
        assert_eq!(links.len(), 1, "round {round}: one invitation");
        let via_form = round % 2 == 1;
        if via_form {
            // Opened first, as a referee filling in the form would have.
            assert_eq!(app.fetch(&format!("/r/{}", links[0])).await.status(), 200);
        }
        let barrier = Arc::new(Barrier::new(2));
        let withdraw = {
            let (engine, barrier) = (app.engine.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                engine.cases().withdraw_reference(id, &Actor::System).await
            })
        };
        let submit = {
            let (engine, barrier) = (app.engine.clone(), barrier.clone());
            let (client, url) = (app.client.clone(), app.url(&format!("/r/{}", links[0])));
            tokio::spawn(async move {
                barrier.wait().await;
                if via_form {
                    let res = client.post(url).form(&form()).send().await.unwrap();
                    match res.status().as_u16() {
                        303 => Submission::Accepted,
                        code @ (404 | 409) => Submission::Refused(format!("HTTP {code}")),
                        code => panic!("the form answered {code}"),
                    }
                } else {
                    let meta = SubmissionMeta {
                        client_ip: Some("192.0.2.1".into()),
                        user_agent: None,
                        locale: None,
                    };
                    match engine.cases().submit_response(id, answers(), meta).await {
                        Ok(_) => Submission::Accepted,
                        Err(e @ EngineError::InvalidState { .. }) => {
                            Submission::Refused(e.to_string())
                        }
                        Err(e) => panic!("submission failed: {e:?}"),
                    }
                }
            })
        };
        let withdrawal = withdraw.await.expect("withdraw task");
        let submission = submit.await.expect("submit task");

        let row = reference_row(&app, &s.references[0]).await;
        let submitted = response::Entity::find()
            .filter(response::Column::ReferenceId.eq(id))
            .filter(response::Column::Status.eq(ResponseStatus::Submitted))
            .all(app.engine.db())
            .await
            .unwrap()
            .len();
        let report = app.engine.reports().case_report(s.id).await.unwrap();
        let submission_seen = match &submission {
            Submission::Accepted => "accepted".to_owned(),
            Submission::Refused(why) => format!("refused ({why})"),
        };
        let seen = format!(
            "round {round} (form: {via_form}): {:?}, withdraw {withdrawal:?}, submission {submission_seen}, {submitted} submitted, report counts {}",
            row.status, report.responses
        );
        match row.status {
            ReferenceStatus::Withdrawn => {
                withdrawn_rounds += 1;
                assert!(withdrawal.is_ok(), "{seen}");
                assert!(matches!(submission, Submission::Refused(_)), "{seen}");
                assert_eq!(submitted, 0, "{seen}");
                assert_eq!(report.responses, 0, "{seen}");
            }
            ReferenceStatus::Completed => {
                completed_rounds += 1;
                assert!(
                    matches!(
                        withdrawal,
                        Err(EngineError::InvalidState {
                            current: State::Reference(ReferenceStatus::Completed),
                            ..
                        })
                    ),
                    "{seen}"
                );
                assert!(matches!(submission, Submission::Accepted), "{seen}");
                assert_eq!(submitted, 1, "{seen}");
                assert_eq!(report.responses, 1, "{seen}");
            }
            _ => panic!("neither withdrawn nor completed: {seen}"),
        }
    }
    eprintln!("{withdrawn_rounds} rounds withdrawn, {completed_rounds} completed");
}

/// The bug this guards against: a reminder of generation 1 that runs after a resend but
/// before the resent invitation went out still saw `invitations_sent == 1` and minted a
/// live link. Here it is made to run exactly then: it was due (day 3) when ops resent
/// (day 4), and due jobs run oldest first, so it runs before the new invitation.
async fn a_reminder_of_a_superseded_generation_mints_no_live_link(app: TestApp) {
    let s = fixtures::launched_case(&app, 1).await;
    let (id, referee) = (s.reference_id(0), s.email(0));
    let first = app.links_sent_to(&referee).remove(0);

    app.clock.advance(Duration::days(4));
    app.engine
        .cases()
        .resend_reference(id, &Actor::System)
        .await
        .unwrap();
    let row = reference_row(&app, &s.references[0]).await;
    assert_eq!((row.invitations_sent, row.generation), (1, 2));
    app.engine.run_until_idle().await.unwrap();
    let superseded = jobs_of_kind(&app, "send_reminder").await;
    assert!(
        superseded.iter().any(|j| j.payload["generation"] == 1
            && j.payload["sequence"] == 1
            && j.status == "done"),
        "the old reminder ran: {superseded:?}"
    );
    let links = app.links_sent_to(&referee);
    assert_eq!(
        links.len(),
        2,
        "the new invitation, and no reminder of the old one: {:?}",
        subjects_to(&app, &referee)
    );
    assert_eq!(live_token_hashes(&app, id).await, hashes(&[&links[1]]));
    let row = reference_row(&app, &s.references[0]).await;
    assert_eq!((row.invitations_sent, row.generation), (2, 2));

    // Day 7: the old generation's second reminder is superseded too; the new one's first
    // reminder (resend + 3 days) carries a live link of its own.
    app.clock.advance(Duration::days(3));
    app.engine.run_until_idle().await.unwrap();
    let links = app.links_sent_to(&referee);
    assert_eq!(links.len(), 3, "{:?}", subjects_to(&app, &referee));
    assert_eq!(
        live_token_hashes(&app, id).await,
        hashes(&[&links[1], &links[2]])
    );
    assert_eq!(
        reference_row(&app, &s.references[0]).await.reminders_sent,
        1
    );
    assert_eq!(app.fetch(&format!("/r/{first}")).await.status(), 404);
    assert_eq!(app.fetch(&format!("/r/{}", links[2])).await.status(), 200);
}

/// Ops resend while a worker runs the due reminder of the first invitation, on each of
/// `ROUNDS` cases. Whichever commits first, once the queue is drained the only live link
/// is the new invitation's: the reminder either minted its link before the resend (which
/// revoked it) or found itself superseded and minted none.
async fn a_resend_racing_a_reminder_leaves_only_the_new_link_live(app: TestApp) {
    // Launched a second apart, so their first reminders come due in this order.
    let mut cases = Vec::new();
    for round in 0..ROUNDS {
        cases.push(launched_case_for(&app, round + 1).await);
        app.clock.advance(Duration::seconds(1));
    }
    app.clock.advance(Duration::days(3));
    for (round, s) in cases.iter().enumerate() {
        let id = s.reference_id(0);
        let barrier = Arc::new(Barrier::new(2));
        // One side or the other is held back a little, by a different amount each round,
        // so that the race goes both ways.
        let delay = std::time::Duration::from_micros(500 * (round / 2 % 6) as u64);
        let (resend_delay, worker_delay) = if round % 2 == 0 {
            (delay, std::time::Duration::ZERO)
        } else {
            (std::time::Duration::ZERO, delay)
        };
        let resend = {
            let (engine, barrier) = (app.engine.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                tokio::time::sleep(resend_delay).await;
                engine.cases().resend_reference(id, &Actor::System).await
            })
        };
        // The oldest due job, and only that one: this round's reminder.
        let worker = {
            let (engine, barrier) = (app.engine.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                tokio::time::sleep(worker_delay).await;
                engine.run_due_jobs("racer", 1).await
            })
        };
        resend.await.expect("resend task").unwrap();
        let ran = worker.await.expect("worker task").unwrap();
        assert_eq!(ran.jobs_run, 1, "round {round}");
    }
    // The new invitations go out.
    app.engine.run_until_idle().await.unwrap();

    let mut reminded_first = 0;
    for (round, s) in cases.iter().enumerate() {
        let (id, referee) = (s.reference_id(0), s.email(0));
        let links = app.links_sent_to(&referee);
        let subjects = subjects_to(&app, &referee);
        match links.len() {
            2 => {}
            3 => reminded_first += 1,
            _ => panic!("round {round}: {subjects:?}"),
        }
        assert_eq!(
            live_token_hashes(&app, id).await,
            hashes(&[links.last().unwrap()]),
            "round {round}: only the new invitation's link works ({subjects:?})"
        );
        let row = reference_row(&app, &s.references[0]).await;
        assert_eq!(
            (row.invitations_sent, row.generation),
            (2, 2),
            "round {round}"
        );
        assert_eq!(app.fetch(&format!("/r/{}", links[0])).await.status(), 404);
    }
    eprintln!("the old reminder went out before the resend in {reminded_first} of {ROUNDS} rounds");
}

/// A database upgraded while a resend was still queued: the migration that adds
/// `generation` takes it from the queued invitation, so the reminders of the link the
/// resend replaced are superseded; a reference without one starts at what it was sent.
async fn an_upgrade_takes_the_generation_of_a_queued_resend(app: TestApp) {
    use migration::MigratorTrait;
    let s = fixtures::launched_case(&app, 2).await;
    // Day 4: the first reminders (day 3) are due, and ops resend to the first referee.
    app.clock.advance(Duration::days(4));
    app.engine
        .cases()
        .resend_reference(s.reference_id(0), &Actor::System)
        .await
        .unwrap();
    // Back to the schema before the column, and up again.
    let migrations = migration::Migrator::migrations();
    let added = migrations
        .iter()
        .position(|m| m.name() == "m20261128_000001_invitation_generation")
        .expect("the migration adding `generation`");
    let db = app.engine.db();
    migration::Migrator::down(db, Some((migrations.len() - added) as u32))
        .await
        .unwrap();
    engine::db::migrate(db).await.unwrap();
    let resent = reference_row(&app, &s.references[0]).await;
    assert_eq!((resent.invitations_sent, resent.generation), (1, 2));
    let untouched = reference_row(&app, &s.references[1]).await;
    assert_eq!((untouched.invitations_sent, untouched.generation), (1, 1));

    // The replaced link's reminder runs before the new invitation, and is superseded;
    // the other referee is reminded.
    app.engine.run_until_idle().await.unwrap();
    let links = app.links_sent_to(&s.email(0));
    assert_eq!(links.len(), 2, "{:?}", subjects_to(&app, &s.email(0)));
    assert_eq!(
        live_token_hashes(&app, s.reference_id(0)).await,
        hashes(&[&links[1]])
    );
    assert_eq!(
        app.links_sent_to(&s.email(1)).len(),
        2,
        "invitation and reminder"
    );
}

/// The last-admin rule under a race: the only two admins demote each other at the same
/// moment. On PostgreSQL both transactions would count two admins and both succeed, leaving
/// nobody to administer Vouch, unless the count locks the admins it counts; then the second
/// waits for the first and refuses. Exactly one demotion succeeds, every round.
async fn two_admins_demoting_each_other_at_once_leave_one_admin(app: TestApp) {
    use engine::domain::Role;
    use engine::users::NewUser;
    let new_admin = |n: usize| {
        let engine = app.engine.clone();
        async move {
            engine
                .create_user(NewUser {
                    email: &format!("admin-{n}@example.com"),
                    name: &format!("Admin {n}"),
                    role: Role::Admin,
                    password: None,
                })
                .await
                .unwrap()
        }
    };
    let mut survivor = new_admin(0).await;
    for round in 0..ROUNDS {
        // The only two admins: the one left by the round before, and a new one.
        let admins = [survivor.clone(), new_admin(round + 1).await];
        let barrier = Arc::new(Barrier::new(2));
        let sides: Vec<_> = [(0, 1), (1, 0)]
            .into_iter()
            .map(|(actor, target)| {
                let engine = app.engine.clone();
                let barrier = barrier.clone();
                let actor = Actor::User(admins[actor].id);
                let target = admins[target].id;
                tokio::spawn(async move {
                    barrier.wait().await;
                    engine
                        .accounts()
                        .set_user_role(target, Role::Ops, &actor)
                        .await
                })
            })
            .collect();
        let mut done = 0;
        for (side, (_, target)) in sides.into_iter().zip([(0, 1), (1, 0)]) {
            match side.await.expect("side task") {
                Ok(_) => {
                    done += 1;
                    survivor = admins[1 - target].clone();
                }
                Err(EngineError::Conflict(_)) => {}
                Err(e) => panic!("round {round}: unexpected error {e:?}"),
            }
        }
        assert_eq!(done, 1, "round {round}: exactly one demotion succeeds");
        let left = app
            .engine
            .accounts()
            .list_accounts()
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.user.role == Role::Admin && a.user.active)
            .count();
        assert_eq!(left, 1, "round {round}: one admin is left");
    }
}
