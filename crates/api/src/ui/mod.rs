//! The staff web UI under `/ui`: server-rendered pages for ops leads, HR reviewers and
//! admins, signed in with a password and a session cookie. No JavaScript; every change is
//! a CSRF-checked form POST answered with a redirect (and a one-shot flash message), or
//! with the form again, its errors beside the fields and the input kept.
//!
//! Role rules are the API's: the session middleware stores the same `Caller` the bearer
//! middleware does, and handlers take the same guards (`Ops`, `Hr`, `Staff`, `Admin`).

mod account;
mod admin;
mod bars;
mod cases;
mod chart;
mod engagements;
mod errors;
mod format;
mod history_chart;
mod insights;
mod login;
mod privacy;
mod profile;
mod providers;
mod pulse_chart;
mod report;
mod scatter;
pub(crate) mod session;
mod setup;
mod templates;
mod webhooks;

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use engine::EngineError;
use engine::cases::Limits;
use engine::domain::{Role, User};
use serde_json::{Value, json};

use crate::error::{ApiError, FieldError};
use crate::{AppState, security};
use session::UiSession;

/// Largest form accepted (a decision rationale of 5,000 characters fits many times over).
const MAX_FORM_BYTES: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/ui")
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .wrap(from_fn(session::load))
            .wrap(from_fn(errors::html_errors))
            .wrap(from_fn(security::security_headers))
            .route("", web::get().to(home))
            .route("/", web::get().to(home))
            .service(login::show)
            .service(login::oidc_start)
            .service(login::oidc_callback)
            .service(account::show)
            .service(account::change)
            .service(setup::show)
            .service(setup::submit)
            .service(login::submit)
            .service(login::logout)
            .service(cases::list)
            .service(cases::new_case)
            .service(cases::create)
            .service(report::review)
            .service(report::csv)
            .service(report::show)
            .service(report::decide)
            .service(cases::show)
            .service(cases::add_reference)
            .service(cases::nominate)
            .service(cases::request_self_assessment)
            .service(cases::launch)
            .service(cases::cancel)
            .service(cases::close)
            .service(cases::resend)
            .service(cases::invite)
            .service(cases::withdraw)
            .service(engagements::list)
            .service(engagements::show)
            .service(engagements::add_stakeholder)
            .service(engagements::add_provider_contact)
            .service(engagements::start_pulse)
            .service(engagements::end)
            .service(providers::list)
            .service(providers::new_provider)
            .service(providers::create)
            .service(providers::show)
            .service(insights::calibration)
            .service(insights::responses)
            .service(profile::show)
            .service(profile::update)
            .service(admin::users)
            .service(admin::create_user)
            .service(admin::change_role)
            .service(admin::set_password)
            .service(admin::deactivate)
            .service(admin::reactivate)
            .service(admin::break_glass)
            .service(admin::tokens)
            .service(admin::create_token)
            .service(admin::revoke_token)
            .service(admin::create_scim_token)
            .service(admin::revoke_scim_token)
            .service(admin::jobs)
            .service(admin::retry_job)
            .service(templates::list)
            .service(webhooks::webhooks)
            .service(webhooks::create_webhook)
            .service(webhooks::retry_delivery)
            .service(webhooks::deliveries)
            .service(webhooks::rotate_webhook)
            .service(webhooks::test_webhook)
            .service(webhooks::enable_webhook)
            .service(webhooks::disable_webhook)
            .service(webhooks::delete_webhook)
            .service(privacy::show)
            .service(privacy::lookup)
            .service(privacy::download)
            .service(privacy::erase)
            .service(privacy::place_hold)
            .service(privacy::release_hold)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound("page"))
            })),
    );
}

/// `/ui`: each role's starting page.
async fn home(session: UiSession) -> HttpResponse {
    let to = match session.0.user.role {
        Role::Hr => "/ui/review",
        Role::Ops | Role::Admin => "/ui/cases",
    };
    see_other(to)
}

pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// The sign-in page, returning to `next` afterwards.
pub(crate) fn login_url(next: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/ui/login?next={next}")
}

