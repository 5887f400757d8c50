//! The scoring rules against numbers worked out by hand, every flag on and off, and
//! properties that must hold for any answers.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::domain::ReferenceSource::{Nominated, Sourced};
use crate::organisations::DEFAULT_PUBLIC_MAIL_DOMAINS;
use crate::profile::Dimension;
use crate::questionnaire::{Question, QuestionKind};

fn dim(key: &str, weight: f64, min_score: f64) -> Dimension {
    Dimension {
        key: key.into(),
        label: key.to_uppercase(),
        weight,
        min_score,
    }
}

fn q(key: &str, kind: QuestionKind, dimension: Option<&str>, reverse: bool) -> Question {
    Question {
        key: key.into(),
        prompt: format!("Prompt {key}"),
        kind,
        dimension: dimension.map(Into::into),
        required: false,
        reverse_scored: reverse,
        options: Vec::new(),
        self_prompt: None,
        pulse_prompt: None,
        translations: Default::default(),
    }
}

fn questions() -> Vec<Question> {
    vec![
        q("v1", QuestionKind::Likert, Some("values"), false),
        q("v2", QuestionKind::Likert, Some("values"), true),
        q("e1", QuestionKind::Likert, Some("expertise"), false),
        q("rehire", QuestionKind::YesNo, None, false),
        q("concerns", QuestionKind::Text, None, false),
    ]
}

/// Four expertise questions, for means in thirds and quarters.
fn expertise_questions() -> Vec<Question> {
    (1..=4)
        .map(|i| {
            q(
                &format!("e{i}"),
                QuestionKind::Likert,
                Some("expertise"),
                false,
            )
        })
        .collect()
}

fn profile() -> Vec<Dimension> {
    vec![dim("values", 3.0, 60.0), dim("expertise", 1.0, 50.0)]
}

fn public() -> Vec<String> {
    DEFAULT_PUBLIC_MAIL_DOMAINS
        .iter()
        .map(|d| d.to_string())
        .collect()
}

/// Referee `n` works at its own organisation, `client<n>.example`, and was sourced.
fn referee(n: u8, answers: &[(&str, &str)]) -> RefereeInput {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    RefereeInput {
        reference_id: Uuid::from_u128(u128::from(n)),
        name: format!("Referee {n}"),
        email: format!("r{n}@client{n}.example"),
        company: format!("Client {n}"),
        organisation: None,
        source: Sourced,
        completed: true,
        withdrawn: false,
        answers: answers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        client_ip: Some(format!("192.0.2.{n}")),
        first_viewed_at: Some(t0),
        submitted_at: Some(t0 + Duration::minutes(5)),
        locale: None,
    }
}

/// Referee `n` at the organisation with domain `domain`.
fn at(n: u8, domain: &str, answers: &[(&str, &str)]) -> RefereeInput {
    let mut r = referee(n, answers);
    r.email = format!("r{n}@{domain}");
    r
}

/// A scoring input with one organisation needed, the default public mailbox list, and the
/// default thresholds (source gap 20, blind spot 25).
fn input<'a>(
    qs: &'a [Question],
    p: &'a [Dimension],
    refs: &'a [RefereeInput],
    min: u32,
) -> ScoringInput<'a> {
    static PUBLIC: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(public);
    ScoringInput {
        questions: qs,
        profile: p,
        referees: refs,
        min_responses: min,
        min_organisations: 1,
        public_mail_domains: &PUBLIC,
        provider_domains: &[],
        provider_ips: &[],
        min_seconds_per_question: 2.0,
        source_gap_points: 20.0,
        blind_spot_points: 25.0,
        self_assessment: None,
        show_identity: false,
        min_group_size: 1,
    }
}

fn kinds(s: &Scores) -> Vec<FlagKind> {
    s.flags.iter().map(|f| f.kind).collect()
}

fn count(s: &Scores, kind: FlagKind) -> usize {
    s.flags.iter().filter(|f| f.kind == kind).count()
}

fn self_assessment(answers: &[(&str, &str)]) -> SelfAssessmentInput {
    SelfAssessmentInput {
        answers: answers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        submitted_at: Utc.with_ymd_and_hms(2026, 10, 30, 12, 0, 0).unwrap(),
    }
}

/// Three referees of three organisations (so organisation and person figures coincide),
/// worked by hand:
/// values: m = 5 (A: 5 and reversed 1 → 5), 4 (B: 4 and reversed 2 → 4), 3 (C: 3, "na")
///   mean 4, s = 1, score (4 − 1) / 4 × 100 = 75.0;
///   t(0.975, 2) = 4.302653, half-width 4.302653 × 1 / √3 = 2.484138,
///   interval of means [1.515862, 6.484138] → scores [12.9, 137.1 → 100.0];
///   r_wg = 1 − 1² / 2 = 0.5.
/// expertise: m = 4 (A), 2 (C); B answered "na": n = 2, mean 3, s = √2, score 50.0;
///   t(0.975, 1) = 12.706 → interval clipped to [0, 100]; r_wg = 1 − 2 / 2 = 0.
/// alignment (75 × 3 + 50 × 1) / 4 = 68.75 → 68.8.
#[test]
fn three_referees_give_the_hand_computed_report() {
    let refs = vec![
        referee(
            1,
            &[
                ("v1", "5"),
                ("v2", "1"),
                ("e1", "4"),
                ("rehire", "yes"),
                ("concerns", "Slow in August"),
            ],
        ),
        referee(
            2,
            &[("v1", "4"), ("v2", "2"), ("e1", "na"), ("rehire", "yes")],
        ),
        referee(
            3,
            &[
                ("v1", "3"),
                ("v2", "na"),
                ("e1", "2"),
                ("rehire", "unsure"),
                ("concerns", "  "),
            ],
        ),
    ];
    let (qs, p) = (questions(), profile());
    let s = score_case(&input(&qs, &p, &refs, 3));
    let values = &s.dimensions[0];
    assert_eq!(values.key, "values");
    assert_eq!(values.n, 3);
    assert_eq!(values.referees, 3);
    assert_eq!(values.score, Some(75.0));
    assert_eq!(values.person_score, Some(75.0));
    assert_eq!(values.sourced_score, Some(75.0));
    assert_eq!(values.nominated_score, None);
    assert_eq!(values.stddev, Some(1.0));
    assert_eq!(values.ci95, Some([12.9, 100.0]));
    assert_eq!(values.agreement, Some(0.5));
    assert!(!values.below_min);
    assert_eq!(values.referee_scores, vec![50.0, 75.0, 100.0]);
    assert_eq!(values.organisation_scores, vec![50.0, 75.0, 100.0]);
    assert_eq!((values.self_score, values.self_gap), (None, None));
    let exp = &s.dimensions[1];
    assert_eq!(exp.n, 2);
    assert_eq!(exp.score, Some(50.0));
    assert_eq!(exp.stddev, Some(1.41));
    assert_eq!(exp.ci95, Some([0.0, 100.0]));
    assert_eq!(exp.agreement, Some(0.0));
    assert!(!exp.below_min, "50 is not below a minimum of 50");
    assert_eq!(s.alignment_score, Some(68.8));
    assert_eq!(s.responses, 3);
    assert_eq!(s.organisations, 3);
    assert_eq!(
        s.sources,
        Sources {
            sourced: 3,
            nominated: 0
        }
    );
    assert!(s.quorum_met);
    assert_eq!(kinds(&s), vec![FlagKind::LowAgreement]);
    assert!(s.flags[0].detail.contains("Client organisations disagree"));
    assert_eq!(s.recommendation, Recommendation::Review);
    assert_eq!(
        s.rehire,
        Rehire {
            yes: 2,
            no: 0,
            unsure: 1
        }
    );
    assert_eq!(s.comments.len(), 1, "blank text is no comment");
    assert_eq!(s.comments[0].text, "Slow in August");
    assert_eq!(s.comments[0].referee, None, "anonymous by default");
    assert_eq!(s.self_assessment, None);
}

