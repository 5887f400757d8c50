//! The durable job queue under pressure: concurrent workers claim each job exactly once, a
//! stopping worker finishes what it holds and claims no more, and a dead worker's jobs are
//! taken over once (and only once) their lease runs out. Jobs are `Noop`, so what is measured is
//! the queue itself. Time moves only when a test moves it; nothing here sleeps.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use engine::clock::Clock;
use engine::jobs::{OwnerNotice, Task, Worker, WorkerReport, enqueue};
use engine::{Engine, EngineError, WorkflowSettings};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionTrait};
use store::entity::job;
use testkit::{Backend, TestApp, TestDb};
use tokio::sync::watch;

use crate::on_both_databases;

on_both_databases!(
    due_jobs_are_claimed_oldest_first,
    a_running_job_is_taken_over_only_once_its_lease_has_run_out,
    a_bounce_is_queued_once_per_bounced_invitation,
);

/// The owner hears of each bounced invitation once: the same bounce queued again (its
/// job retried, another reason from the server) is the same job; the next invitation's
/// bounce is a new one. (The key once held a fresh UUID, so every enqueue was new.)
async fn a_bounce_is_queued_once_per_bounced_invitation(app: TestApp) {
    let db = app.engine.db();
    let now = app.engine.now();
    let (case_id, reference_id) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for (generation, reason) in [
        (1, "550 no such user"),
        (1, "550 mailbox unavailable"),
        (2, "550 no such user"),
    ] {
        let task = Task::NotifyOwner {
            case_id,
            notice: OwnerNotice::Bounce {
                reference_id,
                reason: reason.into(),
                generation: Some(generation),
            },
        };
        enqueue(db, &task, now, now, 8).await.expect("enqueue");
    }
    let jobs = job::Entity::find().all(db).await.expect("jobs");
    let mut keys: Vec<String> = jobs.into_iter().filter_map(|j| j.dedupe_key).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            format!("notify:{case_id}:bounce:{reference_id}:1"),
            format!("notify:{case_id}:bounce:{reference_id}:2"),
        ]
    );
}

/// Fair order: a batch takes the jobs that have waited longest, so a burst of new work (a
/// quarterly review launching thousands of invitations) queues behind what was due before
/// it, whatever its kind, and nothing due is passed over for something due later.
async fn due_jobs_are_claimed_oldest_first(app: TestApp) {
    let db = app.engine.db();
    let now = app.engine.now();
    // Enqueued newest first, so that insertion order cannot pass for age.
    for minutes in (1..=12).rev() {
        let due = now - Duration::minutes(minutes);
        enqueue(db, &Task::Noop, due, now, 8)
            .await
            .expect("enqueue");
    }
    enqueue(db, &Task::Noop, now + Duration::minutes(1), now, 8)
        .await
        .expect("enqueue");
    let report = app.engine.run_due_jobs("fair", 4).await.expect("run");
    assert_eq!(report.jobs_run, 4);
    let mut rows = job::Entity::find().all(db).await.expect("jobs");
    rows.sort_by_key(|j| j.run_at);
    let statuses: Vec<&str> = rows.iter().map(|j| j.status.as_str()).collect();
    assert_eq!(
        statuses,
        [
            "done", "done", "done", "done", "queued", "queued", "queued", "queued", "queued",
            "queued", "queued", "queued", "queued"
        ],
        "the four oldest ran; the one not yet due waits"
    );
}

/// Adds `n` `Noop` jobs, due now, in one transaction.
async fn enqueue_noops(engine: &Engine, n: usize) {
    let now = engine.now();
    let txn = engine.db().begin().await.expect("begin");
    for _ in 0..n {
        enqueue(&txn, &Task::Noop, now, now, 8)
            .await
            .expect("enqueue");
    }
    txn.commit().await.expect("commit");
}

/// How many jobs are in each (status, attempts) pair: one assertion shows the whole queue.
async fn census(db: &impl ConnectionTrait) -> BTreeMap<(String, i32), usize> {
    let mut counts = BTreeMap::new();
    for row in job::Entity::find().all(db).await.expect("jobs") {
        *counts
            .entry((row.status.to_string(), row.attempts))
            .or_default() += 1;
    }
    counts
}

fn entry(status: &str, attempts: i32, count: usize) -> ((String, i32), usize) {
    ((status.to_owned(), attempts), count)
}

