//! After the decision: an approval opens an engagement; its stakeholders (the buyer's own
//! people working with the provider) are asked at `followup.pulse_days` how it is going,
//! and each pulse is set against what the references predicted. Across engagements,
//! `calibration` says how predictive each dimension of the reference check has been.
//!
//! A pulse is a case of kind `pulse` whose references are the stakeholders: it shares the
//! referee form, its links, reminders, decline, deadline and opt-out.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use store::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::calibration::{self, Correlation, Pair};
use crate::cases::NewReference;
use crate::credentials::new_token;
use crate::disclosure::Disclosure;
use crate::domain::{
    CaseKind, CaseStatus, Drift, Engagement, EngagementStatus, Pulse, PulseDimension, PulseStatus,
    ReferenceSource, ReferenceStatus, Stakeholder, State,
};
use crate::profile::Dimension;
use crate::scoring::{self, plain_means};
use crate::store::cases::{self, CaseRow};
use crate::store::engagements::{self as rows, EngagementRow, StakeholderRow};
use crate::store::references::{self, ReferenceRow};
use crate::users::normalize_email;
use crate::{Engine, EngineError, providers};

/// A stakeholder to add.
pub struct NewStakeholder {
    pub name: String,
    pub email: String,
}

/// Longest reason for ending an engagement, in characters.
pub const MAX_END_REASON_CHARS: u64 = 1000;

/// `GET /api/v1/insights/calibration`: how well the reference check predicted the pulses.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Calibration {
    /// Engagements with a complete pulse.
    pub engagements: u32,
    /// Whether any engagement counted was made up by `vouch demo`.
    pub includes_demo: bool,
    pub dimensions: Vec<DimensionCalibration>,
    /// The alignment score before hiring against the first pulse's alignment.
    pub alignment: AlignmentCalibration,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlignmentCalibration {
    #[serde(flatten)]
    pub correlation: Correlation,
    /// The (pre-hire, first pulse) alignment scores behind it, for the scatter plot.
    pub points: Vec<CalibrationPoint>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DimensionCalibration {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub correlation: Correlation,
    /// The (pre-hire, first pulse) scores behind it, for the scatter plot.
    pub points: Vec<CalibrationPoint>,
}

#[derive(Clone, Copy, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalibrationPoint {
    pub pre_hire: f64,
    pub pulse: f64,
}

fn not_active(row: &EngagementRow, action: &'static str) -> EngineError {
    EngineError::InvalidState {
        action,
        current: State::Engagement(row.status),
    }
}

fn pulse_status(case: &CaseRow) -> Option<PulseStatus> {
    match case.status {
        CaseStatus::Collecting => Some(PulseStatus::Collecting),
        CaseStatus::Review | CaseStatus::Decided => Some(PulseStatus::Complete),
        // Drafts never last (a pulse is launched as it is made); cancelled pulses ended with
        // their engagement and are not shown.
        _ => None,
    }
}

