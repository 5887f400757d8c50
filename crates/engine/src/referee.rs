//! What a referee (or a provider contact) can do with a link token: see the form, save a
//! draft, submit, decline. The token is the only credential; it is looked up by its
//! SHA-256 hash, so the database never compares the secret itself.
//!
//! Outcomes for a token: unknown, revoked (resend, withdraw, cancel) → not found, the same
//! for every reason; the case's deadline passed, or the case closed → gone; already
//! answered or declined → conflict.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::audit::Actor;
use crate::credentials::token_hash;
use crate::domain::{CaseStatus, ReferenceStatus, stored};
use crate::entity::{answer, reference_request, reference_token, response, vetting_case};
use crate::machine::ReferenceEvent;
use crate::profile::Dimension;
use crate::questionnaire::{AnswerError, Question, validate_answers};
use crate::workflow::{SubmissionMeta, load_reference, set_reference_status};
use crate::{Engine, EngineError, templates};

/// Everything the questionnaire page shows.
#[derive(Clone, Debug)]
pub struct RefereeForm {
    pub reference_id: Uuid,
    pub referee_name: String,
    pub provider_name: String,
    /// The case owner, who asks.
    pub requested_by: String,
    pub deadline: Option<DateTime<Utc>>,
    pub questions: Vec<Question>,
    /// The values-profile dimensions the case was launched with: key → label, in order.
    pub dimensions: Vec<(String, String)>,
    /// Saved draft answers, question key → value.
    pub draft: BTreeMap<String, String>,
}

/// Why a submission was refused.
#[derive(Debug)]
pub enum SubmitError {
    /// Answers that do not fit the questions; nothing was stored.
    Invalid(Vec<AnswerError>),
    Engine(EngineError),
}

impl From<EngineError> for SubmitError {
    fn from(e: EngineError) -> Self {
        SubmitError::Engine(e)
    }
}

fn not_found() -> EngineError {
    EngineError::NotFound { entity: "link" }
}

impl Engine {
    /// Resolves a referee token to its reference and case, applying the rules above.
    async fn resolve_referee_token(
        &self,
        token: &str,
    ) -> Result<(reference_request::Model, vetting_case::Model), EngineError> {
        let row = reference_token::Entity::find()
            .filter(reference_token::Column::TokenHash.eq(token_hash(token)))
            .one(&self.db)
            .await?
            .filter(|t| t.revoked_at.is_none())
            .ok_or_else(not_found)?;
        let reference = load_reference(&self.db, row.reference_id).await?;
        let case = vetting_case::Entity::find_by_id(reference.case_id)
            .one(&self.db)
            .await?
            .ok_or_else(not_found)?;
        let status: ReferenceStatus = stored(&reference.status)?;
        match status {
            ReferenceStatus::Completed | ReferenceStatus::Declined => {
                return Err(EngineError::InvalidState {
                    entity: "reference",
                    action: "answer",
                    current: status.as_str().to_owned(),
                });
            }
            ReferenceStatus::Withdrawn | ReferenceStatus::Pending | ReferenceStatus::Bounced => {
                return Err(not_found());
            }
            ReferenceStatus::Expired => {
                return Err(EngineError::Gone(
                    "the deadline for this request has passed".into(),
                ));
            }
            ReferenceStatus::Invited | ReferenceStatus::Opened => {}
        }
        let case_status: CaseStatus = stored(&case.status)?;
        let past_deadline = case.deadline_at.is_some_and(|d| self.now() >= d);
        match case_status {
            CaseStatus::Collecting if !past_deadline => Ok((reference, case)),
            CaseStatus::Cancelled => Err(not_found()),
            _ => Err(EngineError::Gone("this request is closed".into())),
        }
    }

    async fn form_for(
        &self,
        reference: &reference_request::Model,
        case: &vetting_case::Model,
    ) -> Result<RefereeForm, EngineError> {
        let (provider, owner) = self.case_parties(case).await?;
        let version = templates::version_by_id(&self.db, case.template_version_id).await?;
        let mut draft = BTreeMap::new();
        if let Some(resp) = response::Entity::find()
            .filter(response::Column::ReferenceId.eq(reference.id))
            .one(&self.db)
            .await?
        {
            for a in answer::Entity::find()
                .filter(answer::Column::ResponseId.eq(resp.id))
                .all(&self.db)
                .await?
            {
                draft.insert(a.question_key, a.value);
            }
        }
        let dimensions: Vec<Dimension> =
            serde_json::from_value(case.profile_snapshot.clone()).unwrap_or_default();
        Ok(RefereeForm {
            dimensions: dimensions.into_iter().map(|d| (d.key, d.label)).collect(),
            reference_id: reference.id,
            referee_name: reference.name.clone(),
            provider_name: provider.name,
            requested_by: owner.name,
            deadline: case.deadline_at,
            questions: version.questions,
            draft,
        })
    }

    /// The state of the reference behind a live (not revoked) token, whatever it is: for
    /// the pages shown after answering or declining.
    pub async fn referee_link_status(&self, token: &str) -> Result<ReferenceStatus, EngineError> {
        let row = reference_token::Entity::find()
            .filter(reference_token::Column::TokenHash.eq(token_hash(token)))
            .one(&self.db)
            .await?
            .filter(|t| t.revoked_at.is_none())
            .ok_or_else(not_found)?;
        stored(&load_reference(&self.db, row.reference_id).await?.status)
    }

