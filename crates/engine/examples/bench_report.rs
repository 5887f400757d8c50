//! How long building a report takes for a case with 200 completed responses from 40
//! client organisations × 20 questions, a quarter of the organisations nominated by the
//! provider and a self-assessment, on PostgreSQL: loading plus scoring
//! (`Engine::case_report`), the CSV export, and the pure scoring alone
//! (`scoring::score_case`). A benchmark, not a test.
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
const ORGANISATIONS: usize = 40;
const RUNS: u32 = 20;
const SCORING_RUNS: u32 = 200;

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
            self_prompt: Some(format!("We {i}")),
            pulse_prompt: None,
            translations: Default::default(),
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
            self_prompt: None,
            pulse_prompt: None,
            translations: Default::default(),
        });
    }
    qs
}

async fn bench(url: &str) -> Result<(), BoxError> {
    // The mail directory lives as long as the engine that writes into it.
    let (engine, _mail_dir) = open_engine(url).await?;
    let questions = twenty_questions();
    let (case_id, ids) = launch_case(&engine, &questions).await?;
    submit_answers(&engine, &ids, &questions).await?;
    let (report, report_times, csv_times) = time_reports(&engine, case_id, &questions).await?;
    let scoring_times = time_scoring(&engine, &questions, &report);
    print_times(&questions, &report, report_times, csv_times, scoring_times);
    Ok(())
}

async fn open_engine(url: &str) -> Result<(Engine, tempfile::TempDir), BoxError> {
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
    Ok((engine, mail_dir))
}

/// A case on a twenty-question template with REFEREES referees invited and the
/// provider's self-assessment in; returns its id and its referees'.
async fn launch_case(
    engine: &Engine,
    questions: &[Question],
) -> Result<(Uuid, Vec<Uuid>), BoxError> {
    let (owner, case_id) = create_case(engine).await?;
    let actor = Actor::User(owner);
    let mut ids = Vec::new();
    for i in 0..REFEREES {
        let org = i % ORGANISATIONS;
        // Every fourth organisation came through the provider's nomination link.
        let by = if org.is_multiple_of(4) {
            &Actor::Provider
        } else {
            &actor
        };
        let r = engine
            .cases()
            .add_reference(
                case_id,
                NewReference {
                    name: format!("Referee {i}"),
                    email: format!("r{i}@client{org}.example"),
                    company: format!("Client {org}"),
                    relationship: "client".into(),
                    override_reason: None,
                    locale: None,
                },
                by,
            )
            .await?;
        ids.push(r.id);
    }
    engine
        .links()
        .request_self_assessment(case_id, &actor)
        .await?;
    engine.cases().launch_case(case_id, &actor).await?;
    engine.run_until_idle().await?;
    // Before the last answer moves the case to review, which closes the self-assessment.
    let self_view = questions
        .iter()
        .filter(|q| q.is_self_assessed())
        .map(|q| (q.key.clone(), "4".to_owned()))
        .collect();
    let meta = SubmissionMeta {
        client_ip: Some("10.9.9.9".into()),
        user_agent: None,
        locale: None,
    };
    engine
        .links()
        .record_self_assessment(case_id, &self_view, meta)
        .await?;
    Ok((case_id, ids))
}

/// The owner and the case, on a template of twenty questions.
async fn create_case(engine: &Engine) -> Result<(Uuid, Uuid), BoxError> {
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
        .questionnaires()
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
        .cases()
        .create_provider(
            NewProvider {
                name: "Bench Provider".into(),
                category: "it".into(),
                website: Some("https://provider.bench.example".into()),
                contact_name: "Pat".into(),
                contact_email: "pat@provider.bench.example".into(),
                locale: None,
            },
            owner.id,
        )
        .await?;
    let case = engine
        .cases()
        .create_case(
            NewCase {
                provider_id: provider.id,
                title: None,
                template_id: Some(template.id),
                min_responses: Some(3),
                min_organisations: None,
                deadline_days: Some(30),
                locale: None,
            },
            owner.id,
        )
        .await?;
    Ok((owner.id, case.id))
}

async fn submit_answers(
    engine: &Engine,
    ids: &[Uuid],
    questions: &[Question],
) -> Result<(), BoxError> {
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
            .cases()
            .submit_response(
                *id,
                answers,
                SubmissionMeta {
                    client_ip: Some(format!("10.0.{}.{}", i / 250, i % 250)),
                    user_agent: None,
                    locale: None,
                },
            )
            .await?;
    }
    eprintln!(
        "seeded {REFEREES} responses × {} questions in {:.1?}",
        questions.len(),
        seed_started.elapsed()
    );

    Ok(())
}

