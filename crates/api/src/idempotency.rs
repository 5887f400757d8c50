//! `Idempotency-Key` on POST: the first answer to a key is stored and replayed to any
//! repeat with the same body, so a retried request creates nothing new. Keys are scoped to
//! the calling user. Answers with a 5xx status are not stored, so the client can retry.
//!
//! Two rules keep the store from handing out what its caller may not have:
//! - the caller's role is checked against the operation's before anything is looked up, so
//!   a user whose role was lowered since cannot read a stored answer of their old role;
//! - fields a handler marks as secret (`keep_out_of_replays`) are never stored: a replay
//!   answers without them. A secret is shown once, to the request that made it.

use std::collections::HashMap;

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use engine::domain::{Role, User};
use futures_util::StreamExt;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::MAX_JSON_BYTES;
use engine::credentials::sha256_hex;
use engine::idempotency::Claim;

pub const HEADER: &str = "Idempotency-Key";

/// Marks top-level JSON fields of an answer that must not be stored for replays.
#[derive(Clone, Copy)]
struct SecretFields(&'static [&'static str]);

/// Keeps `fields` of this answer out of the idempotency store: the caller gets them now,
/// a replay of the same request gets the answer without them.
pub fn keep_out_of_replays(res: &mut HttpResponse, fields: &'static [&'static str]) {
    res.extensions_mut().insert(SecretFields(fields));
}

/// The answer as stored for replays: `body` without its secret fields, or `None` when
/// they cannot be taken out (not a JSON object), in which case nothing is stored.
fn storable(body: &[u8], secret: Option<SecretFields>) -> Option<String> {
    let Some(SecretFields(fields)) = secret else {
        return Some(String::from_utf8_lossy(body).into_owned());
    };
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object_mut()?;
    for field in fields {
        object.remove(*field);
    }
    Some(value.to_string())
}

/// The roles each staff POST admits, by route pattern (empty: any staff member), with the
/// 403's wording. Built once at start-up from the OpenAPI document
/// (`openapi::post_roles`), which is generated from the same annotations that name each
/// handler's guard (tests/api/docs.rs keeps its routes equal to the registered ones), and
/// handed to this middleware as app data.
#[derive(Default)]
pub struct PostRoles(HashMap<String, (Vec<Role>, &'static str)>);

impl PostRoles {
    /// `routes`: pattern → the names of the roles its bearer requirement lists.
    pub fn new(routes: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        Self(
            routes
                .into_iter()
                .map(|(path, roles)| {
                    let parsed = roles.iter().filter_map(|r| r.parse().ok()).collect();
                    // Leaked once per route at start-up: `ApiError::Forbidden` names a
                    // static label.
                    let label: &'static str = Box::leak(roles.join(" or ").into_boxed_str());
                    (path, (parsed, label))
                })
                .collect(),
        )
    }

    /// Whether `user` may call the staff POST at `pattern`, by the rule of the role
    /// guards: `admin` passes everything. A pattern with no documented role is left to
    /// its handler (it is no operation, and its answer is a 404).
    fn admit(&self, pattern: &str, user: &User) -> Result<(), ApiError> {
        admit(&self.0, pattern, user)
    }
}

fn admit(
    roles_of: &HashMap<String, (Vec<Role>, &'static str)>,
    pattern: &str,
    user: &User,
) -> Result<(), ApiError> {
    match roles_of.get(pattern) {
        Some((roles, label))
            if !roles.is_empty() && user.role != Role::Admin && !roles.contains(&user.role) =>
        {
            Err(ApiError::Forbidden(label))
        }
        _ => Ok(()),
    }
}

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
    // Before the store is asked anything: a stored answer is only for a caller who may
    // make the request now. `match_pattern` reads the app's route map, so it names the
    // operation although routing inside this scope has not happened yet.
    let post_roles = req
        .app_data::<web::Data<PostRoles>>()
        .expect("PostRoles is registered")
        .clone();
    if let Some(pattern) = req.match_pattern()
        && let Err(e) = post_roles.admit(&pattern, &caller.0)
    {
        return Ok(fail(req, e));
    }
    if key.is_empty() || key.len() > 255 {
        return Ok(fail(
            req,
            ApiError::field(HEADER, "must be 1-255 characters"),
        ));
    }

    let bytes = match buffer_body(&mut req).await? {
        Ok(bytes) => bytes,
        Err(e) => return Ok(fail(req, e)),
    };
    let mut fingerprint = format!("{} {}\n", req.method(), req.path()).into_bytes();
    fingerprint.extend_from_slice(&bytes);
    let request_hash = sha256_hex(&fingerprint);

    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let engine = &state.engine;
    let user_id = caller.0.id;
    let claim = engine
        .idempotency()
        .claim_idempotency_key(user_id, &key, &request_hash)
        .await
        .map_err(ApiError::from)?;
    if let Some(answer) = answer_without_running(claim) {
        return Ok(req.into_response(answer));
    }
    req.set_payload(Payload::from(bytes));
    run_and_store(req, next, engine, user_id, &key).await
}

/// The whole request body (hashed, then handed on unchanged), or why it is refused.
async fn buffer_body(
    req: &mut ServiceRequest,
) -> Result<Result<web::Bytes, ApiError>, actix_web::Error> {
    let mut payload = req.take_payload();
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > MAX_JSON_BYTES {
            return Ok(Err(ApiError::PayloadTooLarge(MAX_JSON_BYTES)));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Ok(bytes.freeze()))
}

/// The answer to a key that was claimed before: its stored response, or why not; `None`
/// when the key is fresh and the request runs.
fn answer_without_running(claim: Claim) -> Option<HttpResponse> {
    match claim {
        Claim::Fresh => None,
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                "application/problem+json"
            };
            Some(
                HttpResponse::build(status)
                    .insert_header((header::CONTENT_TYPE, content_type))
                    .insert_header(("Idempotent-Replayed", "true"))
                    .body(body),
            )
        }
        Claim::InProgress => Some(
            ApiError::Conflict {
                detail: "a request with this Idempotency-Key is still being processed".into(),
                current_state: None,
            }
            .error_response(),
        ),
        Claim::Mismatch => Some(
            ApiError::field(HEADER, "was already used with a different request").error_response(),
        ),
    }
}

