//! `vouch demo`'s engagements: a few providers that were checked, approved and then asked
//! about at their first pulse, so that the calibration page has something to show. Each
//! provider speaks a language of its own, and its main contact answers the provider side
//! of the pulse (one of them far below its buyer: a partnership gap). Every engagement
//! made here is marked as demo data, and the UI says so.

use anyhow::Context;
use engine::Engine;
use engine::audit::Actor;
use engine::cases::{NewCase, NewReference};
use engine::domain::{ReferenceRequest, User, VettingCase};
use engine::engagements::NewStakeholder;
use engine::providers::NewProvider;
use engine::questionnaire::{default_questions, provider_side_questions, pulse_questions};
use engine::report::Outcome;
use engine::workflow::SubmissionMeta;

/// The demo's referees are made up, and the demo may run any number of times: their
/// addresses are not held to the fatigue limit (each override is audited as usual).
pub(crate) const DEMO_OVERRIDE: &str = "demo data: simulated referees";

/// Provider name, how its references rated it (1–5), how its first pulse went, how its
/// own people rated the partnership in that pulse (the provider side), and its language.
const HISTORIES: [(&str, u8, u8, u8, &str); 5] = [
    ("Brightline Payroll", 5, 5, 5, "de"),
    ("Cobalt IT Partners", 4, 4, 4, "fr"),
    ("Delta Growth Marketing", 4, 2, 2, "es"),
    ("Evergreen Legal Ops", 3, 3, 3, "ar"),
    ("Fulcrum HR Services", 5, 4, 2, "en"),
];

/// The answers of someone who rates `level` overall (reverse-scored statements answered
/// the other way round), for `questions`, one point higher or lower on some dimensions:
/// which ones follows `pattern`, so that each provider is stronger in some things than in
/// others, and the references and the pulse do not agree the same way on every dimension
/// (the calibration page would otherwise show one scatter plot nine times over).
pub(crate) fn ratings(
    questions: &[engine::questionnaire::Question],
    level: u8,
    pattern: usize,
) -> Vec<(String, String)> {
    let mut dimensions: Vec<&str> = Vec::new();
    for q in questions {
        if let Some(d) = q.dimension.as_deref()
            && !dimensions.contains(&d)
        {
            dimensions.push(d);
        }
    }
    questions
        .iter()
        .filter(|q| q.is_self_assessed())
        .map(|q| {
            let j = q
                .dimension
                .as_deref()
                .and_then(|d| dimensions.iter().position(|x| *x == d))
                .unwrap_or(0);
            let shifted = match (pattern + j * 2) % 3 {
                0 => level.saturating_sub(1).max(1),
                1 => level,
                _ => (level + 1).min(5),
            };
            let v = if q.reverse_scored {
                6 - shifted
            } else {
                shifted
            };
            (q.key.clone(), v.to_string())
        })
        .collect()
}

/// A made-up referee, exempt from the fatigue limit (see [`DEMO_OVERRIDE`]).
pub(crate) fn demo_reference(
    name: String,
    email: String,
    company: String,
    relationship: String,
) -> NewReference {
    NewReference {
        name,
        email,
        company,
        relationship,
        override_reason: Some(DEMO_OVERRIDE.into()),
        locale: None,
    }
}

/// Adds `referees` to `case`, in order.
pub(crate) async fn add_referees(
    engine: &Engine,
    case: &VettingCase,
    referees: impl IntoIterator<Item = NewReference>,
    actor: &Actor,
) -> anyhow::Result<Vec<ReferenceRequest>> {
    let mut references = Vec::new();
    for referee in referees {
        references.push(
            engine
                .cases()
                .add_reference(case.id, referee, actor)
                .await?,
        );
    }
    Ok(references)
}

fn meta(n: usize) -> SubmissionMeta {
    SubmissionMeta {
        client_ip: Some(format!("198.51.100.{}", 100 + n)),
        user_agent: Some("vouch demo".into()),
        locale: None,
    }
}

