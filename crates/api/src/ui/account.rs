//! `/ui/account/password`: a signed-in staff member changes their own password (the
//! current one is required; their other sessions end). Wrong current passwords lock the
//! form like sign-in (429 while locked).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::json;

use super::admin::password_problem;
use super::session::{UiForm, UiSession};
use super::{errors_by_field, flash_redirect, render};
use crate::AppState;
use crate::error::{ApiError, FieldError};

fn password_page(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    errors: &[FieldError],
) -> HttpResponse {
    render(
        state,
        Some(session),
        status,
        "ui/account_password.html",
        json!({
            "title": "Change your password",
            "has_password": true,
            "errors": errors_by_field(errors),
        }),
    )
}

#[get("/account/password")]
pub async fn show(state: web::Data<AppState>, session: UiSession) -> HttpResponse {
    password_page(&state, &session, StatusCode::OK, &[])
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

/// Throttled like sign-in (`login::admit_password_attempt`), and wrong current passwords
/// count towards the account's sign-in lockout: a session left open must not be a way to
/// guess the password at leisure. Locked, the answer is 429 whatever was typed.
#[post("/account/password")]
pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: UiSession,
    UiForm(form): UiForm<PasswordForm>,
) -> Result<HttpResponse, ApiError> {
    let _in_progress = super::login::admit_password_attempt(&req, &state)?;
    let mut errors = Vec::new();
    if form.current_password.is_empty() {
        errors.push(FieldError {
            field: "current_password".into(),
            message: "enter your current password".into(),
        });
    }
    if let Some(message) = password_problem(&form.new_password) {
        errors.push(FieldError {
            field: "new_password".into(),
            message,
        });
    }
    if !errors.is_empty() {
        return Ok(password_page(
            &state,
            &session,
            crate::error::INVALID_INPUT,
            &errors,
        ));
    }
    let user = &session.0.user;
    match state
        .engine
        .accounts()
        .change_own_password(
            user.id,
            session.0.id,
            &form.current_password,
            &form.new_password,
        )
        .await
    {
        Ok(()) => {
            flash_redirect(
                &state,
                &session,
                true,
                "Password changed. Everywhere else you were signed in, you are signed out.",
                "/ui",
            )
            .await
        }
        Err(engine::EngineError::Validation { field, message }) => {
            let errors = [FieldError { field, message }];
            Ok(password_page(
                &state,
                &session,
                crate::error::INVALID_INPUT,
                &errors,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
