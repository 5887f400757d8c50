//! Mail to a referee: the invitation and its reminders (each with a fresh link), and the
//! thank-you after they answer.

use chrono::Duration;
use mailer::{Email, Invitation, Recipient, Reminder, SubmissionConfirmation};
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use super::{Delivery, Outcome, Outgoing, human_date, mail_outcome};
use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::{CaseKind, CaseStatus, ReferenceStatus};
use crate::entity::{provider, user};
use crate::machine::ReferenceEvent;
use crate::outbox::{EmailKey, OwnerNotice, Task};
use crate::store::cases::{self, CaseRow};
use crate::store::references::{self, ReferenceRow};
use crate::store::tokens;
use crate::transitions::{record_invitation, set_reference_status};
use crate::{Engine, EngineError};

/// Everything an email about a reference needs.
struct ReferenceContext {
    reference: ReferenceRow,
    case: CaseRow,
    provider: provider::Model,
    owner: user::Model,
}

/// Whether invitation `generation` (`sequence` None) or its reminder `sequence` is still
/// to be sent, judged on the case and reference as read under their locks.
fn still_wanted(
    case: &CaseRow,
    reference: &ReferenceRow,
    generation: i32,
    sequence: Option<i32>,
) -> bool {
    let status = reference.status;
    case.status == CaseStatus::Collecting
        // A resend asked for a newer generation: this one is superseded.
        && reference.is_current(generation)
        && match sequence {
            // The invitation of this generation is still to be sent.
            None => {
                reference.invitations_sent < generation
                    && matches!(
                        status,
                        ReferenceStatus::Pending
                            | ReferenceStatus::Invited
                            | ReferenceStatus::Opened
                            | ReferenceStatus::Bounced
                    )
            }
            // Reminders only while the referee is silent and this generation's invitation
            // is the newest one sent.
            Some(_) => {
                reference.invitations_sent == generation
                    && matches!(status, ReferenceStatus::Invited | ReferenceStatus::Opened)
            }
        }
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
    ///
    /// Whether the email is wanted is read first; the email goes out; then one transaction
    /// records everything it caused: the link's hash, the email log row, the reference's
    /// state with its audit event, and the reminders. That transaction decides again on
    /// the rows as they are then, under the case lock (shared: the invitations of one case
    /// do not queue on each other) and the reference lock, the locks under which resend,
    /// withdraw and cancel revoke links and resend asks for a new generation. So a link is
    /// stored only while its generation is the newest one asked for and the referee is
    /// still expected to answer; an email overtaken on its way carries a link that was
    /// never stored, which answers like a revoked one.
    pub(super) async fn send_to_referee(
        &self,
        reference_id: Uuid,
        generation: i32,
        sequence: Option<i32>,
    ) -> Result<Outcome, EngineError> {
        let now = self.now();
        let reference = references::get(&self.db, reference_id).await?;
        let case = cases::get(&self.db, reference.case_id).await?;
        // A worker catching up after a pause may reach a reminder after the deadline (its
        // job is due earlier than the deadline's): a link that would answer 410 is not sent.
        let past_deadline = case.deadline_at.is_some_and(|d| now >= d);
        if past_deadline || !still_wanted(&case, &reference, generation, sequence) {
            return Ok(Outcome::Done);
        }
        let token = new_token();
        let (provider, owner) = cases::parties(&self.db, &case).await?;
        let questions = crate::referee::respondent_questions(&self.versions, &self.db, &case)
            .await?
            .len() as u32;
        let deadline = case.deadline_at.unwrap_or(now);
        let invitation = Invitation {
            to: Recipient::new(&reference.name, &reference.email),
            reply_to: Recipient::new(&owner.name, &owner.email),
            provider_name: provider.name.clone(),
            requested_by: owner.name.clone(),
            company_name: None,
            token: token.clone(),
            deadline: human_date(deadline),
            questions_count: questions,
            // About 20 seconds a question, rounded up to whole minutes.
            minutes: (questions * 20).div_ceil(60).max(1),
            purpose: match case.kind {
                CaseKind::Review => mailer::Purpose::Reference,
                CaseKind::Pulse => mailer::Purpose::Pulse,
            },
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
                case_id: case.id,
                reference_id: Some(reference_id),
                audit: None,
            })
            .await?;
        let outcome = match delivery {
            Delivery::Sent { message_id } => {
                let (case, reference) =
                    references::lock_under_shared_case(&txn, case.id, reference_id).await?;
                if still_wanted(&case, &reference, generation, sequence) {
                    tokens::insert(&txn, reference_id, token_hash(&token), now).await?;
                    self.record_referee_email(&txn, reference, generation, sequence, &message_id)
                        .await?;
                }
                Outcome::Done
            }
            // An earlier run sent it and committed what it caused, in one transaction.
            Delivery::AlreadySent => Outcome::Done,
            Delivery::Failed(e) if e.is_permanent() => {
                let (case, reference) = references::lock_with_case(&txn, reference_id).await?;
                let reason = e.to_string();
                // A bounce of a superseded generation must not revoke the newer links; a
                // reference no longer outstanding has nothing left to bounce.
                if reference.is_current(generation) && reference.status.is_outstanding() {
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
                        case_id: case.id,
                        notice: OwnerNotice::Bounce {
                            reference_id,
                            reason: reason.clone(),
                            generation: Some(generation),
                        },
                    };
                    self.enqueue(&txn, &notice, now).await?;
                    self.advance_if_complete(&txn, case).await?;
                }
                Outcome::Failed(reason)
            }
            Delivery::Failed(e) => mail_outcome(e),
        };
        txn.commit().await?;
        Ok(outcome)
    }

    /// What a delivered invitation or reminder changes on its reference: the invitation
    /// moves it to `invited` and schedules its reminders; a reminder is counted.
    async fn record_referee_email(
        &self,
        txn: &DatabaseTransaction,
        reference: ReferenceRow,
        generation: i32,
        sequence: Option<i32>,
        message_id: &str,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let reference_id = reference.id;
        match sequence {
            None => {
                let data = json!({ "message_id": message_id, "generation": generation });
                record_invitation(txn, reference, generation, data, now).await?;
                let reminders: Vec<(Task, _)> = (self.settings.reminder_days.iter())
                    .enumerate()
                    .map(|(i, days)| {
                        let reminder = Task::SendReminder {
                            reference_id,
                            generation,
                            sequence: i as i32 + 1,
                        };
                        (reminder, now + Duration::days(i64::from(*days)))
                    })
                    .collect();
                let reminders: Vec<_> = reminders.iter().map(|(t, at)| (t, *at)).collect();
                self.enqueue_all(txn, &reminders).await?;
            }
            Some(seq) => {
                let case_id = reference.case_id;
                references::count_reminder(txn, reference, now).await?;
                audit::record(
                    txn,
                    Some(case_id),
                    Some(reference_id),
                    &Actor::System,
                    "reference.reminded",
                    json!({ "sequence": seq, "message_id": message_id }),
                    now,
                )
                .await?;
            }
        }
        Ok(())
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
        // A link of its own for "don't ask me again" (`/u/{token}`), which every email to
        // a referee carries; on `/r/` it only says the questionnaire was answered.
        let token = new_token();
        tokens::insert(&self.db, reference_id, token_hash(&token), self.now()).await?;
        let email = Email::SubmissionConfirmation(SubmissionConfirmation {
            to: Recipient::new(&ctx.reference.name, &ctx.reference.email),
            reply_to: Recipient::new(&ctx.owner.name, &ctx.owner.email),
            provider_name: ctx.provider.name.clone(),
            requested_by: ctx.owner.name.clone(),
            company_name: None,
            token,
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
