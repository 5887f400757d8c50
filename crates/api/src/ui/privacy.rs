//! The admins' privacy page: look up everything held about an email address (a
//! subject-access request), download it as JSON, and erase it. Every step is a POST so
//! that the address never appears in a URL (and so in no access log or browser history).
//! Legal holds are placed and lifted on the case page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use engine::privacy::subject::SubjectExport;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::{UiForm, UiSession};
use super::{after_action, format, render};
use crate::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, INVALID_INPUT};

const TEMPLATE: &str = "ui/admin_privacy.html";

#[derive(Debug, Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    email: String,
}

#[derive(Debug, Deserialize)]
pub struct EraseForm {
    /// Named apart from the look-up form's `email`: both forms are on one page.
    #[serde(default, rename = "erase_email")]
    email: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

fn privacy_page(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    mut ctx: Value,
) -> HttpResponse {
    ctx["title"] = json!("Privacy");
    ctx["nav"] = json!("privacy");
    ctx["identity_days"] = json!(state.engine.retention_settings().referee_identity_days);
    ctx["comments_days"] = json!(state.engine.retention_settings().comments_days);
    render(state, Some(session), status, TEMPLATE, ctx)
}

/// The address as typed, or the page again with the error beside the field.
fn checked(email: &str) -> Result<String, String> {
    if crate::routes::is_address(email) {
        Ok(email.trim().to_owned())
    } else {
        Err("Enter an email address.".to_owned())
    }
}

/// The lookup result in words and tables.
fn summary(export: &SubjectExport) -> Value {
    let references: Vec<Value> = export
        .references
        .iter()
        .map(|r| {
            let answers = r.response.as_ref().map_or(0, |x| x.answers.len());
            json!({
                "case_id": r.case_id,
                "case_title": r.case_title,
                "provider": r.provider_name,
                "name": r.name,
                "status": format::status_word(r.status.as_str()),
                "answers": answers,
                "on_hold": r.on_hold,
                "created": format::datetime(r.created_at),
            })
        })
        .collect();
    let emails: Vec<Value> = export
        .emails
        .iter()
        .map(|e| {
            json!({
                "kind": e.kind.replace('_', " "),
                "subject": e.subject,
                "status": e.status,
                "created": format::datetime(e.created_at),
            })
        })
        .collect();
    json!({
        "email": export.email,
        "empty": export.is_empty(),
        "opted_out": export.opted_out,
        "references": references,
        "emails": emails,
        "events": export.events.len(),
        "stakeholders": export.stakeholders.len(),
        "provider_contacts": export.provider_contacts.iter().map(|p| p.provider_name.clone()).collect::<Vec<_>>(),
    })
}

#[get("/admin/privacy")]
pub async fn show(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    Ok(privacy_page(
        &state,
        &session,
        StatusCode::OK,
        json!({ "form": {} }),
    ))
}

/// What is held about an address, on this response (never through a redirect).
#[post("/admin/privacy/lookup")]
pub async fn lookup(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
    UiForm(form): UiForm<AddressForm>,
) -> Result<HttpResponse, ApiError> {
    let email = match checked(&form.email) {
        Ok(email) => email,
        Err(message) => {
            return Ok(privacy_page(
                &state,
                &session,
                INVALID_INPUT,
                json!({ "form": { "email": form.email }, "errors": { "email": message } }),
            ));
        }
    };
    let export = state.engine.subject_access(&email).await?;
    Ok(privacy_page(
        &state,
        &session,
        StatusCode::OK,
        json!({ "form": { "email": email }, "found": summary(&export) }),
    ))
}

/// The whole export as a JSON download.
#[post("/admin/privacy/export")]
pub async fn download(
    state: web::Data<AppState>,
    _: UiSession,
    _: Admin,
    UiForm(form): UiForm<AddressForm>,
) -> Result<HttpResponse, ApiError> {
    let email = checked(&form.email).map_err(|m| ApiError::field("email", m))?;
    let export = state.engine.subject_access(&email).await?;
    let body = serde_json::to_vec_pretty(&export).map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"subject-access.json\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// Erases what is held about an address, after a ticked confirmation and with a reason.
#[post("/admin/privacy/erase")]
pub async fn erase(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    UiForm(form): UiForm<EraseForm>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = serde_json::Map::new();
    let email = checked(&form.email);
    if let Err(message) = &email {
        errors.insert("erase_email".into(), json!(message));
    }
    if form.reason.trim().is_empty() {
        errors.insert(
            "reason".into(),
            json!("Say why (for example the request's reference)."),
        );
    }
    if form.confirm != "yes" {
        errors.insert(
            "confirm".into(),
            json!("Tick the box to confirm: erasure cannot be undone."),
        );
    }
    let email = match email {
        Ok(email) if errors.is_empty() => email,
        _ => {
            return Ok(privacy_page(
                &state,
                &session,
                INVALID_INPUT,
                json!({
                    "form": { "email": form.email },
                    "erase_form": { "email": form.email, "reason": form.reason },
                    "errors": errors,
                }),
            ));
        }
    };
    let result = state
        .engine
        .erase_subject(&email, &form.reason, admin.id)
        .await;
    match result {
        Ok(erasure) => {
            tracing::info!(by = %admin.id, "erasure carried out");
            Ok(privacy_page(
                &state,
                &session,
                StatusCode::OK,
                json!({ "form": {}, "erased": erasure }),
            ))
        }
        Err(engine::EngineError::Validation { field, message }) => Ok(privacy_page(
            &state,
            &session,
            INVALID_INPUT,
            json!({
                "form": { "email": email },
                "erase_form": { "email": email, "reason": form.reason },
                "errors": { field: message },
            }),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    reason: String,
}

/// Places a legal hold on a case, from the case page.
#[post("/cases/{id}/hold")]
pub async fn place_hold(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<HoldForm>,
) -> Result<HttpResponse, ApiError> {
    let location = format!("/ui/cases/{id}");
    let result = state
        .engine
        .privacy()
        .place_hold(*id, admin.id, &form.reason)
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "Legal hold placed: nothing of this case is purged until it is lifted.".to_owned(),
        &location,
    )
    .await
}

/// Lifts a case's legal hold, from the case page.
#[post("/cases/{id}/hold/release")]
pub async fn release_hold(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(admin): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let location = format!("/ui/cases/{id}");
    let result = state.engine.privacy().release_hold(*id, admin.id).await;
    after_action(
        &state,
        &session,
        result,
        |_| "Legal hold lifted: retention applies again from its next run.".to_owned(),
        &location,
    )
    .await
}
