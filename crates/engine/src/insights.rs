//! Response insights (API.md "Response insights and evidence sufficiency"): whether
//! referees answer, how fast, after which reminder, and where they give up, across the
//! reference checks whose references were invited in a window. The figures are
//! aggregated by the database (`store::insights`); this module turns them into rates and
//! decides what may be shown.
//!
//! Privacy. Staff who may read these figures (ops, hr, admin) already see, case by case,
//! every reference's status, when it was invited and opened, and (anonymised, on the
//! case's timeline) when answers came in; counts of those tell them nothing new. What a case page never shows is how
//! long one referee spent on the form (only a case median, from 3 responses up), nor when
//! an answered referee answered (the case's `responded_at` is withheld), and a narrow
//! window (one late invitation) could single either out. So the median hours from
//! invitation to answer is null over fewer than [`MIN_TIMED_RESPONSES`], and the median seconds to
//! complete of a template come from the completed responses of **released** cases only,
//! and are null over fewer than [`MIN_TIMED_RESPONSES`] (or `report.min_responses_for_detail`
//! when that is higher): no one's answering moves it while their case collects, and no
//! one's time stands alone. Nothing here reads an answer.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::EngineError;
use crate::store::insights as store;

/// The fewest timed responses a median of seconds to complete is shown over.
pub const MIN_TIMED_RESPONSES: u32 = 3;

/// How far back the window reaches when `from` is not given.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;

/// The upper bounds (hours) of the hours-to-quorum distribution's bins; a last bin holds
/// the cases that took longer.
pub const QUORUM_BINS: [u32; 4] = [24, 48, 72, 168];

/// Completions by the last message the referee had been sent before answering.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompletionsAfter {
    pub invitation: u64,
    pub reminder_1: u64,
    /// After the second reminder (or a later one).
    pub reminder_2: u64,
}

/// One bin of the hours-to-quorum distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuorumBin {
    /// Cases that reached quorum within this many hours of launch and after the bin
    /// before; null for the last bin (longer than the last bound).
    pub up_to_hours: Option<u32>,
    pub cases: u64,
}

/// One template version's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateInsights {
    /// The template's key (`standard`, `quick`), or its id for a template made here.
    pub key: String,
    pub name: String,
    pub version: i32,
    pub completed: u64,
    /// Median seconds from the first view of the form to its submission (each capped at
    /// 3,600), over completed responses of released cases; null over fewer than 3.
    pub median_seconds_to_complete: Option<f64>,
    /// (opened − completed − declined) ÷ opened, where `declined` counts the referees
    /// who declined after opening the form; null when nobody opened it.
    pub breakoff_rate: Option<f64>,
}

/// `GET /api/v1/insights/responses`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseInsights {
    /// The window, by invitation time: `from` ≤ invited_at < `to`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// References of reference checks invited in the window.
    pub invited: u64,
    /// Reached the form (a recorded view, or a submission).
    pub opened: u64,
    /// Saved a draft or submitted.
    pub started: u64,
    pub completed: u64,
    pub declined: u64,
    pub bounced: u64,
    pub expired: u64,
    /// Withdrawn by staff or by opting out (the opt-outs are also in `opted_out`).
    pub withdrawn: u64,
    pub opted_out: u64,
    /// completed ÷ (invited − bounced − withdrawn); null when that is 0.
    pub response_rate: Option<f64>,
    /// (opened − completed − declined after opening) ÷ opened; null when nobody opened.
    pub breakoff_rate: Option<f64>,
    /// Median hours from invitation to a completed response; null over fewer than 3.
    pub median_hours_to_first_response: Option<f64>,
    /// Median hours from launch to quorum (the `min_responses`-th completed response),
    /// over the cases launched in the window that reached it.
    pub median_hours_to_quorum: Option<f64>,
    /// Cases launched in the window that reached quorum.
    pub cases_at_quorum: u64,
    /// Those cases by hours to quorum.
    pub hours_to_quorum: Vec<QuorumBin>,
    pub completions_after: CompletionsAfter,
    pub templates: Vec<TemplateInsights>,
    /// Whether any reference counted belongs to a case made up by `vouch demo`.
    pub includes_demo: bool,
}

/// A window of invitation times, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Window {
    /// `from` defaults to [`DEFAULT_WINDOW_DAYS`] before `to`, `to` to `now`. A window
    /// that ends before it begins is a validation error on `to`.
    pub fn new(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, EngineError> {
        let to = to.unwrap_or(now);
        let from = from.unwrap_or(to - Duration::days(DEFAULT_WINDOW_DAYS));
        if to <= from {
            return Err(EngineError::validation("to", "must be after `from`"));
        }
        Ok(Self { from, to })
    }
}

fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| round(numerator as f64 / denominator as f64, 4))
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

