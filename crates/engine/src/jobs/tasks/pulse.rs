//! Pulses: a scheduled one starts (or is skipped, and the audit trail says why); one that
//! is over is scored, and when stakeholders rate a dimension below what the references
//! predicted, the case owner is told in plain words. Once both sides of a pulse are in
//! (the buyer's and the provider's), a gap between them of
//! `followup.partnership_gap_points` or more is told the same way.

use mailer::{Email, OwnerNotification, Recipient};
use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use super::{Delivery, Outcome, Outgoing};
use crate::audit::{self, Actor};
use crate::domain::{CaseKind, Drift, Pulse};
use crate::outbox::EmailKey;
use crate::store::cases;
use crate::store::engagements::EngagementRow;
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

    /// Either side of a pulse stopped collecting (`case_id` is the buyer's pulse or its
    /// provider side).
    pub(super) async fn complete_pulse(&self, case_id: Uuid) -> Result<Outcome, EngineError> {
        let Some(side_case) = cases::find(&self.db, case_id).await? else {
            return Ok(Outcome::Done);
        };
        let kind = side_case.kind;
        let Some((pulse, engagement)) = self.pulse_of_case(side_case).await? else {
            return Ok(Outcome::Done);
        };
        if kind == CaseKind::Pulse {
            let outcome = self.buyer_side_complete(&pulse, &engagement).await?;
            if !matches!(outcome, Outcome::Done) {
                return Ok(outcome);
            }
        }
        self.notify_partnership_gap(&pulse, &engagement).await
    }

    /// The buyer's side is over: recorded for its webhook event, and any dimension below
    /// what the references predicted told to the owner.
    async fn buyer_side_complete(
        &self,
        pulse: &Pulse,
        engagement: &EngagementRow,
    ) -> Result<Outcome, EngineError> {
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
                "pulse_case_id": pulse.id,
                "engagement_id": engagement.id,
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
        let notice = mailer::OwnerNotice::PulseBelow {
            dimensions: below.clone(),
        };
        let audit = (
            "pulse.below_notified",
            json!({
                "pulse_case_id": pulse.id,
                "engagement_id": engagement.id,
                "dimensions": below.len(),
            }),
        );
        self.notify_engagement_owner(
            pulse,
            engagement,
            notice,
            &EmailKey::pulse_below(pulse.id),
            audit,
        )
        .await
    }

    /// Both sides are released and far apart (`partnership_gap`): the owner is told once,
    /// and the event `engagement.partnership_gap` goes out with the email's record.
    async fn notify_partnership_gap(
        &self,
        pulse: &Pulse,
        engagement: &EngagementRow,
    ) -> Result<Outcome, EngineError> {
        let Some(flag) = pulse.flags.iter().find(|f| f.kind == "partnership_gap") else {
            return Ok(Outcome::Done);
        };
        let notice = mailer::OwnerNotice::PartnershipGap {
            detail: flag.detail.clone(),
        };
        let audit = (
            "pulse.partnership_gap",
            json!({
                "pulse_case_id": pulse.id,
                "provider_side_case_id": pulse.provider_side.as_ref().map(|s| s.id),
                "engagement_id": engagement.id,
                "lower_side": flag.lower_side,
                "gap": flag.gap,
            }),
        );
        self.notify_engagement_owner(
            pulse,
            engagement,
            notice,
            &EmailKey::partnership_gap(pulse.id),
            audit,
        )
        .await
    }

    /// Emails the owner of the engagement's approved case about `pulse`, once per `key`.
    async fn notify_engagement_owner(
        &self,
        pulse: &Pulse,
        engagement: &EngagementRow,
        kind: mailer::OwnerNotice,
        key: &EmailKey,
        audit: (&'static str, serde_json::Value),
    ) -> Result<Outcome, EngineError> {
        let approved = cases::get(&self.db, engagement.case_id).await?;
        let (provider, owner) = cases::parties(&self.db, &approved).await?;
        let email = Email::OwnerNotification(OwnerNotification {
            to: Recipient::new(&owner.name, &owner.email),
            kind,
            case_id: approved.id,
            case_title: approved.title.clone(),
            provider_name: provider.name,
            responses: pulse.responses,
            min_responses: approved.min_responses as u32,
        });
        let (delivery, txn): (Delivery, _) = self
            .deliver_and_record(Outgoing {
                key,
                email: &email,
                case_id: Some(approved.id),
                reference_id: None,
                audit: Some(audit),
            })
            .await?;
        txn.commit().await?;
        Ok(delivery.outcome())
    }
}
