//! The provider's self-assessment: the ops lead asks, the provider's contact gets a link
//! (`/s/{token}`) to rate its own firm on the questionnaire's scored statements, worded in
//! the first person. The report sets it beside what the clients say; it never counts in
//! scores or quorum.
//!
//! Link outcomes, as for referees: unknown or replaced by a newer request → not found;
//! the case cancelled → not found; the case past collecting → gone; already submitted →
//! conflict.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::token_hash;
use crate::domain::{CaseStatus, SelfAssessmentStatus, State, VettingCase};
use crate::questionnaire::{AnswerError, Question, self_assessment_questions, validate_answers};
use crate::referee::consent_problem;
use crate::scoring::SelfAssessmentInput;
use crate::store::cases::{self, CaseRow};
use crate::store::responses::SubmissionMeta;
use crate::store::self_assessments::{self as rows, SelfAssessmentRow};
use crate::{Engine, EngineError, questionnaires};

/// Everything the self-assessment page shows.
#[derive(Clone, Debug)]
pub struct SelfAssessmentForm {
    pub provider_name: String,
    pub contact_name: String,
    /// The case owner, who asks.
    pub requested_by: String,
    pub deadline: Option<DateTime<Utc>>,
    /// The scored statements, in the first person.
    pub questions: Vec<Question>,
    /// The values-profile dimensions of the case: key → label, in order.
    pub dimensions: Vec<(String, String)>,
    /// Saved draft answers, question key → value.
    pub draft: BTreeMap<String, String>,
    /// Which languages the form can be shown in.
    pub languages: crate::domain::LinkLanguages,
}

fn not_found() -> EngineError {
    EngineError::NotFound { entity: "link" }
}

fn submitted() -> EngineError {
    EngineError::InvalidState {
        action: "submit",
        current: State::SelfAssessment(SelfAssessmentStatus::Submitted),
    }
}

impl Engine {
    /// Resolves a self-assessment token, applying the rules above.
    async fn resolve_self_assessment_token(
        &self,
        token: &str,
    ) -> Result<(SelfAssessmentRow, CaseRow), EngineError> {
        let row = rows::find_by_token_hash(&self.db, &token_hash(token))
            .await?
            .ok_or_else(not_found)?;
        match row.status {
            SelfAssessmentStatus::Submitted => return Err(submitted()),
            SelfAssessmentStatus::Superseded => return Err(not_found()),
            SelfAssessmentStatus::Pending | SelfAssessmentStatus::Sent => {}
        }
        let case = cases::find(&self.db, row.case_id)
            .await?
            .ok_or_else(not_found)?;
        let past_deadline = case.deadline_at.is_some_and(|d| self.now() >= d);
        match case.status {
            CaseStatus::Cancelled => Err(not_found()),
            s if s.accepts_self_assessment() && !past_deadline => Ok((row, case)),
            _ => Err(EngineError::Gone("this request is closed".into())),
        }
    }

    async fn self_assessment_form_for(
        &self,
        row: &SelfAssessmentRow,
        case: &CaseRow,
    ) -> Result<SelfAssessmentForm, EngineError> {
        let (provider, owner) = cases::parties(&self.db, case).await?;
        let version =
            questionnaires::version_by_id(&self.versions, &self.db, case.template_version_id)
                .await?;
        // A form still works without its groups' titles.
        let dimensions = cases::profile(case).unwrap_or_default();
        let questions = self_assessment_questions(&version.questions);
        Ok(SelfAssessmentForm {
            // The provider's own language when staff chose one (API.md "Partnership both
            // ways"), as a referee's own.
            languages: self.link_languages(provider.locale.as_deref(), case, Some(&questions)),
            provider_name: provider.name,
            contact_name: provider.contact_name,
            requested_by: owner.name,
            deadline: case.deadline_at,
            questions,
            dimensions: dimensions.into_iter().map(|d| (d.key, d.label)).collect(),
            draft: rows::answers(row)?,
        })
    }

    /// The answers worth storing, checked against the case's self-assessment questions;
    /// with `submit`, every required one answered and consent given. Every problem at
    /// once as `InvalidAnswers`.
    async fn checked_self_answers(
        &self,
        case: &CaseRow,
        raw: &BTreeMap<String, String>,
        submit: bool,
        consent: bool,
    ) -> Result<BTreeMap<String, String>, EngineError> {
        let version =
            questionnaires::version_by_id(&self.versions, &self.db, case.template_version_id)
                .await?;
        let questions = self_assessment_questions(&version.questions);
        let mut problems: Vec<AnswerError> = Vec::new();
        let answers = match validate_answers(&questions, raw, submit) {
            Ok(answers) => answers.into_iter().collect(),
            Err(fields) => {
                problems = fields;
                BTreeMap::new()
            }
        };
        if submit && !consent {
            problems.push(consent_problem());
        }
        if problems.is_empty() {
            Ok(answers)
        } else {
            Err(EngineError::InvalidAnswers { fields: problems })
        }
    }

