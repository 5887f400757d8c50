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
        ("/api/v1/cases/{id}/launch", "post"),
        ("/api/v1/cases/{id}/nominate", "post"),
        ("/api/v1/cases/{id}/self-assessment", "post"),
        ("/api/v1/cases/{id}/cancel", "post"),
        ("/api/v1/cases/{id}/close", "post"),
        ("/api/v1/cases/{id}/events", "get"),
        ("/api/v1/cases/{id}/report", "get"),
        ("/api/v1/cases/{id}/report.csv", "get"),
        ("/api/v1/cases/{id}/decision", "post"),
        ("/api/v1/references/{id}/resend", "post"),
        ("/api/v1/references/{id}/invite", "post"),
        ("/api/v1/references/{id}/withdraw", "post"),
        ("/api/v1/engagements", "get"),
        ("/api/v1/engagements/{id}", "get"),
        ("/api/v1/engagements/{id}/stakeholders", "post"),
        ("/api/v1/engagements/{id}/pulse", "post"),
        ("/api/v1/engagements/{id}/end", "post"),
        ("/api/v1/insights/calibration", "get"),
        ("/api/v1/jobs", "get"),
        ("/api/v1/jobs/{id}/retry", "post"),
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
    // The evidence figures of the report and the case are documented.
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("Report", "organisations"),
        ("Report", "min_organisations"),
        ("Report", "sources"),
        ("Report", "self_assessment"),
        ("DimensionScore", "referees"),
        ("DimensionScore", "person_score"),
        ("DimensionScore", "sourced_score"),
        ("DimensionScore", "nominated_score"),
        ("DimensionScore", "self_score"),
        ("DimensionScore", "self_gap"),
        ("VettingCase", "min_organisations"),
        ("VettingCase", "self_assessment"),
        ("VettingCase", "engagement_id"),
        ("Engagement", "pulses"),
        ("Pulse", "dimensions"),
        ("PulseDimension", "drift"),
        ("Calibration", "alignment"),
        ("ReferenceRequest", "source"),
        ("ReferenceRequest", "organisation"),
    ] {
        assert!(
            schemas[schema]["properties"][field].is_object(),
            "{schema}.{field} missing from the document"
        );
    }
    let kinds = schemas["FlagKind"].to_string();
    for kind in [
        "insufficient_organisations",
        "nominated_only",
        "source_gap",
        "blind_spot",
        "fraud_provider_ip",
        "fraud_unviewed",
    ] {
        assert!(kinds.contains(kind), "flag {kind} missing: {kinds}");
    }
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
