//! Which state changes are webhook events, and the outbox half of delivering them: the
//! audit trail records every state change in the transaction that makes it, so the
//! deliveries of its events are written there too — one row per event and endpoint, and a
//! job for the first attempt — and are never lost or sent for a change that rolled back.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use store::ConnectionTrait;
use uuid::Uuid;

use crate::EngineError;
use crate::domain::NewAuditEvent as Event;
use crate::outbox::{self, Task};
use crate::store::webhooks::{self as rows, NewDelivery};

/// Every event type an endpoint can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "case.launched",
    "case.in_review",
    "case.decided",
    "case.cancelled",
    "reference.invited",
    "reference.completed",
    "reference.declined",
    "reference.bounced",
    "reference.expired",
    "engagement.pulse_completed",
    "engagement.drift_detected",
    "engagement.partnership_gap",
    "webhook.test",
];

/// Attempts of one delivery job at the work around the HTTP call (reading rows, writing
/// the outcome): the receiver's own failures follow `webhooks.retry_schedule_seconds`.
pub(crate) const JOB_ATTEMPTS: u32 = 5;

/// The webhook event an audit event is, if any, with its data: ids and states only, never
/// answers, comments, names or addresses.
pub(crate) fn event_of(e: &Event<'_>) -> Option<(&'static str, Value)> {
    let to = e.data.get("to").and_then(Value::as_str);
    let from = e.data.get("from").and_then(Value::as_str);
    let case_id = e.case_id;
    match e.kind {
        "case.status_changed" => {
            let kind = match (from?, to?) {
                ("draft" | "nominating", "collecting") => "case.launched",
                (_, "review") => "case.in_review",
                (_, "decided") => "case.decided",
                (_, "cancelled") => "case.cancelled",
                _ => return None,
            };
            let mut data = json!({ "case_id": case_id, "status": to, "previous_status": from });
            if let Some(outcome) = e.data.get("outcome").and_then(Value::as_str) {
                data["outcome"] = json!(outcome);
            }
            Some((kind, data))
        }
        "reference.status_changed" => {
            let kind = match to? {
                "invited" => "reference.invited",
                "completed" => "reference.completed",
                "declined" => "reference.declined",
                "bounced" => "reference.bounced",
                "expired" => "reference.expired",
                _ => return None,
            };
            let data = json!({
                "case_id": case_id,
                "reference_id": e.reference_id,
                "status": to,
                "previous_status": from,
            });
            Some((kind, data))
        }
        "pulse.completed" | "pulse.below_notified" => {
            let kind = if e.kind == "pulse.completed" {
                "engagement.pulse_completed"
            } else {
                "engagement.drift_detected"
            };
            let data = json!({
                "engagement_id": e.data.get("engagement_id"),
                "case_id": case_id,
                "pulse_case_id": e.data.get("pulse_case_id"),
                "dimensions_below": e.data.get("dimensions"),
            });
            Some((kind, data))
        }
        "pulse.partnership_gap" => {
            let data = json!({
                "engagement_id": e.data.get("engagement_id"),
                "case_id": case_id,
                "pulse_case_id": e.data.get("pulse_case_id"),
                "provider_side_case_id": e.data.get("provider_side_case_id"),
                "lower_side": e.data.get("lower_side"),
                "gap": e.data.get("gap"),
            });
            Some(("engagement.partnership_gap", data))
        }
        _ => None,
    }
}

/// Whether an endpoint's event filter takes `kind`. `webhook.test` goes only to the
/// endpoint it tests, never through a filter.
pub(crate) fn subscribed(filter: &[String], kind: &str) -> bool {
    kind != "webhook.test" && filter.iter().any(|f| f == "*" || f == kind)
}

