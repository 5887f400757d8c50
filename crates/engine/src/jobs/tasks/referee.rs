//! Mail to a referee: the invitation and its reminders (each with a fresh link), and the
//! thank-you after they answer.

use chrono::Duration;
use mailer::{Email, Invitation, Recipient, Reminder, SubmissionConfirmation};
use serde_json::json;
use uuid::Uuid;

use super::{Delivery, Outcome, Outgoing, human_date, mail_outcome};
use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::{CaseStatus, ReferenceStatus};
use crate::entity::{provider, user};
use crate::machine::ReferenceEvent;
use crate::outbox::{EmailKey, OwnerNotice, Task};
use crate::store::cases::{self, CaseRow};
use crate::store::references::{self, ReferenceRow};
use crate::store::tokens;
use crate::transitions::set_reference_status;
use crate::{Engine, EngineError, questionnaires};

/// Everything an email about a reference needs.
struct ReferenceContext {
    reference: ReferenceRow,
    case: CaseRow,
    provider: provider::Model,
    owner: user::Model,
}

impl Engine {
    async fn reference_context(&self, reference_id: Uuid) -> Result<ReferenceContext, EngineError> {
        let reference = references::get(&self.db, reference_id).await?;
        let case = cases::get(&self.db, reference.case_id).await?;
        let (provider, owner) = cases::parties(&self.db, &case).await?;
        Ok(ReferenceContext {
            reference,
            case,
            provider,
            owner,
        })
    }

    /// An invitation (`sequence` None) or a reminder to a referee. Each carries a fresh
    /// link: the plain token is never stored, so it cannot be repeated, and the links
    /// already sent stay valid.
    pub(super) async fn send_to_referee(
        &self,
        reference_id: Uuid,
        generation: i32,
        sequence: Option<i32>,
    ) -> Result<Outcome, EngineError> {
        let ctx = self.reference_context(reference_id).await?;
        let status = ctx.reference.status;
        let still_wanted = ctx.case.status == CaseStatus::Collecting
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
        tokens::insert(&self.db, reference_id, token_hash(&token), now).await?;
        let questions = questionnaires::version_by_id(&self.db, ctx.case.template_version_id)
            .await?
            .questions
            .len() as u32;
        let deadline = ctx.case.deadline_at.unwrap_or(now);
        let invitation = Invitation {
            to: Recipient::new(&ctx.reference.name, &ctx.reference.email),
            reply_to: Recipient::new(&ctx.owner.name, &ctx.owner.email),
            provider_name: ctx.provider.name.clone(),
            requested_by: ctx.owner.name.clone(),
            company_name: None,
            token,
            deadline: human_date(deadline),
            questions_count: questions,
            // About 20 seconds a question, rounded up to whole minutes.
            minutes: (questions * 20).div_ceil(60).max(1),
        };
        let (email, key) = match sequence {
            None => (
                Email::Invitation(invitation),
                EmailKey::invitation(reference_id, generation),
            ),
            Some(seq) => (
                Email::Reminder(Reminder {
                    invitation,
                    sequence: seq as u32,
                }),
                EmailKey::reminder(reference_id, generation, seq),
            ),
        };
        let (delivery, txn) = self
            .deliver_and_record(Outgoing {
                key: &key,
                email: &email,
                case_id: ctx.case.id,
                reference_id: Some(reference_id),
                audit: None,
            })
            .await?;
        let case = cases::lock(&txn, ctx.case.id).await?;
        let reference = references::get(&txn, reference_id).await?;
        let outcome = match delivery {
            Delivery::Sent { .. } | Delivery::AlreadySent => {
                let message_id = match &delivery {
                    Delivery::Sent { message_id } => Some(message_id.clone()),
                    _ => None,
                };
                match sequence {
                    None => {
                        let reference = set_reference_status(
                            &txn,
                            reference,
                            ReferenceEvent::Invite,
                            &Actor::System,
                            json!({ "message_id": message_id, "generation": generation }),
                            now,
                        )
                        .await?;
                        references::mark_invited(&txn, reference, generation, now).await?;
                        for (i, days) in self.settings.reminder_days.iter().enumerate() {
                            let reminder = Task::SendReminder {
                                reference_id,
                                generation,
                                sequence: i as i32 + 1,
                            };
                            let at = now + Duration::days(i64::from(*days));
                            self.enqueue(&txn, &reminder, at).await?;
                        }
                    }
                    Some(seq) => {
                        references::count_reminder(&txn, reference, now).await?;
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
                tokens::revoke(&txn, &[reference_id], now).await?;
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
                        generation: Some(generation),
                    },
                };
                self.enqueue(&txn, &notice, now).await?;
                self.advance_if_complete(&txn, case).await?;
                Outcome::Failed(reason)
            }
            Delivery::Failed(e) => mail_outcome(e),
        };
        txn.commit().await?;
        Ok(outcome)
    }

    /// Thanks a referee whose answers arrived, and says what happens next.
    pub(super) async fn send_confirmation(
        &self,
        reference_id: Uuid,
    ) -> Result<Outcome, EngineError> {
        let ctx = self.reference_context(reference_id).await?;
        if ctx.reference.status != ReferenceStatus::Completed {
            return Ok(Outcome::Done);
        }
        let email = Email::SubmissionConfirmation(SubmissionConfirmation {
            to: Recipient::new(&ctx.reference.name, &ctx.reference.email),
            reply_to: Recipient::new(&ctx.owner.name, &ctx.owner.email),
            provider_name: ctx.provider.name.clone(),
            requested_by: ctx.owner.name.clone(),
            company_name: None,
        });
        let key = EmailKey::confirmation(reference_id);
        let (delivery, txn) = self
            .deliver_and_record(Outgoing {
                key: &key,
                email: &email,
                case_id: ctx.case.id,
                reference_id: Some(reference_id),
                audit: Some(("reference.thanked", json!({}))),
            })
            .await?;
        txn.commit().await?;
        Ok(delivery.outcome())
    }
}
