//! The report of a case (what HR reads), its CSV export, and HR's decision. Loads the data
//! and hands it to the pure functions in `scoring`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::disclosure::Disclosure;
use crate::domain::{CaseKind, CaseStatus, PulseStatus, ReferenceStatus, State, VettingCase};
use crate::machine::CaseEvent;
use crate::organisations::{domain_of, organisation_key};
use crate::outbox::{OwnerNotice, Task};
use crate::profile::Dimension;
use crate::questionnaire::Question;
use crate::scoring::{
    self, Comment, DimensionScore, Flag, Recommendation, RefereeInput, Rehire, ScoringInput,
    SelfAssessmentInput, SelfAssessmentScores, Sources, counted_value,
};
use crate::store::cases::{self, CaseRow};
use crate::store::{decisions, nominations, references, responses, self_assessments};
use crate::sufficiency::{self, R1Source, Sufficiency};
use crate::transitions::set_case_status;
use crate::{Engine, EngineError, anonymity, questionnaires};

/// The report of API.md, plus a few fields for people (`provider_name`, `notes`). While
/// the case collects it is progress only (API.md "Disclosure"; [`Disclosure`]).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub case_id: Uuid,
    pub title: String,
    pub provider_name: String,
    pub status: CaseStatus,
    /// Whether the results are released: false while the case is a draft, nominating or
    /// collecting (and for a case cancelled before it closed), when the report shows
    /// progress only — no score, interval, answer-quoting flag, comment or tally.
    pub released: bool,
    /// When collecting ended and the results were released, once; null before.
    pub released_at: Option<DateTime<Utc>>,
    /// When collecting ends at the latest (null before launch).
    pub deadline_at: Option<DateTime<Utc>>,
    /// Completed responses.
    pub responses: u32,
    /// References that were sent an invitation and not withdrawn.
    pub invited: u32,
    pub min_responses: u32,
    pub quorum_met: bool,
    /// Distinct client organisations among the completed responses.
    pub organisations: u32,
    pub min_organisations: u32,
    /// Organisations with a completed response found by staff / nominated by the
    /// provider (one with both kinds counts in both).
    pub sources: Sources,
    /// The provider's own view, when it has submitted one; never part of the scores.
    pub self_assessment: Option<SelfAssessmentScores>,
    pub alignment_score: Option<f64>,
    pub recommendation: Recommendation,
    /// How reliable the evidence is and how many more organisations would make it so
    /// (DESIGN.md "Sufficiency"); null until released.
    pub sufficiency: Option<Sufficiency>,
    pub dimensions: Vec<DimensionScore>,
    pub flags: Vec<Flag>,
    pub comments: Vec<Comment>,
    /// Answers to "would you hire them again?"; null until released with at least
    /// `report.min_responses_for_detail` complete responses.
    pub rehire: Option<Rehire>,
    /// Per-referee detail (the dimensions' `referee_scores` and `organisation_scores`, the
    /// comments) is withheld: too few responses are complete to keep them anonymous.
    pub detail_hidden: bool,
    /// How to read the figures (e.g. wide intervals with few referees).
    pub notes: Vec<String>,
    pub generated_at: DateTime<Utc>,
}

/// Everything loaded for scoring a case.
pub(crate) struct Loaded {
    pub(crate) case: CaseRow,
    pub(crate) provider: crate::domain::Provider,
    pub(crate) questions: Vec<Question>,
    pub(crate) profile: Vec<Dimension>,
    pub(crate) referees: Vec<RefereeInput>,
    pub(crate) invited: u32,
    pub(crate) self_assessment: Option<SelfAssessmentInput>,
    /// Where the provider submitted its self-assessment and nominations from.
    pub(crate) provider_ips: Vec<String>,
}

pub use crate::domain::Outcome;

/// Longest decision rationale, in characters (u64: validator's `length(max = …)` type).
pub const MAX_RATIONALE_CHARS: u64 = 5000;

pub use crate::domain::Decision;

