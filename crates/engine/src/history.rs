//! A provider's history: its vetting cases with their decisions and alignment scores, and
//! the engagements that followed with their pulses, so that staff can see over time how
//! the provider was judged and how the work went.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::EngineError;
use crate::domain::{CaseStatus, Engagement, Outcome, Provider};
use crate::store::cases;

/// A provider's cases and engagements, oldest first.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderHistory {
    /// Its vetting cases (not pulses), oldest first.
    pub cases: Vec<CaseHistory>,
    /// The engagements its approvals opened, oldest first, each with its pulses.
    pub engagements: Vec<Engagement>,
}

/// One vetting case of a provider, as its history shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseHistory {
    pub id: Uuid,
    pub title: String,
    pub status: CaseStatus,
    pub created_at: DateTime<Utc>,
    /// When HR recorded the decision; null until then.
    pub decided_at: Option<DateTime<Utc>>,
    /// HR's decision; null until then.
    pub outcome: Option<Outcome>,
    /// The report's alignment score (0–100) once collection is over (`review` or
    /// `decided`); null before, for a cancelled case, or without enough answers.
    pub alignment_score: Option<f64>,
}

/// `GET /api/v1/providers/{id}`: the provider and its history.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderWithHistory {
    #[serde(flatten)]
    pub provider: Provider,
    pub history: ProviderHistory,
}

impl crate::services::Reports<'_> {
    /// The provider's vetting cases (with decision and alignment score) and engagements
    /// (with their pulses), oldest first.
    #[tracing::instrument(skip_all, fields(provider_id = %provider_id))]
    pub async fn provider_history(
        &self,
        provider_id: Uuid,
    ) -> Result<ProviderHistory, EngineError> {
        let rows = cases::of_provider(&self.db, provider_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let decision = self.reports().case_decision(row.id).await?;
            let alignment_score = if matches!(row.status, CaseStatus::Review | CaseStatus::Decided)
            {
                self.reports().case_report(row.id).await?.alignment_score
            } else {
                None
            };
            out.push(CaseHistory {
                id: row.id,
                title: row.title,
                status: row.status,
                created_at: row.created_at,
                decided_at: decision.as_ref().map(|d| d.created_at),
                outcome: decision.map(|d| d.outcome),
                alignment_score,
            });
        }
        Ok(ProviderHistory {
            cases: out,
            engagements: self.engagements().provider_engagements(provider_id).await?,
        })
    }

    /// The provider and its history; `NotFound` for an unknown provider.
    #[tracing::instrument(skip_all, fields(provider_id = %provider_id))]
    pub async fn provider_with_history(
        &self,
        provider_id: Uuid,
    ) -> Result<ProviderWithHistory, EngineError> {
        let provider = self.cases().provider(provider_id).await?;
        let history = self.reports().provider_history(provider_id).await?;
        Ok(ProviderWithHistory { provider, history })
    }
}
