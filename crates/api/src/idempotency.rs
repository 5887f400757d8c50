//! `Idempotency-Key` on POST: the first answer to a key is stored and replayed to any
//! repeat with the same body, so a retried request creates nothing new. Keys are scoped to
//! the calling user. Answers with a 5xx status are not stored, so the client can retry.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use futures_util::StreamExt;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::MAX_JSON_BYTES;
use engine::credentials::sha256_hex;
use engine::idempotency::Claim;

pub const HEADER: &str = "Idempotency-Key";

fn fail(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

pub async fn idempotent(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    let caller = req.extensions().get::<Caller>().cloned();
    let (key, caller) = match (req.method() == Method::POST, key, caller) {
        (true, Some(Ok(key)), Some(caller)) => (key, caller),
        (true, Some(Err(_)), Some(_)) => {
            return Ok(fail(req, ApiError::field(HEADER, "must be visible ASCII")));
        }
        // Not ours to handle: no key, not a POST, or no caller (the handler answers 401).
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    if key.is_empty() || key.len() > 255 {
        return Ok(fail(
            req,
            ApiError::field(HEADER, "must be 1-255 characters"),
        ));
    }

    // Buffer the body: it is hashed, then handed on unchanged.
    let mut payload = req.take_payload();
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > MAX_JSON_BYTES {
            return Ok(fail(req, ApiError::PayloadTooLarge(MAX_JSON_BYTES)));
        }
        bytes.extend_from_slice(&chunk);
    }
    let bytes = bytes.freeze();
    let mut fingerprint = format!("{} {}\n", req.method(), req.path()).into_bytes();
    fingerprint.extend_from_slice(&bytes);
    let request_hash = sha256_hex(&fingerprint);

    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let engine = &state.engine;
    let user_id = caller.0.id;
    match engine
        .claim_idempotency_key(user_id, &key, &request_hash)
        .await
        .map_err(ApiError::from)?
    {
        Claim::Fresh => {}
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                "application/problem+json"
            };
            let res = HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, content_type))
                .insert_header(("Idempotent-Replayed", "true"))
                .body(body);
            return Ok(req.into_response(res));
        }
        Claim::InProgress => {
            return Ok(fail(
                req,
                ApiError::Conflict {
                    detail: "a request with this Idempotency-Key is still being processed".into(),
                    current_state: None,
                },
            ));
        }
        Claim::Mismatch => {
            return Ok(fail(
                req,
                ApiError::field(HEADER, "was already used with a different request"),
            ));
        }
    }

    req.set_payload(Payload::from(bytes));
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            let _ = engine.release_idempotency_key(user_id, &key).await;
            return Err(e);
        }
    };
    let status = res.status();
    let (http_req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    let body = match body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            let _ = engine.release_idempotency_key(user_id, &key).await;
            return Ok(ServiceResponse::new(
                http_req,
                ApiError::Internal("response body could not be buffered".into()).error_response(),
            ));
        }
    };
    if status.is_server_error() {
        engine
            .release_idempotency_key(user_id, &key)
            .await
            .map_err(ApiError::from)?;
    } else {
        engine
            .complete_idempotency_key(
                user_id,
                &key,
                status.as_u16(),
                String::from_utf8_lossy(&body).into_owned(),
            )
            .await
            .map_err(ApiError::from)?;
    }
    let response = head.set_body(body).map_into_boxed_body();
    Ok(ServiceResponse::new(http_req, response))
}
