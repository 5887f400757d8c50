//! The ops lead's pages: the case list with progress, a new case, and the case page with
//! its references, their last email, every lifecycle action and the audit timeline.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use engine::audit::Actor;
use engine::cases::{DEADLINE_DAYS, MIN_RESPONSES, NewCase, min_organisations_limits};
use engine::deliveries::EmailSummary;
use engine::domain::EmailStatus;
use engine::domain::{CaseStatus, ReferenceRequest, ReferenceSource, ReferenceStatus, VettingCase};
use engine::nominations::NOMINATIONS;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::session::{UiForm, UiSession};
use super::{
    after_action, check, errors_by_field, flash_redirect, format, number_field, optional, page,
    render,
};
use crate::AppState;
use crate::auth::{Ops, Staff};
use crate::error::{ApiError, FieldError};
use crate::requests::CreateReference;

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

#[get("/cases")]
pub async fn list(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let status: Option<CaseStatus> = match query.status.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s) => Some(s.parse().map_err(|_| ApiError::NotFound("status"))?),
    };
    let cases = state
        .engine
        .cases()
        .list_cases(
            status,
            engine::PageRequest::parse(Some(50), query.cursor.as_deref())?,
        )
        .await?;
    let counts = state.engine.cases().case_counts().await?;
    let now = state.engine.now();
    let total: u64 = counts.values().sum();
    let mut filters = vec![json!({
        "value": "all", "label": "All", "count": total, "current": status.is_none(),
    })];
    for (s, n) in &counts {
        filters.push(json!({
            "value": s, "label": format::case_label(*s), "count": n, "current": status == Some(*s),
        }));
    }
    let rows: Vec<Value> = cases.items.iter().map(|c| case_row(c, now)).collect();
    Ok(page(
        &state,
        &session,
        "ui/cases.html",
        json!({
            "title": "Cases",
            "nav": "cases",
            "filters": filters,
            "status": status,
            "status_label": status.map(format::case_label),
            "cases": rows,
            "next_cursor": cases.next_cursor,
            "any_cases": total > 0,
        }),
    ))
}

/// A case as one row of a list.
pub(super) fn case_row(c: &VettingCase, now: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "provider_name": c.provider_name,
        "status": c.status,
        "status_label": format::case_label(c.status),
        "progress": format::progress(c, now),
        "updated": format::date(c.updated_at),
        "closed": c.closed_at.map(format::date),
    })
}

#[derive(Deserialize)]
pub struct NewCaseQuery {
    provider_id: Option<Uuid>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    provider_id: String,
    title: String,
    template_id: String,
    min_responses: String,
    min_organisations: String,
    deadline_days: String,
    locale: String,
}

/// The languages referees can be written to in, for a select: `[{code, name}]`, the name
/// in the language itself with its code ("Deutsch (de)").
pub(super) fn languages(state: &AppState) -> Vec<Value> {
    let catalogue = state.pages.catalogue();
    catalogue
        .locales()
        .map(|code| json!({ "code": code, "name": format!("{} ({code})", catalogue.native_name(code)) }))
        .collect()
}

/// A locale for staff pages: its own name and code, or "Not chosen".
pub(super) fn language_label(state: &AppState, locale: Option<&str>) -> String {
    match locale {
        Some(code) => format!("{} ({code})", state.pages.catalogue().native_name(code)),
        None => "Not chosen".to_owned(),
    }
}

async fn case_form(
    state: &AppState,
    session: &UiSession,
    status: StatusCode,
    form: Value,
    errors: &[FieldError],
) -> Result<HttpResponse, ApiError> {
    let providers = state
        .engine
        .cases()
        .list_providers(engine::PageRequest::parse(Some(200), None)?)
        .await?
        .items;
    let templates: Vec<Value> = state
        .engine
        .questionnaires()
        .list_templates()
        .await?
        .into_iter()
        // The provider side of pulses is not a questionnaire for cases.
        .filter(|t| t.key.as_deref() != Some(engine::questionnaires::PROVIDER_SIDE_KEY))
        .map(|t| {
            // What new cases get: the newest version, and how long it takes to answer.
            let newest = t.versions.last();
            json!({
                "id": t.id,
                "name": t.name,
                "key": t.key,
                "minutes": newest.map(|v| engine::questionnaire::estimated_minutes(v.estimated_seconds)),
                "questions": newest.map(|v| v.questions.len()),
            })
        })
        .collect();
    Ok(render(
        state,
        Some(session),
        status,
        "ui/case_new.html",
        json!({
            "title": "New case",
            "nav": "cases",
            "providers": providers,
            "templates": templates,
            "languages": languages(state),
            "form": form,
            "errors": errors_by_field(errors),
        }),
    ))
}

