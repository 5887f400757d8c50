//! Mail to a referee: the invitation and its reminders (each with a fresh link), and the
//! thank-you after they answer.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use mailer::{Email, Invitation, MailError, Recipient, Reminder, SubmissionConfirmation};
use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use super::{Delivery, Outcome, Outgoing, mail_outcome};
use crate::audit::{self, Actor};
use crate::credentials::{new_token, token_hash};
use crate::domain::{CaseKind, CaseStatus, EmailStatus, ReferenceStatus};
use crate::domain::{Provider, User};
use crate::machine::{ReferenceEvent, reference_transition};
use crate::outbox::{EmailKey, OwnerNotice, Task};
use crate::privacy::redact::redact_addresses;
use crate::questionnaire::{Question, estimated_minutes, estimated_seconds};
use crate::store::cases::{self, CaseRow};
use crate::store::email_log::{self, Attempt, EmailLogRow, NewEmail};
use crate::store::found;
use crate::store::references::{self, ReferenceRow};
use crate::store::tokens;
use crate::transitions::set_reference_status;
use crate::{Engine, EngineError, metrics};

/// Everything an email about a reference needs.
struct ReferenceContext {
    reference: ReferenceRow,
    case: CaseRow,
    provider: Provider,
    owner: User,
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

/// One invitation (`sequence` None) or reminder of a batch for [`Engine::send_to_referees`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefereeMail {
    pub reference_id: Uuid,
    pub generation: i32,
    pub sequence: Option<i32>,
}

impl RefereeMail {
    /// The batchable job a task is, if it is one.
    pub(crate) fn of_task(task: &Task) -> Option<Self> {
        match *task {
            Task::SendInvitation {
                reference_id,
                generation,
            } => Some(Self {
                reference_id,
                generation,
                sequence: None,
            }),
            Task::SendReminder {
                reference_id,
                generation,
                sequence,
            } => Some(Self {
                reference_id,
                generation,
                sequence: Some(sequence),
            }),
            _ => None,
        }
    }

    fn key(&self) -> EmailKey {
        match self.sequence {
            None => EmailKey::invitation(self.reference_id, self.generation),
            Some(seq) => EmailKey::reminder(self.reference_id, self.generation, seq),
        }
    }

    fn still_wanted(&self, case: &CaseRow, reference: &ReferenceRow) -> bool {
        still_wanted(case, reference, self.generation, self.sequence)
    }
}

/// The language a referee is written to in: the one staff chose for them, else the
/// case's, else the default. Computed the same way for every reminder, so reminders go
/// out in the invitation's language. A locale no longer available (an operator removed
/// it) falls back rather than failing the send.
pub(crate) fn invitation_locale(
    catalogue: &i18n::Catalogue,
    reference: &ReferenceRow,
    case: &CaseRow,
) -> String {
    chosen_locale(catalogue, reference.locale.as_deref(), case)
}

/// The language a person is written to in: `own` (chosen by staff for them: a referee's,
/// or the provider's for its people), else the case's, else the default; a locale no
/// longer available falls back.
pub(crate) fn chosen_locale(
    catalogue: &i18n::Catalogue,
    own: Option<&str>,
    case: &CaseRow,
) -> String {
    [own, case.locale.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|l| catalogue.supported(l))
        .unwrap_or(catalogue.default_locale())
        .to_owned()
}