/// Organisation A sends three people, B one; expertise answers:
///   A: 5, 5, 2 → M(A) = 12 / 3 = 4;  B: 3 → M(B) = 3.
/// Organisation level: means [3, 4], mean 3.5 → score 62.5; s = √0.5 = 0.7071 → 0.71;
///   r_wg = 1 − 0.5 / 2 = 0.75; t(0.975, 1) × 0.7071 / √2 = 6.35 → [0, 100] after clipping.
/// Person level: (5 + 5 + 2 + 3) / 4 = 3.75 → 68.75 → 68.8 — A's three votes would have
///   pulled the score up by 6.3 points.
/// Values has no data: alignment = expertise alone = 62.5.
#[test]
fn organisations_of_unequal_size_get_one_vote_each() {
    let refs = vec![
        at(1, "a.example", &[("e1", "5")]),
        at(2, "A.Example", &[("e1", "5")]),
        at(3, "a.example", &[("e1", "2")]),
        at(4, "b.example", &[("e1", "3")]),
    ];
    let (qs, p) = (questions(), profile());
    let mut inp = input(&qs, &p, &refs, 3);
    inp.min_organisations = 2;
    let s = score_case(&inp);
    let e = &s.dimensions[1];
    assert_eq!((e.n, e.referees), (2, 4));
    assert_eq!(e.score, Some(62.5));
    assert_eq!(e.person_score, Some(68.8));
    assert_eq!(e.stddev, Some(0.71));
    assert_eq!(e.agreement, Some(0.75));
    assert_eq!(e.ci95, Some([0.0, 100.0]));
    assert_eq!(e.referee_scores, vec![25.0, 50.0, 100.0, 100.0]);
    assert_eq!(e.organisation_scores, vec![50.0, 75.0]);
    assert_eq!(e.sourced_score, Some(62.5));
    assert_eq!(s.dimensions[0].n, 0);
    assert_eq!(s.dimensions[0].referees, 0);
    assert_eq!(s.dimensions[0].person_score, None);
    assert_eq!(s.alignment_score, Some(62.5));
    assert_eq!((s.responses, s.organisations), (4, 2));
    assert!(s.flags.is_empty(), "{:?}", s.flags);
    assert_eq!(s.recommendation, Recommendation::MeetsProfile);
}

/// Three people of one organisation: expertise 4, 5, 3 → M = 4 → 75.0, a single vote:
/// the interval is the whole range and there is no agreement to speak of.
#[test]
fn a_single_organisation_gets_the_whole_range_and_no_agreement() {
    let refs = vec![
        at(1, "one.example", &[("e1", "4")]),
        at(2, "one.example", &[("e1", "5")]),
        at(3, "one.example", &[("e1", "3")]),
    ];
    let (qs, p) = (questions(), profile());
    let mut inp = input(&qs, &p, &refs, 3);
    inp.min_organisations = 2;
    let s = score_case(&inp);
    let e = &s.dimensions[1];
    assert_eq!(
        (e.n, e.referees, e.score, e.stddev, e.ci95, e.agreement),
        (1, 3, Some(75.0), Some(0.0), Some([0.0, 100.0]), None)
    );
    assert_eq!(e.person_score, Some(75.0));
    assert!(s.quorum_met, "three responses meet a quorum of three");
    assert_eq!(s.organisations, 1);
    assert_eq!(kinds(&s), vec![FlagKind::InsufficientOrganisations]);
    assert_eq!(
        s.flags[0].detail,
        "1 of the 2 client organisations needed has answered; several people from one organisation count as one."
    );
    assert_eq!(s.recommendation, Recommendation::InsufficientData);
}

#[test]
fn a_single_referee_gets_the_whole_range_and_no_agreement() {
    let refs = vec![referee(1, &[("v1", "4"), ("v2", "2"), ("e1", "3")])];
    let (qs, p) = (questions(), profile());
    let s = score_case(&input(&qs, &p, &refs, 1));
    let v = &s.dimensions[0];
    assert_eq!(
        (v.n, v.score, v.stddev, v.ci95, v.agreement),
        (1, Some(75.0), Some(0.0), Some([0.0, 100.0]), None)
    );
    assert_eq!(s.recommendation, Recommendation::MeetsProfile);
    assert!(s.flags.is_empty());
}

/// With no responses there are also no organisations: since organisations were added,
/// `insufficient_organisations` is raised next to `insufficient_responses` (the helper
/// needs one organisation).
#[test]
fn no_responses_means_no_alignment_and_insufficient_data() {
    let (qs, p) = (questions(), profile());
    let s = score_case(&input(&qs, &p, &[], 3));
    assert_eq!(s.alignment_score, None);
    assert_eq!(s.recommendation, Recommendation::InsufficientData);
    assert!(s.dimensions.iter().all(|d| d.score.is_none()
        && d.n == 0
        && d.referees == 0
        && d.ci95.is_none()
        && d.person_score.is_none()
        && d.sourced_score.is_none()
        && d.nominated_score.is_none()));
    assert_eq!(
        kinds(&s),
        vec![
            FlagKind::InsufficientResponses,
            FlagKind::InsufficientOrganisations
        ]
    );
    assert_eq!(s.organisations, 0);
    assert_eq!(s.sources, Sources::default());
}

