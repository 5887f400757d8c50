//! "Don't ask me again" (API.md "Referee protection"). Every email to a referee links to
//! `/u/{token}` and names it in `List-Unsubscribe`. Any token ever sent to the referee
//! works, revoked ones too: the header of an old email cannot be recalled, and a person
//! who says "stop" must not be told their link is too old.
//!
//! Opting out puts the address on the list (`store::opt_outs`, hashed), withdraws its
//! outstanding requests in every case, and makes adding it to a case later fail with
//! `RefereeOptedOut` (`Engine::insert_reference`). Answers already given stay.
//!
//! A link of a reference whose address was erased still shows its page and accepts the
//! POST (its holder must not be told the link is too old), but changes nothing: the
//! address is not known any more, and the blank left in its place is shared by every
//! erased reference. An erasure request has put the address on the list already.

use serde_json::json;
use store::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::token_hash;
use crate::machine::ReferenceEvent;
use crate::outbox::{OwnerNotice, Task};
use crate::store::references::{self, ReferenceRow};
use crate::store::{cases, opt_outs, tokens};
use crate::transitions::set_reference_status;
use crate::users::normalize_email;
use crate::{Engine, EngineError};

/// `withdrawn_reason` of a reference withdrawn because its referee opted out.
pub const OPTED_OUT: &str = "opted_out";

/// What the confirm page shows. Never the whole address: the link may have been
/// forwarded, and the page needs only enough for its owner to recognise it.
#[derive(Clone, Debug)]
pub struct OptOutPage {
    /// The provider the email asked about.
    pub provider_name: String,
    /// The address with its local part hidden but the first character, e.g.
    /// `s…@client.example`.
    pub address_hint: String,
    /// Whether the address is on the list already.
    pub opted_out: bool,
    /// What decides the page's language.
    pub languages: crate::domain::LinkLanguages,
}

/// What recording an opt-out did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptOut {
    /// False when the address was on the list already.
    pub newly_listed: bool,
    /// Outstanding references withdrawn, over every case.
    pub withdrawn: usize,
}

fn not_found() -> EngineError {
    EngineError::NotFound { entity: "link" }
}

/// `sam@client.example` → `s…@client.example`.
fn address_hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => "…".to_owned(),
    }
}

/// Whether the reference's address was erased (by retention or an erasure request).
fn is_erased(reference: &ReferenceRow) -> bool {
    reference.identity_erased_at.is_some() || reference.email.trim().is_empty()
}

impl Engine {
    /// The reference behind any token ever issued for it; unknown → `NotFound { "link" }`.
    async fn opt_out_reference(
        &self,
        conn: &impl ConnectionTrait,
        token: &str,
    ) -> Result<ReferenceRow, EngineError> {
        let id = tokens::any_reference(conn, &token_hash(token))
            .await?
            .ok_or_else(not_found)?;
        references::get(conn, id).await.map_err(|e| match e {
            store::StoreError::NotFound { .. } => not_found(),
            other => other.into(),
        })
    }

