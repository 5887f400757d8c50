//! Webhook endpoints (admins only): register one (its secret is in that answer only),
//! rotate its secret, enable or disable it, send a test event, read its deliveries, retry
//! one. Contract: API.md "Webhooks and metrics".

use actix_web::{HttpResponse, delete, get, post, web};
use engine::domain::{WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret};
use engine::webhooks::NewWebhook;
use serde::Deserialize;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Admin;
use crate::error::{ApiError, Problem};
use crate::extract::{ValidJson, ValidQuery};
use crate::routes::PageQuery;
use crate::{AppState, idempotency};

/// The field of `WebhookEndpointWithSecret` that is shown once and never stored.
const SECRET: &[&str] = &["secret"];

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Where to POST events: an absolute `https://` (or `http://`) URL on a public
    /// address, unless `webhooks.allow_private_targets` is on.
    #[validate(length(min = 1, max = 2000))]
    pub url: String,
    /// Event types to receive, or `["*"]` for all.
    #[validate(length(min = 1, max = 20))]
    pub events: Vec<String>,
    #[validate(length(max = 500))]
    pub description: Option<String>,
}

/// Webhook endpoints, oldest first, a page at a time (without their secrets).
#[utoipa::path(
    params(PageQuery),
    responses(
        (status = 200, body = engine::Page<WebhookEndpoint>),
        (status = 422, body = Problem)
    ),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    _: Admin,
    ValidQuery(query): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    Ok(HttpResponse::Ok().json(state.engine.webhooks().webhooks_page(page).await?))
}

/// Register an endpoint. The answer carries its signing `secret`, shown only here.
///
/// The secret is never stored with an `Idempotency-Key`: a repeat of this request with
/// the same key answers 201 with the endpoint but without `secret` (and
/// `Idempotent-Replayed: true`); if the first answer was lost, rotate the secret.
#[utoipa::path(
    request_body = CreateWebhook,
    responses(
        (status = 201, body = WebhookEndpointWithSecret, description = "the endpoint with its `secret`; a replay under the same `Idempotency-Key` has no `secret`"),
        (status = 422, body = Problem, description = "a bad URL (or a private target), or an unknown event type")
    ),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    Admin(user): Admin,
    body: ValidJson<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let created = state
        .engine
        .webhooks()
        .create_webhook(
            NewWebhook {
                url: b.url,
                events: b.events,
                description: b.description,
            },
            user.id,
        )
        .await?;
    let mut res = HttpResponse::Created().json(created);
    idempotency::keep_out_of_replays(&mut res, SECRET);
    Ok(res)
}

/// One endpoint (without its secret).
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookEndpoint), (status = 404, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.engine.webhooks().webhook(*id).await?))
}

/// Remove an endpoint with its delivery history.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    Admin(user): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.engine.webhooks().delete_webhook(*id, user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret, shown only in this answer. The old one signs beside it for 24
/// hours (`webhook-signature` then carries both), so receivers can switch over.
///
/// The secret is never stored with an `Idempotency-Key`: a repeat with the same key
/// answers without `secret` (and `Idempotent-Replayed: true`) and rotates nothing.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = WebhookEndpointWithSecret, description = "the endpoint with its new `secret`; a replay under the same `Idempotency-Key` has no `secret`"),
        (status = 404, body = Problem)
    ),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[post("/webhooks/{id}/rotate")]
pub async fn rotate_webhook(
    state: web::Data<AppState>,
    Admin(user): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rotated = state
        .engine
        .webhooks()
        .rotate_webhook_secret(*id, user.id)
        .await?;
    let mut res = HttpResponse::Ok().json(rotated);
    idempotency::keep_out_of_replays(&mut res, SECRET);
    Ok(res)
}

/// Enable an endpoint again (after a 410 or continuous failure); its failure record
/// starts afresh.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookEndpoint), (status = 404, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[post("/webhooks/{id}/enable")]
pub async fn enable_webhook(
    state: web::Data<AppState>,
    Admin(user): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .engine
            .webhooks()
            .set_webhook_enabled(*id, true, user.id)
            .await?,
    ))
}

/// Stop sending to an endpoint; its pending deliveries give up.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookEndpoint), (status = 404, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[post("/webhooks/{id}/disable")]
pub async fn disable_webhook(
    state: web::Data<AppState>,
    Admin(user): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        state
            .engine
            .webhooks()
            .set_webhook_enabled(*id, false, user.id)
            .await?,
    ))
}

/// Queue a `webhook.test` event to this endpoint, whatever its filter.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, body = WebhookDelivery),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the endpoint is disabled")
    ),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(state.engine.webhooks().send_test_webhook(*id).await?))
}

/// An endpoint's deliveries, newest first, with status, response code and timing.
#[utoipa::path(
    params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, body = engine::Page<WebhookDelivery>),
        (status = 404, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn webhook_deliveries(
    state: web::Data<AppState>,
    _: Admin,
    id: web::Path<Uuid>,
    ValidQuery(query): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    Ok(HttpResponse::Ok().json(
        state
            .engine
            .webhooks()
            .webhook_deliveries(*id, page)
            .await?,
    ))
}

/// Send a failed (or delivered) delivery again now.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, body = WebhookDelivery),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the delivery is still being retried, or its endpoint is disabled")
    ),
    security(("bearer" = ["admin"])),
    tag = "webhooks"
)]
#[post("/webhooks/deliveries/{id}/retry")]
pub async fn retry_webhook_delivery(
    state: web::Data<AppState>,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(state.engine.webhooks().retry_webhook_delivery(*id).await?))
}