/// What the pages need to know about the signed-in person.
fn me(user: &User) -> Value {
    let admin = user.role == Role::Admin;
    json!({
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "is_admin": admin,
        "can_ops": admin || user.role == Role::Ops,
        "can_hr": admin || user.role == Role::Hr,
    })
}

/// Renders a staff page: the page's own fields plus `me`, `csrf` and `flash`.
pub(crate) fn render(
    state: &AppState,
    session: Option<&UiSession>,
    status: StatusCode,
    template: &str,
    page: Value,
) -> HttpResponse {
    let mut ctx = json!({});
    if let Some(s) = session {
        ctx["me"] = me(&s.0.user);
        ctx["csrf"] = json!(s.0.csrf_token);
        if let Some(flash) = &s.0.flash {
            let (kind, text) = flash.split_once(':').unwrap_or(("ok", flash));
            ctx["flash"] = json!({ "kind": kind, "text": text });
        }
    }
    if let (Some(ctx), Value::Object(page)) = (ctx.as_object_mut(), page) {
        ctx.extend(page);
    }
    state.pages.render(status, template, ctx)
}

/// A 200 page.
pub(crate) fn page(
    state: &AppState,
    session: &UiSession,
    template: &str,
    ctx: Value,
) -> HttpResponse {
    render(state, Some(session), StatusCode::OK, template, ctx)
}

/// Leaves a message for the next page and redirects there.
pub(crate) async fn flash_redirect(
    state: &AppState,
    session: &UiSession,
    ok: bool,
    message: &str,
    location: &str,
) -> Result<HttpResponse, ApiError> {
    let kind = if ok { "ok" } else { "error" };
    state
        .engine
        .accounts()
        .set_flash(session.0.id, &format!("{kind}:{message}"))
        .await?;
    Ok(see_other(location))
}

/// The answer to a button press: back to `location` with the message `done` makes of the
/// result on success, or with the reason it could not be done (a move the state does not
/// allow, a broken rule). Anything else is a real error.
pub(crate) async fn after_action<T>(
    state: &AppState,
    session: &UiSession,
    result: Result<T, EngineError>,
    done: impl FnOnce(&T) -> String,
    location: &str,
) -> Result<HttpResponse, ApiError> {
    match result {
        Ok(value) => flash_redirect(state, session, true, &done(&value), location).await,
        Err(
            e @ (EngineError::InvalidState { .. }
            | EngineError::Conflict(_)
            | EngineError::Validation { .. }
            | EngineError::Gone(_)),
        ) => flash_redirect(state, session, false, &not_done(&e), location).await,
        Err(e) => Err(e.into()),
    }
}

/// A refused action in words.
fn not_done(err: &EngineError) -> String {
    match err {
        EngineError::InvalidState { action, current } => format!(
            "Not done: you cannot {action} a {} that is {}.",
            current.entity(),
            format::status_word(current.as_str())
        ),
        EngineError::Validation { message, .. } => format!("Not done: {message}."),
        other => format!("Not done: {other}."),
    }
}

/// Field errors keyed by field name, for templates (`errors.email`).
pub(crate) fn errors_by_field(errors: &[FieldError]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in errors {
        out.entry(e.field.clone())
            .or_insert_with(|| format::sentence(&e.message));
    }
    out
}

/// Runs validator's rules of an API request body, as field errors.
pub(crate) fn check(value: &impl validator::Validate) -> Vec<FieldError> {
    value
        .validate()
        .err()
        .map(|e| crate::extract::flatten(&e, ""))
        .unwrap_or_default()
}

/// An optional form field: blank means absent.
pub(crate) fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// A whole-number form field within the engine's `limits`; blank means unset (the
/// engine's default). Checked here as well so that a form shows every error at once.
pub(crate) fn number_field(
    field: &str,
    value: &str,
    limits: Limits,
    errors: &mut Vec<FieldError>,
) -> Option<i32> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse::<i32>().map(|n| limits.check(field, Some(n))) {
        Ok(Ok(n)) => Some(n),
        _ => {
            errors.push(FieldError {
                field: field.to_owned(),
                message: format!("enter a whole number from {} to {}", limits.min, limits.max),
            });
            None
        }
    }
}
