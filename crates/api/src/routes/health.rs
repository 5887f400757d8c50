//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::AppState;

/// The process is up.
#[utoipa::path(responses((status = 200, description = "process is up")), tag = "health")]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database answers.
#[utoipa::path(
    responses(
        (status = 200, description = "database reachable"),
        (status = 503, description = "database unreachable")
    ),
    tag = "health"
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match engine::db::ping(state.engine.db()).await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("application/problem+json")
                .json(json!({
                    "type": "/problems/unavailable",
                    "title": "Service unavailable",
                    "status": 503,
                    "detail": "the database is not reachable"
                }))
        }
    }
}
