//! Bearer-token authentication for the staff API and the role rules of API.md.
//!
//! `authenticate` resolves the token once per request and leaves the `Caller` in the
//! request extensions; handlers name the roles they admit by the guard they extract
//! (`Ops`, `Hr`, `Staff`, `Admin`, or `Caller` for any role). `admin` passes every guard.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use engine::domain::{Role, User};

use crate::AppState;
use crate::error::ApiError;

/// The authenticated staff member making the request.
#[derive(Clone, Debug)]
pub struct Caller(pub User);

fn caller_from(req: &HttpRequest) -> Result<User, ApiError> {
    req.extensions()
        .get::<Caller>()
        .map(|c| c.0.clone())
        .ok_or(ApiError::Unauthorized)
}

/// Extractors that admit a caller with one of the listed roles (or `admin`). They run
/// before the body is read, so an unauthorised caller gets 401/403, never a 422.
macro_rules! role_guard {
    ($(#[$meta:meta])* $name:ident, $label:literal, [$($role:expr),*]) => {
        $(#[$meta])*
        pub struct $name(
            // Handlers that only check the role leave it unread.
            #[allow(dead_code)] pub User,
        );

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, Self::Error>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(caller_from(req).and_then(|user| {
                    let allowed: &[Role] = &[$($role),*];
                    if user.role == Role::Admin || allowed.contains(&user.role) {
                        Ok($name(user))
                    } else {
                        Err(ApiError::Forbidden($label))
                    }
                }))
            }
        }
    };
}

role_guard!(
    /// admin or ops: providers, cases, references and their lifecycle.
    Ops, "ops", [Role::Ops]
);
role_guard!(
    /// admin or hr: decisions.
    Hr, "hr", [Role::Hr]
);
role_guard!(
    /// admin, ops or hr: reading cases, providers and reports.
    Staff, "ops or hr", [Role::Ops, Role::Hr]
);
role_guard!(
    /// admin only: profile changes, templates, jobs.
    Admin, "admin", []
);

fn bearer(req: &ServiceRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Middleware: looks up the bearer token, if any, and stores the caller. It never rejects;
/// the `Caller` extractor answers 401 where a caller is needed.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(token) = bearer(&req) {
        let state = req
            .app_data::<web::Data<AppState>>()
            .expect("AppState is registered")
            .clone();
        if let Some(user) = state
            .engine
            .accounts()
            .authenticate_token(token)
            .await
            .map_err(ApiError::from)?
        {
            req.extensions_mut().insert(Caller(user));
        }
    }
    next.call(req).await
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(caller_from(req).map(Caller))
    }
}
