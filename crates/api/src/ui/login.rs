//! Signing in and out. Sign-in attempts are rate-limited per client address and capped
//! in number at once (429 past either); wrong passwords lock an account for unknown
//! browsers (device cookies, see the engine's `sessions`); the page never says whether an
//! email exists, nor whether an account is locked.

use std::time::Instant;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use engine::oidc::OidcError;
use engine::sessions::Login;
use serde::Deserialize;
use serde_json::json;

use super::session::{
    SESSION_COOKIE, UiForm, UiSession, cookie, presession_token, secure_cookies, set_cookie,
    set_presession_cookie,
};
use super::{render, see_other};
use crate::AppState;
use crate::error::ApiError;
use crate::security::client_ip;

/// The known-browser cookie (OWASP "device cookies").
pub const DEVICE_COOKIE: &str = "vouch_device";

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
    ctx["sso_provider"] = json!(state.engine.accounts().oidc_provider_name());
    ctx["local_login"] = json!(state.engine.auth_settings().local_login);
    let next: String = ctx
        .get("next")
        .and_then(|n| n.as_str())
        .map(|n| form_urlencoded::byte_serialize(n.as_bytes()).collect())
        .unwrap_or_default();
    ctx["sso_href"] = json!(format!("/ui/login/oidc?next={next}"));
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
    login_with_form(
        &req,
        &state,
        StatusCode::OK,
        json!({ "next": next, "signed_out": query.signed_out.is_some() }),
    )
}

/// The sign-in page with a working password form: the form's CSRF token before there is
/// a session is a random cookie the form repeats (made here when the browser has none).
fn login_with_form(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    ctx: serde_json::Value,
) -> HttpResponse {
    let (token, fresh) = match presession_token(req, state) {
        Some(t) => (t.to_owned(), false),
        None => (engine::credentials::new_token(), true),
    };
    let mut res = login_page(state, status, &token, ctx);
    if fresh {
        let value = set_presession_cookie(req, state, &token, 3600);
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// What every form that checks a password asks first (sign-in, changing one's own
/// password): the client's rate (`limits.login_attempts_per_minute`, one bucket for both
/// forms, so switching forms buys no guesses), then a place among the password checks in
/// progress (`auth.max_concurrent_sign_ins`; the checks among them run a few at a time
/// on the bounded blocking pool): 429 past either, at once rather than a queue that grows
/// with a flood. The permit is held until the answer is made.
pub(super) fn admit_password_attempt(
    req: &HttpRequest,
    state: &AppState,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    if let Some(ip) = client_ip(req, &state.trusted_proxies) {
        state
            .login_limiter
            .check(ip, Instant::now())
            .map_err(ApiError::TooManyRequests)?;
    }
    state.sign_in_gate.clone().try_acquire_owned().map_err(|_| {
        metrics::counter!("vouch_sign_ins_turned_away_total").increment(1);
        ApiError::TooManyRequests(1)
    })
}

#[post("/login")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    UiForm(form): UiForm<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let _in_progress = admit_password_attempt(&req, &state)?;
    let csrf = presession_token(&req, &state)
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
    let device = cookie(&req, DEVICE_COOKIE);
    match state
        .engine
        .accounts()
        .login(&form.email, &form.password, device)
        .await?
    {
        Login::SignedIn {
            token,
            session,
            device,
        } => {
            tracing::info!(user_id = %session.user.id, "signed in to the web UI");
            let secure = secure_cookies(&req, &state);
            let max_age = i64::from(state.engine.auth_settings().session_max_hours) * 3600;
            let device_age = i64::from(state.engine.auth_settings().device_cookie_days) * 86400;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .append_header((
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &token, max_age, secure),
                ))
                .append_header((
                    header::SET_COOKIE,
                    set_presession_cookie(&req, &state, "", 0),
                ))
                .append_header((
                    header::SET_COOKIE,
                    device_cookie(&device, device_age, secure),
                ))
                .finish())
        }
        // One answer for every refusal, and nothing typed is echoed: the page for an
        // unknown email is byte for byte the page for a wrong password or a lockout.
        Login::Refused => Ok(login_page(
            &state,
            ApiError::Unauthorized.status_code(),
            &csrf,
            json!({
                "next": next,
                "problem": "That email and password do not match an account that may sign in now. Check both and try again, or ask your Vouch admin.",
            }),
        )),
    }
}

/// The device cookie: sent back only to the sign-in form, for as long as the browser
/// stays known.
fn device_cookie(value: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{DEVICE_COOKIE}={value}; Path=/ui/login; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    )
}

#[post("/logout")]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Option<UiSession>,
) -> Result<HttpResponse, ApiError> {
    let signed_out = format!("{}/ui/login?signed_out=1", public_base(&state));
    // A single sign-on session also ends at the provider, when it offers that.
    let at_provider = match &session {
        Some(s) => {
            state
                .engine
                .accounts()
                .oidc_end_session_url(s.0.user.id, &signed_out)
                .await?
        }
        None => None,
    };
    if let Some(token) = cookie(&req, SESSION_COOKIE) {
        state.engine.accounts().logout(token).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            at_provider.unwrap_or_else(|| "/ui/login?signed_out=1".to_owned()),
        ))
        .append_header((
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, secure_cookies(&req, &state)),
        ))
        .finish())
}

