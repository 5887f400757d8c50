//! The admins' webhooks pages: endpoints with their state (add one, whose secret is shown
//! on that answer only; rotate its secret; send a test event; enable, disable, delete),
//! and an endpoint's recent deliveries with status, response code and timing, and retry.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use engine::domain::{WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointWithSecret};
use engine::webhooks::{EVENT_TYPES, NewWebhook};
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::{UiForm, UiSession};
use super::{after_action, errors_by_field, format, page, render};
use crate::AppState;
use crate::auth::Admin;
use crate::error::ApiError;

const LOCATION: &str = "/ui/admin/webhooks";

fn endpoint_row(e: &WebhookEndpoint) -> Value {
    json!({
        "id": e.id,
        "url": e.url,
        "events": if e.events.iter().any(|x| x == "*") { "all events".to_owned() } else { e.events.join(", ") },
        "description": e.description,
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "failing_since": e.failing_since.map(format::datetime),
        "previous_secret_until": e.previous_secret_until.map(format::datetime),
        "created": format::datetime(e.created_at),
    })
}

async fn endpoints_page(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    mut ctx: Value,
) -> Result<HttpResponse, ApiError> {
    let endpoints: Vec<Value> = state
        .engine
        .webhooks()
        .list_webhooks()
        .await?
        .iter()
        .map(endpoint_row)
        .collect();
    ctx["title"] = json!("Webhooks");
    ctx["nav"] = json!("webhooks");
    ctx["endpoints"] = json!(endpoints);
    ctx["event_types"] = json!(
        EVENT_TYPES
            .iter()
            .filter(|t| **t != "webhook.test")
            .collect::<Vec<_>>()
    );
    Ok(render(
        state,
        Some(session),
        status,
        "ui/admin_webhooks.html",
        ctx,
    ))
}

/// The page with a secret on it: answered directly (never through a redirect), so the
/// secret is on this one response only.
async fn with_secret(
    state: &AppState,
    session: &UiSession,
    made: WebhookEndpointWithSecret,
    what: &str,
) -> Result<HttpResponse, ApiError> {
    endpoints_page(
        state,
        session,
        StatusCode::OK,
        json!({
            "form": {},
            "secret": { "value": made.secret, "url": made.endpoint.url, "what": what },
        }),
    )
    .await
}

#[get("/admin/webhooks")]
pub async fn webhooks(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    endpoints_page(&state, &session, StatusCode::OK, json!({ "form": {} })).await
}

/// The add form: `url`, `description`, and one `events` field per ticked box (`*` for
/// all), so it is read as pairs rather than into a struct.
#[post("/admin/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    UiForm(pairs): UiForm<Vec<(String, String)>>,
) -> Result<HttpResponse, ApiError> {
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let events: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect();
    let (url, description) = (value("url"), value("description"));
    let kept = json!({ "url": url, "description": description, "events": events });
    let result = state
        .engine
        .webhooks()
        .create_webhook(
            NewWebhook {
                url,
                events,
                description: Some(description),
            },
            admin.id,
        )
        .await;
    match result {
        Ok(made) => {
            tracing::info!(by = %admin.id, webhook_id = %made.endpoint.id, "webhook endpoint created");
            with_secret(&state, &session, made, "added").await
        }
        Err(engine::EngineError::Validation { field, message }) => {
            let field = if field.starts_with("events") {
                "events".to_owned()
            } else {
                field
            };
            let errors = vec![crate::error::FieldError { field, message }];
            endpoints_page(
                &state,
                &session,
                crate::error::INVALID_INPUT,
                json!({ "form": kept, "errors": errors_by_field(&errors) }),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[post("/admin/webhooks/{id}/rotate")]
pub async fn rotate_webhook(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let made = state
        .engine
        .webhooks()
        .rotate_webhook_secret(*id, admin.id)
        .await?;
    with_secret(&state, &session, made, "rotated").await
}

#[post("/admin/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state.engine.webhooks().send_test_webhook(*id).await;
    after_action(
        &state,
        &session,
        result,
        |_| {
            "Test event queued; its delivery shows on the endpoint's deliveries within seconds."
                .to_owned()
        },
        LOCATION,
    )
    .await
}

#[post("/admin/webhooks/{id}/enable")]
pub async fn enable_webhook(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .webhooks()
        .set_webhook_enabled(*id, true, admin.id)
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "Endpoint enabled. Retry the deliveries it missed from its deliveries page.".to_owned(),
        LOCATION,
    )
    .await
}

#[post("/admin/webhooks/{id}/disable")]
pub async fn disable_webhook(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .webhooks()
        .set_webhook_enabled(*id, false, admin.id)
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "Endpoint disabled: nothing is sent to it until it is enabled.".to_owned(),
        LOCATION,
    )
    .await
}

#[post("/admin/webhooks/{id}/delete")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state.engine.webhooks().delete_webhook(*id, admin.id).await;
    after_action(
        &state,
        &session,
        result,
        |_| "Endpoint deleted with its delivery history.".to_owned(),
        LOCATION,
    )
    .await
}

#[get("/admin/webhooks/{id}")]
pub async fn deliveries(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let endpoint = state.engine.webhooks().webhook(*id).await?;
    let list = state
        .engine
        .webhooks()
        .webhook_deliveries(*id, engine::PageRequest::parse(Some(200), None)?)
        .await?;
    let rows: Vec<Value> = list
        .items
        .into_iter()
        .map(|d| {
            json!({
                "id": d.id,
                "event_type": d.event_type,
                "created": format::datetime(d.created_at),
                "status": d.status,
                "pending": d.status == WebhookDeliveryStatus::Pending,
                "attempts": d.attempts,
                "code": d.last_status,
                "duration_ms": d.last_duration_ms,
                "error": d.last_error,
                "next_attempt": d.next_attempt_at.filter(|_| d.status == WebhookDeliveryStatus::Pending).map(format::datetime),
            })
        })
        .collect();
    Ok(page(
        &state,
        &session,
        "ui/admin_webhook_deliveries.html",
        json!({
            "title": "Webhook deliveries",
            "nav": "webhooks",
            "endpoint": endpoint_row(&endpoint),
            "deliveries": rows,
            "more": list.next_cursor.is_some(),
        }),
    ))
}

#[post("/admin/webhooks/deliveries/{id}/retry")]
pub async fn retry_delivery(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state.engine.webhooks().retry_webhook_delivery(*id).await;
    let back = match &result {
        Ok(d) => format!("{LOCATION}/{}", d.endpoint_id),
        Err(_) => LOCATION.to_owned(),
    };
    after_action(
        &state,
        &session,
        result,
        |_| "Delivery queued again; a worker sends it within seconds.".to_owned(),
        &back,
    )
    .await
}
