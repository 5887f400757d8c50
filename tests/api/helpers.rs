//! Shared helpers of the API tests.

/// The likert questions of the default questionnaire, in order.
pub const LIKERT_KEYS: [&str; 16] = [
    "values_shared",
    "values_tradeoffs",
    "dedication_success",
    "dedication_extra_mile",
    "dedication_minimum",
    "accountability_mistakes",
    "accountability_delivery",
    "communication_proactive",
    "communication_responsive",
    "partnership_initiative",
    "partnership_team",
    "confidentiality_trust",
    "scope_clarity",
    "scope_surprises",
    "expertise_quality",
    "expertise_current",
];

/// Declares each listed `async fn name(app: TestApp)` as two tests, `name::sqlite` and
/// `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let app = testkit::TestApp::spawn(testkit::Backend::Sqlite).await.unwrap();
                    super::$name(app).await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(app) = testkit::TestApp::spawn(testkit::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

/// Like `on_both_databases!`, for scenarios that build their own app (custom config):
/// each listed `async fn name(backend: Backend)` runs as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(testkit::Backend::Sqlite).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name(testkit::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// Asserts a problem+json answer with `status`, and returns its body.
pub async fn problem(res: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["type"].is_string() && body["detail"].is_string());
    body
}

/// Asserts a 422 whose `errors` name `field`.
pub async fn field_error(res: reqwest::Response, field: &str) -> serde_json::Value {
    let body = problem(res, 422).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&field),
        "expected an error on `{field}`, got {body}"
    );
    body
}
