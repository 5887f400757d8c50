//! What each kind of job does, one module per kind. Every task is safe to run twice: it
//! checks the state it acts on first, and each email has a unique key in the email log
//! (`deliver_and_record`), so a job retried after a crash does not record (or, outside
//! the crash window, send) a second message.

mod deadline;
mod nomination;
mod owner;
mod pulse;
mod referee;
mod self_assessment;
mod webhook;

use mailer::{Email, MailError};
use store::{DatabaseTransaction, TransactionTrait};
use uuid::Uuid;

pub(crate) use referee::RefereeMail;

use crate::audit::{self, Actor};
use crate::domain::EmailStatus;
use crate::outbox::{EmailKey, Task};
use crate::privacy::redact::redact_addresses;
use crate::store::email_log::{self, Attempt, EmailLogRow, NewEmail};
use crate::{Engine, EngineError, metrics};

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

/// What became of one email handed to the mailer.
pub(super) enum Delivery {
    Sent,
    /// A previous run of this job already delivered it.
    AlreadySent,
    Failed(MailError),
}

/// An email, about a case or not: what to send, under which key, about which reference,
/// and the audit event its delivery makes (`message_id` is added to `data`), if any.
pub(super) struct Outgoing<'a> {
    pub key: &'a EmailKey,
    pub email: &'a Email,
    pub case_id: Option<Uuid>,
    pub reference_id: Option<Uuid>,
    pub audit: Option<(&'static str, serde_json::Value)>,
}

impl Delivery {
    /// How the job ends when nothing but the email itself was at stake.
    fn outcome(self) -> Outcome {
        match self {
            Delivery::Sent | Delivery::AlreadySent => Outcome::Done,
            Delivery::Failed(e) => mail_outcome(e),
        }
    }
}

/// How a mail failure ends the job: retry a transient one, report a permanent one, and
/// leave a broken template or configuration to a person.
pub(super) fn mail_outcome(e: MailError) -> Outcome {
    match e {
        MailError::Transient { .. } => Outcome::Retry(e.to_string()),
        MailError::Permanent { .. } => Outcome::Failed(e.to_string()),
        MailError::Render { .. } | MailError::Config(_) => Outcome::Dead(e.to_string()),
    }
}

impl Engine {
    pub(crate) async fn perform(&self, task: &Task) -> Result<Outcome, EngineError> {
        match task {
            Task::SendInvitation { .. } | Task::SendReminder { .. } => {
                let items: Vec<RefereeMail> = RefereeMail::of_task(task).into_iter().collect();
                let mut outcomes = self.send_to_referees(&items).await?;
                Ok(outcomes.pop().unwrap_or(Outcome::Done))
            }
            Task::SendConfirmation { reference_id } => self.send_confirmation(*reference_id).await,
            Task::CaseDeadline { case_id } => self.reach_deadline(*case_id).await,
            Task::NotifyOwner { case_id, notice } => self.notify_owner(*case_id, notice).await,
            Task::SendNomination { nomination_id } => self.send_nomination(*nomination_id).await,
            Task::SendSelfAssessment { self_assessment_id } => {
                self.send_self_assessment(*self_assessment_id).await
            }
            Task::StartPulse { engagement_id, day } => {
                self.start_scheduled_pulse(*engagement_id, *day).await
            }
            Task::PulseComplete { case_id } => self.complete_pulse(*case_id).await,
            Task::DeliverWebhook {
                delivery_id,
                attempt,
            } => {
                self.deliver_webhook(*delivery_id, *attempt).await?;
                Ok(Outcome::Done)
            }
            Task::NotifyWebhookDisabled {
                endpoint_id,
                disabled_at,
            } => {
                self.notify_webhook_disabled(*endpoint_id, *disabled_at)
                    .await
            }
            Task::Retention { .. } => {
                self.privacy().run_retention(false).await?;
                Ok(Outcome::Done)
            }
            Task::Noop => Ok(Outcome::Done),
        }
    }

    /// Sends `out.email` once under its key and records the result in the email log.
    ///
    /// A log row already `sent` means an earlier run delivered it, and nothing is sent
    /// again. A failure is recorded at once (`retrying` or `failed`, with the server's
    /// answer). On success the row is written `sent` in the returned transaction, where the
    /// caller records what the email caused (its link, the reference's state, reminders),
    /// and commits: one commit per email. A crash between the server's 250 and that commit
    /// leaves no trace, so the rerun sends again. Each attempt has a Message-ID of its own:
    /// a copy whose link was never stored must not make a mail client hide the next copy,
    /// whose link works, as a duplicate.
    pub(super) async fn deliver_and_record(
        &self,
        out: Outgoing<'_>,
    ) -> Result<(Delivery, DatabaseTransaction), EngineError> {
        let key = out.key.as_str();
        let existing = email_log::find_by_key(&self.db, key).await?;
        if existing
            .as_ref()
            .is_some_and(|row| row.status == EmailStatus::Sent)
        {
            return Ok((Delivery::AlreadySent, self.db.begin().await?));
        }
        let attempt_id = Uuid::now_v7();
        let new = NewEmail {
            key,
            kind: out.email.kind(),
            recipient: &out.email.to().email,
            case_id: out.case_id,
            reference_id: out.reference_id,
        };
        match self.mail.send(out.email, attempt_id).await {
            Ok(sent) => {
                // Counted on the server's acceptance, not on the commit below: a rerun after
                // a failed commit sends another copy, which is another email sent.
                metrics::email_sent(out.email.kind());
                let txn = self.db.begin().await?;
                let attempt = Attempt::Sent {
                    message_id: &sent.message_id,
                    subject: &sent.subject,
                };
                email_log::record_attempt(&txn, existing, attempt_id, new, attempt, self.now())
                    .await?;
                if let Some((kind, mut data)) = out.audit {
                    data["message_id"] = serde_json::json!(sent.message_id);
                    audit::record(
                        &txn,
                        out.case_id,
                        out.reference_id,
                        &Actor::System,
                        kind,
                        data,
                        self.now(),
                    )
                    .await?;
                }
                let delivery = Delivery::Sent;
                Ok((delivery, txn))
            }
            Err(e) => {
                self.record_failed_attempt(existing, attempt_id, new, &e)
                    .await?;
                Ok((Delivery::Failed(e), self.db.begin().await?))
            }
        }
    }

    /// Logs a failed attempt at sending: `retrying` for a transient failure, `failed`
    /// otherwise, with the server's answer; and counts it (a failure or a bounce).
    pub(super) async fn record_failed_attempt(
        &self,
        existing: Option<EmailLogRow>,
        attempt_id: Uuid,
        new: NewEmail<'_>,
        e: &MailError,
    ) -> Result<(), EngineError> {
        let status = if e.is_transient() {
            EmailStatus::Retrying
        } else {
            EmailStatus::Failed
        };
        let attempt = Attempt::Failed {
            status,
            error: redact_addresses(&e.to_string()).into_owned(),
        };
        let kind = new.kind;
        email_log::record_attempt(&self.db, existing, attempt_id, new, attempt, self.now()).await?;
        metrics::email_failed(kind, e);
        Ok(())
    }
}
