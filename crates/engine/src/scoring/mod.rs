//! Scoring: pure functions from answers to the report HR reads. No I/O here; `report.rs`
//! in the engine loads the data and calls `score_case`. The rules are DESIGN.md's
//! "Scoring" section and API.md's "Evidence: organisations, provenance, self-assessment",
//! which both this code and its tests follow to the letter.
//!
//! One vote per client organisation: each referee's answers give a mean per dimension
//! m(r, d); the referees of one organisation (see [`crate::organisations::organisation_key`])
//! are averaged into M(o, d); the published score, its spread, interval and agreement are
//! computed over the organisations, so a provider's friendliest client cannot outvote the
//! others by sending five people.

pub mod csv;
mod flags;
mod stats;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::ReferenceSource;
use crate::organisations::organisation_key;
use crate::profile::Dimension;
use crate::questionnaire::{Question, QuestionKind, percentile_midpoint};

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
    /// The client-organisation key, fixed when the reference was created (API.md
    /// "Evidence"); one vote per distinct key. `None` (a row from before keys were
    /// stored, or a test) derives it from `email` and `company`.
    pub organisation: Option<String>,
    /// Who found the referee: staff (`sourced`) or the provider's nomination form.
    pub source: ReferenceSource,
    /// Completed responses only carry answers.
    pub completed: bool,
    /// Withdrawn references are not part of the case any more.
    pub withdrawn: bool,
    pub answers: BTreeMap<String, String>,
    pub client_ip: Option<String>,
    pub first_viewed_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The language the answers were given in, when known.
    pub locale: Option<String>,
}

/// The provider's submitted self-assessment: answers keyed by question key, as a referee's.
#[derive(Clone, Debug)]
pub struct SelfAssessmentInput {
    pub answers: BTreeMap<String, String>,
    pub submitted_at: DateTime<Utc>,
}

/// Everything needed to score a case.
#[derive(Clone, Debug)]
pub struct ScoringInput<'a> {
    pub questions: &'a [Question],
    pub profile: &'a [Dimension],
    pub referees: &'a [RefereeInput],
    pub min_responses: u32,
    /// Completed organisations needed (the case's `min_organisations`).
    pub min_organisations: u32,
    /// `scoring.public_mail_domains`: addresses there are keyed by company.
    pub public_mail_domains: &'a [String],
    /// Domains of the provider's website and contact email.
    pub provider_domains: &'a [String],
    /// Client IPs of the provider's self-assessment and nomination submissions.
    pub provider_ips: &'a [String],
    pub min_seconds_per_question: f64,
    /// `scoring.source_gap_points`: nominated − sourced score that raises `source_gap`.
    pub source_gap_points: f64,
    /// `scoring.blind_spot_points`: self − clients score that raises `blind_spot`.
    pub blind_spot_points: f64,
    /// The provider's submitted self-assessment, if any. Never counted in the scores.
    pub self_assessment: Option<&'a SelfAssessmentInput>,
    pub show_identity: bool,
    /// `report.min_responses_for_detail`: a provenance group (sourced, nominated) with
    /// fewer people than this on a dimension gets no score there, since a group of one
    /// would publish that person's answers (API.md "Disclosure").
    pub min_group_size: u32,
}

