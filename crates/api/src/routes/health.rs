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
    // A connection is given up after `database.acquire_timeout_ms`; this bounds a server
    // that accepts the connection and then does not answer.
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        engine::db::ping(state.engine.db()),
    )
    .await;
    match ping {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        failed => {
            let error = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => "no answer within 2 s".to_owned(),
            };
            tracing::warn!(%error, "readiness check failed");
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
