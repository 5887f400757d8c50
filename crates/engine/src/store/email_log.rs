//! `email_log` rows: one per email Vouch means to send, under a unique idempotency key,
//! so that a job run twice finds the first run's row instead of sending again.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::EngineError;
use crate::domain::EmailStatus;
use crate::entity::email_log;

pub use email_log::Model as EmailLogRow;

/// What a new log row records about the message.
pub struct NewEmail<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub case_id: Uuid,
    pub reference_id: Option<Uuid>,
}

pub async fn find_by_key(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<EmailLogRow>, EngineError> {
    Ok(email_log::Entity::find()
        .filter(email_log::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?)
}

/// A row in `sending`, before the message is handed to the mail server.
pub async fn insert_sending(
    conn: &impl ConnectionTrait,
    new: NewEmail<'_>,
    now: DateTime<Utc>,
) -> Result<EmailLogRow, EngineError> {
    Ok(email_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        idempotency_key: Set(new.key.to_owned()),
        case_id: Set(Some(new.case_id)),
        reference_id: Set(new.reference_id),
        kind: Set(new.kind.to_owned()),
        recipient: Set(new.recipient.to_owned()),
        subject: Set(String::new()),
        message_id: Set(None),
        status: Set(EmailStatus::Sending),
        error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
    .insert(conn)
    .await?)
}

/// Records a failed attempt: `retrying` or `failed`, with the mail server's answer.
pub async fn mark_failed(
    conn: &impl ConnectionTrait,
    row: EmailLogRow,
    status: EmailStatus,
    error: String,
) -> Result<(), EngineError> {
    let mut active: email_log::ActiveModel = row.into();
    active.status = Set(status);
    active.error = Set(Some(error));
    active.update(conn).await?;
    Ok(())
}

pub async fn mark_sent(
    conn: &impl ConnectionTrait,
    id: Uuid,
    message_id: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), EngineError> {
    email_log::ActiveModel {
        id: Set(id),
        status: Set(EmailStatus::Sent),
        message_id: Set(Some(message_id.to_owned())),
        subject: Set(subject.to_owned()),
        error: Set(None),
        sent_at: Set(Some(now)),
        ..Default::default()
    }
    .update(conn)
    .await?;
    Ok(())
}

/// The emails about the references of a case, oldest first.
pub async fn of_case_references(
    conn: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Vec<EmailLogRow>, EngineError> {
    Ok(email_log::Entity::find()
        .filter(email_log::Column::CaseId.eq(case_id))
        .filter(email_log::Column::ReferenceId.is_not_null())
        .order_by_asc(email_log::Column::CreatedAt)
        .order_by_asc(email_log::Column::Id)
        .all(conn)
        .await?)
}
