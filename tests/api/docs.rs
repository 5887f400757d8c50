//! The OpenAPI document and the offline docs page.

use serde_json::Value;
use testkit::{Backend, TestApp};

#[tokio::test]
async fn openapi_document_describes_every_staff_route() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app.fetch("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/v1/me", "get"),
        ("/api/v1/providers", "post"),
        ("/api/v1/providers", "get"),
        ("/api/v1/providers/{id}", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}/references", "post"),
        ("/api/v1/profile", "get"),
        ("/api/v1/profile", "put"),
        ("/api/v1/templates", "get"),
        ("/api/v1/templates", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the document"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn docs_page_is_served_with_its_assets_from_the_binary() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app.fetch("/api/docs").await;
    assert_eq!(res.status(), 308);
    let res = app.fetch("/api/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("cdn."),
        "the page must not load assets from a CDN"
    );
    let res = app.fetch("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().len() > 100_000);
}
