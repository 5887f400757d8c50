//! The workflow end to end, by flow: launching and the invitations (`launch`), reminders,
//! the deadline and the quorum on a test clock (`deadline`), delivery failures: retries,
//! bounces, the dead-letter queue and crash safety (`delivery`), and the lifecycle routes:
//! resend, withdraw, cancel, close and the timeline (`lifecycle`), and what happens when
//! they race a referee or a job (`races`). This module holds the helpers they share.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use store::entity::{job, reference_request};
use testkit::TestApp;
use uuid::Uuid;

use crate::fixtures::CaseWithReferees;

mod deadline;
mod delivery;
mod launch;
mod lifecycle;
mod races;

async fn case_json(app: &TestApp, s: &CaseWithReferees) -> Value {
    app.get(&format!("/api/v1/cases/{}", s.id), &s.ops)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn reference_row(app: &TestApp, reference: &Value) -> reference_request::Model {
    let id: Uuid = reference["id"].as_str().unwrap().parse().unwrap();
    reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
}

/// Subjects of the captured messages sent to `to`, in order.
fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    app.smtp
        .messages()
        .iter()
        .filter(|m| m.recipients.iter().any(|r| r == to))
        .map(|m| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&m.data)
                .unwrap();
            parsed.subject().unwrap_or_default().to_owned()
        })
        .collect()
}

async fn jobs_of_kind(app: &TestApp, kind: &str) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .all(app.engine.db())
        .await
        .unwrap()
}
