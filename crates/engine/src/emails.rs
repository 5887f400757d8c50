//! What the email log says about a case: the last message each referee was sent, for the
//! ops lead's "did they get it?" question.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::email_log;
use crate::{Engine, EngineError};

#[derive(Clone, Debug, Serialize)]
pub struct EmailSummary {
    /// `invitation`, `reminder`, `owner_bounce`, …
    pub kind: String,
    /// `sending`, `sent` or `failed`.
    pub status: String,
    /// When it was sent, or first attempted if it has not been sent.
    pub at: DateTime<Utc>,
    /// The mail server's answer when delivery failed.
    pub error: Option<String>,
}

impl Engine {
    /// The newest email logged for each reference of a case.
    pub async fn last_emails(
        &self,
        case_id: Uuid,
    ) -> Result<BTreeMap<Uuid, EmailSummary>, EngineError> {
        let rows = email_log::Entity::find()
            .filter(email_log::Column::CaseId.eq(case_id))
            .filter(email_log::Column::ReferenceId.is_not_null())
            .order_by_asc(email_log::Column::CreatedAt)
            .order_by_asc(email_log::Column::Id)
            .all(&self.db)
            .await?;
        let mut last = BTreeMap::new();
        for row in rows {
            if let Some(reference_id) = row.reference_id {
                last.insert(
                    reference_id,
                    EmailSummary {
                        kind: row.kind,
                        status: row.status,
                        at: row.sent_at.unwrap_or(row.created_at),
                        error: row.error,
                    },
                );
            }
        }
        Ok(last)
    }
}
