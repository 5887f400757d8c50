//! Privacy (API.md "Privacy"): retention at and around its boundaries on the test clock,
//! the dry run, legal hold, reports and calibration unchanged by a purge (`retention`);
//! subject access and erasure, checked by reading every table of the database afterwards
//! (`erasure`); addresses shortened in logs and stored errors (`redaction`).

use engine::domain::Role;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use testkit::TestApp;
use uuid::Uuid;

use crate::fixtures::{self, CaseWithReferees};

mod erasure;
mod redaction;
mod retention;

/// Every row of every table of the app's database that contains `needle`
/// (case-insensitive), as `table: row`.
pub async fn rows_containing(app: &TestApp, needle: &str) -> Vec<String> {
    let db = app.engine.db();
    let backend = db.get_database_backend();
    let single = |sql: String| Statement::from_string(backend, sql);
    let tables: Vec<String> = match backend {
        DbBackend::Postgres => db
            .query_all_raw(single(
                "SELECT table_name AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                    .into(),
            ))
            .await
            .unwrap(),
        _ => db
            .query_all_raw(single(
                "SELECT name FROM sqlite_master WHERE type = 'table'".into(),
            ))
            .await
            .unwrap(),
    }
    .iter()
    .map(|r| r.try_get::<String>("", "name").unwrap())
    .collect();
    assert!(tables.len() > 10, "tables found: {tables:?}");
    let needle = needle.to_lowercase();
    let mut found = Vec::new();
    for table in tables {
        let sql = match backend {
            DbBackend::Postgres => format!("SELECT CAST(t AS text) AS row FROM \"{table}\" t"),
            _ => {
                let columns: Vec<String> = db
                    .query_all_raw(single(format!("PRAGMA table_info(\"{table}\")")))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.try_get::<String>("", "name").unwrap())
                    .collect();
                let parts: Vec<String> =
                    columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
                format!(
                    "SELECT {} AS row FROM \"{table}\"",
                    parts.join(" || '|' || ")
                )
            }
        };
        for row in db.query_all_raw(single(sql)).await.unwrap() {
            let text: String = row.try_get("", "row").unwrap();
            if text.to_lowercase().contains(&needle) {
                found.push(format!("{table}: {text}"));
            }
        }
    }
    found
}

/// A case whose three referees answered (each with a free-text strength) and that HR
/// approved: it ended at the test clock's now.
pub async fn decided_case(app: &TestApp) -> CaseWithReferees {
    let case = fixtures::launched_case_with_quorum(app, 3, 3).await;
    case.answer_all(app, &["4", "5", "3"]).await;
    let hr = app.token_for(Role::Hr).await;
    let res = app
        .post(&format!("/api/v1/cases/{}/decision", case.id), &hr)
        .json(&json!({ "outcome": "rejected", "rationale": "Not a fit for us." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "decision");
    case
}

/// GET /api/v1/cases/{id} as `token` (200).
pub async fn case_json(app: &TestApp, token: &str, id: Uuid) -> Value {
    let res = app
        .get(&format!("/api/v1/cases/{id}"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "get case");
    res.json().await.unwrap()
}

/// GET /api/v1/cases/{id}/report as `token`, without the time it was made.
pub async fn report_json(app: &TestApp, token: &str, id: Uuid) -> Value {
    let res = app
        .get(&format!("/api/v1/cases/{id}/report"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "report");
    let mut report: Value = res.json().await.unwrap();
    report.as_object_mut().unwrap().remove("generated_at");
    report
}
