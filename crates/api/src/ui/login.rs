//! Signing in and out. Sign-in attempts are rate-limited per client address, and an
//! account locks after repeated wrong passwords (`[auth]`); the page never says whether
//! an email exists.

use std::time::Instant;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use engine::sessions::Login;
use serde::Deserialize;
use serde_json::json;

use super::session::{
    PRESESSION_COOKIE, SESSION_COOKIE, UiForm, UiSession, cookie, secure_cookies, set_cookie,
};
use super::{format, render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::security::client_ip;

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only our own pages are followed after sign-in, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if (n == "/ui" || n.starts_with("/ui/") || n.starts_with("/ui?"))
                && !n.contains("//")
                && !n.contains('\\') =>
        {
            n.to_owned()
        }
        _ => "/ui".to_owned(),
    }
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    csrf: &str,
    ctx: serde_json::Value,
) -> HttpResponse {
    let mut ctx = ctx;
    ctx["csrf"] = json!(csrf);
    ctx["title"] = json!("Sign in");
    render(state, None, status, "ui/login.html", ctx)
}

#[get("/login")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Option<UiSession>,
    query: web::Query<LoginQuery>,
) -> HttpResponse {
    let next = safe_next(query.next.as_deref());
    if session.is_some() {
        return see_other(&next);
    }
    // The form's CSRF token before there is a session: a random cookie the form repeats.
    let (token, fresh) = match cookie(&req, PRESESSION_COOKIE) {
        Some(t) => (t.to_owned(), false),
        None => (engine::credentials::new_token(), true),
    };
    let mut res = login_page(
        &state,
        StatusCode::OK,
        &token,
        json!({ "next": next, "signed_out": query.signed_out.is_some() }),
    );
    if fresh {
        let value = set_cookie(
            PRESESSION_COOKIE,
            &token,
            3600,
            secure_cookies(&req, &state),
        );
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[post("/login")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    UiForm(form): UiForm<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(ip) = client_ip(&req, &state.trusted_proxies) {
        state
            .login_limiter
            .check(ip, Instant::now())
            .map_err(ApiError::TooManyRequests)?;
    }
    let csrf = cookie(&req, PRESESSION_COOKIE)
        .unwrap_or_default()
        .to_owned();
    let next = safe_next(Some(&form.next));
    let mut errors = serde_json::Map::new();
    if form.email.trim().is_empty() {
        errors.insert("email".into(), json!("Enter your email address."));
    }
    if form.password.is_empty() {
        errors.insert("password".into(), json!("Enter your password."));
    }
    if !errors.is_empty() {
        return Ok(login_page(
            &state,
            crate::error::INVALID_INPUT,
            &csrf,
            json!({ "next": next, "email": form.email, "errors": errors }),
        ));
    }
    match state.engine.login(&form.email, &form.password).await? {
        Login::SignedIn { token, session } => {
            tracing::info!(user_id = %session.user.id, "signed in to the web UI");
            let secure = secure_cookies(&req, &state);
            let max_age = i64::from(state.engine.auth_settings().session_max_hours) * 3600;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .append_header((
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &token, max_age, secure),
                ))
                .append_header((
                    header::SET_COOKIE,
                    set_cookie(PRESESSION_COOKIE, "", 0, secure),
                ))
                .finish())
        }
        Login::Refused => Ok(login_page(
            &state,
            ApiError::Unauthorized.status_code(),
            &csrf,
            json!({
                "next": next,
                "email": form.email,
                "problem": "That email and password do not match an active account. Check both and try again.",
            }),
        )),
        Login::Locked { until } => Ok(login_page(
            &state,
            ApiError::AccountLocked(format::datetime(until)).status_code(),
            &csrf,
            json!({
                "next": next,
                "email": form.email,
                "problem": format!(
                    "Too many wrong passwords: this account is locked until {}. Try again then, or ask an admin to unlock it.",
                    format::datetime(until)
                ),
            }),
        )),
    }
}

#[post("/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = cookie(&req, SESSION_COOKIE) {
        state.engine.logout(token).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/ui/login?signed_out=1"))
        .append_header((
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, secure_cookies(&req, &state)),
        ))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_our_own_pages_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/ui/cases?status=review")),
            "/ui/cases?status=review"
        );
        assert_eq!(safe_next(Some("https://evil.example/ui")), "/ui");
        assert_eq!(safe_next(Some("//evil.example")), "/ui");
        assert_eq!(safe_next(Some("/ui//evil.example")), "/ui");
        assert_eq!(safe_next(Some("/uix")), "/ui");
        assert_eq!(safe_next(None), "/ui");
    }
}
