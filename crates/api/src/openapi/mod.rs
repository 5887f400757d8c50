//! The OpenAPI 3.1 document, generated from the handlers' annotations. The annotations
//! name what is particular to an operation (its body, success answer, and the errors its
//! own logic gives); `answers::CommonAnswers` adds what the way it is served implies
//! (token, role, body reading, rate limit, idempotency, database) and marks every error as
//! `application/problem+json`.

mod answers;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use self::answers::CommonAnswers;
pub(crate) use self::answers::bearer_roles;
use crate::{health, metrics, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vouch API",
        description = "Reference checks for outsourced providers. Errors are \
            application/problem+json (RFC 9457). Staff operations need `Authorization: Bearer \
            <token>`; the roles an operation's `bearer` requirement lists are the roles \
            admitted (any of them), and `admin` is admitted everywhere. A POST may carry an \
            `Idempotency-Key`: a repeat with the same body is answered with the first answer \
            (`Idempotent-Replayed: true`), only to a caller whose role admits the operation \
            now (else 403), and never with a secret: a webhook's `secret` is not stored, so \
            a replay of its creation or rotation answers without it."
    ),
    paths(health::healthz, health::readyz, metrics::scrape),
    nest(
        (path = "/api/v1/public", api = PublicApi),
        (path = "/api/v1", api = StaffApi)
    ),
    modifiers(&BearerAuth, &CommonAnswers),
    tags(
        (name = "staff"), (name = "providers"), (name = "cases"),
        (name = "references"), (name = "profile"), (name = "templates"),
        (name = "reports"), (name = "engagements"), (name = "insights"), (name = "jobs"),
        (name = "webhooks"), (name = "privacy"), (name = "public"), (name = "health"), (name = "docs")
    )
)]
pub struct ApiDoc;

/// The routes under `/api/v1`, nested into `ApiDoc` with their prefix.
#[derive(OpenApi)]
#[openapi(paths(
    routes::openapi_json,
    routes::me,
    routes::create_provider,
    routes::list_providers,
    routes::get_provider,
    routes::create_case,
    routes::list_cases,
    routes::get_case,
    routes::add_reference,
    routes::launch_case,
    routes::nominate,
    routes::request_self_assessment,
    routes::cancel_case,
    routes::close_case,
    routes::case_events,
    routes::case_report,
    routes::case_report_csv,
    routes::record_decision,
    routes::resend_reference,
    routes::invite_reference,
    routes::withdraw_reference,
    routes::list_engagements,
    routes::get_engagement,
    routes::add_stakeholder,
    routes::add_provider_contact,
    routes::start_pulse,
    routes::end_engagement,
    routes::calibration,
    routes::response_insights,
    routes::list_jobs,
    routes::retry_job,
    routes::get_profile,
    routes::put_profile,
    routes::list_templates,
    routes::create_template,
    routes::list_webhooks,
    routes::create_webhook,
    routes::get_webhook,
    routes::delete_webhook,
    routes::rotate_webhook,
    routes::enable_webhook,
    routes::disable_webhook,
    routes::test_webhook,
    routes::webhook_deliveries,
    routes::retry_webhook_delivery,
    routes::place_hold,
    routes::release_hold,
    routes::subject_access,
    routes::erase_subject,
))]
struct StaffApi;

/// The questionnaire as JSON, reached with a referee's link token (no login).
#[derive(OpenApi)]
#[openapi(paths(crate::public::get_form, crate::public::post_form))]
struct PublicApi;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The roles each documented staff POST admits, for the Idempotency-Key middleware, which
/// checks them before replaying a stored answer.
pub fn post_roles() -> crate::idempotency::PostRoles {
    let doc = ApiDoc::openapi();
    crate::idempotency::PostRoles::new(doc.paths.paths.iter().filter_map(|(path, item)| {
        let roles = bearer_roles(item.post.as_ref()?)?;
        Some((path.clone(), roles))
    }))
}
