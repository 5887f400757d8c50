//! One log line per request: method, route pattern, status and latency. The pattern (e.g.
//! `/r/{token}`) is logged instead of the path so that tokens never reach the logs.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.match_pattern().unwrap_or_else(|| "<unmatched>".into());
    let res = next.call(req).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match &res {
        Ok(r) => tracing::info!(
            %method,
            route,
            status = r.status().as_u16(),
            latency_ms = format_args!("{latency_ms:.2}"),
            "request"
        ),
        Err(e) => {
            tracing::warn!(%method, route, error = %e, latency_ms = format_args!("{latency_ms:.2}"), "request failed")
        }
    }
    res
}
