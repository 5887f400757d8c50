//! Vetting cases and their references.

use actix_web::{HttpResponse, get, post, web};
use engine::audit::Actor;
use engine::cases::NewCase;
use engine::domain::{CaseStatus, ReferenceRequest, VettingCase};
use serde::Deserialize;
use uuid::Uuid;
use validator::Validate;

use crate::AppState;
use crate::auth::{Ops, Staff};
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::{ValidJson, ValidQuery};
use crate::requests::CreateReference;

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    pub provider_id: Uuid,
    /// At most 200 characters; defaults to "Reference check: <provider>".
    pub title: Option<String>,
    /// Defaults to the standard template; its newest version is used.
    pub template_id: Option<Uuid>,
    /// A shipped template by name instead of by id: `standard` or `quick` (the "Quick
    /// partner check"); not together with `template_id`.
    #[validate(custom(function = "shipped_template_key"))]
    #[schema(example = "quick")]
    pub template_key: Option<String>,
    /// Quorum: completed responses needed for a recommendation (1–20, default 3).
    pub min_responses: Option<i32>,
    /// Distinct client organisations needed for a recommendation
    /// (1–`min_responses`, default the smaller of 2 and `min_responses`).
    pub min_organisations: Option<i32>,
    /// Days from launch to the deadline (1–90, default 14).
    pub deadline_days: Option<i32>,
    /// The language referees are written to in unless one has their own (default
    /// `server.default_locale`); unsupported, or not in the questionnaire → 422.
    #[schema(example = "fr")]
    pub locale: Option<String>,
}

/// `template_key` names a shipped template: checked here so a typo is a 422 naming the
/// field before anything is looked up.
fn shipped_template_key(key: &str) -> Result<(), validator::ValidationError> {
    if engine::questionnaires::SHIPPED_KEYS.contains(&key) {
        return Ok(());
    }
    let mut e = validator::ValidationError::new("template_key");
    e.message = Some(
        format!(
            "must be one of: {}",
            engine::questionnaires::SHIPPED_KEYS.join(", ")
        )
        .into(),
    );
    Err(e)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseListQuery {
    pub status: Option<CaseStatus>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Open a vetting case in `draft`.
#[utoipa::path(
    request_body = CreateCase,
    responses((status = 201, body = VettingCase), (status = 422, body = Problem)),
    security(("bearer" = ["ops"])),
    tag = "cases"
)]
#[post("/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    Ops(user): Ops,
    body: ValidJson<CreateCase>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let template_id = match (b.template_id, b.template_key.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::Validation(vec![FieldError {
                field: "template_key".into(),
                message: "give template_id or template_key, not both".into(),
            }]));
        }
        (id, None) => id,
        (None, Some(key)) => Some(
            state
                .engine
                .questionnaires()
                .template_id_by_key("template_key", key)
                .await?,
        ),
    };
    let case = state
        .engine
        .cases()
        .create_case(
            NewCase {
                provider_id: b.provider_id,
                title: b.title,
                template_id,
                min_responses: b.min_responses,
                min_organisations: b.min_organisations,
                deadline_days: b.deadline_days,
                locale: b.locale,
            },
            user.id,
        )
        .await?;
    Ok(HttpResponse::Created().json(case))
}

/// List cases, newest first, optionally by status.
#[utoipa::path(
    params(CaseListQuery),
    responses((status = 200, body = engine::Page<VettingCase>)),
    security(("bearer" = ["ops", "hr"])),
    tag = "cases"
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    _: Staff,
    ValidQuery(query): ValidQuery<CaseListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = engine::PageRequest::parse(query.limit, query.cursor.as_deref())?;
    Ok(HttpResponse::Ok().json(state.engine.cases().list_cases(query.status, page).await?))
}

/// One case with its references and the count of references in each status.
#[utoipa::path(
    params(("id" = Uuid, Path)),
    responses((status = 200, body = VettingCase), (status = 404, body = Problem)),
    security(("bearer" = ["ops", "hr"])),
    tag = "cases"
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.engine.cases().case(*id).await?))
}

/// Add a referee (only in `draft`, `nominating` or `collecting`).
#[utoipa::path(
    params(("id" = Uuid, Path)),
    request_body = CreateReference,
    responses(
        (status = 201, body = ReferenceRequest),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the case no longer takes references; or the address was asked too often lately (type `/problems/referee-fatigue`: send `override_reason`), or opted out for good (type `/problems/referee-opted-out`)"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = ["ops"])),
    tag = "cases"
)]
#[post("/cases/{id}/references")]
pub async fn add_reference(
    state: web::Data<AppState>,
    Ops(user): Ops,
    id: web::Path<Uuid>,
    body: ValidJson<CreateReference>,
) -> Result<HttpResponse, ApiError> {
    let reference = state
        .engine
        .cases()
        .add_reference(*id, body.0.into_new(), &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Created().json(reference))
}