/// One dimension of the values profile, scored. Scores are 0–100, rounded to one decimal.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DimensionScore {
    /// The dimension's stable key, e.g. `values`.
    pub key: String,
    /// The dimension's name as the profile shows it.
    pub label: String,
    /// Relative weight of the dimension in the alignment score.
    pub weight: f64,
    /// Scores below this minimum (0–100) are flagged `below_min`.
    pub min_score: f64,
    /// 0–100: the mean over client organisations (each organisation's referees averaged
    /// first, one vote per organisation); null without data.
    pub score: Option<f64>,
    /// Client organisations with at least one counted answer on this dimension.
    pub n: u32,
    /// Sample standard deviation of the organisations' means, on the 1–5 scale (0 for one
    /// organisation); null without data.
    pub stddev: Option<f64>,
    /// 95% confidence interval of the score over organisations (Student t), clipped to
    /// 0–100; [0, 100] for a single organisation; null without data.
    pub ci95: Option<[f64; 2]>,
    /// Within-group agreement r_wg (0–1) between organisations; null below two.
    pub agreement: Option<f64>,
    /// Whether the score is below `min_score`.
    pub below_min: bool,
    /// People with at least one counted answer on this dimension.
    pub referees: u32,
    /// The score of the plain mean over people (every referee one vote); null without data.
    pub person_score: Option<f64>,
    /// The score from the references staff found only (organisation-level); null when
    /// fewer of them than `report.min_responses_for_detail` have data on this dimension.
    pub sourced_score: Option<f64>,
    /// The score from the references the provider nominated only (organisation-level);
    /// null when fewer of them than `report.min_responses_for_detail` have data on it.
    pub nominated_score: Option<f64>,
    /// The provider's own rating of itself in its self-assessment (0–100); null without a
    /// submitted self-assessment or without answers on this dimension. Never counted.
    pub self_score: Option<f64>,
    /// `self_score − score`, from the published (rounded) figures; null when either is
    /// null. Positive: the provider rates itself higher than its clients do.
    pub self_gap: Option<f64>,
    /// Each referee's mean on this dimension as a 0–100 score (for charts), sorted.
    pub referee_scores: Vec<f64>,
    /// Each client organisation's mean on this dimension as a 0–100 score, sorted.
    pub organisation_scores: Vec<f64>,
}

/// What a flag is about. Flags never decide: they tell the reader where to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// A dimension scored below its minimum.
    BelowMin,
    /// A referee answered 2 or less on a values or dedication question.
    LowRating,
    /// Client organisations disagree on a dimension (agreement below 0.5).
    LowAgreement,
    /// Fewer completed responses than the case needs.
    InsufficientResponses,
    /// Fewer client organisations have answered than the case needs.
    InsufficientOrganisations,
    /// Every completed response comes from a reference the provider nominated.
    NominatedOnly,
    /// Nominated references rate a dimension much higher than sourced ones.
    SourceGap,
    /// The provider rates itself much higher on a dimension than its clients do.
    BlindSpot,
    /// The same email address appears twice in the case.
    DuplicateReferee,
    /// A referee's email is at the provider's own domain.
    FraudSameDomain,
    /// Responses from different client organisations came from one network address.
    FraudDuplicateIp,
    /// A response came from the network address the provider used.
    FraudProviderIp,
    /// A response was submitted without its form ever being loaded.
    FraudUnviewed,
    /// A response was submitted faster than its questions can be read.
    FraudTooFast,
}

/// Something in the evidence the reader should look at.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flag {
    /// What the flag is about.
    pub kind: FlagKind,
    /// The reason, in plain English.
    pub detail: String,
    /// The reference concerned, when there is one and naming it is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<Uuid>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    /// Every dimension meets its minimum and nothing was flagged.
    MeetsProfile,
    /// The scores meet the profile, but a flag asks a person to look first.
    Review,
    /// Some dimension scores below its minimum.
    BelowProfile,
    /// Too few responses or client organisations to say.
    InsufficientData,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    /// The free-text question answered.
    pub question_key: String,
    /// The referee's words, as written.
    pub text: String,
    /// Only when `report.show_referee_identity` is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referee: Option<String>,
    /// The language it was written in (`de`, `ar`, …); null for answers given before
    /// Vouch recorded it.
    pub locale: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rehire {
    /// Referees who would hire the provider again.
    pub yes: u32,
    /// Referees who would not.
    pub no: u32,
    /// Referees who are unsure.
    pub unsure: u32,
}

/// Client organisations by how their references were found. An organisation with both
/// kinds of completed reference counts in both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sources {
    /// Organisations with at least one completed response from a reference staff found.
    pub sourced: u32,
    /// Organisations with at least one completed response from a reference the provider
    /// nominated.
    pub nominated: u32,
}

/// The provider's own rating of one dimension.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfDimension {
    /// The dimension's key.
    pub key: String,
    /// 0–100, from the provider's answers on this dimension; null without answers.
    pub score: Option<f64>,
}

/// The provider's self-assessment as scored. It never counts in the scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfAssessmentScores {
    /// When the provider submitted it.
    pub submitted_at: DateTime<Utc>,
    /// One entry per dimension of the values profile, in profile order.
    pub dimensions: Vec<SelfDimension>,
}

