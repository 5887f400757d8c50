//! `email_log` rows: one per email Vouch means to send, under a unique idempotency key,
//! so that a job run twice finds the first run's row instead of sending again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::StoreError;
use crate::domain::EmailStatus;
use crate::entity::email_log;

pub use email_log::Model as EmailLogRow;

/// What a new log row records about the message.
pub struct NewEmail<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub case_id: Option<Uuid>,
    pub reference_id: Option<Uuid>,
}

pub async fn find_by_key(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<EmailLogRow>, StoreError> {
    Ok(email_log::Entity::find()
        .filter(email_log::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?)
}

/// The rows of several keys, by key.
pub async fn by_keys(
    conn: &impl ConnectionTrait,
    keys: &[&str],
) -> Result<HashMap<String, EmailLogRow>, StoreError> {
    let rows = email_log::Entity::find()
        .filter(email_log::Column::IdempotencyKey.is_in(keys.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.idempotency_key.clone(), row))
        .collect())
}

/// [`record_attempt`] for the first attempts at several emails, each sent: new rows, in
/// one statement.
pub async fn record_first_sent(
    conn: &impl ConnectionTrait,
    sent: Vec<(Uuid, NewEmail<'_>, Attempt<'_>)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if sent.is_empty() {
        return Ok(());
    }
    let rows = sent
        .into_iter()
        .map(|(attempt_id, new, attempt)| attempt_row(None, attempt_id, new, attempt, now).0);
    email_log::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Writes what became of one attempt at sending: a new row with id `attempt_id`, or the
/// row of an earlier failed attempt updated. `sent` carries the Message-ID and the
/// subject; `failed` the status (`retrying` or `failed`) and the server's answer.
pub async fn record_attempt(
    conn: &impl ConnectionTrait,
    existing: Option<EmailLogRow>,
    attempt_id: Uuid,
    new: NewEmail<'_>,
    outcome: Attempt<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (row, is_new) = attempt_row(existing, attempt_id, new, outcome, now);
    if is_new {
        row.insert(conn).await?;
    } else {
        row.update(conn).await?;
    }
    Ok(())
}

/// The row `record_attempt` writes, and whether it is a new one.
fn attempt_row(
    existing: Option<EmailLogRow>,
    attempt_id: Uuid,
    new: NewEmail<'_>,
    outcome: Attempt<'_>,
    now: DateTime<Utc>,
) -> (email_log::ActiveModel, bool) {
    let is_new = existing.is_none();
    let mut row = match existing {
        Some(row) => email_log::ActiveModel::from(row),
        None => email_log::ActiveModel {
            id: Set(attempt_id),
            idempotency_key: Set(new.key.to_owned()),
            case_id: Set(new.case_id),
            reference_id: Set(new.reference_id),
            kind: Set(new.kind.to_owned()),
            recipient: Set(new.recipient.to_owned()),
            subject: Set(String::new()),
            message_id: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
            // The status and the error are the attempt's, below: a row is never stored as
            // `sending` (that status survives only in rows of older versions).
            ..Default::default()
        },
    };
    match outcome {
        Attempt::Sent {
            message_id,
            subject,
        } => {
            row.status = Set(EmailStatus::Sent);
            row.message_id = Set(Some(message_id.to_owned()));
            row.subject = Set(subject.to_owned());
            row.error = Set(None);
            row.sent_at = Set(Some(now));
        }
        Attempt::Failed { status, error } => {
            row.status = Set(status);
            row.error = Set(Some(error));
        }
    }
    (row, is_new)
}

/// What one attempt at sending came to.
pub enum Attempt<'a> {
    Sent {
        message_id: &'a str,
        subject: &'a str,
    },
    Failed {
        status: EmailStatus,
        error: String,
    },
}

/// The emails about the references of a case, oldest first.
pub async fn of_case_references(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Vec<EmailLogRow>, StoreError> {
    Ok(email_log::Entity::find()
        .filter(email_log::Column::CaseId.eq(case_id))
        .filter(email_log::Column::ReferenceId.is_not_null())
        .order_by_asc(email_log::Column::CreatedAt)
        .order_by_asc(email_log::Column::Id)
        .all(conn)
        .await?)
}
