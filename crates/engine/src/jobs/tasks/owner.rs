//! Notices to the case owner: quorum reached, ready for review, a bounce, nominations
//! received, the decision, a referee who opted out.

use mailer::{Email, OwnerNotification, Recipient};
use serde_json::json;
use uuid::Uuid;

use super::{Outcome, Outgoing};
use crate::domain::ReferenceStatus;
use crate::outbox::{EmailKey, OwnerNotice};
use crate::store::{cases, found, references};
use crate::{Engine, EngineError};

impl Engine {
    pub(super) async fn notify_owner(
        &self,
        case_id: Uuid,
        notice: &OwnerNotice,
    ) -> Result<Outcome, EngineError> {
        let Some(case) = cases::find(&self.db, case_id).await? else {
            return Ok(Outcome::Done);
        };
        let (provider, owner) = cases::parties(&self.db, &case).await?;
        let completed =
            references::count_in_status(&self.db, case_id, ReferenceStatus::Completed).await?;
        let mut bounce_generation = 0;
        let (kind, reference_id) = match notice {
            OwnerNotice::QuorumReached => (mailer::OwnerNotice::QuorumReached, None),
            OwnerNotice::ReadyForReview => (mailer::OwnerNotice::ReadyForReview, None),
            OwnerNotice::Bounce {
                reference_id,
                reason,
                generation,
            } => {
                let referee = references::get(&self.db, *reference_id).await?;
                bounce_generation = generation.unwrap_or(referee.invitations_sent);
                (
                    mailer::OwnerNotice::Bounce {
                        referee: Recipient::new(&referee.name, &referee.email),
                        reason: reason.clone(),
                    },
                    Some(*reference_id),
                )
            }
            OwnerNotice::Decided => {
                let decision = found(self.reports().case_decision(case_id).await?, "decision")?;
                let decided_by = store::users::find(&self.db, decision.decided_by)
                    .await?
                    .map(|u| u.user.name)
                    .unwrap_or_default();
                (
                    mailer::OwnerNotice::Decided {
                        outcome: decision.outcome.as_str().to_owned(),
                        rationale: decision.rationale,
                        decided_by,
                    },
                    None,
                )
            }
            OwnerNotice::NominationsReceived { count, .. } => (
                mailer::OwnerNotice::NominationsReceived { count: *count },
                None,
            ),
            OwnerNotice::OptedOut { reference_id } => {
                let referee = references::get(&self.db, *reference_id).await?;
                (
                    mailer::OwnerNotice::OptedOut {
                        referee: Recipient::new(&referee.name, &referee.email),
                    },
                    Some(*reference_id),
                )
            }
        };
        let email = Email::OwnerNotification(OwnerNotification {
            to: Recipient::new(&owner.name, &owner.email),
            kind,
            case_id,
            case_title: case.title.clone(),
            provider_name: provider.name,
            responses: completed as u32,
            min_responses: case.min_responses as u32,
        });
        let key = EmailKey::owner(case_id, notice, bounce_generation);
        let (delivery, txn) = self
            .deliver_and_record(Outgoing {
                key: &key,
                email: &email,
                case_id: Some(case_id),
                reference_id,
                audit: Some(("owner.notified", json!({ "notice": email.kind() }))),
            })
            .await?;
        txn.commit().await?;
        Ok(delivery.outcome())
    }
}