#[get("/cases/new")]
pub async fn new_case(
    state: web::Data<AppState>,
    session: UiSession,
    _: Ops,
    query: web::Query<NewCaseQuery>,
) -> Result<HttpResponse, ApiError> {
    let form = json!({
        "provider_id": query.provider_id,
        "min_responses": MIN_RESPONSES.default,
        "min_organisations": min_organisations_limits(MIN_RESPONSES.default).default,
        "deadline_days": DEADLINE_DAYS.default,
        "locale": state.pages.catalogue().default_locale(),
    });
    case_form(&state, &session, StatusCode::OK, form, &[]).await
}

#[post("/cases")]
pub async fn create(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    UiForm(form): UiForm<CaseForm>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let provider_id = form.provider_id.trim().parse::<Uuid>().ok();
    if provider_id.is_none() {
        errors.push(FieldError {
            field: "provider_id".into(),
            message: "choose the provider to vet".into(),
        });
    }
    let min_responses = number_field(
        "min_responses",
        &form.min_responses,
        MIN_RESPONSES,
        &mut errors,
    );
    // Its range depends on the quorum just entered (default when that was left empty).
    let min_organisations = number_field(
        "min_organisations",
        &form.min_organisations,
        min_organisations_limits(min_responses.unwrap_or(MIN_RESPONSES.default)),
        &mut errors,
    );
    let deadline_days = number_field(
        "deadline_days",
        &form.deadline_days,
        DEADLINE_DAYS,
        &mut errors,
    );
    let title = optional(&form.title);
    let kept = json!({
        "provider_id": form.provider_id, "title": form.title, "template_id": form.template_id,
        "min_responses": form.min_responses, "min_organisations": form.min_organisations,
        "deadline_days": form.deadline_days, "locale": form.locale,
    });
    let (Some(provider_id), true) = (provider_id, errors.is_empty()) else {
        return case_form(&state, &session, crate::error::INVALID_INPUT, kept, &errors).await;
    };
    let created = state
        .engine
        .cases()
        .create_case(
            NewCase {
                provider_id,
                title,
                template_id: form.template_id.trim().parse().ok(),
                min_responses,
                min_organisations,
                deadline_days,
                locale: optional(&form.locale),
            },
            user.id,
        )
        .await;
    match created {
        Ok(case) => {
            flash_redirect(
                &state,
                &session,
                true,
                "Case opened. Add references, or ask the provider to nominate them, then launch.",
                &format!("/ui/cases/{}", case.id),
            )
            .await
        }
        Err(engine::EngineError::NotFound { entity }) => {
            let field = if entity == "template" {
                "template_id"
            } else {
                "provider_id"
            };
            let errors = [FieldError {
                field: field.into(),
                message: format!("that {entity} does not exist any more; choose another"),
            }];
            case_form(&state, &session, crate::error::INVALID_INPUT, kept, &errors).await
        }
        Err(e) => match ApiError::from(e) {
            ApiError::Validation(errors) => {
                case_form(&state, &session, crate::error::INVALID_INPUT, kept, &errors).await
            }
            other => Err(other),
        },
    }
}

/// Renders the case page; `reference_form` carries a rejected "add reference" form back.
async fn case_page(
    state: &AppState,
    session: &UiSession,
    id: Uuid,
    status: StatusCode,
    reference_form: Option<(Value, &[FieldError])>,
) -> Result<HttpResponse, ApiError> {
    let engine = &state.engine;
    let case = engine.cases().case(id).await?;
    let provider = engine.cases().provider(case.provider_id).await?;
    let emails = engine.cases().last_emails(id).await?;
    let names: BTreeMap<Uuid, String> = engine
        .accounts()
        .list_accounts()
        .await?
        .into_iter()
        .map(|a| (a.user.id, a.user.name))
        .collect();
    let events = events(state, &case, &names).await?;
    let decision = engine.reports().case_decision(id).await?.map(|d| {
        json!({
            "outcome": format::outcome_label(d.outcome.as_str()),
            "rationale": d.rationale,
            "by": names.get(&d.decided_by).cloned().unwrap_or_default(),
            "at": format::datetime(d.created_at),
        })
    });
    let show_identity = engine.report_settings().show_referee_identity;
    let references: Vec<Value> = case
        .references
        .iter()
        .map(|r| reference_row(state, &case, r, emails.get(&r.id), show_identity))
        .collect();
    let (form, errors) = reference_form.unwrap_or((json!({}), &[]));
    let sufficiency = sufficiency(state, &case).await?;
    Ok(render(
        state,
        Some(session),
        status,
        "ui/case.html",
        json!({
            "title": case.title,
            "nav": "cases",
            "case": case_summary(state, &case, &names),
            "provider": provider,
            "references": references,
            "languages": languages(state),
            "events": events,
            "decision": decision,
            "sufficiency": sufficiency,
            "form": form,
            "errors": errors_by_field(errors),
        }),
    ))
}

