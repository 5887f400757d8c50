//! Scoring: pure functions from answers to the report HR reads. No I/O here; `report.rs`
//! in the engine loads the data and calls `score_case`. The rules are DESIGN.md's
//! "Scoring" section, which both this code and its tests follow to the letter.

pub mod csv;
mod stats;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::profile::Dimension;
use crate::questionnaire::{Question, QuestionKind};

pub use stats::{mean, sample_sd, t_cdf, t_quantile};

/// Variance of the uniform null distribution on a 5-point scale: (A² − 1) / 12 with A = 5.
pub const EXPECTED_VARIANCE: f64 = 2.0;

/// One reference as scoring sees it.
#[derive(Clone, Debug)]
pub struct RefereeInput {
    pub reference_id: Uuid,
    pub name: String,
    pub email: String,
    pub company: String,
    /// Completed responses only carry answers.
    pub completed: bool,
    /// Withdrawn references are not part of the case any more.
    pub withdrawn: bool,
    pub answers: BTreeMap<String, String>,
    pub client_ip: Option<String>,
    pub first_viewed_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Everything needed to score a case.
#[derive(Clone, Debug)]
pub struct ScoringInput<'a> {
    pub questions: &'a [Question],
    pub profile: &'a [Dimension],
    pub referees: &'a [RefereeInput],
    pub min_responses: u32,
    /// Domains of the provider's website and contact email.
    pub provider_domains: &'a [String],
    pub min_seconds_per_question: f64,
    pub show_identity: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DimensionScore {
    pub key: String,
    pub label: String,
    pub weight: f64,
    pub min_score: f64,
    /// 0–100; null without data.
    pub score: Option<f64>,
    /// Referees with at least one counted answer on this dimension.
    pub n: u32,
    /// Sample standard deviation of the referees' means, on the 1–5 scale.
    pub stddev: Option<f64>,
    /// 95% confidence interval of the score (Student t), clipped to 0–100.
    pub ci95: Option<[f64; 2]>,
    /// Within-group agreement r_wg (0–1); null below two referees.
    pub agreement: Option<f64>,
    pub below_min: bool,
    /// Each referee's mean on this dimension as a 0–100 score (for charts), sorted.
    pub referee_scores: Vec<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    BelowMin,
    LowRating,
    LowAgreement,
    InsufficientResponses,
    DuplicateReferee,
    FraudSameDomain,
    FraudDuplicateIp,
    FraudTooFast,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flag {
    pub kind: FlagKind,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<Uuid>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    MeetsProfile,
    Review,
    BelowProfile,
    InsufficientData,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub question_key: String,
    pub text: String,
    /// Only when `report.show_referee_identity` is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referee: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rehire {
    pub yes: u32,
    pub no: u32,
    pub unsure: u32,
}

/// The computed part of a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    pub responses: u32,
    pub quorum_met: bool,
    pub alignment_score: Option<f64>,
    pub recommendation: Recommendation,
    pub dimensions: Vec<DimensionScore>,
    pub flags: Vec<Flag>,
    pub comments: Vec<Comment>,
    pub rehire: Rehire,
}

/// Rounds to `places` decimals.
pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// A 1–5 mean as a 0–100 score.
pub fn to_score(mean: f64) -> f64 {
    (mean - 1.0) / 4.0 * 100.0
}

/// The counted value of a likert answer: 1–5, reversed (6 − v) when the question is
/// reverse-scored; `None` for "not observed", anything unparseable, or a question that is
/// not a likert question with a dimension.
pub fn counted_value(q: &Question, raw: &str) -> Option<f64> {
    if q.kind != QuestionKind::Likert || q.dimension.is_none() {
        return None;
    }
    let v: u8 = raw.trim().parse().ok()?;
    if !(1..=5).contains(&v) {
        return None;
    }
    let v = f64::from(v);
    Some(if q.reverse_scored { 6.0 - v } else { v })
}

/// Statistics of one dimension from the referees' means m(r, d).
pub fn dimension_stats(dim: &Dimension, referee_means: &[f64]) -> DimensionScore {
    // Sorted first: floating-point sums depend on order, and the report must not depend on
    // the order in which referees answered.
    let mut sorted = referee_means.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let referee_means = sorted.as_slice();
    let n = referee_means.len();
    let mut referee_scores: Vec<f64> = referee_means
        .iter()
        .map(|m| round(to_score(*m), 1))
        .collect();
    referee_scores.sort_by(|a, b| a.total_cmp(b));
    let Some(m) = mean(referee_means) else {
        return DimensionScore {
            key: dim.key.clone(),
            label: dim.label.clone(),
            weight: dim.weight,
            min_score: dim.min_score,
            score: None,
            n: 0,
            stddev: None,
            ci95: None,
            agreement: None,
            below_min: false,
            referee_scores,
        };
    };
    let s = sample_sd(referee_means);
    let score = to_score(m);
    let ci95 = if n == 1 {
        [0.0, 100.0]
    } else {
        let half = t_quantile(0.975, (n - 1) as f64) * s / (n as f64).sqrt();
        [
            round(to_score(m - half).clamp(0.0, 100.0), 1),
            round(to_score(m + half).clamp(0.0, 100.0), 1),
        ]
    };
    let agreement = (n >= 2).then(|| round((1.0 - s * s / EXPECTED_VARIANCE).clamp(0.0, 1.0), 2));
    DimensionScore {
        key: dim.key.clone(),
        label: dim.label.clone(),
        weight: dim.weight,
        min_score: dim.min_score,
        score: Some(round(score, 1)),
        n: n as u32,
        stddev: Some(round(s, 2)),
        ci95: Some(ci95),
        agreement,
        below_min: score < dim.min_score,
        referee_scores,
    }
}

fn domain(email: &str) -> Option<String> {
    crate::organisations::domain_of(email)
}

/// Scores a case. Pure: the same input always gives the same report.
pub fn score_case(input: &ScoringInput<'_>) -> Scores {
    let questions: HashMap<&str, &Question> = input
        .questions
        .iter()
        .map(|q| (q.key.as_str(), q))
        .collect();
    let completed: Vec<&RefereeInput> = input
        .referees
        .iter()
        .filter(|r| r.completed && !r.withdrawn)
        .collect();
    let responses = completed.len() as u32;

    // m(r, d): each referee's mean of counted answers per dimension.
    let mut per_dimension: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut flags = Vec::new();
    for r in &completed {
        let mut sums: BTreeMap<&str, (f64, u32)> = BTreeMap::new();
        for (key, raw) in &r.answers {
            let Some(q) = questions.get(key.as_str()) else {
                continue;
            };
            let Some(v) = counted_value(q, raw) else {
                continue;
            };
            let dim = q.dimension.as_deref().unwrap_or_default();
            let e = sums.entry(dim).or_default();
            e.0 += v;
            e.1 += 1;
            if (dim == "values" || dim == "dedication") && v <= 2.0 {
                flags.push(Flag {
                    kind: FlagKind::LowRating,
                    detail: format!(
                        "A referee rated \u{201c}{}\u{201d} {v} of 5 on {dim}{}.",
                        q.prompt,
                        if q.reverse_scored {
                            " (after reverse scoring)"
                        } else {
                            ""
                        }
                    ),
                    reference_id: input.show_identity.then_some(r.reference_id),
                });
            }
        }
        for (dim, (sum, count)) in sums {
            per_dimension
                .entry(dim)
                .or_default()
                .push(sum / f64::from(count));
        }
    }

    for means in per_dimension.values_mut() {
        means.sort_by(|a, b| a.total_cmp(b));
    }
    let dimensions: Vec<DimensionScore> = input
        .profile
        .iter()
        .map(|d| {
            dimension_stats(
                d,
                per_dimension
                    .get(d.key.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
            )
        })
        .collect();

    // From the exact dimension scores; only the result is rounded.
    let (weighted, weights) = input
        .profile
        .iter()
        .filter_map(|d| {
            let means = per_dimension.get(d.key.as_str())?;
            Some((to_score(mean(means)?), d.weight))
        })
        .fold((0.0, 0.0), |(a, b), (s, w)| (a + s * w, b + w));
    let alignment_score = (weights > 0.0).then(|| round(weighted / weights, 1));

    for d in &dimensions {
        if d.below_min {
            flags.push(Flag {
                kind: FlagKind::BelowMin,
                detail: format!(
                    "{} scored {:.1}, below the minimum of {}.",
                    d.label,
                    d.score.unwrap_or_default(),
                    d.min_score
                ),
                reference_id: None,
            });
        }
        if let Some(a) = d.agreement
            && a < 0.5
        {
            flags.push(Flag {
                kind: FlagKind::LowAgreement,
                detail: format!(
                    "Referees disagree on {} (agreement {a:.2}): read the individual answers.",
                    d.label
                ),
                reference_id: None,
            });
        }
    }
    if responses < input.min_responses {
        flags.push(Flag {
            kind: FlagKind::InsufficientResponses,
            detail: format!(
                "{responses} of the {} responses needed have been received.",
                input.min_responses
            ),
            reference_id: None,
        });
    }

    let active: Vec<&RefereeInput> = input.referees.iter().filter(|r| !r.withdrawn).collect();
    let mut by_email: BTreeMap<String, Vec<&RefereeInput>> = BTreeMap::new();
    let mut by_company: BTreeMap<String, Vec<&RefereeInput>> = BTreeMap::new();
    for r in &active {
        by_email
            .entry(r.email.trim().to_lowercase())
            .or_default()
            .push(r);
        let company = r.company.trim().to_lowercase();
        if !company.is_empty() {
            by_company.entry(company).or_default().push(r);
        }
    }
    for (what, groups) in [("email address", &by_email), ("company", &by_company)] {
        for group in groups.values().filter(|g| g.len() > 1) {
            flags.push(Flag {
                kind: FlagKind::DuplicateReferee,
                detail: format!(
                    "{} references share the same {what}{}.",
                    group.len(),
                    if what == "company" {
                        format!(" ({})", group[0].company.trim())
                    } else {
                        String::new()
                    }
                ),
                reference_id: Some(group[1].reference_id),
            });
        }
    }
    for r in &active {
        if let Some(d) = domain(&r.email)
            && input.provider_domains.contains(&d)
        {
            flags.push(Flag {
                kind: FlagKind::FraudSameDomain,
                detail: format!("A referee's email is at {d}, the provider's own domain."),
                reference_id: Some(r.reference_id),
            });
        }
    }
    let mut by_ip: BTreeMap<&str, Vec<&RefereeInput>> = BTreeMap::new();
    for r in &completed {
        if let Some(ip) = r.client_ip.as_deref() {
            by_ip.entry(ip).or_default().push(r);
        }
    }
    for group in by_ip.values().filter(|g| g.len() > 1) {
        flags.push(Flag {
            kind: FlagKind::FraudDuplicateIp,
            detail: format!(
                "{} responses were submitted from the same network address.",
                group.len()
            ),
            reference_id: Some(group[1].reference_id),
        });
    }
    let min_seconds = input.min_seconds_per_question * input.questions.len() as f64;
    for r in &completed {
        if let (Some(start), Some(end)) = (r.first_viewed_at, r.submitted_at) {
            let seconds = (end - start).num_milliseconds() as f64 / 1000.0;
            if seconds < min_seconds {
                flags.push(Flag {
                    kind: FlagKind::FraudTooFast,
                    detail: format!(
                        "A response was completed in {seconds:.0} s; reading {} questions takes at least {min_seconds:.0} s.",
                        input.questions.len()
                    ),
                    reference_id: Some(r.reference_id),
                });
            }
        }
    }

    let recommendation = if responses < input.min_responses {
        Recommendation::InsufficientData
    } else if dimensions.iter().any(|d| d.below_min) {
        Recommendation::BelowProfile
    } else if !flags.is_empty() {
        Recommendation::Review
    } else {
        Recommendation::MeetsProfile
    };

    let mut comments = Vec::new();
    let mut rehire = Rehire::default();
    for q in input.questions {
        for r in &completed {
            let Some(raw) = r.answers.get(&q.key) else {
                continue;
            };
            match q.kind {
                QuestionKind::Text if !raw.trim().is_empty() => comments.push(Comment {
                    question_key: q.key.clone(),
                    text: raw.clone(),
                    referee: input
                        .show_identity
                        .then(|| format!("{} ({})", r.name, r.company)),
                }),
                QuestionKind::YesNo if q.key == "rehire" => match raw.as_str() {
                    "yes" => rehire.yes += 1,
                    "no" => rehire.no += 1,
                    "unsure" => rehire.unsure += 1,
                    _ => {}
                },
                _ => {}
            }
        }
    }
    if !input.show_identity {
        // Without names, the order of comments must not give away who wrote what.
        comments.sort_by(|a, b| {
            a.question_key
                .cmp(&b.question_key)
                .then(a.text.cmp(&b.text))
        });
    }

    Scores {
        responses,
        quorum_met: responses >= input.min_responses,
        alignment_score,
        recommendation,
        dimensions,
        flags,
        comments,
        rehire,
    }
}