// --- 1. Concurrent workers -------------------------------------------------------------

/// Four workers drain the same queue at once, each claiming batches of ten until a round
/// finds nothing. On PostgreSQL the claims race through `FOR UPDATE SKIP LOCKED`; on
/// SQLite they queue up behind the single writer. Either way each job runs exactly once.
async fn four_workers_run_each_of_a_thousand_jobs_exactly_once(app: TestApp) {
    const JOBS: usize = 1_000;
    enqueue_noops(&app.engine, JOBS).await;

    let workers: Vec<_> = (0..4)
        .map(|i| {
            let engine = app.engine.clone();
            tokio::spawn(async move {
                let name = format!("worker-{i}");
                let mut total = WorkerReport::default();
                loop {
                    let round = engine.run_due_jobs(&name, 10).await?;
                    total.jobs_run += round.jobs_run;
                    if round.jobs_run == 0 {
                        return Ok::<_, EngineError>(total);
                    }
                }
            })
        })
        .collect();
    let mut reports = Vec::new();
    for worker in workers {
        let report = worker.await.expect("worker task panicked");
        reports.push(report.unwrap_or_else(|e| panic!("a worker failed: {e:?}")));
    }

    let run: u64 = reports.iter().map(|r| r.jobs_run).sum();
    assert_eq!(run, JOBS as u64, "jobs run per worker: {reports:?}");
    // Every row done after exactly one claim: no job was claimed twice, none was lost.
    assert_eq!(
        census(app.engine.db()).await,
        BTreeMap::from([entry("done", 1, JOBS)])
    );
}

mod four_workers_run_each_of_a_thousand_jobs_exactly_once {
    use testkit::{Backend, TestApp};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
        super::four_workers_run_each_of_a_thousand_jobs_exactly_once(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        if let Some(app) = TestApp::spawn(Backend::Postgres).await {
            super::four_workers_run_each_of_a_thousand_jobs_exactly_once(app).await;
        }
    }
}

// --- 2. Graceful stop --------------------------------------------------------------------

/// A clock that pulls the stop lever the `trip_at`-th time the engine asks it the time.
/// The engine reads the clock when it claims a batch and again as each job finishes, so a
/// small `trip_at` stops a worker while its first batch runs, deterministically, where a
/// stop sent from the test would race the worker.
struct StopOnRead {
    now: DateTime<Utc>,
    reads: AtomicUsize,
    trip_at: usize,
    stop: watch::Sender<bool>,
}

impl Clock for StopOnRead {
    fn now(&self) -> DateTime<Utc> {
        if self.reads.fetch_add(1, Ordering::SeqCst) + 1 == self.trip_at {
            self.stop.send_replace(true);
        }
        self.now
    }
}

/// An engine on a fresh database of `backend` with `clock`. The mailer writes to a
/// temporary folder (no job here sends mail). `None` when PostgreSQL is not available.
async fn engine_with_clock(
    backend: Backend,
    clock: Arc<dyn Clock>,
) -> Option<(Engine, TestDb, tempfile::TempDir)> {
    let db = TestDb::new(backend).await?;
    let conn = engine::db::connect(&db.url).await.expect("connect");
    engine::db::migrate(&conn).await.expect("migrate");
    let mail_dir = tempfile::tempdir().expect("temp dir");
    let mail = mailer::Mailer::from_settings(
        &mailer::MailSettings {
            dir: mail_dir.path().to_owned(),
            ..Default::default()
        },
        testkit::PUBLIC_URL,
    )
    .expect("mail settings");
    let engine = Engine::new(conn, WorkflowSettings::default(), clock, Arc::new(mail));
    Some((engine, db, mail_dir))
}