#[test]
fn below_min_and_low_rating_after_reverse_scoring() {
    // values answers 2 and reversed 5 → 1: mean 1.5, score 12.5 < 60.
    let refs = vec![referee(1, &[("v1", "2"), ("v2", "5"), ("e1", "5")])];
    let (qs, p) = (questions(), profile());
    let s = score_case(&input(&qs, &p, &refs, 1));
    assert_eq!(s.dimensions[0].score, Some(12.5));
    assert!(s.dimensions[0].below_min);
    let k = kinds(&s);
    assert_eq!(count(&s, FlagKind::LowRating), 2, "{k:?}");
    assert!(k.contains(&FlagKind::BelowMin));
    assert_eq!(s.recommendation, Recommendation::BelowProfile);
    let reversed = s
        .flags
        .iter()
        .find(|f| f.detail.contains("Prompt v2"))
        .unwrap();
    assert!(reversed.detail.contains("after reverse scoring"));
    // Ratings of 3 and above on values raise nothing.
    let refs = vec![referee(1, &[("v1", "3"), ("v2", "3"), ("e1", "1")])];
    let s = score_case(&input(&qs, &p, &refs, 1));
    assert!(
        !kinds(&s).contains(&FlagKind::LowRating),
        "expertise ratings never count as low_rating"
    );
}

/// below_min compares the published score: expertise (3, 3, 4) → 10/3 → 58.333… → 58.3,
/// below 58.33 as published (the exact score 58.333… is not), and not below 58.3.
#[test]
fn below_min_agrees_with_the_published_score() {
    let qs = expertise_questions();
    let refs = vec![referee(1, &[("e1", "3"), ("e2", "3"), ("e3", "4")])];
    for (min, below) in [(58.33, true), (58.3, false)] {
        let p = vec![dim("expertise", 1.0, min)];
        let s = score_case(&input(&qs, &p, &refs, 1));
        assert_eq!(s.dimensions[0].score, Some(58.3));
        assert_eq!(s.dimensions[0].below_min, below, "minimum {min}");
    }
}

#[test]
fn insufficient_responses_flag_and_recommendation_follow_the_quorum() {
    let refs = vec![referee(1, &[("v1", "4")]), referee(2, &[("v1", "4")])];
    let (qs, p) = (questions(), profile());
    let s = score_case(&input(&qs, &p, &refs, 3));
    assert!(kinds(&s).contains(&FlagKind::InsufficientResponses));
    assert_eq!(s.recommendation, Recommendation::InsufficientData);
    assert!(!s.quorum_met);
    let s = score_case(&input(&qs, &p, &refs, 2));
    assert!(!kinds(&s).contains(&FlagKind::InsufficientResponses));
    assert_eq!(s.recommendation, Recommendation::MeetsProfile);
}

/// Enough responses (3 of 3) but from two organisations where three are needed: the data
/// is insufficient on organisations alone.
#[test]
fn too_few_organisations_alone_make_the_data_insufficient() {
    let refs = vec![
        at(1, "a.example", &[("v1", "4")]),
        at(2, "a.example", &[("v1", "4")]),
        at(3, "b.example", &[("v1", "4")]),
    ];
    let (qs, p) = (questions(), profile());
    let mut inp = input(&qs, &p, &refs, 3);
    inp.min_organisations = 3;
    let s = score_case(&inp);
    assert!(s.quorum_met);
    assert_eq!(s.organisations, 2);
    assert_eq!(kinds(&s), vec![FlagKind::InsufficientOrganisations]);
    assert_eq!(
        s.flags[0].detail,
        "2 of the 3 client organisations needed have answered; several people from one organisation count as one."
    );
    assert_eq!(s.recommendation, Recommendation::InsufficientData);
    inp.min_organisations = 2;
    let s = score_case(&inp);
    assert!(s.flags.is_empty());
    assert_eq!(s.recommendation, Recommendation::MeetsProfile);
}

/// Organisations count completed, non-withdrawn responses only.
#[test]
fn organisations_count_completed_responses_only() {
    let mut pending = at(2, "b.example", &[]);
    pending.completed = false;
    let mut withdrawn = at(3, "c.example", &[("v1", "4")]);
    withdrawn.withdrawn = true;
    let refs = vec![at(1, "a.example", &[("v1", "4")]), pending, withdrawn];
    let (qs, p) = (questions(), profile());
    let s = score_case(&input(&qs, &p, &refs, 1));
    assert_eq!((s.responses, s.organisations), (1, 1));
    assert_eq!(s.sources.sourced, 1);
}

/// Public mailbox addresses are grouped by company (lower-cased, trimmed, inner spaces
/// collapsed); the domain's case does not matter.
#[test]
fn public_mailbox_referees_are_grouped_by_company() {
    let (qs, p) = (questions(), profile());
    let mut a = at(1, "gmail.com", &[("e1", "5")]);
    let mut b = at(2, "GMail.COM", &[("e1", "3")]);
    a.company = "Acme  Widgets".into();
    b.company = " acme widgets ".into();
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert_eq!(s.organisations, 1);
    let e = &s.dimensions[1];
    // One organisation: M = (5 + 3) / 2 = 4 → 75.0.
    assert_eq!((e.n, e.referees, e.score), (1, 2, Some(75.0)));

    b.company = "Globex".into();
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert_eq!(s.organisations, 2);
    assert_eq!(s.dimensions[1].n, 2);

    // A company domain is keyed by domain, whatever the company field says.
    let mut c = at(3, "acme.example", &[("e1", "4")]);
    let mut d = at(4, "ACME.example", &[("e1", "4")]);
    c.company = "Acme".into();
    d.company = "Something else".into();
    let s = score_case(&input(&qs, &p, &[c, d], 1));
    assert_eq!(s.organisations, 1);
}

/// A referee's provenance: org A has a sourced referee (expertise 5) and a nominated one
/// (3); org B a nominated one (1).
///   all:       M(A) = 4, M(B) = 1 → mean 2.5 → 37.5
///   sourced:   A only, with its sourced referee: 5 → 100.0
///   nominated: A with its nominated referee: 3, B: 1 → mean 2 → 25.0
///   A counts in both groups: sources = {sourced: 1, nominated: 2}.
#[test]
fn provenance_scores_use_each_organisations_referees_of_that_kind() {
    let mut r2 = at(2, "a.example", &[("e1", "3")]);
    let mut r3 = at(3, "b.example", &[("e1", "1")]);
    r2.source = Nominated;
    r3.source = Nominated;
    let refs = vec![at(1, "a.example", &[("e1", "5")]), r2, r3];
    let qs = questions();
    let p = vec![dim("values", 3.0, 0.0), dim("expertise", 1.0, 0.0)];
    let s = score_case(&input(&qs, &p, &refs, 1));
    let e = &s.dimensions[1];
    assert_eq!((e.n, e.referees), (2, 3));
    assert_eq!(e.score, Some(37.5));
    assert_eq!(e.sourced_score, Some(100.0));
    assert_eq!(e.nominated_score, Some(25.0));
    // (5 + 3 + 1) / 3 = 3 → 50.0.
    assert_eq!(e.person_score, Some(50.0));
    assert_eq!(
        s.sources,
        Sources {
            sourced: 1,
            nominated: 2
        }
    );
    let values = &s.dimensions[0];
    assert_eq!((values.sourced_score, values.nominated_score), (None, None));
    // Nominated referees rate lower here: no source_gap, and no nominated_only. The two
    // organisations disagree: s² = (4 − 2.5)² + (1 − 2.5)² = 4.5 > 2 → agreement 0.
    assert_eq!(e.agreement, Some(0.0));
    assert_eq!(kinds(&s), vec![FlagKind::LowAgreement]);
    assert_eq!(
        source_gap_sentence(e).as_deref(),
        Some(
            "References the provider chose rate them 75.0 points lower on \u{201c}EXPERTISE\u{201d} than the ones you found."
        )
    );
}

