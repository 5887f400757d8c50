//! The admin's view of the questionnaire templates: each version's questions by kind, its
//! estimated time and its warnings. Versions are published through `POST
//! /api/v1/templates` (a published version never changes); this page is where an admin
//! sees what a version asks of a referee before choosing it for cases.

use actix_web::{HttpResponse, get, web};
use engine::questionnaire::{QuestionKind, estimated_minutes};
use serde_json::{Value, json};

use super::session::UiSession;
use super::{format, page};
use crate::AppState;
use crate::auth::Admin;
use crate::error::ApiError;

/// "16 likert, 1 yes/no, 2 text": how a version's questions divide by kind.
fn kinds(questions: &[engine::questionnaire::Question]) -> String {
    [
        (QuestionKind::Percentile, "percentile"),
        (QuestionKind::Likert, "likert"),
        (QuestionKind::Choice, "choice"),
        (QuestionKind::YesNo, "yes/no"),
        (QuestionKind::Text, "text"),
    ]
    .into_iter()
    .filter_map(|(kind, name)| {
        let n = questions.iter().filter(|q| q.kind == kind).count();
        (n > 0).then(|| format!("{n} {name}"))
    })
    .collect::<Vec<_>>()
    .join(", ")
}

#[get("/admin/templates")]
pub async fn list(
    state: web::Data<AppState>,
    session: UiSession,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    let templates: Vec<Value> = state
        .engine
        .questionnaires()
        .list_templates()
        .await?
        .into_iter()
        .map(|t| {
            // Newest first: the one new cases get leads.
            let versions: Vec<Value> = t
                .versions
                .iter()
                .rev()
                .map(|v| {
                    json!({
                        "version": v.version,
                        "questions": v.questions.len(),
                        "kinds": kinds(&v.questions),
                        "seconds": v.estimated_seconds,
                        "minutes": estimated_minutes(v.estimated_seconds),
                        "warnings": v.warnings,
                        "published": v.published_at.map(format::datetime),
                    })
                })
                .collect();
            json!({
                "id": t.id,
                "name": t.name,
                "key": t.key,
                "description": t.description,
                "versions": versions,
            })
        })
        .collect();
    Ok(page(
        &state,
        &session,
        "ui/admin_templates.html",
        json!({
            "title": "Questionnaires",
            "nav": "templates",
            "templates": templates,
            "max_seconds": state.engine.templates_settings().max_estimated_seconds,
        }),
    ))
}
