//! Words for people: states, dates, progress, timeline events, flags and recommendations
//! as the staff pages show them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use engine::audit::AuditEvent;
use engine::domain::{CaseStatus, ReferenceStatus, SelfAssessmentState, VettingCase};
use engine::scoring::{FlagKind, Recommendation};
use uuid::Uuid;

/// A state as it reads in a sentence ("a case that is collecting answers").
pub fn status_word(status: &str) -> &str {
    match status {
        "draft" => "a draft",
        "nominating" => "waiting for nominations",
        "collecting" => "collecting answers",
        "review" => "in review",
        "pending" => "not invited yet",
        "completed" => "answered",
        other => other,
    }
}

/// A state as a short label.
pub fn case_label(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Draft => "Draft",
        CaseStatus::Nominating => "Nominating",
        CaseStatus::Collecting => "Collecting",
        CaseStatus::Review => "In review",
        CaseStatus::Decided => "Decided",
        CaseStatus::Cancelled => "Cancelled",
    }
}

pub fn self_assessment_label(state: SelfAssessmentState) -> &'static str {
    match state {
        SelfAssessmentState::NotRequested => "Not requested",
        SelfAssessmentState::Requested => "Requested",
        SelfAssessmentState::Submitted => "Submitted",
    }
}

pub fn reference_label(status: ReferenceStatus) -> &'static str {
    match status {
        ReferenceStatus::Pending => "Not invited yet",
        ReferenceStatus::Invited => "Invited",
        ReferenceStatus::Opened => "Opened the form",
        ReferenceStatus::Completed => "Answered",
        ReferenceStatus::Declined => "Declined",
        ReferenceStatus::Expired => "Expired",
        ReferenceStatus::Bounced => "Email bounced",
        ReferenceStatus::Withdrawn => "Withdrawn",
    }
}