#[test]
fn nominated_only_is_raised_when_no_response_was_sourced() {
    let (qs, p) = (questions(), profile());
    let mut a = referee(1, &[("v1", "4")]);
    let mut b = referee(2, &[("v1", "4")]);
    a.source = Nominated;
    b.source = Nominated;
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert_eq!(kinds(&s), vec![FlagKind::NominatedOnly]);
    assert_eq!(s.recommendation, Recommendation::Review);
    assert_eq!(
        s.sources,
        Sources {
            sourced: 0,
            nominated: 2
        }
    );
    // A sourced reference that has not answered does not help.
    let mut c = referee(3, &[]);
    c.completed = false;
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone(), c], 1));
    assert_eq!(kinds(&s), vec![FlagKind::NominatedOnly]);
    // One sourced response is enough.
    b.source = Sourced;
    let s = score_case(&input(&qs, &p, &[a, b], 1));
    assert!(s.flags.is_empty());
    // No response at all: nothing to say about provenance.
    let s = score_case(&input(&qs, &p, &[], 0));
    assert!(!kinds(&s).contains(&FlagKind::NominatedOnly));
}

/// Sourced org: expertise (3, 3, 4) → 10/3 → 58.333… → published 58.3.
/// Nominated org: (4, 4, 4, 3) → 15/4 = 3.75 → 68.75 → published 68.8.
/// The exact gap is 10.4167, the published one 68.8 − 58.3 = 10.5: a threshold of 10.5
/// raises the flag (the reader sees 10.5), 10.6 does not.
#[test]
fn source_gap_at_the_threshold_is_flagged_from_the_published_scores() {
    let qs = expertise_questions();
    let p = vec![dim("expertise", 1.0, 0.0)];
    let mut nominated = referee(2, &[("e1", "4"), ("e2", "4"), ("e3", "4"), ("e4", "3")]);
    nominated.source = Nominated;
    let refs = vec![
        referee(1, &[("e1", "3"), ("e2", "3"), ("e3", "4"), ("e4", "na")]),
        nominated,
    ];
    let mut inp = input(&qs, &p, &refs, 1);
    inp.source_gap_points = 10.5;
    let s = score_case(&inp);
    let e = &s.dimensions[0];
    assert_eq!(
        (e.sourced_score, e.nominated_score),
        (Some(58.3), Some(68.8))
    );
    assert_eq!(kinds(&s), vec![FlagKind::SourceGap]);
    assert_eq!(
        s.flags[0].detail,
        "References the provider chose rate them 10.5 points higher on \u{201c}EXPERTISE\u{201d} than the ones you found."
    );
    assert_eq!(s.flags[0].reference_id, None);
    assert_eq!(s.recommendation, Recommendation::Review);
    inp.source_gap_points = 10.6;
    let s = score_case(&inp);
    assert!(s.flags.is_empty(), "{:?}", s.flags);
    // The sentence is there for the UI below the threshold too.
    assert!(
        source_gap_sentence(&s.dimensions[0])
            .unwrap()
            .contains("10.5 points higher")
    );
}

#[test]
fn source_gap_sentences_say_higher_lower_or_the_same() {
    let d = DimensionScore {
        label: "Dedication".into(),
        sourced_score: Some(60.0),
        nominated_score: Some(84.0),
        ..DimensionScore::default()
    };
    assert_eq!(
        source_gap_sentence(&d).as_deref(),
        Some(
            "References the provider chose rate them 24.0 points higher on \u{201c}Dedication\u{201d} than the ones you found."
        )
    );
    let same = DimensionScore {
        nominated_score: Some(60.0),
        ..d.clone()
    };
    assert_eq!(
        source_gap_sentence(&same).as_deref(),
        Some(
            "References the provider chose rate them the same on \u{201c}Dedication\u{201d} as the ones you found."
        )
    );
    let lower = DimensionScore {
        nominated_score: Some(59.9),
        ..d.clone()
    };
    assert!(
        source_gap_sentence(&lower)
            .unwrap()
            .contains("0.1 points lower")
    );
    let no_sourced = DimensionScore {
        sourced_score: None,
        ..d
    };
    assert_eq!(source_gap_sentence(&no_sourced), None);
}

/// Clients: one organisation, expertise (3, 3, 4) → 58.3. The provider about itself:
///   (5, 5, 3, 4) → 17/4 = 4.25 → 81.25 → 81.3: gap 81.3 − 58.3 = 23.0.
///   (2, 2, 2, 2) → 25.0: gap −33.3, never a blind spot.
#[test]
fn blind_spot_at_just_below_and_under_the_threshold() {
    let qs = expertise_questions();
    let p = vec![dim("expertise", 1.0, 0.0)];
    let refs = vec![referee(
        1,
        &[("e1", "3"), ("e2", "3"), ("e3", "4"), ("e4", "na")],
    )];
    let above = self_assessment(&[("e1", "5"), ("e2", "5"), ("e3", "3"), ("e4", "4")]);
    let mut inp = input(&qs, &p, &refs, 1);
    inp.self_assessment = Some(&above);
    inp.blind_spot_points = 23.0;
    let s = score_case(&inp);
    let e = &s.dimensions[0];
    assert_eq!(
        (e.self_score, e.score, e.self_gap),
        (Some(81.3), Some(58.3), Some(23.0))
    );
    assert_eq!(kinds(&s), vec![FlagKind::BlindSpot]);
    assert_eq!(
        s.flags[0].detail,
        "The provider rates itself 23.0 points higher on \u{201c}EXPERTISE\u{201d} than its clients do."
    );
    assert_eq!(s.recommendation, Recommendation::Review);
    assert_eq!(
        s.self_assessment,
        Some(SelfAssessmentScores {
            submitted_at: above.submitted_at,
            dimensions: vec![SelfDimension {
                key: "expertise".into(),
                score: Some(81.3)
            }],
        })
    );
    inp.blind_spot_points = 23.1;
    let s = score_case(&inp);
    assert!(s.flags.is_empty(), "{:?}", s.flags);
    assert_eq!(s.recommendation, Recommendation::MeetsProfile);

    let below = self_assessment(&[("e1", "2"), ("e2", "2"), ("e3", "2"), ("e4", "2")]);
    inp.self_assessment = Some(&below);
    inp.blind_spot_points = 25.0;
    let s = score_case(&inp);
    assert_eq!(s.dimensions[0].self_gap, Some(-33.3));
    assert!(
        s.flags.is_empty(),
        "a provider humbler than its clients has no blind spot"
    );
    assert_eq!(
        self_gap_sentence(&s.dimensions[0]).as_deref(),
        Some(
            "The provider rates itself 33.3 points lower on \u{201c}EXPERTISE\u{201d} than its clients do."
        )
    );
}

