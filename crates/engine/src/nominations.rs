//! Asking the provider to nominate its own client references: the ops lead requests N
//! names, the provider's contact gets a link (`/n/{token}`), and what they enter becomes
//! pending references on the case.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::cases::{NewReference, to_reference};
use crate::credentials::token_hash;
use crate::domain::{CaseStatus, ReferenceRequest, VettingCase, stored};
use crate::entity::{nomination, reference_request, vetting_case};
use crate::jobs::{OwnerNotice, Task};
use crate::machine::CaseEvent;
use crate::users::normalize_email;
use crate::workflow::{lock_case, set_case_status};
use crate::{Engine, EngineError};

/// Most references one nomination link asks for.
pub const MAX_NOMINATIONS: u32 = 10;

/// What the nomination page shows.
#[derive(Clone, Debug)]
pub struct NominationForm {
    pub provider_name: String,
    pub requested_by: String,
    pub count: u32,
    /// The provider's own domains (website, contact email): a referee there is suspect.
    pub provider_domains: Vec<String>,
    /// Emails already on the case, to catch duplicates.
    pub existing_emails: Vec<String>,
}

/// The host of a URL or the domain of an email address, lowercased, without `www.`.
pub fn domain_of(url_or_email: &str) -> Option<String> {
    let s = url_or_email.trim().to_lowercase();
    let host = match s.rsplit_once('@') {
        Some((_, domain)) => domain.to_owned(),
        None => {
            let rest = s.split_once("://").map(|(_, r)| r).unwrap_or(&s);
            rest.split(['/', ':', '?', '#'])
                .next()
                .unwrap_or("")
                .to_owned()
        }
    };
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    (!host.is_empty()).then_some(host)
}

fn not_found() -> EngineError {
    EngineError::NotFound { entity: "link" }
}

impl Engine {
    /// Emails the provider's contact a link to nominate `count` references; the case moves
    /// to `nominating`. Asking again replaces the earlier link.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn request_nominations(
        &self,
        case_id: Uuid,
        count: u32,
        actor: &Actor,
    ) -> Result<VettingCase, EngineError> {
        if !(1..=MAX_NOMINATIONS).contains(&count) {
            return Err(EngineError::validation(
                "count",
                format!("must be between 1 and {MAX_NOMINATIONS}"),
            ));
        }
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = lock_case(&txn, case_id).await?;
        set_case_status(
            &txn,
            case,
            CaseEvent::Nominate,
            actor,
            json!({ "count": count }),
            now,
        )
        .await?;
        nomination::Entity::update_many()
            .col_expr(nomination::Column::Status, Expr::value("superseded"))
            .filter(nomination::Column::CaseId.eq(case_id))
            .filter(nomination::Column::Status.is_in(["pending", "sent"]))
            .exec(&txn)
            .await?;
        let id = Uuid::now_v7();
        nomination::ActiveModel {
            id: Set(id),
            case_id: Set(case_id),
            token_hash: Set(None),
            requested_count: Set(count as i32),
            status: Set("pending".into()),
            created_at: Set(now),
            submitted_at: Set(None),
        }
        .insert(&txn)
        .await?;
        self.enqueue(&txn, &Task::SendNomination { nomination_id: id }, now)
            .await?;
        txn.commit().await?;
        self.case(case_id).await
    }

    async fn resolve_nomination_token(
        &self,
        token: &str,
    ) -> Result<(nomination::Model, vetting_case::Model), EngineError> {
        let row = nomination::Entity::find()
            .filter(nomination::Column::TokenHash.eq(token_hash(token)))
            .one(&self.db)
            .await?
            .ok_or_else(not_found)?;
        match row.status.as_str() {
            "submitted" => {
                return Err(EngineError::InvalidState {
                    entity: "nomination",
                    action: "submit",
                    current: "submitted".into(),
                });
            }
            "pending" | "sent" => {}
            _ => return Err(not_found()),
        }
        let case = vetting_case::Entity::find_by_id(row.case_id)
            .one(&self.db)
            .await?
            .ok_or_else(not_found)?;
        match stored::<CaseStatus>(&case.status)? {
            CaseStatus::Nominating | CaseStatus::Collecting => Ok((row, case)),
            CaseStatus::Cancelled | CaseStatus::Draft => Err(not_found()),
            CaseStatus::Review | CaseStatus::Decided => {
                Err(EngineError::Gone("this request is closed".into()))
            }
        }
    }

    pub async fn nomination_form(&self, token: &str) -> Result<NominationForm, EngineError> {
        let (row, case) = self.resolve_nomination_token(token).await?;
        let (provider, owner) = self.case_parties(&case).await?;
        let existing_emails = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(case.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.email)
            .collect();
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
            existing_emails,
        })
    }

    /// Adds the nominated references (already validated by the caller) to the case, once:
    /// a second submission of the same link is refused.
    #[tracing::instrument(skip_all, err)]
    pub async fn submit_nominations(
        &self,
        token: &str,
        nominees: Vec<NewReference>,
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
        let claimed = nomination::Entity::update_many()
            .col_expr(nomination::Column::Status, Expr::value("submitted"))
            .col_expr(nomination::Column::SubmittedAt, Expr::value(Some(now)))
            .filter(nomination::Column::Id.eq(row.id))
            .filter(nomination::Column::Status.is_in(["pending", "sent"]))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(EngineError::InvalidState {
                entity: "nomination",
                action: "submit",
                current: "submitted".into(),
            });
        }
        let case = lock_case(&txn, row.case_id).await?;
        let mut added = Vec::new();
        for nominee in nominees {
            let email = normalize_email(&nominee.email);
            let duplicate = reference_request::Entity::find()
                .filter(reference_request::Column::CaseId.eq(case.id))
                .filter(reference_request::Column::Email.eq(email))
                .one(&txn)
                .await?;
            if duplicate.is_some() {
                continue;
            }
            added.push(
                self.insert_reference(&txn, &case, nominee, &Actor::Provider)
                    .await?,
            );
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
        added.into_iter().map(to_reference).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_read_from_urls_and_emails() {
        assert_eq!(
            domain_of("https://www.Ledger.example/about").as_deref(),
            Some("ledger.example")
        );
        assert_eq!(
            domain_of("pat@Ledger.Example").as_deref(),
            Some("ledger.example")
        );
        assert_eq!(
            domain_of("ledger.example:8080").as_deref(),
            Some("ledger.example")
        );
        assert_eq!(domain_of("  ").as_deref(), None);
    }
}