/// Seeds the engagements; returns how many.
pub async fn seed(engine: &Engine, ops: &User, hr: &User) -> anyhow::Result<usize> {
    let actor = Actor::User(ops.id);
    let referee_questions = default_questions();
    let pulse = pulse_questions(&referee_questions);
    let provider_side = provider_side_questions();
    for (i, (name, before, after, partnership, locale)) in HISTORIES.iter().enumerate() {
        let slug = name.to_lowercase().replace(' ', "-");
        let provider = engine
            .cases()
            .create_provider(
                NewProvider {
                    name: (*name).into(),
                    category: "demo".into(),
                    website: None,
                    contact_name: "Demo Contact".into(),
                    contact_email: format!("contact@{slug}.example"),
                    locale: Some((*locale).into()),
                },
                ops.id,
            )
            .await?;
        let case = engine
            .cases()
            .create_case(
                NewCase {
                    provider_id: provider.id,
                    title: Some(format!("{name} (demo history)")),
                    template_id: None,
                    min_responses: Some(2),
                    min_organisations: None,
                    deadline_days: None,
                    locale: None,
                },
                ops.id,
            )
            .await?;
        let mut references = Vec::new();
        for r in 0..2 {
            references.push(
                engine
                    .cases()
                    .add_reference(
                        case.id,
                        NewReference {
                            name: format!("Demo Referee {}", r + 1),
                            email: format!("referee{r}@client{r}-of-{slug}.example"),
                            company: format!("Client {} of {name}", r + 1),
                            relationship: "client (demo)".into(),
                            override_reason: Some(DEMO_OVERRIDE.into()),
                            locale: None,
                        },
                        &actor,
                    )
                    .await?,
            );
        }
        engine.cases().launch_case(case.id, &actor).await?;
        engine.run_until_idle().await?;
        for (r, reference) in references.iter().enumerate() {
            // The second referee of each is a little less keen, so the intervals have width.
            let level = if r == 0 {
                *before
            } else {
                before.saturating_sub(1).max(1)
            };
            let mut answers = ratings(&referee_questions, level, i);
            answers.push(("rehire".into(), "yes".into()));
            engine
                .links()
                .record_referee_view(reference.id, engine.now() - chrono::Duration::minutes(7))
                .await?;
            engine
                .cases()
                .submit_response(reference.id, answers, meta(i))
                .await?;
        }
        engine.run_until_idle().await?;
        let decided = engine
            .reports()
            .record_decision(
                case.id,
                Outcome::Approved,
                "Demo data: approved to show what happens after the decision.",
                hr.id,
            )
            .await
            .with_context(|| format!("approving the demo case of {name}"))?;
        let engagement_id = decided
            .engagement_id
            .context("an approval opens an engagement")?;
        engine
            .engagements()
            .mark_engagement_as_demo(engagement_id)
            .await?;
        for s in 0..2 {
            engine
                .engagements()
                .add_stakeholder(
                    engagement_id,
                    NewStakeholder {
                        name: format!("Demo Stakeholder {}", s + 1),
                        email: format!("stakeholder{s}@buyer-of-{slug}.example"),
                    },
                    &actor,
                )
                .await?;
        }
        let engagement = engine
            .engagements()
            .start_pulse(engagement_id, &actor)
            .await?;
        engine.run_until_idle().await?;
        let pulse_case = engagement
            .pulses
            .last()
            .context("the pulse just started")?
            .id;
        for (s, reference) in engine
            .cases()
            .case(pulse_case)
            .await?
            .references
            .iter()
            .enumerate()
        {
            let level = if s == 0 {
                *after
            } else {
                after.saturating_sub(1).max(1)
            };
            engine
                .links()
                .record_referee_view(reference.id, engine.now() - chrono::Duration::minutes(5))
                .await?;
            engine
                .cases()
                .submit_response(reference.id, ratings(&pulse, level, i * 2 + 1), meta(i))
                .await?;
        }
        // The provider side: its main contact answers about the buyer.
        let side = engagement
            .pulses
            .last()
            .and_then(|p| p.provider_side.as_ref())
            .context("the pulse asks the provider too")?
            .id;
        for reference in engine.cases().case(side).await?.references {
            engine
                .links()
                .record_referee_view(reference.id, engine.now() - chrono::Duration::minutes(4))
                .await?;
            engine
                .cases()
                .submit_response(
                    reference.id,
                    ratings(&provider_side, *partnership, i),
                    meta(i),
                )
                .await?;
        }
        engine.run_until_idle().await?;
    }
    Ok(HISTORIES.len())
}
