//! Browser sessions for the staff UI: the session cookie, CSRF on every unsafe request,
//! and the form body.
//!
//! `load` runs on every `/ui` request. It resolves the `vouch_session` cookie into the
//! engine's [`Session`] (and the same [`Caller`] the API's role guards read, so the UI
//! admits exactly whom the API admits), and for every POST reads the form body once and
//! refuses it unless its `csrf` field matches the session's token — or, before sign-in,
//! the pre-session cookie (double submit; `__Host-vouch_presession` when the public URL
//! is https, else `vouch_presession`). Handlers read the checked body through
//! [`UiForm`]. Because the check sits in the middleware, no form can forget it.

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use engine::sessions::Session;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "vouch_session";
/// The pre-session CSRF cookie (sign-in and setup forms) on a server reached over http.
pub const PRESESSION_COOKIE: &str = "vouch_presession";
/// Its name when `server.public_url` is https. The `__Host-` prefix makes browsers accept
/// it only if it is `Secure`, for `Path=/` and with no `Domain`, so a sibling subdomain
/// (or a man in the middle on plain http) cannot plant a token of its own choosing and
/// so defeat the double-submit check before sign-in.
pub const HOST_PRESESSION_COOKIE: &str = "__Host-vouch_presession";

/// The signed-in session of this request.
#[derive(Clone, Debug)]
pub struct UiSession(pub Session);

/// The checked body of a POST.
#[derive(Clone)]
struct FormBody(web::Bytes);

/// The value of cookie `name` in the request, if present.
pub fn cookie<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for `/ui`: HttpOnly, SameSite=Lax, Secure when served over https.
/// `max_age` of zero deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/ui; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
}

/// The pre-session cookie's name on this server: `__Host-` prefixed when the public URL
/// is https (browsers there only ever talk https to it).
pub fn presession_cookie_name(state: &AppState) -> &'static str {
    if state.settings.public_url.starts_with("https://") {
        HOST_PRESESSION_COOKIE
    } else {
        PRESESSION_COOKIE
    }
}

/// The pre-session CSRF token the browser sent, under this server's cookie name.
pub fn presession_token<'a>(req: &'a HttpRequest, state: &AppState) -> Option<&'a str> {
    cookie(req, presession_cookie_name(state))
}

/// A `Set-Cookie` value for the pre-session cookie (`max_age` zero deletes it). Prefixed,
/// it is `Secure` for `Path=/` as `__Host-` demands; plain, it is scoped to `/ui` like the
/// session cookie.
pub fn set_presession_cookie(
    req: &HttpRequest,
    state: &AppState,
    value: &str,
    max_age_seconds: i64,
) -> String {
    match presession_cookie_name(state) {
        HOST_PRESESSION_COOKIE => format!(
            "{HOST_PRESESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}; Secure"
        ),
        name => set_cookie(name, value, max_age_seconds, secure_cookies(req, state)),
    }
}

/// Whether cookies must be `Secure`: the public URL is https, or this request came over
/// https (directly or, from a trusted proxy, by `X-Forwarded-Proto`).
pub fn secure_cookies(req: &HttpRequest, state: &AppState) -> bool {
    if state.settings.public_url.starts_with("https://") {
        return true;
    }
    let from_proxy = req
        .peer_addr()
        .is_some_and(|peer| state.trusted_proxies.contains(&peer.ip()));
    req.connection_info().scheme() == "https"
        && (from_proxy || req.headers().get("x-forwarded-proto").is_none())
}

/// Constant-time comparison, so a guessed token leaks nothing through timing.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn csrf_field(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned())
}

pub async fn load(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Failures are answered here, as responses carrying the error, so the error-page layer
    // above can render them with the request at hand.
    match check(req).await {
        Ok(req) => Ok(next.call(req).await?.map_into_left_body()),
        Err((req, err)) => Ok(req.error_response(err).map_into_right_body()),
    }
}

async fn check(mut req: ServiceRequest) -> Result<ServiceRequest, (ServiceRequest, ApiError)> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let token = cookie(req.request(), SESSION_COOKIE).map(str::to_owned);
    let session = match token {
        Some(token) => match state.engine.accounts().session(&token).await {
            Ok(session) => session,
            Err(e) => return Err((req, e.into())),
        },
        None => None,
    };
    // Signing out of a session that has already ended changes nothing, so it needs no token
    // (and an expired session's "Sign out" button keeps working).
    let nothing_to_end = session.is_none() && req.path() == "/ui/logout";
    if req.method() != Method::GET && req.method() != Method::HEAD && !nothing_to_end {
        let body = match req.extract::<web::Bytes>().await {
            Ok(body) => body,
            Err(e) => {
                let err = if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(super::MAX_FORM_BYTES)
                } else {
                    ApiError::BadRequest("the form could not be read".into())
                };
                return Err((req, err));
            }
        };
        let expected = match &session {
            Some(s) => Some(s.csrf_token.clone()),
            None => presession_token(req.request(), &state).map(str::to_owned),
        };
        let sent = csrf_field(&body);
        match (expected, sent) {
            (Some(expected), Some(sent)) if same(&expected, &sent) => {}
            _ => return Err((req, ApiError::CsrfRejected)),
        }
        req.extensions_mut().insert(FormBody(body));
    }
    if let Some(session) = session {
        // A flash is shown once: the page rendered now carries it, the next one does not.
        if session.flash.is_some()
            && req.method() == Method::GET
            && let Err(e) = state.engine.accounts().clear_flash(session.id).await
        {
            return Err((req, e.into()));
        }
        req.extensions_mut().insert(Caller(session.user.clone()));
        req.extensions_mut().insert(UiSession(session));
    }
    Ok(req)
}

impl FromRequest for UiSession {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<UiSession>()
                .cloned()
                .ok_or(ApiError::Unauthorized),
        )
    }
}

/// The CSRF-checked form of a POST, parsed into `T` (unknown fields are ignored, so `T`
/// need not name `csrf`). A body that does not fit `T` is a 400; field rules are checked
/// by the handler, which re-renders the form with the messages.
pub struct UiForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest for UiForm<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = req
            .extensions()
            .get::<FormBody>()
            .ok_or_else(|| ApiError::BadRequest("the form is missing".into()))
            .and_then(|body| {
                serde_urlencoded::from_bytes::<T>(&body.0)
                    .map_err(|e| ApiError::BadRequest(format!("the form could not be read: {e}")))
            });
        ready(parsed.map(UiForm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_by_value_and_length() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }

    #[test]
    fn csrf_is_read_from_an_urlencoded_body() {
        assert_eq!(csrf_field(b"a=1&csrf=x%2By&b=2").as_deref(), Some("x+y"));
        assert_eq!(csrf_field(b"a=1"), None);
    }

    #[test]
    fn session_cookie_is_httponly_lax_and_secure_on_https() {
        let c = set_cookie(SESSION_COOKIE, "t", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("Secure"));
        assert!(!set_cookie(SESSION_COOKIE, "t", 60, false).contains("Secure"));
    }
}