    async fn store_self_assessment(
        &self,
        row: &SelfAssessmentRow,
        case: &CaseRow,
        answers: &BTreeMap<String, String>,
        client_ip: Option<String>,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        // The case first, as everywhere (store's locking order).
        cases::lock(&txn, case.id).await?;
        if !rows::claim_submission(&txn, row.id, answers, client_ip, now).await? {
            return Err(submitted());
        }
        audit::record(
            &txn,
            Some(case.id),
            None,
            &Actor::Provider,
            "self_assessment.submitted",
            json!({ "answers": answers.len() }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The case's newest submitted self-assessment, as scoring takes it.
    pub(crate) async fn submitted_self_assessment(
        &self,
        case_id: Uuid,
    ) -> Result<Option<SelfAssessmentInput>, EngineError> {
        let Some(row) = rows::latest_submitted(&self.db, case_id).await? else {
            return Ok(None);
        };
        let submitted_at = row.submitted_at.unwrap_or(row.updated_at);
        Ok(Some(SelfAssessmentInput {
            answers: rows::answers(&row)?,
            submitted_at,
        }))
    }
}

impl crate::services::Links<'_> {
    /// Emails the provider's contact a link to rate itself. Asking again replaces the
    /// earlier link; a new request starts from the answers of the one before, so the
    /// provider can revise rather than start over.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn request_self_assessment(
        &self,
        case_id: Uuid,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        if !case.status.accepts_self_assessment() {
            return Err(EngineError::InvalidState {
                action: "request a self-assessment for",
                current: State::Case(case.status),
            });
        }
        let previous = match rows::current_of_case(&txn, case_id).await?.first() {
            Some(row) => rows::answers(row)?,
            None => BTreeMap::new(),
        };
        rows::supersede_open(&txn, case_id, now).await?;
        let id = rows::insert_pending(&txn, case_id, &previous, now).await?;
        audit::record(
            &txn,
            Some(case_id),
            None,
            actor,
            "self_assessment.requested",
            json!({}),
            now,
        )
        .await?;
        let task = crate::outbox::Task::SendSelfAssessment {
            self_assessment_id: id,
        };
        self.enqueue(&txn, &task, now).await?;
        txn.commit().await?;
        self.cases().case(case_id).await
    }

    /// The status of the request behind a live token, whatever it is: for the page shown
    /// after submitting.
    #[tracing::instrument(skip_all)]
    pub async fn self_assessment_link_status(
        &self,
        token: &str,
    ) -> Result<SelfAssessmentStatus, EngineError> {
        let row = rows::find_by_token_hash(&self.db, &token_hash(token))
            .await?
            .ok_or_else(not_found)?;
        match row.status {
            SelfAssessmentStatus::Superseded => Err(not_found()),
            status => Ok(status),
        }
    }

    /// The form behind a token, without changing anything.
    #[tracing::instrument(skip_all)]
    pub async fn self_assessment_form(
        &self,
        token: &str,
    ) -> Result<SelfAssessmentForm, EngineError> {
        let (row, case) = self.resolve_self_assessment_token(token).await?;
        self.self_assessment_form_for(&row, &case).await
    }

    /// The form as the provider sees it; the first view is stamped.
    #[tracing::instrument(skip_all, err)]
    pub async fn open_self_assessment(
        &self,
        token: &str,
    ) -> Result<SelfAssessmentForm, EngineError> {
        let (row, case) = self.resolve_self_assessment_token(token).await?;
        if row.first_viewed_at.is_none() {
            rows::mark_viewed(&self.db, row.id, self.now()).await?;
        }
        self.self_assessment_form_for(&row, &case).await
    }

    /// Stores answers as a draft to finish later (values must be valid; required ones may
    /// be missing).
    #[tracing::instrument(skip_all, err)]
    pub async fn save_self_assessment_draft(
        &self,
        token: &str,
        raw: &BTreeMap<String, String>,
    ) -> Result<(), EngineError> {
        let (row, case) = self.resolve_self_assessment_token(token).await?;
        let answers = self.checked_self_answers(&case, raw, false, false).await?;
        if !rows::save_draft(&self.db, row.id, &answers, self.now()).await? {
            return Err(submitted());
        }
        Ok(())
    }

    /// Submits the provider's self-assessment, once. Nothing is stored unless every
    /// answer is valid and consent is given.
    #[tracing::instrument(skip_all, err)]
    pub async fn submit_self_assessment(
        &self,
        token: &str,
        raw: &BTreeMap<String, String>,
        consent: bool,
        meta: SubmissionMeta,
    ) -> Result<(), EngineError> {
        let (row, case) = self.resolve_self_assessment_token(token).await?;
        let answers = self.checked_self_answers(&case, raw, true, consent).await?;
        self.store_self_assessment(&row, &case, &answers, meta.client_ip)
            .await
    }

    /// Records the provider's answers to the case's open request without its link: for
    /// answers that arrived another way (and for the demo). The same checks apply.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn record_self_assessment(
        &self,
        case_id: Uuid,
        raw: &BTreeMap<String, String>,
        meta: SubmissionMeta,
    ) -> Result<(), EngineError> {
        let case = cases::get(&self.db, case_id).await?;
        let row = rows::current_of_case(&self.db, case_id)
            .await?
            .into_iter()
            .find(|r| r.status.is_open())
            .ok_or(EngineError::NotFound {
                entity: "self-assessment request",
            })?;
        if !case.status.accepts_self_assessment() {
            return Err(EngineError::InvalidState {
                action: "record a self-assessment for",
                current: State::Case(case.status),
            });
        }
        let answers = self.checked_self_answers(&case, raw, true, true).await?;
        self.store_self_assessment(&row, &case, &answers, meta.client_ip)
            .await
    }
}
