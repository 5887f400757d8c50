//! Providers under vetting.

use actix_web::{HttpResponse, get, post, web};
use engine::domain::Provider;
use engine::history::ProviderWithHistory;
use uuid::Uuid;

use super::PageQuery;
use crate::AppState;
use crate::auth::{Ops, Staff};
use crate::error::{ApiError, Problem};
use crate::extract::{ValidJson, ValidQuery};
use crate::requests::CreateProvider;

/// Register a provider.
#[utoipa::path(
    request_body = CreateProvider,
    responses(
        (status = 201, body = Provider),
        (status = 422, body = Problem, description = "invalid field"),
        (status = 403, body = Problem)
    ),
    security(("bearer" = ["ops"])),
    tag = "providers"
)]
#[post("/providers")]
pub async fn create_provider(
    state: web::Data<AppState>,
    Ops(user): Ops,
    body: ValidJson<CreateProvider>,
) -> Result<HttpResponse, ApiError> {
    let provider = state
        .engine
        .cases()
        .create_provider(body.0.into_new(), user.id)
        .await?;
    Ok(HttpResponse::Created().json(provider))
}

/// List providers, newest first.
#[utoipa::path(
    params(PageQuery),
    responses((status = 200, body = engine::Page<Provider>)),
    security(("bearer" = ["ops", "hr"])),
    tag = "providers"
)]
#[get("/providers")]
pub async fn list_providers(
    state: web::Data<AppState>,
    _: Staff,
    ValidQuery(query): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = state.engine.cases().list_providers(query.page()?).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One provider, with its history: its vetting cases (decision and alignment score) and
/// the engagements that followed (with their pulses), oldest first.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ProviderWithHistory,
            description = "The provider's fields, and `history: {cases, engagements}`"),
        (status = 404, body = Problem)
    ),
    security(("bearer" = ["ops", "hr"])),
    tag = "providers"
)]
#[get("/providers/{id}")]
pub async fn get_provider(
    state: web::Data<AppState>,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.engine.reports().provider_with_history(*id).await?))
}