/// The computed part of a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// Completed responses (withdrawn references excluded).
    pub responses: u32,
    /// Whether `responses` ≥ the case's `min_responses`.
    pub quorum_met: bool,
    /// Distinct client organisations among the completed responses.
    pub organisations: u32,
    /// Those organisations by how their references were found.
    pub sources: Sources,
    /// Weighted mean of the dimension scores (0–100); null without data.
    pub alignment_score: Option<f64>,
    /// What the evidence suggests; a person always decides.
    pub recommendation: Recommendation,
    /// One entry per dimension of the values profile, in profile order.
    pub dimensions: Vec<DimensionScore>,
    /// Everything the reader should look at, in a fixed order.
    pub flags: Vec<Flag>,
    /// Non-blank free-text answers (sorted unless identities are shown).
    pub comments: Vec<Comment>,
    /// Answers to "would you hire them again?".
    pub rehire: Rehire,
    /// The provider's self-assessment; null when none was submitted.
    pub self_assessment: Option<SelfAssessmentScores>,
    /// Each client organisation's own alignment score (Σ weight × score of M(o, d) ÷ Σ
    /// weight over the dimensions it has data on), unrounded and sorted by value: the
    /// ratings the single-organisation reliability (DESIGN.md "Sufficiency") is estimated
    /// from. Never serialized: it is per-organisation detail.
    #[serde(skip)]
    pub organisation_alignments: Vec<f64>,
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

/// A 1–5 mean as a published score: 0–100, one decimal.
fn published(mean: f64) -> f64 {
    round(to_score(mean), 1)
}

/// The difference of two published scores, as published.
///
/// Gaps are computed from the ROUNDED scores the reader sees, then rounded again (to
/// remove binary noise such as 87.5 − 62.4 = 25.099999…): `round(round(a) − round(b))`.
/// So "self 80.0, clients 55.0, gap 25.0" always adds up on the page, and a flag raised at
/// a threshold of 25 agrees with the figures shown, even when the exact gap was 24.96.
fn gap(a: f64, b: f64) -> f64 {
    round(round(a, 1) - round(b, 1), 1)
}

/// The counted value of a likert answer: 1–5, reversed (6 − v) when the question is
/// reverse-scored; of a percentile answer with band midpoint p: 1 + 4p/100, the same
/// place on the 1–5 scale as p on 0–100; `None` for "not observed", anything
/// unparseable, or a question that is neither kind or has no dimension.
pub fn counted_value(q: &Question, raw: &str) -> Option<f64> {
    if !q.is_scored() {
        return None;
    }
    if q.kind == QuestionKind::Percentile {
        // (100 + 4p) / 100 rather than 1 + 4p/100: the numerator is a whole number for
        // every band, so the result is the double nearest to 2, 3.5, 4.3, 4.7 or 4.9 and
        // the CSV shows those figures, not 4.300000000000001.
        return percentile_midpoint(raw.trim()).map(|p| (100.0 + 4.0 * p) / 100.0);
    }
    let v: u8 = raw.trim().parse().ok()?;
    if !(1..=5).contains(&v) {
        return None;
    }
    let v = f64::from(v);
    Some(if q.reverse_scored { 6.0 - v } else { v })
}

/// "References the provider chose rate them 24.0 points higher on “Dedication” than the ones
/// you found." — the `source_gap` sentence for a dimension, whenever both `sourced_score`
/// and `nominated_score` exist (also below the flag's threshold); `None` otherwise.
pub fn source_gap_sentence(d: &DimensionScore) -> Option<String> {
    let g = gap(d.nominated_score?, d.sourced_score?);
    Some(if g == 0.0 {
        format!(
            "References the provider chose rate them the same on \u{201c}{}\u{201d} as the ones you found.",
            d.label
        )
    } else {
        format!(
            "References the provider chose rate them {:.1} points {} on \u{201c}{}\u{201d} than the ones you found.",
            g.abs(),
            if g > 0.0 { "higher" } else { "lower" },
            d.label
        )
    })
}