/// The case's history, newest first, in words.
async fn events(
    state: &AppState,
    case: &VettingCase,
    names: &BTreeMap<Uuid, String>,
) -> Result<Vec<Value>, ApiError> {
    let referees: BTreeMap<Uuid, String> = case
        .references
        .iter()
        .map(|r| (r.id, r.name.clone()))
        .collect();
    Ok(state
        .engine
        .cases()
        .case_events(case.id)
        .await?
        .iter()
        .rev()
        .map(|e| json!({ "at": format::datetime(e.created_at), "text": format::event(e, names, &referees) }))
        .collect())
}

/// One row of the references table, with what ops may do to it.
fn reference_row(
    state: &AppState,
    case: &VettingCase,
    r: &ReferenceRequest,
    last_email: Option<&EmailSummary>,
    show_identity: bool,
) -> Value {
    use ReferenceStatus::*;
    let collecting = case.status == CaseStatus::Collecting;
    let hide_time = r.status == Completed && !show_identity;
    let email = last_email.map(|e| {
        if hide_time {
            // When they answered would say which report rows are theirs.
            return json!({ "text": "Answered and thanked", "failed": false, "error": null });
        }
        let what = e.kind.replace('_', " ");
        let how = match e.status.as_str() {
            "sent" => "sent",
            "failed" => "failed",
            _ => "being sent",
        };
        json!({
            "text": format!("{} {how}, {}", format::sentence(&what).trim_end_matches('.'), format::datetime(e.at)),
            "failed": e.status == EmailStatus::Failed,
            "error": e.error,
        })
    });
    json!({
        "id": r.id,
        "name": r.name,
        "email": r.email,
        "erased": r.identity_erased_at.is_some(),
        "company": r.company,
        "relationship": r.relationship,
        "language": language_label(state, r.locale.as_deref()),
        "source": r.source,
        "status": r.status,
        "status_label": if r.withdrawn_reason.as_deref() == Some("opted_out") {
            "Opted out"
        } else {
            format::reference_label(r.status)
        },
        "last_email": email,
        // A pending reference's invitation is still on its way: nothing to resend yet.
        "can_resend": collecting && matches!(r.status, Invited | Opened | Bounced),
        // The provider's nominees wait for ops: at launch, or one by one here.
        "can_invite": collecting && r.status == Pending && r.source == ReferenceSource::Nominated,
        "can_withdraw": case.status.accepts_references()
            && matches!(r.status, Pending | Invited | Opened | Bounced | Expired),
    })
}

/// Only a released report has a sufficiency; a case still collecting is not scored.
async fn sufficiency(state: &AppState, case: &VettingCase) -> Result<Option<Value>, ApiError> {
    if !matches!(case.status, CaseStatus::Review | CaseStatus::Decided) {
        return Ok(None);
    }
    let report = state.engine.reports().case_report(case.id).await?;
    Ok(report.sufficiency.map(|s| {
        json!({
            "organisations_needed": s.organisations_needed,
            "reliability": s.reliability,
            "organisations": report.organisations,
        })
    }))
}

