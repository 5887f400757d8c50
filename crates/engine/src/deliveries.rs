//! What the email log says about a case: the last message each referee was sent, for the
//! ops lead's "did they get it?" question.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::EngineError;
use crate::domain::EmailStatus;
use crate::store::email_log;

#[derive(Clone, Debug, Serialize)]
pub struct EmailSummary {
    /// `invitation`, `reminder`, `owner_bounce`, …
    pub kind: String,
    pub status: EmailStatus,
    /// When it was sent, or first attempted if it has not been sent.
    pub at: DateTime<Utc>,
    /// The mail server's answer when delivery failed.
    pub error: Option<String>,
}

impl crate::services::Cases<'_> {
    /// The newest email logged for each reference of a case.
    #[tracing::instrument(skip_all, fields(case_id = %case_id))]
    pub async fn last_emails(
        &self,
        case_id: Uuid,
    ) -> Result<BTreeMap<Uuid, EmailSummary>, EngineError> {
        let rows = email_log::of_case_references(&self.db, case_id).await?;
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
