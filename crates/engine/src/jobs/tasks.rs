//! What each kind of job does. Every task is safe to run twice: it checks the state it
//! acts on first, and each email has a unique key in the email log, so a job retried
//! after a crash does not record (or, outside the crash window, send) a second message.

use chrono::{DateTime, Duration, Utc};
use mailer::{
    Email, Invitation, MailError, NominationRequest, OwnerNotification, Recipient, Reminder,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::{OwnerNotice, Task};
use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::{CaseStatus, ReferenceStatus, stored};
use crate::entity::{
    email_log, nomination, provider, reference_request, reference_token, template_version, user,
    vetting_case,
};
use crate::machine::{CaseEvent, ReferenceEvent};
use crate::questionnaire::Question;
use crate::workflow::{load_reference, revoke_tokens, set_case_status, set_reference_status};
use crate::{Engine, EngineError};

/// How a job ended, as the runner needs to know it.
#[derive(Debug)]
pub(crate) enum Outcome {
    Done,
    /// Failed for good, and the failure was handled (e.g. the reference marked bounced).
    Failed(String),
    /// Failed for now; try again later.
    Retry(String),
    /// Cannot succeed without a person (bad template, bad config, bad payload).
    Dead(String),
}

/// The result of handing one email to the mailer.
enum Delivery {
    Sent {
        log_id: Uuid,
        message_id: String,
        subject: String,
    },
    /// A previous run of this job already delivered it.
    AlreadySent,
    Failed(MailError),
}

/// Everything an email about a reference needs.
struct ReferenceContext {
    reference: reference_request::Model,
    case: vetting_case::Model,
    provider: provider::Model,
    owner: user::Model,
    questions: usize,
}

fn human_date(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y").to_string()
}

fn mail_outcome(e: MailError) -> Outcome {
    match e {
        MailError::Transient { .. } => Outcome::Retry(e.to_string()),
        MailError::Permanent { .. } => Outcome::Failed(e.to_string()),
        MailError::Render { .. } | MailError::Config(_) => Outcome::Dead(e.to_string()),
    }
}

impl Engine {
    pub(crate) async fn perform(&self, task: &Task) -> Result<Outcome, EngineError> {
        match task {
            Task::SendInvitation {
                reference_id,
                generation,
            } => self.send_to_referee(*reference_id, *generation, None).await,
            Task::SendReminder {
                reference_id,
                generation,
                sequence,
            } => {
                self.send_to_referee(*reference_id, *generation, Some(*sequence))
                    .await
            }
            Task::CaseDeadline { case_id } => self.reach_deadline(*case_id).await,
            Task::NotifyOwner { case_id, notice } => self.notify_owner(*case_id, notice).await,
            Task::SendNomination { nomination_id } => self.send_nomination(*nomination_id).await,
            Task::Noop => Ok(Outcome::Done),
        }
    }

    async fn reference_context(&self, reference_id: Uuid) -> Result<ReferenceContext, EngineError> {
        let reference = load_reference(&self.db, reference_id).await?;
        let case = vetting_case::Entity::find_by_id(reference.case_id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound { entity: "case" })?;
        let (provider, owner) = self.case_parties(&case).await?;
        let version = template_version::Entity::find_by_id(case.template_version_id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound {
                entity: "template version",
            })?;
        let questions: Vec<Question> = serde_json::from_value(version.questions)
            .map_err(|e| EngineError::Corrupt(format!("template version: {e}")))?;
        Ok(ReferenceContext {
            reference,
            case,
            provider,
            owner,
            questions: questions.len(),
        })
    }

    /// Finds or creates the email log row for `key` and delivers `email` under it.
    async fn deliver(
        &self,
        key: &str,
        email: &Email,
        case_id: Uuid,
        reference_id: Option<Uuid>,
    ) -> Result<Delivery, EngineError> {
        let existing = email_log::Entity::find()
            .filter(email_log::Column::IdempotencyKey.eq(key))
            .one(&self.db)
            .await?;
        let row = match existing {
            Some(row) if row.status == "sent" => return Ok(Delivery::AlreadySent),
            Some(row) => row,
            None => {
                email_log::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    idempotency_key: Set(key.to_owned()),
                    case_id: Set(Some(case_id)),
                    reference_id: Set(reference_id),
                    kind: Set(email.kind().to_owned()),
                    recipient: Set(email.to().email.clone()),
                    subject: Set(String::new()),
                    message_id: Set(None),
                    status: Set("sending".into()),
                    error: Set(None),
                    created_at: Set(self.now()),
                    sent_at: Set(None),
                }
                .insert(&self.db)
                .await?
            }
        };
        let log_id = row.id;
        match self.mail.send(email, log_id).await {
            Ok(sent) => Ok(Delivery::Sent {
                log_id,
                message_id: sent.message_id,
                subject: sent.subject,
            }),
            Err(e) => {
                let mut active: email_log::ActiveModel = row.into();
                active.status = Set(if e.is_transient() {
                    "retrying"
                } else {
                    "failed"
                }
                .into());
                active.error = Set(Some(e.to_string()));
                active.update(&self.db).await?;
                Ok(Delivery::Failed(e))
            }
        }
    }

    async fn mark_sent(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
        log_id: Uuid,
        message_id: &str,
        subject: &str,
    ) -> Result<(), EngineError> {
        email_log::ActiveModel {
            id: Set(log_id),
            status: Set("sent".into()),
            message_id: Set(Some(message_id.to_owned())),
            subject: Set(subject.to_owned()),
            error: Set(None),
            sent_at: Set(Some(self.now())),
            ..Default::default()
        }
        .update(conn)
        .await?;
        Ok(())
    }

    /// An invitation (`sequence` None) or a reminder to a referee. Each carries a fresh
    /// link: the plain token is never stored, so it cannot be repeated, and the links
    /// already sent stay valid.
    async fn send_to_referee(
        &self,
        reference_id: Uuid,
        generation: i32,
        sequence: Option<i32>,
    ) -> Result<Outcome, EngineError> {
        let ctx = self.reference_context(reference_id).await?;
        let status: ReferenceStatus = stored(&ctx.reference.status)?;
        let case_status: CaseStatus = stored(&ctx.case.status)?;
        let still_wanted = case_status == CaseStatus::Collecting
            && match sequence {
                // The invitation of this generation is still to be sent.
                None => {
                    ctx.reference.invitations_sent < generation
                        && matches!(
                            status,
                            ReferenceStatus::Pending
                                | ReferenceStatus::Invited
                                | ReferenceStatus::Opened
                                | ReferenceStatus::Bounced
                        )
                }
                // Reminders only while the referee is silent and no newer link was sent.
                Some(_) => {
                    ctx.reference.invitations_sent == generation
                        && matches!(status, ReferenceStatus::Invited | ReferenceStatus::Opened)
                }
            };
        if !still_wanted {
            return Ok(Outcome::Done);
        }
        let now = self.now();
        let token = new_token();
        reference_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            reference_id: Set(reference_id),
            token_hash: Set(token_hash(&token)),
            created_at: Set(now),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        let deadline = ctx.case.deadline_at.unwrap_or(now);
        let invitation = Invitation {
            to: Recipient::new(&ctx.reference.name, &ctx.reference.email),
            reply_to: Recipient::new(&ctx.owner.name, &ctx.owner.email),
            provider_name: ctx.provider.name.clone(),
            requested_by: ctx.owner.name.clone(),
            company_name: None,
            token,
            deadline: human_date(deadline),
            questions_count: ctx.questions as u32,
            // About 20 seconds a question, rounded up to whole minutes.
            minutes: ((ctx.questions as u32) * 20).div_ceil(60).max(1),
        };
        let (email, key) = match sequence {
            None => (
                Email::Invitation(invitation),
                format!("invitation:{reference_id}:{generation}"),
            ),
            Some(seq) => (
                Email::Reminder(Reminder {
                    invitation,
                    sequence: seq as u32,
                }),
                format!("reminder:{reference_id}:{generation}:{seq}"),
            ),
        };
        let delivery = self
            .deliver(&key, &email, ctx.case.id, Some(reference_id))
            .await?;
        let txn = self.db.begin().await?;
        let reference = load_reference(&txn, reference_id).await?;
        let outcome = match delivery {
            Delivery::Sent { .. } | Delivery::AlreadySent => {
                let message_id = if let Delivery::Sent {
                    log_id,
                    message_id,
                    subject,
                } = &delivery
                {
                    self.mark_sent(&txn, *log_id, message_id, subject).await?;
                    Some(message_id.clone())
                } else {
                    None
                };
                match sequence {
                    None => {
                        let first = reference.invited_at.is_none();
                        let mut reference = set_reference_status(
                            &txn,
                            reference,
                            ReferenceEvent::Invite,
                            &Actor::System,
                            json!({ "message_id": message_id, "generation": generation }),
                            now,
                        )
                        .await?;
                        let mut active: reference_request::ActiveModel = reference.clone().into();
                        active.invitations_sent = Set(generation);
                        if first {
                            active.invited_at = Set(Some(now));
                        }
                        reference = active.update(&txn).await?;
                        for (i, days) in self.settings.reminder_days.iter().enumerate() {
                            let reminder = Task::SendReminder {
                                reference_id,
                                generation,
                                sequence: i as i32 + 1,
                            };
                            let at = now + Duration::days(i64::from(*days));
                            self.enqueue(&txn, &reminder, at).await?;
                        }
                        let _ = reference;
                    }
                    Some(seq) => {
                        let reminders = reference.reminders_sent + 1;
                        let mut active: reference_request::ActiveModel = reference.into();
                        active.reminders_sent = Set(reminders);
                        active.updated_at = Set(now);
                        active.update(&txn).await?;
                        audit::record(
                            &txn,
                            Some(ctx.case.id),
                            Some(reference_id),
                            &Actor::System,
                            "reference.reminded",
                            json!({ "sequence": seq, "message_id": message_id }),
                            now,
                        )
                        .await?;
                    }
                }
                Outcome::Done
            }
            Delivery::Failed(e) if e.is_permanent() => {
                let reason = e.to_string();
                revoke_tokens(&txn, reference_id, now).await?;
                set_reference_status(
                    &txn,
                    reference,
                    ReferenceEvent::Bounce,
                    &Actor::System,
                    json!({ "reason": reason }),
                    now,
                )
                .await?;
                let notice = Task::NotifyOwner {
                    case_id: ctx.case.id,
                    notice: OwnerNotice::Bounce {
                        reference_id,
                        reason: reason.clone(),
                    },
                };
                self.enqueue(&txn, &notice, now).await?;
                self.advance_if_complete(&txn, ctx.case.id).await?;
                Outcome::Failed(reason)
            }
            Delivery::Failed(e) => mail_outcome(e),
        };
        txn.commit().await?;
        Ok(outcome)
    }

    /// The deadline: whoever has not answered is expired, and the case goes to review.
    async fn reach_deadline(&self, case_id: Uuid) -> Result<Outcome, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let Some(case) = vetting_case::Entity::find_by_id(case_id).one(&txn).await? else {
            return Ok(Outcome::Done);
        };
        if stored::<CaseStatus>(&case.status)? != CaseStatus::Collecting {
            return Ok(Outcome::Done);
        }
        let references = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(case_id))
            .all(&txn)
            .await?;
        let mut expired = 0;
        for reference in references {
            // Links are kept: they now answer "expired" (410) instead of "unknown".
            if stored::<ReferenceStatus>(&reference.status)?.is_outstanding() {
                set_reference_status(
                    &txn,
                    reference,
                    ReferenceEvent::Expire,
                    &Actor::System,
                    json!({ "reason": "deadline" }),
                    now,
                )
                .await?;
                expired += 1;
            }
        }
        set_case_status(
            &txn,
            case,
            CaseEvent::Close,
            &Actor::System,
            json!({ "reason": "deadline", "expired": expired }),
            now,
        )
        .await?;
        let review = Task::NotifyOwner {
            case_id,
            notice: OwnerNotice::ReadyForReview,
        };
        self.enqueue(&txn, &review, now).await?;
        txn.commit().await?;
        Ok(Outcome::Done)
    }

    /// The provider's contact gets a link to nominate references. The link is made here,
    /// as for referees, since only its hash is ever stored.
    async fn send_nomination(&self, nomination_id: Uuid) -> Result<Outcome, EngineError> {
        let Some(nomination) = nomination::Entity::find_by_id(nomination_id)
            .one(&self.db)
            .await?
        else {
            return Ok(Outcome::Done);
        };
        let Some(case) = vetting_case::Entity::find_by_id(nomination.case_id)
            .one(&self.db)
            .await?
        else {
            return Ok(Outcome::Done);
        };
        if nomination.status != "pending" && nomination.status != "sent"
            || stored::<CaseStatus>(&case.status)? != CaseStatus::Nominating
        {
            return Ok(Outcome::Done);
        }
        let (provider, owner) = self.case_parties(&case).await?;
        let token = new_token();
        let mut active: nomination::ActiveModel = nomination.clone().into();
        active.token_hash = Set(Some(token_hash(&token)));
        active.update(&self.db).await?;
        let now = self.now();
        let email = Email::NominationRequest(NominationRequest {
            to: Recipient::new(&provider.contact_name, &provider.contact_email),
            reply_to: Recipient::new(&owner.name, &owner.email),
            provider_name: provider.name.clone(),
            requested_by: owner.name.clone(),
            company_name: None,
            token,
            count: nomination.requested_count as u32,
            deadline: human_date(now + Duration::days(i64::from(case.deadline_days))),
        });
        let key = format!("nomination:{nomination_id}");
        match self.deliver(&key, &email, case.id, None).await? {
            Delivery::Sent {
                log_id,
                message_id,
                subject,
            } => {
                let txn = self.db.begin().await?;
                self.mark_sent(&txn, log_id, &message_id, &subject).await?;
                nomination::ActiveModel {
                    id: Set(nomination_id),
                    status: Set("sent".into()),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
                audit::record(
                    &txn,
                    Some(case.id),
                    None,
                    &Actor::System,
                    "nomination.sent",
                    json!({ "message_id": message_id, "count": nomination.requested_count }),
                    now,
                )
                .await?;
                txn.commit().await?;
                Ok(Outcome::Done)
            }
            Delivery::AlreadySent => Ok(Outcome::Done),
            Delivery::Failed(e) => Ok(mail_outcome(e)),
        }
    }

    async fn notify_owner(
        &self,
        case_id: Uuid,
        notice: &OwnerNotice,
    ) -> Result<Outcome, EngineError> {
        let Some(case) = vetting_case::Entity::find_by_id(case_id)
            .one(&self.db)
            .await?
        else {
            return Ok(Outcome::Done);
        };
        let (provider, owner) = self.case_parties(&case).await?;
        let completed = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(case_id))
            .filter(reference_request::Column::Status.eq(ReferenceStatus::Completed.as_str()))
            .all(&self.db)
            .await?
            .len();
        let (kind, key_suffix, reference_id) = match notice {
            OwnerNotice::QuorumReached => (
                mailer::OwnerNotice::QuorumReached,
                "quorum".to_owned(),
                None,
            ),
            OwnerNotice::ReadyForReview => (
                mailer::OwnerNotice::ReadyForReview,
                "review".to_owned(),
                None,
            ),
            OwnerNotice::Bounce {
                reference_id,
                reason,
            } => {
                let referee = load_reference(&self.db, *reference_id).await?;
                (
                    mailer::OwnerNotice::Bounce {
                        referee: Recipient::new(&referee.name, &referee.email),
                        reason: reason.clone(),
                    },
                    format!("bounce:{reference_id}:{}", referee.invitations_sent),
                    Some(*reference_id),
                )
            }
            OwnerNotice::Decided => {
                let decision = self
                    .case_decision(case_id)
                    .await?
                    .ok_or(EngineError::NotFound { entity: "decision" })?;
                let decided_by = user::Entity::find_by_id(decision.decided_by)
                    .one(&self.db)
                    .await?
                    .map(|u| u.name)
                    .unwrap_or_default();
                (
                    mailer::OwnerNotice::Decided {
                        outcome: decision.outcome.as_str().to_owned(),
                        rationale: decision.rationale,
                        decided_by,
                    },
                    "decided".to_owned(),
                    None,
                )
            }
            OwnerNotice::NominationsReceived {
                nomination_id,
                count,
            } => (
                mailer::OwnerNotice::NominationsReceived { count: *count },
                format!("nominations:{nomination_id}"),
                None,
            ),
        };
        let email = Email::OwnerNotification(OwnerNotification {
            to: Recipient::new(&owner.name, &owner.email),
            kind,
            case_id,
            case_title: case.title.clone(),
            provider_name: provider.name,
            responses: completed as u32,
            min_responses: case.min_responses as u32,
        });
        let key = format!("notify:{case_id}:{key_suffix}");
        match self.deliver(&key, &email, case_id, reference_id).await? {
            Delivery::Sent {
                log_id,
                message_id,
                subject,
            } => {
                let txn = self.db.begin().await?;
                self.mark_sent(&txn, log_id, &message_id, &subject).await?;
                audit::record(
                    &txn,
                    Some(case_id),
                    reference_id,
                    &Actor::System,
                    "owner.notified",
                    json!({ "notice": email.kind(), "message_id": message_id }),
                    self.now(),
                )
                .await?;
                txn.commit().await?;
                Ok(Outcome::Done)
            }
            Delivery::AlreadySent => Ok(Outcome::Done),
            Delivery::Failed(e) => Ok(mail_outcome(e)),
        }
    }
}