/// The self-assessment is scored like a referee's answers, reverse scoring included, per
/// profile dimension in profile order; "not observed" and non-likert answers are left out.
#[test]
fn self_assessment_scores_follow_the_referee_rules() {
    let qs = questions();
    let p = vec![dim("values", 3.0, 0.0), dim("expertise", 1.0, 0.0)];
    // values: 4 and reversed 1 → 5: mean 4.5 → 87.5; expertise "na": no score.
    let sa = self_assessment(&[("v1", "4"), ("v2", "1"), ("e1", "na"), ("rehire", "yes")]);
    let refs = vec![referee(1, &[("v1", "3"), ("v2", "3"), ("e1", "4")])];
    let mut inp = input(&qs, &p, &refs, 1);
    inp.self_assessment = Some(&sa);
    let s = score_case(&inp);
    let sa_scores = s.self_assessment.clone().unwrap();
    assert_eq!(
        sa_scores.dimensions,
        vec![
            SelfDimension {
                key: "values".into(),
                score: Some(87.5)
            },
            SelfDimension {
                key: "expertise".into(),
                score: None
            },
        ]
    );
    // Clients: values (3, reversed 3 → 3) → 50.0: gap 37.5 ≥ 25.
    assert_eq!(s.dimensions[0].self_gap, Some(37.5));
    assert_eq!(s.dimensions[1].self_gap, None, "no self score, no gap");
    assert_eq!(kinds(&s), vec![FlagKind::BlindSpot]);
    // Without client data the gap is null too.
    let inp2 = ScoringInput {
        referees: &[],
        ..inp.clone()
    };
    let s = score_case(&inp2);
    assert_eq!(s.dimensions[0].self_score, Some(87.5));
    assert_eq!(s.dimensions[0].self_gap, None);
}

/// The duplicate rule is the email address only, since colleagues of one organisation are
/// now expected (they share one vote): the company rule of old was dropped.
#[test]
fn duplicate_referees_by_email_are_flagged_and_colleagues_are_not() {
    let (qs, p) = (questions(), profile());
    let mut a = referee(1, &[("v1", "4")]);
    let mut b = referee(2, &[("v1", "4")]);
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert!(!kinds(&s).contains(&FlagKind::DuplicateReferee));
    b.email = format!(" {} ", a.email.to_uppercase());
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert_eq!(kinds(&s), vec![FlagKind::DuplicateReferee]);
    assert_eq!(s.flags[0].reference_id, Some(b.reference_id));
    assert_eq!(
        s.flags[0].detail,
        "2 references share the same email address."
    );
    // Same company, different addresses: colleagues, not duplicates.
    b.email = "other@else.example".into();
    a.company = "Acme".into();
    b.company = " acme ".into();
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert!(!kinds(&s).contains(&FlagKind::DuplicateReferee));
    b.email = a.email.clone();
    b.withdrawn = true;
    let s = score_case(&input(&qs, &p, &[a, b], 1));
    assert!(
        !kinds(&s).contains(&FlagKind::DuplicateReferee),
        "a withdrawn reference does not count"
    );
}

#[test]
fn fraud_signals_trigger_and_stay_quiet() {
    let (qs, p) = (questions(), profile());
    let domains = vec!["ledger.example".to_string()];
    let mut inside = referee(1, &[("v1", "4")]);
    inside.email = "friend@ledger.example".into();
    let outside = referee(2, &[("v1", "4")]);
    let mut inp = input(&qs, &p, &[], 1);
    inp.provider_domains = &domains;
    let refs = [inside.clone(), outside.clone()];
    inp.referees = &refs;
    let s = score_case(&inp);
    let same: Vec<_> = s
        .flags
        .iter()
        .filter(|f| f.kind == FlagKind::FraudSameDomain)
        .collect();
    assert_eq!(same.len(), 1);
    assert_eq!(same[0].reference_id, Some(inside.reference_id));

    // 5 questions × 2 s = 10 s: exactly 10 s is plausible, 9 s is not.
    let mut fast = referee(1, &[("v1", "4")]);
    fast.submitted_at = fast.first_viewed_at.map(|t| t + Duration::seconds(10));
    let s = score_case(&input(&qs, &p, std::slice::from_ref(&fast), 1));
    assert!(s.flags.is_empty());
    fast.submitted_at = fast.first_viewed_at.map(|t| t + Duration::seconds(9));
    let s = score_case(&input(&qs, &p, std::slice::from_ref(&fast), 1));
    assert_eq!(kinds(&s), vec![FlagKind::FraudTooFast]);
    assert_eq!(s.flags[0].reference_id, Some(fast.reference_id));
    assert_eq!(s.recommendation, Recommendation::Review);
}

/// One network address behind responses of two organisations is suspicious; behind two
/// colleagues of one organisation (an office NAT) it is normal.
#[test]
fn duplicate_ips_are_flagged_across_organisations_only() {
    let (qs, p) = (questions(), profile());
    // Two organisations, one IP; a third reference, not completed, does not count.
    let mut a = referee(1, &[("v1", "4")]);
    let mut b = referee(2, &[("v1", "4")]);
    let mut c = referee(3, &[]);
    a.client_ip = Some("203.0.113.9".into());
    b.client_ip = Some("203.0.113.9".into());
    c.client_ip = Some("203.0.113.9".into());
    c.completed = false;
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone(), c.clone()], 1));
    assert_eq!(kinds(&s), vec![FlagKind::FraudDuplicateIp]);
    assert_eq!(s.flags[0].reference_id, Some(b.reference_id));
    assert_eq!(
        s.flags[0].detail,
        "2 responses from 2 different client organisations were submitted from the same network address."
    );
    let mut b2 = b.clone();
    b2.client_ip = Some("203.0.113.10".into());
    let s = score_case(&input(&qs, &p, &[a.clone(), b2], 1));
    assert!(s.flags.is_empty());

    // Two colleagues at one organisation behind one office address.
    let mut colleague = a.clone();
    colleague.reference_id = Uuid::from_u128(9);
    colleague.email = "someone.else@client1.example".into();
    let s = score_case(&input(&qs, &p, &[a.clone(), colleague.clone()], 1));
    assert!(s.flags.is_empty(), "{:?}", s.flags);
    // … and a gmail colleague with the same company is the same organisation too.
    let mut gmail = colleague.clone();
    gmail.email = "someone@gmail.com".into();
    gmail.company = "Acme".into();
    let mut gmail2 = a.clone();
    gmail2.email = "other@gmail.com".into();
    gmail2.company = "ACME".into();
    let s = score_case(&input(&qs, &p, &[gmail2, gmail], 1));
    assert!(s.flags.is_empty(), "{:?}", s.flags);

    // Colleagues plus another organisation: flagged, naming the other organisation's
    // response.
    let s = score_case(&input(&qs, &p, &[a, colleague, b.clone()], 1));
    assert_eq!(kinds(&s), vec![FlagKind::FraudDuplicateIp]);
    assert_eq!(s.flags[0].reference_id, Some(b.reference_id));
    assert!(
        s.flags[0]
            .detail
            .starts_with("3 responses from 2 different")
    );
}

