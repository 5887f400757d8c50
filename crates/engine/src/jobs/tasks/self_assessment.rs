//! The provider's contact gets a link to rate its own firm.

use chrono::{Datelike, Duration};
use mailer::{Email, Recipient, SelfAssessmentRequest};
use serde_json::json;
use uuid::Uuid;

use super::{Delivery, Outcome, Outgoing};
use crate::credentials::{new_token, token_hash};
use crate::domain::SelfAssessmentStatus;
use crate::outbox::EmailKey;
use crate::questionnaire::{estimated_minutes, estimated_seconds, self_assessment_questions};
use crate::store::cases;
use crate::store::self_assessments;
use crate::{Engine, EngineError, questionnaires};

impl Engine {
    /// The link is made here, as for referees, since only its hash is ever stored; it is
    /// stored with the email's log row, and only while the request is still pending, so a
    /// second run after the email went out neither sends again nor replaces the link.
    pub(super) async fn send_self_assessment(
        &self,
        self_assessment_id: Uuid,
    ) -> Result<Outcome, EngineError> {
        let Some(request) = self_assessments::find(&self.db, self_assessment_id).await? else {
            return Ok(Outcome::Done);
        };
        let Some(case) = cases::find(&self.db, request.case_id).await? else {
            return Ok(Outcome::Done);
        };
        if request.status != SelfAssessmentStatus::Pending || !case.status.accepts_self_assessment()
        {
            return Ok(Outcome::Done);
        }
        let (provider, owner) = cases::parties(&self.db, &case).await?;
        let version =
            questionnaires::version_by_id(&self.versions, &self.db, case.template_version_id)
                .await?;
        let questions = self_assessment_questions(&version.questions);
        let token = new_token();
        let hash = token_hash(&token);
        let now = self.now();
        let deadline = case
            .deadline_at
            .unwrap_or(now + Duration::days(i64::from(case.deadline_days)));
        // The provider's language (API.md "Partnership both ways").
        let locale =
            super::referee::chosen_locale(&self.catalogue, provider.locale.as_deref(), &case);
        let email = Email::SelfAssessmentRequest(SelfAssessmentRequest {
            to: Recipient::new(&provider.contact_name, &provider.contact_email),
            reply_to: Recipient::new(&owner.name, &owner.email),
            provider_name: provider.name.clone(),
            requested_by: owner.name.clone(),
            company_name: None,
            token,
            deadline: self.catalogue.long_date(
                &locale,
                deadline.year(),
                deadline.month(),
                deadline.day(),
            ),
            questions_count: questions.len() as u32,
            // The published estimate (API.md "Referee minutes"), as the form says it.
            minutes: estimated_minutes(estimated_seconds(&questions)),
            locale,
        });
        let key = EmailKey::self_assessment(self_assessment_id);
        let (delivery, txn) = self
            .deliver_and_record(Outgoing {
                key: &key,
                email: &email,
                case_id: Some(case.id),
                reference_id: None,
                audit: Some(("self_assessment.sent", json!({}))),
            })
            .await?;
        if let Delivery::Sent = delivery {
            self_assessments::mark_sent(&txn, self_assessment_id, hash).await?;
        }
        txn.commit().await?;
        Ok(delivery.outcome())
    }
}
