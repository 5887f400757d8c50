//! Erasure on request (GDPR Art. 17), carried out everywhere in one transaction: the
//! address joins the opt-out list (as a keyed hash) and its outstanding requests are
//! withdrawn; the identity and free text of every reference request sent to it are erased
//! (the numeric answers stay with the pseudonymous reference, so past reports keep their
//! scores); the emails sent to it lose recipient, subject and error; stakeholder entries
//! (the buyer's people and the provider's contacts of engagements)
//! are removed and provider contacts blanked; stored API answers quoting it are deleted;
//! audit events keep their kind, time and actor role but lose what quoted the person.
//!
//! A case under legal hold keeps its data (Art. 17(3)(e)), and the answer says how much
//! was kept and why. The erasure itself is audited without the address in clear.

use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::privacy::hold::checked_reason;
use crate::privacy::redact::redact_addresses;
use crate::store::opt_outs;
use crate::store::privacy::{self, CommentCounts, IdentityCounts};
use crate::users::normalize_email;
use crate::{Engine, EngineError};
use store::TransactionTrait;

/// What an erasure did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Erasure {
    pub erased: ErasedCounts,
    /// Data kept because its case is under legal hold; absent when nothing was kept.
    pub kept: Option<KeptData>,
    /// False when the address was on the opt-out list already.
    pub newly_opted_out: bool,
}

/// Counts of what an erasure removed.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErasedCounts {
    /// Outstanding requests withdrawn (in every case).
    pub withdrawn: u64,
    pub identity: IdentityCounts,
    pub comments: CommentCounts,
    /// Email-log entries to the address outside held cases.
    pub emails: u64,
    /// Stakeholder and provider-contact entries of engagements.
    pub stakeholders: u64,
    pub provider_contacts: u64,
    /// Stored Idempotency-Key answers that quoted the address.
    pub stored_answers: u64,
}

/// Data an erasure left in place, and why.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeptData {
    /// Reference requests kept whole.
    pub references: u64,
    /// The held cases they belong to.
    pub cases: Vec<Uuid>,
    pub reason: String,
}

const KEPT_BECAUSE: &str = "These cases are under legal hold: their data is kept for the establishment, exercise or defence of legal claims (GDPR Art. 17(3)(e)). Lift the hold and erase again once it no longer applies.";

impl Engine {
    /// Erases what is held about `email` (see the module docs). `reason` (required) goes
    /// to the audit trail with any address in it shortened.
    // No `err` and no fields: the address stays out of the logs.
    #[tracing::instrument(skip_all)]
    pub async fn erase_subject(
        &self,
        email: &str,
        reason: &str,
        admin: Uuid,
    ) -> Result<Erasure, EngineError> {
        let email = normalize_email(email);
        if email.is_empty() {
            return Err(EngineError::validation("email", "Give an email address."));
        }
        let reason = redact_addresses(&checked_reason(reason)?).into_owned();
        let now = self.now();
        let txn = self.db.begin().await?;
        let newly_opted_out = opt_outs::insert(&txn, &email, now).await?;
        let withdrawn = self.withdraw_everywhere(&txn, &email).await?;

        let references = privacy::references_to(&txn, &email).await?;
        let mut case_ids: Vec<Uuid> = references.iter().map(|r| r.case_id).collect();
        case_ids.sort();
        case_ids.dedup();
        let unheld: std::collections::HashMap<Uuid, _> = privacy::lock_unheld(&txn, &case_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let held: Vec<Uuid> = case_ids
            .iter()
            .filter(|id| !unheld.contains_key(id))
            .copied()
            .collect();
        let (erasable, kept): (Vec<_>, Vec<_>) = references
            .into_iter()
            .partition(|r| unheld.contains_key(&r.case_id));

        let text_keys = self.text_keys_of(&txn, &erasable, &unheld).await?;
        let comments = privacy::erase_comments(&txn, &text_keys, now).await?;
        let organisations = self.organisations_of(&erasable);
        let identity = privacy::erase_identity(&txn, &organisations, now).await?;
        let emails = privacy::erase_emails_to(&txn, &email, &held).await?;
        let stakeholders = privacy::stakeholders_with(&txn, &email).await?;
        let stakeholders = privacy::delete_stakeholders(&txn, &stakeholders).await?;
        let provider_contacts = privacy::erase_provider_contacts(&txn, &email, now).await?;
        let stored_answers = privacy::delete_stored_answers_mentioning(&txn, &email).await?;

        let erased = ErasedCounts {
            withdrawn: withdrawn.len() as u64,
            identity,
            comments,
            emails,
            stakeholders,
            provider_contacts,
            stored_answers,
        };
        let kept = (!kept.is_empty()).then(|| KeptData {
            references: kept.len() as u64,
            cases: held.clone(),
            reason: KEPT_BECAUSE.to_owned(),
        });
        let address_hash = opt_outs::address_hash(&txn, &email, now).await?;
        audit::record(
            &txn,
            None,
            None,
            &Actor::User(admin),
            "privacy.erased",
            json!({
                "address_hash": address_hash,
                "reason": reason,
                "erased": erased,
                "kept_references": kept.as_ref().map_or(0, |k| k.references),
                "held_cases": held,
            }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(Erasure {
            erased,
            kept,
            newly_opted_out,
        })
    }
}