#[test]
fn a_response_from_the_providers_address_is_flagged() {
    let (qs, p) = (questions(), profile());
    let provider_ips = vec!["198.51.100.7".to_string()];
    let mut a = referee(1, &[("v1", "4")]);
    let b = referee(2, &[("v1", "4")]);
    let refs = [a.clone(), b.clone()];
    let mut inp = input(&qs, &p, &refs, 1);
    inp.provider_ips = &provider_ips;
    let s = score_case(&inp);
    assert!(s.flags.is_empty(), "{:?}", s.flags);
    a.client_ip = Some("198.51.100.7".into());
    let refs = [a.clone(), b];
    inp.referees = &refs;
    let s = score_case(&inp);
    assert_eq!(kinds(&s), vec![FlagKind::FraudProviderIp]);
    assert_eq!(s.flags[0].reference_id, Some(a.reference_id));
    assert!(
        !s.flags[0].detail.contains("198.51.100.7"),
        "no addresses in details"
    );
    assert_eq!(s.recommendation, Recommendation::Review);
    // A reference that has not answered is not a response.
    a.completed = false;
    let refs = [a];
    inp.referees = &refs;
    let s = score_case(&inp);
    assert!(!kinds(&s).contains(&FlagKind::FraudProviderIp));
}

#[test]
fn a_response_whose_form_was_never_loaded_is_flagged_and_not_timed() {
    let (qs, p) = (questions(), profile());
    let mut a = referee(1, &[("v1", "4")]);
    let s = score_case(&input(&qs, &p, std::slice::from_ref(&a), 1));
    assert!(s.flags.is_empty());
    // Never viewed, submitted a moment after "nothing": fraud_unviewed, but no
    // fraud_too_fast (there is no first view to time from).
    a.first_viewed_at = None;
    let s = score_case(&input(&qs, &p, std::slice::from_ref(&a), 1));
    assert_eq!(kinds(&s), vec![FlagKind::FraudUnviewed]);
    assert_eq!(s.flags[0].reference_id, Some(a.reference_id));
    assert_eq!(s.recommendation, Recommendation::Review);
    // A reference that never answered is not flagged.
    a.completed = false;
    let s = score_case(&input(&qs, &p, std::slice::from_ref(&a), 0));
    assert!(!kinds(&s).contains(&FlagKind::FraudUnviewed));
}

/// All the flags at once come in a fixed order: per answer (low_rating), per dimension
/// (below_min, low_agreement), then the case-level ones, provenance, self-assessment,
/// duplicates and fraud.
#[test]
fn flags_come_in_a_fixed_order() {
    let (qs, p) = (questions(), profile());
    let domains = vec!["ledger.example".to_string()];
    let provider_ips = vec!["198.51.100.7".to_string()];
    let mut a = referee(1, &[("v1", "1"), ("e1", "5")]);
    let mut b = referee(2, &[("v1", "5"), ("e1", "1")]);
    a.source = Nominated;
    b.source = Nominated;
    a.email = "pat@ledger.example".into();
    b.client_ip = Some("198.51.100.7".into());
    b.first_viewed_at = None;
    let mut c = referee(3, &[]);
    c.completed = false;
    c.email = "PAT@ledger.example".into();
    let sa = self_assessment(&[("v1", "5"), ("e1", "5")]);
    let refs = [a, b, c];
    let mut inp = input(&qs, &p, &refs, 3);
    inp.min_organisations = 3;
    inp.provider_domains = &domains;
    inp.provider_ips = &provider_ips;
    inp.self_assessment = Some(&sa);
    let s = score_case(&inp);
    assert_eq!(
        kinds(&s),
        vec![
            FlagKind::LowRating,
            FlagKind::BelowMin,
            FlagKind::LowAgreement,
            FlagKind::LowAgreement,
            FlagKind::InsufficientResponses,
            FlagKind::InsufficientOrganisations,
            FlagKind::NominatedOnly,
            FlagKind::BlindSpot,
            FlagKind::BlindSpot,
            FlagKind::DuplicateReferee,
            FlagKind::FraudSameDomain,
            FlagKind::FraudSameDomain,
            FlagKind::FraudProviderIp,
            FlagKind::FraudUnviewed,
        ]
    );
}

#[test]
fn identities_are_shown_only_when_configured() {
    let (qs, p) = (questions(), profile());
    let refs = vec![referee(1, &[("v1", "1"), ("concerns", "Missed deadlines")])];
    let mut inp = input(&qs, &p, &refs, 1);
    let s = score_case(&inp);
    assert_eq!(s.comments[0].referee, None);
    assert!(
        s.flags
            .iter()
            .all(|f| f.kind != FlagKind::LowRating || f.reference_id.is_none())
    );
    inp.show_identity = true;
    let s = score_case(&inp);
    assert_eq!(
        s.comments[0].referee.as_deref(),
        Some("Referee 1 (Client 1)")
    );
}

#[test]
fn the_new_fields_serialise_as_the_api_says() {
    let (qs, p) = (questions(), profile());
    let refs = vec![referee(1, &[("v1", "4")])];
    let sa = self_assessment(&[("v1", "5")]);
    let mut inp = input(&qs, &p, &refs, 1);
    inp.self_assessment = Some(&sa);
    let s = score_case(&inp);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["organisations"], 1);
    assert_eq!(
        json["sources"],
        serde_json::json!({"sourced": 1, "nominated": 0})
    );
    assert_eq!(
        json["self_assessment"]["dimensions"][0],
        serde_json::json!({"key": "values", "score": 100.0})
    );
    let d = &json["dimensions"][0];
    for field in [
        "n",
        "referees",
        "person_score",
        "sourced_score",
        "nominated_score",
        "self_score",
        "self_gap",
        "organisation_scores",
        "referee_scores",
    ] {
        assert!(d.get(field).is_some(), "{field}");
    }
    assert_eq!(d["nominated_score"], serde_json::Value::Null);
    assert_eq!(json["flags"][0]["kind"], "blind_spot");
    let kinds = [
        (
            FlagKind::InsufficientOrganisations,
            "insufficient_organisations",
        ),
        (FlagKind::NominatedOnly, "nominated_only"),
        (FlagKind::SourceGap, "source_gap"),
        (FlagKind::BlindSpot, "blind_spot"),
        (FlagKind::FraudProviderIp, "fraud_provider_ip"),
        (FlagKind::FraudUnviewed, "fraud_unviewed"),
    ];
    for (k, text) in kinds {
        assert_eq!(serde_json::to_value(k).unwrap(), text);
    }
}

