//! The job queue as admins see it: the dead-letter queue and retrying from it.

use actix_web::{HttpResponse, get, post, web};
use engine::jobs::{Job, JobStatus};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, Problem};
use crate::extract::ValidQuery;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobListQuery {
    /// `dead` for the dead-letter queue.
    pub status: Option<JobStatus>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Jobs, newest first (`?status=dead` for failed deliveries).
#[utoipa::path(
    params(JobListQuery),
    responses((status = 200, body = engine::Page<Job>)),
    security(("bearer" = ["admin"])),
    tag = "jobs"
)]
#[get("/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    _: Admin,
    ValidQuery(query): ValidQuery<JobListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = engine::PageRequest::parse(query.limit, query.cursor.as_deref())?;
    Ok(HttpResponse::Ok().json(state.engine.jobs().list_jobs(query.status, page).await?))
}

/// Put a dead job back in the queue, due now, with fresh attempts.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Job),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the job is not dead")
    ),
    security(("bearer" = ["admin"])),
    tag = "jobs"
)]
#[post("/jobs/{id}/retry")]
pub async fn retry_job(
    state: web::Data<AppState>,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.engine.jobs().retry_dead_job(*id).await?))
}
