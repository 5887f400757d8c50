//! What a staff reader may see of a case's answers (API.md "Disclosure"). The one place
//! that decides it: the report JSON, the report page, the CSV and the pulse results all
//! ask this policy, and none of them checks a status or a count of its own.
//!
//! The attack it closes: a reader who compares two snapshots of a live report, taken
//! before and after one more referee answered, learns exactly that referee's answers. So
//! while a case collects, staff see progress only (who has answered, how many
//! organisations, whether quorum is met), never a figure computed from the answers; the
//! results are released once, together, when collecting ends, and no answer is taken
//! after that. Below `report.min_responses_for_detail` complete responses a released
//! report still withholds per-referee detail, comments and the rehire tally, and a
//! provenance group (sourced, nominated) smaller than that threshold gets no score.

use chrono::{DateTime, Utc};

use crate::ReportSettings;
use crate::domain::CaseStatus;
use crate::scoring::FlagKind;

/// How much of a case's evidence a staff reader may see now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disclosure {
    /// Still collecting (or never released): progress figures only.
    Progress,
    /// Released at `at`; `detail` says whether per-referee detail, comments and the
    /// rehire tally are shown (enough complete responses to keep them anonymous).
    Released { at: DateTime<Utc>, detail: bool },
}

impl Disclosure {
    /// The policy for a case with `responses` complete responses. A case is released
    /// exactly when it has a `released_at`: a draft, a collecting case and a case
    /// cancelled before it closed show progress only.
    pub fn of(
        released_at: Option<DateTime<Utc>>,
        responses: u32,
        settings: &ReportSettings,
    ) -> Self {
        match released_at {
            None => Disclosure::Progress,
            Some(at) => Disclosure::Released {
                at,
                detail: settings.shows_detail(responses),
            },
        }
    }

    /// Whether any figure computed from answers (scores, intervals, the alignment score,
    /// the recommendation, answer-quoting flags) may be shown.
    pub fn shows_results(self) -> bool {
        matches!(self, Disclosure::Released { .. })
    }

    /// Whether per-referee detail (chart points, CSV rows), quoted comments and the
    /// rehire tally may be shown.
    pub fn shows_detail(self) -> bool {
        matches!(self, Disclosure::Released { detail: true, .. })
    }

    pub fn released_at(self) -> Option<DateTime<Utc>> {
        match self {
            Disclosure::Progress => None,
            Disclosure::Released { at, .. } => Some(at),
        }
    }

    /// Whether a flag of this kind may be shown. While collecting, only the flags that
    /// quote no answer: the fraud signals (where and how fast a form was sent), a
    /// duplicated address, and the shortfalls of responses and organisations.
    pub fn shows_flag(self, kind: FlagKind) -> bool {
        self.shows_results() || !quotes_answers(kind)
    }
}

/// Whether a flag is computed from what referees answered (and so would leak it).
pub fn quotes_answers(kind: FlagKind) -> bool {
    match kind {
        FlagKind::BelowMin
        | FlagKind::LowRating
        | FlagKind::LowAgreement
        | FlagKind::NominatedOnly
        | FlagKind::SourceGap
        | FlagKind::BlindSpot => true,
        FlagKind::InsufficientResponses
        | FlagKind::InsufficientOrganisations
        | FlagKind::DuplicateReferee
        | FlagKind::FraudSameDomain
        | FlagKind::FraudDuplicateIp
        | FlagKind::FraudProviderIp
        | FlagKind::FraudUnviewed
        | FlagKind::FraudTooFast => false,
    }
}

/// Whether the answers of a case in `status` may still be taken: only while it collects.
/// After the release every late answer is refused (API.md "Disclosure").
pub fn takes_answers(status: CaseStatus) -> bool {
    status == CaseStatus::Collecting
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ReportSettings {
        ReportSettings::default()
    }

    #[test]
    fn an_unreleased_case_shows_progress_only_whatever_its_responses() {
        let d = Disclosure::of(None, 20, &settings());
        assert_eq!(d, Disclosure::Progress);
        assert!(!d.shows_results());
        assert!(!d.shows_detail());
        assert!(!d.shows_flag(FlagKind::LowRating));
        assert!(!d.shows_flag(FlagKind::BelowMin));
        assert!(d.shows_flag(FlagKind::FraudTooFast));
        assert!(d.shows_flag(FlagKind::InsufficientResponses));
    }

    #[test]
    fn a_released_case_shows_detail_from_the_threshold() {
        let at = Utc::now();
        let few = Disclosure::of(Some(at), 2, &settings());
        assert!(few.shows_results());
        assert!(!few.shows_detail());
        assert!(few.shows_flag(FlagKind::LowRating));
        let enough = Disclosure::of(Some(at), 3, &settings());
        assert!(enough.shows_detail());
        assert_eq!(enough.released_at(), Some(at));
    }
}
