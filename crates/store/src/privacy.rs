//! The rows retention, subject access and erasure read and write, across the tables that
//! hold something about a referee: `reference_requests` (name, address, relationship,
//! decline reason), `responses` (IP, user agent), `answers` (free text), `email_log`
//! (recipient, subject, error), `audit_events` (data quoting any of these), `nominations`
//! and `self_assessments` (the provider contact's IP), `stakeholders`, `providers` (the
//! contact), `idempotency_keys` (stored answers) and `webhook_deliveries`.
//!
//! Every purge here is set-based (one statement per table and batch), so a run over a
//! large tenant costs a few statements per thousand references, not one per row.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::StoreError;
use crate::cases::CaseRow;
use crate::domain::WebhookDeliveryStatus;
use crate::entity::{
    answer, audit_event, email_log, engagement, idempotency_key, nomination, provider,
    reference_request, response, self_assessment, stakeholder, vetting_case, webhook_delivery,
};
use crate::references::ReferenceRow;

/// What a purge removes from a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purge {
    /// Name, address, relationship, IP and user agent.
    Identity,
    /// Free-text answers and the decline reason.
    Comments,
}

/// Keys of audit-event data that can quote a person: names, addresses and free text (a
/// bounce's text names the address; a reason is whatever someone typed). Everything else
/// in event data is ids, statuses, counts and times.
const QUOTING_KEYS: [&str; 5] = ["name", "email", "relationship", "reason", "rationale"];

/// The ids of the cases that ended at or before `cutoff` and are not on hold.
fn finished_unheld(cutoff: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column(vetting_case::Column::Id)
        .from(vetting_case::Entity)
        .and_where(Expr::col(vetting_case::Column::FinishedAt).lte(cutoff))
        .and_where(Expr::col(vetting_case::Column::HoldReason).is_null())
        .to_owned()
}

fn not_yet(purge: Purge) -> Condition {
    Condition::all().add(match purge {
        Purge::Identity => reference_request::Column::IdentityErasedAt.is_null(),
        Purge::Comments => reference_request::Column::CommentsErasedAt.is_null(),
    })
}

/// Up to `limit` references due for `purge`: in a case that ended at or before `cutoff`,
/// not on hold, and not purged that way yet; in id order, after `after` (a run walks the
/// table once instead of rescanning the rows it already purged).
pub async fn due(
    conn: &impl ConnectionTrait,
    purge: Purge,
    cutoff: DateTime<Utc>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<ReferenceRow>, StoreError> {
    let mut query = reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.in_subquery(finished_unheld(cutoff)))
        .filter(not_yet(purge));
    if let Some(after) = after {
        query = query.filter(reference_request::Column::Id.gt(after));
    }
    Ok(query
        .order_by_asc(reference_request::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// How many references each case has due for `purge` (what a dry run reports).
pub async fn due_by_case(
    conn: &impl ConnectionTrait,
    purge: Purge,
    cutoff: DateTime<Utc>,
) -> Result<BTreeMap<Uuid, u64>, StoreError> {
    let rows: Vec<(Uuid, i64)> = reference_request::Entity::find()
        .select_only()
        .column(reference_request::Column::CaseId)
        .column_as(reference_request::Column::Id.count(), "n")
        .filter(reference_request::Column::CaseId.in_subquery(finished_unheld(cutoff)))
        .filter(not_yet(purge))
        .group_by(reference_request::Column::CaseId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, n as u64)).collect())
}

/// Cases on hold that would otherwise have something purged now.
pub async fn held_and_due(
    conn: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let held = Query::select()
        .column(vetting_case::Column::Id)
        .from(vetting_case::Entity)
        .and_where(Expr::col(vetting_case::Column::FinishedAt).lte(cutoff))
        .and_where(Expr::col(vetting_case::Column::HoldReason).is_not_null())
        .to_owned();
    let ids: Vec<Uuid> = reference_request::Entity::find()
        .select_only()
        .column(reference_request::Column::CaseId)
        .distinct()
        .filter(reference_request::Column::CaseId.in_subquery(held))
        .filter(
            Condition::any()
                .add(reference_request::Column::IdentityErasedAt.is_null())
                .add(reference_request::Column::CommentsErasedAt.is_null()),
        )
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids)
}

