//! After the decision: an approval opens an engagement; its stakeholders (the buyer's own
//! people working with the provider) are asked at `followup.pulse_days` how it is going,
//! and each pulse is set against what the references predicted. Across engagements,
//! `calibration` says how predictive each dimension of the reference check has been.
//!
//! A pulse is a case of kind `pulse` whose references are the stakeholders: it shares the
//! referee form, its links, reminders, decline, deadline and opt-out. Its provider side
//! (API.md "Partnership both ways") is a second case, of kind `provider_pulse`, started
//! with it: the provider's contacts are its references, the shipped provider-side
//! questions its questionnaire, and the provider's language its language; so the provider
//! side shares all of the same machinery. The two sides' alignments are set against each
//! other (`partnership_gap`) once both are released.

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
    CaseKind, CaseStatus, Drift, Engagement, EngagementStatus, PartnershipSide, ProviderSide,
    ProviderSideDimension, Pulse, PulseDimension, PulseFlag, PulseStatus, ReferenceSource,
    ReferenceStatus, Stakeholder, StakeholderSide, State,
};
use crate::profile::Dimension;
use crate::questionnaire::provider_side_dimensions;
use crate::scoring::{self, plain_means};
use crate::store::cases::{self, CaseRow};
use crate::store::engagements::{self as rows, EngagementRow, StakeholderRow};
use crate::store::references::{self, ReferenceRow};
use crate::users::normalize_email;
use crate::{Engine, EngineError, providers};

/// A stakeholder (or a provider contact) to add.
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
    /// How the provider side of the first complete pulse went with the buyer's side: each
    /// provider-side dimension, and the provider side's alignment, against the buyer's
    /// pulse alignment (Pearson r, as above) over the engagements whose first complete
    /// pulse has both.
    pub partnership: PartnershipCalibration,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnershipCalibration {
    /// The provider side's alignment against the buyer's.
    #[serde(flatten)]
    pub correlation: Correlation,
    pub dimensions: Vec<PartnershipDimensionCalibration>,
}

