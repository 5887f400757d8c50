//! The JSON API's route table. Every route here sits in the `/api/v1` scope behind
//! `authenticate` (resolves the bearer token) and `idempotent` (Idempotency-Key on POST);
//! tests/api/docs.rs reads the handler attributes of this directory as that scope's routes
//! and checks them against the OpenAPI document.

mod cases;
mod docs;
mod engagements;
mod insights;
mod jobs;
mod lifecycle;
mod me;
mod privacy;
mod profile;
mod providers;
mod report;
mod templates;
mod webhooks;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::error::ApiError;
use crate::{auth, idempotency};

pub(crate) use cases::*;
pub(crate) use docs::*;
pub(crate) use engagements::*;
pub(crate) use insights::*;
pub(crate) use jobs::*;
pub(crate) use lifecycle::*;
pub(crate) use me::*;
pub(crate) use privacy::*;
pub(crate) use profile::*;
pub(crate) use providers::*;
pub(crate) use report::*;
pub(crate) use templates::*;
pub(crate) use webhooks::*;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::PathConfig::default().error_handler(|_, _| ApiError::NotFound("resource").into()),
    )
    .service(
        web::scope("/api/v1")
            .wrap(from_fn(idempotency::idempotent))
            .wrap(from_fn(auth::authenticate))
            .service(openapi_json)
            .service(me)
            .service(create_provider)
            .service(list_providers)
            .service(get_provider)
            .service(create_case)
            .service(list_cases)
            .service(get_case)
            .service(add_reference)
            .service(launch_case)
            .service(nominate)
            .service(request_self_assessment)
            .service(cancel_case)
            .service(close_case)
            .service(case_events)
            .service(case_report_csv)
            .service(case_report)
            .service(record_decision)
            .service(resend_reference)
            .service(invite_reference)
            .service(withdraw_reference)
            .service(list_engagements)
            .service(get_engagement)
            .service(add_stakeholder)
            .service(add_provider_contact)
            .service(start_pulse)
            .service(end_engagement)
            .service(calibration)
            .service(response_insights)
            .service(list_jobs)
            .service(retry_job)
            .service(get_profile)
            .service(put_profile)
            .service(list_templates)
            .service(create_template)
            .service(list_webhooks)
            .service(create_webhook)
            .service(retry_webhook_delivery)
            .service(place_hold)
            .service(release_hold)
            .service(subject_access)
            .service(erase_subject)
            .service(get_webhook)
            .service(delete_webhook)
            .service(rotate_webhook)
            .service(enable_webhook)
            .service(disable_webhook)
            .service(test_webhook)
            .service(webhook_deliveries)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound("resource"))
            })),
    );
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<engine::PageRequest, ApiError> {
        Ok(engine::PageRequest::parse(
            self.limit,
            self.cursor.as_deref(),
        )?)
    }
}