    /// The form behind a token, without changing anything.
    pub async fn referee_form(&self, token: &str) -> Result<RefereeForm, EngineError> {
        let (reference, case) = self.resolve_referee_token(token).await?;
        self.form_for(&reference, &case).await
    }

    /// The form behind a token, as seen by the referee: the first view marks the
    /// reference `opened` and starts the clock used by the "too fast" fraud signal.
    #[tracing::instrument(skip_all, err)]
    pub async fn open_referee_form(&self, token: &str) -> Result<RefereeForm, EngineError> {
        let (reference, case) = self.resolve_referee_token(token).await?;
        if reference.status == ReferenceStatus::Invited.as_str() {
            let now = self.now();
            let txn = self.db.begin().await?;
            let fresh = load_reference(&txn, reference.id).await?;
            if fresh.status == ReferenceStatus::Invited.as_str() {
                set_reference_status(
                    &txn,
                    fresh,
                    ReferenceEvent::Open,
                    &Actor::Referee(reference.id),
                    json!({}),
                    now,
                )
                .await?;
                self.ensure_draft(&txn, reference.id, now).await?;
            }
            txn.commit().await?;
        }
        let reference = load_reference(&self.db, reference.id).await?;
        self.form_for(&reference, &case).await
    }

    /// The draft response row, created at first view (its `first_viewed_at`). Two
    /// requests creating it at once both succeed: the unique `reference_id` keeps one row.
    async fn ensure_draft(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        reference_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Uuid, EngineError> {
        let find = || {
            response::Entity::find()
                .filter(response::Column::ReferenceId.eq(reference_id))
                .one(conn)
        };
        if let Some(existing) = find().await? {
            return Ok(existing.id);
        }
        let row = response::ActiveModel {
            id: Set(Uuid::now_v7()),
            reference_id: Set(reference_id),
            status: Set("draft".into()),
            first_viewed_at: Set(Some(now)),
            submitted_at: Set(None),
            client_ip: Set(None),
            user_agent: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        response::Entity::insert(row)
            .on_conflict(
                OnConflict::column(response::Column::ReferenceId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
        Ok(find()
            .await?
            .ok_or(EngineError::NotFound { entity: "response" })?
            .id)
    }

    /// Stores answers as a draft to finish later. Values must be valid; required ones may
    /// be missing.
    #[tracing::instrument(skip_all, err(Debug))]
    pub async fn save_referee_draft(
        &self,
        token: &str,
        raw: &BTreeMap<String, String>,
    ) -> Result<(), SubmitError> {
        let (reference, case) = self.resolve_referee_token(token).await?;
        let version = templates::version_by_id(&self.db, case.template_version_id).await?;
        let answers =
            validate_answers(&version.questions, raw, false).map_err(SubmitError::Invalid)?;
        let now = self.now();
        let txn = self.db.begin().await.map_err(EngineError::from)?;
        let response_id = self.ensure_draft(&txn, reference.id, now).await?;
        // Only a draft may change: a concurrent submission wins.
        let still_draft = response::Entity::update_many()
            .col_expr(
                response::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(response::Column::Id.eq(response_id))
            .filter(response::Column::Status.eq("draft"))
            .exec(&txn)
            .await
            .map_err(EngineError::from)?;
        if still_draft.rows_affected != 1 {
            return Err(SubmitError::Engine(EngineError::InvalidState {
                entity: "reference",
                action: "answer",
                current: ReferenceStatus::Completed.as_str().to_owned(),
            }));
        }
        answer::Entity::delete_many()
            .filter(answer::Column::ResponseId.eq(response_id))
            .exec(&txn)
            .await
            .map_err(EngineError::from)?;
        let rows: Vec<answer::ActiveModel> = answers
            .into_iter()
            .map(|(key, value)| answer::ActiveModel {
                id: Set(Uuid::now_v7()),
                response_id: Set(response_id),
                question_key: Set(key),
                value: Set(value),
            })
            .collect();
        if !rows.is_empty() {
            answer::Entity::insert_many(rows)
                .exec(&txn)
                .await
                .map_err(EngineError::from)?;
        }
        txn.commit().await.map_err(EngineError::from)?;
        Ok(())
    }

    /// Validates and submits the referee's answers. Nothing is stored when any answer is
    /// invalid or a required one is missing.
    #[tracing::instrument(skip_all, err(Debug))]
    pub async fn submit_referee_answers(
        &self,
        token: &str,
        raw: &BTreeMap<String, String>,
        meta: SubmissionMeta,
    ) -> Result<(), SubmitError> {
        let (reference, case) = self.resolve_referee_token(token).await?;
        let version = templates::version_by_id(&self.db, case.template_version_id).await?;
        let answers =
            validate_answers(&version.questions, raw, true).map_err(SubmitError::Invalid)?;
        self.submit_response(reference.id, answers, meta).await?;
        Ok(())
    }

    /// The referee declines through their link.
    pub async fn decline_by_token(
        &self,
        token: &str,
        reason: Option<String>,
    ) -> Result<(), EngineError> {
        let (reference, _) = self.resolve_referee_token(token).await?;
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        self.decline_reference(reference.id, reason).await?;
        Ok(())
    }
}
