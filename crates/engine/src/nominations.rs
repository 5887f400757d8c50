//! Asking the provider to nominate its own client references: the ops lead requests N
//! names, the provider's contact gets a link (`/n/{token}`), and what they enter becomes
//! pending references on the case.

use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::cases::{Limits, NewReference};
use crate::credentials::token_hash;
use crate::domain::{CaseStatus, NominationStatus, ReferenceRequest, State, VettingCase};
use crate::machine::CaseEvent;
use crate::organisations::domain_of;
use crate::outbox::{OwnerNotice, Task};
use crate::store::cases::{self, CaseRow};
use crate::store::nominations::{self as nomination_rows, NominationRow};
use crate::store::references;
use crate::transitions::set_case_status;
use crate::users::normalize_email;
use crate::{Engine, EngineError};

/// How many references one nomination link asks for.
pub const NOMINATIONS: Limits = Limits {
    min: 1,
    max: 10,
    default: 3,
};

/// What the nomination page shows.
#[derive(Clone, Debug)]
pub struct NominationForm {
    pub provider_name: String,
    pub requested_by: String,
    pub count: u32,
    /// The provider's own domains (website, contact email): a referee there is suspect.
    pub provider_domains: Vec<String>,
}

fn not_found() -> EngineError {
    EngineError::NotFound { entity: "link" }
}

impl Engine {
    async fn resolve_nomination_token(
        &self,
        token: &str,
    ) -> Result<(NominationRow, CaseRow), EngineError> {
        let row = nomination_rows::find_by_token_hash(&self.db, &token_hash(token))
            .await?
            .ok_or_else(not_found)?;
        match row.status {
            NominationStatus::Submitted => {
                return Err(EngineError::InvalidState {
                    action: "submit",
                    current: State::Nomination(row.status),
                });
            }
            NominationStatus::Pending | NominationStatus::Sent => {}
            NominationStatus::Superseded => return Err(not_found()),
        }
        let case = cases::find(&self.db, row.case_id)
            .await?
            .ok_or_else(not_found)?;
        match case.status {
            CaseStatus::Nominating | CaseStatus::Collecting => Ok((row, case)),
            CaseStatus::Cancelled | CaseStatus::Draft => Err(not_found()),
            CaseStatus::Review | CaseStatus::Decided => {
                Err(EngineError::Gone("this request is closed".into()))
            }
        }
    }
}

impl crate::services::Links<'_> {
    /// Emails the provider's contact a link to nominate `count` references; the case moves
    /// to `nominating`. Asking again replaces the earlier link.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn request_nominations(
        &self,
        case_id: Uuid,
        count: Option<u32>,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        let count = count.map(|c| i32::try_from(c).unwrap_or(i32::MAX));
        let count = NOMINATIONS.check("count", count)? as u32;
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        set_case_status(
            &txn,
            case,
            CaseEvent::Nominate,
            actor,
            json!({ "count": count }),
            now,
        )
        .await?;
        nomination_rows::supersede_open(&txn, case_id).await?;
        let id = nomination_rows::insert_pending(&txn, case_id, count, now).await?;
        self.enqueue(&txn, &Task::SendNomination { nomination_id: id }, now)
            .await?;
        txn.commit().await?;
        self.cases().case(case_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn nomination_form(&self, token: &str) -> Result<NominationForm, EngineError> {
        let (row, case) = self.resolve_nomination_token(token).await?;
        let (provider, owner) = cases::parties(&self.db, &case).await?;
        let provider_domains = [
            provider.website.as_deref(),
            Some(provider.contact_email.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter_map(domain_of)
        .collect();
        Ok(NominationForm {
            provider_name: provider.name,
            requested_by: owner.name,
            count: row.requested_count as u32,
            provider_domains,
        })
    }

    /// Adds the nominated references (already validated by the caller) to the case, once:
    /// a second submission of the same link is refused. `client_ip` is kept: a referee
    /// answering from the provider's own address is a fraud signal in the report.
    #[tracing::instrument(skip_all, err)]
    pub async fn submit_nominations(
        &self,
        token: &str,
        nominees: Vec<NewReference>,
        client_ip: Option<String>,
    ) -> Result<Vec<ReferenceRequest>, EngineError> {
        let (row, _) = self.resolve_nomination_token(token).await?;
        if nominees.is_empty() || nominees.len() > row.requested_count as usize {
            return Err(EngineError::validation(
                "references",
                format!("name between 1 and {} references", row.requested_count),
            ));
        }
        let now = self.now();
        let txn = self.db.begin().await?;
        // The case first, as everywhere (store's locking order).
        let case = cases::lock(&txn, row.case_id).await?;
        if !nomination_rows::claim_submission(&txn, row.id, client_ip, now).await? {
            return Err(EngineError::InvalidState {
                action: "submit",
                current: State::Nomination(NominationStatus::Submitted),
            });
        }
        // Someone already on the case, asked too often lately, or who opted out is left
        // out without a word: the provider must not learn any of that about a person.
        let mut added = Vec::new();
        for nominee in nominees {
            let email = normalize_email(&nominee.email);
            if references::find_by_email(&txn, case.id, &email)
                .await?
                .is_some()
            {
                continue;
            }
            match self
                .insert_reference(&txn, &case, nominee, &Actor::Provider)
                .await
            {
                Ok(reference) => added.push(reference),
                Err(EngineError::RefereeFatigue { .. } | EngineError::RefereeOptedOut) => {}
                Err(e) => return Err(e),
            }
        }
        audit::record(
            &txn,
            Some(case.id),
            None,
            &Actor::Provider,
            "nomination.submitted",
            json!({ "added": added.len() }),
            now,
        )
        .await?;
        let notice = Task::NotifyOwner {
            case_id: case.id,
            notice: OwnerNotice::NominationsReceived {
                nomination_id: row.id,
                count: added.len() as u32,
            },
        };
        self.enqueue(&txn, &notice, now).await?;
        txn.commit().await?;
        Ok(added.into_iter().map(ReferenceRequest::from).collect())
    }
}
