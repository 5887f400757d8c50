//! Questionnaire templates and their versions. A published version is immutable: a change
//! is a new version, so a case launched on version 1 keeps meaning what it meant.

use std::collections::HashMap;
use std::sync::RwLock;

use chrono::{DateTime, Utc};
use serde::Serialize;
use store::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::questionnaire::{
    Question, default_questions, estimated_minutes, estimated_seconds, provider_side_dimensions,
    provider_side_questions, quick_questions, validate_questions,
};
use crate::store::templates::{self as rows, VersionRow};
use crate::{EngineError, profile};

pub const DEFAULT_TEMPLATE_NAME: &str = "Standard fractional-provider reference check";
pub const QUICK_TEMPLATE_NAME: &str = "Quick partner check";
pub const PROVIDER_SIDE_TEMPLATE_NAME: &str = "Provider side of a pulse";

/// The keys of the shipped templates (`POST /api/v1/cases` `template_key`).
pub const STANDARD_KEY: &str = "standard";
pub const QUICK_KEY: &str = "quick";
pub const SHIPPED_KEYS: [&str; 2] = [STANDARD_KEY, QUICK_KEY];
/// The key of the shipped questions a pulse asks the provider's people (API.md
/// "Partnership both ways"); not a questionnaire for cases.
pub const PROVIDER_SIDE_KEY: &str = "provider_side";

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateVersion {
    pub id: Uuid,
    pub version: i32,
    pub questions: Vec<Question>,
    pub published_at: Option<DateTime<Utc>>,
    /// How long answering takes, in seconds (`questionnaire::estimated_seconds`). Derived
    /// from the questions, so it is never stored and cannot disagree with them.
    pub estimated_seconds: u32,
    /// What the editor should know before using the version: it is long (over
    /// `LONG_FORM_SECONDS`). Empty when there is nothing to say.
    pub warnings: Vec<String>,
}

/// Above this estimate a version is flagged as long: referees, on phones above all, give
/// up more often past five minutes.
pub const LONG_FORM_SECONDS: u32 = 300;

