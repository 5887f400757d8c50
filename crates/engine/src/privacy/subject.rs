//! Subject access (GDPR Art. 15): everything Vouch holds about one email address, in one
//! document an admin can hand over — the reference requests sent to it with the answers
//! and free text given, the emails sent, the audit events about those requests, the
//! engagements that list it as a stakeholder or a provider contact, the providers that
//! name it as their
//! contact, and whether it is on the opt-out list.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::{ReferenceStatus, ResponseStatus};
use crate::store::{cases, opt_outs, privacy, responses};
use crate::users::normalize_email;
use crate::{Engine, EngineError};

/// Everything stored about one address.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectExport {
    /// The address asked about, normalised.
    pub email: String,
    pub generated_at: DateTime<Utc>,
    /// Whether the address is on the opt-out list (kept as a keyed hash).
    pub opted_out: bool,
    pub references: Vec<SubjectReference>,
    pub emails: Vec<SubjectEmail>,
    pub events: Vec<SubjectEvent>,
    pub stakeholders: Vec<SubjectStakeholder>,
    pub provider_contacts: Vec<SubjectProviderContact>,
}

impl SubjectExport {
    /// Whether nothing at all is held.
    pub fn is_empty(&self) -> bool {
        !self.opted_out
            && self.references.is_empty()
            && self.emails.is_empty()
            && self.events.is_empty()
            && self.stakeholders.is_empty()
            && self.provider_contacts.is_empty()
    }
}

/// One reference request sent to the address.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectReference {
    pub reference_id: Uuid,
    pub case_id: Uuid,
    pub case_title: String,
    pub provider_name: String,
    /// Whether the case is under a legal hold (kept through erasure).
    pub on_hold: bool,
    pub name: String,
    pub company: String,
    pub relationship: String,
    pub status: ReferenceStatus,
    pub decline_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub invited_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub response: Option<SubjectResponse>,
}

/// The answers given, numeric and free text, with what was recorded about the visit.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectResponse {
    pub status: ResponseStatus,
    pub first_viewed_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Question key → answer as given.
    pub answers: BTreeMap<String, String>,
}

/// One email sent to the address.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectEmail {
    pub kind: String,
    pub subject: String,
    pub status: String,
    pub case_id: Option<Uuid>,
    pub reference_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// One audit event about a reference request sent to the address.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectEvent {
    pub kind: String,
    pub case_id: Option<Uuid>,
    pub reference_id: Option<Uuid>,
    pub actor: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// An engagement that lists the address among the buyer's stakeholders, or among the
/// provider's contacts asked for the provider side of its pulses (`side`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectStakeholder {
    pub stakeholder_id: Uuid,
    pub engagement_id: Uuid,
    pub side: crate::domain::StakeholderSide,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A provider that names the address as its contact.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubjectProviderContact {
    pub provider_id: Uuid,
    pub provider_name: String,
    pub contact_name: String,
}

impl Engine {
    /// Everything stored about `email` (see the module docs). Changes nothing.
    // No `err` and no fields: the address stays out of the logs.
    #[tracing::instrument(skip_all)]
    pub async fn subject_access(&self, email: &str) -> Result<SubjectExport, EngineError> {
        let email = normalize_email(email);
        if email.is_empty() {
            return Err(EngineError::validation("email", "Give an email address."));
        }
        let now = self.now();
        let references = privacy::references_to(&self.db, &email).await?;
        let ids: Vec<Uuid> = references.iter().map(|r| r.id).collect();
        let case_ids: Vec<Uuid> = references.iter().map(|r| r.case_id).collect();
        let case_rows = cases::by_ids(&self.db, &case_ids).await?;
        let refs: Vec<&cases::CaseRow> = case_rows.iter().collect();
        let (providers, _) = cases::parties_of(&self.db, &refs).await?;
        let case_of: BTreeMap<Uuid, &cases::CaseRow> =
            case_rows.iter().map(|c| (c.id, c)).collect();

        let mut exported = Vec::with_capacity(references.len());
        for r in references {
            let response = match responses::of_reference(&self.db, r.id).await? {
                Some(row) => {
                    let answers = responses::answers_of(&self.db, &[row.id])
                        .await?
                        .remove(&row.id)
                        .unwrap_or_default();
                    Some(SubjectResponse {
                        status: row.status,
                        first_viewed_at: row.first_viewed_at,
                        submitted_at: row.submitted_at,
                        client_ip: row.client_ip,
                        user_agent: row.user_agent,
                        answers,
                    })
                }
                None => None,
            };
            let case = case_of.get(&r.case_id);
            exported.push(SubjectReference {
                reference_id: r.id,
                case_id: r.case_id,
                case_title: case.map(|c| c.title.clone()).unwrap_or_default(),
                provider_name: case
                    .and_then(|c| providers.get(&c.provider_id))
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                on_hold: case.is_some_and(|c| c.hold_reason.is_some()),
                name: r.name,
                company: r.company,
                relationship: r.relationship,
                status: r.status,
                decline_reason: r.decline_reason,
                created_at: r.created_at,
                invited_at: r.invited_at,
                opened_at: r.opened_at,
                responded_at: r.responded_at,
                response,
            });
        }

        let emails = privacy::emails_to(&self.db, &email)
            .await?
            .into_iter()
            .map(|m| SubjectEmail {
                kind: m.kind,
                subject: m.subject,
                status: m.status.as_str().to_owned(),
                case_id: m.case_id,
                reference_id: m.reference_id,
                created_at: m.created_at,
                sent_at: m.sent_at,
                error: m.error,
            })
            .collect();
        let events = privacy::events_of_references(&self.db, &ids)
            .await?
            .into_iter()
            .map(|e| SubjectEvent {
                kind: e.kind,
                case_id: e.case_id,
                reference_id: e.reference_id,
                actor: e.actor,
                data: e.data,
                created_at: e.created_at,
            })
            .collect();
        let stakeholders = privacy::stakeholders_with(&self.db, &email)
            .await?
            .into_iter()
            .map(|s| SubjectStakeholder {
                stakeholder_id: s.id,
                engagement_id: s.engagement_id,
                side: s.side,
                name: s.name,
                created_at: s.created_at,
            })
            .collect();
        let provider_contacts = privacy::providers_with_contact(&self.db, &email)
            .await?
            .into_iter()
            .map(|p| SubjectProviderContact {
                provider_id: p.id,
                provider_name: p.name,
                contact_name: p.contact_name,
            })
            .collect();
        let opted_out = opt_outs::contains(&self.db, &email, now).await?;
        Ok(SubjectExport {
            email,
            generated_at: now,
            opted_out,
            references: exported,
            emails,
            events,
            stakeholders,
            provider_contacts,
        })
    }
}
