//! After the decision: the engagements with approved providers (which ones drift below what
//! the references predicted, which are due a pulse) and the engagement page with its
//! stakeholders and provider contacts, its pulses drawn against the pre-hire intervals
//! with their provider side, both sides' alignment over time, and the actions: add a
//! stakeholder or a provider contact, start a pulse now, end the engagement. Ops and HR
//! both manage them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use engine::EngineError;
use engine::audit::Actor;
use engine::domain::{
    Drift, Engagement, EngagementStatus, Pulse, PulseDimension, PulseStatus, StakeholderSide, State,
};
use engine::engagements::{MAX_END_REASON_CHARS, NewStakeholder};
use engine::history::ProviderHistory;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::{UiForm, UiSession};
use super::{after_action, check, errors_by_field, flash_redirect, format, page, render};
use crate::AppState;
use crate::auth::Staff;
use crate::error::{ApiError, FieldError, INVALID_INPUT};
use crate::routes::{CreateProviderContact, CreateStakeholder, EndEngagement};

/// A pulse starting within this many days is "due".
const DUE_WITHIN_DAYS: i64 = 14;

/// The newest complete pulse (pulses come oldest first).
fn latest_complete(e: &Engagement) -> Option<&Pulse> {
    e.pulses
        .iter()
        .rev()
        .find(|p| p.status == PulseStatus::Complete)
}

/// The dimensions the latest complete pulse puts below what the references predicted.
fn drifting_below(e: &Engagement) -> Vec<&PulseDimension> {
    latest_complete(e)
        .map(|p| {
            p.dimensions
                .iter()
                .filter(|d| d.drift == Some(Drift::Below))
                .collect()
        })
        .unwrap_or_default()
}

fn collecting(e: &Engagement) -> bool {
    e.pulses.iter().any(|p| p.status == PulseStatus::Collecting)
}

fn status_label(status: EngagementStatus) -> &'static str {
    match status {
        EngagementStatus::Active => "Active",
        EngagementStatus::Ended => "Ended",
    }
}

fn pulse_label(status: PulseStatus) -> &'static str {
    match status {
        PulseStatus::Collecting => "Collecting",
        PulseStatus::Complete => "Complete",
    }
}

/// "12 Mar 2027 (in 5 days)", or what stands in for it.
fn next_pulse(e: &Engagement, now: DateTime<Utc>) -> String {
    match (e.status, e.next_pulse_at) {
        (EngagementStatus::Ended, _) => "none (ended)".into(),
        (_, Some(at)) if at > now => {
            format!("{} ({})", format::date(at), format::days_from(at, now))
        }
        (_, Some(at)) => format!("{} (due now)", format::date(at)),
        (_, None) => "none scheduled".into(),
    }
}

/// An engagement as one row of the list.
fn engagement_row(e: &Engagement, now: DateTime<Utc>) -> Value {
    let last = latest_complete(e);
    let below: Vec<&str> = drifting_below(e).iter().map(|d| d.label.as_str()).collect();
    json!({
        "id": e.id,
        "provider_name": e.provider_name,
        "status": e.status,
        "status_label": status_label(e.status),
        "started": format::date(e.started_at),
        "next_pulse": next_pulse(e, now),
        "collecting": collecting(e),
        "stakeholders": e.stakeholders.len(),
        "alignment": last.and_then(|p| p.alignment),
        "last_pulse": last.map(|p| format::date(p.started_at)),
        "below": below.join(", "),
        "ended": e.ended_at.map(format::date),
        "demo": e.demo,
    })
}