/// The report and the CSV export RUNS times each: the last report, and each run's time.
async fn time_reports(
    engine: &Engine,
    case_id: Uuid,
    questions: &[Question],
) -> Result<(engine::report::Report, Vec<Duration>, Vec<Duration>), BoxError> {
    let mut report_times = Vec::new();
    let mut csv_times = Vec::new();
    let mut report = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        report = Some(engine.reports().case_report(case_id).await?);
        report_times.push(t.elapsed());
        let t = Instant::now();
        let csv = engine.reports().case_report_csv(case_id).await?;
        csv_times.push(t.elapsed());
        assert!(csv.lines().count() > REFEREES * questions.len());
    }
    let report = report.expect("ran");
    assert_eq!(report.responses as usize, REFEREES);
    assert_eq!(report.organisations as usize, ORGANISATIONS);
    assert!(report.self_assessment.is_some());

    Ok((report, report_times, csv_times))
}

fn print_times(
    questions: &[Question],
    report: &engine::report::Report,
    mut report_times: Vec<Duration>,
    mut csv_times: Vec<Duration>,
    mut scoring_times: Vec<Duration>,
) {
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
        "  score_case alone, median:          {:.1?}  ({SCORING_RUNS} runs, max {:.1?})",
        med(&mut scoring_times),
        scoring_times[scoring_times.len() - 1]
    );
    println!(
        "  alignment {:?}, recommendation {:?}, {} flags",
        report.alignment_score,
        report.recommendation,
        report.flags.len()
    );
}

/// The pure scoring step on the same shape of data: 200 referees of 40 organisations,
/// a quarter nominated, with a self-assessment and provider addresses to check.
fn time_scoring(
    engine: &Engine,
    questions: &[Question],
    report: &engine::report::Report,
) -> Vec<Duration> {
    use engine::profile::Dimension;
    use engine::scoring::{ScoringInput, SelfAssessmentInput, score_case};

    let now = chrono::Utc::now();
    let referees = referees(questions, now);
    let profile: Vec<Dimension> = report
        .dimensions
        .iter()
        .map(|d| Dimension {
            key: d.key.clone(),
            label: d.label.clone(),
            weight: d.weight,
            min_score: d.min_score,
        })
        .collect();
    let self_assessment = SelfAssessmentInput {
        answers: questions
            .iter()
            .map(|q| (q.key.clone(), "4".to_owned()))
            .collect(),
        submitted_at: now,
    };
    let settings = engine.scoring_settings();
    let provider_ips = vec!["10.9.9.9".to_owned()];
    let domains = vec!["provider.bench.example".to_owned()];
    let input = ScoringInput {
        questions,
        profile: &profile,
        referees: &referees,
        min_responses: 3,
        min_organisations: 2,
        provider_domains: &domains,
        min_seconds_per_question: settings.min_seconds_per_question,
        show_identity: false,
        public_mail_domains: &settings.public_mail_domains,
        source_gap_points: settings.source_gap_points,
        blind_spot_points: settings.blind_spot_points,
        self_assessment: Some(&self_assessment),
        provider_ips: &provider_ips,
        min_group_size: 3,
    };
    let mut times = Vec::new();
    for _ in 0..SCORING_RUNS {
        let t = Instant::now();
        let scores = score_case(&input);
        times.push(t.elapsed());
        assert_eq!(scores.organisations as usize, ORGANISATIONS);
    }
    times
}

/// REFEREES finished referees of ORGANISATIONS organisations, every fourth organisation
/// nominated, answering as `submit_answers` has them answer.
fn referees(
    questions: &[Question],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<engine::scoring::RefereeInput> {
    use engine::domain::ReferenceSource;
    use engine::scoring::RefereeInput;

    (0..REFEREES)
        .map(|i| {
            let org = i % ORGANISATIONS;
            RefereeInput {
                reference_id: Uuid::from_u128(i as u128 + 1),
                name: format!("Referee {i}"),
                email: format!("r{i}@client{org}.example"),
                company: format!("Client {org}"),
                organisation: Some(format!("client{org}.example")),
                source: if org.is_multiple_of(4) {
                    ReferenceSource::Nominated
                } else {
                    ReferenceSource::Sourced
                },
                completed: true,
                withdrawn: false,
                answers: questions
                    .iter()
                    .enumerate()
                    .map(|(j, q)| (q.key.clone(), (1 + (i * 7 + j * 3) % 5).to_string()))
                    .collect(),
                client_ip: Some(format!("10.0.{}.{}", i / 250, i % 250)),
                first_viewed_at: Some(now - chrono::Duration::minutes(10)),
                submitted_at: Some(now),
                locale: None,
            }
        })
        .collect()
}