/// "must not be blank" → "Must not be blank."
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// "21 Nov 2026, 14:05 UTC".
pub fn datetime(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// "21 Nov 2026".
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

/// "in 5 days", "today", "2 days ago".
pub fn days_from(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let days = (at - now).num_hours().div_euclid(24);
    match days {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        d if d > 1 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One line on where a case stands: "3 of 4 answered, due in 5 days".
pub fn progress(case: &VettingCase, now: DateTime<Utc>) -> String {
    let count = |s: ReferenceStatus| case.counts.get(s.as_str()).copied().unwrap_or(0);
    let total = case.references.len() as u64 - count(ReferenceStatus::Withdrawn);
    let answered = count(ReferenceStatus::Completed);
    match case.status {
        CaseStatus::Draft if total == 0 => "No references yet".into(),
        CaseStatus::Draft => format!("{}, not launched", plural(total, "reference", "references")),
        CaseStatus::Nominating => {
            format!("Waiting for the provider's nominations ({} so far)", total)
        }
        CaseStatus::Collecting => {
            let mut line = format!("{answered} of {total} answered");
            let declined = count(ReferenceStatus::Declined);
            if declined > 0 {
                line.push_str(&format!(", {declined} declined"));
            }
            if let Some(deadline) = case.deadline_at {
                if deadline > now {
                    line.push_str(&format!(", due {}", days_from(deadline, now)));
                } else {
                    line.push_str(", past the deadline");
                }
            }
            line
        }
        CaseStatus::Review => format!("{answered} of {total} answered, waiting for a decision"),
        CaseStatus::Decided => format!("{answered} of {total} answered, decided"),
        CaseStatus::Cancelled => "Cancelled".into(),
    }
}

/// A timeline event in words. `names` maps user ids to names, `referees` reference ids to
/// referee names.
pub fn event(
    e: &AuditEvent,
    names: &BTreeMap<Uuid, String>,
    referees: &BTreeMap<Uuid, String>,
) -> String {
    let s = |key: &str| e.data.get(key).and_then(|v| v.as_str()).unwrap_or("");
    let referee = e
        .reference_id
        .and_then(|id| referees.get(&id))
        .map_or("a referee", String::as_str);
    let text = match e.kind.as_str() {
        "case.created" => "Case opened".into(),
        "case.status_changed" => format!("Case moved from {} to {}", s("from"), s("to")),
        "case.decided" => format!("Decision recorded: {}", outcome_label(s("outcome"))),
        "reference.added" => format!("{} ({}) added as a referee", s("name"), s("company")),
        "reference.status_changed" => match s("to") {
            "invited" => format!("{referee} was emailed an invitation"),
            "opened" => format!("{referee} opened the questionnaire"),
            "completed" => format!("{referee} answered"),
            "declined" => format!("{referee} declined"),
            "expired" => format!("{referee}'s link expired at the deadline"),
            "bounced" => format!("The email to {referee} bounced"),
            "withdrawn" => format!("{referee} was withdrawn"),
            to => format!("{referee}: {} → {to}", s("from")),
        },
        "reference.reminded" => {
            let n = e.data.get("sequence").and_then(|v| v.as_i64()).unwrap_or(1);
            format!("{referee} was sent reminder {n}")
        }
        "owner.notified" => match s("notice") {
            "owner_quorum_reached" => {
                "The case owner was told enough referees have answered".into()
            }
            "owner_ready_for_review" => {
                "The case owner was told the case is ready for review".into()
            }
            "owner_bounce" => format!("The case owner was told the email to {referee} bounced"),
            "owner_nominations_received" => {
                "The case owner was told the provider nominated references".into()
            }
            "owner_decided" => "The case owner was told the decision".into(),
            "owner_opted_out" => format!("The case owner was told {referee} opted out"),
            "owner_pulse_below" => {
                "The case owner was told a check-in is below what references predicted".into()
            }
            "owner_partnership_gap" => {
                "The case owner was told the two sides of a check-in rate the partnership far apart"
                    .into()
            }
            other => format!("The case owner was emailed ({})", other.replace('_', " ")),
        },
        "reference.opted_out" => {
            format!("{referee} asked never to be asked for references again, and was withdrawn")
        }
        "reference.fatigue_overridden" => format!(
            "{referee} was added although asked often lately: \u{201c}{}\u{201d}",
            s("reason")
        ),
        "reference.invite_requested" => format!("{referee} is to be invited"),
        "engagement.opened" => "The approval opened an engagement".into(),
        "engagement.stakeholder_added" => format!("{} was added as a stakeholder", s("name")),
        "engagement.provider_contact_added" => {
            format!("{} was added as a provider contact", s("name"))
        }
        "engagement.fatigue_overridden" => format!(
            "A provider contact was added although asked often lately: \u{201c}{}\u{201d}",
            s("reason")
        ),
        "pulse.partnership_gap" => {
            "The two sides of a check-in rate the partnership far apart".into()
        }
        "engagement.ended" => format!("The engagement ended: \u{201c}{}\u{201d}", s("reason")),
        "pulse.started" => "A check-in with the stakeholders started".into(),
        "pulse.skipped" => format!("A scheduled check-in was skipped: {}", s("reason")),
        "pulse.below_notified" => {
            "The case owner was told a check-in is below what references predicted".into()
        }
        "nomination.sent" => "The provider was asked to nominate references".into(),
        "self_assessment.requested" => "A self-assessment was requested from the provider".into(),
        "self_assessment.sent" => "The provider was emailed its self-assessment link".into(),
        "self_assessment.submitted" => "The provider sent its self-assessment".into(),
        "nomination.submitted" => {
            let n = e.data.get("added").and_then(|v| v.as_u64()).unwrap_or(0);
            format!(
                "The provider nominated {}",
                plural(n, "reference", "references")
            )
        }
        other => other.replace(['.', '_'], " "),
    };
    match actor(&e.actor, names) {
        Some(who) => format!("{text} — by {who}"),
        None => text,
    }
}

/// Who did it, when a person did.
fn actor(actor: &str, names: &BTreeMap<Uuid, String>) -> Option<String> {
    let id = actor.strip_prefix("user:")?.parse::<Uuid>().ok()?;
    Some(
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "a former user".into()),
    )
}

pub fn outcome_label(outcome: &str) -> &str {
    match outcome {
        "approved" => "Approved",
        "approved_with_conditions" => "Approved with conditions",
        "rejected" => "Rejected",
        other => other,
    }
}

/// A flag's name and what it means for the reader.
pub fn flag(kind: FlagKind) -> (&'static str, &'static str) {
    match kind {
        FlagKind::BelowMin => (
            "Below the profile minimum",
            "A dimension scored under the minimum your values profile sets for it.",
        ),
        FlagKind::LowRating => (
            "A low rating on values or dedication",
            "A referee rated a values or dedication question 2 or lower. Read their comments before deciding.",
        ),
        FlagKind::LowAgreement => (
            "Referees disagree",
            "Referees gave very different ratings on a dimension, so its average hides real differences.",
        ),
        FlagKind::InsufficientResponses => (
            "Too few answers",
            "Fewer referees answered than the case needs; the scores are not a reliable basis yet.",
        ),
        FlagKind::InsufficientOrganisations => (
            "Too few client organisations",
            "The answers come from fewer client organisations than the case needs; several people from one client count as one vote.",
        ),
        FlagKind::DuplicateReferee => (
            "Same referee twice",
            "Two references share an email address, so one person may be counted twice.",
        ),
        FlagKind::NominatedOnly => (
            "Only references the provider chose",
            "Every answer so far comes from a reference the provider nominated. Add references you found yourself before relying on the scores.",
        ),
        FlagKind::SourceGap => (
            "Chosen references rate them higher",
            "References the provider nominated rate a dimension well above the references you found: the provider may have picked its happiest clients.",
        ),
        FlagKind::BlindSpot => (
            "A blind spot",
            "The provider rates itself well above what its clients say on a dimension: a partner that does not see a problem is slow to fix it.",
        ),
        FlagKind::FraudProviderIp => (
            "Answer from the provider's address",
            "A referee answered from the network address the provider used for its own self-assessment or nominations: the provider may have filled it in.",
        ),
        FlagKind::FraudUnviewed => (
            "Answered without opening the form",
            "Answers arrived for a questionnaire whose page was never loaded: they were posted by a script, not by a person reading the questions.",
        ),
        FlagKind::FraudSameDomain => (
            "Referee from the provider's own domain",
            "A referee's email is on the provider's own domain: they may not be an independent client.",
        ),
        FlagKind::FraudDuplicateIp => (
            "Different clients, one address",
            "Answers from different client organisations came from the same network address; they may have been filled in by one person.",
        ),
        FlagKind::FraudTooFast => (
            "Answered implausibly fast",
            "A questionnaire was completed faster than anyone can read the questions.",
        ),
    }
}

/// A difference of scores with its sign: `+24.0`, `−3.5`, `0.0`.
pub fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{v:.1}")
    } else if v < 0.0 {
        format!("\u{2212}{:.1}", -v)
    } else {
        "0.0".into()
    }
}

