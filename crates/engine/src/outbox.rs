//! What a state change asks to be done later: the job payloads (`Task`), and the one
//! function that queues them. Every email and every timer is a row in `jobs`, written in
//! the same transaction as the change that causes it, so a crash can neither lose it nor
//! run it without its cause.
//!
//! Each task that sends an email has an `EmailKey`. The same key names the job (so a
//! task enqueued twice runs once) and the email's row in the email log (so a job run twice
//! sends once).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::ConnectionTrait;
use uuid::Uuid;

use crate::EngineError;
use crate::store::jobs::{self as job_rows, NewJob};

/// What a job does. Stored as JSON in `jobs.payload`; the tag is also `jobs.kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// Email the referee their link (`generation` = which invitation this is, 1 first).
    SendInvitation { reference_id: Uuid, generation: i32 },
    /// Remind a silent referee (`sequence` 1, 2, … of this invitation generation).
    SendReminder {
        reference_id: Uuid,
        generation: i32,
        sequence: i32,
    },
    /// The case's deadline: expire what is outstanding and move to review.
    CaseDeadline { case_id: Uuid },
    /// Tell the case owner something happened.
    NotifyOwner { case_id: Uuid, notice: OwnerNotice },
    /// Email the provider's contact a link to nominate references.
    SendNomination { nomination_id: Uuid },
    /// Email the provider's contact a link to rate itself.
    SendSelfAssessment { self_assessment_id: Uuid },
    /// Start a scheduled pulse of an engagement (`day` days after the decision).
    StartPulse { engagement_id: Uuid, day: u32 },
    /// A pulse is over: score it against the references' prediction, and tell the owner
    /// when it is below.
    PulseComplete { case_id: Uuid },
    /// Thank a referee for their answers and say what happens next.
    SendConfirmation { reference_id: Uuid },
    /// Attempt number `attempt` (1 first) at sending a webhook delivery.
    DeliverWebhook { delivery_id: Uuid, attempt: i32 },
    /// Tell the admins that a webhook endpoint was disabled at `disabled_at`.
    NotifyWebhookDisabled {
        endpoint_id: Uuid,
        disabled_at: DateTime<Utc>,
    },
    /// The daily retention run (`privacy::retention`); `day` makes it one job a day.
    Retention { day: chrono::NaiveDate },
    /// Does nothing; for measuring the queue itself.
    Noop,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OwnerNotice {
    QuorumReached,
    ReadyForReview,
    /// Invitation `generation` of a reference bounced. Jobs queued by earlier versions
    /// carry no generation; their key falls back to the reference's invitation count.
    Bounce {
        reference_id: Uuid,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        generation: Option<i32>,
    },
    NominationsReceived {
        nomination_id: Uuid,
        count: u32,
    },
    Decided,
    /// A referee of the case asked never to be asked again and was withdrawn.
    OptedOut {
        reference_id: Uuid,
    },
}

/// The idempotency key of one email: the same for every run of the job that sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailKey(String);

impl EmailKey {
    pub fn invitation(reference_id: Uuid, generation: i32) -> Self {
        Self(format!("invitation:{reference_id}:{generation}"))
    }

    pub fn reminder(reference_id: Uuid, generation: i32, sequence: i32) -> Self {
        Self(format!("reminder:{reference_id}:{generation}:{sequence}"))
    }

    pub fn nomination(nomination_id: Uuid) -> Self {
        Self(format!("nomination:{nomination_id}"))
    }

    pub fn self_assessment(self_assessment_id: Uuid) -> Self {
        Self(format!("self_assessment:{self_assessment_id}"))
    }

    /// The owner's notice that a pulse is below the references' prediction.
    pub fn pulse_below(case_id: Uuid) -> Self {
        Self(format!("pulse_below:{case_id}"))
    }

    /// The owner's notice that the two sides of the pulse `pulse_id` (the buyer's pulse
    /// case) are far apart.
    pub fn partnership_gap(pulse_id: Uuid) -> Self {
        Self(format!("partnership_gap:{pulse_id}"))
    }

    /// An admin's notice that an endpoint was disabled (one per disabling and admin).
    pub fn webhook_disabled(endpoint_id: Uuid, disabled_at: DateTime<Utc>, admin_id: Uuid) -> Self {
        Self(format!(
            "webhook_disabled:{endpoint_id}:{}:{admin_id}",
            disabled_at.timestamp_millis()
        ))
    }

    pub fn confirmation(reference_id: Uuid) -> Self {
        Self(format!("confirmation:{reference_id}"))
    }