/// The invitation or reminder `item` is, to `reference`, carrying `token`.
#[allow(clippy::too_many_arguments)]
fn referee_email(
    item: &RefereeMail,
    reference: &ReferenceRow,
    case: &CaseRow,
    provider: &Provider,
    owner: &User,
    token: &str,
    questions: &[Question],
    now: DateTime<Utc>,
    catalogue: &i18n::Catalogue,
) -> Email {
    let locale = invitation_locale(catalogue, reference, case);
    let deadline = case.deadline_at.unwrap_or(now);
    let invitation = Invitation {
        to: Recipient::new(&reference.name, &reference.email),
        reply_to: Recipient::new(&owner.name, &owner.email),
        provider_name: provider.name.clone(),
        requested_by: owner.name.clone(),
        company_name: None,
        token: token.to_owned(),
        deadline: catalogue.long_date(&locale, deadline.year(), deadline.month(), deadline.day()),
        questions_count: questions.len() as u32,
        // The published estimate (API.md "Referee minutes"), as the form says it.
        minutes: estimated_minutes(estimated_seconds(questions)),
        purpose: match case.kind {
            CaseKind::Review => mailer::Purpose::Reference,
            CaseKind::Pulse => mailer::Purpose::Pulse,
            CaseKind::ProviderPulse => mailer::Purpose::ProviderPulse,
        },
        locale,
    };
    match item.sequence {
        None => Email::Invitation(invitation),
        Some(seq) => Email::Reminder(Reminder {
            invitation,
            sequence: seq as u32,
        }),
    }
}

/// The outcome of each item of a batch; one that needed nothing done is done.
fn settled(outcomes: Vec<Option<Outcome>>) -> Vec<Outcome> {
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Done))
        .collect()
}