fn likert_answers() -> impl Strategy<Value = Vec<BTreeMap<String, String>>> {
    proptest::collection::vec(one_referee_answers(), 0..12)
}

fn one_referee_answers() -> impl Strategy<Value = BTreeMap<String, String>> {
    let answer = prop_oneof![
        (1u8..=5).prop_map(|v| v.to_string()),
        Just("na".to_string()),
    ];
    proptest::collection::vec(answer, 3).prop_map(|vals| {
        ["v1", "v2", "e1"]
            .iter()
            .zip(vals)
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>()
    })
}

fn referees_from(answers: &[BTreeMap<String, String>]) -> Vec<RefereeInput> {
    answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut r = referee(i as u8 + 1, &[]);
            r.answers = a.clone();
            r
        })
        .collect()
}

/// A referee as the property tests see it: answers, one of five organisations (0–2 by
/// company domain, 3–4 through a public mailbox and a company name), and provenance.
type Spec = (BTreeMap<String, String>, usize, bool);

fn specs() -> impl Strategy<Value = Vec<Spec>> {
    proptest::collection::vec((one_referee_answers(), 0usize..5, any::<bool>()), 0..14)
}

/// Organisation `o` under the naming `names` (a permutation of 0..5): a company domain
/// for 0–2, a gmail address with a company name (messily written) for 3–4.
fn referees_of(specs: &[Spec], names: &[usize; 5]) -> Vec<RefereeInput> {
    specs
        .iter()
        .enumerate()
        .map(|(i, (answers, org, nominated))| {
            let mut r = referee(i as u8 + 1, &[]);
            r.answers = answers.clone();
            let name = names[*org];
            if *org < 3 {
                r.email = format!("r{i}@org{name}.example");
            } else {
                r.email = format!("r{i}@gmail.com");
                r.company = format!(" Firm   {name} ");
            }
            if *nominated {
                r.source = Nominated;
            }
            r
        })
        .collect()
}

const IDENTITY: [usize; 5] = [0, 1, 2, 3, 4];

/// The figures that must not change when a referee who agrees exactly with their
/// organisation joins it.
fn organisation_figures(s: &Scores) -> impl PartialEq + std::fmt::Debug {
    (
        s.alignment_score,
        s.organisations,
        s.sources,
        s.dimensions
            .iter()
            .map(|d| {
                (
                    d.n,
                    d.score,
                    d.stddev,
                    d.ci95,
                    d.agreement,
                    d.below_min,
                    d.sourced_score,
                    d.nominated_score,
                    d.organisation_scores.clone(),
                )
            })
            .collect::<Vec<_>>(),
    )
}

proptest! {
    #[test]
    fn scores_stay_in_range_and_intervals_contain_the_score(specs in specs()) {
        let (qs, p) = (questions(), profile());
        let refs = referees_of(&specs, &IDENTITY);
        let s = score_case(&input(&qs, &p, &refs, 1));
        for d in &s.dimensions {
            if let Some(score) = d.score {
                prop_assert!((0.0..=100.0).contains(&score));
                let [lo, hi] = d.ci95.unwrap();
                prop_assert!(0.0 <= lo && lo <= score && score <= hi && hi <= 100.0, "{lo} {score} {hi}");
                prop_assert!(d.n >= 1 && d.referees >= d.n);
                prop_assert!(d.n <= s.organisations);
                let [lo, hi] = [d.organisation_scores[0], *d.organisation_scores.last().unwrap()];
                prop_assert!(lo <= score && score <= hi);
            } else {
                prop_assert_eq!((d.n, d.referees), (0, 0));
            }
            prop_assert_eq!(d.organisation_scores.len() as u32, d.n);
            prop_assert_eq!(d.referee_scores.len() as u32, d.referees);
            for x in [d.person_score, d.sourced_score, d.nominated_score].into_iter().flatten() {
                prop_assert!((0.0..=100.0).contains(&x));
            }
            if let Some(a) = d.agreement {
                prop_assert!((0.0..=1.0).contains(&a));
            }
        }
        prop_assert!(s.organisations <= s.responses);
        prop_assert!(s.sources.sourced + s.sources.nominated >= s.organisations);
        if let Some(a) = s.alignment_score {
            prop_assert!((0.0..=100.0).contains(&a));
        }
    }

    #[test]
    fn the_order_of_referees_changes_nothing(specs in specs(), seed in any::<u64>()) {
        let (qs, p) = (questions(), profile());
        let refs = referees_of(&specs, &IDENTITY);
        let mut shuffled = refs.clone();
        // A deterministic permutation from the seed.
        let len = shuffled.len();
        for i in (1..len).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let a = score_case(&input(&qs, &p, &refs, 1));
        let b = score_case(&input(&qs, &p, &shuffled, 1));
        prop_assert_eq!(a.dimensions, b.dimensions);
        prop_assert_eq!(a.alignment_score, b.alignment_score);
        prop_assert_eq!(a.recommendation, b.recommendation);
        prop_assert_eq!(a.organisations, b.organisations);
        prop_assert_eq!(a.sources, b.sources);
    }

    #[test]
    fn a_not_observed_answer_changes_nothing(answers in likert_answers()) {
        let mut qs = questions();
        qs.push(q("v3", QuestionKind::Likert, Some("values"), false));
        let p = profile();
        let refs = referees_from(&answers);
        let mut with_na = refs.clone();
        for r in &mut with_na {
            r.answers.insert("v3".into(), "na".into());
        }
        let a = score_case(&input(&qs, &p, &refs, 1));
        let b = score_case(&input(&qs, &p, &with_na, 1));
        prop_assert_eq!(a.dimensions, b.dimensions);
        prop_assert_eq!(a.alignment_score, b.alignment_score);
    }

    /// A second person from an organisation of one, answering exactly as the first (so
    /// m(r, d) = M(o, d) on every dimension), is the same vote: no organisation-level
    /// figure moves (only `referees`, `person_score` and `referee_scores` may).
    #[test]
    fn a_colleague_who_agrees_with_the_organisation_changes_no_organisation_figure(
        specs in specs(),
        pick in any::<prop::sample::Index>(),
    ) {
        let (qs, p) = (questions(), profile());
        let refs = referees_of(&specs, &IDENTITY);
        let singles: Vec<usize> = (0..specs.len())
            .filter(|&i| specs.iter().filter(|s| s.1 == specs[i].1).count() == 1)
            .collect();
        prop_assume!(!singles.is_empty());
        let i = singles[pick.index(singles.len())];
        let mut colleague = refs[i].clone();
        colleague.reference_id = Uuid::from_u128(1000);
        colleague.name = "Colleague".into();
        colleague.email = colleague.email.replacen('@', ".colleague@", 1);
        colleague.client_ip = Some("198.51.100.200".into());
        let mut more = refs.clone();
        more.push(colleague);
        let a = score_case(&input(&qs, &p, &refs, 1));
        let b = score_case(&input(&qs, &p, &more, 1));
        prop_assert_eq!(organisation_figures(&a), organisation_figures(&b));
    }

    /// Renaming the organisations (a bijection of domains and of company names) changes
    /// nothing at all.
    #[test]
    fn the_names_of_organisations_change_nothing(
        specs in specs(),
        names in Just(IDENTITY.to_vec()).prop_shuffle(),
    ) {
        let (qs, p) = (questions(), profile());
        let names: [usize; 5] = names.try_into().unwrap();
        let a = score_case(&input(&qs, &p, &referees_of(&specs, &IDENTITY), 1));
        let b = score_case(&input(&qs, &p, &referees_of(&specs, &names), 1));
        prop_assert_eq!(a, b);
    }

    /// The self-assessment is never counted: with it, only the self fields, the
    /// `blind_spot` flags and (through them) a `meets_profile` turned `review` differ.
    #[test]
    fn the_self_assessment_changes_nothing_but_self_fields_and_blind_spots(
        specs in specs(),
        own in one_referee_answers(),
        min_orgs in 0u32..4,
    ) {
        let (qs, p) = (questions(), profile());
        let refs = referees_of(&specs, &IDENTITY);
        let sa = SelfAssessmentInput {
            answers: own,
            submitted_at: Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap(),
        };
        let mut inp = input(&qs, &p, &refs, 2);
        inp.min_organisations = min_orgs;
        let a = score_case(&inp);
        inp.self_assessment = Some(&sa);
        let mut b = score_case(&inp);
        prop_assert!(b.self_assessment.is_some());
        let blind_spots = count(&b, FlagKind::BlindSpot);
        b.self_assessment = None;
        for d in &mut b.dimensions {
            if let (Some(s), Some(c)) = (d.self_score, d.score) {
                prop_assert_eq!(d.self_gap, Some(round(s - c, 1)));
            } else {
                prop_assert_eq!(d.self_gap, None);
            }
            d.self_score = None;
            d.self_gap = None;
        }
        b.flags.retain(|f| f.kind != FlagKind::BlindSpot);
        if blind_spots > 0 && a.recommendation == Recommendation::MeetsProfile {
            prop_assert_eq!(b.recommendation, Recommendation::Review);
            b.recommendation = Recommendation::MeetsProfile;
        }
        prop_assert_eq!(a, b);
    }
}

