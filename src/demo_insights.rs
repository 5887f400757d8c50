//! `vouch demo`'s response history: a dozen reference checks launched over the past two
//! months, whose referees answer after the invitation or a reminder, leave the form
//! open, decline or stay silent, so the response insights page shows believable figures
//! on a fresh install. Every case made here is marked as demo data, and the page says so.
//!
//! Time: the engine used here runs on a clock the script moves (from 60 days ago), so
//! that invitations, reminders, answers and deadlines fall hours and days apart as they
//! would, instead of all in the second the demo runs.

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use engine::Engine;
use engine::audit::Actor;
use engine::cases::NewCase;
use engine::clock::TestClock;
use engine::domain::{Provider, ReferenceRequest, User, VettingCase};
use engine::questionnaire::{Question, default_questions};
use engine::report::Outcome;
use engine::workflow::SubmissionMeta;

use app::Settings;

/// How many reference checks, and their referees each.
const CASES: usize = 12;
const REFEREES: usize = 5;

/// What a simulated referee does, and when (hours after the invitation).
enum Step {
    Answer(i64),
    Decline(i64),
    OpenAndLeave(i64),
    Silent,
}

/// A spread that looks like people: most answer within two days of the invitation,
/// some after the first reminder (day 3) or the second (day 7), a few open the form and
/// leave, decline, or never react. Deterministic, so every demo looks the same.
fn step(case: usize, referee: usize) -> Step {
    let roll = (case * 7 + referee * 13) % 20;
    let jitter = ((case * 5 + referee * 11) % 17) as i64;
    match roll {
        0..=8 => Step::Answer(2 + jitter * 2),
        9..=11 => Step::Answer(72 + 3 + jitter),
        12 => Step::Answer(168 + 4 + jitter),
        13 | 14 => Step::OpenAndLeave(5 + jitter),
        15 => Step::Decline(10 + jitter),
        _ => Step::Silent,
    }
}

const PROVIDERS: [&str; 3] = [
    "Harbor Cloud Services",
    "Iris Translation Co",
    "Juniper Facilities",
];

/// Seeds the cases; returns how many.
pub async fn seed(settings: &Settings, ops: &User, hr: &User) -> anyhow::Result<usize> {
    let start: DateTime<Utc> = Utc::now() - Duration::days(60);
    let clock = TestClock::new(start);
    let mail = app::mailer(settings)?;
    let engine = app::open_engine(settings, Arc::new(clock.clone()), Arc::new(mail)).await?;
    let questions = default_questions();
    let mut providers = Vec::new();
    for name in PROVIDERS {
        providers.push(crate::demo_engagements::demo_provider(&engine, name, ops).await?);
    }
    for c in 0..CASES {
        let launched = start + Duration::days(4 * c as i64) + Duration::hours(9);
        clock.set(launched);
        let provider = &providers[c % providers.len()];
        let (case, references) = launch_case(&engine, c, provider, ops).await?;
        play_steps(&engine, &clock, c, launched, &case, &references, &questions).await?;
        // The deadline closes whatever is still open; then HR decides, so that the demo
        // leaves nothing waiting in the review queue.
        clock.set(launched + Duration::days(15));
        engine.run_until_idle().await?;
        let now = engine.cases().case(case.id).await?;
        if now.status == engine::domain::CaseStatus::Review {
            engine
                .reports()
                .record_decision(
                    case.id,
                    Outcome::Rejected,
                    "Demo data: decided so that it does not wait for review.",
                    hr.id,
                )
                .await
                .with_context(|| format!("deciding demo case {}", c + 1))?;
        }
    }
    Ok(CASES)
}

/// Case `c`, marked as demo data, with its referees invited.
async fn launch_case(
    engine: &Engine,
    c: usize,
    provider: &Provider,
    ops: &User,
) -> anyhow::Result<(VettingCase, Vec<ReferenceRequest>)> {
    let actor = Actor::User(ops.id);
    let case = engine
        .cases()
        .create_case(
            NewCase {
                provider_id: provider.id,
                title: Some(format!(
                    "{} (demo response history {})",
                    provider.name,
                    c + 1
                )),
                template_id: None,
                min_responses: Some(3),
                min_organisations: None,
                deadline_days: Some(14),
                locale: None,
            },
            ops.id,
        )
        .await?;
    engine.reports().mark_case_as_demo(case.id).await?;
    let referees = (0..REFEREES).map(|r| {
        crate::demo_engagements::demo_reference(
            format!("Demo Referee {}", r + 1),
            format!("referee{r}@client{r}-case{c}.example"),
            format!("Client {} (demo)", r + 1),
            "client (demo)".into(),
        )
    });
    let references = crate::demo_engagements::add_referees(engine, &case, referees, &actor).await?;
    engine.cases().launch_case(case.id, &actor).await?;
    engine.run_until_idle().await?;
    Ok((case, references))
}

/// Plays each referee's step of case `c` at its time after `launched`, in the order they
/// happen.
async fn play_steps(
    engine: &Engine,
    clock: &TestClock,
    c: usize,
    launched: DateTime<Utc>,
    case: &VettingCase,
    references: &[ReferenceRequest],
    questions: &[Question],
) -> anyhow::Result<()> {
    let mut steps: Vec<(i64, usize, Step)> = (0..REFEREES)
        .filter_map(|r| {
            let s = step(c, r);
            let at = match s {
                Step::Answer(h) | Step::Decline(h) | Step::OpenAndLeave(h) => h,
                Step::Silent => return None,
            };
            Some((at, r, s))
        })
        .collect();
    steps.sort_by_key(|(at, r, _)| (*at, *r));
    for (hours, r, s) in steps {
        let at = launched + Duration::hours(hours);
        // Quorum with nobody left to wait for closes a case early.
        if engine.cases().case(case.id).await?.status != engine::domain::CaseStatus::Collecting {
            break;
        }
        clock.set(at - Duration::minutes(8));
        engine.run_until_idle().await?;
        let id = references[r].id;
        match s {
            Step::Answer(_) => {
                engine.links().record_referee_view(id, engine.now()).await?;
                clock.set(at);
                let level = 3 + ((c + r) % 3) as u8;
                let mut answers = crate::demo_engagements::ratings(questions, level, c + r);
                answers.push(("rehire".into(), "yes".into()));
                engine
                    .cases()
                    .submit_response(
                        id,
                        answers,
                        SubmissionMeta {
                            client_ip: Some(format!("198.51.{}.{}", 20 + c, 10 + r)),
                            user_agent: Some("vouch demo".into()),
                            locale: None,
                        },
                    )
                    .await?;
            }
            Step::OpenAndLeave(_) => {
                engine.links().record_referee_view(id, at).await?;
            }
            Step::Decline(_) => {
                clock.set(at);
                engine
                    .cases()
                    .decline_reference(id, Some("Demo: I don't know them well enough.".into()))
                    .await?;
            }
            Step::Silent => {}
        }
        engine.run_until_idle().await?;
    }
    Ok(())
}
