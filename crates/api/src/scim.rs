//! `/scim/v2`: SCIM 2.0 (RFC 7643/7644) for the company's identity provider. It is not
//! part of the `/api/v1` JSON API and not in its OpenAPI document: SCIM describes itself
//! (`ServiceProviderConfig`, `ResourceTypes`, `Schemas`), has its own media type
//! (`application/scim+json`), error body and auth (a SCIM token, not a staff token).
//!
//! Errors are mapped to a status and `scimType` in one place, [`ScimFailure`]; the
//! discovery endpoints are public, everything else needs a live SCIM token. Every request
//! counts against `limits.scim_requests_per_minute` per client address.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use engine::EngineError;
use engine::scim::provision::Page;
use engine::scim::resource::{GroupInput, UserInput};
use engine::scim::{ERROR_SCHEMA, LIST_SCHEMA, ScimError, schema};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::security::client_ip;

pub const MEDIA_TYPE: &str = "application/scim+json";
/// Bodies larger than this are refused (413): a group PUT with a few thousand members fits.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A failed SCIM request, answered with the RFC 7644 §3.12 error body.
#[derive(Debug, thiserror::Error)]
pub enum ScimFailure {
    #[error(transparent)]
    Scim(#[from] ScimError),
    #[error("a SCIM bearer token is needed (vouch admin create-scim-token)")]
    Unauthorized,
    #[error("the body must be application/scim+json (or application/json)")]
    UnsupportedMediaType,
    #[error("the body is not JSON: {0}")]
    Malformed(String),
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("too many requests; try again in {0} s")]
    TooManyRequests(u64),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this resource is read-only")]
    MethodNotAllowed,
}

impl From<EngineError> for ScimFailure {
    fn from(e: EngineError) -> Self {
        ScimFailure::Scim(ScimError::Engine(e))
    }
}

impl ScimFailure {
    /// The status and `scimType` of each failure.
    fn parts(&self) -> (StatusCode, Option<&'static str>) {
        use ScimError as S;
        match self {
            ScimFailure::Unauthorized => (StatusCode::UNAUTHORIZED, None),
            // RFC 7644 names no scimType for a wrong media type; 415 says what is wrong.
            ScimFailure::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, None),
            ScimFailure::Malformed(_) => (StatusCode::BAD_REQUEST, Some("invalidSyntax")),
            ScimFailure::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, None),
            ScimFailure::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, None),
            ScimFailure::NotFound(_) => (StatusCode::NOT_FOUND, None),
            ScimFailure::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, None),
            ScimFailure::Scim(e) => match e {
                S::InvalidFilter(_) => (StatusCode::BAD_REQUEST, Some("invalidFilter")),
                S::InvalidPath(_) => (StatusCode::BAD_REQUEST, Some("invalidPath")),
                S::InvalidValue(_) => (StatusCode::BAD_REQUEST, Some("invalidValue")),
                S::InvalidSyntax(_) => (StatusCode::BAD_REQUEST, Some("invalidSyntax")),
                S::NoTarget(_) => (StatusCode::BAD_REQUEST, Some("noTarget")),
                S::Mutability(_) => (StatusCode::BAD_REQUEST, Some("mutability")),
                S::Uniqueness(_) => (StatusCode::CONFLICT, Some("uniqueness")),
                S::Conflict(_) => (StatusCode::CONFLICT, None),
                S::NotFound(_) => (StatusCode::NOT_FOUND, None),
                S::Engine(e) => match e {
                    EngineError::NotFound { .. } => (StatusCode::NOT_FOUND, None),
                    EngineError::Conflict(_) => (StatusCode::CONFLICT, None),
                    EngineError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, None),
                    _ => (StatusCode::INTERNAL_SERVER_ERROR, None),
                },
            },
        }
    }
}

impl ResponseError for ScimFailure {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, scim_type) = self.parts();
        let detail = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "SCIM request failed");
            "internal error".to_owned()
        } else {
            self.to_string()
        };
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": status.as_u16().to_string(),
            "detail": detail,
        });
        if let Some(t) = scim_type {
            body["scimType"] = json!(t);
        }
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, MEDIA_TYPE));
        if status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let ScimFailure::TooManyRequests(s) = self {
            res.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        res.body(body.to_string())
    }
}

