//! Admin pages: staff accounts (create, change role, deactivate and reactivate), API
//! tokens (a new token is shown once, then only its label; revoke), and the dead-letter
//! queue of failed jobs with retry.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use engine::audit::Actor;
use engine::domain::Role;
use engine::jobs::JobStatus;
use engine::users::NewUser;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::{UiForm, UiSession};
use super::{after_action, errors_by_field, flash_redirect, format, page, render};
use crate::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, FieldError};

fn roles() -> Vec<Value> {
    Role::ALL
        .iter()
        .map(|r| {
            let label = match r {
                Role::Admin => "admin — everything",
                Role::Ops => "ops — providers, cases, references",
                Role::Hr => "hr — reports and decisions",
            };
            json!({ "value": r, "label": label })
        })
        .collect()
}

async fn users_page(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    form: Value,
    errors: &[FieldError],
) -> Result<HttpResponse, ApiError> {
    let accounts: Vec<Value> = state
        .engine
        .accounts()
        .list_accounts()
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "id": a.user.id,
                "name": a.user.name,
                "email": a.user.email,
                "role": a.user.role,
                "active": a.user.active,
                "has_password": a.has_password,
                "locked_until": a.locked_until.map(format::datetime),
                "break_glass": a.break_glass,
                "is_me": a.user.id == session.0.user.id,
            })
        })
        .collect();
    Ok(render(
        state,
        Some(session),
        status,
        "ui/admin_users.html",
        json!({
            "title": "Users",
            "nav": "users",
            "accounts": accounts,
            "roles": roles(),
            "form": form,
            "errors": errors_by_field(errors),
        }),
    ))
}