/// "The provider rates itself 30.0 points higher on “Values” than its clients do." — the
/// `blind_spot` sentence for a dimension, whenever `self_gap` exists (also below the
/// flag's threshold, or negative); `None` otherwise.
pub fn self_gap_sentence(d: &DimensionScore) -> Option<String> {
    let g = d.self_gap?;
    Some(if g == 0.0 {
        format!(
            "The provider rates itself the same on \u{201c}{}\u{201d} as its clients do.",
            d.label
        )
    } else {
        format!(
            "The provider rates itself {:.1} points {} on \u{201c}{}\u{201d} than its clients do.",
            g.abs(),
            if g > 0.0 { "higher" } else { "lower" },
            d.label
        )
    })
}

/// Mean, sample standard deviation and count of a set of 1–5 means.
struct Spread {
    n: usize,
    mean: f64,
    sd: f64,
}

/// `None` for no values. `sorted` must be sorted: floating-point sums depend on order, and
/// the report must not depend on the order in which referees answered.
fn spread(sorted: &[f64]) -> Option<Spread> {
    Some(Spread {
        n: sorted.len(),
        mean: mean(sorted)?,
        sd: sample_sd(sorted),
    })
}

/// One entry per referee with a mean on a dimension.
#[derive(Clone, Copy)]
struct Entry {
    /// Index of the organisation (an arbitrary but consistent numbering).
    org: usize,
    source: ReferenceSource,
    /// m(r, d).
    m: f64,
}

