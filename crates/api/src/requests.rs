//! Request bodies shared by the JSON API and the staff UI's forms: their shape rules
//! (validator) are written once here, and both front ends turn them into engine calls.

use engine::cases::NewReference;
use engine::providers::NewProvider;
use engine::report::{MAX_RATIONALE_CHARS, Outcome};
use serde::Deserialize;
use validator::Validate;

use crate::extract::not_blank;

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProvider {
    #[validate(length(max = 200), custom(function = "not_blank"))]
    pub name: String,
    /// e.g. accounting, marketing, it, hr, legal.
    #[validate(length(max = 100), custom(function = "not_blank"))]
    pub category: String,
    #[validate(url, length(max = 500))]
    pub website: Option<String>,
    #[validate(length(max = 200), custom(function = "not_blank"))]
    pub contact_name: String,
    #[validate(email, length(max = 320))]
    pub contact_email: String,
    /// The language the provider's people are written to in (`en`, `de`, `fr`, `es`,
    /// `ar`): nomination, self-assessment and the provider side of pulses. An unsupported
    /// one → 422 naming `locale`.
    #[validate(length(max = 35))]
    pub locale: Option<String>,
}

impl CreateProvider {
    pub fn into_new(self) -> NewProvider {
        NewProvider {
            name: self.name,
            category: self.category,
            website: self.website,
            contact_name: self.contact_name,
            contact_email: self.contact_email,
            locale: self.locale,
        }
    }
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReference {
    #[validate(length(max = NewReference::MAX_NAME), custom(function = "not_blank"))]
    pub name: String,
    #[validate(email, length(max = NewReference::MAX_EMAIL))]
    pub email: String,
    #[validate(length(max = NewReference::MAX_COMPANY), custom(function = "not_blank"))]
    pub company: String,
    /// How the referee knows the provider, e.g. "client since 2022, CFO".
    #[validate(
        length(max = NewReference::MAX_RELATIONSHIP),
        custom(function = "not_blank")
    )]
    pub relationship: String,
    /// Why this person may be asked although they were asked for references
    /// `workflow.referee_requests_per_90_days` times in the last 90 days (otherwise 409
    /// `/problems/referee-fatigue`). Kept in the audit trail.
    #[validate(length(max = NewReference::MAX_OVERRIDE_REASON))]
    pub override_reason: Option<String>,
    /// The language to write to this referee in (`en`, `de`, `fr`, `es`, `ar`, or a
    /// locale the operator added); an unsupported one, or one the case's questionnaire
    /// has no wording in, → 422. Unset: negotiated from the link, the browser and the
    /// case.
    #[schema(example = "de")]
    pub locale: Option<String>,
}

impl CreateReference {
    pub fn into_new(self) -> NewReference {
        NewReference {
            name: self.name,
            email: self.email,
            company: self.company,
            relationship: self.relationship,
            override_reason: self.override_reason,
            locale: self.locale,
        }
    }
}

#[derive(Debug, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub outcome: Outcome,
    #[validate(length(max = MAX_RATIONALE_CHARS), custom(function = "not_blank"))]
    pub rationale: String,
}