/// The cases of `ids` still not on hold, read under the case-row lock (on PostgreSQL)
/// so a hold placed meanwhile waits for this transaction or wins before it.
pub async fn lock_unheld(
    txn: &sea_orm::DatabaseTransaction,
    ids: &[Uuid],
) -> Result<Vec<CaseRow>, StoreError> {
    let query = vetting_case::Entity::find()
        .filter(vetting_case::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(vetting_case::Column::Id);
    let cases = super::locked(query, txn, sea_orm::sea_query::LockType::Update)
        .all(txn)
        .await?;
    Ok(cases
        .into_iter()
        .filter(|c| c.hold_reason.is_none())
        .collect())
}

/// What [`erase_identity`] changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityCounts {
    /// References whose name, address and relationship were erased.
    pub references: u64,
    /// Responses whose IP address and user agent were erased.
    pub responses: u64,
    /// Email-log entries whose recipient, subject and error were erased.
    pub emails: u64,
    /// Audit events whose data quoted the referee.
    pub events: u64,
}

impl std::ops::AddAssign for IdentityCounts {
    fn add_assign(&mut self, o: Self) {
        self.references += o.references;
        self.responses += o.responses;
        self.emails += o.emails;
        self.events += o.events;
    }
}

/// The prefix of a network label: what an address two rows of one case shared becomes
/// when one of them is erased ([`label_shared_addresses`]).
pub const SHARED_NETWORK_LABEL: &str = "shared-network:";