/// The case itself, with what ops may do to it.
fn case_summary(state: &AppState, case: &VettingCase, names: &BTreeMap<Uuid, String>) -> Value {
    let now = state.engine.now();
    let open = matches!(case.status, CaseStatus::Draft | CaseStatus::Nominating);
    let collecting = case.status == CaseStatus::Collecting;
    let pending = case
        .references
        .iter()
        .any(|r| r.status == ReferenceStatus::Pending);
    json!({
        "id": case.id,
        "title": case.title,
        "status": case.status,
        "status_label": format::case_label(case.status),
        "progress": format::progress(case, now),
        "owner": names.get(&case.owner_id).cloned().unwrap_or_default(),
        "min_responses": case.min_responses,
        "min_organisations": case.min_organisations,
        "deadline_days": case.deadline_days,
        "language": language_label(state, Some(&case.locale)),
        "self_assessment": case.self_assessment,
        "self_assessment_label": format::self_assessment_label(case.self_assessment),
        "can_request_self_assessment": case.status.accepts_self_assessment(),
        "template_version": case.template_version,
        "created": format::datetime(case.created_at),
        "launched": case.launched_at.map(format::datetime),
        "deadline": case.deadline_at.map(|d| format!("{} ({})", format::date(d), format::days_from(d, now))),
        "accepts_references": case.status.accepts_references(),
        "can_launch": open && pending,
        "can_nominate": open,
        "can_cancel": matches!(case.status, CaseStatus::Draft | CaseStatus::Nominating | CaseStatus::Collecting | CaseStatus::Review),
        "can_close": collecting,
        "has_report": !open && case.status != CaseStatus::Cancelled,
        "engagement_id": case.engagement_id,
        "finished": case.finished_at.map(format::datetime),
        "hold": case.hold.as_ref().map(|h| json!({
            "reason": h.reason,
            "at": format::datetime(h.held_at),
            "by": h.held_by.and_then(|id| names.get(&id).cloned()),
        })),
    })
}

#[get("/cases/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    case_page(&state, &session, *id, StatusCode::OK, None).await
}

#[derive(Deserialize)]
#[serde(default)]
#[derive(Default)]
pub struct ReferenceForm {
    name: String,
    email: String,
    company: String,
    relationship: String,
    /// Shown once the address turned out to be asked too often lately.
    override_reason: String,
    /// Empty: the case's language, unless the referee's link or browser says otherwise.
    locale: String,
}

