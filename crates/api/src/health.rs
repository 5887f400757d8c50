//! Liveness and readiness, outside the `/api/v1` scope: no token, no rate limit.

use actix_web::{HttpResponse, ResponseError, get, web};
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, Problem};

/// The answer of a health check that passed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// `ok` (healthz) or `ready` (readyz).
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(
    responses((status = 200, body = HealthStatus, description = "process is up")),
    tag = "health"
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// The database answers.
#[utoipa::path(
    responses(
        (status = 200, body = HealthStatus, description = "database reachable"),
        (status = 503, body = Problem, description = "database unreachable")
    ),
    tag = "health"
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    // A connection is given up after `database.acquire_timeout_ms`; this bounds a server
    // that accepts the connection and then does not answer.
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        engine::db::ping(state.engine.db()),
    )
    .await;
    match ping {
        Ok(Ok(())) => HttpResponse::Ok().json(HealthStatus { status: "ready" }),
        failed => {
            let error = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => "no answer within 2 s".to_owned(),
            };
            tracing::warn!(%error, "readiness check failed");
            ApiError::Unavailable.error_response()
        }
    }
}