    /// Withdraws the outstanding requests (`pending`, `invited`, `opened`) to `email`
    /// (normalised) in every case, with `withdrawn_reason` `opted_out`, telling the owner
    /// of each case still open; returns the references withdrawn.
    pub(crate) async fn withdraw_everywhere(
        &self,
        txn: &store::DatabaseTransaction,
        email: &str,
    ) -> Result<Vec<Uuid>, EngineError> {
        let now = self.now();
        if email.trim().is_empty() {
            // A blank address is no one's: it is what erasure leaves on many references.
            return Ok(Vec::new());
        }
        // The store's locking order: each case row before its references, and several
        // cases in ascending id order, so two opt-outs touching the same cases queue
        // instead of deadlocking.
        let mut case_ids: Vec<Uuid> = references::outstanding_with_email(txn, email)
            .await?
            .into_iter()
            .map(|r| r.case_id)
            .collect();
        case_ids.sort();
        case_ids.dedup();
        let mut withdrawn = Vec::new();
        for case_id in case_ids {
            let case = cases::lock(txn, case_id).await?;
            // Read again under the lock, so the statuses are current.
            let outstanding = references::of_case(txn, case_id)
                .await?
                .into_iter()
                .filter(|r| r.email == email && r.status.is_outstanding());
            for row in outstanding {
                let id = row.id;
                // Each referee acts in their own case; no case's trail names another's.
                let actor = Actor::Referee(id);
                tokens::revoke(txn, &[id], now).await?;
                let row = set_reference_status(
                    txn,
                    row,
                    ReferenceEvent::Withdraw,
                    &actor,
                    json!({ "reason": OPTED_OUT }),
                    now,
                )
                .await?;
                references::set_withdrawn_reason(txn, row, OPTED_OUT).await?;
                audit::record(
                    txn,
                    Some(case_id),
                    Some(id),
                    &actor,
                    "reference.opted_out",
                    json!({ "withdrawn": true }),
                    now,
                )
                .await?;
                // A closed case no longer waits for anyone; its owner need not hear of it.
                if case.status.accepts_references() {
                    let notice = Task::NotifyOwner {
                        case_id,
                        notice: OwnerNotice::OptedOut { reference_id: id },
                    };
                    self.enqueue(txn, &notice, now).await?;
                }
                withdrawn.push(id);
            }
            self.advance_if_complete(txn, case).await?;
        }
        Ok(withdrawn)
    }
}

impl crate::services::Links<'_> {
    /// What the confirm page of `/u/{token}` needs. Changes nothing: mail scanners open
    /// links before people do.
    #[tracing::instrument(skip_all, err)]
    pub async fn opt_out_page(&self, token: &str) -> Result<OptOutPage, EngineError> {
        let reference = self.opt_out_reference(&self.db, token).await?;
        let case = cases::get(&self.db, reference.case_id).await?;
        let provider = cases::provider_of(&self.db, &case).await?;
        // An erased address cannot be looked up; the page offers the form as for any link.
        let opted_out = !is_erased(&reference)
            && opt_outs::contains(&self.db, &reference.email, self.now()).await?;
        Ok(OptOutPage {
            languages: self.link_languages(reference.locale.as_deref(), &case, None),
            provider_name: provider.name,
            address_hint: address_hint(&reference.email),
            opted_out,
        })
    }

    /// Puts the address behind `token` on the opt-out list and withdraws its outstanding
    /// requests (`pending`, `invited`, `opened`) in every case, with `withdrawn_reason`
    /// `opted_out`; the owner of each case still open is told. One transaction. Running
    /// it again is harmless: the address is listed once and nothing is left to withdraw.
    #[tracing::instrument(skip_all, err)]
    pub async fn record_opt_out(&self, token: &str) -> Result<OptOut, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let reference = self.opt_out_reference(&txn, token).await?;
        if is_erased(&reference) {
            // The address is gone, so there is nothing of it to list or withdraw. Going on
            // would list the blank address and withdraw every other erased reference still
            // open, in every case: people this link was never sent to.
            return Ok(OptOut {
                newly_listed: false,
                withdrawn: 0,
            });
        }
        let email = normalize_email(&reference.email);
        let newly_listed = opt_outs::insert(&txn, &email, now).await?;
        let withdrawn = self.withdraw_everywhere(&txn, &email).await?;
        // The opt-out itself is on the trail even when nothing was left to withdraw (the
        // referee had answered, declined or been withdrawn already).
        if newly_listed && !withdrawn.contains(&reference.id) {
            audit::record(
                &txn,
                Some(reference.case_id),
                Some(reference.id),
                &Actor::Referee(reference.id),
                "reference.opted_out",
                json!({ "withdrawn": false }),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        Ok(OptOut {
            newly_listed,
            withdrawn: withdrawn.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::address_hint;

    #[test]
    fn the_address_hint_keeps_the_first_character_and_the_domain() {
        assert_eq!(address_hint("sam@client.example"), "s…@client.example");
        assert_eq!(address_hint("émile@exemple.fr"), "é…@exemple.fr");
        assert_eq!(address_hint("not-an-address"), "…");
    }
}
