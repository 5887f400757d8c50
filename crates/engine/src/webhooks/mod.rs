//! Webhooks (Standard Webhooks 1.0): admins register endpoints with an event filter; each
//! state change that is an event writes one delivery per subscribed endpoint in its own
//! transaction (`events`); the job runner sends each, signed (`signing`), only to public
//! addresses unless configured otherwise (`target`), and retries on its schedule
//! (`deliver`). A 410, or failing for `webhooks.disable_after_hours`, disables the
//! endpoint and emails the admins.

mod deliver;

pub use deliver::http_client;
pub mod events;
pub mod signing;
pub mod target;

use chrono::Duration;
use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

pub use events::EVENT_TYPES;

use crate::audit::{self, Actor};
use crate::domain::{
    WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointWithSecret,
};
use crate::outbox::Task;
use crate::store::webhooks::{self as rows, NewDelivery, NewEndpoint};
use crate::{Engine, EngineError, Page, PageRequest};

/// How long the secret before a rotation keeps signing beside the new one, so receivers
/// can switch without losing a message.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// Makes ring the process's TLS crypto: reqwest (built without a provider of its own)
/// leaves the choice to the program, and ring is what rustls already brings for SMTP.
/// Every HTTP client of the process needs it before it is built; a second call is a no-op.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An endpoint as an admin asks for it.
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// The event filter, checked: known types or `*` alone, each once.
fn checked_events(events: Vec<String>) -> Result<Vec<String>, EngineError> {
    if events.is_empty() {
        return Err(EngineError::validation(
            "events",
            "name at least one event type, or \"*\" for all",
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, event) in events.into_iter().enumerate() {
        let event = event.trim().to_owned();
        if event != "*" && !EVENT_TYPES.contains(&event.as_str()) {
            return Err(EngineError::validation(
                format!("events[{i}]"),
                format!(
                    "`{event}` is not an event type; use \"*\" or one of: {}",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
        if !out.contains(&event) {
            out.push(event);
        }
    }
    if out.len() > 1 && out.iter().any(|e| e == "*") {
        return Err(EngineError::validation(
            "events",
            "\"*\" already takes every event type; send it alone",
        ));
    }
    Ok(out)
}

impl Engine {
    /// Sets the `[webhooks]` settings.
    pub fn with_webhooks(mut self, webhooks: crate::WebhooksSettings) -> Self {
        self.webhooks = webhooks;
        self.webhook_http = Default::default();
        self
    }

    pub fn webhook_settings(&self) -> &crate::WebhooksSettings {
        &self.webhooks
    }
}

impl crate::services::Webhooks<'_> {
    /// Registers an endpoint. The answer is the only time its secret is shown.
    #[tracing::instrument(skip_all, err)]
    pub async fn create_webhook(
        &self,
        new: NewWebhook,
        by: Uuid,
    ) -> Result<WebhookEndpointWithSecret, EngineError> {
        let url = target::check_url(&new.url, self.webhooks.allow_private_targets).await?;
        let events = checked_events(new.events)?;
        let description = new
            .description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        let secret = signing::new_secret();
        let now = self.now();
        let txn = self.db.begin().await?;
        let row = rows::insert_endpoint(
            &txn,
            NewEndpoint {
                url: url.to_string(),
                events,
                description,
                secret: secret.clone(),
                created_by: Some(by),
            },
            now,
        )
        .await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(by),
            "webhook.created",
            json!({ "webhook_id": row.id, "url": row.url }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: row.into(),
            secret,
        })
    }

    /// One page of endpoints, oldest first, like every list of the API.
    pub async fn webhooks_page(
        &self,
        page: PageRequest,
    ) -> Result<Page<WebhookEndpoint>, EngineError> {
        let limit = page.limit();
        let found = rows::endpoints_after(&self.db, limit + 1, page.cursor).await?;
        Ok(Page::from_rows(found, limit, |r| r.id).map(Into::into))
    }

    /// Every endpoint, oldest first (the admin page shows them all: there are few).
    pub async fn list_webhooks(&self) -> Result<Vec<WebhookEndpoint>, EngineError> {
        Ok(rows::endpoints(&self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn webhook(&self, id: Uuid) -> Result<WebhookEndpoint, EngineError> {
        Ok(rows::endpoint(&self.db, id).await?.into())
    }

    /// Removes an endpoint and its delivery history; queued attempts find nothing to do.
    #[tracing::instrument(skip_all, err, fields(webhook_id = %id))]
    pub async fn delete_webhook(&self, id: Uuid, by: Uuid) -> Result<(), EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        rows::delete_endpoint(&txn, id).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(by),
            "webhook.deleted",
            json!({ "webhook_id": id }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A new secret, shown once; the old one signs beside it for [`ROTATION_OVERLAP`].
    #[tracing::instrument(skip_all, err, fields(webhook_id = %id))]
    pub async fn rotate_webhook_secret(
        &self,
        id: Uuid,
        by: Uuid,
    ) -> Result<WebhookEndpointWithSecret, EngineError> {
        let now = self.now();
        let secret = signing::new_secret();
        let txn = self.db.begin().await?;
        let row = rows::endpoint(&txn, id).await?;
        let row =
            rows::rotate_secret(&txn, row, secret.clone(), now + ROTATION_OVERLAP, now).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(by),
            "webhook.secret_rotated",
            json!({ "webhook_id": id }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: row.into(),
            secret,
        })
    }

    /// Enables an endpoint again (its failure record starts afresh) or disables it.
    #[tracing::instrument(skip_all, err, fields(webhook_id = %id))]
    pub async fn set_webhook_enabled(
        &self,
        id: Uuid,
        enabled: bool,
        by: Uuid,
    ) -> Result<WebhookEndpoint, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        rows::endpoint(&txn, id).await?;
        let reason = (!enabled).then(|| "disabled by an admin".to_owned());
        rows::set_enabled(&txn, id, enabled, reason, now).await?;
        let kind = if enabled {
            "webhook.enabled"
        } else {
            "webhook.disabled"
        };
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(by),
            kind,
            json!({ "webhook_id": id }),
            now,
        )
        .await?;
        let row = rows::endpoint(&txn, id).await?;
        txn.commit().await?;
        Ok(row.into())
    }

    /// Queues a `webhook.test` message to one endpoint, whatever its filter.
    #[tracing::instrument(skip_all, err, fields(webhook_id = %id))]
    pub async fn send_test_webhook(&self, id: Uuid) -> Result<WebhookDelivery, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let endpoint = rows::endpoint(&txn, id).await?;
        if !endpoint.enabled {
            return Err(EngineError::Conflict(
                "the endpoint is disabled; enable it first".into(),
            ));
        }
        let delivery = NewDelivery {
            endpoint_id: id,
            event_type: "webhook.test".into(),
            payload: events::body("webhook.test", now, json!({ "webhook_id": id })),
        };
        let ids = events::queue(&txn, vec![delivery], now).await?;
        let row = rows::delivery(&txn, ids[0]).await?;
        txn.commit().await?;
        Ok(row.into())
    }

    /// An endpoint's deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        id: Uuid,
        page: PageRequest,
    ) -> Result<Page<WebhookDelivery>, EngineError> {
        rows::endpoint(&self.db, id).await?;
        let limit = page.limit();
        let found = rows::deliveries_of(&self.db, id, limit + 1, page.cursor).await?;
        Ok(Page::from_rows(found, limit, |r| r.id).map(Into::into))
    }

    /// Sends a delivery again now: one that failed, or one that was delivered and should
    /// be sent once more. A delivery still being retried keeps its schedule.
    #[tracing::instrument(skip_all, err, fields(delivery_id = %delivery_id))]
    pub async fn retry_webhook_delivery(
        &self,
        delivery_id: Uuid,
    ) -> Result<WebhookDelivery, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let delivery = rows::delivery(&txn, delivery_id).await?;
        let endpoint = rows::endpoint(&txn, delivery.endpoint_id).await?;
        if !endpoint.enabled {
            return Err(EngineError::Conflict(
                "the endpoint is disabled; enable it first".into(),
            ));
        }
        if delivery.status == WebhookDeliveryStatus::Pending
            || !rows::restart(&txn, delivery_id, now).await?
        {
            return Err(EngineError::Conflict(
                "the delivery is still being tried; its next attempt is scheduled".into(),
            ));
        }
        let task = Task::DeliverWebhook {
            delivery_id,
            attempt: delivery.attempts + 1,
        };
        crate::outbox::enqueue(&txn, &task, now, now, events::JOB_ATTEMPTS).await?;
        let row = rows::delivery(&txn, delivery_id).await?;
        txn.commit().await?;
        Ok(row.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_filters_are_known_types_or_star_alone() {
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(checked_events(list(&["*"])).unwrap(), list(&["*"]));
        assert_eq!(
            checked_events(list(&["case.decided", "case.decided"])).unwrap(),
            list(&["case.decided"])
        );
        for bad in [&[][..], &["case.exploded"], &["*", "case.decided"]] {
            let err = checked_events(list(bad)).unwrap_err();
            assert!(
                matches!(&err, EngineError::Validation { field, .. } if field.starts_with("events")),
                "{bad:?}: {err}"
            );
        }
    }
}