    /// The owner's notice; a bounce is keyed by the invitation generation that bounced,
    /// so each bounced invitation is reported once, and a later one again.
    pub fn owner(case_id: Uuid, notice: &OwnerNotice, bounce_generation: i32) -> Self {
        let what = match notice {
            OwnerNotice::QuorumReached => "quorum".to_owned(),
            OwnerNotice::ReadyForReview => "review".to_owned(),
            OwnerNotice::Decided => "decided".to_owned(),
            OwnerNotice::NominationsReceived { nomination_id, .. } => {
                format!("nominations:{nomination_id}")
            }
            OwnerNotice::Bounce { reference_id, .. } => {
                format!("bounce:{reference_id}:{bounce_generation}")
            }
            OwnerNotice::OptedOut { reference_id } => format!("opted_out:{reference_id}"),
        };
        Self(format!("notify:{case_id}:{what}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Task {
    /// Every value of [`Task::kind`]. `/metrics` lists each with its count, zero included,
    /// so that a queue that drained reads 0 rather than vanishing; a kind missing here is
    /// still counted while it has jobs.
    pub const KINDS: &'static [&'static str] = &[
        "send_invitation",
        "send_reminder",
        "case_deadline",
        "notify_owner",
        "send_nomination",
        "send_self_assessment",
        "start_pulse",
        "pulse_complete",
        "send_confirmation",
        "deliver_webhook",
        "notify_webhook_disabled",
        "retention",
        "noop",
    ];

    /// The job kind stored with the task (a new kind belongs in [`Task::KINDS`] too).
    pub fn kind(&self) -> &'static str {
        match self {
            Task::SendInvitation { .. } => "send_invitation",
            Task::SendReminder { .. } => "send_reminder",
            Task::CaseDeadline { .. } => "case_deadline",
            Task::NotifyOwner { .. } => "notify_owner",
            Task::SendNomination { .. } => "send_nomination",
            Task::SendSelfAssessment { .. } => "send_self_assessment",
            Task::StartPulse { .. } => "start_pulse",
            Task::PulseComplete { .. } => "pulse_complete",
            Task::SendConfirmation { .. } => "send_confirmation",
            Task::DeliverWebhook { .. } => "deliver_webhook",
            Task::NotifyWebhookDisabled { .. } => "notify_webhook_disabled",
            Task::Retention { .. } => "retention",
            Task::Noop => "noop",
        }
    }

    /// The key of the email this task sends, when it can be known from the task alone
    /// (a bounce notice of an old job, without its generation, cannot).
    pub fn email_key(&self) -> Option<EmailKey> {
        Some(match self {
            Task::SendInvitation {
                reference_id,
                generation,
            } => EmailKey::invitation(*reference_id, *generation),
            Task::SendReminder {
                reference_id,
                generation,
                sequence,
            } => EmailKey::reminder(*reference_id, *generation, *sequence),
            Task::SendNomination { nomination_id } => EmailKey::nomination(*nomination_id),
            Task::SendSelfAssessment { self_assessment_id } => {
                EmailKey::self_assessment(*self_assessment_id)
            }
            Task::SendConfirmation { reference_id } => EmailKey::confirmation(*reference_id),
            Task::NotifyOwner { case_id, notice } => match notice {
                OwnerNotice::Bounce {
                    generation: None, ..
                } => return None,
                OwnerNotice::Bounce {
                    generation: Some(g),
                    ..
                } => EmailKey::owner(*case_id, notice, *g),
                other => EmailKey::owner(*case_id, other, 0),
            },
            Task::PulseComplete { case_id } => EmailKey::pulse_below(*case_id),
            // One job, one message (per endpoint, or per admin): no single email key.
            Task::CaseDeadline { .. }
            | Task::StartPulse { .. }
            | Task::DeliverWebhook { .. }
            | Task::NotifyWebhookDisabled { .. }
            | Task::Retention { .. }
            | Task::Noop => return None,
        })
    }

    /// Jobs with the same key are the same job: enqueueing one twice keeps the first.
    pub(crate) fn dedupe_key(&self) -> Option<String> {
        match self {
            Task::CaseDeadline { case_id } => Some(format!("deadline:{case_id}")),
            Task::DeliverWebhook {
                delivery_id,
                attempt,
            } => Some(format!("webhook:{delivery_id}:{attempt}")),
            Task::NotifyWebhookDisabled {
                endpoint_id,
                disabled_at,
            } => Some(format!(
                "webhook_disabled:{endpoint_id}:{}",
                disabled_at.timestamp_millis()
            )),
            Task::Retention { day } => Some(format!("retention:{day}")),
            Task::Noop => None,
            other => other.email_key().map(|k| k.0),
        }
    }
}

/// Adds `task` to the queue, due at `run_at`, on `conn` (pass the transaction that makes
/// the state change). A task with the key of an existing job is dropped as a duplicate.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    task: &Task,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<(), EngineError> {
    enqueue_all(conn, &[(task, run_at)], now, max_attempts).await
}

