//! Retention by data class (API.md "Privacy"): once a case has ended (decided,
//! cancelled, or a pulse scored) and is not on hold,
//! - after `retention.referee_identity_days` its referees' names, addresses,
//!   relationships, IP addresses and user agents go, with the copies derived from them:
//!   the recipients and subjects in the email log, what audit events quote, the provider
//!   contact's IP addresses;
//! - after `retention.comments_days` the free-text answers and decline reasons go.
//!
//! Besides, the stakeholders and provider contacts of engagements that ended
//! `retention.referee_identity_days`
//! ago, finished webhook deliveries older than `retention.delivery_log_days`, web sessions
//! that ended and Idempotency-Key answers older than a day are deleted, and so are the
//! file mail transport's `.eml` files in `mail.dir` older than
//! `retention.referee_identity_days` (`mail_files`).
//!
//! Runs daily as a job (`Task::Retention`, one per day however many workers) and on demand
//! as `vouch retention [--dry-run]`. Work goes in batches of [`BATCH`] references, one
//! transaction each, so a large first run neither holds long locks nor starts over if it
//! is interrupted: each reference records which purges it has had.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use store::TransactionTrait;
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::outbox::Task;
use crate::store::cases::{self, CaseRow};
use crate::store::privacy::{self, CaseIdentityCounts, CommentCounts, IdentityCounts, Purge};
use crate::{Engine, EngineError};

/// References per transaction.
pub const BATCH: u64 = 500;

/// What a retention run erased (or, in a dry run, would erase).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionReport {
    pub dry_run: bool,
    /// Referee identities (in a dry run only `references` is counted).
    pub identity: IdentityCounts,
    /// The provider contact's IP addresses and the case's other emails.
    pub case_identity: CaseIdentityCounts,
    /// Free text (in a dry run only `references` is counted).
    pub comments: CommentCounts,
    /// Stakeholders and provider contacts of engagements that ended
    /// `retention.referee_identity_days` ago.
    pub stakeholders: u64,
    /// Finished webhook deliveries past `retention.delivery_log_days`.
    pub webhook_deliveries: u64,
    /// `.eml` files of the file mail transport in `mail.dir` written more than
    /// `retention.referee_identity_days` ago (each holds a referee's name and address).
    pub mail_files: u64,
    /// Web sessions that had ended (not counted in a dry run).
    pub sessions: Option<u64>,
    /// Idempotency-Key answers older than a day (not counted in a dry run).
    pub idempotency_keys: Option<u64>,
    /// Cases with data due that a legal hold kept.
    pub held_cases: Vec<Uuid>,
    /// Per case, how many references had (or would have) each purge.
    pub cases: Vec<CaseRetention>,
}

/// One case's share of a retention run.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRetention {
    pub case_id: Uuid,
    pub title: String,
    /// References whose identity was (would be) erased.
    pub identity: u64,
    /// References whose free text was (would be) erased.
    pub comments: u64,
}

impl RetentionReport {
    /// Whether the run found nothing to do.
    pub fn is_empty(&self) -> bool {
        self.identity.references == 0
            && self.comments.references == 0
            && self.case_identity == CaseIdentityCounts::default()
            && self.stakeholders == 0
            && self.webhook_deliveries == 0
            && self.mail_files == 0
            && self.sessions.unwrap_or(0) == 0
            && self.idempotency_keys.unwrap_or(0) == 0
    }

    fn count_case(&mut self, case: &CaseRow, purge: Purge, n: u64) {
        // References come in id order, so a case's come together: look at the last first.
        let at = match self.cases.iter().rposition(|c| c.case_id == case.id) {
            Some(at) => at,
            None => {
                self.cases.push(CaseRetention {
                    case_id: case.id,
                    title: case.title.clone(),
                    ..Default::default()
                });
                self.cases.len() - 1
            }
        };
        match purge {
            Purge::Identity => self.cases[at].identity += n,
            Purge::Comments => self.cases[at].comments += n,
        }
    }
}

fn days(n: u32) -> Duration {
    Duration::days(i64::from(n))
}

impl Engine {
    /// One batch of `purge` after the reference `after`, in its own transaction; the last
    /// reference it looked at, or `None` when nothing was left.
    async fn retention_batch(
        &self,
        purge: Purge,
        cutoff: DateTime<Utc>,
        after: Option<Uuid>,
        report: &mut RetentionReport,
    ) -> Result<Option<Uuid>, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let due = privacy::due(&txn, purge, cutoff, after, BATCH).await?;
        let Some(last) = due.last().map(|r| r.id) else {
            return Ok(None);
        };
        let mut case_ids: Vec<Uuid> = due.iter().map(|r| r.case_id).collect();
        case_ids.sort();
        case_ids.dedup();
        // Under the case locks: a hold placed since the select above wins.
        let cases: HashMap<Uuid, CaseRow> = privacy::lock_unheld(&txn, &case_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let due: Vec<_> = due
            .into_iter()
            .filter(|r| cases.contains_key(&r.case_id))
            .collect();
        if due.is_empty() {
            // Every case of the batch went on hold meanwhile.
            txn.commit().await?;
            return Ok(Some(last));
        }
        let mut per_case: BTreeMap<Uuid, u64> = BTreeMap::new();
        for r in &due {
            *per_case.entry(r.case_id).or_default() += 1;
        }
        match purge {
            Purge::Identity => {
                let organisations = self.organisations_of(&due);
                report.identity += privacy::erase_identity(&txn, &organisations, now).await?;
                let ids: Vec<Uuid> = cases.keys().copied().collect();
                report.case_identity += privacy::erase_case_identity(&txn, &ids).await?;
            }
            Purge::Comments => {
                let keys = self.text_keys_of(&txn, &due, &cases).await?;
                report.comments += privacy::erase_comments(&txn, &keys, now).await?;
            }
        }
        txn.commit().await?;
        for (case_id, n) in per_case {
            report.count_case(&cases[&case_id], purge, n);
        }
        Ok(Some(last))
    }