/// The warnings of a version that takes `seconds` to answer.
fn warnings_for(seconds: u32) -> Vec<String> {
    if seconds > LONG_FORM_SECONDS {
        vec![format!(
            "This questionnaire takes about {} minutes ({seconds} s). Above {} minutes busy referees, on phones above all, give up more often: consider the quick partner check or fewer questions.",
            estimated_minutes(seconds),
            LONG_FORM_SECONDS / 60
        )]
    } else {
        Vec::new()
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Template {
    pub id: Uuid,
    /// `standard`, `quick` or `provider_side` for a shipped template; null for one an admin
    /// published.
    pub key: Option<String>,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// Oldest first; the last one is what new cases use.
    pub versions: Vec<TemplateVersion>,
}

pub struct NewTemplate {
    /// Publish a new version of this template instead of creating a new one.
    pub template_id: Option<Uuid>,
    pub name: String,
    pub description: String,
    pub questions: Vec<Question>,
}

pub(crate) fn to_version(m: VersionRow) -> Result<TemplateVersion, EngineError> {
    let questions: Vec<Question> = serde_json::from_value(m.questions)
        .map_err(|e| EngineError::Corrupt(format!("template version {}: {e}", m.id)))?;
    let seconds = estimated_seconds(&questions);
    Ok(TemplateVersion {
        id: m.id,
        version: m.version,
        estimated_seconds: seconds,
        warnings: warnings_for(seconds),
        questions,
        published_at: m.published_at,
    })
}

/// A new template with `questions` as its version 1; returns its id.
async fn insert_template(
    conn: &impl ConnectionTrait,
    key: Option<&str>,
    name: &str,
    description: &str,
    questions: &[Question],
) -> Result<Uuid, EngineError> {
    let now = Utc::now();
    let id = rows::insert_template(conn, key, name, description, now).await?;
    rows::insert_version(conn, id, 1, questions_json(questions)?, now).await?;
    Ok(id)
}

fn questions_json(questions: &[Question]) -> Result<serde_json::Value, EngineError> {
    serde_json::to_value(questions)
        .map_err(|e| EngineError::Corrupt(format!("questions do not serialize: {e}")))
}

pub(crate) async fn seed_default(db: &DatabaseConnection) -> Result<(), EngineError> {
    match seed_shipped(db).await {
        // Another process starting at the same moment (`serve` and `worker` on one
        // PostgreSQL) seeded them first: the unique key kept one copy, which is all we want.
        Err(EngineError::Database(e)) if EngineError::is_unique_violation(&e) => Ok(()),
        other => other,
    }
}

/// Seeds the shipped templates that are missing, in one transaction.
async fn seed_shipped(db: &DatabaseConnection) -> Result<(), EngineError> {
    let txn = db.begin().await?;
    if rows::count(&txn).await? == 0 {
        insert_template(
            &txn,
            Some(STANDARD_KEY),
            DEFAULT_TEMPLATE_NAME,
            "Values, dedication, accountability, communication, partnership, confidentiality, scope and expertise, with strengths, concerns and rehire.",
            &default_questions(),
        )
        .await?;
    } else if rows::by_key(&txn, STANDARD_KEY).await?.is_none() {
        // Installed before templates had keys: the oldest template is the one seeded then
        // (seeding runs before anything else can publish one).
        if let Some(oldest) = rows::oldest(&txn).await? {
            rows::set_key(&txn, oldest.id, STANDARD_KEY).await?;
        }
    }
    if rows::by_key(&txn, QUICK_KEY).await?.is_none() {
        insert_template(
            &txn,
            Some(QUICK_KEY),
            QUICK_TEMPLATE_NAME,
            "About three minutes on a phone: where the provider stands among others the referee has worked with, on each dimension, with rehire and one open question.",
            &quick_questions(),
        )
        .await?;
    }
    if rows::by_key(&txn, PROVIDER_SIDE_KEY).await?.is_none() {
        insert_template(
            &txn,
            Some(PROVIDER_SIDE_KEY),
            PROVIDER_SIDE_TEMPLATE_NAME,
            "What each pulse asks the provider's people about the buyer, in their own voice: included in plans and strategy, advice heard, scope clear, information in time, treated as a partner, and one open question.",
            &provider_side_questions(),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The newest published version of a template, or of the default (oldest) template.
pub(crate) async fn current_version(
    conn: &impl ConnectionTrait,
    template_id: Option<Uuid>,
) -> Result<VersionRow, EngineError> {
    let template_id = match template_id {
        Some(id) => id,
        None => {
            rows::oldest(conn)
                .await?
                .ok_or(EngineError::NotFound { entity: "template" })?
                .id
        }
    };
    rows::latest_published(conn, template_id)
        .await
        .map_err(Into::into)
}

/// Template versions as read from the database, by id. A version never changes once
/// written, so each is read (and its questions parsed) once per process; every invitation,
/// form and submission after that skips the read. Bounded: templates are few, but should a
/// process meet more versions than this, it starts over.
#[derive(Default)]
pub(crate) struct VersionCache(RwLock<HashMap<Uuid, TemplateVersion>>);

const VERSION_CACHE_CAPACITY: usize = 256;

impl VersionCache {
    fn get(&self, id: Uuid) -> Option<TemplateVersion> {
        // A poisoned lock only means another thread panicked mid-insert of a whole value.
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        map.get(&id).cloned()
    }

    fn put(&self, version: &TemplateVersion) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= VERSION_CACHE_CAPACITY {
            map.clear();
        }
        map.insert(version.id, version.clone());
    }
}

pub(crate) async fn version_by_id(
    cache: &VersionCache,
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<TemplateVersion, EngineError> {
    if let Some(version) = cache.get(id) {
        return Ok(version);
    }
    let version = to_version(rows::version(conn, id).await?)?;
    cache.put(&version);
    Ok(version)
}

impl crate::services::Questionnaires<'_> {
    #[tracing::instrument(skip_all)]
    pub async fn list_templates(&self) -> Result<Vec<Template>, EngineError> {
        let templates = rows::all(&self.db).await?;
        let versions = rows::all_versions(&self.db).await?;
        templates
            .into_iter()
            .map(|t| {
                let versions = versions
                    .iter()
                    .filter(|v| v.template_id == t.id)
                    .cloned()
                    .map(to_version)
                    .collect::<Result<_, _>>()?;
                Ok(Template {
                    id: t.id,
                    key: t.key,
                    name: t.name,
                    description: t.description,
                    created_at: t.created_at,
                    versions,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn template(&self, id: Uuid) -> Result<Template, EngineError> {
        self.questionnaires()
            .list_templates()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(EngineError::NotFound { entity: "template" })
    }

    /// The id of the shipped template with `key` (`standard` or `quick`); a validation
    /// error on `field` for any other key.
    #[tracing::instrument(skip_all, fields(key = %key))]
    pub async fn template_id_by_key(&self, field: &str, key: &str) -> Result<Uuid, EngineError> {
        let unknown = || {
            EngineError::validation(
                field,
                format!("must be one of: {}", SHIPPED_KEYS.join(", ")),
            )
        };
        if !SHIPPED_KEYS.contains(&key) {
            return Err(unknown());
        }
        rows::by_key(&self.db, key)
            .await?
            .map(|t| t.id)
            .ok_or_else(unknown)
    }

    /// Publishes a questionnaire: a new template, or (with `template_id`) the next version
    /// of an existing one.
    #[tracing::instrument(skip_all, err)]
    pub async fn publish_template(
        &self,
        new: NewTemplate,
        actor: &Actor,
    ) -> Result<Template, EngineError> {
        // The provider-side questions measure the provider side's own dimensions.
        let provider_side = match new.template_id {
            Some(id) => is_provider_side(&self.db, id).await?,
            None => false,
        };
        let dims: Vec<String> = if provider_side {
            provider_side_dimensions()
        } else {
            profile::load(&self.db).await?
        }
        .into_iter()
        .map(|d| d.key)
        .collect();
        validate_questions(&new.questions, &dims)?;
        let seconds = estimated_seconds(&new.questions);
        let max = self.templates.max_estimated_seconds;
        if seconds > max {
            return Err(EngineError::validation(
                "questions",
                format!(
                    "take about {seconds} s to answer; at most {max} s is allowed (templates.max_estimated_seconds): remove questions, or turn text questions into closed ones"
                ),
            ));
        }
        let now = self.now();
        let txn = self.db.begin().await?;
        let id = match new.template_id {
            None => {
                insert_template(&txn, None, &new.name, &new.description, &new.questions).await?
            }
            Some(id) => {
                rows::get(&txn, id).await?;
                let latest = current_version(&txn, Some(id)).await?.version;
                rows::insert_version(
                    &txn,
                    id,
                    latest + 1,
                    questions_json(&new.questions)?,
                    Utc::now(),
                )
                .await?;
                rows::rename(&txn, id, &new.name, &new.description, now).await?;
                id
            }
        };
        audit::record(
            &txn,
            None,
            None,
            actor,
            "template.published",
            serde_json::json!({ "template_id": id }),
            now,
        )
        .await?;
        txn.commit().await?;
        self.questionnaires().template(id).await
    }
}

/// The newest published version of the provider-side questions (the shipped template with
/// key `provider_side`, as an admin may have edited it).
pub(crate) async fn provider_side_version(
    conn: &impl ConnectionTrait,
) -> Result<VersionRow, EngineError> {
    let template = rows::by_key(conn, PROVIDER_SIDE_KEY)
        .await?
        .ok_or(EngineError::NotFound { entity: "template" })?;
    current_version(conn, Some(template.id)).await
}

/// Whether `template_id` is the shipped provider-side template.
pub(crate) async fn is_provider_side(
    conn: &impl ConnectionTrait,
    template_id: Uuid,
) -> Result<bool, EngineError> {
    Ok(rows::find(conn, template_id)
        .await?
        .is_some_and(|t| t.key.as_deref() == Some(PROVIDER_SIDE_KEY)))
}