/// Before addresses of a case are erased: every IP that two or more rows of one case
/// share (its responses, nominations and self-assessment) is replaced, in all of them, by
/// one random label. The fraud signals compare addresses only for equality within a case
/// (`fraud_duplicate_ip`, `fraud_provider_ip`), so they read the same afterwards, while
/// the address itself is gone and the label, random and unrecorded, leads nowhere. An
/// address only one row holds is left for the caller to erase. Set-based: four reads for
/// all of `case_ids`, and one update per table and shared address (rare).
async fn label_shared_addresses(
    conn: &impl ConnectionTrait,
    case_ids: &[Uuid],
) -> Result<(), StoreError> {
    if case_ids.is_empty() {
        return Ok(());
    }
    let references: Vec<(Uuid, Uuid)> = reference_request::Entity::find()
        .select_only()
        .column(reference_request::Column::Id)
        .column(reference_request::Column::CaseId)
        .filter(reference_request::Column::CaseId.is_in(case_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let case_of: BTreeMap<Uuid, Uuid> = references.iter().copied().collect();
    let mut rows: Vec<(Uuid, String)> = Vec::new();
    for chunk in references.chunks(1000) {
        let answered: Vec<(Uuid, Option<String>)> = response::Entity::find()
            .select_only()
            .column(response::Column::ReferenceId)
            .column(response::Column::ClientIp)
            .filter(response::Column::ReferenceId.is_in(chunk.iter().map(|(id, _)| *id)))
            .filter(response::Column::ClientIp.is_not_null())
            .into_tuple()
            .all(conn)
            .await?;
        rows.extend(
            answered
                .into_iter()
                .filter_map(|(reference, ip)| Some((case_of[&reference], ip?))),
        );
    }
    let nominated: Vec<(Uuid, Option<String>)> = nomination::Entity::find()
        .select_only()
        .column(nomination::Column::CaseId)
        .column(nomination::Column::ClientIp)
        .filter(nomination::Column::CaseId.is_in(case_ids.iter().copied()))
        .filter(nomination::Column::ClientIp.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let assessed: Vec<(Uuid, Option<String>)> = self_assessment::Entity::find()
        .select_only()
        .column(self_assessment::Column::CaseId)
        .column(self_assessment::Column::ClientIp)
        .filter(self_assessment::Column::CaseId.is_in(case_ids.iter().copied()))
        .filter(self_assessment::Column::ClientIp.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    rows.extend(
        nominated
            .into_iter()
            .chain(assessed)
            .filter_map(|(case, ip)| Some((case, ip?))),
    );
    let mut uses: BTreeMap<(Uuid, String), u32> = BTreeMap::new();
    for row in rows {
        *uses.entry(row).or_default() += 1;
    }
    for ((case_id, ip), n) in uses {
        if n < 2 || ip.starts_with(SHARED_NETWORK_LABEL) {
            continue;
        }
        let label = format!(
            "{SHARED_NETWORK_LABEL}{}",
            &crate::secrets::new_token()[..16]
        );
        let of_case: Vec<Uuid> = references
            .iter()
            .filter(|(_, c)| *c == case_id)
            .map(|(id, _)| *id)
            .collect();
        response::Entity::update_many()
            .col_expr(response::Column::ClientIp, Expr::value(label.clone()))
            .filter(response::Column::ReferenceId.is_in(of_case))
            .filter(response::Column::ClientIp.eq(ip.as_str()))
            .exec(conn)
            .await?;
        nomination::Entity::update_many()
            .col_expr(nomination::Column::ClientIp, Expr::value(label.clone()))
            .filter(nomination::Column::CaseId.eq(case_id))
            .filter(nomination::Column::ClientIp.eq(ip.as_str()))
            .exec(conn)
            .await?;
        self_assessment::Entity::update_many()
            .col_expr(self_assessment::Column::ClientIp, Expr::value(label))
            .filter(self_assessment::Column::CaseId.eq(case_id))
            .filter(self_assessment::Column::ClientIp.eq(ip.as_str()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Whether a stored client IP is a real address (not yet erased, nor a network label).
fn real_address<C: ColumnTrait>(column: C) -> Condition {
    Condition::all()
        .add(column.is_not_null())
        .add(column.not_like(format!("{SHARED_NETWORK_LABEL}%")))
}

/// Erases the identity of references: name, address and relationship (the reference
/// keeps its id, status, company, answers and `organisation`, the key its address gave
/// it, so the scores count it as before), the IP and user agent of its responses, the
/// recipient, subject and error of the emails sent to it, and what its audit events
/// quote. `organisations` pairs each reference id with its organisation key.
pub async fn erase_identity(
    conn: &impl ConnectionTrait,
    organisations: &[(Uuid, String)],
    now: DateTime<Utc>,
) -> Result<IdentityCounts, StoreError> {
    if organisations.is_empty() {
        return Ok(IdentityCounts::default());
    }
    let ids: Vec<Uuid> = organisations.iter().map(|(id, _)| *id).collect();
    let mut case_ids: Vec<Uuid> = reference_request::Entity::find()
        .select_only()
        .column(reference_request::Column::CaseId)
        .filter(reference_request::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    case_ids.sort();
    case_ids.dedup();
    label_shared_addresses(conn, &case_ids).await?;
    let mut by_key: BTreeMap<&str, Vec<Uuid>> = BTreeMap::new();
    for (id, key) in organisations {
        by_key.entry(key.as_str()).or_default().push(*id);
    }
    let mut references = 0;
    for (key, ids) in by_key {
        references += reference_request::Entity::update_many()
            .col_expr(reference_request::Column::Name, Expr::value(""))
            .col_expr(reference_request::Column::Email, Expr::value(""))
            .col_expr(reference_request::Column::Relationship, Expr::value(""))
            .col_expr(reference_request::Column::Organisation, Expr::value(key))
            .col_expr(
                reference_request::Column::IdentityErasedAt,
                Expr::value(now),
            )
            .filter(reference_request::Column::Id.is_in(ids))
            .exec(conn)
            .await?
            .rows_affected;
    }
    // A label left by `label_shared_addresses` stays: it is no address.
    let addresses = response::Entity::update_many()
        .col_expr(
            response::Column::ClientIp,
            Expr::value(Option::<String>::None),
        )
        .filter(response::Column::ReferenceId.is_in(ids.iter().copied()))
        .filter(real_address(response::Column::ClientIp))
        .exec(conn)
        .await?
        .rows_affected;
    let agents = response::Entity::update_many()
        .col_expr(
            response::Column::UserAgent,
            Expr::value(Option::<String>::None),
        )
        .filter(response::Column::ReferenceId.is_in(ids.iter().copied()))
        .filter(response::Column::UserAgent.is_not_null())
        .exec(conn)
        .await?
        .rows_affected;
    // Most responses had both; the count is of responses, not of fields.
    let responses = Ord::max(addresses, agents);
    let emails = erase_emails(
        conn,
        Condition::all().add(email_log::Column::ReferenceId.is_in(ids.iter().copied())),
    )
    .await?;
    let events = strip_quotes(
        conn,
        Condition::all().add(audit_event::Column::ReferenceId.is_in(ids.iter().copied())),
    )
    .await?;
    // The actor keeps its role; the reference id it carried is the row's own anyway.
    audit_event::Entity::update_many()
        .col_expr(audit_event::Column::Actor, Expr::value("referee"))
        .filter(audit_event::Column::ReferenceId.is_in(ids.iter().copied()))
        .filter(audit_event::Column::Actor.starts_with("referee:"))
        .exec(conn)
        .await?;
    Ok(IdentityCounts {
        references,
        responses,
        emails,
        events,
    })
}

/// What [`erase_case_identity`] changed: the provider contact's IP addresses, and the
/// emails of the case not sent to a referee (the provider's links, the owner's notices).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseIdentityCounts {
    pub nominations: u64,
    pub self_assessments: u64,
    pub emails: u64,
}

impl std::ops::AddAssign for CaseIdentityCounts {
    fn add_assign(&mut self, o: Self) {
        self.nominations += o.nominations;
        self.self_assessments += o.self_assessments;
        self.emails += o.emails;
    }
}

/// The case-level part of identity retention for the cases of `case_ids`.
pub async fn erase_case_identity(
    conn: &impl ConnectionTrait,
    case_ids: &[Uuid],
) -> Result<CaseIdentityCounts, StoreError> {
    label_shared_addresses(conn, case_ids).await?;
    let nominations = nomination::Entity::update_many()
        .col_expr(
            nomination::Column::ClientIp,
            Expr::value(Option::<String>::None),
        )
        .filter(nomination::Column::CaseId.is_in(case_ids.iter().copied()))
        .filter(real_address(nomination::Column::ClientIp))
        .exec(conn)
        .await?
        .rows_affected;
    let self_assessments = self_assessment::Entity::update_many()
        .col_expr(
            self_assessment::Column::ClientIp,
            Expr::value(Option::<String>::None),
        )
        .filter(self_assessment::Column::CaseId.is_in(case_ids.iter().copied()))
        .filter(real_address(self_assessment::Column::ClientIp))
        .exec(conn)
        .await?
        .rows_affected;
    let emails = erase_emails(
        conn,
        Condition::all()
            .add(email_log::Column::CaseId.is_in(case_ids.iter().copied()))
            .add(email_log::Column::ReferenceId.is_null()),
    )
    .await?;
    Ok(CaseIdentityCounts {
        nominations,
        self_assessments,
        emails,
    })
}

/// Blanks recipient, subject and error of the email-log entries matching `filter` that
/// still have them. Kind, status, times and Message-ID stay: the log still shows that
/// an email went, and when.
async fn erase_emails(conn: &impl ConnectionTrait, filter: Condition) -> Result<u64, StoreError> {
    Ok(email_log::Entity::update_many()
        .col_expr(email_log::Column::Recipient, Expr::value(""))
        .col_expr(email_log::Column::Subject, Expr::value(""))
        .col_expr(
            email_log::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .filter(filter)
        .filter(email_log::Column::Recipient.ne(""))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Removes [`QUOTING_KEYS`] from the data of the audit events matching `filter`; events
/// keep their kind, time, actor and every other key. Returns how many quoted something.
async fn strip_quotes(conn: &impl ConnectionTrait, filter: Condition) -> Result<u64, StoreError> {
    let (strip, quotes) = match conn.get_database_backend() {
        DbBackend::Postgres => {
            let keys = QUOTING_KEYS.map(|k| format!("'{k}'"));
            (
                format!("data - {}", keys.join(" - ")),
                format!("jsonb_exists_any(data, array[{}])", keys.join(", ")),
            )
        }
        _ => {
            let paths = QUOTING_KEYS.map(|k| format!("'$.{k}'"));
            let present = QUOTING_KEYS.map(|k| format!("json_type(data, '$.{k}') IS NOT NULL"));
            (
                format!("json_remove(data, {})", paths.join(", ")),
                format!("({})", present.join(" OR ")),
            )
        }
    };
    Ok(audit_event::Entity::update_many()
        .col_expr(audit_event::Column::Data, Expr::cust(strip))
        .filter(filter)
        .filter(Expr::cust(quotes))
        .exec(conn)
        .await?
        .rows_affected)
}

/// What [`erase_comments`] changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentCounts {
    /// References whose free text was erased.
    pub references: u64,
    /// Free-text answers blanked.
    pub answers: u64,
    /// Decline reasons erased.
    pub decline_reasons: u64,
    /// Audit events whose data quoted free text.
    pub events: u64,
}

impl std::ops::AddAssign for CommentCounts {
    fn add_assign(&mut self, o: Self) {
        self.references += o.references;
        self.answers += o.answers;
        self.decline_reasons += o.decline_reasons;
        self.events += o.events;
    }
}

/// Erases the free text of references: the answers to the text questions `text_keys`
/// lists for each reference (blanked, so the response keeps its shape and every numeric
/// answer), the decline reason, and what their audit events quote.
pub async fn erase_comments(
    conn: &impl ConnectionTrait,
    text_keys: &[(Uuid, Vec<String>)],
    now: DateTime<Utc>,
) -> Result<CommentCounts, StoreError> {
    if text_keys.is_empty() {
        return Ok(CommentCounts::default());
    }
    let ids: Vec<Uuid> = text_keys.iter().map(|(id, _)| *id).collect();
    let mut by_keys: BTreeMap<&[String], Vec<Uuid>> = BTreeMap::new();
    for (id, keys) in text_keys {
        if !keys.is_empty() {
            by_keys.entry(keys.as_slice()).or_default().push(*id);
        }
    }
    let mut answers = 0;
    for (keys, references) in by_keys {
        let responses = Query::select()
            .column(response::Column::Id)
            .from(response::Entity)
            .and_where(Expr::col(response::Column::ReferenceId).is_in(references))
            .to_owned();
        answers += answer::Entity::update_many()
            .col_expr(answer::Column::Value, Expr::value(""))
            .filter(answer::Column::ResponseId.in_subquery(responses))
            .filter(answer::Column::QuestionKey.is_in(keys.iter().cloned()))
            .filter(answer::Column::Value.ne(""))
            .exec(conn)
            .await?
            .rows_affected;
    }
    let decline_reasons = reference_request::Entity::update_many()
        .col_expr(
            reference_request::Column::DeclineReason,
            Expr::value(Option::<String>::None),
        )
        .filter(reference_request::Column::Id.is_in(ids.iter().copied()))
        .filter(reference_request::Column::DeclineReason.is_not_null())
        .exec(conn)
        .await?
        .rows_affected;
    let references = reference_request::Entity::update_many()
        .col_expr(
            reference_request::Column::CommentsErasedAt,
            Expr::value(now),
        )
        .filter(reference_request::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?
        .rows_affected;
    let events = strip_quotes(
        conn,
        Condition::all().add(audit_event::Column::ReferenceId.is_in(ids.iter().copied())),
    )
    .await?;
    Ok(CommentCounts {
        references,
        answers,
        decline_reasons,
        events,
    })
}

/// Stakeholders and provider contacts of engagements that ended at or before `cutoff`
/// (counted, or deleted with what the events that added them quote).
pub async fn stakeholders_of_ended_engagements(
    conn: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    delete: bool,
) -> Result<u64, StoreError> {
    let ended = Query::select()
        .column(engagement::Column::Id)
        .from(engagement::Entity)
        .and_where(Expr::col(engagement::Column::EndedAt).lte(cutoff))
        .to_owned();
    let rows = stakeholder::Entity::find()
        .filter(stakeholder::Column::EngagementId.in_subquery(ended))
        .all(conn)
        .await?;
    if !delete {
        return Ok(rows.len() as u64);
    }
    delete_stakeholders(conn, &rows).await
}

/// Webhook deliveries that are over (delivered or failed) and made at or before `cutoff`.
pub async fn finished_webhook_deliveries(
    conn: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    delete: bool,
) -> Result<u64, StoreError> {
    let filter = Condition::all()
        .add(webhook_delivery::Column::Status.ne(WebhookDeliveryStatus::Pending))
        .add(webhook_delivery::Column::CreatedAt.lte(cutoff));
    if delete {
        Ok(webhook_delivery::Entity::delete_many()
            .filter(filter)
            .exec(conn)
            .await?
            .rows_affected)
    } else {
        use sea_orm::PaginatorTrait;
        Ok(webhook_delivery::Entity::find()
            .filter(filter)
            .count(conn)
            .await?)
    }
}

// ---- subject access and erasure: everything keyed by one address ----

/// The references sent to `email` (normalised), oldest first.
pub async fn references_to(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Vec<ReferenceRow>, StoreError> {
    Ok(reference_request::Entity::find()
        .filter(reference_request::Column::Email.eq(email))
        .order_by_asc(reference_request::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// The email-log entries sent to `email`, oldest first.
pub async fn emails_to(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Vec<email_log::Model>, StoreError> {
    Ok(email_log::Entity::find()
        .filter(email_log::Column::Recipient.eq(email))
        .order_by_asc(email_log::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// [`erase_emails`] for the entries sent to `email`, except those of `kept_cases`.
pub async fn erase_emails_to(
    conn: &impl ConnectionTrait,
    email: &str,
    kept_cases: &[Uuid],
) -> Result<u64, StoreError> {
    let mut filter = Condition::all().add(email_log::Column::Recipient.eq(email));
    if !kept_cases.is_empty() {
        filter = filter.add(
            Condition::any()
                .add(email_log::Column::CaseId.is_null())
                .add(email_log::Column::CaseId.is_not_in(kept_cases.iter().copied())),
        );
    }
    erase_emails(conn, filter).await
}

/// The audit events about the references of `ids`, oldest first.
pub async fn events_of_references(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<audit_event::Model>, StoreError> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::ReferenceId.is_in(ids.iter().copied()))
        .order_by_asc(audit_event::Column::CreatedAt)
        .order_by_asc(audit_event::Column::Id)
        .all(conn)
        .await?)
}

/// Stakeholders and provider contacts (of any engagement) with the address `email`.
pub async fn stakeholders_with(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Vec<stakeholder::Model>, StoreError> {
    Ok(stakeholder::Entity::find()
        .filter(stakeholder::Column::Email.eq(email))
        .order_by_asc(stakeholder::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Removes these stakeholders (or provider contacts), and the name the events that added
/// them quote.
pub async fn delete_stakeholders(
    conn: &impl ConnectionTrait,
    stakeholders: &[stakeholder::Model],
) -> Result<u64, StoreError> {
    if stakeholders.is_empty() {
        return Ok(0);
    }
    let engagements: Vec<String> = stakeholders
        .iter()
        .map(|s| s.engagement_id.to_string())
        .collect();
    // Few rows (one per stakeholder ever added): read and match here rather than in
    // backend-specific JSON SQL.
    let added = audit_event::Entity::find()
        .filter(audit_event::Column::Kind.is_in([
            "engagement.stakeholder_added",
            "engagement.provider_contact_added",
        ]))
        .all(conn)
        .await?;
    let quoting: Vec<Uuid> = added
        .into_iter()
        .filter(|e| {
            let engagement = e.data.get("engagement_id").and_then(|v| v.as_str());
            let name = e.data.get("name").and_then(|v| v.as_str());
            engagement.is_some_and(|id| engagements.iter().any(|x| x == id))
                && name.is_some_and(|n| stakeholders.iter().any(|s| s.name == n))
        })
        .map(|e| e.id)
        .collect();
    if !quoting.is_empty() {
        strip_quotes(
            conn,
            Condition::all().add(audit_event::Column::Id.is_in(quoting)),
        )
        .await?;
    }
    Ok(stakeholder::Entity::delete_many()
        .filter(stakeholder::Column::Id.is_in(stakeholders.iter().map(|s| s.id)))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Providers whose contact is `email`.
pub async fn providers_with_contact(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Vec<provider::Model>, StoreError> {
    Ok(provider::Entity::find()
        .filter(provider::Column::ContactEmail.eq(email))
        .order_by_asc(provider::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Blanks the contact name and address of the providers whose contact is `email`.
pub async fn erase_provider_contacts(
    conn: &impl ConnectionTrait,
    email: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(provider::Entity::update_many()
        .col_expr(provider::Column::ContactName, Expr::value(""))
        .col_expr(provider::Column::ContactEmail, Expr::value(""))
        .col_expr(provider::Column::UpdatedAt, Expr::value(now))
        .filter(provider::Column::ContactEmail.eq(email))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Deletes the stored Idempotency-Key answers whose body mentions `needle` (an address):
/// a repeated request then runs again instead of replaying a copy of erased data.
pub async fn delete_stored_answers_mentioning(
    conn: &impl ConnectionTrait,
    needle: &str,
) -> Result<u64, StoreError> {
    let escaped: String = needle
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = LikeExpr::new(format!("%{escaped}%")).escape('\\');
    Ok(idempotency_key::Entity::delete_many()
        .filter(Expr::col(idempotency_key::Column::ResponseBody).like(pattern))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Places (`Some((reason, by))`) or lifts (`None`) a case's legal hold.
pub async fn set_hold(
    conn: &impl ConnectionTrait,
    case: CaseRow,
    hold: Option<(&str, Uuid)>,
    now: DateTime<Utc>,
) -> Result<CaseRow, StoreError> {
    use sea_orm::{ActiveModelTrait, Set};
    let mut active: vetting_case::ActiveModel = case.into();
    active.hold_reason = Set(hold.map(|(reason, _)| reason.to_owned()));
    active.held_at = Set(hold.map(|_| now));
    active.held_by = Set(hold.map(|(_, by)| by));
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}