#[get("/admin/users")]
pub async fn users(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    users_page(
        &state,
        &session,
        StatusCode::OK,
        json!({ "role": "ops" }),
        &[],
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    name: String,
    email: String,
    role: String,
    password: String,
}

#[post("/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
    UiForm(form): UiForm<UserForm>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        error("name", "enter the person's name (at most 200 characters)");
    }
    let email = form.email.trim();
    if !validator::ValidateEmail::validate_email(&email) || email.len() > 320 {
        error("email", "must be a valid email address");
    }
    let role = form.role.parse::<Role>().ok();
    if role.is_none() {
        error("role", "choose admin, ops or hr");
    }
    if let Some(message) = password_problem(&form.password) {
        error("password", &message);
    }
    // The password is never sent back into the page.
    let kept = json!({ "name": form.name, "email": form.email, "role": form.role });
    let (Some(role), true) = (role, errors.is_empty()) else {
        return users_page(&state, &session, crate::error::INVALID_INPUT, kept, &errors).await;
    };
    let created = state
        .engine
        .create_user(NewUser {
            email,
            name,
            role,
            password: Some(&form.password),
        })
        .await;
    match created {
        Ok(user) => {
            flash_redirect(
                &state,
                &session,
                true,
                &format!(
                    "{} can now sign in as {} with the password you chose. Share it with them in person or by another channel than email.",
                    user.name, user.email
                ),
                "/ui/admin/users",
            )
            .await
        }
        Err(engine::EngineError::Conflict(message)) => {
            let errors = [FieldError {
                field: "email".into(),
                message,
            }];
            users_page(&state, &session, crate::error::INVALID_INPUT, kept, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

#[post("/admin/users/{id}/role")]
pub async fn change_role(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<RoleForm>,
) -> Result<HttpResponse, ApiError> {
    let Ok(role) = form.role.parse::<Role>() else {
        return flash_redirect(
            &state,
            &session,
            false,
            "Not changed: choose admin, ops or hr.",
            "/ui/admin/users",
        )
        .await;
    };
    let result = state
        .engine
        .accounts()
        .set_user_role(*id, role, &Actor::User(admin.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |u| format!("{} is now {}.", u.name, u.role),
        "/ui/admin/users",
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
}

/// Sets a new password for someone who forgot theirs (or was locked out); their sessions
/// end. The admin passes the password on by another channel than email.
#[post("/admin/users/{id}/password")]
pub async fn set_password(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<PasswordForm>,
) -> Result<HttpResponse, ApiError> {
    if let Some(message) = password_problem(&form.password) {
        return flash_redirect(
            &state,
            &session,
            false,
            &format!("Password not set: it {message}."),
            "/ui/admin/users",
        )
        .await;
    }
    let result = state
        .engine
        .accounts()
        .set_password(*id, &form.password, &Actor::User(admin.id))
        .await;
    after_action(&state, &session, result, |u| format!(
            "New password set for {}; they were signed out everywhere and can sign in with it now.",
            u.name
        ), "/ui/admin/users").await
}

/// Why a new password is not acceptable, if it is not (the engine's one policy, checked
/// here too so the form can name the field next to the others).
pub(crate) fn password_problem(password: &str) -> Option<String> {
    engine::passwords::policy_problem(password)
}

#[post("/admin/users/{id}/deactivate")]
pub async fn deactivate(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .accounts()
        .set_user_active(*id, false, &Actor::User(admin.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |u| {
            format!(
                "{} is deactivated: signed out everywhere, and their API tokens no longer work.",
                u.name
            )
        },
        "/ui/admin/users",
    )
    .await
}

#[post("/admin/users/{id}/reactivate")]
pub async fn reactivate(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .accounts()
        .set_user_active(*id, true, &Actor::User(admin.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |u| format!("{} is active again and can sign in.", u.name),
        "/ui/admin/users",
    )
    .await
}

#[derive(Deserialize)]
pub struct BreakGlassForm {
    #[serde(default)]
    on: String,
}

/// Marks an account as break-glass (password sign-in stays open to it when
/// `auth.local_login` is off), or takes the mark away.
#[post("/admin/users/{id}/break-glass")]
pub async fn break_glass(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<BreakGlassForm>,
) -> Result<HttpResponse, ApiError> {
    let on = form.on == "1";
    let result = state
        .engine
        .accounts()
        .set_break_glass(*id, on, &Actor::User(admin.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |u| {
            if on {
                format!(
                    "{} may sign in with a password even while password sign-in is off.",
                    u.name
                )
            } else {
                format!("{} signs in like everyone else again.", u.name)
            }
        },
        "/ui/admin/users",
    )
    .await
}

async fn tokens_page(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    ctx: Value,
) -> Result<HttpResponse, ApiError> {
    let token_rows: Vec<Value> = state
        .engine
        .accounts()
        .list_api_tokens()
        .await?
        .into_iter()
        .map(|t| {
            json!({
                "id": t.id,
                "label": t.label,
                "user_email": t.user_email,
                "created": format::datetime(t.created_at),
                "last_used": t.last_used_at.map(format::datetime),
                "revoked": t.revoked_at.map(format::datetime),
                "expires": t.expires_at.map(format::datetime),
                "expired": t.expires_at.is_some_and(|at| at <= state.engine.now()),
            })
        })
        .collect();
    let user_options: Vec<Value> = state
        .engine
        .accounts()
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| a.user.active)
        .map(|a| json!({ "id": a.user.id, "label": format!("{} ({}, {})", a.user.name, a.user.email, a.user.role) }))
        .collect();
    // The identity provider's SCIM tokens live on this page too: they are the other kind
    // of bearer token an admin hands to a machine.
    let scim_rows: Vec<Value> = state
        .engine
        .provisioning()
        .list_scim_tokens()
        .await?
        .into_iter()
        .map(|t| {
            json!({
                "id": t.id,
                "label": t.label,
                "created": format::datetime(t.created_at),
                "last_used": t.last_used_at.map(format::datetime),
                "revoked": t.revoked_at.map(format::datetime),
            })
        })
        .collect();
    let mut ctx = ctx;
    ctx["title"] = json!("API tokens");
    ctx["nav"] = json!("tokens");
    ctx["tokens"] = json!(token_rows);
    ctx["scim_tokens"] = json!(scim_rows);
    ctx["scim_url"] = json!(format!(
        "{}/scim/v2",
        state.settings.public_url.trim_end_matches('/')
    ));
    ctx["users"] = json!(user_options);
    Ok(render(
        state,
        Some(session),
        status,
        "ui/admin_tokens.html",
        ctx,
    ))
}

#[get("/admin/tokens")]
pub async fn tokens(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    tokens_page(&state, &session, StatusCode::OK, json!({ "form": {} })).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    user_id: String,
    label: String,
    /// Days the token works; empty: until revoked.
    expires_days: String,
}

/// Answers with the page itself (not a redirect), so the new token is on this one
/// response only and never stored anywhere the next page could read it.
#[post("/admin/tokens")]
pub async fn create_token(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    UiForm(form): UiForm<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let user_id = form.user_id.parse::<Uuid>().ok();
    let accounts = state.engine.accounts().list_accounts().await?;
    let owner = user_id.and_then(|id| accounts.iter().find(|a| a.user.id == id && a.user.active));
    if owner.is_none() {
        errors.push(FieldError {
            field: "user_id".into(),
            message: "choose an active user".into(),
        });
    }
    let label = form.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        errors.push(FieldError {
            field: "label".into(),
            message: "say what the token is for (at most 100 characters)".into(),
        });
    }
    let expires_days = match form.expires_days.trim() {
        "" => None,
        days => match days.parse::<u32>() {
            Ok(d) if (1..=3650).contains(&d) => Some(d),
            _ => {
                errors.push(FieldError {
                    field: "expires_days".into(),
                    message: "a number of days from 1 to 3650, or empty for no expiry".into(),
                });
                None
            }
        },
    };
    let kept =
        json!({ "user_id": form.user_id, "label": form.label, "expires_days": form.expires_days });
    let Some(owner) = owner.filter(|_| errors.is_empty()) else {
        return tokens_page(
            &state,
            &session,
            crate::error::INVALID_INPUT,
            json!({ "form": kept, "errors": errors_by_field(&errors) }),
        )
        .await;
    };
    let expires_at =
        expires_days.map(|d| state.engine.now() + chrono::Duration::days(i64::from(d)));
    let token = state
        .engine
        .accounts()
        .create_api_token(owner.user.id, label, expires_at, &Actor::User(admin.id))
        .await?;
    tracing::info!(by = %admin.id, user_id = %owner.user.id, "API token created");
    tokens_page(
        &state,
        &session,
        StatusCode::OK,
        json!({
            "form": {},
            "created": { "token": token, "label": label, "user_email": owner.user.email },
        }),
    )
    .await
}

#[post("/admin/tokens/{id}/revoke")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .accounts()
        .revoke_api_token(*id, &Actor::User(admin.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "Token revoked. Anything still using it now gets 401.".to_owned(),
        "/ui/admin/tokens",
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScimTokenForm {
    scim_label: String,
}

/// A SCIM token for the identity provider; like an API token, answered with the page
/// itself so the token is on this one response only.
#[post("/admin/scim-tokens")]
pub async fn create_scim_token(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    UiForm(form): UiForm<ScimTokenForm>,
) -> Result<HttpResponse, ApiError> {
    let label = form.scim_label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        let errors = vec![FieldError {
            field: "scim_label".into(),
            message: "say which identity provider uses it (at most 100 characters)".into(),
        }];
        return tokens_page(
            &state,
            &session,
            crate::error::INVALID_INPUT,
            json!({ "form": { "scim_label": form.scim_label }, "errors": errors_by_field(&errors) }),
        )
        .await;
    }
    let token = state
        .engine
        .provisioning()
        .create_scim_token(label, &Actor::User(admin.id))
        .await?;
    tracing::info!(by = %admin.id, "SCIM token created");
    tokens_page(
        &state,
        &session,
        StatusCode::OK,
        json!({ "form": {}, "scim_created": { "token": token, "label": label } }),
    )
    .await
}

#[post("/admin/scim-tokens/{id}/revoke")]
pub async fn revoke_scim_token(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .provisioning()
        .revoke_scim_token(*id, &Actor::User(admin.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "SCIM token revoked. The identity provider now gets 401 with it.".to_owned(),
        "/ui/admin/tokens",
    )
    .await
}

#[get("/admin/jobs")]
pub async fn jobs(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    let dead = state
        .engine
        .jobs()
        .list_jobs(
            Some(JobStatus::Dead),
            engine::PageRequest::parse(Some(200), None)?,
        )
        .await?;
    let jobs: Vec<Value> = dead
        .items
        .into_iter()
        .map(|j| {
            json!({
                "id": j.id,
                "kind": j.kind.replace('_', " "),
                "attempts": j.attempts,
                "last_error": j.last_error,
                "failed": format::datetime(j.updated_at),
                "case_id": j.payload.get("case_id"),
            })
        })
        .collect();
    Ok(page(
        &state,
        &session,
        "ui/admin_jobs.html",
        json!({ "title": "Failed jobs", "nav": "jobs", "jobs": jobs }),
    ))
}

#[post("/admin/jobs/{id}/retry")]
pub async fn retry_job(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state.engine.jobs().retry_dead_job(*id).await;
    after_action(
        &state,
        &session,
        result,
        |_| "Queued again; a worker will pick it up within seconds.".to_owned(),
        "/ui/admin/jobs",
    )
    .await
}