type Answer = Result<HttpResponse, ScimFailure>;

fn scim_json(status: StatusCode, body: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, MEDIA_TYPE))
        .body(body.to_string())
}

fn base(state: &AppState) -> String {
    format!(
        "{}/scim/v2",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// The body as JSON, if its media type is SCIM's or plain JSON (RFC 7644 §3.1 names
/// `application/scim+json`; clients that send `application/json` are common).
fn json_body(req: &HttpRequest, body: &web::Bytes) -> Result<Value, ScimFailure> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match media.as_deref() {
        Some(MEDIA_TYPE | "application/json") => {}
        _ => return Err(ScimFailure::UnsupportedMediaType),
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(ScimFailure::TooLarge);
    }
    serde_json::from_slice(body).map_err(|e| ScimFailure::Malformed(e.to_string()))
}

fn id_of(raw: &str, what: &'static str) -> Result<Uuid, ScimFailure> {
    Uuid::parse_str(raw).map_err(|_| ScimFailure::NotFound(what))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): comma-separated attribute
/// paths, case-insensitive, with or without the schema URN.
#[derive(Clone, Debug, Default)]
struct Projection {
    only: Vec<String>,
    excluded: Vec<String>,
}

fn attr_names(list: &str) -> Vec<String> {
    list.split(',')
        .map(|a| {
            let a = a.trim();
            // `urn:...:User:name.givenName` is `name.givenName`.
            let a = if a.to_ascii_lowercase().starts_with("urn:") {
                a.rsplit(':').next().unwrap_or(a)
            } else {
                a
            };
            a.to_ascii_lowercase()
        })
        .filter(|a| !a.is_empty())
        .collect()
}

fn keep_subs(v: &mut Value, keep: &dyn Fn(&str) -> bool) {
    match v {
        Value::Object(o) => o.retain(|k, _| keep(&k.to_ascii_lowercase())),
        Value::Array(items) => {
            for item in items {
                if let Some(o) = item.as_object_mut() {
                    o.retain(|k, _| keep(&k.to_ascii_lowercase()));
                }
            }
        }
        _ => {}
    }
}

impl Projection {
    fn new(only: Option<&str>, excluded: Option<&str>) -> Self {
        Self {
            only: only.map(attr_names).unwrap_or_default(),
            excluded: excluded.map(attr_names).unwrap_or_default(),
        }
    }

    /// The resource with only the asked attributes; `schemas`, `id` and `meta` always stay
    /// (`id` is returned "always", and the other two say what the resource is).
    fn apply(&self, mut v: Value) -> Value {
        let Some(obj) = v.as_object_mut() else {
            return v;
        };
        let always = |k: &str| ["schemas", "id", "meta"].contains(&k);
        if !self.only.is_empty() {
            let keys: Vec<String> = obj.keys().cloned().collect();
            for key in keys {
                let lower = key.to_ascii_lowercase();
                if always(&lower) || self.only.contains(&lower) {
                    continue;
                }
                let prefix = format!("{lower}.");
                let subs: Vec<String> = self
                    .only
                    .iter()
                    .filter_map(|a| a.strip_prefix(&prefix).map(str::to_owned))
                    .collect();
                if subs.is_empty() {
                    obj.remove(&key);
                } else if let Some(value) = obj.get_mut(&key) {
                    keep_subs(value, &|k| subs.iter().any(|s| s == k));
                }
            }
        }
        for ex in &self.excluded {
            let (top, sub) = match ex.split_once('.') {
                Some((t, s)) => (t, Some(s)),
                None => (ex.as_str(), None),
            };
            if always(top) {
                continue;
            }
            let Some(key) = obj.keys().find(|k| k.eq_ignore_ascii_case(top)).cloned() else {
                continue;
            };
            match sub {
                None => {
                    obj.remove(&key);
                }
                Some(sub) => {
                    if let Some(value) = obj.get_mut(&key) {
                        keep_subs(value, &|k| k != sub);
                    }
                }
            }
        }
        v
    }
}

impl ListQuery {
    fn number(raw: &Option<String>, name: &str) -> Result<Option<i64>, ScimFailure> {
        raw.as_deref()
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ScimFailure::Scim(ScimError::InvalidValue(format!(
                        "{name} must be an integer"
                    )))
                })
            })
            .transpose()
    }
}