#[get("/engagements")]
pub async fn list(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
) -> Result<HttpResponse, ApiError> {
    let now = state.engine.now();
    let due_by = now + Duration::days(DUE_WITHIN_DAYS);
    let (mut drifting, mut due, mut active, mut ended) = (vec![], vec![], vec![], vec![]);
    // Each engagement once, in the most pressing section it belongs to.
    for e in state.engine.engagements().list_engagements(None).await? {
        let row = engagement_row(&e, now);
        if e.status == EngagementStatus::Ended {
            ended.push(row);
        } else if !drifting_below(&e).is_empty() {
            drifting.push(row);
        } else if collecting(&e) || e.next_pulse_at.is_some_and(|at| at <= due_by) {
            due.push(row);
        } else {
            active.push(row);
        }
    }
    let any = !(drifting.is_empty() && due.is_empty() && active.is_empty() && ended.is_empty());
    Ok(page(
        &state,
        &session,
        "ui/engagements.html",
        json!({
            "title": "Engagements",
            "nav": "engagements",
            "sections": [
                {
                    "id": "drifting", "title": "Drifting below",
                    "intro": "The latest pulse puts at least one dimension below what the references predicted.",
                    "rows": drifting,
                },
                {
                    "id": "due", "title": "Pulse due",
                    "intro": format!("A pulse is collecting answers, or the next one starts within {DUE_WITHIN_DAYS} days."),
                    "rows": due,
                },
                { "id": "active", "title": "Active", "intro": "", "rows": active },
                { "id": "ended", "title": "Ended", "intro": "", "rows": ended },
            ],
            "any": any,
        }),
    ))
}

/// A pulse dimension's drift in words.
fn drift_words(d: &PulseDimension) -> &'static str {
    match (d.drift, d.score) {
        (Some(Drift::Below), _) => "below what references predicted",
        (Some(Drift::Above), _) => "above what references predicted",
        (Some(Drift::Within), _) => "within what references predicted",
        (None, None) => "no answers on it yet",
        (None, Some(_)) => "no pre-hire interval to compare with",
    }
}

fn pulse_view(p: &Pulse) -> Value {
    let dimensions: Vec<Value> = p
        .dimensions
        .iter()
        .map(|d| {
            json!({
                "label": d.label,
                "score": d.score,
                "n": d.n,
                "pre_hire_score": d.pre_hire_score,
                "pre_hire_ci95": d.pre_hire_ci95,
                "drift": d.drift,
                "drift_words": drift_words(d),
            })
        })
        .collect();
    let below = p
        .dimensions
        .iter()
        .filter(|d| d.drift == Some(Drift::Below))
        .count();
    json!({
        "id": p.id,
        "status": p.status,
        "status_label": pulse_label(p.status),
        "started": format::datetime(p.started_at),
        "started_date": format::date(p.started_at),
        "invited": p.invited,
        "responses": p.responses,
        "alignment": p.alignment,
        "below": below,
        "has_scores": p.dimensions.iter().any(|d| d.score.is_some()),
        "dimensions": dimensions,
        "chart": super::pulse_chart::pulse_layout(&p.dimensions),
        "provider_side": p.provider_side.as_ref().map(|side| json!({
            "status_label": pulse_label(side.status),
            "invited": side.invited,
            "responses": side.responses,
            "alignment": side.alignment,
            "dimensions": side.dimensions,
        })),
        "gap": p.flags.iter().find(|f| f.kind == "partnership_gap").map(|f| json!({
            "detail": f.detail,
            "lower_side": f.lower_side,
        })),
    })
}

/// A form sent back with its errors: what was typed, and what is wrong with it.
type Rejected<'a> = (Value, &'a [FieldError]);

