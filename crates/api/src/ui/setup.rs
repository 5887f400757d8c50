//! `/ui/setup/{token}`: the first admin's account, through the one-time link `vouch
//! serve` prints while no admin exists. A link that does not work (never existed, used,
//! expired, or an admin exists by now) is the same 404 whatever the reason.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use engine::setup::FirstAdmin;
use serde::Deserialize;
use serde_json::json;

use super::admin::password_problem;
use super::errors_by_field;
use super::session::{
    SESSION_COOKIE, UiForm, presession_token, secure_cookies, set_cookie, set_presession_cookie,
};
use crate::AppState;
use crate::error::{ApiError, FieldError};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetupForm {
    email: String,
    name: String,
    password: String,
}

fn setup_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    form: serde_json::Value,
    errors: &[FieldError],
) -> HttpResponse {
    // The form's CSRF token before there is a session, as on the sign-in page.
    let (csrf, fresh) = match presession_token(req, state) {
        Some(t) => (t.to_owned(), false),
        None => (engine::credentials::new_token(), true),
    };
    let mut res = super::render(
        state,
        None,
        status,
        "ui/setup.html",
        json!({
            "title": "Set up Vouch",
            "csrf": csrf,
            "form": form,
            "errors": errors_by_field(errors),
        }),
    );
    if fresh {
        let value = set_presession_cookie(req, state, &csrf, 3600);
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[get("/setup/{token}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state.engine.accounts().setup_token_works(&token).await? {
        return Err(ApiError::NotFound("setup link"));
    }
    Ok(setup_page(&req, &state, StatusCode::OK, json!({}), &[]))
}

#[post("/setup/{token}")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    UiForm(form): UiForm<SetupForm>,
) -> Result<HttpResponse, ApiError> {
    if !state.engine.accounts().setup_token_works(&token).await? {
        return Err(ApiError::NotFound("setup link"));
    }
    let mut errors = Vec::new();
    let mut error = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        error("name", "enter your name (at most 200 characters)");
    }
    let email = form.email.trim();
    if !validator::ValidateEmail::validate_email(&email) || email.len() > 320 {
        error("email", "must be a valid email address");
    }
    if let Some(message) = password_problem(&form.password) {
        error("password", &message);
    }
    // The password is never sent back into the page.
    let kept = json!({ "name": form.name, "email": form.email });
    if !errors.is_empty() {
        return Ok(setup_page(
            &req,
            &state,
            crate::error::INVALID_INPUT,
            kept,
            &errors,
        ));
    }
    let done = state
        .engine
        .accounts()
        .complete_setup(
            &token,
            FirstAdmin {
                email,
                name,
                password: &form.password,
            },
        )
        .await;
    let (session_token, _session) = match done {
        Ok(done) => done,
        Err(engine::EngineError::Validation { field, message }) => {
            let errors = [FieldError { field, message }];
            return Ok(setup_page(
                &req,
                &state,
                crate::error::INVALID_INPUT,
                kept,
                &errors,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let secure = secure_cookies(&req, &state);
    let max_age = i64::from(state.engine.auth_settings().session_max_hours) * 3600;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/ui/admin/users"))
        .append_header((
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, &session_token, max_age, secure),
        ))
        .append_header((
            header::SET_COOKIE,
            set_presession_cookie(&req, &state, "", 0),
        ))
        .finish())
}