/// The body of a message: `{type, timestamp, data}`.
pub(crate) fn body(kind: &str, at: DateTime<Utc>, data: Value) -> Value {
    json!({
        "type": kind,
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
}

/// Writes a delivery (and the job of its first attempt) for each event of `events` and
/// each enabled endpoint subscribed to it, on `conn`: the transaction of the change.
pub(crate) async fn fan_out(
    conn: &impl ConnectionTrait,
    events: &[(&'static str, Value)],
    at: DateTime<Utc>,
) -> Result<(), EngineError> {
    if events.is_empty() {
        return Ok(());
    }
    let endpoints = rows::enabled_filters(conn).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut deliveries = Vec::new();
    for (endpoint_id, filter) in endpoints {
        let filter = rows::event_list(&filter);
        for (kind, data) in events {
            if subscribed(&filter, kind) {
                deliveries.push(NewDelivery {
                    endpoint_id,
                    event_type: (*kind).to_owned(),
                    payload: body(kind, at, data.clone()),
                });
            }
        }
    }
    queue(conn, deliveries, at).await.map(|_| ())
}

/// Inserts deliveries and queues their first attempts, due at `at`.
pub(crate) async fn queue(
    conn: &impl ConnectionTrait,
    deliveries: Vec<NewDelivery>,
    at: DateTime<Utc>,
) -> Result<Vec<Uuid>, EngineError> {
    let ids = rows::insert_deliveries(conn, deliveries, at).await?;
    let tasks: Vec<Task> = ids
        .iter()
        .map(|id| Task::DeliverWebhook {
            delivery_id: *id,
            attempt: 1,
        })
        .collect();
    let due: Vec<(&Task, DateTime<Utc>)> = tasks.iter().map(|t| (t, at)).collect();
    outbox::enqueue_all(conn, &due, at, JOB_ATTEMPTS).await?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event<'a>(kind: &'a str, data: Value) -> Event<'a> {
        Event {
            case_id: Some(Uuid::nil()),
            reference_id: Some(Uuid::max()),
            actor: "system".into(),
            kind,
            data,
        }
    }

    #[test]
    fn state_changes_map_to_the_contract_event_types() {
        let kind = |k, data| event_of(&event(k, data)).map(|(kind, _)| kind);
        let case = |from, to| json!({ "from": from, "to": to });
        assert_eq!(
            kind("case.status_changed", case("draft", "collecting")),
            Some("case.launched")
        );
        assert_eq!(
            kind("case.status_changed", case("nominating", "collecting")),
            Some("case.launched")
        );
        assert_eq!(
            kind("case.status_changed", case("draft", "nominating")),
            None
        );
        assert_eq!(
            kind("case.status_changed", case("collecting", "review")),
            Some("case.in_review")
        );
        assert_eq!(
            kind("case.status_changed", case("review", "decided")),
            Some("case.decided")
        );
        // The decision's own audit event would say it twice.
        assert_eq!(kind("case.decided", json!({ "outcome": "approved" })), None);
        assert_eq!(
            kind("reference.status_changed", case("invited", "opened")),
            None
        );
        assert_eq!(
            kind("reference.status_changed", case("opened", "completed")),
            Some("reference.completed")
        );
        for (_, to) in [
            ("", "invited"),
            ("", "declined"),
            ("", "bounced"),
            ("", "expired"),
        ] {
            let got = kind("reference.status_changed", case("invited", to)).unwrap();
            assert_eq!(got, format!("reference.{to}"));
            assert!(EVENT_TYPES.contains(&got));
        }
    }

    #[test]
    fn payloads_carry_ids_and_states_only() {
        // Audit data may hold a decision's rationale, a bounce's reason or a Message-ID;
        // none of it may leave in a webhook.
        let decided = event(
            "case.status_changed",
            json!({
                "from": "review", "to": "decided", "outcome": "approved",
                "rationale": "Jane Doe <jane@example.com> vouched",
            }),
        );
        let (_, data) = event_of(&decided).unwrap();
        assert_eq!(data["outcome"], "approved");
        let bounced = event(
            "reference.status_changed",
            json!({ "from": "invited", "to": "bounced", "reason": "550 jane@example.com unknown", "message_id": "<x@y>" }),
        );
        let (_, data2) = event_of(&bounced).unwrap();
        for text in [data.to_string(), data2.to_string()] {
            assert!(!text.contains('@'), "{text}");
            assert!(!text.contains("Jane"), "{text}");
        }
    }

    #[test]
    fn filters_take_star_or_the_type_and_never_route_tests() {
        let all = vec!["*".to_owned()];
        let some = vec!["case.decided".to_owned()];
        assert!(subscribed(&all, "reference.bounced"));
        assert!(subscribed(&some, "case.decided"));
        assert!(!subscribed(&some, "case.launched"));
        assert!(!subscribed(&all, "webhook.test"));
    }
}