/// A refused form of the engagement page, carried back to it.
enum Refused<'a> {
    /// Adding a stakeholder (`Buyer`) or a provider contact (`Provider`).
    Person(StakeholderSide, Rejected<'a>),
    End(Rejected<'a>),
}

/// Renders the engagement page; `refused` carries a refused form back.
async fn engagement_page(
    state: &AppState,
    session: &UiSession,
    id: Uuid,
    status: StatusCode,
    refused: Option<Refused<'_>>,
) -> Result<HttpResponse, ApiError> {
    let (mut stakeholder_form, mut contact_form, mut end_form) = (None, None, None);
    match refused {
        Some(Refused::Person(StakeholderSide::Buyer, r)) => stakeholder_form = Some(r),
        Some(Refused::Person(StakeholderSide::Provider, r)) => contact_form = Some(r),
        Some(Refused::End(r)) => end_form = Some(r),
        None => {}
    }
    let engine = &state.engine;
    let e = engine.engagements().engagement(id).await?;
    let case = engine.cases().case(e.case_id).await?;
    let pre_hire_alignment = e.pre_hire_alignment;
    let now = engine.now();
    let active = e.status == EngagementStatus::Active;
    let stakeholders: Vec<Value> = e
        .stakeholders
        .iter()
        .map(|s| json!({ "name": s.name, "email": s.email, "added": format::date(s.created_at) }))
        .collect();
    let provider_contacts: Vec<Value> = e
        .provider_contacts
        .iter()
        .map(|s| json!({ "name": s.name, "email": s.email, "added": format::date(s.created_at) }))
        .collect();
    let pulses: Vec<Value> = e.pulses.iter().rev().map(pulse_view).collect();
    // Both sides' alignment, pulse after pulse.
    let chart = super::history_chart::layout(&ProviderHistory {
        cases: Vec::new(),
        engagements: vec![e.clone()],
    });
    let (stakeholder_kept, stakeholder_errors) = stakeholder_form.unwrap_or((json!({}), &[]));
    let (contact_kept, contact_errors) = contact_form.unwrap_or((json!({}), &[]));
    let (end_kept, end_errors) = end_form.unwrap_or((json!({}), &[]));
    Ok(render(
        state,
        Some(session),
        status,
        "ui/engagement.html",
        json!({
            "title": format!("Engagement: {}", e.provider_name),
            "nav": "engagements",
            "engagement": {
                "id": e.id,
                "provider_id": e.provider_id,
                "provider_name": e.provider_name,
                "case_id": e.case_id,
                "case_title": case.title,
                "status": e.status,
                "status_label": status_label(e.status),
                "started": format::date(e.started_at),
                "next_pulse": next_pulse(&e, now),
                "ended": e.ended_at.map(format::datetime),
                "end_reason": e.end_reason,
                "demo": e.demo,
                "active": active,
                "collecting": collecting(&e),
                "pre_hire_alignment": pre_hire_alignment,
            },
            "stakeholders": stakeholders,
            "provider_contacts": provider_contacts,
            "pulses": pulses,
            "chart": chart,
            "contact_form": contact_kept,
            "contact_errors": errors_by_field(contact_errors),
            "max_reason": MAX_END_REASON_CHARS,
            "stakeholder_form": stakeholder_kept,
            "stakeholder_errors": errors_by_field(stakeholder_errors),
            "end_form": end_kept,
            "end_errors": errors_by_field(end_errors),
        }),
    ))
}

#[get("/engagements/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    engagement_page(&state, &session, *id, StatusCode::OK, None).await
}

/// A refused action in the engagement's own words where the general ones would read
/// oddly; anything else as `after_action` says it.
async fn after_engagement_action<T>(
    state: &AppState,
    session: &UiSession,
    result: Result<T, EngineError>,
    done: impl FnOnce(&T) -> String,
    location: &str,
) -> Result<HttpResponse, ApiError> {
    let refused = match &result {
        Err(EngineError::InvalidState {
            current: State::Engagement(EngagementStatus::Ended),
            ..
        }) => "Not done: this engagement has ended.",
        Err(EngineError::InvalidState {
            current: State::Pulse(PulseStatus::Collecting),
            ..
        }) => {
            "Not done: a pulse is still collecting answers; start the next one when it is complete."
        }
        _ => return after_action(state, session, result, done, location).await,
    };
    flash_redirect(state, session, false, refused, location).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StakeholderForm {
    name: String,
    email: String,
}

#[post("/engagements/{id}/stakeholders")]
pub async fn add_stakeholder(
    state: web::Data<AppState>,
    session: UiSession,
    Staff(user): Staff,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<StakeholderForm>,
) -> Result<HttpResponse, ApiError> {
    let person = Person {
        side: StakeholderSide::Buyer,
        name: form.name,
        email: form.email,
    };
    add_person(&state, &session, user.id, *id, person).await
}

/// The provider-contact form: its own field names, so that its inputs' ids differ from
/// the stakeholder form's on the same page.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProviderContactForm {
    contact_name: String,
    contact_email: String,
}

#[post("/engagements/{id}/provider-contacts")]
pub async fn add_provider_contact(
    state: web::Data<AppState>,
    session: UiSession,
    Staff(user): Staff,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<ProviderContactForm>,
) -> Result<HttpResponse, ApiError> {
    let person = Person {
        side: StakeholderSide::Provider,
        name: form.contact_name,
        email: form.contact_email,
    };
    add_person(&state, &session, user.id, *id, person).await
}

/// A person to add from the engagement page, on either side.
struct Person {
    side: StakeholderSide,
    name: String,
    email: String,
}