/// The distinct values of `ids`, in order.
fn sorted_unique(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
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

    /// Invitations (`sequence` None) and reminders to referees, as many as a worker claimed
    /// together; one outcome per item, in order. Each email carries a fresh link: the
    /// plain token is never stored, so it cannot be repeated, and the links already sent
    /// stay valid.
    ///
    /// Whether each email is wanted is read first (one statement per table for the whole
    /// batch); the emails go out side by side; then one transaction records everything
    /// they caused: the links' hashes, the email log rows, the references' states with
    /// their audit events, and the reminders. That transaction decides again on the rows
    /// as they are then, under the case locks (shared: the invitations of one case do not
    /// queue on each other) and the reference locks, the locks under which resend,
    /// withdraw and cancel revoke links and resend asks for a new generation. So a link is
    /// stored only while its generation is the newest one asked for and the referee is
    /// still expected to answer; an email overtaken on its way carries a link that was
    /// never stored, which answers like a revoked one. A failed send is recorded on its
    /// own (and a bounce handled) without holding up the others.
    pub(crate) async fn send_to_referees(
        &self,
        items: &[RefereeMail],
    ) -> Result<Vec<Outcome>, EngineError> {
        let now = self.now();
        let mut outcomes: Vec<Option<Outcome>> = items.iter().map(|_| None).collect();
        let batch = self.read_batch(items).await?;
        let wanted = batch.wanted(now, &mut outcomes);
        if wanted.is_empty() {
            // Typically reminders of referees who have answered since.
            return Ok(settled(outcomes));
        }
        let (sent, failed) = self.compose_and_send(&batch, &wanted, now).await?;
        if !sent.is_empty() {
            self.record_sent(&batch, &sent, now).await?;
        }
        for s in &sent {
            outcomes[s.n] = Some(Outcome::Done);
        }
        // Failures one by one, once the delivered emails are recorded (an error here must
        // not make them go out again): each is logged, and a bounce handled, on its own.
        for (n, attempt_id, kind, e) in failed {
            let reference = &batch.refs[&items[n].reference_id];
            let new = batch.new_email(n, kind, reference);
            let existing = batch.logged.get(batch.key(n)).cloned();
            let outcome = self
                .record_failed_send(&items[n], existing, attempt_id, new, e)
                .await?;
            outcomes[n] = Some(outcome);
        }
        Ok(settled(outcomes))
    }

    /// What a batch needs from the database, in a few statements for all of it.
    async fn read_batch<'a>(&self, items: &'a [RefereeMail]) -> Result<Batch<'a>, EngineError> {
        let ids: Vec<Uuid> = items.iter().map(|i| i.reference_id).collect();
        let refs: HashMap<Uuid, ReferenceRow> = references::by_ids(&self.db, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let case_ids = sorted_unique(refs.values().map(|r| r.case_id));
        let keys: Vec<EmailKey> = items.iter().map(RefereeMail::key).collect();
        let key_strs: Vec<&str> = keys.iter().map(EmailKey::as_str).collect();
        // Independent reads, each on a pooled connection of its own.
        let (cases, logged) = tokio::try_join!(
            cases::by_ids(&self.db, &case_ids),
            email_log::by_keys(&self.db, &key_strs),
        )?;
        Ok(Batch {
            items,
            refs,
            cases: cases.into_iter().map(|c| (c.id, c)).collect(),
            keys,
            logged,
        })
    }

    /// The emails of `wanted`, each with a fresh link, sent side by side.
    async fn compose_and_send(
        &self,
        batch: &Batch<'_>,
        wanted: &[usize],
        now: DateTime<Utc>,
    ) -> Result<(Vec<Sent>, Vec<Failed>), EngineError> {
        let wanted_cases: Vec<&CaseRow> = sorted_unique(
            wanted
                .iter()
                .map(|&n| batch.refs[&batch.items[n].reference_id].case_id),
        )
        .iter()
        .map(|id| &batch.cases[id])
        .collect();
        let (providers, owners) = cases::parties_of(&self.db, &wanted_cases).await?;
        let mut composed = Vec::with_capacity(wanted.len());
        for &n in wanted {
            let reference = &batch.refs[&batch.items[n].reference_id];
            let case = &batch.cases[&reference.case_id];
            let provider = found(providers.get(&case.provider_id).cloned(), "provider")?;
            let owner = found(owners.get(&case.owner_id).cloned(), "user")?;
            let questions =
                crate::referee::respondent_questions(&self.versions, &self.db, case).await?;
            let token = new_token();
            let email = referee_email(
                &batch.items[n],
                reference,
                case,
                &provider,
                &owner,
                &token,
                &questions,
                now,
                &self.catalogue,
            );
            composed.push((n, token, email, Uuid::now_v7()));
        }
        let sends = composed
            .iter()
            .map(|(_, _, email, attempt_id)| self.mail.send(email, *attempt_id));
        let results = futures_util::future::join_all(sends).await;
        let mut sent = Vec::new();
        let mut failed = Vec::new();
        for ((n, token, email, attempt_id), result) in composed.into_iter().zip(results) {
            match result {
                Ok(mail) => {
                    // As in `deliver_and_record`: counted on the server's acceptance.
                    metrics::email_sent(email.kind());
                    sent.push(Sent {
                        n,
                        token,
                        attempt_id,
                        kind: email.kind(),
                        mail,
                    });
                }
                Err(e) => failed.push((n, attempt_id, email.kind(), e)),
            }
        }
        Ok((sent, failed))
    }

    /// Everything the delivered emails caused, in one transaction: their email log rows,
    /// links, the references' states, audit events and reminders.
    async fn record_sent(
        &self,
        batch: &Batch<'_>,
        sent: &[Sent],
        now: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let txn = self.db.begin().await?;
        let case_ids = sorted_unique(sent.iter().map(|s| batch.case_of(s.n)));
        let locked_cases: HashMap<Uuid, CaseRow> = cases::lock_shared_many(&txn, &case_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let ref_ids = sorted_unique(sent.iter().map(|s| batch.items[s.n].reference_id));
        let mut locked_refs: HashMap<Uuid, ReferenceRow> = references::lock_many(&txn, &ref_ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let mut new_logs = Vec::new();
        let mut links = Vec::new();
        let mut events = Vec::new();
        let mut reminders = Vec::new();
        let mut changed = Vec::new();
        for s in sent {
            let item = &batch.items[s.n];
            let original = &batch.refs[&item.reference_id];
            let new = batch.new_email(s.n, s.kind, original);
            let attempt = Attempt::Sent {
                message_id: &s.mail.message_id,
                subject: &s.mail.subject,
            };
            match batch.logged.get(batch.key(s.n)) {
                // An earlier attempt failed: its row is updated.
                Some(row) => {
                    email_log::record_attempt(
                        &txn,
                        Some(row.clone()),
                        s.attempt_id,
                        new,
                        attempt,
                        now,
                    )
                    .await?
                }
                None => new_logs.push((s.attempt_id, new, attempt)),
            }
            let (Some(case), Some(reference)) = (
                locked_cases.get(&original.case_id),
                locked_refs.remove(&item.reference_id),
            ) else {
                continue;
            };
            if !item.still_wanted(case, &reference) {
                locked_refs.insert(reference.id, reference);
                continue;
            }
            links.push((reference.id, token_hash(&s.token)));
            let mut reference = reference;
            self.record_referee_email(
                &mut reference,
                item,
                &s.mail.message_id,
                &mut events,
                &mut reminders,
            )?;
            changed.push(reference.id);
            locked_refs.insert(reference.id, reference);
        }
        let changed: Vec<&ReferenceRow> = sorted_unique(changed.into_iter())
            .iter()
            .filter_map(|id| locked_refs.get(id))
            .collect();
        references::write_deliveries(&txn, &changed, now).await?;
        email_log::record_first_sent(&txn, new_logs, now).await?;
        tokens::insert_many(&txn, links, now).await?;
        audit::record_all(&txn, events, now).await?;
        let reminders: Vec<(&Task, DateTime<Utc>)> =
            reminders.iter().map(|(t, at)| (t, *at)).collect();
        self.enqueue_all(&txn, &reminders).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records a failed send of `item` on its own: the attempt in the email log, and for a
    /// permanent failure (a bounce) of the current generation of a reference still
    /// outstanding, its links revoked, its state, and a notice to the owner.
    async fn record_failed_send(
        &self,
        item: &RefereeMail,
        existing: Option<EmailLogRow>,
        attempt_id: Uuid,
        new: NewEmail<'_>,
        e: MailError,
    ) -> Result<Outcome, EngineError> {
        let now = self.now();
        self.record_failed_attempt(existing, attempt_id, new, &e)
            .await?;
        if !e.is_permanent() {
            return Ok(mail_outcome(e));
        }
        let reference_id = item.reference_id;
        let txn = self.db.begin().await?;
        let (case, reference) = references::lock_with_case(&txn, reference_id).await?;
        // Shortened like every stored error: the audit trail, the owner's notice and the
        // case page say which mailbox refused without naming it in full.
        let reason = redact_addresses(&e.to_string()).into_owned();
        // A bounce of a superseded generation must not revoke the newer links; a reference
        // no longer outstanding has nothing left to bounce.
        if reference.is_current(item.generation) && reference.status.is_outstanding() {
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
                    generation: Some(item.generation),
                },
            };
            self.enqueue(&txn, &notice, now).await?;
            self.advance_if_complete(&txn, case).await?;
        }
        txn.commit().await?;
        Ok(Outcome::Failed(reason))
    }

    /// What a delivered invitation or reminder changes on its reference, made to the row
    /// in memory for the caller to write with the others of its batch: the invitation
    /// moves it to `invited` and schedules its reminders; a reminder is counted. The audit
    /// events and reminders are collected, for the caller to write in one statement each.
    fn record_referee_email(
        &self,
        reference: &mut ReferenceRow,
        item: &RefereeMail,
        message_id: &str,
        events: &mut Vec<audit::Event<'static>>,
        reminders: &mut Vec<(Task, DateTime<Utc>)>,
    ) -> Result<(), EngineError> {
        let now = self.now();
        let (reference_id, generation) = (reference.id, item.generation);
        let (kind, data) = match item.sequence {
            None => {
                let from = reference.status;
                let to = reference_transition(from, ReferenceEvent::Invite)?;
                reference.status = to;
                reference.invitations_sent = generation;
                reference.invited_at.get_or_insert(now);
                for (i, days) in self.settings.reminder_days.iter().enumerate() {
                    let reminder = Task::SendReminder {
                        reference_id,
                        generation,
                        sequence: i as i32 + 1,
                    };
                    reminders.push((reminder, now + Duration::days(i64::from(*days))));
                }
                let data = json!({
                    "message_id": message_id,
                    "generation": generation,
                    "from": from.as_str(),
                    "to": to.as_str(),
                });
                ("reference.status_changed", data)
            }
            Some(seq) => {
                reference.reminders_sent += 1;
                let data = json!({ "sequence": seq, "message_id": message_id });
                ("reference.reminded", data)
            }
        };
        reference.updated_at = now;
        events.push(audit::Event {
            case_id: Some(reference.case_id),
            reference_id: Some(reference_id),
            actor: Actor::System.to_string(),
            kind,
            data,
        });
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
        // The language they answered in, else the one they were invited in.
        let answered_in = crate::store::responses::of_reference(&self.db, reference_id)
            .await?
            .and_then(|r| r.locale)
            .and_then(|l| self.catalogue.supported(&l).map(str::to_owned));
        let locale = answered_in
            .unwrap_or_else(|| invitation_locale(&self.catalogue, &ctx.reference, &ctx.case));
        let email = Email::SubmissionConfirmation(SubmissionConfirmation {
            to: Recipient::new(&ctx.reference.name, &ctx.reference.email),
            reply_to: Recipient::new(&ctx.owner.name, &ctx.owner.email),
            provider_name: ctx.provider.name.clone(),
            requested_by: ctx.owner.name.clone(),
            company_name: None,
            token: token.clone(),
            locale,
        });
        let key = EmailKey::confirmation(reference_id);
        let (delivery, txn) = self
            .deliver_and_record(Outgoing {
                key: &key,
                email: &email,
                case_id: Some(ctx.case.id),
                reference_id: Some(reference_id),
                audit: Some(("reference.thanked", json!({}))),
            })
            .await?;
        // The link is stored with the email's log row, in one commit, as an invitation's.
        if let Delivery::Sent = delivery {
            tokens::insert(&txn, reference_id, token_hash(&token), self.now()).await?;
        }
        txn.commit().await?;
        Ok(delivery.outcome())
    }
}

