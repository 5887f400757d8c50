//! The report HR reads, its CSV export, and the decision.

use actix_web::{HttpResponse, get, post, web};
use engine::domain::VettingCase;
use engine::report::Report;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Hr, Staff};
use crate::error::{ApiError, Problem};
use crate::extract::ValidJson;
use crate::requests::DecisionRequest;

/// Scores, confidence, agreement, alignment, flags, comments and the rehire tally, once
/// released (when the case stops collecting). Before that, progress only (`released:
/// false`): counts, quorum and the flags that quote no answer (API.md "Disclosure").
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Report), (status = 404, body = Problem)),
    security(("bearer" = ["ops", "hr"])),
    tag = "reports"
)]
#[get("/cases/{id}/report")]
pub async fn case_report(
    state: web::Data<AppState>,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.engine.reports().case_report(*id).await?))
}

/// One row per referee × question (RFC 4180; formula-safe; anonymised per config); the
/// header row only until the report is released with enough responses for detail.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)),
    security(("bearer" = ["ops", "hr"])),
    tag = "reports"
)]
#[get("/cases/{id}/report.csv")]
pub async fn case_report_csv(
    state: web::Data<AppState>,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    crate::downloads::csv_download(&state, *id).await
}

/// Record HR's decision (only from `review`); the owner is told by email.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    request_body = DecisionRequest,
    responses(
        (status = 200, body = VettingCase),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the case is not in review"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = ["hr"])),
    tag = "reports"
)]
#[post("/cases/{id}/decision")]
pub async fn record_decision(
    state: web::Data<AppState>,
    Hr(user): Hr,
    id: web::Path<Uuid>,
    body: ValidJson<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let case = state
        .engine
        .reports()
        .record_decision(*id, b.outcome, &b.rationale, user.id)
        .await?;
    Ok(HttpResponse::Ok().json(case))
}
