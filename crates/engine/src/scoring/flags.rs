//! The report's flags, one function each (DESIGN.md "Scoring"): each says where a reader
//! should look, and none decides anything. `score_case` appends them in a fixed order,
//! which the report keeps.

use std::collections::BTreeMap;

use super::{
    DimensionScore, Flag, FlagKind, RefereeInput, ScoringInput, Sources, flag, gap,
    self_gap_sentence, source_gap_sentence,
};
use crate::questionnaire::{Question, QuestionKind};

/// `low_rating`: a counted value of 2 or less on a values or dedication question.
pub(super) fn low_rating(
    input: &ScoringInput<'_>,
    r: &RefereeInput,
    q: &Question,
    dim: &str,
    v: f64,
) -> Option<Flag> {
    ((dim == "values" || dim == "dedication") && v <= 2.0).then(|| {
        // "2 of 5" would misquote a percentile answer: say the band that was chosen.
        let rated = if q.kind == QuestionKind::Percentile {
            "in the bottom half of providers they have worked with".to_owned()
        } else {
            format!("{v} of 5")
        };
        flag(
            FlagKind::LowRating,
            format!(
                "A referee rated \u{201c}{}\u{201d} {rated} on {dim}{}.",
                q.prompt,
                if q.reverse_scored {
                    " (after reverse scoring)"
                } else {
                    ""
                }
            ),
            input.show_identity.then_some(r.reference_id),
        )
    })
}

/// `below_min`: a dimension scored below its minimum.
pub(super) fn below_min(dimensions: &[DimensionScore]) -> Vec<Flag> {
    dimensions
        .iter()
        .filter(|d| d.below_min)
        .map(|d| {
            flag(
                FlagKind::BelowMin,
                format!(
                    "{} scored {:.1}, below the minimum of {}.",
                    d.label,
                    d.score.unwrap_or_default(),
                    d.min_score
                ),
                None,
            )
        })
        .collect()
}

/// `low_agreement`: organisations disagree on a dimension (r_wg below 0.5).
pub(super) fn low_agreement(dimensions: &[DimensionScore]) -> Vec<Flag> {
    dimensions
        .iter()
        .filter_map(|d| {
            let a = d.agreement.filter(|a| *a < 0.5)?;
            Some(flag(
                FlagKind::LowAgreement,
                format!(
                    "Client organisations disagree on {} (agreement {a:.2}): read the individual answers.",
                    d.label
                ),
                None,
            ))
        })
        .collect()
}

/// `insufficient_responses` and `insufficient_organisations`.
pub(super) fn insufficient(
    input: &ScoringInput<'_>,
    responses: u32,
    organisations: u32,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    if responses < input.min_responses {
        flags.push(flag(
            FlagKind::InsufficientResponses,
            format!(
                "{responses} of the {} responses needed have been received.",
                input.min_responses
            ),
            None,
        ));
    }
    if organisations < input.min_organisations {
        flags.push(flag(
            FlagKind::InsufficientOrganisations,
            format!(
                "{organisations} of the {} client organisations needed {} answered; several people from one organisation count as one.",
                input.min_organisations,
                if organisations == 1 { "has" } else { "have" }
            ),
            None,
        ));
    }
    flags
}

/// `nominated_only`: responses, and none from a reference staff found.
pub(super) fn nominated_only(responses: u32, sources: &Sources) -> Option<Flag> {
    (responses > 0 && sources.sourced == 0).then(|| {
        flag(
            FlagKind::NominatedOnly,
            "Every response comes from a reference the provider chose; none from a reference you found yourselves.".into(),
            None,
        )
    })
}

/// `source_gap`: nominated references rate a dimension `scoring.source_gap_points` or
/// more above sourced ones.
pub(super) fn source_gap(input: &ScoringInput<'_>, dimensions: &[DimensionScore]) -> Vec<Flag> {
    dimensions
        .iter()
        .filter_map(|d| {
            let (n, s) = (d.nominated_score?, d.sourced_score?);
            if gap(n, s) < input.source_gap_points {
                return None;
            }
            Some(flag(FlagKind::SourceGap, source_gap_sentence(d)?, None))
        })
        .collect()
}

/// `blind_spot`: the provider rates itself `scoring.blind_spot_points` or more above its
/// clients on a dimension.
pub(super) fn blind_spot(input: &ScoringInput<'_>, dimensions: &[DimensionScore]) -> Vec<Flag> {
    dimensions
        .iter()
        .filter(|d| d.self_gap.is_some_and(|g| g >= input.blind_spot_points))
        .filter_map(|d| Some(flag(FlagKind::BlindSpot, self_gap_sentence(d)?, None)))
        .collect()
}

