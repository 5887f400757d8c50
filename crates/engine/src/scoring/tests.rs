//! The scoring rules against numbers worked out by hand, every flag on and off, and
//! properties that must hold for any answers.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
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

fn profile() -> Vec<Dimension> {
    vec![dim("values", 3.0, 60.0), dim("expertise", 1.0, 50.0)]
}

fn referee(n: u8, answers: &[(&str, &str)]) -> RefereeInput {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    RefereeInput {
        reference_id: Uuid::from_u128(u128::from(n)),
        name: format!("Referee {n}"),
        email: format!("r{n}@client{n}.example"),
        company: format!("Client {n}"),
        completed: true,
        withdrawn: false,
        answers: answers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        client_ip: Some(format!("192.0.2.{n}")),
        first_viewed_at: Some(t0),
        submitted_at: Some(t0 + Duration::minutes(5)),
    }
}

fn input<'a>(
    qs: &'a [Question],
    p: &'a [Dimension],
    refs: &'a [RefereeInput],
    min: u32,
) -> ScoringInput<'a> {
    ScoringInput {
        questions: qs,
        profile: p,
        referees: refs,
        min_responses: min,
        provider_domains: &[],
        min_seconds_per_question: 2.0,
        show_identity: false,
    }
}

fn kinds(s: &Scores) -> Vec<FlagKind> {
    s.flags.iter().map(|f| f.kind).collect()
}

/// Three referees, worked by hand:
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
    assert_eq!(values.score, Some(75.0));
    assert_eq!(values.stddev, Some(1.0));
    assert_eq!(values.ci95, Some([12.9, 100.0]));
    assert_eq!(values.agreement, Some(0.5));
    assert!(!values.below_min);
    assert_eq!(values.referee_scores, vec![50.0, 75.0, 100.0]);
    let exp = &s.dimensions[1];
    assert_eq!(exp.n, 2);
    assert_eq!(exp.score, Some(50.0));
    assert_eq!(exp.stddev, Some(1.41));
    assert_eq!(exp.ci95, Some([0.0, 100.0]));
    assert_eq!(exp.agreement, Some(0.0));
    assert!(!exp.below_min, "50 is not below a minimum of 50");
    assert_eq!(s.alignment_score, Some(68.8));
    assert_eq!(s.responses, 3);
    assert!(s.quorum_met);
    assert_eq!(kinds(&s), vec![FlagKind::LowAgreement]);
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

#[test]
fn no_responses_means_no_alignment_and_insufficient_data() {
    let (qs, p) = (questions(), profile());
    let s = score_case(&input(&qs, &p, &[], 3));
    assert_eq!(s.alignment_score, None);
    assert_eq!(s.recommendation, Recommendation::InsufficientData);
    assert!(
        s.dimensions
            .iter()
            .all(|d| d.score.is_none() && d.n == 0 && d.ci95.is_none())
    );
    assert_eq!(kinds(&s), vec![FlagKind::InsufficientResponses]);
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
    assert_eq!(
        k.iter().filter(|k| **k == FlagKind::LowRating).count(),
        2,
        "{k:?}"
    );
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

#[test]
fn duplicate_referees_by_email_or_company_are_flagged() {
    let (qs, p) = (questions(), profile());
    let mut a = referee(1, &[("v1", "4")]);
    let mut b = referee(2, &[("v1", "4")]);
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert!(!kinds(&s).contains(&FlagKind::DuplicateReferee));
    b.email = a.email.to_uppercase();
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert_eq!(kinds(&s), vec![FlagKind::DuplicateReferee]);
    assert_eq!(s.flags[0].reference_id, Some(b.reference_id));
    b.email = "other@else.example".into();
    a.company = "Acme".into();
    b.company = " acme ".into();
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone()], 1));
    assert_eq!(kinds(&s), vec![FlagKind::DuplicateReferee]);
    assert!(s.flags[0].detail.contains("company"));
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

    // Same IP on two completed responses; a third, not completed, does not count.
    let mut a = referee(1, &[("v1", "4")]);
    let mut b = referee(2, &[("v1", "4")]);
    let mut c = referee(3, &[]);
    a.client_ip = Some("203.0.113.9".into());
    b.client_ip = Some("203.0.113.9".into());
    c.client_ip = Some("203.0.113.9".into());
    c.completed = false;
    let s = score_case(&input(&qs, &p, &[a.clone(), b.clone(), c], 1));
    assert_eq!(kinds(&s), vec![FlagKind::FraudDuplicateIp]);
    b.client_ip = Some("203.0.113.10".into());
    let s = score_case(&input(&qs, &p, &[a.clone(), b], 1));
    assert!(s.flags.is_empty());

    // 5 questions × 2 s = 10 s: exactly 10 s is plausible, 9 s is not.
    let mut fast = referee(1, &[("v1", "4")]);
    fast.submitted_at = fast.first_viewed_at.map(|t| t + Duration::seconds(10));
    let s = score_case(&input(&qs, &p, std::slice::from_ref(&fast), 1));
    assert!(s.flags.is_empty());
    fast.submitted_at = fast.first_viewed_at.map(|t| t + Duration::seconds(9));
    let s = score_case(&input(&qs, &p, std::slice::from_ref(&fast), 1));
    assert_eq!(kinds(&s), vec![FlagKind::FraudTooFast]);
    assert_eq!(s.recommendation, Recommendation::Review);
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

fn likert_answers() -> impl Strategy<Value = Vec<BTreeMap<String, String>>> {
    let answer = prop_oneof![
        (1u8..=5).prop_map(|v| v.to_string()),
        Just("na".to_string()),
    ];
    let one = proptest::collection::vec(answer, 3).prop_map(|vals| {
        ["v1", "v2", "e1"]
            .iter()
            .zip(vals)
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>()
    });
    proptest::collection::vec(one, 0..12)
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

proptest! {
    #[test]
    fn scores_stay_in_range_and_intervals_contain_the_score(answers in likert_answers()) {
        let (qs, p) = (questions(), profile());
        let refs = referees_from(&answers);
        let s = score_case(&input(&qs, &p, &refs, 1));
        for d in &s.dimensions {
            if let Some(score) = d.score {
                prop_assert!((0.0..=100.0).contains(&score));
                let [lo, hi] = d.ci95.unwrap();
                prop_assert!(0.0 <= lo && lo <= score && score <= hi && hi <= 100.0, "{lo} {score} {hi}");
            }
            if let Some(a) = d.agreement {
                prop_assert!((0.0..=1.0).contains(&a));
            }
        }
        if let Some(a) = s.alignment_score {
            prop_assert!((0.0..=100.0).contains(&a));
        }
    }

    #[test]
    fn the_order_of_referees_changes_nothing(answers in likert_answers(), seed in any::<u64>()) {
        let (qs, p) = (questions(), profile());
        let refs = referees_from(&answers);
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
}
