//! The values profile.

use actix_web::{HttpResponse, get, put, web};
use engine::audit::Actor;
use engine::profile::Dimension;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::AppState;
use crate::auth::{Admin, Caller};
use crate::error::{ApiError, Problem};
use crate::extract::ValidJson;

#[derive(Debug, Serialize, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Domain rules (unique keys, weight > 0, min_score 0–100) are checked by the engine.
    #[validate(length(min = 1, max = 50))]
    pub dimensions: Vec<Dimension>,
}

/// The company's values profile.
#[utoipa::path(responses((status = 200, body = Profile)), security(("bearer" = [])), tag = "profile")]
#[get("/profile")]
pub async fn get_profile(state: web::Data<AppState>, _: Caller) -> Result<HttpResponse, ApiError> {
    let dimensions = state.engine.questionnaires().profile().await?;
    Ok(HttpResponse::Ok().json(Profile { dimensions }))
}

/// Replace the values profile. Cases already created keep their snapshot.
#[utoipa::path(
    request_body = Profile,
    responses((status = 200, body = Profile), (status = 422, body = Problem)),
    security(("bearer" = ["admin"])),
    tag = "profile"
)]
#[put("/profile")]
pub async fn put_profile(
    state: web::Data<AppState>,
    Admin(user): Admin,
    body: ValidJson<Profile>,
) -> Result<HttpResponse, ApiError> {
    let dimensions = state
        .engine
        .questionnaires()
        .replace_profile(body.0.dimensions, &Actor::User(user.id))
        .await?;
    Ok(HttpResponse::Ok().json(Profile { dimensions }))
}