async fn stopped_worker_finishes_the_jobs_in_hand_and_claims_no_more(backend: Backend) {
    // More than one claim's worth: the first claim takes one job per slot.
    let jobs = WorkflowSettings::default().concurrency * 2 - 7;
    let (stop_tx, stop_rx) = watch::channel(false);
    let clock = Arc::new(StopOnRead {
        now: Utc::now(),
        reads: AtomicUsize::new(0),
        trip_at: 4,
        stop: stop_tx,
    });
    let Some((engine, _db, _mail)) = engine_with_clock(backend, clock.clone()).await else {
        return;
    };
    enqueue_noops(&engine, jobs).await;
    let reads_before_worker = clock.reads.load(Ordering::SeqCst);
    assert!(
        reads_before_worker < clock.trip_at,
        "the stop tripped early"
    );

    // Returns only because the worker stopped; the queue still holds jobs.
    let report = Worker::new(engine.clone(), "stopping", stop_rx).run().await;

    // The first batch (one per slot) was in hand when the stop came: all of it finished.
    assert_eq!(
        report.jobs_run as usize,
        WorkflowSettings::default().concurrency,
        "{report:?}"
    );
    let left = jobs - report.jobs_run as usize;
    assert!(left > 0, "{report:?}");
    // Nothing left `running`, and nothing more was claimed: the rest is queued, untouched.
    assert_eq!(
        census(engine.db()).await,
        BTreeMap::from([
            entry("done", 1, report.jobs_run as usize),
            entry("queued", 0, left),
        ])
    );
    let queued = job::Entity::find().all(engine.db()).await.expect("jobs");
    assert!(
        queued
            .iter()
            .filter(|j| j.status == "queued")
            .all(|j| j.locked_by.is_none() && j.lease_until.is_none()),
        "a queued job carries a claim"
    );

    // Another worker picks up what was handed back, each job on its first attempt.
    assert_eq!(engine.run_until_idle().await.expect("run"), left as u64);
    assert_eq!(
        census(engine.db()).await,
        BTreeMap::from([entry("done", 1, jobs)])
    );
}

mod stopped_worker_finishes_the_jobs_in_hand_and_claims_no_more {
    use testkit::Backend;

    #[tokio::test]
    async fn sqlite() {
        super::stopped_worker_finishes_the_jobs_in_hand_and_claims_no_more(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        super::stopped_worker_finishes_the_jobs_in_hand_and_claims_no_more(Backend::Postgres).await;
    }
}

// --- 3. Lease takeover -------------------------------------------------------------------

/// Marks `row` as claimed by `worker` (one attempt used) with a lease until `lease_until`:
/// what a worker that crashed mid-job leaves behind.
async fn claimed_by(
    db: &impl ConnectionTrait,
    row: job::Model,
    worker: &str,
    lease_until: DateTime<Utc>,
) -> uuid::Uuid {
    let id = row.id;
    let mut active: job::ActiveModel = row.into();
    active.status = Set(engine::domain::JobStatus::Running);
    active.attempts = Set(1);
    active.locked_by = Set(Some(worker.to_owned()));
    active.lease_until = Set(Some(lease_until));
    active.update(db).await.expect("claim job");
    id
}

async fn a_running_job_is_taken_over_only_once_its_lease_has_run_out(app: TestApp) {
    let db = app.engine.db();
    enqueue_noops(&app.engine, 2).await;
    let rows = job::Entity::find().all(db).await.unwrap();
    let [first, second]: [job::Model; 2] = rows.try_into().unwrap();
    let now = app.engine.now();
    let crashed = claimed_by(db, first, "dead-worker", now + Duration::seconds(30)).await;
    let busy = claimed_by(db, second, "slow-worker", now + Duration::minutes(5)).await;

    // Both leases still hold: nobody touches either job.
    assert_eq!(app.engine.run_until_idle().await.unwrap(), 0);
    assert_eq!(census(db).await, BTreeMap::from([entry("running", 1, 2)]));

    // The dead worker's lease has run out; the slow worker's has not.
    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.engine.run_until_idle().await.unwrap(), 1);
    let taken = job::Entity::find_by_id(crashed)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.status, "done");
    assert_eq!(taken.attempts, 2, "the takeover counts as an attempt");
    assert_eq!((taken.locked_by, taken.lease_until), (None, None));
    let untouched = job::Entity::find_by_id(busy)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(untouched.status, "running");
    assert_eq!(untouched.attempts, 1);
    assert_eq!(untouched.locked_by.as_deref(), Some("slow-worker"));
    assert_eq!(untouched.lease_until, Some(now + Duration::minutes(5)));

    // Once that lease runs out too, the job is taken over like the first.
    app.clock.advance(Duration::minutes(5));
    assert_eq!(app.engine.run_until_idle().await.unwrap(), 1);
    assert_eq!(census(db).await, BTreeMap::from([entry("done", 2, 2)]));
}
