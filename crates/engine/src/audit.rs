//! The append-only audit trail. Every state change writes an event in the same transaction
//! as the change itself, so the timeline can never disagree with the data; the webhook
//! deliveries of the events that are webhook events are written with it.

use chrono::{DateTime, Utc};
use store::ConnectionTrait;
use uuid::Uuid;

use crate::EngineError;

/// Who caused an event: `user:<id>`, `referee:<id>`, `provider`, `system` or `scim` (the
/// identity provider, through a SCIM token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(Uuid),
    Referee(Uuid),
    Provider,
    System,
    IdentityProvider,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::Referee(id) => write!(f, "referee:{id}"),
            Actor::Provider => f.write_str("provider"),
            Actor::System => f.write_str("system"),
            Actor::IdentityProvider => f.write_str("scim"),
        }
    }
}

pub use crate::domain::AuditEvent;

/// Appends one event. Call it with the transaction that makes the change.
pub async fn record(
    conn: &impl ConnectionTrait,
    case_id: Option<Uuid>,
    reference_id: Option<Uuid>,
    actor: &Actor,
    kind: &str,
    data: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), EngineError> {
    let event = Event {
        case_id,
        reference_id,
        actor: actor.to_string(),
        kind,
        data,
    };
    record_all(conn, vec![event], at).await
}

/// One event to append with [`record_all`].
pub use crate::domain::NewAuditEvent as Event;

/// Appends several events at `at`, in one statement.
pub async fn record_all(
    conn: &impl ConnectionTrait,
    events: Vec<Event<'_>>,
    at: DateTime<Utc>,
) -> Result<(), EngineError> {
    if events.is_empty() {
        return Ok(());
    }
    let webhook_events: Vec<_> = events
        .iter()
        .filter_map(crate::webhooks::events::event_of)
        .collect();
    crate::store::audit::insert_all(conn, events, at).await?;
    crate::webhooks::events::fan_out(conn, &webhook_events, at).await
}

impl crate::Engine {
    /// An event that tells when a referee answered names nobody unless identities are
    /// shown: otherwise its time, set beside the report, could say whose answers are whose.
    fn anonymised(&self, mut e: AuditEvent) -> AuditEvent {
        let answered = match e.kind.as_str() {
            "reference.status_changed" => {
                e.data.get("to").and_then(|v| v.as_str()) == Some("completed")
            }
            "reference.thanked" => true,
            _ => false,
        };
        if answered && !self.report_settings().show_referee_identity {
            e.reference_id = None;
            if e.actor.starts_with("referee:") {
                e.actor = "referee".into();
            }
        }
        e
    }
}

impl crate::services::Cases<'_> {
    /// The audit timeline of a case, oldest first, with answer events anonymised.
    #[tracing::instrument(skip_all, fields(case_id = %case_id))]
    pub async fn case_events(&self, case_id: Uuid) -> Result<Vec<AuditEvent>, EngineError> {
        crate::store::cases::get(&self.db, case_id).await?;
        Ok(crate::store::audit::for_case(&self.db, case_id)
            .await?
            .into_iter()
            .map(|e| self.anonymised(e))
            .collect())
    }
}