impl Engine {
    /// Opens the engagement of an approved case (in the decision's transaction) and
    /// schedules its pulses.
    pub(crate) async fn open_engagement(
        &self,
        txn: &impl ConnectionTrait,
        case_id: Uuid,
        provider_id: Uuid,
        actor: &Actor,
        demo: bool,
    ) -> Result<Uuid, EngineError> {
        let now = self.now();
        let days = &self.followup.pulse_days;
        let row = rows::insert(
            txn,
            EngagementRow {
                id: Uuid::now_v7(),
                case_id,
                provider_id,
                status: EngagementStatus::Active,
                started_at: now,
                next_pulse_at: days
                    .iter()
                    .min()
                    .map(|d| now + Duration::days(i64::from(*d))),
                ended_at: None,
                end_reason: None,
                demo,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        rows::set_case_engagement(txn, case_id, row.id).await?;
        for &day in days {
            let task = crate::outbox::Task::StartPulse {
                engagement_id: row.id,
                day,
            };
            self.enqueue(txn, &task, now + Duration::days(i64::from(day)))
                .await?;
        }
        audit::record(
            txn,
            Some(case_id),
            None,
            actor,
            "engagement.opened",
            json!({ "engagement_id": row.id, "pulse_days": days }),
            now,
        )
        .await?;
        Ok(row.id)
    }

    async fn assemble_engagements(
        &self,
        rows: Vec<EngagementRow>,
    ) -> Result<Vec<Engagement>, EngineError> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut stakeholders: HashMap<Uuid, Vec<Stakeholder>> = HashMap::new();
        for s in rows::stakeholders_of(&self.db, &ids).await? {
            stakeholders
                .entry(s.engagement_id)
                .or_default()
                .push(stakeholder(s));
        }
        let mut pulse_cases: HashMap<Uuid, Vec<CaseRow>> = HashMap::new();
        for case in rows::pulses_of(&self.db, &ids).await? {
            if let Some(id) = case.engagement_id {
                pulse_cases.entry(id).or_default().push(case);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let provider_name = providers::name_of(&self.db, row.provider_id).await?;
            // The approved case's report: what the pulses are set against.
            let pre_hire = self.reports().case_report(row.case_id).await?;
            let mut pulses = Vec::new();
            for case in pulse_cases.remove(&row.id).unwrap_or_default() {
                if let Some(p) = self.pulse_of(&case, &pre_hire).await? {
                    pulses.push(p);
                }
            }
            out.push(Engagement {
                id: row.id,
                case_id: row.case_id,
                provider_id: row.provider_id,
                provider_name,
                status: row.status,
                started_at: row.started_at,
                next_pulse_at: row.next_pulse_at,
                ended_at: row.ended_at,
                end_reason: row.end_reason,
                demo: row.demo,
                stakeholders: stakeholders.remove(&row.id).unwrap_or_default(),
                pre_hire_alignment: pre_hire.alignment_score,
                pulses,
            });
        }
        Ok(out)
    }

    /// A pulse's result: each dimension's plain mean over its stakeholders (one
    /// organisation, DESIGN.md "Scoring"), set against the pre-hire interval.
    pub(crate) async fn pulse_of(
        &self,
        case: &CaseRow,
        pre_hire: &crate::report::Report,
    ) -> Result<Option<Pulse>, EngineError> {
        let Some(status) = pulse_status(case) else {
            return Ok(None);
        };
        let loaded = self.load_for_scoring(case.id).await?;
        let means = plain_means(&loaded.questions, &loaded.profile, &loaded.referees);
        let (mut weighted, mut weights) = (0.0, 0.0);
        let dimensions = loaded
            .profile
            .iter()
            .zip(&means)
            .map(|(d, (mean, n))| {
                let before = pre_hire.dimensions.iter().find(|p| p.key == d.key);
                let pre_hire_ci95 = before.and_then(|p| p.ci95);
                let score = mean.map(scoring::to_score);
                if let Some(s) = score {
                    weighted += s * d.weight;
                    weights += d.weight;
                }
                PulseDimension {
                    key: d.key.clone(),
                    label: d.label.clone(),
                    score: score.map(|s| scoring::round(s, 1)),
                    n: *n,
                    pre_hire_score: before.and_then(|p| p.score),
                    pre_hire_ci95,
                    drift: score
                        .zip(pre_hire_ci95)
                        .map(|(s, [lo, hi])| drift(s, lo, hi)),
                }
            })
            .collect();
        let completed = loaded.referees.iter().filter(|r| r.completed).count() as u32;
        // Progress only until the pulse completes (API.md "Disclosure").
        let released = Disclosure::of(case.released_at, completed, &self.report).shows_results();
        Ok(Some(Pulse {
            id: case.id,
            started_at: case.launched_at.unwrap_or(case.created_at),
            status,
            invited: loaded.invited,
            responses: completed,
            alignment: (released && weights > 0.0).then(|| scoring::round(weighted / weights, 1)),
            dimensions: if released { dimensions } else { Vec::new() },
        }))
    }

    async fn start_pulse_locked(
        &self,
        txn: &store::DatabaseTransaction,
        row: &EngagementRow,
        actor: &Actor,
    ) -> Result<Uuid, EngineError> {
        if row.status != EngagementStatus::Active {
            return Err(not_active(row, "start a pulse of"));
        }
        let stakeholders = rows::stakeholders_of(txn, &[row.id]).await?;
        if stakeholders.is_empty() {
            return Err(EngineError::validation(
                "stakeholders",
                "add at least one stakeholder before starting a pulse",
            ));
        }
        if rows::pulses_of(txn, &[row.id])
            .await?
            .iter()
            .any(|c| c.status == CaseStatus::Collecting)
        {
            return Err(EngineError::InvalidState {
                action: "start another pulse while one is",
                current: State::Pulse(PulseStatus::Collecting),
            });
        }
        let now = self.now();
        // Stakeholders are the buyer's own staff: no fatigue limit, but an opt-out holds.
        let mut asked = Vec::with_capacity(stakeholders.len());
        for s in &stakeholders {
            if !crate::store::opt_outs::contains(txn, &s.email, now).await? {
                asked.push(s);
            }
        }
        if asked.is_empty() {
            return Err(EngineError::validation(
                "stakeholders",
                "every stakeholder asked not to be contacted again",
            ));
        }
        let approved = cases::get(txn, row.case_id).await?;
        let number = rows::pulses_of(txn, &[row.id]).await?.len() + 1;
        let days = (now - row.started_at).num_days();
        let pulse = cases::insert(
            txn,
            CaseRow {
                id: Uuid::now_v7(),
                provider_id: row.provider_id,
                owner_id: approved.owner_id,
                title: format!("Check-in {number} ({days} days): {}", approved.title),
                template_version_id: approved.template_version_id,
                profile_snapshot: approved.profile_snapshot.clone(),
                min_responses: 1,
                min_organisations: 1,
                anonymity_seed: new_token(),
                kind: CaseKind::Pulse,
                demo: approved.demo,
                engagement_id: Some(row.id),
                deadline_days: self.followup.pulse_deadline_days as i32,
                deadline_at: None,
                status: CaseStatus::Draft,
                launched_at: None,
                closed_at: None,
                finished_at: None,
                released_at: None,
                hold_reason: None,
                held_at: None,
                held_by: None,
                locale: approved.locale.clone(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        for s in asked {
            references::insert(txn, stakeholder_reference(&pulse, s, actor, now)).await?;
        }
        self.launch_locked(txn, pulse.clone(), actor).await?;
        audit::record(
            txn,
            Some(row.case_id),
            None,
            actor,
            "pulse.started",
            json!({ "engagement_id": row.id, "pulse_case_id": pulse.id, "stakeholders": stakeholders.len() }),
            now,
        )
        .await?;
        Ok(pulse.id)
    }

    /// The scheduled pulse `day` days after the decision; skipped (and said so in the
    /// audit trail) when the engagement ended, has no stakeholders, or a pulse is running.
    pub(crate) async fn run_scheduled_pulse(&self, id: Uuid, day: u32) -> Result<(), EngineError> {
        let txn = self.db.begin().await?;
        let row = match rows::lock(&txn, id).await {
            Ok(row) => row,
            Err(store::StoreError::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if row.status != EngagementStatus::Active {
            return Ok(());
        }
        let now = self.now();
        let next = self
            .followup
            .pulse_days
            .iter()
            .filter(|d| **d > day)
            .min()
            .map(|d| row.started_at + Duration::days(i64::from(*d)));
        let skipped = match self.start_pulse_locked(&txn, &row, &Actor::System).await {
            Ok(_) => None,
            Err(e @ (EngineError::Validation { .. } | EngineError::InvalidState { .. })) => {
                Some(e.to_string())
            }
            Err(e) => return Err(e),
        };
        if let Some(reason) = skipped {
            audit::record(
                &txn,
                Some(row.case_id),
                None,
                &Actor::System,
                "pulse.skipped",
                json!({ "engagement_id": id, "day": day, "reason": reason }),
                now,
            )
            .await?;
        }
        rows::set_next_pulse(&txn, id, next, now).await?;
        txn.commit().await?;
        Ok(())
    }
}

impl crate::services::Engagements<'_> {
    /// Engagements, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn list_engagements(
        &self,
        status: Option<EngagementStatus>,
    ) -> Result<Vec<Engagement>, EngineError> {
        let rows = rows::all(&self.db, status).await?;
        self.assemble_engagements(rows).await
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn engagement(&self, id: Uuid) -> Result<Engagement, EngineError> {
        let row = rows::get(&self.db, id).await?;
        Ok(self.assemble_engagements(vec![row]).await?.remove(0))
    }

    /// The engagements of a provider, oldest first (its history).
    #[tracing::instrument(skip_all, fields(provider_id = %provider_id))]
    pub async fn provider_engagements(
        &self,
        provider_id: Uuid,
    ) -> Result<Vec<Engagement>, EngineError> {
        let rows = rows::of_provider(&self.db, provider_id).await?;
        self.assemble_engagements(rows).await
    }

    /// Adds one of the buyer's own people to an active engagement.
    #[tracing::instrument(skip_all, fields(engagement_id = %id), err)]
    pub async fn add_stakeholder(
        &self,
        id: Uuid,
        new: NewStakeholder,
        actor: &Actor,
    ) -> Result<Stakeholder, EngineError> {
        // The referee rules for a name and an address.
        let as_reference = NewReference {
            name: new.name.clone(),
            email: new.email.clone(),
            company: "-".into(),
            relationship: "-".into(),
            override_reason: None,
            locale: None,
        };
        if let Some((field, problem)) = as_reference.problems().into_iter().next() {
            return Err(EngineError::validation(field, problem.to_string()));
        }
        let email = normalize_email(&new.email);
        let now = self.now();
        let txn = self.db.begin().await?;
        let row = rows::lock(&txn, id).await?;
        if row.status != EngagementStatus::Active {
            return Err(not_active(&row, "add a stakeholder to"));
        }
        if rows::stakeholders_of(&txn, &[id])
            .await?
            .iter()
            .any(|s| s.email == email)
        {
            return Err(EngineError::validation(
                "email",
                "is already a stakeholder of this engagement",
            ));
        }
        let s = rows::insert_stakeholder(&txn, id, new.name.trim(), &email, now).await?;
        audit::record(
            &txn,
            Some(row.case_id),
            None,
            actor,
            "engagement.stakeholder_added",
            json!({ "engagement_id": id, "name": s.name }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(stakeholder(s))
    }

    /// Starts a pulse now: every stakeholder is emailed a link.
    #[tracing::instrument(skip_all, fields(engagement_id = %id), err)]
    pub async fn start_pulse(&self, id: Uuid, actor: &Actor) -> Result<Engagement, EngineError> {
        let txn = self.db.begin().await?;
        let row = rows::lock(&txn, id).await?;
        self.start_pulse_locked(&txn, &row, actor).await?;
        txn.commit().await?;
        self.engagements().engagement(id).await
    }

    /// Marks an engagement as made up by `vouch demo`: shown as demo data wherever it
    /// appears (the engagement pages, the calibration page).
    pub async fn mark_engagement_as_demo(&self, id: Uuid) -> Result<(), EngineError> {
        rows::mark_demo(&self.db, id).await.map_err(Into::into)
    }

    /// Ends an engagement; a running pulse is cancelled and no more are started.
    #[tracing::instrument(skip_all, fields(engagement_id = %id), err)]
    pub async fn end_engagement(
        &self,
        id: Uuid,
        reason: &str,
        actor: &Actor,
    ) -> Result<Engagement, EngineError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(EngineError::validation("reason", "must not be blank"));
        }
        if reason.chars().count() as u64 > MAX_END_REASON_CHARS {
            return Err(EngineError::validation(
                "reason",
                format!("must be at most {MAX_END_REASON_CHARS} characters"),
            ));
        }
        let now = self.now();
        let txn = self.db.begin().await?;
        let row = rows::lock(&txn, id).await?;
        if row.status != EngagementStatus::Active {
            return Err(not_active(&row, "end"));
        }
        for pulse in rows::pulses_of(&txn, &[id]).await? {
            if pulse.status == CaseStatus::Collecting {
                // Locked and read again: a stakeholder may be answering right now.
                let pulse = cases::lock(&txn, pulse.id).await?;
                if pulse.status == CaseStatus::Collecting {
                    self.cancel_locked(&txn, pulse, actor).await?;
                }
            }
        }
        rows::end(&txn, id, reason, now).await?;
        audit::record(
            &txn,
            Some(row.case_id),
            None,
            actor,
            "engagement.ended",
            json!({ "engagement_id": id, "reason": reason }),
            now,
        )
        .await?;
        txn.commit().await?;
        self.engagements().engagement(id).await
    }

    /// Pearson r between the pre-hire scores and the first complete pulse, per dimension
    /// and for the alignment, over every engagement that has both.
    #[tracing::instrument(skip_all)]
    pub async fn calibration(&self) -> Result<Calibration, EngineError> {
        let engagements = self.engagements().list_engagements(None).await?;
        let profile = crate::profile::load(&self.db).await?;
        let mut pairs: HashMap<String, Vec<Pair>> = HashMap::new();
        let mut alignment = Vec::new();
        let mut counted = 0;
        let mut includes_demo = false;
        for e in &engagements {
            let Some(first) = e.pulses.iter().find(|p| p.status == PulseStatus::Complete) else {
                continue;
            };
            counted += 1;
            includes_demo |= e.demo;
            for d in &first.dimensions {
                if let (Some(pre_hire), Some(pulse)) = (d.pre_hire_score, d.score) {
                    pairs
                        .entry(d.key.clone())
                        .or_default()
                        .push(Pair { pre_hire, pulse });
                }
            }
            if let (Some(pre_hire), Some(pulse)) = (e.pre_hire_alignment, first.alignment) {
                alignment.push(Pair { pre_hire, pulse });
            }
        }
        let dimensions = profile
            .iter()
            .map(|d: &Dimension| {
                let points = pairs.remove(&d.key).unwrap_or_default();
                DimensionCalibration {
                    key: d.key.clone(),
                    label: d.label.clone(),
                    correlation: calibration::correlate(&points),
                    points: points
                        .iter()
                        .map(|p| CalibrationPoint {
                            pre_hire: p.pre_hire,
                            pulse: p.pulse,
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(Calibration {
            engagements: counted,
            includes_demo,
            dimensions,
            alignment: AlignmentCalibration {
                correlation: calibration::correlate(&alignment),
                points: alignment
                    .iter()
                    .map(|p| CalibrationPoint {
                        pre_hire: p.pre_hire,
                        pulse: p.pulse,
                    })
                    .collect(),
            },
        })
    }
}

/// `below` when the unrounded pulse score is under the pre-hire interval, `above` when
/// over it, else `within` (the edges are inside).
pub fn drift(score: f64, low: f64, high: f64) -> Drift {
    if score < low {
        Drift::Below
    } else if score > high {
        Drift::Above
    } else {
        Drift::Within
    }
}

fn stakeholder(s: StakeholderRow) -> Stakeholder {
    Stakeholder {
        id: s.id,
        name: s.name,
        email: s.email,
        created_at: s.created_at,
    }
}

fn stakeholder_reference(
    pulse: &CaseRow,
    s: &StakeholderRow,
    actor: &Actor,
    now: DateTime<Utc>,
) -> ReferenceRow {
    ReferenceRow {
        id: Uuid::now_v7(),
        case_id: pulse.id,
        name: s.name.clone(),
        email: s.email.clone(),
        company: "Stakeholder".into(),
        relationship: "works with the provider".into(),
        nominated_by: actor.to_string(),
        source: ReferenceSource::Sourced,
        status: ReferenceStatus::Pending,
        invitations_sent: 0,
        reminders_sent: 0,
        invited_at: None,
        opened_at: None,
        responded_at: None,
        decline_reason: None,
        withdrawn_reason: None,
        generation: 0,
        created_at: now,
        updated_at: now,
        identity_erased_at: None,
        comments_erased_at: None,
        // Every stakeholder belongs to the one buyer (API.md "Engagements").
        organisation: Some("stakeholder".into()),
        locale: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_counts_the_interval_edges_as_within() {
        assert_eq!(drift(39.9, 40.0, 80.0), Drift::Below);
        assert_eq!(drift(40.0, 40.0, 80.0), Drift::Within);
        assert_eq!(drift(80.0, 40.0, 80.0), Drift::Within);
        assert_eq!(drift(80.01, 40.0, 80.0), Drift::Above);
    }
}
