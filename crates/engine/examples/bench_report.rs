//! How long building a report takes for a case with 200 completed responses × 20
//! questions, on PostgreSQL: loading plus scoring (`Engine::case_report`), the CSV export,
//! and the pure scoring alone. A benchmark, not a test.
//!
//! ```text
//! cargo run --release -p engine --example bench_report
//! ```
//!
//! Uses `VOUCH_BENCH_DATABASE_URL` (default: local PostgreSQL) to create a database
//! `vouch_bench_<uuid>`, and drops it at the end.

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::audit::Actor;
use engine::cases::{NewCase, NewReference};
use engine::clock::SystemClock;
use engine::domain::Role;
use engine::providers::NewProvider;
use engine::questionnaire::{Question, QuestionKind};
use engine::questionnaires::NewTemplate;
use engine::users::NewUser;
use engine::workflow::SubmissionMeta;
use engine::{Engine, WorkflowSettings};
use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const REFEREES: usize = 200;
const RUNS: u32 = 20;

type BoxError = Box<dyn Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let admin_url =
        std::env::var("VOUCH_BENCH_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .ok_or("no database path in the URL")?;
    let name = format!("vouch_bench_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    let result = bench(&format!("{base}/{name}")).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    result
}

fn twenty_questions() -> Vec<Question> {
    let dims = [
        "values",
        "dedication",
        "accountability",
        "communication",
        "partnership",
        "confidentiality",
        "scope",
        "expertise",
    ];
    let mut qs: Vec<Question> = (0..17)
        .map(|i| Question {
            key: format!("q{i}"),
            prompt: format!("Question {i}"),
            kind: QuestionKind::Likert,
            dimension: Some(dims[i % dims.len()].into()),
            required: true,
            reverse_scored: i % 5 == 4,
            options: Vec::new(),
        })
        .collect();
    for (key, kind) in [
        ("rehire", QuestionKind::YesNo),
        ("strengths", QuestionKind::Text),
        ("concerns", QuestionKind::Text),
    ] {
        qs.push(Question {
            key: key.into(),
            prompt: key.into(),
            kind,
            dimension: None,
            required: false,
            reverse_scored: false,
            options: Vec::new(),
        });
    }
    qs
}

async fn bench(url: &str) -> Result<(), BoxError> {
    let db = engine::db::connect(url).await?;
    engine::db::migrate(&db).await?;
    let mail_dir = tempfile::tempdir()?;
    let mail = mailer::Mailer::from_settings(
        &mailer::MailSettings {
            dir: mail_dir.path().to_owned(),
            ..Default::default()
        },
        "http://bench.invalid",
    )?;
    let settings = WorkflowSettings {
        max_references_per_case: 500,
        ..Default::default()
    };
    let engine = Engine::new(db, settings, Arc::new(SystemClock), Arc::new(mail));
    engine.seed_defaults().await?;

    let owner = engine
        .create_user(NewUser {
            email: "ops@bench.example",
            name: "Bench",
            role: Role::Admin,
            password: None,
        })
        .await?;
    let actor = Actor::User(owner.id);
    let template = engine
        .publish_template(
            NewTemplate {
                template_id: None,
                name: "Twenty".into(),
                description: String::new(),
                questions: twenty_questions(),
            },
            &actor,
        )
        .await?;
    let provider = engine
        .create_provider(
            NewProvider {
                name: "Bench Provider".into(),
                category: "it".into(),
                website: Some("https://provider.bench.example".into()),
                contact_name: "Pat".into(),
                contact_email: "pat@provider.bench.example".into(),
            },
            owner.id,
        )
        .await?;
    let case = engine
        .create_case(
            NewCase {
                provider_id: provider.id,
                title: None,
                template_id: Some(template.id),
                min_responses: Some(3),
                deadline_days: Some(30),
            },
            owner.id,
        )
        .await?;
    let mut ids = Vec::new();
    for i in 0..REFEREES {
        let r = engine
            .add_reference(
                case.id,
                NewReference {
                    name: format!("Referee {i}"),
                    email: format!("r{i}@client{i}.example"),
                    company: format!("Client {i}"),
                    relationship: "client".into(),
                },
                &actor,
            )
            .await?;
        ids.push(r.id);
    }
    engine.launch_case(case.id, &actor).await?;
    engine.run_until_idle().await?;
    let questions = twenty_questions();
    let seed_started = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        // Spread answers so every statistic has real work to do.
        let answers = questions
            .iter()
            .enumerate()
            .map(|(j, q)| {
                let value = match q.kind {
                    QuestionKind::Likert => (1 + (i * 7 + j * 3) % 5).to_string(),
                    QuestionKind::YesNo => ["yes", "no", "unsure"][(i + j) % 3].to_owned(),
                    _ => format!("Comment {i} on {}", q.key),
                };
                (q.key.clone(), value)
            })
            .collect();
        engine
            .submit_response(
                *id,
                answers,
                SubmissionMeta {
                    client_ip: Some(format!("10.0.{}.{}", i / 250, i % 250)),
                    user_agent: None,
                },
            )
            .await?;
    }
    eprintln!(
        "seeded {REFEREES} responses × {} questions in {:.1?}",
        questions.len(),
        seed_started.elapsed()
    );

    let mut report_times = Vec::new();
    let mut csv_times = Vec::new();
    let mut report = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        report = Some(engine.case_report(case.id).await?);
        report_times.push(t.elapsed());
        let t = Instant::now();
        let csv = engine.case_report_csv(case.id).await?;
        csv_times.push(t.elapsed());
        assert!(csv.lines().count() > REFEREES * questions.len());
    }
    let report = report.expect("ran");
    assert_eq!(report.responses as usize, REFEREES);

    let med = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "report for {REFEREES} responses × {} questions on PostgreSQL ({RUNS} runs)",
        questions.len()
    );
    println!(
        "  GET report (load + score), median: {:.1?}  (min {:.1?}, max {:.1?})",
        med(&mut report_times),
        report_times[0],
        report_times[report_times.len() - 1]
    );
    println!(
        "  GET report.csv, median:            {:.1?}",
        med(&mut csv_times)
    );
    println!(
        "  alignment {:?}, recommendation {:?}, {} flags",
        report.alignment_score,
        report.recommendation,
        report.flags.len()
    );
    Ok(())
}