fn list<T>(page: Page<T>, projection: &Projection, render: impl Fn(&T) -> Value) -> HttpResponse {
    let resources: Vec<Value> = page
        .items
        .iter()
        .map(|i| projection.apply(render(i)))
        .collect();
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": page.total,
            "startIndex": page.start_index,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

async fn service_provider_config(state: web::Data<AppState>) -> HttpResponse {
    scim_json(
        StatusCode::OK,
        &schema::service_provider_config(&base(&state)),
    )
}

fn discovery_list(items: Vec<Value>) -> HttpResponse {
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": items.len(),
            "startIndex": 1,
            "itemsPerPage": items.len(),
            "Resources": items,
        }),
    )
}

fn discovery_one(items: Vec<Value>, id: &str, what: &'static str) -> Answer {
    items
        .into_iter()
        .find(|i| i["id"].as_str() == Some(id))
        .map(|i| scim_json(StatusCode::OK, &i))
        .ok_or(ScimFailure::NotFound(what))
}

async fn resource_types(state: web::Data<AppState>) -> HttpResponse {
    discovery_list(schema::resource_types(&base(&state)))
}

async fn resource_type(state: web::Data<AppState>, id: web::Path<String>) -> Answer {
    discovery_one(schema::resource_types(&base(&state)), &id, "resource type")
}

async fn schemas(state: web::Data<AppState>) -> HttpResponse {
    discovery_list(schema::schemas(&base(&state)))
}

async fn one_schema(state: web::Data<AppState>, id: web::Path<String>) -> Answer {
    discovery_one(schema::schemas(&base(&state)), &id, "schema")
}

async fn list_users(state: web::Data<AppState>, q: web::Query<ListQuery>) -> Answer {
    let page = state
        .engine
        .provisioning()
        .scim_list_users(
            q.filter.as_deref(),
            ListQuery::number(&q.start_index, "startIndex")?,
            ListQuery::number(&q.count, "count")?,
        )
        .await?;
    let base = base(&state);
    let projection = Projection::new(q.attributes.as_deref(), q.excluded_attributes.as_deref());
    Ok(list(page, &projection, |u| u.to_json(&base)))
}

async fn get_user(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<ListQuery>,
) -> Answer {
    let user = state
        .engine
        .provisioning()
        .scim_user(id_of(&id, "user")?)
        .await?;
    let projection = Projection::new(q.attributes.as_deref(), q.excluded_attributes.as_deref());
    Ok(scim_json(
        StatusCode::OK,
        &projection.apply(user.to_json(&base(&state))),
    ))
}

/// The body of `POST .../.search` (RFC 7644 §3.4.3).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchRequest {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<Vec<String>>,
    excluded_attributes: Option<Vec<String>>,
}

fn search_request(
    req: &HttpRequest,
    body: &web::Bytes,
) -> Result<(SearchRequest, Projection), ScimFailure> {
    let body = json_body(req, body)?;
    let search: SearchRequest = serde_json::from_value(body)
        .map_err(|e| ScimFailure::Scim(ScimError::InvalidValue(e.to_string())))?;
    let projection = Projection::new(
        search.attributes.as_ref().map(|a| a.join(",")).as_deref(),
        search
            .excluded_attributes
            .as_ref()
            .map(|a| a.join(","))
            .as_deref(),
    );
    Ok((search, projection))
}

