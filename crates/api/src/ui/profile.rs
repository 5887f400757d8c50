//! The values profile: every role may read it (as in the API); admins edit each
//! dimension's weight and minimum.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use engine::audit::Actor;
use engine::profile::Dimension;
use serde_json::{Value, json};

use super::session::{UiForm, UiSession};
use super::{errors_by_field, flash_redirect, render};
use crate::AppState;
use crate::auth::{Admin, Caller};
use crate::error::{ApiError, FieldError};

fn profile_page(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    rows: Vec<Value>,
    errors: &[FieldError],
) -> HttpResponse {
    render(
        state,
        Some(session),
        status,
        "ui/profile.html",
        json!({
            "title": "Values profile",
            "nav": "profile",
            "dimensions": rows,
            "errors": errors_by_field(errors),
        }),
    )
}

#[get("/profile")]
pub async fn show(
    state: web::Data<AppState>,
    session: UiSession,
    _: Caller,
) -> Result<HttpResponse, ApiError> {
    let rows = state
        .engine
        .questionnaires()
        .profile()
        .await?
        .into_iter()
        .map(|d| json!({ "key": d.key, "label": d.label, "weight": d.weight, "min_score": d.min_score }))
        .collect();
    Ok(profile_page(&state, &session, StatusCode::OK, rows, &[]))
}

/// Reads `weight_<key>` / `min_<key>` for every dimension; the keys and labels stay.
#[post("/profile")]
pub async fn update(
    state: web::Data<AppState>,
    session: UiSession,
    Admin(user): Admin,
    UiForm(form): UiForm<std::collections::BTreeMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let current = state.engine.questionnaires().profile().await?;
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut dims = Vec::new();
    for d in current {
        let weight_field = format!("weight_{}", d.key);
        let min_field = format!("min_{}", d.key);
        let weight_in = form.get(&weight_field).cloned().unwrap_or_default();
        let min_in = form.get(&min_field).cloned().unwrap_or_default();
        let weight = weight_in
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|w| w.is_finite() && *w > 0.0 && *w <= 100.0);
        let min = min_in
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|m| (0.0..=100.0).contains(m));
        if weight.is_none() {
            errors.push(FieldError {
                field: weight_field,
                message: format!("{}: enter a weight above 0 and at most 100", d.label),
            });
        }
        if min.is_none() {
            errors.push(FieldError {
                field: min_field,
                message: format!("{}: enter a minimum from 0 to 100", d.label),
            });
        }
        rows.push(
            json!({ "key": d.key, "label": d.label, "weight": weight_in, "min_score": min_in }),
        );
        dims.push(Dimension {
            weight: weight.unwrap_or(d.weight),
            min_score: min.unwrap_or(d.min_score),
            ..d
        });
    }
    if !errors.is_empty() {
        return Ok(profile_page(
            &state,
            &session,
            crate::error::INVALID_INPUT,
            rows,
            &errors,
        ));
    }
    match state.engine.questionnaires().replace_profile(dims, &Actor::User(user.id)).await {
        Ok(_) => {
            flash_redirect(
                &state,
                &session,
                true,
                "Profile saved. New cases use it; cases already open keep the profile they started with.",
                "/ui/profile",
            )
            .await
        }
        Err(engine::EngineError::Validation { field, message }) => Ok(profile_page(
            &state,
            &session,
            crate::error::INVALID_INPUT,
            rows,
            &[FieldError { field, message }],
        )),
        Err(e) => Err(e.into()),
    }
}
