//! Who am I.

use actix_web::{get, web};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use engine::domain::Role;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// The caller's own account.
#[utoipa::path(
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)),
    security(("bearer" = [])),
    tag = "staff"
)]
#[get("/me")]
pub async fn me(caller: Caller) -> Result<web::Json<Me>, ApiError> {
    let u = caller.0;
    Ok(web::Json(Me {
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
    }))
}
