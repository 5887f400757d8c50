//! The provider's contact gets a link to nominate references.

use chrono::{Datelike, Duration};
use mailer::{Email, NominationRequest, Recipient};
use serde_json::json;
use uuid::Uuid;

use super::{Delivery, Outcome, Outgoing};
use crate::credentials::{new_token, token_hash};
use crate::domain::{CaseStatus, NominationStatus};
use crate::outbox::EmailKey;
use crate::store::cases;
use crate::store::nominations as nomination_rows;
use crate::{Engine, EngineError};

impl Engine {
    /// The link is made here, as for referees, since only its hash is ever stored; it is
    /// stored with the email's log row, and only while the request is still pending, so a
    /// second run after the email went out neither sends again nor replaces the link the
    /// provider already received.
    pub(super) async fn send_nomination(
        &self,
        nomination_id: Uuid,
    ) -> Result<Outcome, EngineError> {
        let Some(nomination) = nomination_rows::find(&self.db, nomination_id).await? else {
            return Ok(Outcome::Done);
        };
        let Some(case) = cases::find(&self.db, nomination.case_id).await? else {
            return Ok(Outcome::Done);
        };
        if nomination.status != NominationStatus::Pending || case.status != CaseStatus::Nominating {
            return Ok(Outcome::Done);
        }
        let (provider, owner) = cases::parties(&self.db, &case).await?;
        let token = new_token();
        let hash = token_hash(&token);
        let now = self.now();
        // The provider's language (API.md "Partnership both ways").
        let locale =
            super::referee::chosen_locale(&self.catalogue, provider.locale.as_deref(), &case);
        let deadline = now + Duration::days(i64::from(case.deadline_days));
        let email = Email::NominationRequest(NominationRequest {
            to: Recipient::new(&provider.contact_name, &provider.contact_email),
            reply_to: Recipient::new(&owner.name, &owner.email),
            provider_name: provider.name.clone(),
            requested_by: owner.name.clone(),
            company_name: None,
            token,
            count: nomination.requested_count as u32,
            deadline: self.catalogue.long_date(
                &locale,
                deadline.year(),
                deadline.month(),
                deadline.day(),
            ),
            locale,
        });
        let key = EmailKey::nomination(nomination_id);
        let (delivery, txn) = self
            .deliver_and_record(Outgoing {
                key: &key,
                email: &email,
                case_id: Some(case.id),
                reference_id: None,
                audit: Some((
                    "nomination.sent",
                    json!({ "count": nomination.requested_count }),
                )),
            })
            .await?;
        if let Delivery::Sent = delivery {
            nomination_rows::mark_sent(&txn, nomination_id, hash).await?;
        }
        txn.commit().await?;
        Ok(delivery.outcome())
    }
}
