//! Pulses: a scheduled one starts (or is skipped, and the audit trail says why); one that
//! is over is scored, and when stakeholders rate a dimension below what the references
//! predicted, the case owner is told in plain words.

use mailer::{Email, OwnerNotification, Recipient};
use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use super::{Outcome, Outgoing};
use crate::audit::{self, Actor};
use crate::domain::{CaseKind, Drift};
use crate::outbox::EmailKey;
use crate::store::cases;
use crate::store::engagements as engagement_rows;
use crate::{Engine, EngineError};

impl Engine {
    pub(super) async fn start_scheduled_pulse(
        &self,
        engagement_id: Uuid,
        day: u32,
    ) -> Result<Outcome, EngineError> {
        self.run_scheduled_pulse(engagement_id, day).await?;
        Ok(Outcome::Done)
    }

    pub(super) async fn complete_pulse(&self, case_id: Uuid) -> Result<Outcome, EngineError> {
        let Some(pulse_case) = cases::find(&self.db, case_id).await? else {
            return Ok(Outcome::Done);
        };
        let (CaseKind::Pulse, Some(engagement_id)) = (pulse_case.kind, pulse_case.engagement_id)
        else {
            return Ok(Outcome::Done);
        };
        let engagement = engagement_rows::get(&self.db, engagement_id).await?;
        let pre_hire = self.reports().case_report(engagement.case_id).await?;
        let Some(pulse) = self.pulse_of(&pulse_case, &pre_hire).await? else {
            return Ok(Outcome::Done);
        };
        let below_count = pulse
            .dimensions
            .iter()
            .filter(|d| d.drift == Some(Drift::Below))
            .count();
        // Recorded for its webhook event (with its deliveries, hence the transaction); a
        // rerun of this job records it again, which webhook receivers expect (deliveries
        // are at least once).
        let txn = self.db.begin().await?;
        audit::record(
            &txn,
            Some(engagement.case_id),
            None,
            &Actor::System,
            "pulse.completed",
            json!({
                "pulse_case_id": case_id,
                "engagement_id": engagement_id,
                "dimensions": below_count,
            }),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        let below: Vec<String> = pulse
            .dimensions
            .iter()
            .filter(|d| d.drift == Some(Drift::Below))
            .filter_map(|d| {
                let [low, high] = d.pre_hire_ci95?;
                Some(format!(
                    "Stakeholders rate \u{201c}{}\u{201d} at {:.0}, below what references predicted ({low:.0}\u{2013}{high:.0}).",
                    d.label,
                    d.score?
                ))
            })
            .collect();
        if below.is_empty() {
            return Ok(Outcome::Done);
        }
        let approved = cases::get(&self.db, engagement.case_id).await?;
        let (provider, owner) = cases::parties(&self.db, &approved).await?;
        let email = Email::OwnerNotification(OwnerNotification {
            to: Recipient::new(&owner.name, &owner.email),
            kind: mailer::OwnerNotice::PulseBelow {
                dimensions: below.clone(),
            },
            case_id: approved.id,
            case_title: approved.title.clone(),
            provider_name: provider.name,
            responses: pulse.responses,
            min_responses: approved.min_responses as u32,
        });
        let key = EmailKey::pulse_below(case_id);
        let (delivery, txn) = self
            .deliver_and_record(Outgoing {
                key: &key,
                email: &email,
                case_id: Some(approved.id),
                reference_id: None,
                audit: Some((
                    "pulse.below_notified",
                    json!({
                        "pulse_case_id": case_id,
                        "engagement_id": engagement_id,
                        "dimensions": below.len(),
                    }),
                )),
            })
            .await?;
        txn.commit().await?;
        Ok(delivery.outcome())
    }
}