/// One provider-side dimension against the buyer's pulse alignment: a high `r` reads "when
/// the provider felt excluded, the buyer's scores fell".
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnershipDimensionCalibration {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub correlation: Correlation,
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

/// The figures of one side of a pulse, before they are rounded or withheld.
struct SideScores {
    profile: Vec<Dimension>,
    /// Per dimension of `profile`: the plain mean of the people's means (1–5), and how
    /// many people have one.
    means: Vec<(Option<f64>, u32)>,
    invited: u32,
    responses: u32,
    /// Released under Disclosure (the side stopped collecting).
    released: bool,
}

impl SideScores {
    /// The weighted mean of the dimension scores (0–100, unrounded) while released; null
    /// without data.
    fn alignment(&self) -> Option<f64> {
        let (mut weighted, mut weights) = (0.0, 0.0);
        for (d, (mean, _)) in self.profile.iter().zip(&self.means) {
            if let Some(m) = mean {
                weighted += scoring::to_score(*m) * d.weight;
                weights += d.weight;
            }
        }
        (self.released && weights > 0.0).then(|| weighted / weights)
    }
}

/// The `partnership_gap` flag of a pulse whose buyer side has alignment `buyer` and whose
/// provider side has `provider` (both unrounded, released): raised when they differ by at
/// least `threshold` points, naming the side that rates the partnership lower.
pub fn partnership_gap(
    buyer: Option<f64>,
    provider: Option<f64>,
    threshold: f64,
) -> Option<PulseFlag> {
    let (buyer, provider) = (buyer?, provider?);
    let gap = (buyer - provider).abs();
    if gap < threshold {
        return None;
    }
    let (lower_side, detail) = if provider < buyer {
        (
            PartnershipSide::Provider,
            format!(
                "The provider's people rate the partnership {gap:.0} points lower than the buyer's stakeholders ({provider:.0} against {buyer:.0})."
            ),
        )
    } else {
        (
            PartnershipSide::Buyer,
            format!(
                "The buyer's stakeholders rate the partnership {gap:.0} points lower than the provider's people ({buyer:.0} against {provider:.0})."
            ),
        )
    };
    Some(PulseFlag {
        kind: "partnership_gap".into(),
        detail,
        lower_side,
        gap: scoring::round(gap, 1),
    })
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
        self.add_main_contact(txn, &row, now).await?;
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
        let mut stakeholders: HashMap<(Uuid, StakeholderSide), Vec<Stakeholder>> = HashMap::new();
        for s in rows::stakeholders_of(&self.db, &ids).await? {
            stakeholders
                .entry((s.engagement_id, s.side))
                .or_default()
                .push(stakeholder(s));
        }
        let mut provider_sides: HashMap<Uuid, CaseRow> = HashMap::new();
        for case in rows::provider_sides_of(&self.db, &ids).await? {
            if let Some(pulse_id) = case.pulse_id {
                provider_sides.insert(pulse_id, case);
            }
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
                let provider_side = provider_sides.remove(&case.id);
                if let Some(p) = self
                    .pulse_of(&case, &pre_hire, provider_side.as_ref())
                    .await?
                {
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
                stakeholders: stakeholders
                    .remove(&(row.id, StakeholderSide::Buyer))
                    .unwrap_or_default(),
                provider_contacts: stakeholders
                    .remove(&(row.id, StakeholderSide::Provider))
                    .unwrap_or_default(),
                pre_hire_alignment: pre_hire.alignment_score,
                pulses,
            });
        }
        Ok(out)
    }

    /// One side of a pulse scored: each dimension's plain mean over its people (one
    /// organisation, DESIGN.md "Scoring"), and whether Disclosure releases it.
    async fn side_scores(&self, case: &CaseRow) -> Result<SideScores, EngineError> {
        let loaded = self.load_for_scoring(case.id).await?;
        let means = plain_means(&loaded.questions, &loaded.profile, &loaded.referees);
        let responses = loaded.referees.iter().filter(|r| r.completed).count() as u32;
        // Progress only until the side completes (API.md "Disclosure").
        let released = Disclosure::of(case.released_at, responses, &self.report).shows_results();
        Ok(SideScores {
            profile: loaded.profile,
            means,
            invited: loaded.invited,
            responses,
            released,
        })
    }

    /// A pulse's result: each dimension's plain mean over its stakeholders (one
    /// organisation, DESIGN.md "Scoring"), set against the pre-hire interval; with its
    /// provider side (`provider_case`), when it asked the provider, and the
    /// `partnership_gap` flag when both sides are released.
    pub(crate) async fn pulse_of(
        &self,
        case: &CaseRow,
        pre_hire: &crate::report::Report,
        provider_case: Option<&CaseRow>,
    ) -> Result<Option<Pulse>, EngineError> {
        let Some(status) = pulse_status(case) else {
            return Ok(None);
        };
        let buyer = self.side_scores(case).await?;
        let dimensions = buyer
            .profile
            .iter()
            .zip(&buyer.means)
            .map(|(d, (mean, n))| {
                let before = pre_hire.dimensions.iter().find(|p| p.key == d.key);
                let pre_hire_ci95 = before.and_then(|p| p.ci95);
                let score = mean.map(scoring::to_score);
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
        let alignment = buyer.alignment();
        let (provider_side, provider_alignment) = match provider_case {
            Some(c) => match self.provider_side(c).await? {
                Some((side, a)) => (Some(side), a),
                None => (None, None),
            },
            None => (None, None),
        };
        let flags = partnership_gap(
            alignment,
            provider_alignment,
            self.followup.partnership_gap_points,
        )
        .into_iter()
        .collect();
        Ok(Some(Pulse {
            id: case.id,
            started_at: case.launched_at.unwrap_or(case.created_at),
            status,
            invited: buyer.invited,
            responses: buyer.responses,
            alignment: alignment.map(|a| scoring::round(a, 1)),
            dimensions: if buyer.released {
                dimensions
            } else {
                Vec::new()
            },
            provider_side,
            flags,
        }))
    }

    /// The provider side of a pulse (released under Disclosure like the buyer's), with
    /// its unrounded alignment; none once cancelled.
    async fn provider_side(
        &self,
        case: &CaseRow,
    ) -> Result<Option<(ProviderSide, Option<f64>)>, EngineError> {
        let Some(status) = pulse_status(case) else {
            return Ok(None);
        };
        let side = self.side_scores(case).await?;
        let alignment = side.alignment();
        let dimensions = if side.released {
            side.profile
                .iter()
                .zip(&side.means)
                .map(|(d, (mean, n))| ProviderSideDimension {
                    key: d.key.clone(),
                    label: d.label.clone(),
                    score: mean.map(|m| scoring::round(scoring::to_score(m), 1)),
                    n: *n,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Some((
            ProviderSide {
                id: case.id,
                status,
                invited: side.invited,
                responses: side.responses,
                dimensions,
                alignment: alignment.map(|a| scoring::round(a, 1)),
            },
            alignment,
        )))
    }

    /// The pulse (with its provider side) that `case` is either side of, and its
    /// engagement; none when `case` is not a pulse or is no longer shown.
    pub(crate) async fn pulse_of_case(
        &self,
        case: CaseRow,
    ) -> Result<Option<(Pulse, EngagementRow)>, EngineError> {
        let Some(engagement_id) = case.engagement_id else {
            return Ok(None);
        };
        let (buyer, provider) = match case.kind {
            CaseKind::Review => return Ok(None),
            CaseKind::Pulse => {
                let provider = rows::provider_side_of_pulse(&self.db, case.id).await?;
                (case, provider)
            }
            CaseKind::ProviderPulse => {
                let Some(pulse_id) = case.pulse_id else {
                    return Ok(None);
                };
                (cases::get(&self.db, pulse_id).await?, Some(case))
            }
        };
        let engagement = rows::get(&self.db, engagement_id).await?;
        let pre_hire = self.reports().case_report(engagement.case_id).await?;
        Ok(self
            .pulse_of(&buyer, &pre_hire, provider.as_ref())
            .await?
            .map(|p| (p, engagement)))
    }

    async fn add_person(
        &self,
        id: Uuid,
        new: NewStakeholder,
        side: StakeholderSide,
        override_reason: Option<String>,
        actor: &Actor,
    ) -> Result<Stakeholder, EngineError> {
        // The referee rules for a name and an address.
        let as_reference = NewReference {
            name: new.name.clone(),
            email: new.email.clone(),
            company: "-".into(),
            relationship: "-".into(),
            override_reason,
            locale: None,
        };
        if let Some((field, problem)) = as_reference.problems().into_iter().next() {
            return Err(EngineError::validation(field, problem.to_string()));
        }
        let email = normalize_email(&new.email);
        let now = self.now();
        let txn = self.db.begin().await?;
        let row = rows::lock(&txn, id).await?;
        let (what, kind) = match side {
            StakeholderSide::Buyer => ("a stakeholder", "engagement.stakeholder_added"),
            StakeholderSide::Provider => {
                ("a provider contact", "engagement.provider_contact_added")
            }
        };
        if row.status != EngagementStatus::Active {
            return Err(not_active(
                &row,
                match side {
                    StakeholderSide::Buyer => "add a stakeholder to",
                    StakeholderSide::Provider => "add a provider contact to",
                },
            ));
        }
        if rows::stakeholders_of(&txn, &[id])
            .await?
            .iter()
            .any(|s| s.side == side && s.email == email)
        {
            return Err(EngineError::validation(
                "email",
                format!("is already {what} of this engagement"),
            ));
        }
        // The provider's people are asked like referees; the buyer's are its own staff.
        let overridden = match side {
            StakeholderSide::Buyer => None,
            StakeholderSide::Provider => {
                self.check_referee_may_be_asked(&txn, &as_reference).await?
            }
        };
        let s = rows::insert_stakeholder(&txn, id, side, new.name.trim(), &email, now).await?;
        audit::record(
            &txn,
            Some(row.case_id),
            None,
            actor,
            kind,
            json!({ "engagement_id": id, "name": s.name }),
            now,
        )
        .await?;
        if let Some(reason) = overridden {
            audit::record(
                &txn,
                Some(row.case_id),
                None,
                actor,
                "engagement.fatigue_overridden",
                json!({ "engagement_id": id, "stakeholder_id": s.id, "reason": reason }),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        Ok(stakeholder(s))
    }

    /// Adds the provider's main contact as a provider contact of a new engagement (or of
    /// one opened before pulses asked the provider, at its first pulse).
    async fn add_main_contact(
        &self,
        txn: &impl ConnectionTrait,
        row: &EngagementRow,
        now: DateTime<Utc>,
    ) -> Result<StakeholderRow, EngineError> {
        let provider = rows::provider(txn, row.provider_id).await?;
        let s = rows::insert_stakeholder(
            txn,
            row.id,
            StakeholderSide::Provider,
            &provider.contact_name,
            &provider.contact_email,
            now,
        )
        .await?;
        audit::record(
            txn,
            Some(row.case_id),
            None,
            &Actor::System,
            "engagement.provider_contact_added",
            json!({ "engagement_id": row.id, "name": s.name, "main": true }),
            now,
        )
        .await?;
        Ok(s)
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
        let (stakeholders, mut provider_contacts): (Vec<StakeholderRow>, Vec<StakeholderRow>) =
            rows::stakeholders_of(txn, &[row.id])
                .await?
                .into_iter()
                .partition(|s| s.side == StakeholderSide::Buyer);
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
        let asked = reachable(txn, &stakeholders, now).await?;
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
            pulse_case(
                &approved,
                row,
                CaseKind::Pulse,
                format!("Check-in {number} ({days} days): {}", approved.title),
                self.followup.pulse_deadline_days,
                now,
            ),
        )
        .await?;
        for s in asked {
            references::insert(txn, stakeholder_reference(&pulse, s, actor, now, None)).await?;
        }
        self.launch_locked(txn, pulse.clone(), actor).await?;
        // The provider side: its contacts (the main contact at least), asked the
        // provider-side questions in the provider's language. Fatigue was checked when
        // each was added; an opt-out holds now.
        if provider_contacts.is_empty() {
            provider_contacts.push(self.add_main_contact(txn, row, now).await?);
        }
        let provider_asked = reachable(txn, &provider_contacts, now).await?;
        if !provider_asked.is_empty() {
            let version = crate::questionnaires::provider_side_version(txn).await?;
            let provider = rows::provider(txn, row.provider_id).await?;
            let mut side = pulse_case(
                &approved,
                row,
                CaseKind::ProviderPulse,
                format!(
                    "Check-in {number} ({days} days), provider side: {}",
                    approved.title
                ),
                self.followup.pulse_deadline_days,
                now,
            );
            side.template_version_id = version.id;
            side.profile_snapshot = serde_json::to_value(provider_side_dimensions())
                .map_err(|e| EngineError::Corrupt(e.to_string()))?;
            // The provider's language, chosen by staff for its people like a referee's own
            // (API.md "Languages"); else the approved case's.
            side.locale = provider.locale.clone().or(approved.locale.clone());
            side.pulse_id = Some(pulse.id);
            let side = cases::insert(txn, side).await?;
            for s in &provider_asked {
                let reference =
                    stakeholder_reference(&side, s, actor, now, provider.locale.clone());
                references::insert(txn, reference).await?;
            }
            self.launch_locked(txn, side, actor).await?;
        }
        audit::record(
            txn,
            Some(row.case_id),
            None,
            actor,
            "pulse.started",
            json!({
                "engagement_id": row.id,
                "pulse_case_id": pulse.id,
                "stakeholders": stakeholders.len(),
                "provider_contacts": provider_asked.len(),
            }),
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
        self.add_person(id, new, StakeholderSide::Buyer, None, actor)
            .await
    }

    /// Adds one of the provider's people to an active engagement: asked for the provider
    /// side of every pulse from the next one on. The referee rules hold: an address that
    /// opted out → `RefereeOptedOut`; one asked too often lately → `RefereeFatigue` unless
    /// `override_reason` is given (it is audited).
    #[tracing::instrument(skip_all, fields(engagement_id = %id), err)]
    pub async fn add_provider_contact(
        &self,
        id: Uuid,
        new: NewStakeholder,
        override_reason: Option<String>,
        actor: &Actor,
    ) -> Result<Stakeholder, EngineError> {
        self.add_person(id, new, StakeholderSide::Provider, override_reason, actor)
            .await
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
        let provider_sides = rows::provider_sides_of(&txn, &[id]).await?;
        for pulse in rows::pulses_of(&txn, &[id])
            .await?
            .into_iter()
            .chain(provider_sides)
        {
            if pulse.status == CaseStatus::Collecting {
                // Locked and read again: someone may be answering right now.
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
        // Provider side against the buyer's pulse alignment: per provider-side dimension,
        // and the provider side's alignment.
        let mut partnership: HashMap<String, Vec<Pair>> = HashMap::new();
        let mut partnership_alignment = Vec::new();
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
            if let (Some(side), Some(buyer)) = (&first.provider_side, first.alignment) {
                for d in &side.dimensions {
                    if let Some(score) = d.score {
                        partnership.entry(d.key.clone()).or_default().push(Pair {
                            pre_hire: score,
                            pulse: buyer,
                        });
                    }
                }
                if let Some(provider) = side.alignment {
                    partnership_alignment.push(Pair {
                        pre_hire: provider,
                        pulse: buyer,
                    });
                }
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
        let partnership = PartnershipCalibration {
            correlation: calibration::correlate(&partnership_alignment),
            dimensions: provider_side_dimensions()
                .into_iter()
                .map(|d| PartnershipDimensionCalibration {
                    correlation: calibration::correlate(
                        &partnership.remove(&d.key).unwrap_or_default(),
                    ),
                    key: d.key,
                    label: d.label,
                })
                .collect(),
        };
        Ok(Calibration {
            engagements: counted,
            includes_demo,
            partnership,
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

/// The people of `people` who may be emailed now: an opt-out holds.
async fn reachable<'a>(
    txn: &impl ConnectionTrait,
    people: &'a [StakeholderRow],
    now: DateTime<Utc>,
) -> Result<Vec<&'a StakeholderRow>, EngineError> {
    let mut asked = Vec::with_capacity(people.len());
    for s in people {
        if !crate::store::opt_outs::contains(txn, &s.email, now).await? {
            asked.push(s);
        }
    }
    Ok(asked)
}

/// A new pulse case of `kind` (one side of a pulse) for the engagement `row` of the
/// approved case `approved`: its questionnaire and profile, owner and language, launched
/// by the caller.
fn pulse_case(
    approved: &CaseRow,
    row: &EngagementRow,
    kind: CaseKind,
    title: String,
    deadline_days: u32,
    now: DateTime<Utc>,
) -> CaseRow {
    CaseRow {
        id: Uuid::now_v7(),
        provider_id: row.provider_id,
        owner_id: approved.owner_id,
        title,
        template_version_id: approved.template_version_id,
        profile_snapshot: approved.profile_snapshot.clone(),
        min_responses: 1,
        min_organisations: 1,
        anonymity_seed: new_token(),
        kind,
        demo: approved.demo,
        engagement_id: Some(row.id),
        deadline_days: deadline_days as i32,
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
        pulse_id: None,
    }
}

/// The reference of person `s` in one side of a pulse, written to in `locale` when one was
/// chosen for them (the provider's, for its contacts).
fn stakeholder_reference(
    pulse: &CaseRow,
    s: &StakeholderRow,
    actor: &Actor,
    now: DateTime<Utc>,
    locale: Option<String>,
) -> ReferenceRow {
    let (company, relationship, organisation) = match s.side {
        StakeholderSide::Buyer => ("Stakeholder", "works with the provider", "stakeholder"),
        StakeholderSide::Provider => ("Provider", "works for the provider", "provider"),
    };
    ReferenceRow {
        id: Uuid::now_v7(),
        case_id: pulse.id,
        name: s.name.clone(),
        email: s.email.clone(),
        company: company.into(),
        relationship: relationship.into(),
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
        // Every stakeholder belongs to the one buyer (API.md "Engagements"), every
        // provider contact to the one provider.
        organisation: Some(organisation.into()),
        locale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partnership_gap_of_twenty_points_is_flagged_naming_the_lower_side() {
        assert!(partnership_gap(Some(70.0), Some(50.01), 20.0).is_none());
        let flag = partnership_gap(Some(70.0), Some(50.0), 20.0).unwrap();
        assert_eq!(flag.kind, "partnership_gap");
        assert_eq!(flag.lower_side, PartnershipSide::Provider);
        assert_eq!(flag.gap, 20.0);
        assert!(
            flag.detail.starts_with("The provider's people"),
            "{}",
            flag.detail
        );
        let flag = partnership_gap(Some(40.0), Some(87.5), 20.0).unwrap();
        assert_eq!(flag.lower_side, PartnershipSide::Buyer);
        assert_eq!(flag.gap, 47.5);
        assert!(partnership_gap(None, Some(10.0), 20.0).is_none());
        assert!(partnership_gap(Some(90.0), None, 20.0).is_none());
    }

    #[test]
    fn drift_counts_the_interval_edges_as_within() {
        assert_eq!(drift(39.9, 40.0, 80.0), Drift::Below);
        assert_eq!(drift(40.0, 40.0, 80.0), Drift::Within);
        assert_eq!(drift(80.0, 40.0, 80.0), Drift::Within);
        assert_eq!(drift(80.01, 40.0, 80.0), Drift::Above);
    }
}