/// M(o, d) for every organisation with a referee matching `keep`, sorted. `entries` must be
/// sorted by organisation, then m, so each organisation's values are summed in one order.
fn organisation_means(entries: &[Entry], keep: impl Fn(ReferenceSource) -> bool) -> Vec<f64> {
    let mut out = Vec::new();
    for group in entries.chunk_by(|a, b| a.org == b.org) {
        let (sum, count) = group
            .iter()
            .filter(|e| keep(e.source))
            .fold((0.0, 0u32), |(s, c), e| (s + e.m, c + 1));
        if count > 0 {
            out.push(sum / f64::from(count));
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

/// Organisation-level statistics of one dimension from the organisations' means M(o, d),
/// sorted; the person-level, provenance and self-assessment fields are left empty.
fn organisation_stats(dim: &Dimension, org_means: &[f64]) -> DimensionScore {
    let mut d = DimensionScore {
        key: dim.key.clone(),
        label: dim.label.clone(),
        weight: dim.weight,
        min_score: dim.min_score,
        organisation_scores: org_means.iter().map(|m| published(*m)).collect(),
        ..DimensionScore::default()
    };
    let Some(Spread { n, mean: m, sd: s }) = spread(org_means) else {
        return d;
    };
    let ci95 = if n == 1 {
        [0.0, 100.0]
    } else {
        let half = t_quantile(0.975, (n - 1) as f64) * s / (n as f64).sqrt();
        [
            round(to_score(m - half).clamp(0.0, 100.0), 1),
            round(to_score(m + half).clamp(0.0, 100.0), 1),
        ]
    };
    let score = published(m);
    d.score = Some(score);
    d.n = n as u32;
    d.stddev = Some(round(s, 2));
    d.ci95 = Some(ci95);
    d.agreement = (n >= 2).then(|| round((1.0 - s * s / EXPECTED_VARIANCE).clamp(0.0, 1.0), 2));
    // The published score, so that "59.96" shown as 60.0 is not called below a minimum
    // of 60.
    d.below_min = score < dim.min_score;
    d
}

fn flag(kind: FlagKind, detail: String, reference_id: Option<Uuid>) -> Flag {
    Flag {
        kind,
        detail,
        reference_id,
    }
}

/// Per profile dimension, the plain mean over people of their means m(r, d) (1–5,
/// unrounded) and how many people have one: every person one vote, as in a pulse, where
/// all the stakeholders belong to the one buyer.
pub fn plain_means(
    questions: &[Question],
    profile: &[Dimension],
    referees: &[RefereeInput],
) -> Vec<(Option<f64>, u32)> {
    let by_key: HashMap<&str, &Question> = questions.iter().map(|q| (q.key.as_str(), q)).collect();
    let mut per_person: Vec<Vec<f64>> = vec![Vec::new(); profile.len()];
    for r in referees.iter().filter(|r| r.completed && !r.withdrawn) {
        for (i, d) in profile.iter().enumerate() {
            let values: Vec<f64> = r
                .answers
                .iter()
                .filter_map(|(key, raw)| {
                    let q = by_key.get(key.as_str())?;
                    (q.dimension.as_deref() == Some(d.key.as_str()))
                        .then(|| counted_value(q, raw))
                        .flatten()
                })
                .collect();
            if let Some(m) = mean(&values) {
                per_person[i].push(m);
            }
        }
    }
    per_person
        .into_iter()
        .map(|mut means| {
            means.sort_by(f64::total_cmp);
            (mean(&means), means.len() as u32)
        })
        .collect()
}

/// Scores a case. Pure: the same input always gives the same report, whatever the order of
/// the referees and whatever the organisations are called. In phases: who counts and in
/// which organisation, each person's mean per dimension, the dimensions' figures, the
/// alignment score, the flags (`flags.rs`, one function each, in a fixed order), the
/// recommendation, and the comments with the rehire tally.
pub fn score_case(input: &ScoringInput<'_>) -> Scores {
    let questions: HashMap<&str, &Question> = input
        .questions
        .iter()
        .map(|q| (q.key.as_str(), q))
        .collect();
    let slots = dimension_slots(input.profile);
    let completed: Vec<&RefereeInput> = input
        .referees
        .iter()
        .filter(|r| r.completed && !r.withdrawn)
        .collect();
    let responses = completed.len() as u32;
    let orgs = Organisations::of(&completed, input.public_mail_domains);
    let people = PersonMeans::of(input, &questions, &slots, &completed, &orgs.of_referee);
    let self_means = self_means(input, &questions, &slots);
    let mut entries = people.entries;
    let (dimensions, exact_scores) = dimension_scores(input, &slots, &mut entries, &self_means);
    let alignment_score = alignment(input.profile, &exact_scores);
    let organisation_alignments =
        organisation_alignments(input.profile, &slots, &entries, orgs.count());

    let mut flags = people.low_ratings;
    if !input.show_identity {
        // In referee order, the low ratings would say which of them came from one person.
        flags.sort_by(|a, b| a.detail.cmp(&b.detail));
    }
    flags.extend(flags::below_min(&dimensions));
    flags.extend(flags::low_agreement(&dimensions));
    flags.extend(flags::insufficient(input, responses, orgs.count()));
    flags.extend(flags::nominated_only(responses, &orgs.sources));
    flags.extend(flags::source_gap(input, &dimensions));
    flags.extend(flags::blind_spot(input, &dimensions));
    flags.extend(flags::duplicate_referee(input.referees));
    flags.extend(flags::same_domain(input));
    flags.extend(flags::duplicate_ip(&completed, &orgs.of_referee));
    flags.extend(flags::provider_ip(input, &completed));
    flags.extend(flags::unviewed(&completed));
    flags.extend(flags::too_fast(input, &completed));

    let recommendation = recommend(input, responses, orgs.count(), &dimensions, &flags);
    let (comments, rehire) = comments_and_rehire(input, &completed);
    let self_assessment = input.self_assessment.map(|sa| SelfAssessmentScores {
        submitted_at: sa.submitted_at,
        dimensions: dimensions
            .iter()
            .map(|d| SelfDimension {
                key: d.key.clone(),
                score: d.self_score,
            })
            .collect(),
    });
    Scores {
        responses,
        quorum_met: responses >= input.min_responses,
        organisations: orgs.count(),
        sources: orgs.sources,
        alignment_score,
        recommendation,
        dimensions,
        flags,
        comments,
        rehire,
        self_assessment,
        organisation_alignments,
    }
}

/// Dimension key → slot (the first profile entry with that key).
fn dimension_slots(profile: &[Dimension]) -> HashMap<&str, usize> {
    let mut slots: HashMap<&str, usize> = HashMap::new();
    for (i, d) in profile.iter().enumerate() {
        slots.entry(d.key.as_str()).or_insert(i);
    }
    slots
}

/// The organisations of the completed responses, numbered in order of appearance (the
/// numbers never reach the output: every figure is sorted by value).
struct Organisations {
    /// The organisation of each completed referee, in their order.
    of_referee: Vec<usize>,
    /// Per organisation: whether it has a sourced, a nominated completed reference.
    kinds: Vec<[bool; 2]>,
    sources: Sources,
}

impl Organisations {
    fn of(completed: &[&RefereeInput], public_mail_domains: &[String]) -> Self {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut kinds: Vec<[bool; 2]> = Vec::new();
        let of_referee = completed
            .iter()
            .map(|r| {
                let key = r
                    .organisation
                    .clone()
                    .unwrap_or_else(|| organisation_key(&r.email, &r.company, public_mail_domains));
                let next = ids.len();
                let id = *ids.entry(key).or_insert(next);
                if id == kinds.len() {
                    kinds.push([false; 2]);
                }
                kinds[id][usize::from(r.source == ReferenceSource::Nominated)] = true;
                id
            })
            .collect();
        let sources = Sources {
            sourced: kinds.iter().filter(|s| s[0]).count() as u32,
            nominated: kinds.iter().filter(|s| s[1]).count() as u32,
        };
        Self {
            of_referee,
            kinds,
            sources,
        }
    }

    fn count(&self) -> u32 {
        self.kinds.len() as u32
    }
}

/// m(r, d) of every completed referee, and the low ratings met on the way.
struct PersonMeans {
    /// Per dimension slot, one entry per referee with data.
    entries: Vec<Vec<Entry>>,
    low_ratings: Vec<Flag>,
}

impl PersonMeans {
    fn of(
        input: &ScoringInput<'_>,
        questions: &HashMap<&str, &Question>,
        slots: &HashMap<&str, usize>,
        completed: &[&RefereeInput],
        org_of: &[usize],
    ) -> Self {
        let nd = input.profile.len();
        let mut entries: Vec<Vec<Entry>> = vec![Vec::new(); nd];
        let mut low_ratings = Vec::new();
        let mut sums: Vec<(f64, u32)> = vec![(0.0, 0); nd];
        for (r, &org) in completed.iter().zip(org_of) {
            sums.fill((0.0, 0));
            for (key, raw) in &r.answers {
                let Some(q) = questions.get(key.as_str()) else {
                    continue;
                };
                let Some(v) = counted_value(q, raw) else {
                    continue;
                };
                let dim = q.dimension.as_deref().unwrap_or_default();
                if let Some(&slot) = slots.get(dim) {
                    // Likert sums are sums of small integers, exact in any order;
                    // percentile values are not, but answers come in key order (a
                    // BTreeMap), so the same answers always give the same bits.
                    sums[slot].0 += v;
                    sums[slot].1 += 1;
                }
                if let Some(f) = flags::low_rating(input, r, q, dim, v) {
                    low_ratings.push(f);
                }
            }
            for (slot, &(sum, count)) in sums.iter().enumerate() {
                if count > 0 {
                    entries[slot].push(Entry {
                        org,
                        source: r.source,
                        m: sum / f64::from(count),
                    });
                }
            }
        }
        Self {
            entries,
            low_ratings,
        }
    }
}

/// The self-assessment's mean per dimension slot (1–5).
fn self_means(
    input: &ScoringInput<'_>,
    questions: &HashMap<&str, &Question>,
    slots: &HashMap<&str, usize>,
) -> Vec<Option<f64>> {
    let nd = input.profile.len();
    let Some(sa) = input.self_assessment else {
        return vec![None; nd];
    };
    let mut sums: Vec<(f64, u32)> = vec![(0.0, 0); nd];
    for (key, raw) in &sa.answers {
        let Some(q) = questions.get(key.as_str()) else {
            continue;
        };
        let Some(v) = counted_value(q, raw) else {
            continue;
        };
        if let Some(&slot) = q.dimension.as_deref().and_then(|d| slots.get(d)) {
            sums[slot].0 += v;
            sums[slot].1 += 1;
        }
    }
    sums.iter()
        .map(|&(sum, count)| (count > 0).then(|| sum / f64::from(count)))
        .collect()
}

/// Per dimension: organisation-level figures, people, provenance groups and self; and the
/// exact (unrounded) organisation-level scores the alignment is computed from.
fn dimension_scores(
    input: &ScoringInput<'_>,
    slots: &HashMap<&str, usize>,
    entries: &mut [Vec<Entry>],
    self_means: &[Option<f64>],
) -> (Vec<DimensionScore>, Vec<Option<f64>>) {
    let mut exact_scores: Vec<Option<f64>> = Vec::with_capacity(input.profile.len());
    let dimensions = input
        .profile
        .iter()
        .map(|dim| {
            let slot = slots[dim.key.as_str()];
            let es = &mut entries[slot];
            es.sort_by(|a, b| a.org.cmp(&b.org).then(a.m.total_cmp(&b.m)));
            let all = organisation_means(es, |_| true);
            let sourced = organisation_means(es, |s| s == ReferenceSource::Sourced);
            let nominated = organisation_means(es, |s| s == ReferenceSource::Nominated);
            let mut people: Vec<f64> = es.iter().map(|e| e.m).collect();
            people.sort_by(f64::total_cmp);

            exact_scores.push(mean(&all).map(to_score));
            let mut d = organisation_stats(dim, &all);
            d.referees = people.len() as u32;
            d.person_score = mean(&people).map(published);
            let group_of = |source| es.iter().filter(|e| e.source == source).count() as u32;
            let big_enough = |source| group_of(source) >= input.min_group_size;
            d.sourced_score = mean(&sourced)
                .filter(|_| big_enough(ReferenceSource::Sourced))
                .map(published);
            d.nominated_score = mean(&nominated)
                .filter(|_| big_enough(ReferenceSource::Nominated))
                .map(published);
            d.self_score = self_means[slot].map(published);
            d.self_gap = d.self_score.zip(d.score).map(|(s, c)| gap(s, c));
            d.referee_scores = people.iter().map(|m| published(*m)).collect();
            d
        })
        .collect();
    (dimensions, exact_scores)
}

/// Σ weight × score / Σ weight from the exact organisation-level scores, over the
/// dimensions with data; only the result is rounded.
fn alignment(profile: &[Dimension], exact_scores: &[Option<f64>]) -> Option<f64> {
    let (weighted, weights) = profile
        .iter()
        .zip(exact_scores)
        .filter_map(|(d, s)| Some((s.as_ref()?, d.weight)))
        .fold((0.0, 0.0), |(a, b), (s, w)| (a + s * w, b + w));
    (weights > 0.0).then(|| round(weighted / weights, 1))
}

/// Each organisation's own alignment score (the weighted mean of its scores over the
/// dimensions it has data on), unrounded and sorted by value: what the single-organisation
/// reliability (DESIGN.md "Sufficiency") is estimated from. `entries` must be sorted by
/// organisation within each slot, as [`dimension_scores`] leaves them.
fn organisation_alignments(
    profile: &[Dimension],
    slots: &HashMap<&str, usize>,
    entries: &[Vec<Entry>],
    organisations: u32,
) -> Vec<f64> {
    let mut per_org: Vec<(f64, f64)> = vec![(0.0, 0.0); organisations as usize];
    for dim in profile {
        for group in entries[slots[dim.key.as_str()]].chunk_by(|a, b| a.org == b.org) {
            let m = group.iter().map(|e| e.m).sum::<f64>() / group.len() as f64;
            let acc = &mut per_org[group[0].org];
            acc.0 += dim.weight * to_score(m);
            acc.1 += dim.weight;
        }
    }
    let mut alignments: Vec<f64> = per_org
        .into_iter()
        .filter(|&(_, w)| w > 0.0)
        .map(|(sum, w)| sum / w)
        .collect();
    alignments.sort_by(f64::total_cmp);
    alignments
}

/// DESIGN.md's recommendation: too little evidence, then a dimension below its minimum,
/// then any flag; a person always decides.
fn recommend(
    input: &ScoringInput<'_>,
    responses: u32,
    organisations: u32,
    dimensions: &[DimensionScore],
    flags: &[Flag],
) -> Recommendation {
    if responses < input.min_responses || organisations < input.min_organisations {
        Recommendation::InsufficientData
    } else if dimensions.iter().any(|d| d.below_min) {
        Recommendation::BelowProfile
    } else if !flags.is_empty() {
        Recommendation::Review
    } else {
        Recommendation::MeetsProfile
    }
}

/// The non-blank free-text answers (sorted unless identities are shown) and the answers
/// to "would you hire them again?".
fn comments_and_rehire(
    input: &ScoringInput<'_>,
    completed: &[&RefereeInput],
) -> (Vec<Comment>, Rehire) {
    let mut comments = Vec::new();
    let mut rehire = Rehire::default();
    for q in input.questions {
        for r in completed {
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
                    locale: r.locale.clone(),
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
    (comments, rehire)
}