/// `duplicate_referee`: one address on several references still in the case. An erased
/// identity (retention, erasure) leaves no address to compare.
pub(super) fn duplicate_referee(referees: &[RefereeInput]) -> Vec<Flag> {
    let mut by_email: BTreeMap<String, Vec<&RefereeInput>> = BTreeMap::new();
    for r in referees
        .iter()
        .filter(|r| !r.withdrawn && !r.email.trim().is_empty())
    {
        by_email
            .entry(r.email.trim().to_lowercase())
            .or_default()
            .push(r);
    }
    by_email
        .values()
        .filter(|g| g.len() > 1)
        .map(|group| {
            flag(
                FlagKind::DuplicateReferee,
                format!("{} references share the same email address.", group.len()),
                Some(group[1].reference_id),
            )
        })
        .collect()
}

/// `fraud_same_domain`: a referee's address at the provider's own domain.
pub(super) fn same_domain(input: &ScoringInput<'_>) -> Vec<Flag> {
    input
        .referees
        .iter()
        .filter(|r| !r.withdrawn)
        .filter_map(|r| {
            let d = crate::organisations::domain_of(&r.email)
                .filter(|d| input.provider_domains.contains(d))?;
            Some(flag(
                FlagKind::FraudSameDomain,
                format!("A referee's email is at {d}, the provider's own domain."),
                Some(r.reference_id),
            ))
        })
        .collect()
}

/// `fraud_duplicate_ip`: completed responses of different organisations from one address.
/// Several people of one organisation behind one office address are normal.
pub(super) fn duplicate_ip(completed: &[&RefereeInput], org_of: &[usize]) -> Vec<Flag> {
    let mut by_ip: BTreeMap<&str, Vec<(&RefereeInput, usize)>> = BTreeMap::new();
    for (r, &org) in completed.iter().zip(org_of) {
        if let Some(ip) = r.client_ip.as_deref() {
            by_ip.entry(ip).or_default().push((r, org));
        }
    }
    by_ip
        .values()
        .filter_map(|group| {
            let first_org = group[0].1;
            let other = group.iter().find(|(_, org)| *org != first_org)?;
            let mut orgs: Vec<usize> = group.iter().map(|(_, org)| *org).collect();
            orgs.sort_unstable();
            orgs.dedup();
            Some(flag(
                FlagKind::FraudDuplicateIp,
                format!(
                    "{} responses from {} different client organisations were submitted from the same network address.",
                    group.len(),
                    orgs.len()
                ),
                Some(other.0.reference_id),
            ))
        })
        .collect()
}

/// `fraud_provider_ip`: a response from the address of the provider's own submissions.
pub(super) fn provider_ip(input: &ScoringInput<'_>, completed: &[&RefereeInput]) -> Vec<Flag> {
    completed
        .iter()
        .filter(|r| {
            r.client_ip
                .as_deref()
                .is_some_and(|ip| input.provider_ips.iter().any(|p| p == ip))
        })
        .map(|r| {
            flag(
                FlagKind::FraudProviderIp,
                "A response was submitted from the same network address as the provider's own self-assessment or nominations.".into(),
                Some(r.reference_id),
            )
        })
        .collect()
}

/// `fraud_unviewed`: a response submitted without its form ever being loaded.
pub(super) fn unviewed(completed: &[&RefereeInput]) -> Vec<Flag> {
    completed
        .iter()
        .filter(|r| r.first_viewed_at.is_none())
        .map(|r| {
            flag(
                FlagKind::FraudUnviewed,
                "A response was submitted without its questionnaire ever being opened, as a script would.".into(),
                Some(r.reference_id),
            )
        })
        .collect()
}

/// `fraud_too_fast`: viewed, and sent sooner than `scoring.min_seconds_per_question` × the
/// number of questions.
pub(super) fn too_fast(input: &ScoringInput<'_>, completed: &[&RefereeInput]) -> Vec<Flag> {
    let min_seconds = input.min_seconds_per_question * input.questions.len() as f64;
    completed
        .iter()
        .filter_map(|r| {
            let (start, end) = (r.first_viewed_at?, r.submitted_at?);
            let seconds = (end - start).num_milliseconds() as f64 / 1000.0;
            (seconds < min_seconds).then(|| {
                flag(
                    FlagKind::FraudTooFast,
                    format!(
                        "A response was completed in {seconds:.0} s; reading {} questions takes at least {min_seconds:.0} s.",
                        input.questions.len()
                    ),
                    Some(r.reference_id),
                )
            })
        })
        .collect()
}
