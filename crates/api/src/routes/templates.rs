//! Questionnaire templates.

use actix_web::{HttpResponse, get, post, web};
use engine::audit::Actor;
use engine::questionnaire::Question;
use engine::questionnaires::{NewTemplate, Template};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, Problem};
use crate::extract::{ValidJson, not_blank};

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTemplate {
    /// Publish the next version of this template instead of a new template.
    pub template_id: Option<Uuid>,
    #[validate(length(max = 200), custom(function = "not_blank"))]
    pub name: String,
    #[validate(length(max = 2000))]
    #[serde(default)]
    pub description: String,
    /// Question rules (unique keys, known dimensions, options only on `choice`) are
    /// checked by the engine.
    pub questions: Vec<Question>,
}

/// Every template in one page (`next_cursor` is always null), in the list shape.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TemplateList {
    pub items: Vec<Template>,
    pub next_cursor: Option<String>,
}

/// Every template with all its versions.
#[utoipa::path(responses((status = 200, body = TemplateList)), security(("bearer" = ["admin"])), tag = "templates")]
#[get("/templates")]
pub async fn list_templates(
    state: web::Data<AppState>,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    let items = state.engine.questionnaires().list_templates().await?;
    Ok(HttpResponse::Ok().json(TemplateList {
        items,
        next_cursor: None,
    }))
}

/// Publish a template (or a new version of one). Published versions never change.
#[utoipa::path(
    request_body = CreateTemplate,
    responses((status = 201, body = Template), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "templates"
)]
#[post("/templates")]
pub async fn create_template(
    state: web::Data<AppState>,
    Admin(user): Admin,
    body: ValidJson<CreateTemplate>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let template = state
        .engine
        .questionnaires()
        .publish_template(
            NewTemplate {
                template_id: b.template_id,
                name: b.name.trim().to_owned(),
                description: b.description,
                questions: b.questions,
            },
            &Actor::User(user.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(template))
}
