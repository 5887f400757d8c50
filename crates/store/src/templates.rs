//! Questionnaire templates and their published versions. A version row is written once
//! and never changed; what its questions mean is `questionnaires`'.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::StoreError;
use crate::entity::{template, template_version};

/// A template as stored, without its versions.
#[derive(Clone, Debug)]
pub struct TemplateRow {
    pub id: Uuid,
    pub key: Option<String>,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

/// A version as stored: its questions are the JSON the template's editor published.
#[derive(Clone, Debug)]
pub struct VersionRow {
    pub id: Uuid,
    pub template_id: Uuid,
    pub version: i32,
    pub questions: serde_json::Value,
    pub published_at: Option<DateTime<Utc>>,
}

impl From<template::Model> for TemplateRow {
    fn from(m: template::Model) -> Self {
        TemplateRow {
            id: m.id,
            key: m.key,
            name: m.name,
            description: m.description,
            created_at: m.created_at,
        }
    }
}

impl From<template_version::Model> for VersionRow {
    fn from(m: template_version::Model) -> Self {
        VersionRow {
            id: m.id,
            template_id: m.template_id,
            version: m.version,
            questions: m.questions,
            published_at: m.published_at,
        }
    }
}

/// A new template named `name`, with no version yet; returns its id.
pub async fn insert_template(
    conn: &impl ConnectionTrait,
    key: Option<&str>,
    name: &str,
    description: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    template::ActiveModel {
        id: Set(id),
        key: Set(key.map(str::to_owned)),
        name: Set(name.to_owned()),
        description: Set(description.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Version `version` of a template, published at `now`.
pub async fn insert_version(
    conn: &impl ConnectionTrait,
    template_id: Uuid,
    version: i32,
    questions: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<VersionRow, StoreError> {
    Ok(template_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        template_id: Set(template_id),
        version: Set(version),
        questions: Set(questions),
        created_at: Set(now),
        published_at: Set(Some(now)),
    }
    .insert(conn)
    .await?
    .into())
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(template::Entity::find().count(conn).await?)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<TemplateRow>, StoreError> {
    Ok(template::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(Into::into))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<TemplateRow, StoreError> {
    super::found(find(conn, id).await?, "template")
}

pub async fn by_key(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<TemplateRow>, StoreError> {
    Ok(template::Entity::find()
        .filter(template::Column::Key.eq(key))
        .one(conn)
        .await?
        .map(Into::into))
}

/// The first template ever written (ids are time-ordered): the default.
pub async fn oldest(conn: &impl ConnectionTrait) -> Result<Option<TemplateRow>, StoreError> {
    Ok(template::Entity::find()
        .order_by_asc(template::Column::Id)
        .one(conn)
        .await?
        .map(Into::into))
}

pub async fn set_key(conn: &impl ConnectionTrait, id: Uuid, key: &str) -> Result<(), StoreError> {
    template::Entity::update_many()
        .col_expr(template::Column::Key, sea_orm::sea_query::Expr::value(key))
        .filter(template::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn rename(
    conn: &impl ConnectionTrait,
    id: Uuid,
    name: &str,
    description: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::Expr;
    template::Entity::update_many()
        .col_expr(template::Column::Name, Expr::value(name))
        .col_expr(template::Column::Description, Expr::value(description))
        .col_expr(template::Column::UpdatedAt, Expr::value(now))
        .filter(template::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Every template, oldest first.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<TemplateRow>, StoreError> {
    Ok(template::Entity::find()
        .order_by_asc(template::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Every version of every template, lowest version first.
pub async fn all_versions(conn: &impl ConnectionTrait) -> Result<Vec<VersionRow>, StoreError> {
    Ok(template_version::Entity::find()
        .order_by_asc(template_version::Column::Version)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The newest published version of a template.
pub async fn latest_published(
    conn: &impl ConnectionTrait,
    template_id: Uuid,
) -> Result<VersionRow, StoreError> {
    super::found(
        template_version::Entity::find()
            .filter(template_version::Column::TemplateId.eq(template_id))
            .filter(template_version::Column::PublishedAt.is_not_null())
            .order_by_desc(template_version::Column::Version)
            .one(conn)
            .await?,
        "template",
    )
    .map(Into::into)
}

pub async fn version(conn: &impl ConnectionTrait, id: Uuid) -> Result<VersionRow, StoreError> {
    super::found(
        template_version::Entity::find_by_id(id).one(conn).await?,
        "template version",
    )
    .map(Into::into)
}

/// Template id and version number of each version in `ids`.
pub async fn version_numbers(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, Uuid, i32)>, StoreError> {
    Ok(template_version::Entity::find()
        .filter(template_version::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m.template_id, m.version))
        .collect())
}
