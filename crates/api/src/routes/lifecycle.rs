//! Moving cases and references through their lifecycle. Illegal moves answer 409 with the
//! current state named.

use actix_web::{HttpResponse, get, post, web};
use engine::audit::{Actor, AuditEvent};
use engine::domain::{ReferenceRequest, VettingCase};
use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Ops, Staff};
use crate::error::{ApiError, Problem};
use crate::extract::OptionalJson;

/// Launch: invite every pending reference and start the deadline clock.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = VettingCase),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not in draft or nominating"),
        (status = 422, body = Problem, description = "no reference to invite")
    ),
    security(("bearer" = ["ops"])),
    tag = "cases"
)]
#[post("/cases/{id}/launch")]
pub async fn launch_case(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let case = state
        .engine
        .cases()
        .launch_case(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Ok().json(case))
}

/// Cancel an open case; every referee link stops working.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = VettingCase), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = ["ops"])),
    tag = "cases"
)]
#[post("/cases/{id}/cancel")]
pub async fn cancel_case(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let case = state
        .engine
        .cases()
        .cancel_case(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Ok().json(case))
}

/// Stop collecting early and move the case to review.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = VettingCase), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = ["ops", "hr"])),
    tag = "cases"
)]
#[post("/cases/{id}/close")]
pub async fn close_case(
    state: web::Data<AppState>,
    Staff(user): Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let case = state
        .engine
        .cases()
        .close_case(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Ok().json(case))
}

/// Send a referee a new link; the old one stops working at once.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 202, body = ReferenceRequest), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = ["ops"])),
    tag = "references"
)]
#[post("/references/{id}/resend")]
pub async fn resend_reference(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let reference = state
        .engine
        .cases()
        .resend_reference(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Accepted().json(reference))
}

/// Take a referee out of the case.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReferenceRequest), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = ["ops"])),
    tag = "references"
)]
#[post("/references/{id}/withdraw")]
pub async fn withdraw_reference(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let reference = state
        .engine
        .cases()
        .withdraw_reference(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Ok().json(reference))
}

/// The whole timeline in one page (`next_cursor` is always null), in the list shape.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

/// The case's audit timeline, oldest first.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Timeline), (status = 404, body = Problem)),
    security(("bearer" = ["ops", "hr"])),
    tag = "cases"
)]
#[get("/cases/{id}/events")]
pub async fn case_events(
    state: web::Data<AppState>,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let items = state.engine.cases().case_events(*id).await?;
    Ok(HttpResponse::Ok().json(Timeline {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominateRequest {
    /// How many references to ask the provider for (1–10, default 3).
    pub count: Option<u32>,
}

/// Ask the provider's contact to nominate references; the case moves to `nominating`.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    request_body(content = Option<NominateRequest>, description = "optional; empty means the default count"),
    responses(
        (status = 202, body = VettingCase),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not in draft or nominating"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = ["ops"])),
    tag = "cases"
)]
#[post("/cases/{id}/nominate")]
pub async fn nominate(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
    // The body is optional: none means the default count.
    body: OptionalJson<NominateRequest>,
) -> Result<HttpResponse, ApiError> {
    let count = body.0.and_then(|b| b.count);
    let case = state
        .engine
        .links()
        .request_nominations(*id, count, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Accepted().json(case))
}

/// Ask the provider's contact to rate its own firm on the questionnaire's scored
/// statements. Allowed while the case is `draft`, `nominating` or `collecting`; asking
/// again sends a new link and the old one stops working.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, body = VettingCase, description = "the email is queued; `self_assessment` is `requested`"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the case is in review, decided or cancelled")
    ),
    security(("bearer" = ["ops"])),
    tag = "cases"
)]
#[post("/cases/{id}/self-assessment")]
pub async fn request_self_assessment(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let case = state
        .engine
        .links()
        .request_self_assessment(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Accepted().json(case))
}

/// Invite a `pending` reference of a collecting case now: the provider's nominees wait
/// for this (or for the launch). Asking again queues nothing more.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, body = ReferenceRequest, description = "the invitation is queued"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the case is not collecting, or the reference is not pending")
    ),
    security(("bearer" = ["ops"])),
    tag = "references"
)]
#[post("/references/{id}/invite")]
pub async fn invite_reference(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let reference = state
        .engine
        .cases()
        .invite_reference(*id, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Accepted().json(reference))
}
