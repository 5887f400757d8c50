//! How fast the job queue drains on PostgreSQL: 10,000 `Noop` jobs, run by 1 and by 4
//! concurrent workers claiming batches of 50 (`FOR UPDATE SKIP LOCKED`). Enqueueing is
//! not timed; only the draining is. A benchmark, not a test: it asserts nothing beyond
//! "every job ran once", and its figures depend on the machine.
//!
//! ```text
//! cargo run --release -p engine --example bench_queue
//! VOUCH_BENCH_DATABASE_URL=postgres://user:pw@host/postgres cargo run --release …
//! ```
//!
//! It creates a database `vouch_bench_<uuid>` next to the one in the URL (which must
//! allow `CREATE DATABASE`) and drops it at the end, also when the run fails.

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::clock::SystemClock;
use engine::jobs::{Task, enqueue};
use engine::{Engine, EngineError, WorkflowSettings};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use store::entity::job;
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const JOBS: usize = 10_000;
const BATCH: u64 = 50;
const WORKER_COUNTS: [usize; 2] = [1, 4];

type BoxError = Box<dyn Error + Send + Sync>;

struct Run {
    workers: usize,
    elapsed: Duration,
    per_worker: Vec<u64>,
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let admin_url =
        std::env::var("VOUCH_BENCH_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .ok_or("VOUCH_BENCH_DATABASE_URL has no database path")?;
    let name = format!("vouch_bench_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;

    let result = bench(&format!("{base}/{name}")).await;

    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    admin.close().await?;
    let runs = result?;

    println!();
    println!("{JOBS} Noop jobs on PostgreSQL, batches of {BATCH}:");
    println!();
    println!("| workers | seconds | jobs/s | jobs per worker |");
    println!("|--------:|--------:|-------:|-----------------|");
    for run in &runs {
        let seconds = run.elapsed.as_secs_f64();
        let split: Vec<String> = run.per_worker.iter().map(u64::to_string).collect();
        println!(
            "| {:>7} | {:>7.2} | {:>6.0} | {} |",
            run.workers,
            seconds,
            JOBS as f64 / seconds,
            split.join(" / ")
        );
    }
    Ok(())
}

async fn bench(url: &str) -> Result<Vec<Run>, BoxError> {
    let db = engine::db::connect(url).await?;
    engine::db::migrate(&db).await?;
    let mail_dir = tempfile::tempdir()?;
    let mail = mailer::Mailer::from_settings(
        &mailer::MailSettings {
            dir: mail_dir.path().to_owned(),
            ..Default::default()
        },
        "http://vouch.test",
    )?;
    let engine = Engine::new(
        db,
        WorkflowSettings::default(),
        Arc::new(SystemClock),
        Arc::new(mail),
    );

    let mut runs = Vec::new();
    for workers in WORKER_COUNTS {
        // Each run starts from the same empty, freshly analysed table.
        engine.db().execute_unprepared("TRUNCATE jobs").await?;
        enqueue_noops(&engine).await?;
        engine
            .db()
            .execute_unprepared("VACUUM ANALYZE jobs")
            .await?;

        let started = Instant::now();
        let per_worker = drain(&engine, workers).await?;
        let elapsed = started.elapsed();

        let done = job::Entity::find()
            .filter(job::Column::Status.eq("done"))
            .filter(job::Column::Attempts.eq(1))
            .count(engine.db())
            .await?;
        let ran: u64 = per_worker.iter().sum();
        if done != JOBS as u64 || ran != JOBS as u64 {
            return Err(format!(
                "{workers} workers: {ran} jobs run, {done} of {JOBS} done on the first attempt"
            )
            .into());
        }
        runs.push(Run {
            workers,
            elapsed,
            per_worker,
        });
    }
    Ok(runs)
}

async fn enqueue_noops(engine: &Engine) -> Result<(), EngineError> {
    let now = engine.now();
    let txn = engine.db().begin().await?;
    for _ in 0..JOBS {
        enqueue(&txn, &Task::Noop, now, now, 8).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Runs `workers` concurrent claim-and-run loops until each finds the queue empty, and
/// returns how many jobs each ran.
async fn drain(engine: &Engine, workers: usize) -> Result<Vec<u64>, BoxError> {
    let tasks: Vec<_> = (0..workers)
        .map(|i| {
            let engine = engine.clone();
            tokio::spawn(async move {
                let name = format!("bench-{i}");
                let mut ran = 0;
                loop {
                    let round = engine.run_due_jobs(&name, BATCH).await?;
                    if round.jobs_run == 0 {
                        return Ok::<_, EngineError>(ran);
                    }
                    ran += round.jobs_run;
                }
            })
        })
        .collect();
    let mut per_worker = Vec::with_capacity(workers);
    for task in tasks {
        per_worker.push(task.await??);
    }
    Ok(per_worker)
}