/// The recommendation's label, tone (for styling) and meaning.
pub fn recommendation(r: Recommendation) -> (&'static str, &'static str, &'static str) {
    match r {
        Recommendation::MeetsProfile => (
            "Meets the profile",
            "ok",
            "Enough referees answered, every dimension reaches its minimum and nothing was flagged.",
        ),
        Recommendation::Review => (
            "Review the flags",
            "warn",
            "The scores reach the profile, but something was flagged: read the flags below before deciding.",
        ),
        Recommendation::BelowProfile => (
            "Below the profile",
            "bad",
            "At least one dimension is under the minimum your values profile sets.",
        ),
        Recommendation::InsufficientData => (
            "Not enough answers",
            "warn",
            "Fewer referees, or fewer client organisations, answered than the case needs, so there is no recommendation yet.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_read_naturally() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        assert_eq!(days_from(now + chrono::Duration::days(5), now), "in 5 days");
        assert_eq!(days_from(now + chrono::Duration::hours(3), now), "today");
        assert_eq!(
            days_from(now + chrono::Duration::hours(30), now),
            "tomorrow"
        );
        assert_eq!(
            days_from(now - chrono::Duration::days(2), now),
            "2 days ago"
        );
    }

    #[test]
    fn messages_become_sentences() {
        assert_eq!(sentence("must not be blank"), "Must not be blank.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
    }
}
