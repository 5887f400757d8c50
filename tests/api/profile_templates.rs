//! The values profile and questionnaire templates, and migrations on a used database.

use engine::domain::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use testkit::{Backend, TestApp};

use crate::helpers::{field_error, problem};
use crate::{on_both_backends, on_both_databases};

on_both_backends!(an_existing_database_upgrades_with_its_data);

on_both_databases!(
    default_profile_is_seeded_with_every_dimension,
    admin_replaces_the_profile_and_bad_values_name_the_field,
    default_template_covers_every_dimension,
    publishing_a_new_version_keeps_the_old_one_and_new_cases_use_it,
    invalid_questions_name_the_field,
    migrations_and_seeding_apply_twice_without_error,
);

const DIMENSIONS: [&str; 8] = [
    "values",
    "dedication",
    "accountability",
    "communication",
    "partnership",
    "confidentiality",
    "scope",
    "expertise",
];

async fn default_profile_is_seeded_with_every_dimension(app: TestApp) {
    let hr = app.token_for(Role::Hr).await;
    let profile: Value = app
        .get("/api/v1/profile", &hr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = profile["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, DIMENSIONS);
    let weight = |k: &str| {
        profile["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["key"] == k)
            .unwrap()["weight"]
            .as_f64()
            .unwrap()
    };
    assert!(weight("values") > weight("expertise"));
}

async fn admin_replaces_the_profile_and_bad_values_name_the_field(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let new = json!({"dimensions": [
        {"key": "values", "label": "Values", "weight": 5.0, "min_score": 70.0},
        {"key": "expertise", "label": "Skill", "weight": 1.0, "min_score": 40.0}
    ]});
    let res = app
        .put("/api/v1/profile", &admin)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let got: Value = app
        .get("/api/v1/profile", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, new);

    let mut bad = new.clone();
    bad["dimensions"][1]["weight"] = json!(0);
    let res = app
        .put("/api/v1/profile", &admin)
        .json(&bad)
        .send()
        .await
        .unwrap();
    field_error(res, "dimensions[1].weight").await;
    let mut bad = new.clone();
    bad["dimensions"][0]["min_score"] = json!(101);
    let res = app
        .put("/api/v1/profile", &admin)
        .json(&bad)
        .send()
        .await
        .unwrap();
    field_error(res, "dimensions[0].min_score").await;
    let mut bad = new.clone();
    bad["dimensions"][1]["key"] = json!("values");
    let res = app
        .put("/api/v1/profile", &admin)
        .json(&bad)
        .send()
        .await
        .unwrap();
    field_error(res, "dimensions[1].key").await;
    let res = app
        .put("/api/v1/profile", &admin)
        .json(&json!({"dimensions": []}))
        .send()
        .await
        .unwrap();
    field_error(res, "dimensions").await;
    // The rejected writes changed nothing.
    let got: Value = app
        .get("/api/v1/profile", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, new);
}

async fn default_template_covers_every_dimension(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let list: Value = app
        .get("/api/v1/templates", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let templates = list["items"].as_array().unwrap();
    assert_eq!(
        templates.len(),
        3,
        "the standard and the quick template, and the provider side of pulses"
    );
    assert_eq!(templates[0]["key"], "standard");
    let versions = templates[0]["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1);
    let questions = versions[0]["questions"].as_array().unwrap();
    assert!((12..=20).contains(&questions.len()));
    for d in DIMENSIONS {
        assert!(
            questions.iter().any(|q| q["dimension"] == d),
            "no question on {d}"
        );
    }
    let rehire = questions.iter().find(|q| q["key"] == "rehire").unwrap();
    assert_eq!(rehire["kind"], "yes_no");
    for key in ["strengths", "concerns"] {
        assert_eq!(
            questions.iter().find(|q| q["key"] == key).unwrap()["kind"],
            "text"
        );
    }
}

async fn publishing_a_new_version_keeps_the_old_one_and_new_cases_use_it(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"name": "Short", "questions": [
            {"key": "values_fit", "prompt": "Shares our values?", "kind": "likert", "dimension": "values", "required": true}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["versions"][0]["version"], 1);

    let provider = app.create_provider(&admin).await;
    let res = app
        .post("/api/v1/cases", &admin)
        .json(&json!({"provider_id": provider["id"], "template_id": id}))
        .send()
        .await
        .unwrap();
    let old_case: Value = res.json().await.unwrap();
    assert_eq!(old_case["template_version"], 1);

    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"template_id": id, "name": "Short v2", "questions": [
            {"key": "values_fit", "prompt": "Shares our values?", "kind": "likert", "dimension": "values", "required": true},
            {"key": "tier", "prompt": "Which tier?", "kind": "choice", "options": ["gold", "silver"]}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let updated: Value = res.json().await.unwrap();
    let versions = updated["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["questions"].as_array().unwrap().len(), 1);
    assert_eq!(versions[1]["version"], 2);
    assert_eq!(updated["name"], "Short v2");

    let res = app
        .post("/api/v1/cases", &admin)
        .json(&json!({"provider_id": provider["id"], "template_id": id}))
        .send()
        .await
        .unwrap();
    let new_case: Value = res.json().await.unwrap();
    assert_eq!(new_case["template_version"], 2);
    let old_again: Value = app
        .get(
            &format!("/api/v1/cases/{}", old_case["id"].as_str().unwrap()),
            &admin,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(old_again["template_version"], 1);

    let res = app
        .post("/api/v1/templates", &admin)
        .json(&json!({"template_id": uuid::Uuid::now_v7(), "name": "X", "questions": [{"key": "q", "prompt": "Q", "kind": "text"}]}))
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

async fn invalid_questions_name_the_field(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    let post = |questions: Value| {
        app.post("/api/v1/templates", &admin)
            .json(&json!({"name": "T", "questions": questions}))
            .send()
    };
    let res = post(json!([])).await.unwrap();
    field_error(res, "questions").await;
    let res = post(json!([{"key": "Bad Key", "prompt": "Q", "kind": "text"}]))
        .await
        .unwrap();
    field_error(res, "questions[0].key").await;
    let res = post(json!([{"key": "q", "prompt": "Q", "kind": "likert", "dimension": "charisma"}]))
        .await
        .unwrap();
    field_error(res, "questions[0].dimension").await;
    let res = post(json!([{"key": "q", "prompt": "Q", "kind": "choice", "options": ["only"]}]))
        .await
        .unwrap();
    field_error(res, "questions[0].options").await;
    let res = post(json!([{"key": "q", "prompt": "Q", "kind": "essay"}]))
        .await
        .unwrap();
    field_error(res, "questions[0].kind").await;
    let list: Value = app
        .get("/api/v1/templates", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        3,
        "nothing was stored besides the three shipped templates"
    );
}

async fn migrations_and_seeding_apply_twice_without_error(app: TestApp) {
    let admin = app.token_for(Role::Admin).await;
    app.create_case(&admin).await;
    engine::db::migrate(app.engine.db())
        .await
        .expect("second migrate");
    app.engine.seed_defaults().await.expect("second seed");
    let list: Value = app
        .get("/api/v1/templates", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        3,
        "seeding is not repeated"
    );
    let cases: Value = app
        .get("/api/v1/cases", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cases["items"].as_array().unwrap().len(), 1, "data survives");
}

/// A database made by the first release (schema 1, a user and a case in it) upgrades to the
/// current schema: existing users can then sign in, with no failed attempts counted.
async fn an_existing_database_upgrades_with_its_data(backend: Backend) {
    use migration::MigratorTrait;
    let Some(db) = testkit::TestDb::new(backend).await else {
        return;
    };
    let conn = engine::db::connect(&db.url).await.unwrap();
    migration::Migrator::up(&conn, Some(1)).await.unwrap();
    // Written with schema 1's columns only, as the first release would have.
    let backend_kind = conn.get_database_backend();
    let sql = match backend_kind {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO users (id, email, name, role, password_hash, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, NULL, TRUE, $5, $5)"
        }
        _ => {
            "INSERT INTO users (id, email, name, role, password_hash, active, created_at, updated_at) \
             VALUES (?, ?, ?, ?, NULL, TRUE, ?, ?)"
        }
    };
    let at = chrono::Utc::now();
    let mut values: Vec<sea_orm::Value> = vec![
        uuid::Uuid::now_v7().into(),
        "old@example.com".into(),
        "Old Admin".into(),
        "admin".into(),
        at.into(),
    ];
    if backend_kind != sea_orm::DatabaseBackend::Postgres {
        values.push(at.into());
    }
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend_kind,
        sql,
        values,
    ))
    .await
    .unwrap();
    engine::db::migrate(&conn).await.expect("upgrade");
    let engine = engine::Engine::new(
        conn,
        Default::default(),
        std::sync::Arc::new(engine::clock::SystemClock),
        std::sync::Arc::new(
            mailer::Mailer::from_settings(&Default::default(), testkit::PUBLIC_URL).unwrap(),
        ),
    );
    let old = engine
        .accounts()
        .find_user_by_email("old@example.com")
        .await
        .unwrap()
        .unwrap();
    engine
        .accounts()
        .set_password(
            old.id,
            "a passphrase long enough",
            &engine::audit::Actor::System,
        )
        .await
        .unwrap();
    let login = engine
        .accounts()
        .login("old@example.com", "a passphrase long enough", None)
        .await
        .unwrap();
    assert!(matches!(login, engine::sessions::Login::SignedIn { .. }));
    let accounts = engine.accounts().list_accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].locked_until.is_none());
}