/// Adds a stakeholder or a provider contact; a refused form comes back with its errors on
/// its own fields.
async fn add_person(
    state: &AppState,
    session: &UiSession,
    user_id: Uuid,
    id: Uuid,
    person: Person,
) -> Result<HttpResponse, ApiError> {
    let side = person.side;
    let prefix = match side {
        StakeholderSide::Buyer => "",
        StakeholderSide::Provider => "contact_",
    };
    let kept = json!({ "name": person.name, "email": person.email });
    let refused = |errors: Vec<FieldError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|e| FieldError {
                field: format!("{prefix}{}", e.field),
                message: e.message,
            })
            .collect()
    };
    let new = NewStakeholder {
        name: person.name.trim().to_owned(),
        email: person.email.trim().to_owned(),
    };
    let errors = match side {
        StakeholderSide::Buyer => check(&CreateStakeholder {
            name: new.name.clone(),
            email: new.email.clone(),
        }),
        StakeholderSide::Provider => check(&CreateProviderContact {
            name: new.name.clone(),
            email: new.email.clone(),
            override_reason: None,
        }),
    };
    if !errors.is_empty() {
        let errors = refused(errors);
        let form = Some(Refused::Person(side, (kept, errors.as_slice())));
        return engagement_page(state, session, id, INVALID_INPUT, form).await;
    }
    let back = format!("/ui/engagements/{id}");
    let actor = Actor::User(user_id);
    let added = match side {
        StakeholderSide::Buyer => {
            state
                .engine
                .engagements()
                .add_stakeholder(id, new, &actor)
                .await
        }
        StakeholderSide::Provider => {
            state
                .engine
                .engagements()
                .add_provider_contact(id, new, None, &actor)
                .await
        }
    };
    match added {
        Err(EngineError::Validation { field, message }) => {
            let errors = refused(vec![FieldError { field, message }]);
            let form = Some(Refused::Person(side, (kept, errors.as_slice())));
            engagement_page(state, session, id, INVALID_INPUT, form).await
        }
        result => {
            after_engagement_action(
                state,
                session,
                result,
                |s| format!("{} added. They are asked at the next pulse.", s.name),
                &back,
            )
            .await
        }
    }
}

#[post("/engagements/{id}/pulse")]
pub async fn start_pulse(
    state: web::Data<AppState>,
    session: UiSession,
    Staff(user): Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .engagements()
        .start_pulse(*id, &Actor::User(user.id))
        .await;
    after_engagement_action(
        &state,
        &session,
        result,
        |e| {
            let asked = e.stakeholders.len();
            let contacts = e.provider_contacts.len();
            format!(
                "Pulse started: {asked} stakeholder{} {} being emailed a link to say how it is going, and {contacts} provider contact{} a link to the provider side.",
                if asked == 1 { "" } else { "s" },
                if asked == 1 { "is" } else { "are" },
                if contacts == 1 { "" } else { "s" },
            )
        },
        &format!("/ui/engagements/{id}"),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    reason: String,
}

#[post("/engagements/{id}/end")]
pub async fn end(
    state: web::Data<AppState>,
    session: UiSession,
    Staff(user): Staff,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<EndForm>,
) -> Result<HttpResponse, ApiError> {
    // Browsers send line breaks as CRLF; count what the person typed.
    let reason = form.reason.replace("\r\n", "\n");
    let kept = json!({ "reason": reason });
    let errors = check(&EndEngagement {
        reason: reason.clone(),
    });
    if !errors.is_empty() {
        let form = Some((kept, errors.as_slice()));
        let form = form.map(Refused::End);
        return engagement_page(&state, &session, *id, INVALID_INPUT, form).await;
    }
    let result = state
        .engine
        .engagements()
        .end_engagement(*id, &reason, &Actor::User(user.id))
        .await;
    match result {
        Err(EngineError::Validation { field, message }) => {
            let errors = [FieldError { field, message }];
            let form = Some(Refused::End((kept, errors.as_slice())));
            engagement_page(&state, &session, *id, INVALID_INPUT, form).await
        }
        result => {
            after_engagement_action(
                &state,
                &session,
                result,
                |_| "Engagement ended. No more pulses will be started.".to_owned(),
                &format!("/ui/engagements/{id}"),
            )
            .await
        }
    }
}