/// Percentile answers on the 1–5 scale, worked by hand (value = 1 + 4p/100):
/// values (percentile only): A top_5 (p 97.5 → 4.9), B top_half (62.5 → 3.5), C top_10
///   (92.5 → 4.7): mean 13.1 / 3 = 4.366667, score (mean − 1) / 4 × 100 = 84.166667 → 84.2
///   (the mean of the midpoints, as it should be); deviations 0.533333, −0.866667,
///   0.333333, s² = 1.146667 / 2 = 0.573333, s = 0.757188 → 0.76, r_wg = 1 − s² / 2 =
///   0.713333 → 0.71.
/// expertise (a percentile and a likert question): A top_quarter (4.3) and 5 → 4.65;
///   B bottom_half (2.0) and 3 → 2.5; C top_10 (4.7) and 4 → 4.35: mean 11.5 / 3 =
///   3.833333, score 70.833333 → 70.8; s² = 2.711667 / 2 = 1.355833, s = 1.164403 → 1.16,
///   r_wg = 0.322083 → 0.32 (below 0.5: low agreement).
/// alignment (84.166667 × 3 + 70.833333 × 1) / 4 = 80.833333 → 80.8.
#[test]
fn percentile_answers_score_as_their_band_midpoints_on_the_likert_scale() {
    let qs = vec![
        q("p_values", QuestionKind::Percentile, Some("values"), false),
        q(
            "p_expertise",
            QuestionKind::Percentile,
            Some("expertise"),
            false,
        ),
        q("e1", QuestionKind::Likert, Some("expertise"), false),
    ];
    let refs = vec![
        referee(
            1,
            &[
                ("p_values", "top_5"),
                ("p_expertise", "top_quarter"),
                ("e1", "5"),
            ],
        ),
        referee(
            2,
            &[
                ("p_values", "top_half"),
                ("p_expertise", "bottom_half"),
                ("e1", "3"),
            ],
        ),
        referee(
            3,
            &[
                ("p_values", "top_10"),
                ("p_expertise", "top_10"),
                ("e1", "4"),
            ],
        ),
    ];
    let p = profile();
    let s = score_case(&input(&qs, &p, &refs, 3));
    let values = &s.dimensions[0];
    assert_eq!(values.score, Some(84.2));
    assert_eq!(values.stddev, Some(0.76));
    assert_eq!(values.agreement, Some(0.71));
    assert_eq!(values.referee_scores, vec![62.5, 92.5, 97.5]);
    let exp = &s.dimensions[1];
    assert_eq!(exp.score, Some(70.8));
    assert_eq!(exp.stddev, Some(1.16));
    assert_eq!(exp.agreement, Some(0.32));
    assert_eq!(s.alignment_score, Some(80.8));
    assert_eq!(kinds(&s), vec![FlagKind::LowAgreement]);
    // Each band's counted value, exactly as the CSV prints it.
    let band = |b: &str| counted_value(&qs[0], b).map(|v| v.to_string());
    let shown: Vec<Option<String>> = ["bottom_half", "top_half", "top_quarter", "top_10", "top_5"]
        .into_iter()
        .map(band)
        .collect();
    assert_eq!(
        shown,
        ["2", "3.5", "4.3", "4.7", "4.9"].map(|v| Some(v.to_owned()))
    );
    assert_eq!(counted_value(&qs[0], "top_1"), None);
    assert_eq!(counted_value(&qs[0], "5"), None);
}

#[test]
fn a_bottom_half_placement_on_values_is_a_low_rating_quoted_as_the_band() {
    let qs = vec![q(
        "p_values",
        QuestionKind::Percentile,
        Some("values"),
        false,
    )];
    let refs = vec![referee(1, &[("p_values", "bottom_half")])];
    let p = profile();
    let s = score_case(&input(&qs, &p, &refs, 1));
    assert_eq!(s.dimensions[0].score, Some(25.0));
    assert_eq!(count(&s, FlagKind::LowRating), 1);
    let detail = &s
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::LowRating)
        .unwrap()
        .detail;
    assert!(detail.contains("in the bottom half"), "{detail}");
    assert!(!detail.contains("of 5"), "{detail}");
}
