//! After the decision: engagements, their stakeholders and pulses, and how well the
//! reference check predicted them (calibration).

use actix_web::{HttpResponse, get, post, web};
use engine::audit::Actor;
use engine::domain::{Engagement, EngagementStatus, Stakeholder};
use engine::engagements::{Calibration, MAX_END_REASON_CHARS, NewStakeholder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::AppState;
use crate::auth::{Hr, Staff};
use crate::error::{ApiError, Problem};
use crate::extract::{ValidJson, ValidQuery, not_blank};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EngagementListQuery {
    pub status: Option<EngagementStatus>,
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStakeholder {
    #[validate(length(max = 200), custom(function = "not_blank"))]
    pub name: String,
    #[validate(email, length(max = 320))]
    pub email: String,
}

/// One of the provider's people, asked for the provider side of every pulse.
#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProviderContact {
    #[validate(length(max = 200), custom(function = "not_blank"))]
    pub name: String,
    #[validate(email, length(max = 320))]
    pub email: String,
    /// Why this person may be asked although they were asked
    /// `workflow.referee_requests_per_90_days` times in the last 90 days (otherwise 409
    /// `/problems/referee-fatigue`). Kept in the audit trail.
    #[validate(length(max = 1000))]
    pub override_reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndEngagement {
    /// Why it ended, e.g. "contract not renewed".
    #[validate(length(max = MAX_END_REASON_CHARS), custom(function = "not_blank"))]
    pub reason: String,
}

/// Every engagement in one page (`next_cursor` is always null), in the list shape.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EngagementList {
    pub items: Vec<Engagement>,
    pub next_cursor: Option<String>,
}

/// Engagements, newest first (optionally by status).
#[utoipa::path(
    params(EngagementListQuery),
    responses((status = 200, body = EngagementList)),
    security(("bearer" = ["ops", "hr"])),
    tag = "engagements"
)]
#[get("/engagements")]
pub async fn list_engagements(
    state: web::Data<AppState>,
    _: Staff,
    ValidQuery(query): ValidQuery<EngagementListQuery>,
) -> Result<HttpResponse, ApiError> {
    let items = state
        .engine
        .engagements()
        .list_engagements(query.status)
        .await?;
    Ok(HttpResponse::Ok().json(EngagementList {
        items,
        next_cursor: None,
    }))
}

/// One engagement with its stakeholders and pulses.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Engagement), (status = 404, body = Problem)),
    security(("bearer" = ["ops", "hr"])),
    tag = "engagements"
)]
#[get("/engagements/{id}")]
pub async fn get_engagement(
    state: web::Data<AppState>,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.engine.engagements().engagement(*id).await?))
}

/// Add one of your own people who works with the provider.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    request_body = CreateStakeholder,
    responses(
        (status = 201, body = Stakeholder),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the engagement has ended"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = ["ops", "hr"])),
    tag = "engagements"
)]
#[post("/engagements/{id}/stakeholders")]
pub async fn add_stakeholder(
    state: web::Data<AppState>,
    Staff(user): Staff,
    id: web::Path<Uuid>,
    body: ValidJson<CreateStakeholder>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let s = state
        .engine
        .engagements()
        .add_stakeholder(
            *id,
            NewStakeholder {
                name: b.name,
                email: b.email,
            },
            &Actor::User(user.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(s))
}

/// Add one of the provider's people: from the next pulse on, each pulse emails them the
/// provider-side questions (the provider's main contact is one already).
#[utoipa::path(
    params(("id" = Uuid, Path)),
    request_body = CreateProviderContact,
    responses(
        (status = 201, body = Stakeholder),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the engagement has ended; or the address opted out (`/problems/referee-opted-out`) or was asked too often lately (`/problems/referee-fatigue`)"),
        (status = 422, body = Problem, description = "a malformed address, or one already a provider contact of the engagement")
    ),
    security(("bearer" = ["ops", "hr"])),
    tag = "engagements"
)]
#[post("/engagements/{id}/provider-contacts")]
pub async fn add_provider_contact(
    state: web::Data<AppState>,
    Staff(user): Staff,
    id: web::Path<Uuid>,
    body: ValidJson<CreateProviderContact>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let s = state
        .engine
        .engagements()
        .add_provider_contact(
            *id,
            NewStakeholder {
                name: b.name,
                email: b.email,
            },
            b.override_reason,
            &Actor::User(user.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(s))
}

/// Start a pulse now: every stakeholder is emailed a link, and every provider contact a
/// link to the provider side.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, body = Engagement),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "a pulse is collecting, or the engagement has ended"),
        (status = 422, body = Problem, description = "no stakeholders")
    ),
    security(("bearer" = ["ops", "hr"])),
    tag = "engagements"
)]
#[post("/engagements/{id}/pulse")]
pub async fn start_pulse(
    state: web::Data<AppState>,
    Staff(user): Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let e = state
        .engine
        .engagements()
        .start_pulse(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Accepted().json(e))
}

/// End an engagement; a collecting pulse is cancelled and no more are started.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    request_body = EndEngagement,
    responses(
        (status = 200, body = Engagement),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already ended"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = ["ops", "hr"])),
    tag = "engagements"
)]
#[post("/engagements/{id}/end")]
pub async fn end_engagement(
    state: web::Data<AppState>,
    Staff(user): Staff,
    id: web::Path<Uuid>,
    body: ValidJson<EndEngagement>,
) -> Result<HttpResponse, ApiError> {
    let e = state
        .engine
        .engagements()
        .end_engagement(*id, &body.0.reason, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Ok().json(e))
}

/// How well the reference check predicted the first pulse, per dimension and overall.
#[utoipa::path(
    responses((status = 200, body = Calibration)),
    security(("bearer" = ["hr"])),
    tag = "insights"
)]
#[get("/insights/calibration")]
pub async fn calibration(state: web::Data<AppState>, _: Hr) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.engine.engagements().calibration().await?))
}