async fn search_users(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Answer {
    let (search, projection) = search_request(&req, &body)?;
    let page = state
        .engine
        .provisioning()
        .scim_list_users(search.filter.as_deref(), search.start_index, search.count)
        .await?;
    let base = base(&state);
    Ok(list(page, &projection, |u| u.to_json(&base)))
}

async fn search_groups(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Answer {
    let (search, projection) = search_request(&req, &body)?;
    let page = state
        .engine
        .provisioning()
        .scim_list_groups(search.filter.as_deref(), search.start_index, search.count)
        .await?;
    let base = base(&state);
    Ok(list(page, &projection, |g| g.to_json(&base)))
}

/// `POST /.search` at the root (RFC 7644 §3.4.3): Users, then Groups, as one list. A
/// filter must suit both (`externalId eq`); others are `invalidFilter` from the resource
/// type they do not suit.
async fn search_all(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Answer {
    let (search, projection) = search_request(&req, &body)?;
    let filter = search.filter.as_deref();
    let users = state
        .engine
        .provisioning()
        .scim_list_users(filter, search.start_index, search.count)
        .await?;
    let start = users.start_index;
    let asked = search
        .count
        .unwrap_or(100)
        .clamp(0, engine::scim::MAX_RESULTS as i64);
    let room = asked - users.items.len() as i64;
    let group_start = start.saturating_sub(users.total).max(1) as i64;
    let groups = state
        .engine
        .provisioning()
        .scim_list_groups(filter, Some(group_start), Some(room))
        .await?;
    let base = base(&state);
    let mut resources: Vec<Value> = users
        .items
        .iter()
        .map(|u| projection.apply(u.to_json(&base)))
        .collect();
    resources.extend(
        groups
            .items
            .iter()
            .map(|g| projection.apply(g.to_json(&base))),
    );
    Ok(scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": users.total + groups.total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    ))
}

/// Discovery resources are read-only.
async fn method_not_allowed() -> HttpResponse {
    let mut res = ScimFailure::MethodNotAllowed.error_response();
    res.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET"));
    res
}

fn created(body: Value) -> HttpResponse {
    let location = body["meta"]["location"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    HttpResponse::Created()
        .insert_header((header::CONTENT_TYPE, MEDIA_TYPE))
        .insert_header((header::LOCATION, location))
        .body(body.to_string())
}

async fn create_user(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Answer {
    let input = UserInput::from_body(&json_body(&req, &body)?)?;
    let user = state.engine.provisioning().scim_create_user(input).await?;
    Ok(created(user.to_json(&base(&state))))
}

async fn replace_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let id = id_of(&id, "user")?;
    let input = UserInput::from_body(&json_body(&req, &body)?)?;
    let user = state
        .engine
        .provisioning()
        .scim_replace_user(id, input)
        .await?;
    Ok(scim_json(StatusCode::OK, &user.to_json(&base(&state))))
}

async fn patch_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let id = id_of(&id, "user")?;
    let body = json_body(&req, &body)?;
    let user = state
        .engine
        .provisioning()
        .scim_patch_user(id, &body)
        .await?;
    Ok(scim_json(StatusCode::OK, &user.to_json(&base(&state))))
}

async fn delete_user(state: web::Data<AppState>, id: web::Path<String>) -> Answer {
    state
        .engine
        .provisioning()
        .scim_delete_user(id_of(&id, "user")?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_groups(state: web::Data<AppState>, q: web::Query<ListQuery>) -> Answer {
    let page = state
        .engine
        .provisioning()
        .scim_list_groups(
            q.filter.as_deref(),
            ListQuery::number(&q.start_index, "startIndex")?,
            ListQuery::number(&q.count, "count")?,
        )
        .await?;
    let base = base(&state);
    let projection = Projection::new(q.attributes.as_deref(), q.excluded_attributes.as_deref());
    Ok(list(page, &projection, |g| g.to_json(&base)))
}

async fn get_group(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<ListQuery>,
) -> Answer {
    let group = state
        .engine
        .provisioning()
        .scim_group(id_of(&id, "group")?)
        .await?;
    let projection = Projection::new(q.attributes.as_deref(), q.excluded_attributes.as_deref());
    Ok(scim_json(
        StatusCode::OK,
        &projection.apply(group.to_json(&base(&state))),
    ))
}

async fn create_group(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> Answer {
    let input = GroupInput::from_body(&json_body(&req, &body)?)?;
    let group = state.engine.provisioning().scim_create_group(input).await?;
    Ok(created(group.to_json(&base(&state))))
}

async fn replace_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let id = id_of(&id, "group")?;
    let input = GroupInput::from_body(&json_body(&req, &body)?)?;
    let group = state
        .engine
        .provisioning()
        .scim_replace_group(id, input)
        .await?;
    Ok(scim_json(StatusCode::OK, &group.to_json(&base(&state))))
}

async fn patch_group(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Answer {
    let id = id_of(&id, "group")?;
    let body = json_body(&req, &body)?;
    let group = state
        .engine
        .provisioning()
        .scim_patch_group(id, &body)
        .await?;
    Ok(scim_json(StatusCode::OK, &group.to_json(&base(&state))))
}

async fn delete_group(state: web::Data<AppState>, id: web::Path<String>) -> Answer {
    state
        .engine
        .provisioning()
        .scim_delete_group(id_of(&id, "group")?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Middleware: the rate limit for every SCIM request, then a live SCIM token for all but
/// the discovery endpoints (which describe the service and hold no data).
async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    if let Some(ip) = client_ip(req.request(), &state.trusted_proxies)
        && let Err(retry_after) = state.scim_limiter.check(ip, Instant::now())
    {
        tracing::warn!("SCIM rate limit reached");
        let res = ScimFailure::TooManyRequests(retry_after).error_response();
        return Ok(req.into_response(res));
    }
    let path = req.path().trim_end_matches('/');
    let public = ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"]
        .iter()
        .any(|p| path.contains(&format!("/scim/v2{p}")));
    if !public {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        let ok = match token {
            Some(t) => state
                .engine
                .provisioning()
                .authenticate_scim_token(&t)
                .await
                .map_err(ScimFailure::from)?,
            None => false,
        };
        if !ok {
            return Ok(req.into_response(ScimFailure::Unauthorized.error_response()));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2")
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES + 1))
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                ScimFailure::Scim(ScimError::InvalidValue(e.to_string())).into()
            }))
            .wrap(from_fn(guard))
            .route(
                "/ServiceProviderConfig",
                web::get().to(service_provider_config),
            )
            .route(
                "/ServiceProviderConfig",
                web::route().to(method_not_allowed),
            )
            .route("/ResourceTypes", web::get().to(resource_types))
            .route("/ResourceTypes", web::route().to(method_not_allowed))
            .route("/ResourceTypes/{id}", web::get().to(resource_type))
            .route("/ResourceTypes/{id}", web::route().to(method_not_allowed))
            .route("/Schemas", web::get().to(schemas))
            .route("/Schemas", web::route().to(method_not_allowed))
            .route("/Schemas/{id}", web::get().to(one_schema))
            .route("/Schemas/{id}", web::route().to(method_not_allowed))
            .route("/Users", web::get().to(list_users))
            .route("/Users", web::post().to(create_user))
            .route("/.search", web::post().to(search_all))
            .route("/Users/.search", web::post().to(search_users))
            .route("/Groups/.search", web::post().to(search_groups))
            .route("/Users/{id}", web::get().to(get_user))
            .route("/Users/{id}", web::put().to(replace_user))
            .route("/Users/{id}", web::patch().to(patch_user))
            .route("/Users/{id}", web::delete().to(delete_user))
            .route("/Groups", web::get().to(list_groups))
            .route("/Groups", web::post().to(create_group))
            .route("/Groups/{id}", web::get().to(get_group))
            .route("/Groups/{id}", web::put().to(replace_group))
            .route("/Groups/{id}", web::patch().to(patch_group))
            .route("/Groups/{id}", web::delete().to(delete_group))
            .default_service(web::to(|| async {
                ScimFailure::NotFound("resource").error_response()
            })),
    );
}
