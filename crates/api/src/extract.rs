//! Request extractors for the API. `ValidJson<T>` and `ValidQuery<T>`, unlike actix's
//! `Json` and `Query`, name the offending field for wrong types and unknown fields (via
//! serde_path_to_error), run the `validator` rules, and answer every failure as
//! problem+json.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, FieldError};

/// Largest JSON body the API accepts.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
            });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = body.await.map_err(body_error)?;
            parse_valid(&bytes).map(ValidJson)
        })
    }
}

/// A JSON body that may be left out: `None` when the body is empty (or only whitespace),
/// whatever its content type. A body that is there must be valid, as with `ValidJson`.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body.await.map_err(body_error)?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            parse_valid(&bytes).map(|v| OptionalJson(Some(v)))
        })
    }
}

/// actix's own answer to a body it could not read is plain text; the API's is a problem.
fn body_error(e: actix_web::Error) -> ApiError {
    if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(MAX_JSON_BYTES)
    } else {
        ApiError::BadRequest("the request body could not be read".into())
    }
}

fn parse_valid<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = parse::<T>(bytes)?;
    value
        .validate()
        .map_err(|errs| ApiError::Validation(flatten(&errs, "")))?;
    Ok(value)
}

/// The query string, deserialized with the offending parameter named on failure.
pub struct ValidQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string().as_bytes();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query));
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(ValidQuery)
                .map_err(|err| {
                    let field = err.path().to_string();
                    let message = err.into_inner().to_string();
                    let field = match (field.as_str(), backticked(&message)) {
                        (".", Some(name)) => name.to_owned(),
                        (".", None) => "query".to_owned(),
                        (f, _) => f.to_owned(),
                    };
                    ApiError::field(field, message)
                }),
        )
    }
}

/// Deserializes `bytes`, turning serde's errors into a 400 (not JSON at all) or a 422 that
/// names the field (JSON of the wrong shape).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = inner.to_string();
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_owned();
                // serde reports a missing field at its parent object; name the field.
                let field = match (path.as_str(), backticked(&message)) {
                    (".", Some(name)) if message.starts_with("missing field") => name.to_owned(),
                    (parent, Some(name)) if message.starts_with("missing field") => {
                        format!("{parent}.{name}")
                    }
                    (p, _) => p.to_owned(),
                };
                ApiError::field(field, message)
            }
            _ => ApiError::BadRequest(format!("the request body is not valid JSON: {inner}")),
        }
    })
}

fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Flattens validator's nested errors into `field`/`message` pairs with dotted paths.
pub fn flatten(errors: &ValidationErrors, prefix: &str) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(errs) => {
                for e in errs {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe(&e.code));
                    out.push(FieldError {
                        field: path.clone(),
                        message,
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => out.extend(flatten(inner, &path)),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    out.extend(flatten(inner, &format!("{path}[{i}]")));
                }
            }
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn describe(code: &str) -> String {
    match code {
        "email" => "must be a valid email address".into(),
        "url" => "must be a valid URL".into(),
        "length" => "has the wrong length".into(),
        "range" => "is out of range".into(),
        other => other.replace('_', " "),
    }
}

/// validator rule: rejects strings that are empty once trimmed.
pub fn not_blank(value: &str) -> Result<(), validator::ValidationError> {
    if value.trim().is_empty() {
        let mut e = validator::ValidationError::new("blank");
        e.message = Some("must not be blank".into());
        return Err(e);
    }
    Ok(())
}