impl Engine {
    pub(crate) async fn load_for_scoring(&self, case_id: Uuid) -> Result<Loaded, EngineError> {
        let case = cases::get(&self.db, case_id).await?;
        // Independent reads, each on its own pooled connection.
        let (provider, version, references, self_assessment, nomination_ips, self_ips) = tokio::try_join!(
            async { Ok::<_, EngineError>(cases::provider_of(&self.db, &case).await?) },
            questionnaires::version_by_id(&self.versions, &self.db, case.template_version_id),
            async { Ok(references::of_case(&self.db, case_id).await?) },
            self.submitted_self_assessment(case_id),
            async { Ok(nominations::client_ips_of_case(&self.db, case_id).await?) },
            async { Ok(self_assessments::client_ips_of_case(&self.db, case_id).await?) },
        )?;
        let mut provider_ips: Vec<String> = nomination_ips.into_iter().chain(self_ips).collect();
        provider_ips.sort();
        provider_ips.dedup();
        let questions = version.questions;
        let profile = cases::profile(&case)?;
        let ids: Vec<Uuid> = references.iter().map(|r| r.id).collect();
        let responses = responses::submitted_of(&self.db, &ids).await?;
        let response_ids: Vec<Uuid> = responses.values().map(|r| r.id).collect();
        let mut answers = responses::answers_of(&self.db, &response_ids).await?;
        let mut invited = 0;
        let mut referees = Vec::with_capacity(references.len());
        for r in references {
            let status = r.status;
            let withdrawn = status == ReferenceStatus::Withdrawn;
            if r.invitations_sent > 0 && !withdrawn {
                invited += 1;
            }
            let resp = responses.get(&r.id);
            referees.push(RefereeInput {
                reference_id: r.id,
                completed: status == ReferenceStatus::Completed && resp.is_some(),
                withdrawn,
                answers: resp
                    .and_then(|resp| answers.remove(&resp.id))
                    .unwrap_or_default(),
                client_ip: resp.and_then(|x| x.client_ip.clone()),
                first_viewed_at: resp.and_then(|x| x.first_viewed_at),
                submitted_at: resp.and_then(|x| x.submitted_at),
                locale: resp.and_then(|x| x.locale.clone()),
                source: r.source,
                organisation: r.organisation,
                name: r.name,
                email: r.email,
                company: r.company,
            });
        }
        Ok(Loaded {
            case,
            provider,
            questions,
            profile,
            referees,
            invited,
            self_assessment,
            provider_ips,
        })
    }

    /// The scores of a loaded case, with this installation's scoring settings.
    pub(crate) fn score_loaded(&self, l: &Loaded) -> scoring::Scores {
        let domains: Vec<String> = [
            l.provider.website.as_deref(),
            Some(l.provider.contact_email.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter_map(domain_of)
        .collect();
        scoring::score_case(&ScoringInput {
            questions: &l.questions,
            profile: &l.profile,
            referees: &l.referees,
            min_responses: l.case.min_responses as u32,
            min_organisations: l.case.min_organisations as u32,
            provider_domains: &domains,
            min_seconds_per_question: self.scoring.min_seconds_per_question,
            show_identity: self.report.show_referee_identity,
            public_mail_domains: &self.scoring.public_mail_domains,
            source_gap_points: self.scoring.source_gap_points,
            blind_spot_points: self.scoring.blind_spot_points,
            self_assessment: l.self_assessment.as_ref(),
            provider_ips: &l.provider_ips,
            min_group_size: self.report.min_responses_for_detail,
        })
    }
}

impl crate::services::Reports<'_> {
    /// The report of a case: progress only until it is released, then the results, with
    /// what [`Disclosure`] withholds left out.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn case_report(&self, case_id: Uuid) -> Result<Report, EngineError> {
        let l = self.load_for_scoring(case_id).await?;
        let mut scores = self.score_loaded(&l);
        let disclosure = Disclosure::of(l.case.released_at, scores.responses, &self.report);
        let sufficiency = if disclosure.shows_results() {
            let (r1, source) = self.reports().single_organisation_reliability().await?;
            Some(sufficiency::of(r1, source, scores.organisations))
        } else {
            None
        };
        let mut notes = Vec::new();
        if !disclosure.shows_results() {
            scores.alignment_score = None;
            scores.recommendation = Recommendation::InsufficientData;
            scores.dimensions.clear();
            scores.comments.clear();
            scores.flags.retain(|f| disclosure.shows_flag(f.kind));
            notes.push(if l.case.status == CaseStatus::Cancelled {
                "This check was cancelled before it closed, so its answers are never shown.".to_owned()
            } else {
                "Results are shown once collecting ends: when the quorum is met and nobody is still expected to answer, at the deadline, or when you close the case. Until then this report shows progress only, so that nobody can tell one person's answers by comparing it before and after they reply.".to_owned()
            });
        } else {
            let few = scores
                .dimensions
                .iter()
                .filter_map(|d| (d.n > 0).then_some(d.n))
                .min();
            if let Some(n) = few
                && n < 5
            {
                notes.push(format!(
                    "Some dimensions rest on {n} client organisation{}: their 95% intervals are wide, so read those scores as indicative, not precise.",
                    if n == 1 { "" } else { "s" }
                ));
            }
            notes.push(
                "Each client organisation has one vote: several people from one client are averaged first, so a provider's friendliest client cannot outweigh the others.".into(),
            );
            if scores.self_assessment.is_some() {
                notes.push(
                    "The provider's self-assessment is shown beside the scores and never counted in them.".into(),
                );
            }
        }
        let detail_hidden = !disclosure.shows_detail();
        if detail_hidden {
            for d in &mut scores.dimensions {
                d.referee_scores.clear();
                d.organisation_scores.clear();
            }
            scores.comments.clear();
            if disclosure.shows_results() {
                notes.push(format!(
                    "Individual ratings, quoted comments and the rehire tally are hidden until {} responses are complete, so that nobody can tell who said what.",
                    self.report.min_responses_for_detail
                ));
            }
        }
        Ok(Report {
            case_id,
            title: l.case.title.clone(),
            provider_name: l.provider.name.clone(),
            status: l.case.status,
            released: disclosure.shows_results(),
            released_at: disclosure.released_at(),
            deadline_at: l.case.deadline_at,
            responses: scores.responses,
            invited: l.invited,
            min_responses: l.case.min_responses as u32,
            quorum_met: scores.quorum_met,
            organisations: scores.organisations,
            min_organisations: l.case.min_organisations as u32,
            sources: scores.sources,
            self_assessment: scores.self_assessment,
            alignment_score: scores.alignment_score,
            recommendation: scores.recommendation,
            sufficiency,
            dimensions: scores.dimensions,
            flags: scores.flags,
            comments: scores.comments,
            rehire: (!detail_hidden).then_some(scores.rehire),
            detail_hidden,
            notes,
            generated_at: self.now(),
        })
    }

