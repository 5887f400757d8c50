//! Providers: the list and a provider's page with its history (everyone on staff), and
//! adding one (ops).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use engine::domain::{CaseStatus, Drift, Engagement, EngagementStatus, PulseStatus};
use engine::history::CaseHistory;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::{UiForm, UiSession};
use super::{
    check, errors_by_field, flash_redirect, format, history_chart, optional, page, render,
};
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
        .cases()
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

/// A provider, and its history: each vetting case with its decision and alignment score,
/// the engagement an approval opened with its pulses, and a chart of those scores by date.
#[get("/providers/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let p = state.engine.reports().provider_with_history(*id).await?;
    let responses = state.engine.reports().provider_responses(*id).await?;
    let history = &p.history;
    let mut engagements: Vec<&Engagement> = history.engagements.iter().collect();
    let cases: Vec<Value> = history
        .cases
        .iter()
        .map(|c| {
            let own: Vec<Value> = engagements
                .iter()
                .filter(|e| e.case_id == c.id)
                .map(|e| engagement_entry(e, c.alignment_score))
                .collect();
            engagements.retain(|e| e.case_id != c.id);
            case_entry(c, own)
        })
        .collect();
    // An engagement whose case is not among the provider's (not expected) is still shown.
    let others: Vec<Value> = engagements
        .iter()
        .map(|e| engagement_entry(e, None))
        .collect();
    let provider = &p.provider;
    Ok(page(
        &state,
        &session,
        "ui/provider.html",
        json!({
            "title": provider.name,
            "nav": "providers",
            "provider": provider,
            "added": format::date(provider.created_at),
            "cases": cases,
            "other_engagements": others,
            "chart": history_chart::layout(history),
            "responses": responses,
            "response_rate": responses
                .response_rate
                .map(|r| format!("{:.1}%", r * 100.0)),
        }),
    ))
}

fn case_entry(c: &CaseHistory, engagements: Vec<Value>) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "status": c.status,
        "status_label": format::case_label(c.status),
        "created": format::date(c.created_at),
        "has_report": !matches!(c.status, CaseStatus::Draft | CaseStatus::Nominating | CaseStatus::Cancelled),
        "decided": c.decided_at.map(format::date),
        "outcome": c.outcome.map(|o| format::outcome_label(o.as_str())),
        "alignment": c.alignment_score,
        "engagements": engagements,
    })
}

/// An engagement and its pulses; `pre_hire` is its case's alignment score.
fn engagement_entry(e: &Engagement, pre_hire: Option<f64>) -> Value {
    let pulses: Vec<Value> = e
        .pulses
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let drifting = |drift: Drift| -> Vec<&str> {
                p.dimensions
                    .iter()
                    .filter(|d| d.drift == Some(drift))
                    .map(|d| d.label.as_str())
                    .collect()
            };
            json!({
                "number": i + 1,
                "started": format::date(p.started_at),
                "status": p.status,
                "status_label": match p.status {
                    PulseStatus::Collecting => "Collecting",
                    PulseStatus::Complete => "Finished",
                },
                "responses": p.responses,
                "invited": p.invited,
                "alignment": p.alignment,
                "pre_hire": pre_hire,
                "below": drifting(Drift::Below),
                "above": drifting(Drift::Above),
            })
        })
        .collect();
    json!({
        "id": e.id,
        "status": e.status,
        "status_label": match e.status {
            EngagementStatus::Active => "Active",
            EngagementStatus::Ended => "Ended",
        },
        "started": format::date(e.started_at),
        "ended": e.ended_at.map(format::date),
        "end_reason": e.end_reason,
        "next_pulse": e.next_pulse_at.map(format::date),
        "demo": e.demo,
        "stakeholders": e.stakeholders.len(),
        "pulses": pulses,
    })
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
            "languages": super::cases::languages(state),
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
    /// Empty: not chosen (the case's language).
    locale: String,
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
        "locale": form.locale,
    });
    let body = CreateProvider {
        name: form.name.trim().to_owned(),
        category: form.category.trim().to_owned(),
        website: optional(&form.website),
        contact_name: form.contact_name.trim().to_owned(),
        contact_email: form.contact_email.trim().to_owned(),
        locale: optional(&form.locale),
    };
    let mut errors = check(&body);
    let created = if errors.is_empty() {
        match state
            .engine
            .cases()
            .create_provider(body.into_new(), user.id)
            .await
        {
            // An unsupported language (a hand-made post): shown on its field.
            Err(engine::EngineError::Validation { field, message }) => {
                errors.push(FieldError { field, message });
                None
            }
            other => Some(other?),
        }
    } else {
        None
    };
    let Some(provider) = created else {
        let status = crate::error::INVALID_INPUT;
        return Ok(form_page(&state, &session, status, kept, &errors));
    };
    flash_redirect(
        &state,
        &session,
        true,
        &format!("{} added. Now open a vetting case for them.", provider.name),
        &format!("/ui/cases/new?provider_id={}", provider.id),
    )
    .await
}
