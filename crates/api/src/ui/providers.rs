//! Providers: the list (everyone on staff) and adding one (ops).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::{UiForm, UiSession};
use super::{check, errors_by_field, flash_redirect, optional, page, render};
use crate::AppState;
use crate::auth::{Ops, Staff};
use crate::error::{ApiError, FieldError};
use crate::requests::CreateProvider;

#[derive(Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

#[get("/providers")]
pub async fn list(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let providers = state
        .engine
        .list_providers(engine::PageRequest::parse(
            Some(50),
            query.cursor.as_deref(),
        )?)
        .await?;
    Ok(page(
        &state,
        &session,
        "ui/providers.html",
        json!({
            "title": "Providers",
            "nav": "providers",
            "providers": providers.items,
            "next_cursor": providers.next_cursor,
            "first_page": query.cursor.is_none(),
        }),
    ))
}

fn form_page(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    form: Value,
    errors: &[FieldError],
) -> HttpResponse {
    render(
        state,
        Some(session),
        status,
        "ui/provider_new.html",
        json!({
            "title": "New provider",
            "nav": "providers",
            "form": form,
            "errors": errors_by_field(errors),
        }),
    )
}

#[get("/providers/new")]
pub async fn new_provider(state: web::Data<AppState>, session: UiSession, _: Ops) -> HttpResponse {
    form_page(&state, &session, StatusCode::OK, json!({}), &[])
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProviderForm {
    name: String,
    category: String,
    website: String,
    contact_name: String,
    contact_email: String,
}

#[post("/providers")]
pub async fn create(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    UiForm(form): UiForm<ProviderForm>,
) -> Result<HttpResponse, ApiError> {
    let kept = json!({
        "name": form.name, "category": form.category, "website": form.website,
        "contact_name": form.contact_name, "contact_email": form.contact_email,
    });
    let body = CreateProvider {
        name: form.name.trim().to_owned(),
        category: form.category.trim().to_owned(),
        website: optional(&form.website),
        contact_name: form.contact_name.trim().to_owned(),
        contact_email: form.contact_email.trim().to_owned(),
    };
    let errors = check(&body);
    if !errors.is_empty() {
        return Ok(form_page(
            &state,
            &session,
            crate::error::INVALID_INPUT,
            kept,
            &errors,
        ));
    }
    let provider = state
        .engine
        .create_provider(body.into_new(), user.id)
        .await?;
    flash_redirect(
        &state,
        &session,
        true,
        &format!("{} added. Now open a vetting case for them.", provider.name),
        &format!("/ui/cases/new?provider_id={}", provider.id),
    )
    .await
}