    /// One CSV row per completed referee × question. Unless `report.show_referee_identity`
    /// is on, referees and organisations are labelled `Referee 1..n` and `Organisation A..`
    /// in the case's random order (`anonymity`), rows follow that order, nothing names,
    /// dates or locates anyone, and there are no rows at all before the release or below
    /// `report.min_responses_for_detail` complete responses ([`Disclosure`]).
    #[tracing::instrument(skip_all, fields(case_id = %case_id))]
    pub async fn case_report_csv(&self, case_id: Uuid) -> Result<String, EngineError> {
        use crate::scoring::csv::row;
        let l = self.load_for_scoring(case_id).await?;
        let show = self.report.show_referee_identity;
        let mut out = row(&[
            "referee",
            "company",
            "question_key",
            "dimension",
            "kind",
            "answer",
            "counted_value",
            "source",
            "organisation",
        ]);
        let completed: Vec<&RefereeInput> = l
            .referees
            .iter()
            .filter(|r| r.completed && !r.withdrawn)
            .collect();
        let disclosure = Disclosure::of(l.case.released_at, completed.len() as u32, &self.report);
        if !disclosure.shows_detail() {
            return Ok(out);
        }
        let domains = &self.scoring.public_mail_domains;
        let org_of = |r: &RefereeInput| {
            r.organisation
                .clone()
                .unwrap_or_else(|| organisation_key(&r.email, &r.company, domains))
        };
        let seed = &l.case.anonymity_seed;
        let ids: Vec<Uuid> = completed.iter().map(|r| r.reference_id).collect();
        let referee_at = anonymity::positions(seed, &ids);
        let orgs: Vec<String> = completed.iter().map(|r| org_of(r)).collect();
        let organisation_at = anonymity::positions(seed, &orgs);
        let mut rows: Vec<(usize, &RefereeInput)> = completed
            .iter()
            .map(|r| (referee_at[&r.reference_id], *r))
            .collect();
        if show {
            rows.sort_by(|a, b| (&a.1.name, &a.1.email).cmp(&(&b.1.name, &b.1.email)));
        } else {
            rows.sort_by_key(|(position, _)| *position);
        }
        for (position, r) in rows {
            let (who, company, organisation) = if show {
                (
                    format!("{} <{}>", r.name, r.email),
                    r.company.clone(),
                    r.company.clone(),
                )
            } else {
                (
                    anonymity::referee_label(position),
                    String::new(),
                    anonymity::organisation_label(organisation_at[&org_of(r)]),
                )
            };
            for q in &l.questions {
                let raw = r.answers.get(&q.key).cloned().unwrap_or_default();
                let counted = counted_value(q, &raw)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let kind = serde_json::to_value(q.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                out.push_str(&row(&[
                    who.as_str(),
                    company.as_str(),
                    q.key.as_str(),
                    q.dimension.as_deref().unwrap_or(""),
                    kind.as_str(),
                    raw.as_str(),
                    counted.as_str(),
                    r.source.as_str(),
                    organisation.as_str(),
                ]));
            }
        }
        Ok(out)
    }

    /// HR records the decision; only from `review`. The owner is told by email.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn record_decision(
        &self,
        case_id: Uuid,
        outcome: Outcome,
        rationale: &str,
        decided_by: Uuid,
    ) -> Result<VettingCase, EngineError> {
        let rationale = rationale.trim();
        if rationale.is_empty() {
            return Err(EngineError::validation("rationale", "must not be blank"));
        }
        if rationale.chars().count() as u64 > MAX_RATIONALE_CHARS {
            return Err(EngineError::validation(
                "rationale",
                format!("must be at most {MAX_RATIONALE_CHARS} characters"),
            ));
        }
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        if case.kind != CaseKind::Review {
            return Err(EngineError::InvalidState {
                action: "decide on",
                current: State::Pulse(PulseStatus::Complete),
            });
        }
        let provider_id = case.provider_id;
        set_case_status(
            &txn,
            case,
            CaseEvent::Decide,
            &Actor::User(decided_by),
            json!({ "outcome": outcome.as_str() }),
            now,
        )
        .await?;
        let decision = Decision {
            outcome,
            rationale: rationale.to_owned(),
            decided_by,
            created_at: now,
        };
        decisions::insert(&txn, case_id, &decision).await?;
        audit::record(
            &txn,
            Some(case_id),
            None,
            &Actor::User(decided_by),
            "case.decided",
            json!({ "outcome": outcome.as_str(), "rationale": rationale }),
            now,
        )
        .await?;
        let notice = Task::NotifyOwner {
            case_id,
            notice: OwnerNotice::Decided,
        };
        self.enqueue(&txn, &notice, now).await?;
        // An approval starts the engagement, and with it the pulses, in this transaction.
        if outcome != Outcome::Rejected {
            self.open_engagement(&txn, case_id, provider_id, &Actor::User(decided_by), false)
                .await?;
        }
        txn.commit().await?;
        self.cases().case(case_id).await
    }