impl crate::services::Reports<'_> {
    /// Marks a reference check as made up by `vouch demo`: the insights then say they
    /// include demo data.
    pub async fn mark_case_as_demo(&self, case_id: uuid::Uuid) -> Result<(), EngineError> {
        crate::store::cases::mark_demo(&self.db, case_id)
            .await
            .map_err(Into::into)
    }

    /// The response insights of the references invited in `window`.
    #[tracing::instrument(skip(self))]
    pub async fn response_insights(&self, window: Window) -> Result<ResponseInsights, EngineError> {
        let Window { from, to } = window;
        let db = &self.db;
        // Independent reads, each on its own pooled connection: the answer takes as long
        // as the slowest of them, not their sum.
        let (f, first, quorum, templates) = tokio::try_join!(
            store::funnel(db, from, to),
            store::hours_to_response(db, from, to),
            store::hours_to_quorum(db, from, to),
            store::per_template(db, from, to),
        )?;
        let min_timed = MIN_TIMED_RESPONSES.max(self.report.min_responses_for_detail) as i64;

        let mut bins = Vec::with_capacity(QUORUM_BINS.len() + 1);
        let cumulative = [
            quorum.within_24,
            quorum.within_48,
            quorum.within_72,
            quorum.within_168,
        ];
        let mut below = 0;
        for (bound, within) in QUORUM_BINS.iter().zip(cumulative) {
            bins.push(QuorumBin {
                up_to_hours: Some(*bound),
                cases: count(within - below),
            });
            below = within;
        }
        bins.push(QuorumBin {
            up_to_hours: None,
            cases: count(quorum.cases - below),
        });

        Ok(ResponseInsights {
            from,
            to,
            invited: count(f.invited),
            opened: count(f.opened),
            started: count(f.started),
            completed: count(f.completed),
            declined: count(f.declined),
            bounced: count(f.bounced),
            expired: count(f.expired),
            withdrawn: count(f.withdrawn),
            opted_out: count(f.opted_out),
            response_rate: ratio(f.completed, f.invited - f.bounced - f.withdrawn),
            breakoff_rate: ratio(f.opened - f.completed - f.declined_after_opening, f.opened),
            median_hours_to_first_response: (first.n >= min_timed)
                .then_some(first.median)
                .flatten()
                .map(|h| round(h, 1)),
            median_hours_to_quorum: quorum.median.map(|h| round(h, 1)),
            cases_at_quorum: count(quorum.cases),
            hours_to_quorum: bins,
            includes_demo: f.demo > 0,
            completions_after: CompletionsAfter {
                invitation: count(f.completed_after_invitation),
                reminder_1: count(f.completed_after_reminder_1),
                reminder_2: count(f.completed_after_reminder_2),
            },
            templates: templates
                .into_iter()
                .map(|t| TemplateInsights {
                    key: t.template_key.unwrap_or_else(|| t.template_id.to_string()),
                    name: t.name,
                    version: t.version,
                    completed: count(t.completed),
                    median_seconds_to_complete: (t.timed >= min_timed)
                        .then_some(t.median_seconds)
                        .flatten()
                        .map(|s| round(s, 0)),
                    breakoff_rate: ratio(
                        t.opened - t.completed - t.declined_after_opening,
                        t.opened,
                    ),
                })
                .collect(),
        })
    }
}

/// How a provider's referees responded across all its reference checks: a provider whose
/// references never answer is a signal too.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderResponses {
    /// References invited (a bounced one too).
    pub invited: u64,
    pub opened: u64,
    pub completed: u64,
    pub declined: u64,
    pub bounced: u64,
    pub expired: u64,
    pub withdrawn: u64,
    /// completed ÷ (invited − bounced − withdrawn); null when that is 0.
    pub response_rate: Option<f64>,
}

impl crate::services::Reports<'_> {
    /// The response figures of `provider_id`'s referees, over every reference check.
    #[tracing::instrument(skip(self))]
    pub async fn provider_responses(
        &self,
        provider_id: uuid::Uuid,
    ) -> Result<ProviderResponses, EngineError> {
        let f = store::funnel_of_provider(&self.db, provider_id).await?;
        Ok(ProviderResponses {
            invited: count(f.invited),
            opened: count(f.opened),
            completed: count(f.completed),
            declined: count(f.declined),
            bounced: count(f.bounced),
            expired: count(f.expired),
            withdrawn: count(f.withdrawn),
            response_rate: ratio(f.completed, f.invited - f.bounced - f.withdrawn),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_window_defaults_to_the_ninety_days_before_now() {
        let w = Window::new(None, None, at(7)).unwrap();
        assert_eq!(w.to, at(7));
        assert_eq!(w.from, at(7) - Duration::days(90));
    }

    #[test]
    fn a_window_that_ends_before_it_begins_is_an_error_on_to() {
        match Window::new(Some(at(7)), Some(at(7)), at(8)) {
            Err(EngineError::Validation { field, .. }) => assert_eq!(field, "to"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_rate_over_nothing_is_null_not_zero() {
        assert_eq!(ratio(0, 0), None);
        assert_eq!(ratio(2, 3), Some(0.6667));
    }
}