/// [`enqueue`] for several tasks, in one statement.
pub async fn enqueue_all(
    conn: &impl ConnectionTrait,
    tasks: &[(&Task, DateTime<Utc>)],
    now: DateTime<Utc>,
    max_attempts: u32,
) -> Result<(), EngineError> {
    let jobs = tasks
        .iter()
        .map(|(task, run_at)| {
            let payload = serde_json::to_value(task)
                .map_err(|e| EngineError::Corrupt(format!("task: {e}")))?;
            Ok(NewJob {
                kind: task.kind(),
                payload,
                dedupe_key: task.dedupe_key(),
                run_at: *run_at,
                max_attempts: max_attempts as i32,
            })
        })
        .collect::<Result<Vec<_>, EngineError>>()?;
    job_rows::insert(conn, jobs, now).await.map_err(Into::into)
}

impl Task {
    /// What follows a case leaving `collecting` by itself or by hand: a vetting case goes
    /// to HR; a pulse is scored against the references' prediction.
    pub(crate) fn after_close(case_id: Uuid, kind: crate::domain::CaseKind) -> Task {
        match kind {
            crate::domain::CaseKind::Pulse | crate::domain::CaseKind::ProviderPulse => {
                Task::PulseComplete { case_id }
            }
            crate::domain::CaseKind::Review => Task::NotifyOwner {
                case_id,
                notice: OwnerNotice::ReadyForReview,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_kind_is_listed_once() {
        let id = Uuid::now_v7();
        let tasks = [
            Task::SendInvitation {
                reference_id: id,
                generation: 1,
            },
            Task::SendReminder {
                reference_id: id,
                generation: 1,
                sequence: 1,
            },
            Task::CaseDeadline { case_id: id },
            Task::NotifyOwner {
                case_id: id,
                notice: OwnerNotice::Decided,
            },
            Task::SendNomination { nomination_id: id },
            Task::SendSelfAssessment {
                self_assessment_id: id,
            },
            Task::StartPulse {
                engagement_id: id,
                day: 90,
            },
            Task::PulseComplete { case_id: id },
            Task::SendConfirmation { reference_id: id },
            Task::DeliverWebhook {
                delivery_id: id,
                attempt: 1,
            },
            Task::NotifyWebhookDisabled {
                endpoint_id: id,
                disabled_at: chrono::Utc::now(),
            },
            Task::Retention {
                day: chrono::NaiveDate::MIN,
            },
            Task::Noop,
        ];
        let kinds: Vec<&str> = tasks.iter().map(Task::kind).collect();
        assert_eq!(kinds, Task::KINDS);
    }

    #[test]
    fn a_bounce_notice_is_one_job_per_bounced_invitation() {
        let (case_id, reference_id) = (Uuid::now_v7(), Uuid::now_v7());
        let bounce = |generation, reason: &str| Task::NotifyOwner {
            case_id,
            notice: OwnerNotice::Bounce {
                reference_id,
                reason: reason.into(),
                generation: Some(generation),
            },
        };
        // The same bounce enqueued twice (e.g. its job retried) is one job, whatever the
        // mail server said each time; the next invitation's bounce is another.
        assert_eq!(
            bounce(1, "550 no such user").dedupe_key(),
            bounce(1, "550 mailbox unavailable").dedupe_key()
        );
        assert_ne!(bounce(1, "x").dedupe_key(), bounce(2, "x").dedupe_key());
        assert_eq!(
            bounce(1, "x").email_key().unwrap().as_str(),
            format!("notify:{case_id}:bounce:{reference_id}:1")
        );
    }

    #[test]
    fn job_and_email_share_one_key() {
        let reference_id = Uuid::now_v7();
        let task = Task::SendInvitation {
            reference_id,
            generation: 2,
        };
        assert_eq!(
            task.dedupe_key().as_deref(),
            Some(task.email_key().unwrap().as_str())
        );
        assert_eq!(
            task.dedupe_key().unwrap(),
            format!("invitation:{reference_id}:2")
        );
    }
}