    #[tracing::instrument(skip_all, fields(case_id = %case_id))]
    pub async fn case_decision(&self, case_id: Uuid) -> Result<Option<Decision>, EngineError> {
        decisions::of_case(&self.db, case_id)
            .await
            .map_err(Into::into)
    }
}

impl crate::services::Reports<'_> {
    /// r1 (DESIGN.md "Sufficiency"): estimated from the organisation-level alignment
    /// scores of the released reference checks with ≥ 2 organisations, else the configured
    /// default. Scoring a released case is the costly part, and its figures never change
    /// after the release (erasure keeps them), so each case's scores are kept once computed
    /// and r1 itself until the next release (the fingerprint: how many are released, and
    /// the latest): a new release scores only the cases not seen before.
    pub async fn single_organisation_reliability(&self) -> Result<(f64, R1Source), EngineError> {
        let fingerprint = cases::released_fingerprint(&self.db).await?;
        let mut known = {
            let cache = self.r1_cache.lock().expect("r1 cache");
            if let Some(r1) = cache.r1
                && cache.fingerprint == fingerprint
            {
                return Ok(r1);
            }
            cache.cases.clone()
        };
        let ids = cases::released_with_organisations(&self.db, 2).await?;
        let mut groups = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(scores) = known.get(&id) {
                groups.push(scores.clone());
                continue;
            }
            let loaded = self.load_for_scoring(id).await?;
            let scores = self.score_loaded(&loaded).organisation_alignments;
            known.insert(id, scores.clone());
            groups.push(scores);
        }
        // A default outside (0, 1) would make the formulas meaningless (or divide by
        // zero); the published 0.40 stands in for it.
        let configured = self.scoring.default_single_organisation_reliability;
        let default = if configured > 0.0 && configured < 1.0 {
            configured
        } else {
            0.40
        };
        let r1 = sufficiency::single_organisation_reliability(&groups, default);
        *self.r1_cache.lock().expect("r1 cache") = crate::R1Cache {
            fingerprint,
            r1: Some(r1),
            cases: known,
        };
        Ok(r1)
    }
}