fn public_base(state: &AppState) -> &str {
    state.settings.public_url.trim_end_matches('/')
}

/// The flow cookie of a single sign-on in progress: only the callback reads it.
const OIDC_COOKIE: &str = "vouch_oidc";

fn oidc_cookie(value: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{OIDC_COOKIE}={value}; Path=/ui/login/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    )
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}/ui/login/oidc/callback", public_base(state))
}

/// `GET /ui/login/oidc`: off to the identity provider.
#[get("/login/oidc")]
pub async fn oidc_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, ApiError> {
    let next = safe_next(query.next.as_deref());
    match state
        .engine
        .accounts()
        .oidc_start(&redirect_uri(&state), &next)
        .await
    {
        Ok(start) => Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, start.location))
            .append_header((
                header::SET_COOKIE,
                oidc_cookie(&start.cookie, 600, secure_cookies(&req, &state)),
            ))
            .finish()),
        Err(e) => oidc_failure(&req, &state, e, &next),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /ui/login/oidc/callback`: back from the identity provider.
#[get("/login/oidc/callback")]
pub async fn oidc_callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let secure = secure_cookies(&req, &state);
    let result = match (&query.error, &query.code, &query.state) {
        (Some(error), _, _) => Err(OidcError::ProviderRefused(format!(
            "the provider answered `{}`",
            error.chars().take(64).collect::<String>()
        ))),
        (None, Some(code), Some(flow_state)) => {
            state
                .engine
                .accounts()
                .oidc_finish(
                    &redirect_uri(&state),
                    cookie(&req, OIDC_COOKIE),
                    flow_state,
                    code,
                )
                .await
        }
        _ => Err(OidcError::StateMismatch),
    };
    let mut res = match result {
        Ok(signed_in) => {
            tracing::info!(user_id = %signed_in.session.user.id, "signed in to the web UI by single sign-on");
            let max_age = i64::from(state.engine.auth_settings().session_max_hours) * 3600;
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, safe_next(Some(&signed_in.next))))
                .append_header((
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &signed_in.token, max_age, secure),
                ))
                .append_header((
                    header::SET_COOKIE,
                    set_presession_cookie(&req, &state, "", 0),
                ))
                .finish()
        }
        Err(e) => oidc_failure(&req, &state, e, "/ui")?,
    };
    // A flow is used once, whatever came of it.
    if let Ok(v) = header::HeaderValue::from_str(&oidc_cookie("", 0, secure)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The sign-in page again, saying what went wrong with single sign-on and what to do; the
/// password form stays usable. Database failures stay errors.
fn oidc_failure(
    req: &HttpRequest,
    state: &AppState,
    error: OidcError,
    next: &str,
) -> Result<HttpResponse, ApiError> {
    let provider = state
        .engine
        .accounts()
        .oidc_provider_name()
        .unwrap_or_else(|| "the identity provider".into());
    if !matches!(error, OidcError::Engine(_)) {
        tracing::warn!(error = %error, "single sign-on failed");
    }
    let (status, problem) = match error {
        OidcError::Engine(e) => return Err(e.into()),
        OidcError::NotConfigured => return Err(ApiError::NotFound("page")),
        OidcError::ProviderUnavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{provider} cannot be reached right now, so single sign-on is not available. Try again in a few minutes. If you have a Vouch password, you can sign in with it below."),
        ),
        OidcError::StateMismatch => (
            StatusCode::BAD_REQUEST,
            "This sign-in was not started in this browser, or it took longer than ten minutes. Start again with the button below.".to_owned(),
        ),
        OidcError::ProviderRefused(_) | OidcError::InvalidToken(_) => (
            StatusCode::UNAUTHORIZED,
            format!("{provider} did not confirm this sign-in. Start again; if it keeps happening, tell your Vouch admin."),
        ),
        OidcError::NoRole => (
            StatusCode::FORBIDDEN,
            format!("Your {provider} account does not give you a role in Vouch. Ask your admin to add you to a Vouch group."),
        ),
        OidcError::NoAccount => (
            StatusCode::FORBIDDEN,
            "There is no Vouch account for you yet. Ask your Vouch admin to create one.".to_owned(),
        ),
        OidcError::UnverifiedEmail => (
            StatusCode::FORBIDDEN,
            format!("A Vouch account has your email address, but {provider} has not verified that address, so the two were not linked. Ask your Vouch admin."),
        ),
        OidcError::AdminLinkRefused => (
            StatusCode::FORBIDDEN,
            "Your Vouch account is an admin account: it is never linked to single sign-on automatically. Sign in with your password, or ask another admin.".to_owned(),
        ),
        OidcError::Deactivated => (
            StatusCode::FORBIDDEN,
            "This Vouch account is deactivated. Ask your Vouch admin.".to_owned(),
        ),
    };
    Ok(login_with_form(
        req,
        state,
        status,
        json!({ "next": next, "problem": problem, "problem_title": "Single sign-on did not work" }),
    ))
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