/// A batch of referee emails and what the database holds about them.
struct Batch<'a> {
    items: &'a [RefereeMail],
    refs: HashMap<Uuid, ReferenceRow>,
    cases: HashMap<Uuid, CaseRow>,
    /// Each item's email key, in item order.
    keys: Vec<EmailKey>,
    /// The email log rows of those keys that exist (an earlier attempt).
    logged: HashMap<String, EmailLogRow>,
}

impl Batch<'_> {
    fn key(&self, n: usize) -> &str {
        self.keys[n].as_str()
    }

    fn case_of(&self, n: usize) -> Uuid {
        self.refs[&self.items[n].reference_id].case_id
    }

    fn new_email<'b>(
        &'b self,
        n: usize,
        kind: &'b str,
        reference: &'b ReferenceRow,
    ) -> NewEmail<'b> {
        NewEmail {
            key: self.key(n),
            kind,
            recipient: &reference.email,
            case_id: Some(reference.case_id),
            reference_id: Some(reference.id),
        }
    }

    /// The items still to send now, in order; the others are settled as done: the
    /// reference or its case is gone (erased), the email was sent by an earlier run (which
    /// committed what it caused in one transaction), it is no longer wanted, or the
    /// deadline passed (a worker catching up after a pause may reach a reminder after it;
    /// a link that would answer 410 is not sent).
    fn wanted(&self, now: DateTime<Utc>, outcomes: &mut [Option<Outcome>]) -> Vec<usize> {
        let mut wanted = Vec::new();
        for (n, item) in self.items.iter().enumerate() {
            let found = self
                .refs
                .get(&item.reference_id)
                .and_then(|r| Some((r, self.cases.get(&r.case_id)?)));
            let Some((reference, case)) = found else {
                outcomes[n] = Some(Outcome::Done);
                continue;
            };
            let past_deadline = case.deadline_at.is_some_and(|d| now >= d);
            let already_sent = self
                .logged
                .get(self.key(n))
                .is_some_and(|row| row.status == EmailStatus::Sent);
            if past_deadline || already_sent || !item.still_wanted(case, reference) {
                outcomes[n] = Some(Outcome::Done);
            } else {
                wanted.push(n);
            }
        }
        wanted
    }
}

/// A delivered email of a batch: its item, the link's token, and what the server said.
struct Sent {
    n: usize,
    token: String,
    attempt_id: Uuid,
    kind: &'static str,
    mail: crate::mail::SentMail,
}

/// An email of a batch the server refused: its item, attempt and error.
type Failed = (usize, Uuid, &'static str, MailError);
