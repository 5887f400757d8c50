//! Privacy (admins only): legal hold of a case, subject access and erasure. Contract:
//! API.md "Privacy"; what each does: docs/privacy.md.

use actix_web::{HttpResponse, delete, get, post, web};
use engine::privacy::erase::Erasure;
use engine::privacy::hold::CaseHold;
use engine::privacy::subject::SubjectExport;
use serde::Deserialize;
use uuid::Uuid;
use validator::{Validate, ValidateEmail};

use crate::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, Problem};
use crate::extract::{ValidJson, ValidQuery};

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceHold {
    /// Why the case's data must be kept (a claim, an investigation, a request of counsel).
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

/// Place a legal hold on a case (or change its reason): nothing of the case is purged,
/// by retention or by erasure, until it is lifted.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    request_body = PlaceHold,
    responses((status = 200, body = CaseHold), (status = 404, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "privacy"
)]
#[post("/cases/{id}/hold")]
pub async fn place_hold(
    state: web::Data<AppState>,
    Admin(user): Admin,
    id: web::Path<Uuid>,
    body: ValidJson<PlaceHold>,
) -> Result<HttpResponse, ApiError> {
    let hold = state
        .engine
        .privacy()
        .place_hold(*id, user.id, &body.0.reason)
        .await?;
    Ok(HttpResponse::Ok().json(hold))
}

/// Lift a case's legal hold (nothing happens when it has none). Purges that came due
/// meanwhile happen at the next retention run.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "privacy"
)]
#[delete("/cases/{id}/hold")]
pub async fn release_hold(
    state: web::Data<AppState>,
    Admin(user): Admin,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.engine.privacy().release_hold(*id, user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubjectQuery {
    /// The address asked about.
    pub email: String,
}

/// Whether `email` (as typed, surrounding spaces aside) is an address of at most 254
/// characters: the check of subject access and erasure, in the API and the admin page.
pub(crate) fn is_address(email: &str) -> bool {
    email.trim().validate_email() && email.len() <= 254
}

/// A checked address, or the 422 naming `field`.
fn checked_email(email: &str, field: &str) -> Result<(), ApiError> {
    if is_address(email) {
        Ok(())
    } else {
        Err(ApiError::field(field, "must be an email address"))
    }
}

/// Everything stored about one email address (a subject-access request): the reference
/// requests sent to it with their answers and free text, the emails sent, the audit events
/// about those requests, stakeholder and provider-contact entries, and whether it opted out.
#[utoipa::path(
    params(SubjectQuery),
    responses(
        (status = 200, body = SubjectExport),
        (status = 422, body = Problem, description = "`email` missing or not an address")
    ),
    security(("bearer" = ["admin"])),
    tag = "privacy"
)]
#[get("/privacy/subject")]
pub async fn subject_access(
    state: web::Data<AppState>,
    _: Admin,
    query: ValidQuery<SubjectQuery>,
) -> Result<HttpResponse, ApiError> {
    checked_email(&query.0.email, "email")?;
    let export = state.engine.subject_access(&query.0.email).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            "inline; filename=\"subject-access.json\"",
        ))
        .json(export))
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseSubject {
    /// The address whose data is to be erased.
    #[validate(email, length(max = 254))]
    pub email: String,
    /// Why (the request's reference, say); kept in the audit trail, with any address in
    /// it shortened.
    #[validate(length(min = 1, max = 2000))]
    pub reason: String,
}

/// Erase everything about one email address: identity and free text everywhere, the
/// address onto the opt-out list (as a hash), outstanding requests withdrawn. Data in
/// cases under legal hold is kept, and the answer says how much and why.
#[utoipa::path(
    request_body = EraseSubject,
    responses((status = 200, body = Erasure)),
    security(("bearer" = ["admin"])),
    tag = "privacy"
)]
#[post("/privacy/erase")]
pub async fn erase_subject(
    state: web::Data<AppState>,
    Admin(user): Admin,
    body: ValidJson<EraseSubject>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let erasure = state
        .engine
        .erase_subject(&b.email, &b.reason, user.id)
        .await?;
    Ok(HttpResponse::Ok().json(erasure))
}
