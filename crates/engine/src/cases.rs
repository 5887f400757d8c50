//! Vetting cases and their reference requests: creation, reading and adding referees.
//! Launching and the later lifecycle live with the workflow.

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::domain::{CaseStatus, ReferenceRequest, ReferenceStatus, VettingCase, stored};
use crate::entity::{provider, reference_request, template_version, vetting_case};
use crate::users::normalize_email;
use crate::{Engine, EngineError, Page, PageRequest, profile, templates};

pub struct NewCase {
    pub provider_id: Uuid,
    pub title: Option<String>,
    pub template_id: Option<Uuid>,
    pub min_responses: i32,
    pub deadline_days: i32,
}

pub struct NewReference {
    pub name: String,
    pub email: String,
    pub company: String,
    pub relationship: String,
}

pub(crate) fn to_reference(m: reference_request::Model) -> Result<ReferenceRequest, EngineError> {
    Ok(ReferenceRequest {
        id: m.id,
        case_id: m.case_id,
        status: stored(&m.status)?,
        name: m.name,
        email: m.email,
        company: m.company,
        relationship: m.relationship,
        nominated_by: m.nominated_by,
        reminders_sent: m.reminders_sent,
        invited_at: m.invited_at,
        opened_at: m.opened_at,
        responded_at: m.responded_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn counts(refs: &[ReferenceRequest]) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> = ReferenceStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for r in refs {
        *counts.entry(r.status.as_str().to_owned()).or_default() += 1;
    }
    counts
}

/// Assembles case read models with their provider names, template versions and references,
/// in three queries whatever the number of cases.
async fn assemble(
    conn: &impl ConnectionTrait,
    cases: Vec<vetting_case::Model>,
) -> Result<Vec<VettingCase>, EngineError> {
    let ids: Vec<Uuid> = cases.iter().map(|c| c.id).collect();
    let provider_ids: Vec<Uuid> = cases.iter().map(|c| c.provider_id).collect();
    let version_ids: Vec<Uuid> = cases.iter().map(|c| c.template_version_id).collect();
    let providers: BTreeMap<Uuid, String> = provider::Entity::find()
        .filter(provider::Column::Id.is_in(provider_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let versions: BTreeMap<Uuid, (Uuid, i32)> = template_version::Entity::find()
        .filter(template_version::Column::Id.is_in(version_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.id, (v.template_id, v.version)))
        .collect();
    let mut refs: BTreeMap<Uuid, Vec<ReferenceRequest>> = BTreeMap::new();
    for r in reference_request::Entity::find()
        .filter(reference_request::Column::CaseId.is_in(ids))
        .order_by_asc(reference_request::Column::Id)
        .all(conn)
        .await?
    {
        refs.entry(r.case_id).or_default().push(to_reference(r)?);
    }
    cases
        .into_iter()
        .map(|c| {
            let references = refs.remove(&c.id).unwrap_or_default();
            let (template_id, template_version) = versions
                .get(&c.template_version_id)
                .copied()
                .ok_or_else(|| {
                    EngineError::Corrupt(format!("case {} has no template version", c.id))
                })?;
            Ok(VettingCase {
                id: c.id,
                provider_id: c.provider_id,
                provider_name: providers.get(&c.provider_id).cloned().unwrap_or_default(),
                owner_id: c.owner_id,
                title: c.title,
                template_id,
                template_version,
                min_responses: c.min_responses,
                deadline_days: c.deadline_days,
                deadline_at: c.deadline_at,
                status: stored(&c.status)?,
                launched_at: c.launched_at,
                closed_at: c.closed_at,
                created_at: c.created_at,
                updated_at: c.updated_at,
                counts: counts(&references),
                references,
            })
        })
        .collect()
}

impl Engine {
    /// Opens a case in `draft`, snapshotting the current values profile and the template
    /// version it will be launched with.
    pub async fn create_case(&self, new: NewCase, owner: Uuid) -> Result<VettingCase, EngineError> {
        let txn = self.db.begin().await?;
        let provider = provider::Entity::find_by_id(new.provider_id)
            .one(&txn)
            .await?
            .ok_or_else(|| EngineError::validation("provider_id", "no provider with this id"))?;
        let version = match templates::current_version(&txn, new.template_id).await {
            Err(EngineError::NotFound { .. }) if new.template_id.is_some() => {
                return Err(EngineError::validation(
                    "template_id",
                    "no published template with this id",
                ));
            }
            other => other?,
        };
        let profile = profile::load(&txn).await?;
        let now = self.now();
        let title = new
            .title
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("Reference check: {}", provider.name));
        let m = vetting_case::ActiveModel {
            id: Set(Uuid::now_v7()),
            provider_id: Set(provider.id),
            owner_id: Set(owner),
            title: Set(title),
            template_version_id: Set(version.id),
            profile_snapshot: Set(
                serde_json::to_value(&profile).map_err(|e| EngineError::Corrupt(e.to_string()))?
            ),
            min_responses: Set(new.min_responses),
            deadline_days: Set(new.deadline_days),
            deadline_at: Set(None),
            status: Set(CaseStatus::Draft.as_str().to_owned()),
            launched_at: Set(None),
            closed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            Some(m.id),
            None,
            &Actor::User(owner),
            "case.created",
            serde_json::json!({ "provider_id": provider.id, "template_version": version.version }),
            now,
        )
        .await?;
        let case = assemble(&txn, vec![m]).await?.remove(0);
        txn.commit().await?;
        Ok(case)
    }

    pub async fn case(&self, id: Uuid) -> Result<VettingCase, EngineError> {
        let m = vetting_case::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound { entity: "case" })?;
        Ok(assemble(&self.db, vec![m]).await?.remove(0))
    }

    pub async fn list_cases(
        &self,
        status: Option<CaseStatus>,
        page: PageRequest,
    ) -> Result<Page<VettingCase>, EngineError> {
        let mut q = vetting_case::Entity::find().order_by_desc(vetting_case::Column::Id);
        if let Some(status) = status {
            q = q.filter(vetting_case::Column::Status.eq(status.as_str()));
        }
        if let Some(cursor) = page.cursor {
            q = q.filter(vetting_case::Column::Id.lt(cursor));
        }
        let rows = q.limit(page.limit() + 1).all(&self.db).await?;
        let page = Page::from_rows(rows, page.limit(), |m| m.id);
        Ok(Page {
            items: assemble(&self.db, page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// How many cases are in each status (every status present, zero included).
    pub async fn case_counts(&self) -> Result<BTreeMap<CaseStatus, u64>, EngineError> {
        let rows: Vec<(String, i64)> = vetting_case::Entity::find()
            .select_only()
            .column(vetting_case::Column::Status)
            .column_as(vetting_case::Column::Id.count(), "n")
            .group_by(vetting_case::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut counts: BTreeMap<CaseStatus, u64> =
            CaseStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for (status, n) in rows {
            counts.insert(stored(&status)?, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// The questionnaire a case was (or will be) launched with.
    pub async fn case_questions(
        &self,
        case_id: Uuid,
    ) -> Result<templates::TemplateVersion, EngineError> {
        let m = vetting_case::Entity::find_by_id(case_id)
            .one(&self.db)
            .await?
            .ok_or(EngineError::NotFound { entity: "case" })?;
        templates::version_by_id(&self.db, m.template_version_id).await
    }

    /// Inserts a pending reference into a case that accepts references (checked by the
    /// caller), within the case's limit; invites it at once if the case is collecting.
    pub(crate) async fn insert_reference(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        case: &vetting_case::Model,
        new: NewReference,
        actor: &Actor,
    ) -> Result<reference_request::Model, EngineError> {
        let case_id = case.id;
        let status: CaseStatus = stored(&case.status)?;
        let existing = reference_request::Entity::find()
            .filter(reference_request::Column::CaseId.eq(case_id))
            .count(txn)
            .await?;
        let max = u64::from(self.settings.max_references_per_case);
        if existing >= max {
            return Err(EngineError::validation(
                "references",
                format!("a case can have at most {max} references"),
            ));
        }
        let now = self.now();
        let m = reference_request::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(case_id),
            name: Set(new.name.trim().to_owned()),
            email: Set(normalize_email(&new.email)),
            company: Set(new.company.trim().to_owned()),
            relationship: Set(new.relationship.trim().to_owned()),
            nominated_by: Set(actor.to_string()),
            status: Set(ReferenceStatus::Pending.as_str().to_owned()),
            invitations_sent: Set(0),
            reminders_sent: Set(0),
            invited_at: Set(None),
            opened_at: Set(None),
            responded_at: Set(None),
            decline_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            Some(case_id),
            Some(m.id),
            actor,
            "reference.added",
            serde_json::json!({ "name": m.name, "company": m.company }),
            now,
        )
        .await?;
        // Added while collecting: invite at once, like the ones invited at launch.
        if status == CaseStatus::Collecting {
            self.enqueue_invitation(txn, &m).await?;
        }
        Ok(m)
    }

    /// Adds a referee to a case that is still open for references.
    pub async fn add_reference(
        &self,
        case_id: Uuid,
        new: NewReference,
        actor: &Actor,
    ) -> Result<ReferenceRequest, EngineError> {
        let txn = self.db.begin().await?;
        let case = vetting_case::Entity::find_by_id(case_id)
            .one(&txn)
            .await?
            .ok_or(EngineError::NotFound { entity: "case" })?;
        let status: CaseStatus = stored(&case.status)?;
        if !status.accepts_references() {
            return Err(EngineError::InvalidState {
                entity: "case",
                action: "add a reference to",
                current: status.as_str().to_owned(),
            });
        }
        let m = self.insert_reference(&txn, &case, new, actor).await?;
        txn.commit().await?;
        to_reference(m)
    }
}