#[post("/cases/{id}/references")]
pub async fn add_reference(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<ReferenceForm>,
) -> Result<HttpResponse, ApiError> {
    let mut kept = json!({
        "name": form.name, "email": form.email, "company": form.company, "relationship": form.relationship,
        "override_reason": form.override_reason, "locale": form.locale,
    });
    let body = CreateReference {
        name: form.name.trim().to_owned(),
        email: form.email.trim().to_owned(),
        company: form.company.trim().to_owned(),
        relationship: form.relationship.trim().to_owned(),
        override_reason: optional(&form.override_reason),
        locale: optional(&form.locale),
    };
    let errors = check(&body);
    if !errors.is_empty() {
        return case_page(
            &state,
            &session,
            *id,
            crate::error::INVALID_INPUT,
            Some((kept, &errors)),
        )
        .await;
    }
    let name = body.name.clone();
    match state
        .engine
        .cases()
        .add_reference(*id, body.into_new(), &Actor::User(user.id))
        .await
    {
        Ok(r) => {
            let note = if r.status == ReferenceStatus::Pending {
                "They will be invited when you launch the case."
            } else {
                "Their invitation is on its way."
            };
            flash_redirect(
                &state,
                &session,
                true,
                &format!("{name} added. {note}"),
                &format!("/ui/cases/{id}"),
            )
            .await
        }
        // Too often asked: the same form again, now with the override field.
        Err(e @ engine::EngineError::RefereeFatigue { .. }) => {
            kept["fatigue"] = json!(true);
            let errors = [FieldError {
                field: "override_reason".into(),
                message: format!(
                    "{e}. To ask anyway, say why; the reason is kept in the case's audit trail"
                ),
            }];
            case_page(
                &state,
                &session,
                *id,
                StatusCode::CONFLICT,
                Some((kept, &errors)),
            )
            .await
        }
        Err(e @ engine::EngineError::RefereeOptedOut) => {
            let errors = [FieldError {
                field: "email".into(),
                message: e.to_string(),
            }];
            case_page(
                &state,
                &session,
                *id,
                StatusCode::CONFLICT,
                Some((kept, &errors)),
            )
            .await
        }
        Err(engine::EngineError::Validation { field, message }) => {
            let errors = [FieldError { field, message }];
            case_page(
                &state,
                &session,
                *id,
                crate::error::INVALID_INPUT,
                Some((kept, &errors)),
            )
            .await
        }
        Err(e) => {
            after_action(
                &state,
                &session,
                Err::<(), _>(e),
                |_| String::new(),
                &format!("/ui/cases/{id}"),
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NominateForm {
    count: String,
}

#[post("/cases/{id}/nominate")]
pub async fn nominate(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    id: web::Path<Uuid>,
    UiForm(form): UiForm<NominateForm>,
) -> Result<HttpResponse, ApiError> {
    let back = format!("/ui/cases/{id}");
    let mut errors = Vec::new();
    let count = number_field("count", &form.count, NOMINATIONS, &mut errors);
    if let Some(e) = errors.first() {
        return flash_redirect(
            &state,
            &session,
            false,
            &format!("Not sent: {}.", e.message),
            &back,
        )
        .await;
    }
    let result = state
        .engine
        .links()
        .request_nominations(*id, count.map(|c| c as u32), &Actor::User(user.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "The provider's contact is being emailed a link to nominate references. You will be told when they do.".to_owned(),
        &back,
    )
    .await
}

#[post("/cases/{id}/self-assessment")]
pub async fn request_self_assessment(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .links()
        .request_self_assessment(*id, &Actor::User(user.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "The provider's contact is being emailed a link to rate their own firm. Their answers will appear in the report beside the referees'.".to_owned(),
        &format!("/ui/cases/{id}"),
    )
    .await
}

#[post("/cases/{id}/launch")]
pub async fn launch(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .cases()
        .launch_case(*id, &Actor::User(user.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| {
            "Launched. Invitations are on their way; silent referees are reminded automatically."
                .to_owned()
        },
        &format!("/ui/cases/{id}"),
    )
    .await
}

#[post("/cases/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .cases()
        .cancel_case(*id, &Actor::User(user.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "Case cancelled. Every referee link has stopped working.".to_owned(),
        &format!("/ui/cases/{id}"),
    )
    .await
}

#[post("/cases/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    session: UiSession,
    Staff(user): Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let result = state
        .engine
        .cases()
        .close_case(*id, &Actor::User(user.id))
        .await;
    after_action(
        &state,
        &session,
        result,
        |_| "Collection closed early. The case is ready for review.".to_owned(),
        &format!("/ui/cases/{id}"),
    )
    .await
}

/// The reference, checked to belong to the case in the path.
async fn reference_of(
    state: &AppState,
    case_id: Uuid,
    reference_id: Uuid,
) -> Result<String, ApiError> {
    state
        .engine
        .cases()
        .case(case_id)
        .await?
        .references
        .into_iter()
        .find(|r| r.id == reference_id)
        .map(|r| r.name)
        .ok_or(ApiError::NotFound("reference"))
}

/// An action on one reference of the case in the path, answered with a flash on the case
/// page: `act` runs once the reference is known to belong to the case, and `done` words
/// its success with the referee's name.
async fn on_reference<T>(
    state: &AppState,
    session: &UiSession,
    (case_id, id): (Uuid, Uuid),
    act: impl AsyncFnOnce(Uuid) -> Result<T, engine::EngineError>,
    done: impl FnOnce(&str) -> String,
) -> Result<HttpResponse, ApiError> {
    let name = reference_of(state, case_id, id).await?;
    let result = act(id).await;
    after_action(
        state,
        session,
        result,
        |_| done(&name),
        &format!("/ui/cases/{case_id}"),
    )
    .await
}

#[post("/cases/{case_id}/references/{id}/resend")]
pub async fn resend(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let act = async |id| {
        let actor = Actor::User(user.id);
        state.engine.cases().resend_reference(id, &actor).await
    };
    on_reference(&state, &session, path.into_inner(), act, |name| {
        format!("A new link is on its way to {name}; the old one no longer works.")
    })
    .await
}

#[post("/cases/{case_id}/references/{id}/invite")]
pub async fn invite(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let act = async |id| {
        let actor = Actor::User(user.id);
        state.engine.cases().invite_reference(id, &actor).await
    };
    on_reference(&state, &session, path.into_inner(), act, |name| {
        format!("{name}'s invitation is on its way.")
    })
    .await
}

#[post("/cases/{case_id}/references/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    session: UiSession,
    Ops(user): Ops,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let act = async |id| {
        let actor = Actor::User(user.id);
        state.engine.cases().withdraw_reference(id, &actor).await
    };
    on_reference(&state, &session, path.into_inner(), act, |name| {
        format!("{name} was withdrawn; their link no longer works.")
    })
    .await
}
