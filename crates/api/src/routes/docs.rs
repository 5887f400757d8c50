//! The OpenAPI document of this API.

use std::sync::LazyLock;

use actix_web::{HttpResponse, get};
use utoipa::OpenApi;

use crate::ApiDoc;

/// Generated once: the document only changes with the binary.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI document serializes")
});

/// This document (OpenAPI 3.1). No token needed.
#[utoipa::path(
    responses((status = 200, body = Object, description = "the OpenAPI document")),
    tag = "docs"
)]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}