/// Runs the request with the key claimed, then stores its response under the key, or
/// releases the key when there is nothing to keep.
async fn run_and_store(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    engine: &engine::Engine,
    user_id: uuid::Uuid,
    key: &str,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            let _ = engine
                .idempotency()
                .release_idempotency_key(user_id, key)
                .await;
            return Err(e);
        }
    };
    let status = res.status();
    let (http_req, response) = res.into_parts();
    let secret = response.extensions().get::<SecretFields>().copied();
    let (head, body) = response.into_parts();
    let body = match body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            let _ = engine
                .idempotency()
                .release_idempotency_key(user_id, key)
                .await;
            return Ok(ServiceResponse::new(
                http_req,
                ApiError::Internal("response body could not be buffered".into()).error_response(),
            ));
        }
    };
    match storable(&body, secret) {
        Some(stored) if !status.is_server_error() => engine
            .idempotency()
            .complete_idempotency_key(user_id, key, status.as_u16(), stored)
            .await
            .map_err(ApiError::from)?,
        _ => engine
            .idempotency()
            .release_idempotency_key(user_id, key)
            .await
            .map_err(ApiError::from)?,
    }
    let response = head.set_body(body).map_into_boxed_body();
    Ok(ServiceResponse::new(http_req, response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_fields_are_left_out_of_what_is_stored() {
        let body = br#"{"id":"e1","secret":"whsec_abc","url":"https://x.example/"}"#;
        let stored = storable(body, Some(SecretFields(&["secret"]))).unwrap();
        assert!(
            !stored.contains("whsec_abc") && stored.contains("\"id\":\"e1\""),
            "{stored}"
        );
        assert_eq!(storable(b"plain", None).as_deref(), Some("plain"));
        // A marked answer that is not a JSON object is not stored at all.
        assert_eq!(
            storable(b"whsec_abc", Some(SecretFields(&["secret"]))),
            None
        );
    }
}
