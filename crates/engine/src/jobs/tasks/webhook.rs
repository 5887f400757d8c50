//! The admins' notice that a webhook endpoint was disabled (a 410, or failing for
//! `webhooks.disable_after_hours`): one email per active admin, each under its own key.

use chrono::{DateTime, Utc};
use mailer::{Email, Recipient, WebhookDisabled};
use uuid::Uuid;

use super::{Delivery, Outcome, Outgoing, mail_outcome};
use crate::outbox::EmailKey;
use crate::store::webhooks as rows;
use crate::{Engine, EngineError};

impl Engine {
    pub(super) async fn notify_webhook_disabled(
        &self,
        endpoint_id: Uuid,
        disabled_at: DateTime<Utc>,
    ) -> Result<Outcome, EngineError> {
        let endpoint = match rows::endpoint(&self.db, endpoint_id).await {
            Ok(endpoint) => endpoint,
            Err(store::StoreError::NotFound { .. }) => return Ok(Outcome::Done),
            Err(e) => return Err(e.into()),
        };
        // Enabled again (or deleted) before the notice went out: nothing to tell.
        if endpoint.enabled {
            return Ok(Outcome::Done);
        }
        let admins = store::users::active_admins(&self.db).await?;
        let reason = endpoint
            .disabled_reason
            .clone()
            .unwrap_or_else(|| "it was disabled".to_owned());
        let mut retry = None;
        for admin in admins {
            let key = EmailKey::webhook_disabled(endpoint_id, disabled_at, admin.id);
            let email = Email::WebhookDisabled(WebhookDisabled {
                to: Recipient::new(&admin.name, &admin.email),
                url: endpoint.url.clone(),
                reason: reason.clone(),
            });
            let (delivery, txn) = self
                .deliver_and_record(Outgoing {
                    key: &key,
                    email: &email,
                    case_id: None,
                    reference_id: None,
                    audit: None,
                })
                .await?;
            txn.commit().await?;
            // One admin's mailbox failing must not keep the others from hearing; the
            // job is retried for the ones still unsent (the others' keys say "sent").
            if let Delivery::Failed(e) = delivery {
                match mail_outcome(e) {
                    Outcome::Done => {}
                    other => retry = Some(other),
                }
            }
        }
        Ok(retry.unwrap_or(Outcome::Done))
    }
}