    /// The `.eml` files in `mail.dir` older than `cutoff`: deleted, or only counted.
    async fn purge_mail_files(
        &self,
        cutoff: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<u64, EngineError> {
        match &self.mail_dir {
            Some(dir) => super::mail_files::purge(dir.clone(), cutoff, dry_run).await,
            None => Ok(0),
        }
    }
}

impl crate::services::Privacy<'_> {
    /// Runs retention now (see the module docs); a dry run changes nothing and says what
    /// would go. A real run ends with one `retention.run` audit event of counts only.
    #[tracing::instrument(skip_all, fields(dry_run), err)]
    pub async fn run_retention(&self, dry_run: bool) -> Result<RetentionReport, EngineError> {
        let now = self.now();
        let identity_cutoff = now - days(self.retention.referee_identity_days);
        let comments_cutoff = now - days(self.retention.comments_days);
        let log_cutoff = now - days(self.retention.delivery_log_days);
        let mut report = RetentionReport {
            dry_run,
            ..Default::default()
        };
        // Both classes ask the same of a held case (a reference not yet purged either
        // way), so the later cutoff finds every case either would.
        let mut held =
            privacy::held_and_due(&self.db, identity_cutoff.max(comments_cutoff)).await?;
        held.sort();
        report.held_cases = held;

        if dry_run {
            for (purge, cutoff) in [
                (Purge::Identity, identity_cutoff),
                (Purge::Comments, comments_cutoff),
            ] {
                let due = privacy::due_by_case(&self.db, purge, cutoff).await?;
                let ids: Vec<Uuid> = due.keys().copied().collect();
                let cases = cases::by_ids(&self.db, &ids).await?;
                for case in &cases {
                    let n = due[&case.id];
                    report.count_case(case, purge, n);
                    match purge {
                        Purge::Identity => report.identity.references += n,
                        Purge::Comments => report.comments.references += n,
                    }
                }
            }
            report.stakeholders =
                privacy::stakeholders_of_ended_engagements(&self.db, identity_cutoff, false)
                    .await?;
            report.webhook_deliveries =
                privacy::finished_webhook_deliveries(&self.db, log_cutoff, false).await?;
            report.mail_files = self.purge_mail_files(identity_cutoff, true).await?;
            report.cases.sort_by_key(|c| c.case_id);
            return Ok(report);
        }

        for (purge, cutoff) in [
            (Purge::Identity, identity_cutoff),
            (Purge::Comments, comments_cutoff),
        ] {
            let mut after = None;
            while let Some(last) = self
                .retention_batch(purge, cutoff, after, &mut report)
                .await?
            {
                after = Some(last);
            }
        }
        let txn = self.db.begin().await?;
        report.stakeholders =
            privacy::stakeholders_of_ended_engagements(&txn, identity_cutoff, true).await?;
        txn.commit().await?;
        report.webhook_deliveries =
            privacy::finished_webhook_deliveries(&self.db, log_cutoff, true).await?;
        report.sessions = Some(self.accounts().purge_ended_sessions().await?);
        report.idempotency_keys = Some(
            self.idempotency()
                .purge_idempotency_keys(Duration::days(1))
                .await?,
        );
        report.mail_files = self.purge_mail_files(identity_cutoff, false).await?;
        report.cases.sort_by_key(|c| c.case_id);

        let counts = serde_json::json!({
            "identity": report.identity,
            "case_identity": report.case_identity,
            "comments": report.comments,
            "stakeholders": report.stakeholders,
            "webhook_deliveries": report.webhook_deliveries,
            "mail_files": report.mail_files,
            "sessions": report.sessions,
            "idempotency_keys": report.idempotency_keys,
            "cases": report.cases.len(),
            "held_cases": report.held_cases.len(),
        });
        audit::record(
            &self.db,
            None,
            None,
            &Actor::System,
            "retention.run",
            counts,
            now,
        )
        .await?;
        tracing::info!(
            identities = report.identity.references,
            comments = report.comments.references,
            cases = report.cases.len(),
            held = report.held_cases.len(),
            "retention run done"
        );
        Ok(report)
    }

    /// Queues today's retention run; every worker's housekeeping calls this, and the
    /// job's key makes it one run per day whoever queues it first.
    pub async fn schedule_retention(&self) -> Result<(), EngineError> {
        let day = self.now().date_naive();
        self.enqueue(&self.db, &Task::Retention { day }, self.now())
            .await
    }
}
