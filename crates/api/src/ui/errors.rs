//! Errors as pages. Handlers and guards in `/ui` return the same `ApiError` as the API;
//! this middleware turns it into HTML a person can act on: sign in (401 → the login page,
//! coming back afterwards), a page saying which role is needed (403), or what went wrong
//! and where to go next. 500s stay opaque; their cause is logged by `ApiError` itself.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use serde_json::json;

use super::session::UiSession;
use super::{login_url, render};
use crate::AppState;
use crate::error::ApiError;

pub async fn html_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Inner layers answer errors as responses (never `Err`), so the request is at hand.
    let res = next.call(req).await?;
    let page = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| error_page(res.request(), e));
    Ok(match page {
        Some(page) => res.into_response(page),
        None => res.map_into_boxed_body(),
    })
}

fn error_page(req: &HttpRequest, err: &ApiError) -> HttpResponse {
    if matches!(err, ApiError::Unauthorized) {
        let target = req
            .uri()
            .path_and_query()
            .map_or("/ui", |p| p.as_str())
            .to_owned();
        let next = if req.method() == actix_web::http::Method::GET {
            target
        } else {
            "/ui".to_owned()
        };
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, login_url(&next)))
            .finish();
    }
    // The cause of a 500 was logged when the error first became a response.
    if matches!(err, ApiError::Internal(_)) {
        return page(
            req,
            err.status_code(),
            "Something went wrong on our side",
            "The problem has been logged. Try again in a moment; if it keeps happening, tell your administrator.",
        );
    }
    if matches!(err, ApiError::Unavailable) {
        return page(
            req,
            err.status_code(),
            "Briefly unavailable",
            "The database is not answering right now, so nothing was changed. Try again in a minute.",
        );
    }
    let status = err.status_code();
    let (_, title) = err.slug_and_title();
    let session = req.extensions().get::<UiSession>().cloned();
    let detail = match err {
        ApiError::Forbidden(role) => format!(
            "This page needs the {role} role{}. Ask an admin if you need it.",
            session
                .as_ref()
                .map(|s| format!("; you are signed in as {}", s.0.user.role))
                .unwrap_or_default()
        ),
        ApiError::NotFound(what) => {
            format!("There is no such {what}. It may have been removed, or the link is mistyped.")
        }
        ApiError::TooManyRequests(secs) => {
            format!("Too many attempts from your address. Wait {secs} seconds and try again.")
        }
        other => other.to_string(),
    };
    let mut res = page(req, status, title, &detail);
    if let ApiError::TooManyRequests(secs) = err
        && let Ok(v) = header::HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn page(req: &HttpRequest, status: StatusCode, title: &str, detail: &str) -> HttpResponse {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return HttpResponse::build(status).body(detail.to_owned());
    };
    let session = req.extensions().get::<UiSession>().cloned();
    render(
        state,
        session.as_ref(),
        status,
        "ui/error.html",
        json!({ "title": title, "detail": detail }),
    )
}
