//! `vouch demo`: seeds a realistic, finished-collecting case into the configured database,
//! through the same engine calls the API uses, so a newcomer sees a populated report at
//! once. Invitations really go out through the configured mail transport (by default as
//! `.eml` files in `mail.dir`).

use anyhow::Context;
use engine::Engine;
use engine::audit::Actor;
use engine::cases::NewCase;
use engine::domain::Role;
use engine::providers::NewProvider;
use engine::questionnaire::{QuestionKind, default_questions, self_assessment_questions};
use engine::users::NewUser;
use engine::workflow::SubmissionMeta;

use app::Settings;

use crate::demo_engagements::{add_referees, demo_reference};

/// One referee's answers: a rating per likert question of the default questionnaire, in its
/// order (reverse-scored ones are given as
/// the referee would tick them), rehire, and comments.
struct Story {
    name: &'static str,
    email: &'static str,
    company: &'static str,
    relationship: &'static str,
    ratings: [&'static str; 16],
    rehire: &'static str,
    strengths: &'static str,
    concerns: &'static str,
}

const STORIES: [Story; 4] = [
    Story {
        name: "Amira Haddad",
        email: "amira@northwind-outdoor.example",
        company: "Northwind Outdoor",
        relationship: "CFO, client since 2021",
        ratings: [
            "5", "5", "5", "4", "1", "5", "4", "5", "4", "5", "5", "5", "4", "2", "5", "4",
        ],
        rehire: "yes",
        strengths: "They treat our numbers as if their own bonus depended on them. Month-end close went from 12 days to 5.",
        concerns: "Their senior partner is stretched in January; book the year-end work early.",
    },
    Story {
        name: "Jonas Lindqvist",
        email: "jonas@bluepeak-labs.example",
        company: "Bluepeak Labs",
        relationship: "Founder, client 2022–2024",
        ratings: [
            "4", "4", "4", "4", "2", "4", "4", "3", "4", "4", "4", "5", "4", "2", "4", "4",
        ],
        rehire: "yes",
        strengths: "Honest about what they do not know, and they bring in specialists without upselling.",
        concerns: "",
    },
    Story {
        name: "Priya Raman",
        email: "priya@kestrel-health.example",
        company: "Kestrel Health",
        relationship: "Head of Finance, client since 2023",
        ratings: [
            "4", "2", "4", "3", "2", "3", "3", "2", "3", "3", "4", "4", "3", "3", "5", "5",
        ],
        rehire: "unsure",
        strengths: "Technically excellent on revenue recognition.",
        concerns: "We often had to chase them for updates; problems surfaced late twice.",
    },
    Story {
        name: "Tom Okafor",
        email: "tom@harbourline.example",
        company: "Harbourline Logistics",
        relationship: "COO, client since 2020",
        ratings: [
            "5", "4", "5", "5", "1", "4", "5", "4", "4", "4", "5", "5", "5", "1", "4", "4",
        ],
        rehire: "yes",
        strengths: "Feels like part of our team; they joined our planning days unasked.",
        concerns: "",
    },
];

/// The demo's staff accounts: email, name, role.
const STAFF: [(&str, &str, Role); 3] = [
    ("demo-admin@vouch.example", "Dana Demo", Role::Admin),
    ("demo-ops@vouch.example", "Olu Ops", Role::Ops),
    ("demo-hr@vouch.example", "Hana Reviewer", Role::Hr),
];

/// Creates (or finds) the demo staff and gives all of them one fresh random password, so
/// a demo database never carries a well-known password.
async fn demo_staff(engine: &Engine) -> anyhow::Result<(Vec<engine::domain::User>, String)> {
    let password = engine::credentials::new_token()[..16].to_owned();
    let mut users = Vec::new();
    for (email, name, role) in STAFF {
        let user = match engine.accounts().find_user_by_email(email).await? {
            Some(user) => user,
            None => {
                engine
                    .create_user(NewUser {
                        email,
                        name,
                        role,
                        password: None,
                    })
                    .await?
            }
        };
        engine
            .accounts()
            .set_password(user.id, &password, &Actor::System)
            .await?;
        users.push(user);
    }
    Ok((users, password))
}

pub async fn run(settings: &Settings, engine: &Engine) -> anyhow::Result<()> {
    let (staff, password) = demo_staff(engine).await?;
    let admin = staff[0].clone();
    let token = engine
        .accounts()
        .create_api_token(admin.id, "demo", None, &engine::audit::Actor::System)
        .await?;
    let actor = Actor::User(admin.id);
    let (provider, case) = create_case(engine, &admin).await?;
    let referees = STORIES.iter().map(|s| {
        demo_reference(
            s.name.into(),
            s.email.into(),
            s.company.into(),
            s.relationship.into(),
        )
    });
    let references = add_referees(engine, &case, referees, &actor).await?;
    let decliner = engine
        .cases()
        .add_reference(
            case.id,
            demo_reference(
                "Lena Fischer".into(),
                "lena@brightmoor.example".into(),
                "Brightmoor Studio".into(),
                "Operations lead, client in 2022".into(),
            ),
            &actor,
        )
        .await?;
    engine
        .links()
        .request_self_assessment(case.id, &actor)
        .await?;
    engine.cases().launch_case(case.id, &actor).await?;
    engine
        .run_until_idle()
        .await
        .context("sending the invitations")?;
    record_self_assessment(engine, &case).await?;
    answer_as_referees(engine, &references).await?;
    engine
        .cases()
        .decline_reference(
            decliner.id,
            Some("I only worked with them for a month.".into()),
        )
        .await?;
    engine.run_until_idle().await?;
    let report = engine.reports().case_report(case.id).await?;
    let engagements = crate::demo_engagements::seed(engine, &staff[1], &staff[2])
        .await
        .context("seeding the demo engagements")?;
    let histories = crate::demo_insights::seed(settings, &staff[1], &staff[2])
        .await
        .context("seeding the demo response history")?;
    print_summary(
        settings,
        &Seeded {
            provider,
            case,
            report,
            password,
            token,
            engagements,
            histories,
        },
    )
}

async fn create_case(
    engine: &Engine,
    admin: &engine::domain::User,
) -> anyhow::Result<(engine::domain::Provider, engine::domain::VettingCase)> {
    let provider = engine
        .cases()
        .create_provider(
            NewProvider {
                name: "Ledgerline Fractional Finance".into(),
                category: "accounting".into(),
                website: Some("https://ledgerline.example".into()),
                contact_name: "Sam Ledger".into(),
                contact_email: "sam@ledgerline.example".into(),
                locale: None,
            },
            admin.id,
        )
        .await?;
    let case = engine
        .cases()
        .create_case(
            NewCase {
                provider_id: provider.id,
                title: Some("Fractional CFO services 2027".into()),
                template_id: None,
                min_responses: None,
                min_organisations: None,
                deadline_days: None,
                locale: None,
            },
            admin.id,
        )
        .await?;
    Ok((provider, case))
}

async fn record_self_assessment(
    engine: &Engine,
    case: &engine::domain::VettingCase,
) -> anyhow::Result<()> {
    // The provider sees itself a little more kindly than its clients do, most of all on
    // telling clients about problems early.
    let self_view: std::collections::BTreeMap<String, String> =
        self_assessment_questions(&default_questions())
            .into_iter()
            .map(|q| {
                let rating = match (q.key.as_str(), q.reverse_scored) {
                    ("communication_proactive", _) => "5",
                    (_, true) => "2",
                    _ => "4",
                };
                (q.key, rating.to_owned())
            })
            .collect();
    engine
        .links()
        .record_self_assessment(
            case.id,
            &self_view,
            SubmissionMeta {
                client_ip: Some("203.0.113.7".into()),
                user_agent: Some("vouch demo".into()),
                locale: None,
            },
        )
        .await?;
    Ok(())
}

/// Each of `references` answers as its story in STORIES tells.
async fn answer_as_referees(
    engine: &Engine,
    references: &[engine::domain::ReferenceRequest],
) -> anyhow::Result<()> {
    let likert: Vec<String> = default_questions()
        .into_iter()
        .filter(|q| q.kind == QuestionKind::Likert)
        .map(|q| q.key)
        .collect();
    for (i, (story, reference)) in STORIES.iter().zip(references).enumerate() {
        let mut answers: Vec<(String, String)> = likert
            .iter()
            .zip(story.ratings)
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        answers.push(("rehire".into(), story.rehire.into()));
        answers.push(("strengths".into(), story.strengths.into()));
        if !story.concerns.is_empty() {
            answers.push(("concerns".into(), story.concerns.into()));
        }
        // Each simulated referee took a few minutes over the questionnaire.
        let viewed_at = engine.now() - chrono::Duration::minutes(6 + i as i64);
        engine
            .links()
            .record_referee_view(reference.id, viewed_at)
            .await?;
        engine
            .cases()
            .submit_response(
                reference.id,
                answers,
                SubmissionMeta {
                    client_ip: Some(format!("198.51.100.{}", 10 + i)),
                    user_agent: Some("vouch demo".into()),
                    locale: None,
                },
            )
            .await?;
    }
    Ok(())
}

/// What the demo made, for the closing summary.
struct Seeded {
    provider: engine::domain::Provider,
    case: engine::domain::VettingCase,
    report: engine::report::Report,
    password: String,
    token: String,
    engagements: usize,
    histories: usize,
}

fn print_summary(settings: &Settings, seeded: &Seeded) -> anyhow::Result<()> {
    let base = settings.server.public_url.trim_end_matches('/');
    println!(
        "Demo case \"{}\" for {} is ready ({}).",
        seeded.case.title, seeded.provider.name, seeded.report.status
    );
    println!(
        "  alignment {}, recommendation {}, {} of {} referees answered, {} flag(s)",
        seeded
            .report
            .alignment_score
            .map(|a| format!("{a:.1}"))
            .unwrap_or_else(|| "n/a".into()),
        serde_json::to_value(seeded.report.recommendation)?
            .as_str()
            .unwrap_or_default(),
        seeded.report.responses,
        seeded.report.invited,
        seeded.report.flags.len()
    );
    println!();
    println!("Start the server with `vouch serve`, then open {base}/ui and sign in with");
    for (email, _, role) in STAFF {
        println!("  {email:<26} password {}   ({role})", seeded.password);
    }
    println!(
        "The report: {base}/ui/cases/{}/report (sign in as demo-hr to record the decision).",
        seeded.case.id
    );
    println!(
        "{} demo engagements with a finished 90-day check-in: {base}/ui/engagements, and how well references predicted them: {base}/ui/insights/calibration (marked as demo data).",
        seeded.engagements
    );
    println!(
        "{} demo reference checks over the past two months: how referees responded, at {base}/ui/insights/responses (marked as demo data).",
        seeded.histories
    );
    println!();
    println!("Or use the JSON API:");
    println!(
        "  export TOKEN={}   # admin API token of demo-admin@vouch.example",
        seeded.token
    );
    println!(
        "  curl -s {base}/api/v1/cases/{}/report -H \"Authorization: Bearer $TOKEN\"",
        seeded.case.id
    );
    println!(
        "  curl -s {base}/api/v1/cases/{}/events -H \"Authorization: Bearer $TOKEN\"",
        seeded.case.id
    );
    println!(
        "API docs: {base}/api/docs/   Emails sent: see mail.dir ({})",
        settings.mail.dir.display()
    );
    Ok(())
}
